import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseYamlDocsCached } from '../lib/check/parse-cache';
import { parseYamlDocs } from '../lib/check/tree';

describe('parseYamlDocsCached', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-cache-'));
  const before = process.env.MGMT_CACHE_DIR;
  beforeAll(() => (process.env.MGMT_CACHE_DIR = dir));
  afterAll(() => (before === undefined ? delete process.env.MGMT_CACHE_DIR : (process.env.MGMT_CACHE_DIR = before)));

  test('returns what parseYamlDocs returns, from the cache on the second call', () => {
    // GIVEN a big multi-document text (like a CRD file)
    const text = Array.from({ length: 400 }, (_, i) => `kind: Thing\nmetadata:\n  name: t${i}\nspec:\n  description: |\n    line one\n    line two ${i}\n`).join('---\n');
    // WHEN parsed twice
    const first = parseYamlDocsCached(text);
    const files = fs.readdirSync(dir);
    const second = parseYamlDocsCached(text);
    // THEN both equal the library's result, and the first call wrote one cache entry
    expect(first).toStrictEqual(parseYamlDocs(text));
    expect(second).toStrictEqual(first);
    expect(files).toHaveLength(1);
  });

  test('does not cache small texts or texts with errors', () => {
    parseYamlDocsCached('a: 1\n');
    parseYamlDocsCached(`a: [\n${'x'.repeat(20000)}\n`);
    expect(fs.readdirSync(dir)).toHaveLength(1);
  });
});
