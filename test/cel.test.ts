import * as fs from 'fs';
import * as path from 'path';
import { applyDefaults, CelSchema, compile, functionsOf, parseGoDuration, toCel, usesOldSelf } from '../lib/cel';
import { isObject, isYamlFile, JsonObject, parseYamlDocs } from '../lib/check/tree';
import { SHARED } from './fixtures/trees/sample';

/**
 * Every `x-kubernetes-validations` rule of the CRDs in use (../shared/crds, the Gardener
 * v1.146.4 CRDs, the CRDs inside the kommander-applications releases) is compiled, and each rule
 * gets one passing and one failing value (CASES, keyed by the rule's text; a rule without a case
 * fails the suite).
 */

/** Where the CRDs in use live (files or folders). */
const CRD_SOURCES = [
  'crds',
  'gardener/v1.146.4',
  'kommander-applications/v2.17.1/applications/kommander-flux',
  'kommander-applications/v2.17.1/common/kommander-operator/chart/crds',
  'kommander-applications/v2.17.1/applications/git-operator/0.13.12/git-operator-manifests/all.yaml',
  'kommander-applications/v2.8.3/services/kommander-flux',
].map((p) => path.join(SHARED, p));

interface Site {
  readonly id: string;
  readonly crd: string;
  readonly version: string;
  readonly path: string;
  readonly rule: string;
  readonly message?: string;
  readonly schema: CelSchema;
}

function files(p: string): string[] {
  if (!fs.existsSync(p)) return [];
  if (fs.statSync(p).isFile()) return [p];
  return fs.readdirSync(p).sort().flatMap((e) => files(path.join(p, e)));
}

function loadSites(): Site[] {
  const out: Site[] = [];
  const seen = new Set<string>();
  for (const f of CRD_SOURCES.flatMap(files).filter(isYamlFile)) {
    const text = fs.readFileSync(f, 'utf8');
    if (!text.includes('CustomResourceDefinition')) continue;
    for (const d of parseYamlDocs(text).docs) {
      const crd = d.value;
      if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec) || !isObject(crd.metadata)) continue;
      for (const v of (crd.spec.versions as JsonObject[]) ?? []) {
        const schema = isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
        if (!schema) continue;
        const cel = new CelSchema(schema);
        for (const s of cel.sites) {
          const id = `${crd.metadata.name}@${v.name}:${s.path}#${s.rule.rule}`;
          if (seen.has(id)) continue;
          seen.add(id);
          out.push({ id, crd: crd.metadata.name as string, version: v.name as string, path: s.path, rule: s.rule.rule, message: s.rule.message, schema: cel });
        }
      }
    }
  }
  return out;
}

/** One passing and one failing `self` per rule text (`old` given: a transition rule, old → new). */
interface Case {
  readonly pass: unknown;
  readonly fail: unknown;
  readonly old?: unknown;
}

