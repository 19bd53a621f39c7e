import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError, readTreeBounded, requireTreeDir, writeTreeFileSafely } from '../lib/inputs';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-'));

describe('requireTreeDir', () => {
  test('accepts a folder with files and returns its absolute path', () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'a.yaml'), 'a: 1\n');
    expect(requireTreeDir(d, 'the tree')).toBe(path.resolve(d));
  });
  test('fails on a missing folder, a file, an empty folder and a pending journal, naming the path and the fix', () => {
    const d = tmp();
    expect(() => requireTreeDir(path.join(d, 'nope'), 'the tree')).toThrow(`${path.join(d, 'nope')}: the tree does not exist (run npm run synth first`);
    fs.writeFileSync(path.join(d, 'f'), 'x');
    expect(() => requireTreeDir(path.join(d, 'f'), 'the tree')).toThrow('the tree is a file, not a folder');
    const empty = tmp();
    expect(() => requireTreeDir(empty, 'the tree')).toThrow(`${empty}: the tree is empty`);
    fs.writeFileSync(path.join(d, '.synth-journal'), '');
    expect(() => requireTreeDir(d, 'the tree')).toThrow(InputError);
    expect(() => requireTreeDir('', 'the tree')).toThrow('the tree is an empty path');
  });
});

describe('readTreeBounded', () => {
  test('reads regular files only (never a link or a FIFO), in code-unit order', () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, 'sub'));
    fs.writeFileSync(path.join(d, 'sub', 'b.yaml'), 'b');
    fs.writeFileSync(path.join(d, 'B.yaml'), 'B');
    fs.symlinkSync('/etc/hostname', path.join(d, 'link.yaml'));
    execFileSync('mkfifo', [path.join(d, 'pipe.yaml')]);
    expect([...readTreeBounded(d).entries()]).toEqual([
      ['B.yaml', 'B'],
      ['sub/b.yaml', 'b'],
    ]);
  });
  test('fails on more files or bytes than the limits', () => {
    const d = tmp();
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(d, `f${i}`), 'xx');
    expect(() => readTreeBounded(d, { maxFiles: 2, maxFileBytes: 10, maxTotalBytes: 100 })).toThrow('holds more than 2 files');
    expect(() => readTreeBounded(d, { maxFiles: 10, maxFileBytes: 1, maxTotalBytes: 100 })).toThrow('more than the limit of 1 bytes per file');
    expect(() => readTreeBounded(d, { maxFiles: 10, maxFileBytes: 10, maxTotalBytes: 5 })).toThrow('holds more than 5 bytes');
  });
});

describe('writeTreeFileSafely', () => {
  test('writes atomically, reports an unchanged file, and never writes through a link', () => {
    const d = tmp();
    expect(writeTreeFileSafely(d, 'ROLLOUT.md', 'a')).toBe(true);
    expect(writeTreeFileSafely(d, 'ROLLOUT.md', 'a')).toBe(false);
    expect(fs.readdirSync(d)).toEqual(['ROLLOUT.md']);
    const target = path.join(tmp(), 'victim');
    fs.writeFileSync(target, 'precious');
    fs.rmSync(path.join(d, 'ROLLOUT.md'));
    fs.symlinkSync(target, path.join(d, 'ROLLOUT.md'));
    expect(() => writeTreeFileSafely(d, 'ROLLOUT.md', 'b')).toThrow('is a symbolic link; it is never written through');
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    expect(() => writeTreeFileSafely(d, '../x', 'b')).toThrow('is not a plain file name');
  });
});
