import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import * as YAML from 'yaml';
import { synthesize } from '../lib/cli';
import { loadConfig } from '../lib/config/load';
import { stringifyYaml } from '../lib/tree/yaml';

const ROOT = path.resolve(__dirname, '..');

/** Every object of the example trees, and every document of the committed dist/. */
function allObjects(): { where: string; obj: unknown }[] {
  const out: { where: string; obj: unknown }[] = [];
  for (const cfg of ['platform.yaml', 'examples/gardener.yaml', 'examples/kommander-gardener.yaml']) {
    for (const f of synthesize(loadConfig(path.join(ROOT, cfg)))) for (const o of f.objects ?? []) out.push({ where: `${cfg}: ${f.path}`, obj: o });
  }
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) for (const d of YAML.parseAllDocuments(fs.readFileSync(p, 'utf8'))) out.push({ where: p, obj: d.toJS() });
    }
  };
  walk(path.join(ROOT, 'dist'));
  return out;
}

describe('stringifyYaml', () => {
  test('writes every object of the example trees and of dist/ byte-identical to cdk8s Yaml.stringify', () => {
    // GIVEN every object the synthesizer renders for the three example configs, and dist/'s documents
    const objects = allObjects();
    expect(objects.length).toBeGreaterThan(200);
    // WHEN each is written by the emitter and by cdk8s (the yaml library)
    const differing = objects.filter(({ obj }) => stringifyYaml(obj) !== Yaml.stringify(obj)).map(({ where }) => where);
    // THEN no output differs
    expect(differing).toStrictEqual([]);
  });

  test('writes the scalars YAML 1.1 readers would misread, and block scalars, like the yaml library', () => {
    // GIVEN strings that need quoting or block scalars, at several depths, numbers, nulls, empty collections
    const tricky = ['yes', 'Yes', 'NO', 'on', 'y', 'null', '~', '0755', '1e3', '10:00', '0x1F', '.inf', '', ' lead', 'trail ', 'a: b', 'foo #bar', '@x', "it's", '"q"', 'tab\tx', 'ünï', '-', '- x', '? x', '*a', '&a', '!t', '%p', '{x}', '[x]', '|', '>', 'multi\nline', 'multi\nline\n', 'multi\n\nline\n\n', '  indented\nx', 'x\n  y\n \nz', '\n', 'a\r\nb', '2026-01-01', 'True'];
    const value = {
      strings: tricky,
      nested: { deeper: Object.fromEntries(tricky.map((s, i) => [`k${i}`, s])), seq: [tricky, [[]], [{}], [{ a: tricky }]] },
      keys: { 'a b': 1, 'x/y': 'z', '1': 2, on: true, 'yes': false, '': 'empty' },
      numbers: [0, -1, 1.5, -1.5, 1e21, 123456789012, 0.1],
      nulls: [null, { a: null }],
      empty: { map: {}, seq: [] },
    };
    // WHEN written by both
    // THEN they are identical
    expect(stringifyYaml(value)).toBe(Yaml.stringify(value));
    for (const s of tricky) expect(stringifyYaml({ s })).toBe(Yaml.stringify({ s }));
  });

  test('falls back to the yaml library for values it does not lay out itself', () => {
    // GIVEN undefined members, a non-finite number and top-level scalars
    const values: unknown[] = [{ a: undefined }, { a: [1, undefined] }, { n: Infinity }, { n: -0 }, 'scalar', 42, [], {}];
    // THEN the output is still the library's
    for (const v of values) expect(stringifyYaml(v)).toBe(Yaml.stringify(v));
  });
});
