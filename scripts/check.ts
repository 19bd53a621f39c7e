/**
 * `npm run check [-- [<dir>] [--crds <dir>]… [--external-crds g1,g2] [--external Kind/ns/name,…]
 *                     [--no-kustomize] [--config platform.yaml] [--format text|json|sarif|markdown]]`
 *
 * Validates a synthesized tree (default `dist/`) offline and exits non-zero on any finding:
 * CRD schemas, the Flux graph (paths, references, cycles, duplicates, variables, CRD ordering),
 * the secrets guards and `kubectl kustomize` of every stage folder.
 * Without --crds, the CRD directories of the TreeCheck validation plugin in cdk8s.yaml are used.
 * Objects and CRD groups outside the tree come from the platform config (`check:` and what the
 * config implies, see checkDeclarations in lib/platform.ts) and from --external / --external-crds.
 * Exit codes: 0 clean, 1 findings, 2 usage error (also: the path is a file, an empty folder, or
 * holds no Flux Kustomization).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CHECK_FORMATS, CheckFormat, checkTreeFull, formatFindings, formatMarkdown, formatSarif, pluginCrdDirs, readCheckConfig, treeInputProblem } from '../lib/check';
import { readTree } from '../lib/check/tree';

interface Args {
  dir: string;
  crdDirs: string[];
  externalCrds: string[];
  external: string[];
  kustomize: boolean;
  config: string;
  format: CheckFormat;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { dir: 'dist', crdDirs: [], externalCrds: [], external: [], kustomize: true, config: process.env.PLATFORM_CONFIG || 'platform.yaml', format: 'text' };
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
    else if (x === '--json') a.format = 'json';
    else if (x === '--format' || x.startsWith('--format=')) {
      const f = x.includes('=') ? x.slice(x.indexOf('=') + 1) : argv[++i];
      if (!CHECK_FORMATS.includes(f as CheckFormat)) throw new Error(`--format must be one of ${CHECK_FORMATS.join(', ')}, not "${f ?? ''}"`);
      a.format = f as CheckFormat;
    }
    else if (x === '--dir') a.dir = argv[++i];
    else if (!x.startsWith('--') && !dirSet) {
      a.dir = x;
      dirSet = true;
    } else throw new Error(`unknown argument "${x}"`);
  }
  return a;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\nusage: npm run check -- [<dir>] [--crds <dir>…] [--external-crds g1,g2] [--external Kind/ns/name,…] [--no-kustomize] [--config platform.yaml] [--format text|json|sarif|markdown]\n`);
    return 2;
  }
  // A missing path or a file is refused before the CRDs load; an empty folder or one without a
  // Flux Kustomization is refused by checkTreeFull (same messages, treeInputProblem).
  const problem = fs.existsSync(args.dir) && fs.statSync(args.dir).isDirectory() ? undefined : treeInputProblem(args.dir);
  if (problem) {
    process.stderr.write(`error: ${problem}\n`);
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
      externalCrds: [...args.externalCrds, ...fromConfig.externalCrds],
      external: [...args.external, ...fromConfig.external],
      kustomize: args.kustomize,
      airgapMirrors: fromConfig.airgapMirrors,
      componentVector: fromConfig.componentVector,
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const code = result.findings.length > 0 ? 1 : 0;
  if (args.format === 'json') {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return code;
  }
  // SARIF/Markdown locations are repository-relative: the tree folder relative to the working directory.
  const rel = path.relative(process.cwd(), path.resolve(args.dir)).split(path.sep).join('/');
  const root = rel.startsWith('..') ? path.resolve(args.dir) : rel;
  if (args.format === 'sarif') {
    process.stdout.write(formatSarif(result.findings, { root, files: readTree(args.dir), notes: result.notes }));
    return code;
  }
  if (args.format === 'markdown') {
    process.stdout.write(formatMarkdown(result.findings, { root, tree: args.dir, notes: result.notes }));
    return code;
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