const CASES: Record<string, Case> = {
  "self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)": { pass: { provider: 'aws', sts: { provider: 'aws' } }, fail: { provider: 'gcp', sts: { provider: 'aws' } } },
  "self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'": { pass: { provider: 'aws', sts: { provider: 'aws' } }, fail: { provider: 'aws', sts: { provider: 'ldap' } } },
  "self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'": { pass: { provider: 'generic', sts: { provider: 'ldap' } }, fail: { provider: 'generic', sts: { provider: 'aws' } } },
  "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)": { pass: { sts: { provider: 'aws' } }, fail: { sts: { provider: 'aws', secretRef: { name: 's' } } } },
  "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)": { pass: { sts: { provider: 'ldap', certSecretRef: { name: 'c' } } }, fail: { sts: { provider: 'aws', certSecretRef: { name: 'c' } } } },
  "self.provider != 'generic' || !has(self.serviceAccountName)": { pass: { provider: 'aws', serviceAccountName: 'sa' }, fail: { provider: 'generic', serviceAccountName: 'sa' } },
  '!has(self.secretRef) || !has(self.serviceAccountName)': { pass: { secretRef: { name: 's' } }, fail: { secretRef: { name: 's' }, serviceAccountName: 'sa' } },
  "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))": { pass: { provider: 'aws', serviceAccountName: 'sa' }, fail: { provider: 'github', serviceAccountName: 'sa' } },
  "!has(self.serviceAccountName) || (has(self.provider) && self.provider == 'azure')": { pass: { provider: 'azure', serviceAccountName: 'sa' }, fail: { provider: 'generic', serviceAccountName: 'sa' } },
  "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'": { pass: { sourceRef: { kind: 'HelmRepository', name: 'r' }, verify: { provider: 'cosign' } }, fail: { sourceRef: { kind: 'GitRepository', name: 'r' }, verify: { provider: 'cosign' } } },
  '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))': { pass: { chartRef: { kind: 'OCIRepository', name: 'c' } }, fail: { interval: '1m' } },
  "!has(self.retryInterval) || self.name != 'RemediateOnFailure'": { pass: { name: 'RetryOnFailure', retryInterval: '1m' }, fail: { name: 'RemediateOnFailure', retryInterval: '1m' } },
  "!has(self.retryInterval) || self.name == 'RetryOnFailure'": { pass: { name: 'RetryOnFailure', retryInterval: '1m' }, fail: { name: 'RemediateOnFailure', retryInterval: '1m' } },
  'has(self.configMapRef) || has(self.secretRef)': { pass: { secretRef: { name: 'kubeconfig' } }, fail: {} },
  '!has(self.configMapRef) || !has(self.secretRef)': { pass: { configMapRef: { name: 'kubeconfig' } }, fail: { configMapRef: { name: 'a' }, secretRef: { name: 'b' } } },
  "self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' || self.type == 'azuredevops' || !has(self.commitStatusExpr)":
    { pass: { type: 'gitea', commitStatusExpr: 'x' }, fail: { type: 'slack', commitStatusExpr: 'x' } },
  "self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)": { pass: { type: 'generic-oidc', oidcProviders: [{ issuerURL: 'https://i' }] }, fail: { type: 'generic-oidc', oidcProviders: [] } },
  "self.type == 'generic-oidc' || !has(self.oidcProviders) || size(self.oidcProviders) == 0": { pass: { type: 'github', oidcProviders: [] }, fail: { type: 'github', oidcProviders: [{ issuerURL: 'https://i' }] } },
  "self.type != 'generic-oidc' || !has(self.secretRef)": { pass: { type: 'github', secretRef: { name: 's' } }, fail: { type: 'generic-oidc', secretRef: { name: 's' } } },
  "self.type == 'generic-oidc' || has(self.secretRef)": { pass: { type: 'github', secretRef: { name: 's' } }, fail: { type: 'github' } },
  '(has(self.tpp) ? 1 : 0) + (has(self.cloud) ? 1 : 0) + (has(self.ngts) ? 1 : 0) == 1': { pass: { zone: 'z', cloud: {} }, fail: { zone: 'z', cloud: {}, tpp: {} } },
  "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')": { pass: { interval: '1m', digestReflectionPolicy: 'Always' }, fail: { interval: '1m', digestReflectionPolicy: 'IfNotPresent' } },
  "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'": { pass: { digestReflectionPolicy: 'IfNotPresent' }, fail: { digestReflectionPolicy: 'Always' } },
  'self == oldSelf': { old: 'eu-west-1', pass: 'eu-west-1', fail: 'eu-central-1' },
  'self.url == oldSelf.url': { old: { url: 'https://a', ref: 'main' }, pass: { url: 'https://a', ref: 'main' }, fail: { url: 'https://b', ref: 'main' } },
  'self.ref == oldSelf.ref': { old: { url: 'https://a', ref: 'main' }, pass: { url: 'https://a', ref: 'main' }, fail: { url: 'https://a', ref: 'dev' } },
};

/** Places `value` at a schema path (`spec.a[].b{}`) inside an otherwise empty object. */
function objectWith(schemaPath: string, value: unknown): unknown {
  if (schemaPath === '') return value;
  const segs = schemaPath.match(/[^.[\]{}]+|\[\]|\{\}/g) ?? [];
  const build = (i: number): unknown => {
    if (i === segs.length) return value;
    const s = segs[i];
    if (s === '[]') return [build(i + 1)];
    if (s === '{}') return { key: build(i + 1) };
    return { [s]: build(i + 1) };
  };
  return build(0);
}

