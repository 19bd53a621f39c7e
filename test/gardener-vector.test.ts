/**
 * The component vector is the only source of versions: every version and chart reference of the
 * tree is the vector's, for the built-in vector and for each real gardener-landscape-kit vector in
 * ../shared/gardener/component-vectors/ that the config can select; bad vectors are one error each.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { synthesize, synthMain } from '../lib/cli';
import { ConfigError, loadConfig, parseConfig } from '../lib/config/load';
import { PlatformConfig } from '../lib/config/types';
import {
  ComponentVector,
  DEFAULT_COMPONENT_VECTOR,
  expectedComponentVersions,
  extensionComponent,
  findComponent,
  GARDENER_COMPONENT,
  isModelledGardenerVersion,
  loadComponentVector,
  parseComponentVector,
} from '../lib/gardener/vector';
import { RenderedFile } from '../lib/tree/render';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', 'gardener.yaml');
const VECTORS = path.resolve(ROOT, '..', 'shared', 'gardener', 'component-vectors');
const haveShared = fs.existsSync(VECTORS);
/** `test`, or a loud skip naming what is missing when ../shared is not beside the project. */
const testShared = (name: string, fn: () => void) => (haveShared ? test(name, fn) : test.skip(`${name} [SKIPPED: ${VECTORS} is missing]`, fn));

type Obj = Record<string, any>;

function objects(files: readonly RenderedFile[]): Obj[] {
  const out: Obj[] = [];
  for (const f of files) {
    if (!f.path.endsWith('.yaml') || f.path.endsWith('kustomization.yaml')) continue;
    for (const doc of YAML.parseAllDocuments(f.content.toString())) {
      const o = doc.toJS();
      if (o && o.kind) out.push(o);
    }
  }
  return out;
}

/** The example's raw config, with a vector and optionally without the issuer (which needs cert-management). */
function rawExample(vector?: string, issuer = true): Obj {
  const raw = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
  if (vector) raw.gardener.componentVector = vector;
  if (!issuer) {
    delete raw.gardener.issuer;
    // shoot-cert-service then needs its own default issuer.
    raw.gardener.extensions['shoot-cert-service'] = { values: { certificateConfig: { defaultIssuer: { name: 'garden', acme: { email: 'ops@example.com', server: 'https://acme-v02.api.letsencrypt.org/directory' } } } } };
  }
  return raw;
}

/** Every chart reference and version in the tree, as `registry/path:version`. */
function treeRefs(all: readonly Obj[]): { kind: string; name: string; ref: string }[] {
  const out: { kind: string; name: string; ref: string }[] = [];
  for (const o of all) {
    if (o.kind === 'HelmRelease') {
      const repo = all.find((r) => r.kind === 'HelmRepository' && r.metadata.name === o.spec.chart.spec.sourceRef.name)!;
      out.push({ kind: 'HelmRelease', name: o.metadata.name, ref: `${String(repo.spec.url).replace(/^oci:\/\//, '')}/${o.spec.chart.spec.chart}:${o.spec.chart.spec.version}` });
    }
    if (o.kind === 'Extension' && o.apiVersion === 'operator.gardener.cloud/v1alpha1') {
      const d = o.spec.deployment;
      out.push({ kind: 'Extension', name: o.metadata.name, ref: d.extension.helm.ociRepository.ref });
      if (d.admission) {
        out.push({ kind: 'Extension', name: `${o.metadata.name} admission runtime`, ref: d.admission.runtimeCluster.helm.ociRepository.ref });
        out.push({ kind: 'Extension', name: `${o.metadata.name} admission virtual`, ref: d.admission.virtualCluster.helm.ociRepository.ref });
      }
    }
    if (o.kind === 'Gardenlet') out.push({ kind: 'Gardenlet', name: o.metadata.name, ref: o.spec.deployment.helm.ociRepository.ref });
  }
  return out;
}

/** The chart references a vector pins: `<repository>:<version>` (resource tag wins), plus the Gardener release charts. */
function vectorRefs(v: ComponentVector): Set<string> {
  const out = new Set<string>();
  for (const c of v.components) for (const r of Object.values(c.resources)) if (r.helmChart) out.add(`${r.helmChart.repository}:${r.helmChart.tag ?? c.version}`);
  const g = findComponent(v, GARDENER_COMPONENT)!;
  for (const chart of ['operator', 'gardenlet']) {
    if (!g.resources[chart]) out.add(`europe-docker.pkg.dev/gardener-project/releases/charts/gardener/${chart}:${g.version}`);
  }
  return out;
}

