import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { parsePlainYaml } from '../lib/config/fast-yaml';

const ROOT = path.resolve(__dirname, '..');

/** Every YAML config the project ships (examples, fixtures), and dist/'s files. */
function yamlFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  for (const d of ['examples', 'test/fixtures', 'dist', 'secrets']) if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return [path.join(ROOT, 'platform.yaml'), ...out];
}

function agrees(text: string): { fast: unknown; library: unknown } {
  const fast = parsePlainYaml(text);
  let library: unknown;
  try {
    const docs = YAML.parseAllDocuments(text);
    library = Array.isArray(docs) && docs.length === 1 && docs[0].errors.length === 0 ? docs[0].toJS() : 'not one valid document';
  } catch {
    library = 'library throws';
  }
  return { fast: fast === undefined ? library : fast, library };
}

describe('parsePlainYaml', () => {
  test('reads every YAML file of the project exactly as the yaml library does (or leaves it to the library)', () => {
    // GIVEN every config, fixture and output file
    const files = yamlFiles();
    expect(files.length).toBeGreaterThan(50);
    // WHEN each is read by both
    // THEN the results are equal wherever the fast reader answers
    for (const f of files) {
      const r = agrees(fs.readFileSync(f, 'utf8'));
      expect({ f, v: r.fast }).toStrictEqual({ f, v: r.library });
    }
  });

  test('answers for SOPS files (literal block scalars) like the library', () => {
    const f = path.join(ROOT, 'secrets/kommander/gitea-admin-credentials.sops.yaml');
    expect(parsePlainYaml(fs.readFileSync(f, 'utf8'))).toStrictEqual(YAML.parse(fs.readFileSync(f, 'utf8')));
  });

  test('answers for the example config and a generated fleet config (the bench shape)', () => {
    for (const f of ['examples/gardener.yaml', 'examples/kommander-gardener.yaml']) expect({ f, answered: parsePlainYaml(fs.readFileSync(path.join(ROOT, f), 'utf8')) !== undefined }).toStrictEqual({ f, answered: true });
    expect(parsePlainYaml(fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8'))).toStrictEqual(YAML.parse(fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8')));
    const apps = Array.from({ length: 50 }, (_, i) => `  app-${i}:\n    version: 1.${i}.0\n    clusters: [c${i % 3}, c-${i % 5}]\n    values:\n      replicaCount: ${i}\n      ratio: 0.${i}5\n      host: app-${i}.example.com # comment\n      url: "https://x/${i}"\n      note: 'it''s ${i}'\n      list:\n      - a\n      - b: 1\n        c: [ ]\n      - - nested\n      empty:\n      obj: {}\n`).join('');
    const text = `---\n# fleet\nclusterName: bench\napps:\n${apps}catalog:\n  repositories:\n    - name: c\n      url: https://git.example.com/c.git\n      tag: v1.0.0\n`;
    expect(parsePlainYaml(text)).not.toBeUndefined();
    expect(parsePlainYaml(text)).toStrictEqual(YAML.parse(text));
  });

  test('leaves everything outside the plain subset to the yaml library', () => {
    // GIVEN texts with anchors, tags, block scalars, multi-line scalars, flow maps, duplicate keys, odd numbers, odd keys
    const texts = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  text\n',
      'a: >\n  text\n',
      'a: b\n  c\n',
      'a: {b: 1}\n',
      'a: 1\na: 2\n',
      'a: 0755\n',
      'a: 1e3\n',
      'a: 0x1F\n',
      'a: .inf\n',
      'a: +1\n',
      'a: 12345678901234567890\n',
      '1: a\n',
      'true: a\n',
      '? a\n: b\n',
      'a: "x\\ny"\n',
      'a:\tb\n',
      'a: [x, {y: 1}]\n',
      'a: [x,\n  y]\n',
      'a: b\n---\nc: d\n',
      'a: @x\n',
      'a: `x`\n',
      'a: x: y\n',
      'a: -\n',
      '<<: {a: 1}\n',
      '__proto__: 1\n',
      '- a\n',
      'a: |-\n  x\n  y\n',
      'a:\n  - enc: |\n      l1\n      l2\n    r: x\n',
      'a: |\n  x\n\n  y\n',
      'a: |\n    deeper\n  less\n',
      'a: |\n  x # not a comment\n  -----BEGIN-----\n',
      'a: |+\n  x\n',
      'a: |2\n   x\n',
      'a: |\nb: 1\n',
    ];
    // THEN the fast reader either declines or agrees with the library
    for (const t of texts) {
      const r = agrees(t);
      expect({ t, v: r.fast }).toStrictEqual({ t, v: r.library });
    }
    expect(parsePlainYaml('a: &x 1\n')).toBeUndefined();
    expect(parsePlainYaml('a:\n  - enc: |\n      l1\n      l2\n    r: x\n')).toStrictEqual({ a: [{ enc: 'l1\nl2\n', r: 'x' }] });
    expect(parsePlainYaml('a: 1\na: 2\n')).toBeUndefined();
  });

  test('reads scalars by the YAML 1.2 core schema, like the library', () => {
    const text = 'n1: ~\nn2: null\nn3:\nb1: true\nb2: False\ny: yes\no: on\ni: 42\nneg: -7\nz: 0\nf: 1.5\nv: 1.2.3\ns: plain text with spaces\nq1: "double"\nq2: \'single\'\nurl: https://example.com/a?b=c\nemail: a@example.com\nvar: ${helmMirrorURL:=x}\ndate: 2026-01-01\n';
    expect(agrees(text).fast).toStrictEqual(YAML.parse(text));
  });
});