const sites = loadSites();
const haveShared = sites.length > 0;
if (!haveShared) console.warn(`SKIPPING the CEL rule table LOUDLY: no CRDs found under ${SHARED}`);
const testShared = haveShared ? test : test.skip;

describe('cel: the CRDs in use', () => {
  testShared('finds the rules of Flux, cert-manager, Gardener and the kommander releases', () => {
    // GIVEN the CRD sources WHEN scanned THEN every CRD with rules is seen
    const crds = [...new Set(sites.map((s) => s.crd))].sort();
    expect(crds).toEqual([
      'buckets.source.toolkit.fluxcd.io',
      'clusterissuers.cert-manager.io',
      'gardens.operator.gardener.cloud',
      'gitclaims.git.nutanix.com',
      'gitclaimusers.git.nutanix.com',
      'gitrepositories.source.toolkit.fluxcd.io',
      'helmcharts.source.toolkit.fluxcd.io',
      'helmreleases.helm.toolkit.fluxcd.io',
      'imagepolicies.image.toolkit.fluxcd.io',
      'issuers.cert-manager.io',
      'kommandercores.dkp.d2iq.io',
      'kustomizations.kustomize.toolkit.fluxcd.io',
      'providers.notification.toolkit.fluxcd.io',
      'receivers.notification.toolkit.fluxcd.io',
    ]);
  });

  testShared('compiles every rule, and every rule has a passing and a failing case', () => {
    // GIVEN every rule site WHEN compiled THEN none fails, and none lacks a case
    const uncompiled = sites.flatMap((s) => s.schema.compileErrors.map((e) => `${s.crd}: ${e.site.rule.rule}: ${e.error}`));
    expect(uncompiled).toEqual([]);
    expect(sites.filter((s) => !CASES[s.rule]).map((s) => s.id)).toEqual([]);
    expect(Object.keys(CASES).filter((r) => !sites.some((s) => s.rule === r))).toEqual([]);
  });

  testShared('uses only functions the environment implements (has, size: no Kubernetes library is needed)', () => {
    const used = [...new Set(sites.flatMap((s) => functionsOf(s.rule)))].sort();
    expect(used).toEqual(['has', 'size']);
  });

  describe.each(haveShared ? sites.map((s) => [s.id, s] as const) : [['(no CRDs)', undefined]])('%s', (_id, site) => {
    const t = site ? test : test.skip;
    t('passes the passing case and fails the failing one with the rule\'s message', () => {
      const s = site as Site;
      const c = CASES[s.rule];
      const transition = c.old !== undefined;
      const old = transition ? objectWith(s.path, c.old) : undefined;
      const ofRule = (obj: unknown) => s.schema.validate(obj, old).filter((v) => v.rule === s.rule && v.schemaPath === s.path);
      // GIVEN the passing value at the rule's node WHEN validated THEN the rule holds
      expect(ofRule(objectWith(s.path, c.pass))).toEqual([]);
      // GIVEN the failing value WHEN validated THEN the rule's own message is reported
      const [v, ...more] = ofRule(objectWith(s.path, c.fail));
      expect(more).toEqual([]);
      expect(v).toMatchObject({ message: s.message ?? `failed rule: ${s.rule}`, evalError: false, transition });
      // AND a transition rule is not evaluated on create (no old object)
      if (transition) expect(s.schema.validate(objectWith(s.path, c.fail)).filter((x) => x.rule === s.rule)).toEqual([]);
    });
  });
});