function expectTreeFromVector(files: readonly RenderedFile[], v: ComponentVector): void {
  const refs = treeRefs(objects(files));
  const pinned = vectorRefs(v);
  // The operator, the gardenlet and every Extension are in the tree …
  expect(refs.map((r) => r.kind)).toEqual(expect.arrayContaining(['HelmRelease', 'Gardenlet', 'Extension']));
  // … and each of their references is one the vector pins, as it is (no derived registry path).
  for (const r of refs) expect({ ...r, pinned: pinned.has(r.ref) }).toStrictEqual({ ...r, pinned: true });
  // The Gardener release is the vector's.
  const gardener = findComponent(v, GARDENER_COMPONENT)!.version;
  expect(refs.find((r) => r.name === 'gardener-operator')!.ref.endsWith(`/operator:${gardener}`)).toBe(true);
  expect(refs.find((r) => r.kind === 'Gardenlet')!.ref.endsWith(`/gardenlet:${gardener}`)).toBe(true);
}

describe('the built-in vector', () => {
  test('every version and chart reference of the example tree is the built-in vector\'s', () => {
    // GIVEN the example (no gardener.componentVector) WHEN it is synthesized THEN
    expectTreeFromVector(synthesize(loadConfig(EXAMPLE)), DEFAULT_COMPONENT_VECTOR);
  });

  testShared('has the versions and chart references of gardener-landscape-kit v0.3.0 for every component that vector pins', () => {
    // GIVEN the real v0.3.0 vector (../shared/gardener/component-vectors/glk-v0.3.0.yaml)
    const glk = loadComponentVector(path.join(VECTORS, 'glk-v0.3.0.yaml'));
    // THEN the built-in one pins the same versions and charts, component by component
    for (const c of glk.components) {
      if (c.name === 'github.com/gardener/gardener-landscape-kit') continue;
      const ours = findComponent(DEFAULT_COMPONENT_VECTOR, c.name);
      expect({ name: c.name, version: ours?.version }).toStrictEqual({ name: c.name, version: c.version });
      for (const [key, r] of Object.entries(c.resources)) expect({ name: c.name, key, chart: ours!.resources[key]?.helmChart }).toStrictEqual({ name: c.name, key, chart: r.helmChart });
    }
    expect(findComponent(DEFAULT_COMPONENT_VECTOR, GARDENER_COMPONENT)!.version).toBe('v1.146.4');
    expect(findComponent(DEFAULT_COMPONENT_VECTOR, extensionComponent('provider-aws'))!.version).toBe('v1.72.0');
  });
});

describe('the vectors in ../shared/gardener/component-vectors/', () => {
  const files = haveShared ? fs.readdirSync(VECTORS).filter((f) => f.endsWith('.yaml')).sort() : [];
  if (!haveShared) test.skip(`each real vector: every version in the tree is the vector's [SKIPPED: ${VECTORS} is missing]`, () => undefined);
  const gardenerOf = (f: string) => YAML.parse(fs.readFileSync(path.join(VECTORS, f), 'utf8')).components.find((c: Obj) => c.name === GARDENER_COMPONENT).version as string;

  testShared('at least one of them can be selected (glk-v0.3.0: gardener v1.146.4)', () => {
    expect(files.filter((f) => isModelledGardenerVersion(gardenerOf(f)))).toContain('glk-v0.3.0.yaml');
  });

  for (const f of files) {
    const version = gardenerOf(f);
    if (isModelledGardenerVersion(version)) {
      test(`${f} (gardener ${version}): every version in the tree is the vector's`, () => {
        // GIVEN the example pointing at the vector (it pins no cert-management: no issuer)
        const config = parseConfig(rawExample(path.join(VECTORS, f), false), path.dirname(EXAMPLE));
        // WHEN it is synthesized THEN every reference comes from the vector
        expectTreeFromVector(synthesize(config), loadComponentVector(path.join(VECTORS, f)));
      });
    } else {
      test(`fails on ${f}: gardener ${version} is a version the tool cannot model`, () => {
        expect(configProblems(rawExample(path.join(VECTORS, f), false))).toStrictEqual([
          `gardener.componentVector: ${path.join(VECTORS, f)} pins github.com/gardener/gardener ${version}, but this tool models the API of Gardener 1.146.x only (v1.146.4); use a vector of a v1.146.x release, e.g. gardener-landscape-kit v0.3.0's, or remove gardener.componentVector for the built-in one`,
        ]);
      });
    }
  }

  testShared('fails when the config enables what the vector lacks: gardener.issuer needs cert-management and external-dns-management', () => {
    expect(configProblems(rawExample(path.join(VECTORS, 'glk-v0.3.0.yaml')))).toStrictEqual([
      `gardener.issuer: needs github.com/gardener/cert-management and github.com/gardener/external-dns-management (each with a helmChart resource) in the component vector ${path.join(VECTORS, 'glk-v0.3.0.yaml')}, which does not pin them: add them to the vector (- name: <module>, version, resources.<chart>.helmChart.repository), or remove gardener.issuer (the runtime certificates are then self-signed)`,
    ]);
  });
});

