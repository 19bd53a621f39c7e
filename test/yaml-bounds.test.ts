import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeUtf8, DEFAULT_LIMITS, InputError, parseBoundedYaml, readBoundedFile, yamlValues } from '../lib/yaml-bounds';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bounds-'));

describe('readBoundedFile', () => {
  test('reads a regular file', () => {
    const f = path.join(tmp(), 'a.yaml');
    fs.writeFileSync(f, 'a: 1\n');
    expect(readBoundedFile(f).toString()).toBe('a: 1\n');
  });
  test('fails on a FIFO, a device and a folder before reading', () => {
    const fifo = path.join(tmp(), 'p');
    execFileSync('mkfifo', [fifo]);
    expect(() => readBoundedFile(fifo, 100, 'the input')).toThrow(`${fifo}: the input is a FIFO (named pipe), not a regular file`);
    expect(() => readBoundedFile('/dev/zero', 100, 'the input')).toThrow('/dev/zero: the input is a character device');
    expect(() => readBoundedFile(os.tmpdir(), 100, 'the input')).toThrow('the input is a folder');
  });
  test('fails on a file over the limit, naming size and limit', () => {
    const f = path.join(tmp(), 'big');
    fs.writeFileSync(f, 'x'.repeat(101));
    expect(() => readBoundedFile(f, 100, 'the input')).toThrow(`${f}: the input is 101 bytes, more than the limit of 100 bytes`);
  });
  test('fails on text that is not UTF-8', () => {
    expect(() => decodeUtf8(Buffer.from([0xff, 0xfe, 0x41]), 'f')).toThrow('f: the file is not UTF-8 text (save it as UTF-8)');
  });
});

describe('parseBoundedYaml', () => {
  test('parses multi-document YAML within the bounds', () => {
    expect(yamlValues('a: 1\n---\nb: [x, y]\n', 'f')).toEqual([{ a: 1 }, { b: ['x', 'y'] }]);
  });
  test('fails on depth, aliases, keys and nodes beyond the limits, with the line', () => {
    const limits = { ...DEFAULT_LIMITS, maxDepth: 3, maxAliases: 2, maxKeys: 3, maxNodes: 50 };
    const msg = (text: string) => parseBoundedYaml(text, 'f', limits).problems.map((p) => `${p.line}: ${p.message}`);
    expect(msg('a:\n  b:\n    c:\n      d: 1\n')).toEqual(['4: nested too deeply (more than 3 levels; flatten it)']);
    expect(msg('a: &x 1\nb: [*x, *x, *x]\n')).toEqual(['2: has more than 2 YAML aliases (write the values out instead of *aliases)']);
    expect(msg('{a: 1, b: 2, c: 3, d: 4}')).toEqual(['1: a mapping has 4 keys, more than the limit of 3 (split it)']);
    expect(msg('a: &a [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]\nb: *a\nc: *a\n')).toEqual(['3: alias *a expands beyond 50 YAML nodes (an alias bomb?); write the values out instead']);
  });
  test('fails on an undefined alias with its line, never a ReferenceError', () => {
    expect(parseBoundedYaml('a: 1\nb: *nope\n', 'f').problems).toEqual([
      { file: 'f', line: 2, column: 4, message: 'alias *nope refers to no anchor &nope completed before it (define the anchor first, or write the value out)' },
    ]);
  });
  test('fails on a duplicate key in linear time, or lists it when duplicates are allowed', () => {
    expect(parseBoundedYaml('a: 1\na: 2\n', 'f').problems.map((p) => p.message)).toEqual(['Map keys must be unique: "a" is also set at line 1 (fix the YAML syntax: keep one of them)']);
    const allowed = parseBoundedYaml('a: 1\na: 2\n', 'f', DEFAULT_LIMITS, { allowDuplicateKeys: true });
    expect(allowed.problems).toEqual([]);
    expect(allowed.duplicates.map((p) => p.line)).toEqual([2]);
    const many = Array.from({ length: 50_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const t = Date.now();
    expect(parseBoundedYaml(many, 'f').problems).toEqual([]);
    expect(Date.now() - t).toBeLessThan(10_000);
  });
  test('throws InputError (no stack) from yamlValues', () => {
    try {
      yamlValues('a: [', 'f');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).stack).toBe(`InputError: ${(e as Error).message}`);
    }
  });
});
