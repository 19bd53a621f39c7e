/**
 * `npm run check [-- [<dir>] [--crds <dir>]… [--external-crds g1,g2] [--external Kind/ns/name,…]
 *                     [--no-kustomize] [--config platform.yaml] [--json]]`
 *
 * Validates a synthesized tree (default `dist/`) offline and exits non-zero on any finding:
 * CRD schemas, the Flux graph (paths, references, cycles, duplicates, variables, CRD ordering),
 * the secrets guards and `kubectl kustomize` of every stage folder.
 * Without --crds, the CRD directories of the TreeCheck validation plugin in cdk8s.yaml are used.
 * Objects and CRD groups outside the tree come from the platform config (`check:` and what the
 * config implies, see checkDeclarations in lib/platform.ts) and from --external / --external-crds.
 * Exit codes: 0 clean, 1 findings, 2 usage error.
 */
import * as fs from 'fs';
import { checkTreeFull, formatFindings, readCheckConfig } from '../lib/check';
import { asArray, isObject, parseYamlDocs } from '../lib/check/tree';

interface Args {
  dir: string;
  crdDirs: string[];
  externalCrds: string[];
  external: string[];
  kustomize: boolean;
  config: string;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { dir: 'dist', crdDirs: [], externalCrds: [], external: [], kustomize: true, config: process.env.PLATFORM_CONFIG || 'platform.yaml', json: false };
  let dirSet = false;
  const list = (v: string | undefined, flag: string) => {
    if (!v) throw new Error(`${flag} needs a value`);
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--crds') {
      // `--crds a b c` and `--crds a --crds b` both work
      const start = i;
      while (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) a.crdDirs.push(argv[++i]);
      if (i === start) throw new Error('--crds needs at least one directory');
    } else if (x.startsWith('--crds=')) a.crdDirs.push(...list(x.slice(7), '--crds'));
    else if (x === '--external-crds') a.externalCrds.push(...list(argv[++i], x));
    else if (x.startsWith('--external-crds=')) a.externalCrds.push(...list(x.slice(16), '--external-crds'));
    else if (x === '--external') a.external.push(...list(argv[++i], x));
    else if (x.startsWith('--external=')) a.external.push(...list(x.slice(11), '--external'));
    else if (x === '--no-kustomize') a.kustomize = false;
    else if (x === '--config') a.config = argv[++i];
    else if (x === '--json') a.json = true;
    else if (x === '--dir') a.dir = argv[++i];
    else if (!x.startsWith('--') && !dirSet) {
      a.dir = x;
      dirSet = true;
    } else throw new Error(`unknown argument "${x}"`);
  }
  return a;
}

/** `properties.crdDirs` of the TreeCheck entry of cdk8s.yaml's `validations:`. */
function pluginCrdDirs(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const doc = parseYamlDocs(fs.readFileSync(file, 'utf8')).docs[0]?.value;
  if (!isObject(doc)) return [];
  for (const v of asArray(doc.validations)) {
    if (isObject(v) && v.class === 'TreeCheck' && isObject(v.properties)) {
      return asArray(v.properties.crdDirs).filter((d): d is string => typeof d === 'string');
    }
  }
  return [];
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\nusage: npm run check -- [<dir>] [--crds <dir>…] [--external-crds g1,g2] [--external Kind/ns/name,…] [--no-kustomize] [--config platform.yaml] [--json]\n`);
    return 2;
  }
  if (!fs.existsSync(args.dir)) {
    process.stderr.write(`error: ${args.dir} does not exist (run npm run synth first, or pass the tree folder)\n`);
    return 2;
  }
  const fromConfig = readCheckConfig(args.config);
  if (args.crdDirs.length === 0) {
    // Default: the CRD directories the cdk8s validation plugin uses (cdk8s.yaml), when they exist.
    const fromCdk8s = pluginCrdDirs('cdk8s.yaml').filter((d) => fs.existsSync(d));
    if (fromCdk8s.length) process.stderr.write(`check: CRD schemas from ${fromCdk8s.join(', ')} (cdk8s.yaml validations; override with --crds)\n`);
    args.crdDirs.push(...fromCdk8s);
  }
  const started = Date.now();
  let result;
  try {
    result = await checkTreeFull(args.dir, {
      crdDirs: args.crdDirs,
      crdFiles: fromConfig.crdFiles,
      externalCrds: [...args.externalCrds, ...fromConfig.externalCrds],
      external: [...args.external, ...fromConfig.external],
      kustomize: args.kustomize,
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  if (args.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return result.findings.length > 0 ? 1 : 0;
  }
  for (const n of result.notes) process.stderr.write(`WARNING: ${n}\n`);
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (result.findings.length === 0) {
    process.stdout.write(`check: ${args.dir} is clean (${result.stages} Flux Kustomizations, ${result.objects} applied objects, ${took}s)\n`);
    return 0;
  }
  process.stdout.write(formatFindings(result.findings));
  const byRule = new Map<string, number>();
  for (const f of result.findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  process.stdout.write(
    `\ncheck: ${result.findings.length} finding(s) in ${args.dir} (${[...byRule.entries()].sort().map(([r, n]) => `${r}: ${n}`).join(', ')}; ${took}s)\n`,
  );
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  },
);
