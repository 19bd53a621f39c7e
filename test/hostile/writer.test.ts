/** Hostile corpus, writer: it never leaves its output folder and never follows a link. */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MANIFEST_FILE, writeTree } from '../../lib/tree/writer';
import { editConfig, expectRefused, project, Project, synth, tmpDir } from './harness';

let p: Project;
beforeEach(() => {
  p = project();
});

function appendManifest(line: string): void {
  fs.appendFileSync(path.join(p.out, MANIFEST_FILE), `${line}\n`);
}

describe('fails on a .synth-manifest entry that leaves the folder', () => {
  test.each([
    ['../victim.txt', 'has a "." or ".." segment'],
    ['a/../../victim.txt', 'has a "." or ".." segment'],
    ['/etc/passwd', 'is absolute'],
    ['a//b', 'has an empty segment'],
    ['a\\..\\victim.txt', 'contains a backslash'],
  ])('fails on the entry %s and deletes nothing', (entry, why) => {
    const victim = path.join(path.dirname(p.out), 'victim.txt');
    fs.writeFileSync(victim, 'keep me');
    appendManifest(entry);
    expectRefused(p, [`${MANIFEST_FILE}:`, `entry ${JSON.stringify(entry)} ${why}`, `(remove that line from ${MANIFEST_FILE})`]);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
  });
});

describe('fails on symbolic links inside the output folder', () => {
  test('fails on a symlinked folder and writes nothing through it', () => {
    const elsewhere = tmpDir('elsewhere-');
    fs.rmSync(path.join(p.out, 'clusters'), { recursive: true });
    fs.symlinkSync(elsewhere, path.join(p.out, 'clusters'));
    expectRefused(p, [`${fs.realpathSync(p.out)}/clusters is a symbolic link inside the output folder; the writer never follows links (remove the link, then synthesize again)`]);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  test('fails on a listed file replaced by a symlink and leaves its target alone', () => {
    const target = path.join(tmpDir('target-'), 'precious');
    fs.writeFileSync(target, 'precious');
    fs.rmSync(path.join(p.out, 'BOOTSTRAP.md'));
    fs.symlinkSync(target, path.join(p.out, 'BOOTSTRAP.md'));
    expectRefused(p, [`${fs.realpathSync(p.out)}/BOOTSTRAP.md is a symbolic link inside the output folder`]);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
  });

  test('fails on a symlinked manifest', () => {
    const target = path.join(tmpDir('target-'), 'list');
    fs.writeFileSync(target, '# files written by the synthesizer\n../../x\n');
    fs.rmSync(path.join(p.out, MANIFEST_FILE));
    fs.symlinkSync(target, path.join(p.out, MANIFEST_FILE));
    expectRefused(p, [`${MANIFEST_FILE} is a symbolic link inside the output folder`]);
  });

  test('fails on a stale manifest entry that is now a link, deleting neither the link nor its target', () => {
    const target = path.join(tmpDir('target-'), 'precious');
    fs.writeFileSync(target, 'precious');
    fs.symlinkSync(target, path.join(p.out, 'stale.yaml'));
    appendManifest('stale.yaml');
    expectRefused(p, [`${fs.realpathSync(p.out)}/stale.yaml is a symbolic link inside the output folder`]);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
  });

  test('fails on a listed file that became a folder', () => {
    fs.rmSync(path.join(p.out, 'ROLLOUT.md'));
    fs.mkdirSync(path.join(p.out, 'ROLLOUT.md'));
    expectRefused(p, ['ROLLOUT.md (ROLLOUT.md) is not a regular file (move it away, then synthesize again)']);
  });

  test('fails on a FIFO where a rendered file goes, without blocking', () => {
    fs.rmSync(path.join(p.out, 'ROLLOUT.md'));
    require('child_process').execFileSync('mkfifo', [path.join(p.out, 'ROLLOUT.md')]);
    expectRefused(p, ['ROLLOUT.md (ROLLOUT.md) is not a regular file']);
  });

  test('fails on a symlinked staging folder', () => {
    fs.symlinkSync(tmpDir('stage-'), path.join(p.out, '.synth-staging'));
    expectRefused(p, ['.synth-staging is not the writer\'s staging folder (a link or a file); remove it, then synthesize again']);
  });
});

describe('fails on an unusable --output', () => {
  test('fails on an empty --output= and writes nothing into the working directory', () => {
    const before = fs.readdirSync(process.cwd()).sort();
    let err = '';
    const { synthMain } = require('../../lib/cli');
    const code = synthMain(['--output='], { PLATFORM_CONFIG: p.config }, () => undefined, (s: string) => (err += s));
    expect(code).not.toBe(0);
    expect(err).toContain('--output needs a dir (--output <dir>)');
    expect(fs.readdirSync(process.cwd()).sort()).toStrictEqual(before);
  });

  test('fails on an --output that is a file', () => {
    const file = path.join(tmpDir(), 'file');
    fs.writeFileSync(file, 'x');
    const r = synth(p.config, file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the output folder ${file} is not a folder (${file} is a file; pass a folder to --output)`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  const root = process.getuid?.() === 0;
  const canMountRo = root && spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount --bind -o ro "$d" "$d" && umount "$d"']).status === 0;
  (!root || canMountRo ? test : test.skip)('fails on a read-only output folder with the error and the fix, changing nothing (skipped as root without mount)', () => {
    editConfig(p, (t) => t.replace('clusterHostname: mgmt.example.com', 'clusterHostname: other.example.com'));
    if (root) execFileSync('mount', ['--bind', '-o', 'ro', p.out, p.out]);
    else fs.chmodSync(p.out, 0o555);
    try {
      expectRefused(p, [/cannot write the tree into .* \((EROFS|EACCES) at .*\); the previous tree is kept or completed by the next synth: free space or fix permissions, then synthesize again/]);
    } finally {
      if (root) execFileSync('umount', [p.out]);
      else fs.chmodSync(p.out, 0o755);
    }
    expect(synth(p.config, p.out).code).toBe(0);
  });

  test('fails on a foreign file where a rendered file goes', () => {
    fs.writeFileSync(path.join(p.out, MANIFEST_FILE), '# files written by the synthesizer\n');
    fs.writeFileSync(path.join(p.out, 'BOOTSTRAP.md'), 'hand-written');
    expectRefused(p, ['refusing to overwrite', 'BOOTSTRAP.md', '(move them away, or synthesize into an empty --output directory)']);
  });

  test('fails on a rendered path with ..', () => {
    const dir = tmpDir();
    expect(() => writeTree([{ path: '../escape.yaml', content: 'x' }], dir)).toThrow('rendered file "../escape.yaml" has a "." or ".." segment');
    expect(fs.existsSync(path.join(path.dirname(dir), 'escape.yaml'))).toBe(false);
  });
});
