/**
 * Regenerates `imports/` offline from a directory of CRD YAML files (e.g. `../shared/crds`).
 *
 *   npm run import -- <crd-dir> [--groups g1,g2,…]
 *
 * `cdk8s import` names its output after the API group, so importing two files of one group
 * overwrites the first (toolchain study, G4). This script therefore concatenates every CRD of a
 * group (deduplicated by CRD name, first file in sorted order wins) into one temporary file per
 * group and imports each group once. The output is deterministic.
 *
 *   npm run import -- <crd-dir> --groups g1,g2 --module <name>
 *
 * writes `imports/<name>/<group>.ts` instead (and leaves the unversioned imports alone). The
 * Flux L1 classes of the Kommander releases are generated this way, from each release's own
 * CRD files (read from ../shared, never copied into the project):
 *
 *   npm run import -- ../shared/kommander-applications/v2.8.3/services/kommander-flux/2.2.3 \
 *     --groups source.toolkit.fluxcd.io,helm.toolkit.fluxcd.io,kustomize.toolkit.fluxcd.io --module flux-2.2.3
 *   npm run import -- ../shared/kommander-applications/v2.17.1/applications/kommander-flux \
 *     --groups source.toolkit.fluxcd.io,helm.toolkit.fluxcd.io,kustomize.toolkit.fluxcd.io --module flux-2.7.2
 *
 * Provenance of those modules: mesosphere/kommander-applications tag v2.8.3 (commit
 * f8aa7feb2cf2eb32f350cb3ded878cceedc4d6d4), `services/kommander-flux/2.2.3/templates/
 * apiextensions.k8s.io_v1_customresourcedefinition_*.yaml` (Flux v2.2.3: source-controller v1.2.4,
 * helm-controller v0.37.4, kustomize-controller v1.2.2); tag v2.17.1 (commit
 * 64c03972c7c5b12689a731cff4ba140a3c3b8e7f), `applications/kommander-flux/bootstrap-flux.yaml`
 * (Flux v2.7.2 rendered by the flux2 chart 2.17.1: source-controller v1.7.2, helm-controller
 * v1.4.2, kustomize-controller v1.7.1). See ../shared/kommander-applications/SOURCES.md.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { compareCodeUnits } from '../lib/order';

/** The API groups this project builds on. */
export const DEFAULT_GROUPS = [
  'source.toolkit.fluxcd.io',
  'helm.toolkit.fluxcd.io',
  'kustomize.toolkit.fluxcd.io',
  'cert-manager.io',
  'acme.cert-manager.io',
  'cert.gardener.cloud',
  'dns.gardener.cloud',
  'operator.gardener.cloud',
];

function listYaml(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareCodeUnits(a.name, b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYaml(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Collects CRD documents per group, preferring single-CRD files over bundled install manifests. */
export function collectCrds(dir: string, groups: readonly string[]): Map<string, string[]> {
  const files = listYaml(dir).sort((a, b) => {
    const bundle = (f: string) => (/install|crds\.ya?ml$/.test(path.basename(f)) ? 1 : 0);
    return bundle(a) - bundle(b) || compareCodeUnits(a, b);
  });
  const seen = new Set<string>();
  const byGroup = new Map<string, string[]>();
  for (const file of files) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const group: string = crd.spec?.group;
      if (!groups.includes(group) || seen.has(crd.metadata.name)) continue;
      seen.add(crd.metadata.name);
      const docs = byGroup.get(group) ?? [];
      docs.push(YAML.stringify(crd));
      byGroup.set(group, docs);
    }
  }
  return byGroup;
}

function main(argv: string[]): number {
  const dir = argv.find((a, i) => !a.startsWith('--') && !['--groups', '--module'].includes(argv[i - 1]));
  const groupsArg = argv.indexOf('--groups');
  const groups = groupsArg >= 0 ? argv[groupsArg + 1].split(',') : DEFAULT_GROUPS;
  const moduleArg = argv.indexOf('--module');
  const moduleName = moduleArg >= 0 ? argv[moduleArg + 1] : undefined;
  if (moduleName !== undefined && !/^[a-z0-9][a-z0-9.-]*$/.test(moduleName)) {
    process.stderr.write(`--module: "${moduleName}" is not a module folder name (lowercase letters, digits, '.', '-'; e.g. flux-2.2.3)\n`);
    return 2;
  }
  const outdir = path.resolve(__dirname, '..', '..', 'imports', ...(moduleName ? [moduleName] : []));
  const shown = moduleName ? `imports/${moduleName}` : 'imports';
  if (!dir || !fs.existsSync(dir)) {
    process.stderr.write(`usage: npm run import -- <crd-dir> [--groups g1,g2] [--module name]\n(no such directory: ${dir ?? '(none)'})\n`);
    return 2;
  }
  const byGroup = collectCrds(dir, groups);
  const missing = groups.filter((g) => !byGroup.has(g));
  if (missing.length) {
    process.stderr.write(`no CRDs found under ${dir} for group(s): ${missing.join(', ')}\n`);
    return 1;
  }
  fs.mkdirSync(outdir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-import-'));
  const cli = path.resolve(__dirname, '..', '..', 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
  for (const group of [...byGroup.keys()].sort()) {
    const file = path.join(tmp, `${group}.yaml`);
    fs.writeFileSync(file, byGroup.get(group)!.join('---\n'));
    execFileSync(process.execPath, [cli, 'import', file, '--output', outdir, '--no-save', '--no-check-upgrade'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    process.stdout.write(`imported ${group} (${byGroup.get(group)!.length} CRDs) -> ${shown}/${group}.ts\n`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
