/**
 * `npm run -s bench -- [--sizes 1000,10000,100000] [--runs 3] [--config platform.yaml] [--output <scratch>] [--no-check] [--no-cli]`
 *
 * Times the real path (config loading, validation, the constructs, the writer) against a floor
 * measured in the same run, and exits 1 when a target is missed. See BENCH_COMMAND.details.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CommandSpec, CONFIG_FLAG, outputFlag, ParsedArgs, runCommand, UsageError } from '../lib/args';
import { dirOf, isObject, parseYamlDocs, readTree } from '../lib/check/tree';
import { encryptManifest } from '../lib/sops/file';

const ROOT = path.resolve(__dirname, '../..');
const RUN = path.join(ROOT, 'scripts', 'run.js');
const TIME = '/usr/bin/time';
const NODE = process.execPath;

export const BENCH_COMMAND: CommandSpec = {
  name: 'bench',
  summary: 'benchmark synth and check on the real path against the floor of the same objects; exit 1 on a missed target',
  flags: [
    { name: 'sizes', value: 'n,n,…', help: 'generated config sizes, in objects (default 1000,10000,100000)' },
    { name: 'runs', value: 'n', help: 'runs per measurement (synth and floor alternate); the median wall time and the peak RSS are reported (default 3)' },
    CONFIG_FLAG,
    outputFlag('scratch folder for the generated configs and trees (default /dev/shm when it is a tmpfs, else the OS temp folder)'),
    { name: 'no-check', help: 'do not time `check` of the generated trees' },
    { name: 'no-cli', help: 'do not time `cdk8s synth` and the fresh-clone synth of the example' },
  ],
  exitCodes: [
    [0, 'every target met'],
    [1, 'a target missed (the MISS lines say which), or a measured command failed'],
    [2, 'usage error, or /usr/bin/time is missing'],
  ],
  details: `Every measurement is a whole process, timed with /usr/bin/time (wall seconds, peak RSS).
Rows:
  example       the config (--config): warm \`node scripts/run.js main.ts\` (what \`npm run synth\` runs),
                a fresh clone's first synth (a copy of the tracked files, no build/), \`cdk8s synth\`
                with the check plugin, the CLI's start-up, and npm's own start-up.
  fleet N       a generated config (apps with values and clusters, Helm repositories, catalog
                repositories, SOPS-encrypted Secrets in team namespaces) of about N objects, through
                config loading, validation, the constructs and the writer; and \`check\` of its tree.
The floor of a tree: the same objects as plain cdk8s ApiObjects written by app.synth() (Yaml.stringify).
Targets: example warm <= 1.2x floor, fresh clone <= 2x floor, cdk8s synth <= CLI start-up + npm run synth;
fleets of 10k objects and more faster than the floor, peak RSS <= 1.5x the floor's; cost per object
between the two largest sizes <= 1.5x that between the two before; check <= 2x synth and clean.`,
};

// -------------------------------------------------------------------------------------------------
// Measuring

interface Sample {
  readonly wall: number;
  readonly rssMb: number;
  readonly ok: boolean;
  readonly error?: string;
}

function timed(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Sample {
  const out = path.join(os.tmpdir(), `bench-time-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`);
  const quoted = [TIME, '-o', out, '-f', '%e %M', cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const started = process.hrtime.bigint();
  const r = spawnSync('/bin/sh', ['-c', `${quoted} > /dev/null`], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // Wall time from here (/usr/bin/time reports 10 ms steps, too coarse for the example); peak RSS from time.
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const line = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n').pop() ?? '' : '';
  fs.rmSync(out, { force: true });
  const kb = Number(line.split(' ')[1]);
  if (r.status !== 0) return { wall: wall || 0, rssMb: (kb || 0) / 1024, ok: false, error: (r.stderr || '').trim().split('\n').slice(-3).join(' ') };
  return { wall, rssMb: kb / 1024, ok: true };
}

interface Measured {
  readonly wall: number;
  readonly rssMb: number;
  readonly error?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function summarize(samples: readonly Sample[]): Measured {
  const failed = samples.find((s) => !s.ok);
  if (failed) return { wall: NaN, rssMb: NaN, error: failed.error };
  return { wall: median(samples.map((s) => s.wall)), rssMb: Math.max(...samples.map((s) => s.rssMb)) };
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

let scratch = os.tmpdir();

function fresh(prefix: string): string {
  return fs.mkdtempSync(path.join(scratch, `bench-${prefix}-`));
}

function isTmpfs(dir: string): boolean {
  try {
    const real = fs.realpathSync(dir);
    let best = { mount: '', type: '' };
    for (const [, mount, type] of fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '))) {
      if (mount && (real === mount || real.startsWith(mount.endsWith('/') ? mount : `${mount}/`)) && mount.length > best.mount.length) best = { mount, type };
    }
    return best.type === 'tmpfs';
  } catch {
    return false;
  }
}

/** The objects of a synthesized tree (every YAML document but kustomization.yaml and .sops.yaml), with their folder. */
function exportObjects(treeDir: string, jsonFile: string): number {
  const out: { folder: string; obj: unknown }[] = [];
  for (const [file, text] of readTree(treeDir)) {
    if (!/\.ya?ml$/.test(file) || /(^|\/)kustomization\.yaml$/.test(file) || /(^|\/)\.sops\.yaml$/.test(file)) continue;
    for (const d of parseYamlDocs(text).docs) if (isObject(d.value) && typeof d.value.kind === 'string') out.push({ folder: dirOf(file), obj: d.value });
  }
  fs.writeFileSync(jsonFile, JSON.stringify(out));
  return out.length;
}