/** The problems of a raw config (the example's folder as base dir). */
function configProblems(raw: Obj, baseDir = path.dirname(EXAMPLE)): string[] {
  try {
    parseConfig(raw, baseDir);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => p.message);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('bad input: one error naming the config path and the fix, nothing written', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gardener-vector-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes the config (and a vector file), runs the synth command; returns its stderr lines. */
  function synthFails(raw: Obj, vector?: string): string[] {
    if (vector !== undefined) {
      fs.writeFileSync(path.join(dir, 'vector.yaml'), vector);
      raw.gardener.componentVector = 'vector.yaml';
    }
    fs.writeFileSync(path.join(dir, 'platform.yaml'), YAML.stringify(raw));
    const out = path.join(dir, 'out');
    const err: string[] = [];
    const code = synthMain(['--output', out], { PLATFORM_CONFIG: path.join(dir, 'platform.yaml') }, () => undefined, (s) => err.push(s));
    expect(code).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
    const text = err.join('');
    expect(text).not.toMatch(/\n\s+at /); // no stack trace
    expect(text).toContain('nothing was written');
    return text.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));
  }

  const minimalVector = (extra = '') => `components:\n- name: github.com/gardener/gardener\n  version: v1.146.4\n${extra}`;

  test('fails on a vector file that does not parse', () => {
    const p = synthFails(rawExample(), 'components: [\n  - name: x\n');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^gardener\.componentVector: vector\.yaml is not valid YAML \(.*\); point it at a gardener-landscape-kit component vector \(components\.yaml\)$/);
  });

  test('fails on a vector that is not a component vector', () => {
    expect(synthFails(rawExample(), 'name: gardener\n')).toStrictEqual([
      'gardener.componentVector: vector.yaml has no components list (expected a gardener-landscape-kit component vector: components: [{name: github.com/gardener/gardener, version: v1.146.4}, …])',
    ]);
  });

  test('fails on a vector that lacks github.com/gardener/gardener', () => {
    expect(synthFails(rawExample(), 'components:\n- name: github.com/gardener/gardener-extension-provider-aws\n  version: v1.72.0\n')).toStrictEqual([
      'gardener.componentVector: vector.yaml does not pin github.com/gardener/gardener (the Gardener release every other version belongs to; add - name: github.com/gardener/gardener with its version)',
    ]);
  });

  test('fails on a vector that pins a Gardener version the tool cannot model', () => {
    expect(synthFails(rawExample(), 'components:\n- name: github.com/gardener/gardener\n  version: v1.141.5\n')).toStrictEqual([
      "gardener.componentVector: vector.yaml pins github.com/gardener/gardener v1.141.5, but this tool models the API of Gardener 1.146.x only (v1.146.4); use a vector of a v1.146.x release, e.g. gardener-landscape-kit v0.3.0's, or remove gardener.componentVector for the built-in one",
    ]);
  });

  test('fails on a vector file that does not exist', () => {
    const raw = rawExample('missing.yaml');
    fs.writeFileSync(path.join(dir, 'platform.yaml'), YAML.stringify(raw));
    expect(configProblems(raw, dir)).toStrictEqual([
      `gardener.componentVector: "missing.yaml" does not exist (no file at ${path.join(dir, 'missing.yaml')}; paths are relative to the config file; e.g. ../shared/gardener/component-vectors/glk-v0.3.0.yaml)`,
    ]);
  });

  test('fails on an extension that is not in the vector', () => {
    // GIVEN a vector with Gardener only, and a config without the issuer (no cert-management needed)
    const raw = rawExample(undefined, false);
    raw.gardener.extensions = { 'provider-aws': {} };
    expect(synthFails(raw, minimalVector())).toStrictEqual([
      'gardener.extensions.provider-aws: is not in the component vector vector.yaml (no github.com/gardener/gardener-extension-provider-aws; it pins no extension): add the component to the vector or remove gardener.extensions.provider-aws',
    ]);
  });

  test('fails on a provider without credentials', () => {
    const raw = rawExample();
    delete raw.gardener.backups.credentials;
    expect(synthFails(raw)).toStrictEqual(['gardener.backups.credentials: is missing (required: secretName or sopsFile)']);
    raw.gardener.backups.credentials = {};
    expect(synthFails(raw)).toStrictEqual([
      'gardener.backups.credentials: names no Secret (set secretName: <an existing Secret in namespace garden>, or sopsFile: secrets/garden/<name>.sops.yaml written by npm run -s secrets -- set garden/<name> key=value)',
    ]);
  });
});

