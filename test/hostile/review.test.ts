/** Hostile corpus, review tools: `plan`, `check` and `diff` refuse unusable inputs (exit 2, no stack trace). */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { entryCommand, ROOT, snapshot, tmpDir } from './harness';

const SOURCES = ['lib/inputs.ts', 'lib/yaml-bounds.ts', 'lib/tree/writer.ts'];
const COMMANDS = Object.fromEntries(['plan', 'check', 'diff'].map((s) => [s, entryCommand(`scripts/${s}.ts`, SOURCES)]));
const runnable = Object.values(COMMANDS).every((c) => c !== undefined);
if (!runnable) console.warn('SKIPPED: build/scripts/{plan,check,diff}.js are missing or stale and there is no scripts/run.js (run `npm test`, which compiles first)');
const maybe = runnable ? describe : describe.skip;

function run(script: string, args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [...COMMANDS[script]!, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

function expectUsageError(r: ReturnType<typeof run>, ...parts: string[]): void {
  expect(r.status).toBe(2);
  for (const part of parts) expect(r.stderr).toContain(part);
  expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
}

/** A copy of dist/ to work on. */
function tree(): string {
  const dir = path.join(tmpDir('review-'), 'dist');
  fs.cpSync(path.join(ROOT, 'dist'), dir, { recursive: true });
  return dir;
}

maybe('plan', () => {
  test('fails on a file path', () => {
    const file = path.join(tmpDir(), 'f');
    fs.writeFileSync(file, 'x');
    expectUsageError(run('plan', [file]), `${file}: the tree is a file, not a folder (pass the folder of a synthesized tree, e.g. dist)`);
  });
  test('fails on a missing folder', () => {
    expectUsageError(run('plan', ['/nonexistent/tree']), '/nonexistent/tree: the tree does not exist (run npm run synth first');
  });
  test('fails on an empty folder', () => {
    const dir = tmpDir();
    expectUsageError(run('plan', [dir]), `${dir}: the tree is empty`);
  });
  test('fails on a symlinked ROLLOUT.md and leaves its target alone', () => {
    const dir = tree();
    const target = path.join(tmpDir(), 'victim');
    fs.writeFileSync(target, 'precious');
    fs.rmSync(path.join(dir, 'ROLLOUT.md'));
    fs.symlinkSync(target, path.join(dir, 'ROLLOUT.md'));
    expectUsageError(run('plan', [dir]), `${path.join(dir, 'ROLLOUT.md')}: is a symbolic link; it is never written through`);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
  });
  test('fails on a tree in the middle of a write', () => {
    const dir = tree();
    fs.writeFileSync(path.join(dir, '.synth-journal'), 'x');
    expectUsageError(run('plan', [dir]), 'is in the middle of a write (.synth-journal, .synth-staging or .synth-lock is present); run npm run synth to complete it');
  });
  // As root, permissions do not stop writes: a read-only bind mount does (when the container allows it).
  const root = process.getuid?.() === 0;
  const canMountRo = root && spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount --bind -o ro "$d" "$d" && umount "$d"']).status === 0;
  (!root || canMountRo ? test : test.skip)('fails on a read-only tree and writes nothing (skipped as root without mount)', () => {
    const dir = tree();
    if (root) execFileSync('mount', ['--bind', '-o', 'ro', dir, dir]);
    else fs.chmodSync(dir, 0o555);
    try {
      const before = snapshot(dir);
      expectUsageError(run('plan', [dir]), `${dir}: the tree is read-only; pass --no-write to only print the plan`);
      expect(snapshot(dir)).toStrictEqual(before);
      expect(run('plan', [dir, '--no-write']).status).toBe(0);
    } finally {
      if (root) execFileSync('umount', [dir]);
      else fs.chmodSync(dir, 0o755);
    }
  });
});

maybe('check', () => {
  test('fails on a file path instead of saying "clean"', () => {
    const file = path.join(tmpDir(), 'f');
    fs.writeFileSync(file, 'x');
    const r = run('check', [file, '--no-kustomize']);
    expectUsageError(r, `${file} is a file, not a tree folder (pass the folder synth writes, e.g. dist)`);
    expect(r.stdout).not.toContain('clean');
  });
  test('fails on an empty folder instead of saying "clean"', () => {
    const dir = tmpDir();
    const r = run('check', [dir, '--no-kustomize']);
    expectUsageError(r, `${dir} is an empty folder, not a tree (run npm run synth first)`);
    expect(r.stdout).not.toContain('clean');
  });
  test('fails on a FIFO as the config without blocking', () => {
    const fifo = path.join(tmpDir(), 'platform.yaml');
    execFileSync('mkfifo', [fifo]);
    expectUsageError(run('check', [path.join(ROOT, 'dist'), '--no-kustomize', '--config', fifo]), `${fifo}: the config file is a FIFO (named pipe), not a regular file`);
  });
  test('finds a token in a URL and a fake ENC[…] value that synth would refuse (the same guard)', () => {
    const dir = tree();
    const fake = `ENC[AES256_GCM,data:${Buffer.from('hunter2-password').toString('base64')},iv:${Buffer.alloc(32, 7).toString('base64')},tag:${Buffer.alloc(16, 9).toString('base64')},type:str]`;
    fs.writeFileSync(path.join(dir, 'kommander/base/namespace-kommander.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kommander\n  annotations:\n    source: https://ghp_secret@github.com/x/y\n`);
    const file = path.join(dir, 'kommander/gitea');
    const secret = fs.readdirSync(file).find((f) => f.endsWith('.sops.yaml'))!;
    const text = fs.readFileSync(path.join(file, secret), 'utf8');
    fs.writeFileSync(path.join(file, secret), text.replace(/  password: ENC\[[^\n]+/, `  password: ${fake}`));
    const r = run('check', [dir, '--no-kustomize']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('kommander/base/namespace-kommander.yaml holds a URL with credentials (https://***@…)');
    expect(r.stdout).toContain(`kommander/gitea/${secret}: stringData.password holds readable text where SOPS writes ciphertext`);
  });

  test('fails on an alias bomb in a stage folder: a bounded parse error, no out-of-memory', () => {
    const dir = tree();
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    fs.writeFileSync(path.join(dir, 'kommander/base/namespace-kommander.yaml'), bomb.join('\n') + '\n');
    const r = run('check', [dir, '--no-kustomize']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/kommander\/base\/namespace-kommander\.yaml is not valid YAML: line \d+: (has more than 100 YAML aliases|alias \*\w expands beyond)/);
    expect(r.stderr).not.toMatch(/heap out of memory/);
  });
});

maybe('diff', () => {
  test('fails on a missing --head folder instead of reporting everything as pruned', () => {
    const r = run('diff', ['--head', '/nonexistent/head']);
    expectUsageError(r, '/nonexistent/head: the --head folder does not exist');
    expect(r.stdout).not.toContain('removed');
  });
  test('fails on a --base that git would read as an option', () => {
    expectUsageError(run('diff', ['--base=--output=/tmp/x', '--head', path.join(ROOT, 'dist')]), '--base: "--output=/tmp/x" is not a Git revision (pass a branch, tag or commit, e.g. --base origin/main)');
  });

  test('fails on an empty --head folder', () => {
    const dir = tmpDir();
    expectUsageError(run('diff', ['--head', dir]), `${dir}: the --head folder is empty`);
  });
  test('fails on a --head file', () => {
    const file = path.join(tmpDir(), 'f');
    fs.writeFileSync(file, 'x');
    expectUsageError(run('diff', ['--head', file]), `${file}: the --head folder is a file, not a folder`);
  });
  test('survives a 442-byte alias bomb in the head tree (no out-of-memory)', () => {
    const dir = tree();
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    fs.writeFileSync(path.join(dir, 'services', 'bomb.yaml'), bomb.join('\n') + '\n');
    const r = run('diff', ['--head', dir]);
    expect(r.signal).toBeNull();
    expect([0, 1, 2]).toContain(r.status);
    expect(r.stderr).not.toMatch(/heap out of memory/);
  });
});