describe('cel: Kubernetes semantics', () => {
  const schema = (x: JsonObject) => new CelSchema({ type: 'object', properties: { spec: x } });

  test('binds self to the declaring node, also per list item and per map value', () => {
    // GIVEN a rule on list items and one on map values
    const s = schema({
      type: 'object',
      properties: {
        ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.port > 1024', message: 'unprivileged ports only' }] } },
        limits: { type: 'object', additionalProperties: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self <= 10' }] } },
      },
    });
    // WHEN validated THEN each bad element is reported at its own path
    expect(s.validate({ spec: { ports: [{ port: 8080 }, { port: 80 }], limits: { a: 1, b: 11 } } }).map((v) => `${v.path}: ${v.message}`)).toEqual([
      'spec.ports[1]: unprivileged ports only',
      'spec.limits["b"]: failed rule: self <= 10',
    ]);
  });

  test('applies defaults before evaluating, and integers are CEL ints', () => {
    // GIVEN a defaulted integer field and a rule that compares it with an int literal
    const s = schema({ type: 'object', properties: { replicas: { type: 'integer', default: 1 } }, 'x-kubernetes-validations': [{ rule: 'self.replicas == 1' }, { rule: 'type(self.replicas) == int' }] });
    // WHEN the field is absent THEN the default makes both rules hold
    expect(s.validate({ spec: {} })).toEqual([]);
    expect(applyDefaults({ type: 'object', properties: { a: { type: 'object', default: {}, properties: { b: { type: 'string', default: 'x' } } } } }, {})).toEqual({ a: { b: 'x' } });
    expect(toCel({ type: 'number' }, 1)).toBe(1);
    expect(toCel({ type: 'integer' }, 1)).toBe(BigInt(1));
  });

  test('reports a rule that cannot be evaluated (no such key), like the API server', () => {
    const s = schema({ type: 'object', properties: { sts: { type: 'object', properties: { provider: { type: 'string' } } } }, 'x-kubernetes-validations': [{ rule: "self.sts.provider == 'aws'", message: 'aws only' }] });
    const [v] = s.validate({ spec: {} });
    expect(v).toMatchObject({ path: 'spec', evalError: true });
    expect(v.message).toMatch(/^the rule could not be evaluated: .*sts/);
  });

  test('uses messageExpression when it gives a non-empty string, and fieldPath', () => {
    const s = schema({
      type: 'object',
      properties: { min: { type: 'integer' }, max: { type: 'integer' } },
      'x-kubernetes-validations': [{ rule: 'self.min <= self.max', messageExpression: "'min (' + string(self.min) + ') exceeds max'", fieldPath: '.min', message: 'unused' }],
    });
    expect(s.validate({ spec: { min: 5, max: 3 } }).map((v) => `${v.path}: ${v.message}`)).toEqual(['spec.min: min (5) exceeds max']);
  });

  test('correlates old values by key for transition rules; list-type map items by their keys; other lists never', () => {
    // GIVEN an immutable field inside a list-type map, and one inside an atomic list
    const item = { type: 'object', properties: { name: { type: 'string' }, size: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'size is immutable' }] } } };
    const s = schema({
      type: 'object',
      properties: {
        volumes: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: item },
        atomic: { type: 'array', items: item },
      },
    });
    const old = { spec: { volumes: [{ name: 'a', size: '1Gi' }, { name: 'b', size: '1Gi' }], atomic: [{ name: 'a', size: '1Gi' }] } };
    // WHEN b's size changes (and a new item c appears; the atomic list's item changes too)
    const now = { spec: { volumes: [{ name: 'b', size: '2Gi' }, { name: 'a', size: '1Gi' }, { name: 'c', size: '5Gi' }], atomic: [{ name: 'a', size: '9Gi' }] } };
    // THEN only b is refused
    expect(s.validate(now, old).map((v) => `${v.path}: ${v.message}`)).toEqual(['spec.volumes[0].size: size is immutable']);
  });

  test('exposes only metadata.name and metadata.generateName to rules at the root', () => {
    const s = new CelSchema({ type: 'object', properties: { metadata: { type: 'object' } }, 'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith('a')" }, { rule: '!has(self.metadata.labels)' }] });
    expect(s.validate({ metadata: { name: 'abc', labels: { x: 'y' } } })).toEqual([]);
    expect(s.validate({ metadata: { name: 'b' } }).map((v) => v.rule)).toEqual(["self.metadata.name.startsWith('a')"]);
  });

  test('parses Go durations like time.ParseDuration', () => {
    expect(parseGoDuration('1h30m')).toBe(BigInt(5400) * BigInt(1e9));
    expect(parseGoDuration('1.5s')).toBe(BigInt(1500000000));
    expect(parseGoDuration('-300ms')).toBe(BigInt(-300000000));
    expect(parseGoDuration('0')).toBe(BigInt(0));
    expect(parseGoDuration('5 minutes')).toBeUndefined();
  });

  test('detects oldSelf and the functions a rule calls', () => {
    expect(usesOldSelf('self == oldSelf')).toBe(true);
    expect(usesOldSelf("self.x == 'oldSelf'")).toBe(false);
    expect(functionsOf("has(self.a) && size(self.b) > 0 && self.c.startsWith('x')")).toEqual(['has', 'size', 'startsWith']);
    expect(() => compile('self.a ==')).toThrow();
  });
});

