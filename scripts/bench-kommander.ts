/**
 * `node build/scripts/bench-kommander.js [--tag v2.17.1] [--runs 5]`
 *
 * Times the synth of the Kommander example config pointed at a real release tree
 * (../shared/kommander-applications/<tag>: config -> release reader -> steps -> rendered files,
 * writer-less) against a cdk8s floor measured in the same run: the same objects (every document of
 * the rendered output: the synthesizer's own objects and the release's, ~640 for v2.17.1) as plain
 * ApiObjects in one Chart per folder, rendered to YAML the same way (`chart.toJson()` +
 * `YAML.stringify`), with the release's YAML read and parsed as the synthesizer must.
 * Each measurement is a fresh `node` process; prints a Markdown table of the medians.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = path.resolve(ROOT, '..', 'shared', 'kommander-applications');

function configFor(tag: string): string {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const YAML = require('yaml') as typeof import('yaml');
  const raw = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples', `kommander-${tag}.yaml`), 'utf8'));
  raw.applicationDefinitions = path.join(SHARED, tag);
  const file = path.join(os.tmpdir(), `bench-kommander-${tag}.yaml`);
  fs.writeFileSync(file, YAML.stringify(raw));
  return file;
}

/** Ours: config -> constructs -> rendered files (no writer). Prints `ms files documents`. */
function childOurs(configFile: string): void {
  const t0 = process.hrtime.bigint();
  const { synthesize } = require('../lib/cli') as typeof import('../lib/cli');
  const { loadConfig } = require('../lib/config/load') as typeof import('../lib/config/load');
  const files = synthesize(loadConfig(configFile));
  let docs = 0;
  for (const f of files) if (f.path.endsWith('.yaml')) docs += (f.content.toString().match(/^kind: /gm) ?? []).length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`${ms.toFixed(1)} ${files.length} ${docs}\n`);
}

/** The documents of the rendered output, grouped by folder, for the floor. */
function prepareFloor(configFile: string, out: string): number {
  const { synthesize } = require('../lib/cli') as typeof import('../lib/cli');
  const { loadConfig } = require('../lib/config/load') as typeof import('../lib/config/load');
  const YAML = require('yaml') as typeof import('yaml');
  const folders: { [folder: string]: unknown[] } = {};
  let n = 0;
  for (const f of synthesize(loadConfig(configFile))) {
    if (!f.path.endsWith('.yaml') || f.path.endsWith('kustomization.yaml')) continue;
    for (const d of YAML.parseAllDocuments(f.content.toString(), { logLevel: 'error' })) {
      const o = d.toJS({ maxAliasCount: 100 });
      if (!o?.kind || !o.metadata?.name) continue;
      (folders[path.posix.dirname(f.path)] ??= []).push(o);
      n++;
    }
  }
  fs.writeFileSync(out, JSON.stringify(folders));
  return n;
}

/** The floor: the same objects as plain ApiObjects, rendered the same way. Prints `ms documents`. */
function childFloor(objectsFile: string, tag: string): void {
  const t0 = process.hrtime.bigint();
  const { ApiObject, App, Chart } = require('cdk8s') as typeof import('cdk8s');
  const YAML = require('yaml') as typeof import('yaml');
  // The synthesizer reads and parses the release's YAML; so does the floor (same files).
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(d, e.name)] : []));
  for (const f of walk(path.join(SHARED, tag))) YAML.parseAllDocuments(fs.readFileSync(f, 'utf8'), { logLevel: 'error' });
  const folders = JSON.parse(fs.readFileSync(objectsFile, 'utf8')) as { [folder: string]: any[] };
  const app = new App({ outdir: '.' });
  let i = 0;
  const charts: InstanceType<typeof Chart>[] = [];
  for (const [folder, objs] of Object.entries(folders)) {
    const chart = new Chart(app, folder.replace(/[^A-Za-z0-9]/g, '-') || 'root', { disableResourceNameHashes: true });
    charts.push(chart);
    for (const o of objs) new ApiObject(chart, `o${i++}`, o);
  }
  let docs = 0;
  for (const c of charts) for (const j of c.toJson()) (YAML.stringify(j), docs++);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`${ms.toFixed(1)} ${docs}\n`);
}

function run(args: string[]): { wall: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [__filename, ...args], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed: ${r.stderr}`);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6, out: r.stdout.trim() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(argv: string[]): void {
  if (argv[0] === '--child-ours') return childOurs(argv[1]);
  if (argv[0] === '--child-floor') return childFloor(argv[1], argv[2]);
  let tag = 'v2.17.1';
  let runs = 5;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tag') tag = argv[++i];
    else if (argv[i] === '--runs') runs = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (usage: bench-kommander [--tag v2.17.1] [--runs 5])`);
  }
  if (!fs.existsSync(path.join(SHARED, tag))) throw new Error(`${path.join(SHARED, tag)} does not exist (the real release trees are test data in ../shared)`);
  const configFile = configFor(tag);
  const objectsFile = path.join(os.tmpdir(), `bench-kommander-${tag}.json`);
  const objects = prepareFloor(configFile, objectsFile);
  const ours: { wall: number; inner: number; files: number; docs: number }[] = [];
  const floor: { wall: number; inner: number; docs: number }[] = [];
  for (let r = 0; r < runs; r++) {
    const a = run(['--child-ours', configFile]);
    const [ms, files, docs] = a.out.split(' ').map(Number);
    ours.push({ wall: a.wall, inner: ms, files, docs });
    const b = run(['--child-floor', objectsFile, tag]);
    const [fms, fdocs] = b.out.split(' ').map(Number);
    floor.push({ wall: b.wall, inner: fms, docs: fdocs });
  }
  const o = { wall: median(ours.map((x) => x.wall)), inner: median(ours.map((x) => x.inner)) };
  const f = { wall: median(floor.map((x) => x.wall)), inner: median(floor.map((x) => x.inner)) };
  const lines = [
    `Kommander ${tag} (real tree), ${objects} objects in the output (${ours[0].files} files), median of ${runs} runs, node ${process.version}`,
    '',
    '| | process wall ms | in-process ms | vs floor (in-process) |',
    '| --- | ---: | ---: | ---: |',
    `| synth (config -> release -> steps -> rendered files) | ${o.wall.toFixed(0)} | ${o.inner.toFixed(0)} | ${(o.inner / f.inner).toFixed(2)}x |`,
    `| cdk8s floor (same objects as ApiObjects, read + rendered) | ${f.wall.toFixed(0)} | ${f.inner.toFixed(0)} | 1.00x |`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main(process.argv.slice(2));
