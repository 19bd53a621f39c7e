import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseSynthArgs, synthMain } from '../lib/cli';

const ROOT = path.resolve(__dirname, '..');

function run(argv: string[], env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const code = synthMain(argv, env, (s) => (stdout += s), (s) => (stderr += s));
  return { code, stdout, stderr };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
}

describe('synth command', () => {
  test('synthesizes the example config into --output', () => {
    // GIVEN
    const out = tmp();
    // WHEN
    const r = run(['--output', out], { PLATFORM_CONFIG: path.join(ROOT, 'platform.yaml') });
    // THEN
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^synthesized \d+ files into /);
    expect(fs.existsSync(path.join(out, 'clusters/management/kustomization.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'BOOTSTRAP.md'))).toBe(true);
  });

  test('fails on an invalid config: prints every problem, exits non-zero, leaves the previous tree untouched', () => {
    // GIVEN a previous synth and an invalid config
    const out = tmp();
    expect(run(['--output', out], { PLATFORM_CONFIG: path.join(ROOT, 'platform.yaml') }).code).toBe(0);
    const before = fs.readFileSync(path.join(out, '.synth-manifest'), 'utf8');
    const bad = path.join(tmp(), 'platform.yaml');
    fs.writeFileSync(bad, 'clusterHostname: mgmt.example.com\ngit: {url: https://git.example.com/m.git}\napps:\n  gatekeeper:\n    version: "3.x"\ngitea:\n  enabeld: true\n');
    // WHEN
    const r = run(['--output', out], { PLATFORM_CONFIG: bad });
    // THEN
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('problem(s); nothing was written');
    expect(r.stderr).toContain('apps.gatekeeper.version: "3.x" is not a version (e.g. 3.14.1)');
    expect(r.stderr).toContain('gitea.enabeld');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readFileSync(path.join(out, '.synth-manifest'), 'utf8')).toBe(before);
  });

  test('fails on a missing config file with a clear message', () => {
    const r = run(['--output', tmp()], { PLATFORM_CONFIG: '/nonexistent/platform.yaml' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent/platform.yaml');
  });

  test('parses --output, -o, --output= and falls back to CDK8S_OUTDIR, then dist', () => {
    expect(parseSynthArgs(['--output', 'x'], {})).toStrictEqual({ configFile: 'platform.yaml', outdir: 'x' });
    expect(parseSynthArgs(['-o', 'y'], { PLATFORM_CONFIG: 'c.yaml' })).toStrictEqual({ configFile: 'c.yaml', outdir: 'y' });
    expect(parseSynthArgs(['--output=z'], {}).outdir).toBe('z');
    expect(parseSynthArgs([], { CDK8S_OUTDIR: 'cli-out' }).outdir).toBe('cli-out');
    expect(parseSynthArgs([], {}).outdir).toBe('dist');
  });

  test('parses --config and -c, which win over PLATFORM_CONFIG', () => {
    expect(parseSynthArgs(['--config', 'a.yaml'], { PLATFORM_CONFIG: 'c.yaml' }).configFile).toBe('a.yaml');
    expect(parseSynthArgs(['-c', 'b.yaml', '-o', 'x'], {})).toStrictEqual({ configFile: 'b.yaml', outdir: 'x' });
  });

  test('prints the usage, the flags and the exit codes on --help, and exits 0', () => {
    const r = run(['--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: npm run -s synth -- [--config <file>] [--output <dir>]');
    expect(r.stdout).toContain('Exit codes:\n  0  the tree was written');
    expect(r.stderr).toBe('');
  });

  test('fails on an unknown argument with the usage', () => {
    const r = run(['--ouput', 'x'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flag "--ouput" (did you mean --output?)');
    expect(r.stderr).toContain('usage: npm run -s synth -- [--config <file>] [--output <dir>]');
  });
});