describe('parseComponentVector', () => {
  test('reads the format: name, version, resources with helmChart/ociImage', () => {
    const v = parseComponentVector(
      'components:\n- name: github.com/gardener/gardener\n  sourceRepository: https://github.com/gardener/gardener\n  version: v1.146.4\n  resources:\n    operator:\n      helmChart:\n        repository: registry.example.com/charts/operator\n',
      'x.yaml',
    );
    expect(v).toStrictEqual({
      source: 'x.yaml',
      components: [{ name: GARDENER_COMPONENT, version: 'v1.146.4', sourceRepository: 'https://github.com/gardener/gardener', resources: { operator: { helmChart: { repository: 'registry.example.com/charts/operator' } } } }],
    });
  });

  test('fails on a component without a release version, or listed twice, or a chart repository with a scheme', () => {
    expect(() => parseComponentVector('components:\n- name: a\n  version: latest\n', 'x')).toThrow('x: components[0] (a) has no release version (version: "latest"; expected e.g. v1.146.4)');
    expect(() => parseComponentVector('components:\n- {name: a, version: v1.0.0}\n- {name: a, version: v1.0.1}\n', 'x')).toThrow('x: components[1]: a is listed twice (keep one entry per component)');
    expect(() => parseComponentVector('components:\n- name: a\n  version: v1.0.0\n  resources:\n    c:\n      helmChart:\n        repository: oci://r.example.com/c\n', 'x')).toThrow(
      'x: components[0].resources.c.helmChart.repository must be an OCI repository without scheme and tag',
    );
  });

  test('the example selects no vector: the built-in one applies', () => {
    const c = loadConfig(EXAMPLE) as PlatformConfig;
    expect((c.gardener as Obj).componentVector).toBeUndefined();
  });
});

describe('hostile vector files', () => {
  test('fails on an alias bomb with one error, no crash', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'components: [*h]'].join('\n');
    expect(() => parseComponentVector(bomb, 'bomb.yaml')).toThrow(/^bomb\.yaml cannot be read as data \(.*\); a component vector uses no YAML aliases$/);
  });
});

describe('expectedComponentVersions (what check compares the tree with)', () => {
  test('lists each component with its chart names at its version, the Gardener release with operator and gardenlet', () => {
    const e = expectedComponentVersions(DEFAULT_COMPONENT_VECTOR);
    expect(e.find((c) => c.component === GARDENER_COMPONENT)).toStrictEqual({ component: GARDENER_COMPONENT, version: 'v1.146.4', charts: ['gardenlet', 'operator'] });
    expect(e.find((c) => c.component === extensionComponent('provider-aws'))!.charts).toStrictEqual(['admission-aws-application', 'admission-aws-runtime', 'provider-aws']);
    // Every chart reference of the example tree has the version the list pins for its chart.
    const byChart = new Map(e.flatMap((c) => c.charts.map((ch) => [ch, c.version] as const)));
    const refs = treeRefs(objects(synthesize(loadConfig(EXAMPLE))));
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) {
      const chart = r.ref.slice(r.ref.lastIndexOf('/') + 1, r.ref.lastIndexOf(':'));
      expect({ chart, version: r.ref.slice(r.ref.lastIndexOf(':') + 1) }).toStrictEqual({ chart, version: byChart.get(chart) });
    }
  });
});