// -------------------------------------------------------------------------------------------------
// Generated configs

/**
 * A config of about `n` objects: per 100 objects, 44 apps with values and a cluster list (an
 * AppDeployment and its configOverrides ConfigMap each), 6 Helm repositories, 4 catalog
 * repositories and 2 SOPS-encrypted Secrets in team namespaces (the kommander-secrets stage), on
 * top of the example config's own objects. Secret values are 64 characters long: the SOPS guard
 * takes a short ciphertext that happens to be printable for a fake envelope (lib/sops/guard.ts).
 */
async function generateConfig(n: number, example: string, dir: string): Promise<string> {
  const base = fs.readFileSync(example, 'utf8');
  const recipients = [...base.matchAll(/\b(age1[0-9a-z]{58})\b/g)].map((m) => m[1]);
  const apps = Math.round(n * 0.44);
  const helm = Math.round(n * 0.06);
  const catalogs = Math.round(n * 0.04);
  const secrets = recipients.length ? Math.round(n * 0.02) : 0;
  const lines: string[] = [];
  lines.push(`clusterName: bench`, `clusterHostname: bench.example.com`, `git:`, `  url: https://git.example.com/platform/bench.git`, `sops:`, `  ageRecipients:`, ...recipients.map((r) => `    - ${r}`));
  lines.push(`acme:`, `  email: platform-team@example.com`, `apps:`);
  for (let i = 0; i < apps; i++) {
    lines.push(`  app-${pad(i)}:`, `    version: 1.${i % 50}.${i % 7}`, `    clusters: [cluster-${i % 13}, cluster-${(i + 5) % 13}]`, `    values:`, `      replicaCount: ${1 + (i % 3)}`, `      ingress:`, `        host: app-${pad(i)}.example.com`);
  }
  lines.push(`helmRepositories:`);
  for (let i = 0; i < helm; i++) lines.push(`  - name: charts-${pad(i)}`, `    url: https://charts-${pad(i)}.example.com/stable`);
  lines.push(`catalog:`, `  repositories:`);
  for (let i = 0; i < catalogs; i++) lines.push(`    - name: catalog-${pad(i)}`, `      url: https://git.example.com/catalogs/catalog-${pad(i)}.git`, `      tag: v1.${i % 9}.0`);
  fs.writeFileSync(path.join(dir, 'platform.yaml'), lines.join('\n') + '\n');
  for (let i = 0; i < secrets; i++) {
    const ns = `team-${i % 20}`;
    const name = `app-${pad(i)}-credentials`;
    fs.mkdirSync(path.join(dir, 'secrets', ns), { recursive: true });
    const manifest = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ntype: Opaque\nstringData:\n  token: ${createHash('sha256').update(`bench-${i}`).digest('hex')}\n`;
    fs.writeFileSync(path.join(dir, 'secrets', ns, `${name}.sops.yaml`), await encryptManifest(manifest, { recipients }));
  }
  return path.join(dir, 'platform.yaml');
}

function pad(i: number): string {
  return String(i).padStart(6, '0');
}

/** A fresh clone of the project: its tracked files (no build/), with node_modules linked. */
function freshClone(): string {
  const dir = fresh('clone');
  const files = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout.split('\0').filter(Boolean);
  for (const f of files) {
    const src = path.join(ROOT, f);
    if (!fs.existsSync(src)) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(src, path.join(dir, f));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

// -------------------------------------------------------------------------------------------------
// The run

interface Row {
  readonly tree: string;
  readonly objects: number;
  readonly synth: Measured;
  readonly floor: Measured;
  readonly fresh?: Measured;
  readonly check?: Measured;
  readonly cdk8s?: Measured;
  readonly cliStart?: Measured;
  readonly npmSynth?: Measured;
}

function fmt(m: Measured | undefined): string {
  if (!m) return '–';
  if (m.error) return `error (${m.error.slice(0, 80)})`;
  return `${m.wall < 1 ? m.wall.toFixed(3) : m.wall.toFixed(2)} s / ${Math.round(m.rssMb)} MB`;
}

function ratio(a: Measured | undefined, b: Measured | undefined): string {
  if (!a || !b || a.error || b.error || !b.wall) return '–';
  return `${(a.wall / b.wall).toFixed(2)}×`;
}

function synthArgs(config: string, out: string): string[] {
  return [RUN, 'main.ts', '--config', config, '--output', out];
}

async function bench(args: ParsedArgs): Promise<number> {
  const sizes = (args.string('sizes') ?? '1000,10000,100000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s < 100)) throw new UsageError(`--sizes must be integers >= 100, not "${args.string('sizes')}"`);
  const runsArg = args.string('runs');
  const runs = runsArg === undefined ? 3 : Number(runsArg);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a positive integer, not "${runsArg}"`);
  const example = path.resolve(args.config());
  if (!fs.existsSync(example)) throw new UsageError(`--config ${example} does not exist`);
  const out = args.string('output');
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    scratch = path.resolve(out);
  } else if (isTmpfs('/dev/shm')) scratch = '/dev/shm';
  if (!fs.existsSync(TIME)) {
    process.stderr.write(`error: ${TIME} is needed to measure peak memory (apt-get install time)\n`);
    return 2;
  }
  const withCheck = !args.flag('no-check');
  const withCli = !args.flag('no-cli');
  const fsNote = `trees in ${scratch} (${isTmpfs(scratch) ? 'tmpfs: measures the tools, not the disk' : 'disk'})`;
  process.stderr.write(`bench: ${os.cpus().length} CPUs, node ${process.version}; ${fsNote}\n`);
  // The bundles the children run, built (untimed) before anything is measured.
  const built = spawnSync(NODE, [RUN, '--build', 'main.ts', 'scripts/bench-floor.ts', 'scripts/check.ts', 'lib/cdk8s-plugin.ts'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) {
    process.stderr.write(`error: cannot build the entry points: ${built.stderr}\n`);
    return 1;
  }

  const rows: Row[] = [];
  const trees: { label: string; config: () => Promise<string>; example: boolean; n?: number }[] = [
    { label: `example (${path.relative(process.cwd(), example) || example})`, config: async () => example, example: true },
    ...sizes.map((n) => ({ label: `fleet ${n}`, n, example: false, config: () => generateConfig(n, example, fresh(`config-${n}`)) })),
  ];
  for (const t of trees) {
    process.stderr.write(`bench: ${t.label}…\n`);
    const r = runs;
    const config = await t.config();
    // One untimed run writes the tree that the floor and check use (and warms the caches).
    const treeDir = fresh('tree');
    const first = timed(NODE, synthArgs(config, treeDir));
    if (!first.ok) {
      process.stderr.write(`error: synth of ${t.label} failed: ${first.error}\n`);
      return 1;
    }
    const json = path.join(fresh('floor-json'), 'objects.json');
    const objects = exportObjects(treeDir, json);
    // Synth and floor runs alternate, so that a change in the machine's load hits both alike.
    const synthSamples: Sample[] = [];
    const floorSamples: Sample[] = [];
    for (let i = 0; i < r; i++) {
      const o = fresh('synth');
      synthSamples.push(timed(NODE, synthArgs(config, o)));
      fs.rmSync(o, { recursive: true, force: true });
      const f = fresh('floor');
      floorSamples.push(timed(NODE, [RUN, 'scripts/bench-floor.ts', json, f]));
      fs.rmSync(f, { recursive: true, force: true });
    }
    const synth = summarize(synthSamples);
    const floor = summarize(floorSamples);
    const check = withCheck ? measure(r, () => timed(NODE, [RUN, 'scripts/check.ts', '--output', treeDir, '--config', config])) : undefined;
    let freshM: Measured | undefined;
    let cdk8s: Measured | undefined;
    let cliStart: Measured | undefined;
    let npmSynth: Measured | undefined;
    if (t.example && withCli) {
      freshM = measure(runs, () => {
        const clone = freshClone();
        const o = fresh('synth');
        const s = timed(NODE, [path.join(clone, 'scripts', 'run.js'), 'main.ts', '--config', config, '--output', o], { cwd: clone });
        fs.rmSync(o, { recursive: true, force: true });
        fs.rmSync(clone, { recursive: true, force: true });
        return s;
      });
      const cli = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
      const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false', PLATFORM_CONFIG: config };
      cliStart = measure(runs, () => timed(cli, ['--version'], { env }));
      npmSynth = measure(runs, () => {
        const o = fresh('synth');
        const s = timed('npm', ['run', '-s', 'synth', '--', '--output', o], { env });
        fs.rmSync(o, { recursive: true, force: true });
        return s;
      });
      cdk8s = measure(runs, () => {
        // A project folder of its own, so that the promotion writes its dist/, not ours.
        const project = fresh('cdk8s');
        fs.writeFileSync(
          path.join(project, 'cdk8s.yaml'),
          [
            'language: typescript',
            `app: ${NODE} ${RUN} main.ts`,
            'output: cdk8s.out',
            'validations:',
            `  - package: ${path.join(ROOT, 'scripts', 'cdk8s-plugin.js')}`,
            '    class: SynthCheck',
            '    version: 0.0.1',
            `    properties: { crdDirs: [${JSON.stringify(path.join(ROOT, '..', 'shared', 'crds'))}], kustomize: false, promote: dist, config: ${JSON.stringify(config)} }`,
          ].join('\n') + '\n',
        );
        const s = timed(cli, ['synth'], { cwd: project, env });
        fs.rmSync(project, { recursive: true, force: true });
        return s;
      });
    }
    rows.push({ tree: t.label, objects, synth, floor, fresh: freshM, check, cdk8s, cliStart, npmSynth });
    fs.rmSync(treeDir, { recursive: true, force: true });
    fs.rmSync(path.dirname(json), { recursive: true, force: true });
    if (!t.example) fs.rmSync(path.dirname(config), { recursive: true, force: true });
  }

  const table = [
    '| tree | objects | synth (node scripts/run.js main.ts) | floor (plain cdk8s ApiObjects) | synth / floor | check | check / synth | first synth, fresh clone | cdk8s synth (check plugin) | CLI start-up | npm run synth |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) => `| ${r.tree} | ${r.objects} | ${fmt(r.synth)} | ${fmt(r.floor)} | ${ratio(r.synth, r.floor)} | ${fmt(r.check)} | ${ratio(r.check, r.synth)} | ${fmt(r.fresh)} | ${fmt(r.cdk8s)} | ${fmt(r.cliStart)} | ${fmt(r.npmSynth)} |`,
    ),
  ];
  const verdicts = targets(rows);
  process.stdout.write(`${os.cpus().length} CPUs, node ${process.version}, median of ${runs} run(s), synth and floor alternating, peak RSS; ${fsNote}\n\n${table.join('\n')}\n\n${verdicts.map((v) => `${v.ok ? 'ok  ' : 'MISS'} ${v.text}`).join('\n')}\n`);
  const missed = verdicts.filter((v) => !v.ok).length;
  if (missed) process.stderr.write(`bench: ${missed} target(s) missed\n`);
  return missed ? 1 : 0;
}

