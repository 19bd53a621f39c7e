/**
 * `npm run bench [-- --sizes 1000,5000,10000 --runs 3 --no-kustomize --no-cli --tmp <dir>]`
 *
 * Times synth of the example tree and of generated fleets (N objects: stages of HelmRepository,
 * ConfigMap, HelmRelease and Flux Kustomization objects, built with the project's constructs and
 * written by its writer) against, measured in the same run:
 * - the floor: the same objects as plain cdk8s ApiObjects, synthesized by `app.synth()`;
 * - `kubectl kustomize` of the same trees (every stage folder, one build each, as Flux does);
 * - `cdk8s synth` through the CLI (example tree and the largest fleet).
 * Every measurement is a whole `node` process, timed with `/usr/bin/time -f '%e %M'` (wall
 * seconds, peak RSS). Prints a Markdown table: median wall time and peak memory of `--runs` runs.
 * Trees are written to /dev/shm when it is a tmpfs (creating a file on this VM's disk costs
 * ~0.5 ms of system time, which would swamp both synth and the floor); `--tmp <dir>` overrides.
 *
 * Targets (a benchmark, not a test): ≤ 1.5× the floor at every size; 10k objects < 3 s and
 * < 400 MB; at most a quarter of the `kubectl kustomize` time.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const BUILD = path.resolve(__dirname, '..');
const TIME = '/usr/bin/time';

// -------------------------------------------------------------------------------------------------
// Children (each runs in its own process)

/** Objects per stage folder (units of HelmRepository + ConfigMap + HelmRelease + Kustomization). */
const UNITS_PER_STAGE = 25;

/** The fleet, built with the project's constructs and written by its writer. */
function childOurs(n: number, outdir: string): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App } = require('cdk8s') as typeof import('cdk8s');
  const { k8s } = require('../lib/k8s') as typeof import('../lib/k8s');
  const kustomize = require('../imports/kustomize.toolkit.fluxcd.io') as typeof import('../imports/kustomize.toolkit.fluxcd.io');
  const { Folder } = require('../lib/tree/folder') as typeof import('../lib/tree/folder');
  const { renderTree } = require('../lib/tree/render') as typeof import('../lib/tree/render');
  const { writeTree } = require('../lib/tree/writer') as typeof import('../lib/tree/writer');
  const { GitRepository, HelmRepository } = require('../lib/flux/sources') as typeof import('../lib/flux/sources');
  const { HelmRelease } = require('../lib/flux/helm-release') as typeof import('../lib/flux/helm-release');
  const { Stage } = require('../lib/flux/stage') as typeof import('../lib/flux/stage');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const app = new App({ outdir: '.' });
  const root = new Folder(app, 'Root', { path: 'clusters/bench' });
  const git = new GitRepository(root, 'Git', { name: 'bench', namespace: 'flux-system', url: 'https://git.example.com/fleet.git' });
  new kustomize.Kustomization(root, 'RootKustomization', {
    metadata: { name: 'bench', namespace: 'flux-system' },
    spec: { interval: '10m', path: './clusters/bench', prune: true, sourceRef: { kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: 'bench' } },
  });
  // The per-app Kustomizations apply one shared (empty) configuration folder.
  new Folder(app, 'Common', { path: 'fleet/common' });
  const units = Math.max(1, Math.round((n - 2) / (4 * UNITS_PER_STAGE + 1) * UNITS_PER_STAGE));
  let previous: InstanceType<typeof Stage> | undefined;
  for (let s = 0, u = 0; u < units; s++) {
    const sid = String(s).padStart(4, '0');
    const stage: InstanceType<typeof Stage> = new Stage(root, `Stage${sid}`, {
      name: `stage-${sid}`,
      namespace: 'flux-system',
      path: `fleet/stage-${sid}`,
      source: git,
      dependsOn: previous && s % 10 !== 0 ? [previous] : [],
    });
    previous = stage;
    for (let i = 0; i < UNITS_PER_STAGE && u < units; i++, u++) {
      const id = `app-${String(u).padStart(5, '0')}`;
      const ns = `team-${u % 20}`;
      const repo = new HelmRepository(stage.folder, `${id}-repo`, { name: `${id}-charts`, namespace: ns, url: `https://charts.example.com/${id}` });
      new k8s.KubeConfigMap(stage.folder, `${id}-values`, { metadata: { name: `${id}-values`, namespace: ns }, data: { 'values.yaml': `replicaCount: ${1 + (u % 3)}\nimage:\n  tag: v1.${u}.0\n` } });
      new HelmRelease(stage.folder, `${id}-release`, {
        name: id,
        namespace: ns,
        chart: id,
        version: `1.${u % 50}.0`,
        source: repo,
        valuesFrom: [{ kind: 'ConfigMap', name: `${id}-values` }],
        values: { ingress: { enabled: true, host: `${id}.example.com` } },
      });
      new kustomize.Kustomization(stage.folder, `${id}-config`, {
        metadata: { name: `${id}-config`, namespace: ns },
        spec: { interval: '30m', path: './fleet/common', prune: true, sourceRef: { kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: 'bench', namespace: 'flux-system' } },
      });
    }
  }
  writeTree(renderTree(app), outdir);
}

