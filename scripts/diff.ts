/**
 * `npm run diff [-- [--base <git-ref>] [--format text|markdown] [--dist <dir>] [--head <dir>] [--crds d1,d2]]`
 *
 * Compares what a fresh synth of the current config would commit (`node build/main.js --output
 * <tmp>`, or the folder given with --head) against `dist/` at a Git ref (default HEAD), per object
 * and grouped by stage: added, changed (field-level), removed (Flux PRUNES them: deleted from the
 * cluster) and recreated (renames, immutable fields). Secrets: only that they changed.
 * Exit codes: 0 no changes, 1 changes, 2 error.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadRegistry, pluginCrdDirs } from '../lib/check';
import { readTree } from '../lib/check/tree';
import { diffTrees, renderDiffMarkdown, renderDiffText } from '../lib/diff';
import { git, readGitTree } from '../lib/diff/git';
import { renderRollout } from '../lib/plan';

interface Args {
  base: string;
  format: 'text' | 'markdown';
  dist: string;
  head?: string;
  crds: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { base: 'HEAD', format: 'text', dist: 'dist', crds: [] };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const val = () => {
      const v = x.includes('=') ? x.slice(x.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error(`${x} needs a value`);
      return v;
    };
    if (x === '--base' || x.startsWith('--base=')) a.base = val();
    else if (x === '--format' || x.startsWith('--format=')) {
      const f = val();
      if (f !== 'text' && f !== 'markdown') throw new Error(`--format must be text or markdown, not "${f}"`);
      a.format = f;
    } else if (x === '--dist' || x.startsWith('--dist=')) a.dist = val();
    else if (x === '--head' || x.startsWith('--head=')) a.head = val();
    else if (x === '--crds' || x.startsWith('--crds=')) a.crds.push(...val().split(',').filter(Boolean));
    else throw new Error(`unknown argument "${x}"`);
  }
  return a;
}

function freshSynth(): { dir: string; files: Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-diff-'));
  const r = spawnSync(process.execPath, [path.resolve(__dirname, '../main.js'), '--output', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`synth failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  return { dir, files: readTree(dir) };
}

function main(): number {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\nusage: npm run diff -- [--base <git-ref>] [--format text|markdown] [--dist <dir>] [--head <dir>] [--crds d1,d2]\n`);
    return 2;
  }
  let base: Map<string, string>;
  let head: Map<string, string>;
  let tmp: string | undefined;
  try {
    const top = git(['rev-parse', '--show-toplevel']).toString().trim();
    const prefix = path.relative(top, path.resolve(args.dist)).split(path.sep).join('/');
    base = readGitTree(args.base, prefix);
    if (base.size === 0) process.stderr.write(`note: ${prefix}/ does not exist at ${args.base}; everything is new\n`);
    if (args.head) head = readTree(args.head);
    else {
      const s = freshSynth();
      tmp = s.dir;
      head = s.files;
    }
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
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

process.exitCode = main();