function targets(rows: readonly Row[]): { ok: boolean; text: string }[] {
  const out: { ok: boolean; text: string }[] = [];
  const add = (ok: boolean, text: string) => out.push({ ok, text });
  for (const r of rows) {
    if (r.synth.error || r.floor.error) {
      add(false, `${r.tree}: ${r.synth.error ? `synth failed: ${r.synth.error}` : `floor failed: ${r.floor.error}`}`);
      continue;
    }
    const q = r.synth.wall / r.floor.wall;
    if (r.tree.startsWith('example')) {
      add(q <= 1.2, `${r.tree}: warm synth ${q.toFixed(2)}× the floor (target <= 1.2×)`);
      if (r.fresh) add(!r.fresh.error && r.fresh.wall / r.floor.wall <= 2, `${r.tree}: first synth on a fresh clone ${r.fresh.error ? 'failed' : `${(r.fresh.wall / r.floor.wall).toFixed(2)}×`} the floor (target <= 2×)`);
      if (r.cdk8s && r.cliStart && r.npmSynth) {
        const budget = r.cliStart.wall + r.npmSynth.wall;
        add(!r.cdk8s.error && r.cdk8s.wall <= budget, `${r.tree}: cdk8s synth ${r.cdk8s.error ? `failed (${r.cdk8s.error})` : `${r.cdk8s.wall.toFixed(2)} s`} (target <= CLI start-up + npm run synth = ${budget.toFixed(2)} s)`);
      }
    } else if (r.objects >= 9000) {
      add(q < 1, `${r.tree}: synth ${q.toFixed(2)}× the floor (target < 1×)`);
      add(r.synth.rssMb <= 1.5 * r.floor.rssMb, `${r.tree}: peak RSS ${Math.round(r.synth.rssMb)} MB, ${(r.synth.rssMb / r.floor.rssMb).toFixed(2)}× the floor's (target <= 1.5×)`);
    }
    if (r.check) add(!r.check.error && r.check.wall <= 2 * r.synth.wall, `${r.tree}: check ${r.check.error ? `failed (${r.check.error})` : `${(r.check.wall / r.synth.wall).toFixed(2)}× synth`} (target <= 2×, clean)`);
  }
  const fleets = rows.filter((r) => r.tree.startsWith('fleet') && !r.synth.error).sort((a, b) => a.objects - b.objects);
  if (fleets.length >= 3) {
    const [a, b, c] = fleets.slice(-3);
    const early = (b.synth.wall - a.synth.wall) / (b.objects - a.objects);
    const late = (c.synth.wall - b.synth.wall) / (c.objects - b.objects);
    add(late <= 1.5 * Math.max(early, 1e-9), `linear: ${(late * 1e6).toFixed(1)} µs per object from ${b.objects} to ${c.objects} objects, against ${(early * 1e6).toFixed(1)} µs from ${a.objects} to ${b.objects} (target <= 1.5×)`);
  }
  return out;
}

runCommand(BENCH_COMMAND, process.argv.slice(2), bench).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