/** The floor: the same objects as plain ApiObjects, one chart per folder, written by `app.synth()`. */
function childFloor(jsonFile: string, outdir: string): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App, ApiObject, Chart, YamlOutputType } = require('cdk8s') as typeof import('cdk8s');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const objects = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { folder: string; obj: { apiVersion: string; kind: string; metadata: { name: string } } }[];
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
  const charts = new Map<string, InstanceType<typeof Chart>>();
  objects.forEach(({ folder, obj }, i) => {
    let chart = charts.get(folder);
    if (!chart) {
      chart = new Chart(app, folder.replace(/\//g, '__') || 'root', { disableResourceNameHashes: true });
      charts.set(folder, chart);
    }
    new ApiObject(chart, `o${i}`, obj as never);
  });
  app.synth();
}

// -------------------------------------------------------------------------------------------------
// Parent

interface Sample {
  readonly wall: number;
  readonly rssMb: number;
  readonly ok: boolean;
  readonly error?: string;
}

function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdoutTo?: string } = {}): Sample {
  const out = path.join(os.tmpdir(), `bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const shellCmd = [TIME, '-o', out, '-f', '%e %M', cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ') + (opts.stdoutTo ? ` > '${opts.stdoutTo}'` : ' > /dev/null');
  const r = spawnSync('/bin/sh', ['-c', shellCmd], { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n').pop() ?? '' : '';
  fs.rmSync(out, { force: true });
  const [wall, kb] = line.split(' ').map(Number);
  if (r.status !== 0) return { wall: wall || 0, rssMb: (kb || 0) / 1024, ok: false, error: (r.stderr || '').trim().split('\n').slice(-3).join(' ') };
  return { wall, rssMb: kb / 1024, ok: true };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Measured {
  readonly wall: number;
  readonly rssMb: number;
  readonly error?: string;
}

function measure(runs: number, fn: () => Sample): Measured {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const s = fn();
    if (!s.ok) return { wall: NaN, rssMb: NaN, error: s.error };
    samples.push(s);
  }
  return { wall: median(samples.map((s) => s.wall)), rssMb: Math.max(...samples.map((s) => s.rssMb)) };
}

/** Where the trees are written: tmpfs when available (see --tmp). */
let scratch = os.tmpdir();

function fresh(prefix: string): string {
  return fs.mkdtempSync(path.join(scratch, `bench-${prefix}-`));
}

/** True when `dir` is on a tmpfs (so the numbers measure the tools, not the disk). */
function isTmpfs(dir: string): boolean {
  try {
    const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
    const real = fs.realpathSync(dir);
    let best = { mount: '', type: '' };
    for (const [, mount, type] of mounts) {
      if (mount && (real === mount || real.startsWith(mount.endsWith('/') ? mount : `${mount}/`)) && mount.length > best.mount.length) best = { mount, type };
    }
    return best.type === 'tmpfs';
  } catch {
    return false;
  }
}

/** Objects of a synthesized tree (every YAML document but kustomization.yaml files), with their folder. */
function exportObjects(treeDir: string, jsonFile: string): number {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { readTree, parseYamlDocs, dirOf, isObject } = require('../lib/check/tree') as typeof import('../lib/check/tree');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const out: { folder: string; obj: unknown }[] = [];
  for (const [file, text] of readTree(treeDir)) {
    if (!/\.ya?ml$/.test(file) || file.endsWith('kustomization.yaml') || file.endsWith('/.sops.yaml') || file === '.sops.yaml') continue;
    for (const d of parseYamlDocs(text).docs) {
      if (isObject(d.value) && typeof d.value.kind === 'string') out.push({ folder: dirOf(file), obj: d.value });
    }
  }
  fs.writeFileSync(jsonFile, JSON.stringify(out));
  return out.length;
}

/**
 * A shell script that builds every folder the tree's Flux Kustomizations apply, one
 * `kubectl kustomize` each, one after the other: what kustomize-controller does for the tree.
 * (One build of all folders together is no fair comparison: kustomize is superlinear in the
 * number of resources per build, kustomize#5084.)
 */
function kustomizeScript(treeDir: string): string {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildModel } = require('../lib/check/model') as typeof import('../lib/check/model');
  const { readTree } = require('../lib/check/tree') as typeof import('../lib/check/tree');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const model = buildModel(readTree(treeDir));
  const folders = [...new Set([...model.stages.values()].filter((s) => s.inTree && s.kustomizationFile && s.path !== undefined).map((s) => s.path as string))].sort();
  const script = path.join(fresh('kustomize'), 'build-all.sh');
  const lines = ['#!/bin/sh', 'set -e', ...folders.map((f) => `kubectl kustomize --load-restrictor LoadRestrictionsNone '${path.join(treeDir, f)}' > /dev/null`)];
  fs.writeFileSync(script, lines.join('\n') + '\n');
  return script;
}

function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client=true'], { encoding: 'utf8' }).status === 0;
}

interface Row {
  readonly tree: string;
  readonly objects: number;
  readonly ours: Measured;
  readonly floor: Measured;
  readonly kustomize?: Measured;
  readonly cli?: Measured;
  readonly cliValidate?: Measured;
}

function fmt(m: Measured | undefined): string {
  if (!m) return '–';
  if (m.error) return `error (${m.error.slice(0, 60)})`;
  return `${m.wall.toFixed(2)} s / ${Math.round(m.rssMb)} MB`;
}

function ratio(a: Measured | undefined, b: Measured | undefined): string {
  if (!a || !b || a.error || b.error || !b.wall) return '–';
  return `${(a.wall / b.wall).toFixed(2)}×`;
}

function parent(argv: readonly string[]): number {
  let sizes = [1000, 5000, 10000];
  let runs = 3;
  let kustomize = true;
  let cli = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sizes') sizes = argv[++i].split(',').map(Number);
    else if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--no-kustomize') kustomize = false;
    else if (a === '--no-cli') cli = false;
    else if (a === '--tmp') scratch = argv[++i];
    else {
      process.stderr.write(`error: unknown argument "${a}"\nusage: npm run bench -- [--sizes 1000,5000,10000] [--runs 3] [--no-kustomize] [--no-cli] [--tmp <dir>]\n`);
      return 2;
    }
  }
  if (!argv.includes('--tmp') && fs.existsSync('/dev/shm') && isTmpfs('/dev/shm')) scratch = '/dev/shm';
  if (!fs.existsSync(TIME)) {
    process.stderr.write(`error: ${TIME} is needed to measure peak memory (apt-get install time)\n`);
    return 2;
  }
  if (kustomize && !hasKubectl()) {
    process.stderr.write('WARNING: kubectl not found: the kubectl kustomize column is SKIPPED\n');
    kustomize = false;
  }
  const node = process.execPath;
  const self = path.join(BUILD, 'scripts', 'bench.js');
  const cdk8s = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
  const rows: Row[] = [];
  const fsNote = `trees written to ${scratch} (${isTmpfs(scratch) ? 'tmpfs: measures the tools, not the disk' : 'disk'})`;
  process.stderr.write(`bench: ${os.cpus().length} CPUs, node ${process.version}, ${runs} run(s) each, median wall / peak RSS; ${fsNote}\n`);

  const trees: { label: string; ours: (out: string) => [string, string[]]; cliApp: string }[] = [
    {
      label: 'example (platform.yaml)',
      ours: (out) => [node, [path.join(BUILD, 'main.js'), '--output', out]],
      cliApp: `${node} ${path.join(BUILD, 'main.js')}`,
    },
    ...sizes.map((n) => ({
      label: `fleet ${n}`,
      ours: (out: string): [string, string[]] => [node, [self, '--child', 'ours', String(n), out]],
      cliApp: `${node} ${self} --child ours ${n}`,
    })),
  ];
  for (const [index, t] of trees.entries()) {
    process.stderr.write(`bench: ${t.label}…\n`);
    // One untimed run produces the tree the floor and kustomize use (and warms the file cache).
    const treeDir = fresh('tree');
    const [cmd0, args0] = t.ours(treeDir);
    const first = timed(cmd0, args0, { cwd: ROOT });
    if (!first.ok) {
      process.stderr.write(`error: synth of ${t.label} failed: ${first.error}\n`);
      return 1;
    }
    const json = path.join(fresh('floor-json'), 'objects.json');
    const objects = exportObjects(treeDir, json);
    const ours = measure(runs, () => {
      const out = fresh('ours');
      const [cmd, args] = t.ours(out);
      const s = timed(cmd, args, { cwd: ROOT });
      fs.rmSync(out, { recursive: true, force: true });
      return s;
    });
    const floor = measure(runs, () => {
      const out = fresh('floor');
      const s = timed(node, [self, '--child', 'floor', json, out], { cwd: ROOT });
      fs.rmSync(out, { recursive: true, force: true });
      return s;
    });
    let kustomizeM: Measured | undefined;
    if (kustomize) {
      const script = kustomizeScript(treeDir);
      kustomizeM = measure(runs, () => timed('/bin/sh', [script]));
    }
    let cliM: Measured | undefined;
    let cliValidate: Measured | undefined;
    if (cli && (index === 0 || index === trees.length - 1)) {
      const project = fresh('cli');
      const cfg = fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8').replace('./build/lib/check/plugin.js', path.join(BUILD, 'lib', 'check', 'plugin.js')).replace('../shared/crds', path.join(ROOT, '..', 'shared', 'crds'));
      fs.writeFileSync(path.join(project, 'cdk8s.yaml'), cfg);
      const env = { ...process.env, PLATFORM_CONFIG: process.env.PLATFORM_CONFIG ?? path.join(ROOT, 'platform.yaml'), CDK8S_CHECK_UPGRADE: 'false' };
      cliM = measure(runs, () => timed(cdk8s, ['synth', '--no-check-upgrade', '--no-validate', '--app', t.cliApp, '--output', path.join(project, 'dist')], { cwd: project, env }));
      cliValidate = measure(1, () => timed(cdk8s, ['synth', '--no-check-upgrade', '--app', t.cliApp, '--output', path.join(project, 'dist')], { cwd: project, env }));
      fs.rmSync(project, { recursive: true, force: true });
    }
    rows.push({ tree: t.label, objects, ours, floor, kustomize: kustomizeM, cli: cliM, cliValidate });
    fs.rmSync(treeDir, { recursive: true, force: true });
  }

  const out: string[] = [
    '| tree | objects | synth (node build/main.js) | floor (plain cdk8s ApiObjects) | synth / floor | kubectl kustomize (every stage folder) | synth / kustomize | cdk8s synth --no-validate | cdk8s synth (with check plugin) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    out.push(`| ${r.tree} | ${r.objects} | ${fmt(r.ours)} | ${fmt(r.floor)} | ${ratio(r.ours, r.floor)} | ${fmt(r.kustomize)} | ${ratio(r.ours, r.kustomize)} | ${fmt(r.cli)} | ${fmt(r.cliValidate)} |`);
  }
  out.push('');
  const verdicts: string[] = [];
  for (const r of rows) {
    if (r.ours.error || r.floor.error) continue;
    const q = r.ours.wall / r.floor.wall;
    verdicts.push(`${q <= 1.5 ? 'ok  ' : 'MISS'} ${r.tree}: ${q.toFixed(2)}× the floor (target ≤ 1.5×)`);
    if (r.kustomize && !r.kustomize.error) {
      const k = r.ours.wall / r.kustomize.wall;
      verdicts.push(`${k <= 0.25 ? 'ok  ' : 'MISS'} ${r.tree}: ${k.toFixed(2)}× the kubectl kustomize time (target ≤ 0.25×)`);
    }
    if (r.objects >= 9000) {
      verdicts.push(`${r.ours.wall < 3 && r.ours.rssMb < 400 ? 'ok  ' : 'MISS'} ${r.tree}: ${r.ours.wall.toFixed(2)} s, ${Math.round(r.ours.rssMb)} MB (target < 3 s, < 400 MB)`);
    }
  }
  process.stdout.write(`${os.cpus().length} CPUs, node ${process.version}, median of ${runs} run(s), peak RSS; ${fsNote}\n\n` + out.join('\n') + '\n\n' + verdicts.join('\n') + '\n');
  return 0;
}

function main(argv: readonly string[]): number {
  if (argv[0] === '--child') {
    const [, mode, a, b] = argv;
    const outdir = b ?? process.env.CDK8S_OUTDIR ?? 'dist';
    if (mode === 'ours') childOurs(Number(a), outdir);
    else if (mode === 'floor') childFloor(a, outdir);
    else throw new Error(`unknown child mode ${mode}`);
    return 0;
  }
  return parent(argv);
}

process.exitCode = main(process.argv.slice(2));
