import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MANIFEST_FILE, writeTree } from '../lib/tree/writer';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'writer-'));
}

describe('writeTree', () => {
  test('writes files and a manifest of what it wrote', () => {
    // GIVEN
    const dir = tmp();
    // WHEN
    const r = writeTree([{ path: 'a/x.yaml', content: 'x: 1\n' }, { path: 'b.md', content: 'b' }], dir);
    // THEN
    expect(r).toStrictEqual({ written: 2, unchanged: 0, removed: [] });
    expect(fs.readFileSync(path.join(dir, 'a/x.yaml'), 'utf8')).toBe('x: 1\n');
    expect(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')).toContain('a/x.yaml\nb.md\n');
  });

  test('removes files it wrote before and no longer renders, and the folders they leave empty', () => {
    const dir = tmp();
    writeTree([{ path: 'old/x.yaml', content: '1' }, { path: 'keep.yaml', content: '1' }], dir);
    const r = writeTree([{ path: 'keep.yaml', content: '1' }], dir);
    expect(r).toStrictEqual({ written: 0, unchanged: 1, removed: ['old/x.yaml'] });
    expect(fs.existsSync(path.join(dir, 'old'))).toBe(false);
  });

  test('never deletes a file it did not write', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'mine.txt'), 'user file');
    writeTree([{ path: 'a.yaml', content: '1' }], dir);
    writeTree([], dir);
    expect(fs.readFileSync(path.join(dir, 'mine.txt'), 'utf8')).toBe('user file');
    expect(fs.existsSync(path.join(dir, 'a.yaml'))).toBe(false);
  });

  test('fails to overwrite a file it did not write, and changes nothing', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'hand-written');
    expect(() => writeTree([{ path: 'a.yaml', content: 'generated' }, { path: 'b.yaml', content: 'b' }], dir)).toThrow(
      'refusing to overwrite 1 file(s)',
    );
    expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('hand-written');
    expect(fs.existsSync(path.join(dir, 'b.yaml'))).toBe(false);
  });
});
