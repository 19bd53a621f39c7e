/**
 * `npm run -s check -- [--output <dir>] [--config <file>] [--crds <dir>]… [--external-crds g1,g2]
 *                     [--external Kind/ns/name,…] [--no-kustomize] [--format text|json|sarif|markdown]`
 *                     (`--help`: CHECK_COMMAND)
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
import { CommandSpec, CONFIG_FLAG, outputFlag, ParsedArgs, runCommand } from '../lib/args';
import * as path from 'path';
import { CHECK_FORMATS, CheckFormat, checkTreeFull, formatFindings, formatMarkdown, formatSarif, pluginCrdDirs, readCheckConfig, treeInputProblem } from '../lib/check';
import { readTree } from '../lib/check/tree';
import { errorText, requireTreeDir } from '../lib/inputs';
import { DEFAULT_LIMITS, readBoundedFile } from '../lib/yaml-bounds';

export const CHECK_COMMAND: CommandSpec = {
  name: 'check',
  summary: 'validate a synthesized tree offline (CRD schemas, the Flux graph, the secrets guards, kubectl kustomize)',
  positional: { name: 'dir', help: 'the tree to check (same as --output)' },
  flags: [
    CONFIG_FLAG,
    outputFlag('the synthesized tree to check (default dist)'),
    { name: 'crds', value: 'dir', repeatable: true, help: 'CRD directories for the schema rule (default: the crdDirs of the validation plugin in cdk8s.yaml)' },
    { name: 'external-crds', value: 'groups', repeatable: true, help: 'API groups whose CRDs are installed outside the tree' },
    { name: 'external', value: 'Kind/ns/name', repeatable: true, help: 'objects created outside the tree' },
    { name: 'no-kustomize', help: 'skip `kubectl kustomize` of the stage folders' },
    { name: 'format', value: 'text|json|sarif|markdown', help: 'output format (default text); sarif is SARIF 2.1.0 for GitHub code scanning, markdown a PR comment' },
    { name: 'json', help: 'the same as --format json' },
  ],
  exitCodes: [
    [0, 'clean'],
    [1, 'findings (printed, one per problem, with the fix)'],
    [2, 'usage error, or the path is not a tree (missing, a file, an empty folder, no Flux Kustomization)'],
  ],
  details: 'Objects and CRD groups outside the tree also come from the config (`check:` and what the config implies, see checkDeclarations in lib/platform.ts).',
};

interface Args {
  dir: string;
  crdDirs: string[];
  externalCrds: string[];
  external: string[];
  kustomize: boolean;
  config: string;
  format: CheckFormat;
}

function toArgs(p: ParsedArgs): Args {
  return {
    dir: p.string('output') ?? p.positionals[0] ?? 'dist',
    crdDirs: p.list('crds'),
    externalCrds: p.list('external-crds'),
    external: p.list('external'),
    kustomize: !p.flag('no-kustomize'),
    config: p.config(),
    format: p.flag('json') ? 'json' : ((p.string('format') ?? 'text') as CheckFormat),
  };
}

async function main(parsed: ParsedArgs): Promise<number> {
  const args = toArgs(parsed);
  if (!CHECK_FORMATS.includes(args.format)) {
    process.stderr.write(`error: --format must be one of ${CHECK_FORMATS.join(', ')}, not "${args.format}"\n`);
    return 2;
  }
  // A missing path, a file or an unreadable folder is refused before the CRDs load (lib/inputs);
  // an empty folder or one without a Flux Kustomization is refused by checkTreeFull
  // (treeInputProblem). The config is read with synth's bounds (a FIFO or /dev/zero must not hang).
  const problem = fs.existsSync(args.dir) && fs.statSync(args.dir).isDirectory() && fs.readdirSync(args.dir).length > 0 ? undefined : treeInputProblem(args.dir);
  if (problem) {
    process.stderr.write(`error: ${problem}\n`);
    return 2;
  }
  try {
    requireTreeDir(args.dir, "the tree", { hint: 'run npm run synth first, or pass the tree folder' });
    if (fs.existsSync(args.config)) readBoundedFile(args.config, DEFAULT_LIMITS.maxBytes, 'the config file');
  } catch (e) {
    process.stderr.write(`error: ${errorText(e)}\n`);
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

runCommand(CHECK_COMMAND, process.argv.slice(2), main).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`error: ${errorText(e)}\n`);
    process.exitCode = 2;
  },
);
