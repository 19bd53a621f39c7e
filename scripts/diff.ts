/**
 * `npm run -s diff -- [--config <file>] [--output <dir>] [--base <git-ref>] [--format text|markdown] [--head <dir>] [--crds <dir>]…`
 *
 * Compares what a fresh synth of the config would commit (in memory, or the folder given with
 * --head) against `dist/` at a Git ref (default HEAD), per object
 * and grouped by stage: added, changed (field-level), removed (Flux PRUNES them: deleted from the
 * cluster), recreated (renames, immutable fields) and refused (the CRD's transition rules, `oldSelf`
 * bound to the object at the base). Secrets: only that they changed.
 * Exit codes: 0 no changes, 1 changes, 2 error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CommandSpec, CONFIG_FLAG, outputFlag, ParsedArgs, runCommand, UsageError } from '../lib/args';
import { loadRegistry, pluginCrdDirs } from '../lib/check';
import { synthesize } from '../lib/cli';
import { ConfigError, loadConfig } from '../lib/config/load';
import { errorText, InputError, readTreeBounded, requireTreeDir } from '../lib/inputs';
import { diffTrees, renderDiffMarkdown, renderDiffText } from '../lib/diff';
import { git, readGitTree } from '../lib/diff/git';
import { renderRollout } from '../lib/plan';

export const DIFF_COMMAND: CommandSpec = {
  name: 'diff',
  summary: 'compare a fresh synth of the config with the committed tree at a Git ref, per object and stage',
  flags: [
    CONFIG_FLAG,
    outputFlag('the committed tree, read at --base from Git (default dist)'),
    { name: 'base', value: 'git-ref', help: 'the Git ref to compare against (default HEAD)' },
    { name: 'format', value: 'text|markdown', help: 'text (default), or markdown for a PR comment' },
    { name: 'head', value: 'dir', help: 'compare this tree instead of a fresh synth of --config' },
    { name: 'dist', value: 'dir', help: 'same as --output (older name)' },
    { name: 'crds', value: 'dir', repeatable: true, help: 'CRDs whose transition rules (oldSelf) refuse updates (default: the crdDirs of the validation plugin in cdk8s.yaml)' },
  ],
  exitCodes: [
    [0, 'no changes'],
    [1, 'changes (printed: added, changed, removed = pruned by Flux, recreated)'],
    [2, 'usage error, invalid config, or Git/tree error'],
  ],
  details: 'Secrets: only that they changed, never their values.',
};

interface Args {
  base: string;
  format: 'text' | 'markdown';
  dist: string;
  head?: string;
  config: string;
  crds: string[];
}

function toArgs(p: ParsedArgs): Args {
  const f = p.string('format') ?? 'text';
  if (f !== 'text' && f !== 'markdown') throw new UsageError(`--format must be text or markdown, not "${f}"`);
  if (p.has('output') && p.has('dist')) throw new UsageError('--output and --dist name the same folder; give one');
  const head = p.string('head');
  return { base: p.string('base') ?? 'HEAD', format: f, dist: p.string('output') ?? p.string('dist') ?? 'dist', config: p.config(), crds: p.list('crds'), ...(head ? { head } : {}) };
}

/** The files a fresh synth of the config would write (in memory; nothing is written). */
function freshSynth(configFile: string): Map<string, string> {
  try {
    return new Map(synthesize(loadConfig(configFile)).map((f) => [f.path, f.content.toString()]));
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(`${configFile} has ${e.problems.length} problem(s):\n${e.problems.map((p) => `  - ${p.message}`).join('\n')}`);
    throw new Error(`synth failed: ${(e as Error).message}`);
  }
}

function main(parsed: ParsedArgs): number {
  const args = toArgs(parsed);
  let base: Map<string, string>;
  let head: Map<string, string>;
  try {
    // a revision is handed to git: never one that git could read as an option
    if (args.base.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(args.base)) throw new InputError([{ file: '--base', message: `${JSON.stringify(args.base)} is not a Git revision (pass a branch, tag or commit, e.g. --base origin/main)` }]);
    if (fs.existsSync(args.dist) && !fs.statSync(args.dist).isDirectory()) throw new InputError([{ file: args.dist, message: '--dist is a file, not a folder (pass the folder of the tree in Git, e.g. --dist dist)' }]);
    const top = git(['rev-parse', '--show-toplevel']).toString().trim();
    const prefix = path.relative(top, path.resolve(args.dist)).split(path.sep).join('/');
    base = readGitTree(args.base, prefix);
    if (base.size === 0) process.stderr.write(`note: ${prefix}/ does not exist at ${args.base}; everything is new\n`);
    if (args.head) head = readTreeBounded(requireTreeDir(args.head, "the --head folder", { hint: 'pass the folder of a synthesized tree, e.g. --head /tmp/tree after npm run synth -- --output /tmp/tree' }));
    else head = freshSynth(args.config);
  } catch (e) {
    process.stderr.write(`error: ${errorText(e)}\n`);
    return 2;
  }
  // ROLLOUT.md is written by `npm run plan`; compare the one it would write.
  if (base.has('ROLLOUT.md') && !head.has('ROLLOUT.md')) head.set('ROLLOUT.md', renderRollout(head));
  // The CRDs' transition rules (oldSelf) decide which updates the API server refuses: --crds, or
  // the CRD folders of the check plugin in cdk8s.yaml.
  let registry;
  try {
    const crds = args.crds.length > 0 ? args.crds : pluginCrdDirs('cdk8s.yaml').filter((d) => fs.existsSync(d));
    registry = crds.length > 0 ? loadRegistry(crds) : undefined;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const report = diffTrees(base, head, { registry });
  process.stdout.write(args.format === 'markdown' ? renderDiffMarkdown(report, { base: args.base }) : renderDiffText(report, { base: args.base }));
  return report.hasChanges ? 1 : 0;
}

runCommand(DIFF_COMMAND, process.argv.slice(2), main).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 2;
  },
);