/**
 * The examples of https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules
 * (the "Validation rules" table: rule, and what it checks), each with one value that satisfies it
 * and one that does not. They show that the CEL core evaluates rules the way the API server does
 * (macros `all`/`exists`/`filter`, `in` on maps and lists, `matches`, `startsWith`, `type()`,
 * int-or-string, `format: date-time` strings as timestamps and `format: duration` as durations).
 */
describe('cel: the Kubernetes documentation examples', () => {
  const obj = (props: JsonObject, rule: string) => new CelSchema({ type: 'object', properties: { spec: { type: 'object', properties: props, 'x-kubernetes-validations': [{ rule }] } } });
  const int = { type: 'integer' };
  const str = { type: 'string' };
  const cases: [string, JsonObject, unknown, unknown][] = [
    ['self.minReplicas <= self.replicas && self.replicas <= self.maxReplicas', { minReplicas: int, replicas: int, maxReplicas: int }, { minReplicas: 1, replicas: 2, maxReplicas: 3 }, { minReplicas: 1, replicas: 5, maxReplicas: 3 }],
    ["'Available' in self.stateCounts", { stateCounts: { type: 'object', additionalProperties: int } }, { stateCounts: { Available: 1 } }, { stateCounts: { Pending: 1 } }],
    ['(size(self.list1) == 0) != (size(self.list2) == 0)', { list1: { type: 'array', items: str }, list2: { type: 'array', items: str } }, { list1: ['a'], list2: [] }, { list1: ['a'], list2: ['b'] }],
    ["!('MY_KEY' in self.map1) || self['MY_KEY'].matches('^[a-zA-Z]*$')", { map1: { type: 'object', additionalProperties: str }, MY_KEY: str }, { map1: {} }, { map1: { MY_KEY: 'x' }, MY_KEY: 'a1' }],
    ["self.envars.filter(e, e.name == 'MY_ENV').all(e, e.value.matches('^[a-zA-Z]*$'))", { envars: { type: 'array', items: { type: 'object', properties: { name: str, value: str } } } }, { envars: [{ name: 'MY_ENV', value: 'abc' }] }, { envars: [{ name: 'MY_ENV', value: 'a-1' }] }],
    ["self.health.startsWith('ok')", { health: str }, { health: 'ok: all good' }, { health: 'degraded' }],
    ["self.widgets.exists(w, w.key == 'x' && w.foo < 10)", { widgets: { type: 'array', items: { type: 'object', properties: { key: str, foo: int } } } }, { widgets: [{ key: 'x', foo: 3 }] }, { widgets: [{ key: 'x', foo: 30 }] }],
    ["type(self.value) == string ? self.value == '99%' : self.value == 42", { value: { 'x-kubernetes-int-or-string': true } }, { value: 42 }, { value: '50%' }],
    ['self.set1.all(e, !(e in self.set2))', { set1: { type: 'array', items: str }, set2: { type: 'array', items: str } }, { set1: ['a'], set2: ['b'] }, { set1: ['a'], set2: ['a'] }],
    ['size(self.names) == size(self.details) && self.names.all(n, n in self.details)', { names: { type: 'array', items: str }, details: { type: 'object', additionalProperties: str } }, { names: ['a'], details: { a: 'x' } }, { names: ['a'], details: { b: 'x' } }],
    [
      'has(self.expired) && self.created + self.ttl < self.expired',
      { created: { type: 'string', format: 'date-time' }, ttl: { type: 'string', format: 'duration' }, expired: { type: 'string', format: 'date-time' } },
      { created: '2024-01-01T00:00:00Z', ttl: '1h30m', expired: '2024-01-01T02:00:00Z' },
      { created: '2024-01-01T00:00:00Z', ttl: '2.5h', expired: '2024-01-01T02:00:00Z' },
    ],
    ['size(self.clusters.filter(c, c.name == self.primary)) == 1', { primary: str, clusters: { type: 'array', items: { type: 'object', properties: { name: str } } } }, { primary: 'a', clusters: [{ name: 'a' }, { name: 'b' }] }, { primary: 'c', clusters: [{ name: 'a' }] }],
  ];
  test.each(cases)('%s', (rule, props, pass, fail) => {
    const s = obj(props, rule);
    // GIVEN the documented rule WHEN a satisfying and a violating value are validated THEN only the second fails
    expect(s.validate({ spec: pass })).toEqual([]);
    expect(s.validate({ spec: fail }).map((v) => [v.message, v.evalError])).toEqual([[`failed rule: ${rule}`, false]]);
  });
});

/**
 * The Kubernetes list and regex libraries (lib/cel/k8s.ts), with the examples of
 * https://kubernetes.io/docs/reference/using-api/cel/ ("Kubernetes list library", "Kubernetes
 * regex library").
 */
describe('cel: Kubernetes list and regex libraries', () => {
  const ev = (expr: string, self: unknown = {}) => compile(expr)({ self: toCel({}, self) });
  test.each([
    ['[1, 2, 3].isSorted()', true],
    ["['b', 'a'].isSorted()", false],
    ['[1, 2, 3].sum() == 6', true],
    ['[1.0, 2.5].sum() == 3.5', true],
    ['[1, 2, 3].min() == 1 && [1, 2, 3].max() == 3', true],
    ["['a', 'b', 'b', 'c'].indexOf('b') == 1 && ['a', 'b', 'b', 'c'].lastIndexOf('b') == 2", true],
    ["['a'].indexOf('z') == -1", true],
    ["'abc 123'.find('[0-9]+') == '123'", true],
    ["'abc'.find('[0-9]+') == ''", true],
    ["'1, 2, 3, 4'.findAll('[0-9]+').map(x, int(x)).sum() < 100", true],
    ["'1, 2, 3, 4'.findAll('[0-9]+', 2) == ['1', '2']", true],
  ])('%s', (expr, want) => {
    expect(ev(expr)).toBe(want);
  });

  test('documented rule shapes: priorities and weights', () => {
    // "lowPriorities.map(x, x.priority).max() < highPriorities.map(x, x.priority).min()" and "items.map(x, x.weight).sum() == 1.0"
    const self = { low: [{ priority: 1 }, { priority: 3 }], high: [{ priority: 5 }], items: [{ weight: 0.5 }, { weight: 0.5 }] };
    expect(ev('self.low.map(x, x.priority).max() < self.high.map(x, x.priority).min()', self)).toBe(true);
    expect(ev('self.items.map(x, x.weight).sum() == 1.0', self)).toBe(true);
  });

  test('fails min/max of an empty list and an invalid regular expression', () => {
    expect(String(ev('[].min()'))).toContain('min called on empty list');
    expect(String(ev("'a'.find('(')"))).toContain('invalid regular expression');
  });
});

/**
 * The Kubernetes quantity library (lib/cel/quantity.ts), with the examples of
 * https://kubernetes.io/docs/reference/using-api/cel/ ("Kubernetes quantity library").
 */
describe('cel: Kubernetes quantity library', () => {
  const ev = (expr: string, self: unknown = {}) => compile(expr)({ self: toCel({}, self) });
  test.each([
    ["quantity('500000G').isInteger()", true],
    ["quantity('50k').asInteger() == 50000", true],
    ["quantity('50k').add(quantity('20k')) == quantity('70k')", true],
    ["quantity('50k').sub(20000) == quantity('30k')", true],
    ["quantity('50k').isLessThan(quantity('100k'))", true],
    ["quantity('50k').isGreaterThan(quantity('100k'))", false],
    ["quantity('200M').compareTo(quantity('0.2G')) == 0", true],
    ["quantity('200M') == quantity('0.2G')", true],
    ["isQuantity('1.3G') && isQuantity('1.3Gi') && !isQuantity('1.3GiB')", true],
    ["quantity('-50M').sign() == -1 && quantity('0').sign() == 0", true],
    ["quantity('1Gi').asInteger() == 1073741824 && quantity('1Ki') == quantity('1024')", true],
    ["quantity('100m').isInteger()", false],
    ["quantity('1.5e3') == quantity('1500') && quantity('2E-3') == quantity('2m')", true],
  ])('%s', (expr, want) => {
    expect(ev(expr)).toBe(want);
  });

  test('approximates large values as a double, and fails non-integers and invalid quantities', () => {
    expect(ev("quantity('9999999999999999999999999999999999999G').asApproximateFloat()")).toBeCloseTo(1e46, -31);
    expect(String(ev("quantity('100m').asInteger()"))).toContain('cannot convert value to integer');
    expect(String(ev("quantity('1.5Gib')"))).toContain('"1.5Gib" is not a quantity');
  });

  test('a rule on a resource field, as a CRD would write it', () => {
    const s = new CelSchema({
      type: 'object',
      properties: { spec: { type: 'object', properties: { memory: { 'x-kubernetes-int-or-string': true } }, 'x-kubernetes-validations': [{ rule: "quantity(string(self.memory)).isLessThan(quantity('4Gi'))", message: 'at most 4Gi' }] } },
    });
    expect(s.validate({ spec: { memory: '512Mi' } })).toEqual([]);
    expect(s.validate({ spec: { memory: '8Gi' } }).map((v) => v.message)).toEqual(['at most 4Gi']);
  });
});

/**
 * The Kubernetes semver library (lib/cel/semver.ts), with the examples of
 * https://kubernetes.io/docs/reference/using-api/cel/ ("Kubernetes semver library") and the
 * precedence examples of https://semver.org (§11).
 */
describe('cel: Kubernetes semver library', () => {
  const ev = (expr: string) => compile(expr)({});
  test.each([
    ["isSemver('1.0.0')", true],
    ["isSemver('v1.0')", false],
    ["isSemver('v1.0', true)", true],
    ["semver('1.0.0') == semver('1.0.0')", true],
    ["semver('v1.0', true) == semver('1.0.0')", true],
    ["semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3", true],
    ["semver('1.0.0').isLessThan(semver('1.1.0'))", true],
    ["semver('2.1.0').isGreaterThan(semver('2.0.0'))", true],
    ["semver('1.2.3').compareTo(semver('1.2.3')) == 0 && semver('1.0.0').compareTo(semver('1.2.3')) == -1", true],
    // semver.org §11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0
    [
      "semver('1.0.0-alpha').isLessThan(semver('1.0.0-alpha.1')) && semver('1.0.0-alpha.1').isLessThan(semver('1.0.0-alpha.beta')) && semver('1.0.0-alpha.beta').isLessThan(semver('1.0.0-beta')) && semver('1.0.0-beta').isLessThan(semver('1.0.0-beta.2')) && semver('1.0.0-beta.2').isLessThan(semver('1.0.0-beta.11')) && semver('1.0.0-beta.11').isLessThan(semver('1.0.0-rc.1')) && semver('1.0.0-rc.1').isLessThan(semver('1.0.0'))",
      true,
    ],
    ["semver('1.0.0+build.1') == semver('1.0.0+build.2')", true],
    ["isSemver('01.0.0') || isSemver('1.0') || isSemver('1.0.0-')", false],
  ])('%s', (expr, want) => {
    expect(ev(expr)).toBe(want);
  });

  test('fails an invalid version, and quantity and semver methods do not mix up', () => {
    expect(String(ev("semver('1.0')"))).toContain('"1.0" is not a semantic version');
    expect(ev("quantity('1k').isLessThan(quantity('2k')) && semver('1.0.0').isLessThan(semver('2.0.0'))")).toBe(true);
  });
});

/**
 * The Kubernetes URL library (lib/cel/url.ts), with the examples of
 * https://kubernetes.io/docs/reference/using-api/cel/ ("Kubernetes URL library").
 */
describe('cel: Kubernetes URL library', () => {
  const ev = (expr: string) => compile(expr)({});
  test.each([
    "url('https://example.com:80/').getHost() == 'example.com:80'",
    "url('https://example.com/').getHost() == 'example.com'",
    "url('https://[::1]:80/').getHost() == '[::1]:80'",
    "url('https://[::1]/').getHost() == '[::1]'",
    "url('/path').getHost() == ''",
    "url('https://example.com:80/').getHostname() == 'example.com'",
    "url('https://127.0.0.1:80/').getHostname() == '127.0.0.1'",
    "url('https://[::1]:80/').getHostname() == '::1'",
    "url('/path').getHostname() == ''",
    "url('https://example.com:80/').getPort() == '80'",
    "url('https://example.com/').getPort() == ''",
    "url('/path').getPort() == ''",
    "url('https://example.com/path').getEscapedPath() == '/path'",
    "url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'",
    "url('https://example.com/').getEscapedPath() == '/'",
    "url('https://example.com').getEscapedPath() == ''",
    "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == { 'k1': ['a'], 'k2': ['b', 'c']}",
    "url('https://example.com/path?key with spaces=value with spaces').getQuery() == { 'key with spaces': ['value with spaces']}",
    "url('https://example.com/path?').getQuery() == {}",
    "url('https://example.com/path').getQuery() == {}",
    "url('/path').getScheme() == '' && url('https://example.com/').getScheme() == 'https'",
    "isURL('https://example.com/') && isURL('/path') && !isURL('example.com') && !isURL('')",
  ])('%s', (expr) => {
    expect(ev(expr)).toBe(true);
  });

  test('fails what is neither an absolute URI nor an absolute path', () => {
    expect(String(ev("url('example.com/path')"))).toContain('is not an absolute URI or an absolute path');
  });
});

/**
 * The Kubernetes IP and CIDR libraries (lib/cel/ip.ts), with the examples of
 * https://kubernetes.io/docs/reference/using-api/cel/ ("Kubernetes IP address library",
 * "Kubernetes CIDR library").
 */
describe('cel: Kubernetes IP and CIDR libraries', () => {
  const ev = (expr: string) => compile(expr)({});
  test.each([
    "isIP('127.0.0.1') && isIP('::1') && !isIP('127.0.0.256') && !isIP(':::1')",
    "ip.isCanonical('127.0.0.1') && ip.isCanonical('2001:db8::abcd') && !ip.isCanonical('2001:DB8::ABCD') && !ip.isCanonical('2001:db8::0:0:0:abcd')",
    "ip('127.0.0.1').family() == 4 && ip('::1').family() == 6",
    "ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified() && !ip('127.0.0.1').isUnspecified()",
    "ip('127.0.0.1').isLoopback() && ip('::1').isLoopback() && !ip('10.0.0.1').isLoopback()",
    "ip('fe80::1').isLinkLocalUnicast() && ip('169.254.1.1').isLinkLocalUnicast()",
    "ip('ff02::1').isLinkLocalMulticast() && ip('224.0.0.1').isLinkLocalMulticast()",
    "ip('192.168.0.1').isGlobalUnicast() && ip('2001:db8::1').isGlobalUnicast() && !ip('127.0.0.1').isGlobalUnicast()",
    "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1')) && cidr('192.168.0.0/24').containsIP('192.168.0.1') && !cidr('192.168.0.0/24').containsIP('192.168.1.1')",
    "cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25')) && cidr('192.168.0.0/24').containsCIDR('192.168.0.0/25') && !cidr('192.168.0.0/24').containsCIDR('192.168.0.0/23')",
    "cidr('192.168.0.1/24').ip() == ip('192.168.0.1')",
    "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')",
    "cidr('192.168.0.0/24').prefixLength() == 24",
    "isCIDR('192.168.0.0/16') && !isCIDR('192.168.0.0/33') && isCIDR('2001:db8::/32') && !isCIDR('192.168.0.0')",
    "ip('2001:db8::1') == ip('2001:DB8:0::1') && cidr('2001:db8::/32').containsIP('2001:db8:1::1')",
    "isIP('::1.2.3.4') && isIP('1:2:3:4:5:6:7::') && isIP('1:2:3:4:5:6:1.2.3.4')",
    // refused like the API server: IPv4-mapped IPv6, zones, leading zeros
    "!isIP('::ffff:1.2.3.4') && !isIP('fe80::1%eth0') && !isIP('127.0.0.01')",
  ])('%s', (expr) => {
    expect(ev(expr)).toBe(true);
  });

  test('fails an invalid address', () => {
    expect(String(ev("ip('300.1.1.1')"))).toContain('"300.1.1.1" is not a valid IP address');
    expect(String(ev("cidr('10.0.0.0/40')"))).toContain('is not a valid CIDR');
  });
});
