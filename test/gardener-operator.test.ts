/**
 * The operator module against the pinned Gardener release's own material (../shared/gardener/):
 * the Gardenlet's seed in the shape of v1.146.4's Seed API, and each Extension as its maintainers
 * publish it at the version the vector pins.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { SchemaRegistry } from '../lib/check/schema';
import { synthesize } from '../lib/cli';
import { loadConfig, parseConfig } from '../lib/config/load';
import { KNOWN_EXTENSIONS } from '../lib/gardener/defaults';
import { DEFAULT_COMPONENT_VECTOR, extensionComponent, findComponent } from '../lib/gardener/vector';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', 'gardener.yaml');
const SHARED = path.resolve(ROOT, '..', 'shared', 'gardener');
const V146 = path.join(SHARED, 'v1.146.4');
/** `test`, or a loud skip naming what is missing when ../shared is not beside the project. */
const testShared = (name: string, fn: () => void) => (fs.existsSync(V146) ? test(name, fn) : test.skip(`${name} [SKIPPED: ${V146} is missing]`, fn));

type Obj = Record<string, any>;

const all: Obj[] = synthesize(loadConfig(EXAMPLE))
  .filter((f) => f.path.endsWith('.yaml') && !f.path.endsWith('kustomization.yaml'))
  .flatMap((f) => YAML.parseAllDocuments(f.content.toString()).map((d) => d.toJS()))
  .filter((o) => o && o.kind);

/** Dotted paths of every leaf (list indices dropped: `a.b[].c` → `a.b.c`). */
function leafPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => leafPaths(x, prefix));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leafPaths(x, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

/** Every object path (not only leaves) of a value. */
function allPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => allPaths(x, prefix));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [prefix ? `${prefix}.${k}` : k, ...allPaths(x, prefix ? `${prefix}.${k}` : k)]);
  return [];
}

describe('the Gardenlet seed has the shape of the v1.146.4 Seed API', () => {
  const gardenlet = all.find((o) => o.kind === 'Gardenlet')!;
  const seed = gardenlet.spec.config.seedConfig;

  testShared('every field it sets is one of example/50-seed.yaml at v1.146.4 (or a documented optional one of the same API)', () => {
    // GIVEN the Seed example of the pinned release (its optional fields commented out: shootDefaults, taints)
    const example = YAML.parseAllDocuments(fs.readFileSync(path.join(V146, '50-seed.yaml'), 'utf8')).map((d) => d.toJS()).find((o) => o?.kind === 'Seed');
    const known = new Set(leafPaths(example.spec));
    // Optional fields the example shows commented out (networks.shootDefaults) or that
    // pkg/apis/core/v1beta1/types_seed.go@v1.146.4 declares next to dns.internal with the same
    // type (dns.defaults: []SeedDNSProviderConfig, the shape of dns.internal).
    for (const p of ['networks.shootDefaults.pods', 'networks.shootDefaults.services', 'taints.key']) known.add(p);
    for (const p of [...known].filter((k) => k.startsWith('dns.internal.'))) known.add(p.replace('dns.internal.', 'dns.defaults.'));
    // WHEN the emitted seed's fields are listed THEN each exists in the API
    const unknown = leafPaths(seed.spec).filter((p) => !known.has(p));
    expect(unknown).toStrictEqual([]);
    expect(seed.apiVersion).toBe(example.apiVersion);
    expect(seed.kind).toBe(example.kind);
  });

  test('has dns.internal, the default domain and credentialsRefs for DNS and backup, and no removed field', () => {
    const spec = seed.spec;
    const ref = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', name, namespace: 'garden' });
    expect(spec.dns.internal).toStrictEqual({ type: 'aws-route53', domain: 'internal.garden.example.com', credentialsRef: ref('garden-dns-aws-route53') });
    expect(spec.dns.defaults).toStrictEqual([{ type: 'aws-route53', domain: 'shoot.garden.example.com', credentialsRef: ref('garden-dns-aws-route53') }]);
    expect(spec.dns.provider).toStrictEqual({ type: 'aws-route53', credentialsRef: ref('garden-dns-aws-route53') });
    expect(spec.backup.credentialsRef).toStrictEqual(ref('garden-backup-aws'));
    // Removed from the Seed API: dns.provider.secretRef (v1.139), backup.secretRef (v1.123), dns.ingressDomain, dns.provider.domains/zones.
    const paths = allPaths(spec);
    for (const removed of ['dns.provider.secretRef', 'backup.secretRef', 'dns.ingressDomain', 'dns.provider.domains', 'dns.provider.zones']) expect(paths).not.toContain(removed);
    expect(paths.some((p) => p.endsWith('secretRef'))).toBe(false);
  });

  testShared('the Gardenlet around it has the fields of example/operator/30-gardenlet.yaml at v1.146.4', () => {
    const text = fs.readFileSync(path.join(V146, '30-gardenlet.yaml'), 'utf8');
    // The example lists optional deployment fields commented out; uncomment "#   key:" lines of spec.deployment.
    const example = YAML.parse(text.replace(/^# {3}(replicaCount|revisionHistoryLimit):/gm, '    $1:'));
    const known = new Set(allPaths(example.spec));
    const emitted = allPaths({ ...gardenlet.spec, config: { ...gardenlet.spec.config, seedConfig: {} } });
    expect(emitted.filter((p) => !known.has(p))).toStrictEqual([]);
    expect(gardenlet.spec.config.apiVersion).toBe(example.spec.config.apiVersion);
  });
});

describe('each Extension as its maintainers publish it at the version the vector pins', () => {
  const exts = all.filter((o) => o.kind === 'Extension' && o.apiVersion === 'operator.gardener.cloud/v1alpha1');

  // ../shared/gardener/extensions/ holds the operator Extension examples of these three; the two
  // shoot services' files there are shoot-level examples, so their facts come from the repositories
  // at the tag (KNOWN_EXTENSIONS[...].source) and are asserted below.
  for (const name of ['provider-aws', 'networking-calico', 'os-gardenlinux']) {
    testShared(`${name}: the resources, annotations and deployment switches of its example/extension.yaml`, () => {
      // GIVEN the maintainers' example at the vector's version
      const version = findComponent(DEFAULT_COMPONENT_VECTOR, extensionComponent(name))!.version;
      const file = path.join(SHARED, 'extensions', `${name}-${version}.yaml`);
      const example = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).find((o) => o?.kind === 'Extension' && o.apiVersion === 'operator.gardener.cloud/v1alpha1');
      const ours = exts.find((e) => e.metadata.name === name)!;
      // THEN the emitted Extension serves the same resources, with the same annotations …
      expect(ours.spec.resources).toStrictEqual(example.spec.resources);
      expect(ours.metadata.annotations).toStrictEqual(example.metadata.annotations);
      expect(!!ours.spec.deployment.extension.injectGardenKubeconfig).toBe(!!example.spec.deployment.extension.injectGardenKubeconfig);
      expect(!!ours.spec.deployment.admission).toBe(!!example.spec.deployment.admission);
      // … and the same chart names and version (the registry path is the vector's, see gardener-vector.test.ts).
      const tail = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);
      expect(tail(ours.spec.deployment.extension.helm.ociRepository.ref)).toBe(tail(example.spec.deployment.extension.helm.ociRepository.ref));
      if (example.spec.deployment.admission) {
        for (const c of ['runtimeCluster', 'virtualCluster']) expect(tail(ours.spec.deployment.admission[c].helm.ociRepository.ref)).toBe(tail(example.spec.deployment.admission[c].helm.ociRepository.ref));
      }
    });
  }

  test('shoot-dns-service v1.88.0 and shoot-cert-service v1.62.1: auto-enabled for shoots, workerless, the runtime part and policy of shoot-cert-service', () => {
    // Read at the tags: example/extension.yaml of gardener-extension-shoot-dns-service@v1.88.0 and
    // gardener-extension-shoot-cert-service@v1.62.1.
    const dns = exts.find((e) => e.metadata.name === 'shoot-dns-service')!;
    expect(dns.metadata.annotations).toStrictEqual({ 'security.gardener.cloud/pod-security-enforce': 'baseline' });
    expect(dns.spec.resources).toStrictEqual([{ autoEnable: ['shoot'], clusterCompatibility: ['shoot'], kind: 'Extension', type: 'shoot-dns-service', workerlessSupported: true }]);
    expect(dns.spec.deployment.admission.runtimeCluster.helm.ociRepository.ref).toMatch(/\/shoot-dns-service-admission-runtime:v1\.88\.0$/);
    const cert = exts.find((e) => e.metadata.name === 'shoot-cert-service')!;
    expect(cert.spec.deployment.extension.policy).toBe('Always');
    expect(cert.spec.deployment.extension.injectGardenKubeconfig).toBe(true);
    expect(cert.spec.resources.map((r: Obj) => r.type)).toStrictEqual(['shoot-cert-service', 'controlplane-cert-service']);
    expect(cert.spec.resources[1]).toStrictEqual({ clusterCompatibility: ['garden', 'seed'], kind: 'Extension', lifecycle: { delete: 'AfterKubeAPIServer', reconcile: 'BeforeKubeAPIServer' }, type: 'controlplane-cert-service' });
    expect(KNOWN_EXTENSIONS['shoot-cert-service'].source).toContain('@ v1.62.1');
    expect(KNOWN_EXTENSIONS['shoot-dns-service'].source).toContain('@ v1.88.0');
  });

  test('the auto-enable policy follows the config: gardener.extensions.<name>.autoEnable', () => {
    // GIVEN the example with shoot-dns-service opted out of auto-enabling and shoot-cert-service for seeds too
    const raw = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    raw.gardener.extensions['shoot-dns-service'] = { autoEnable: [] };
    raw.gardener.extensions['shoot-cert-service'] = { autoEnable: ['shoot', 'seed'] };
    const objs: Obj[] = synthesize(parseConfig(raw, path.dirname(EXAMPLE)))
      .filter((f) => f.path.startsWith('gardener/garden/extension-'))
      .map((f) => YAML.parse(f.content.toString()));
    const res = (n: string) => objs.find((o) => o.metadata.name === n)!.spec.resources;
    // THEN the shoot-level resource carries it; resources that are not shoot-level keep theirs
    expect(res('shoot-dns-service')[0].autoEnable).toBeUndefined();
    expect(res('shoot-cert-service')[0].autoEnable).toStrictEqual(['shoot', 'seed']);
    expect(res('shoot-cert-service')[1].autoEnable).toBeUndefined();
  });
});

describe('optional OIDC for the virtual garden API server and the dashboard', () => {
  // GIVEN the example with gardener.virtualGarden.oidc
  const raw = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
  raw.gardener.virtualGarden.oidc = { issuerURL: 'https://dex.example.com', clientID: 'gardener', clientSecret: { secretName: 'dashboard-oidc' } };
  const files = synthesize(parseConfig(raw, path.dirname(EXAMPLE)));
  const objs: Obj[] = files
    .filter((f) => f.path.endsWith('.yaml') && !f.path.endsWith('kustomization.yaml'))
    .flatMap((f) => YAML.parseAllDocuments(f.content.toString()).map((d) => d.toJS()))
    .filter((o) => o && o.kind);

  test('structured authentication in ConfigMap garden/gardener-auth-config, referenced by the Garden with the dashboard client', () => {
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'gardener-auth-config')!;
    expect(cm.metadata.namespace).toBe('garden');
    expect(YAML.parse(cm.data['config.yaml'])).toStrictEqual({
      apiVersion: 'apiserver.config.k8s.io/v1beta1',
      kind: 'AuthenticationConfiguration',
      jwt: [{ issuer: { url: 'https://dex.example.com', audiences: ['gardener'] }, claimMappings: { username: { claim: 'email', prefix: 'oidc:' }, groups: { claim: 'groups', prefix: 'oidc:' } } }],
    });
    const garden = objs.find((o) => o.kind === 'Garden')!;
    expect(garden.spec.virtualCluster.kubernetes.kubeAPIServer).toStrictEqual({ structuredAuthentication: { configMapName: 'gardener-auth-config' } });
    expect(garden.spec.virtualCluster.gardener.gardenerDashboard.oidcConfig).toStrictEqual({ issuerURL: 'https://dex.example.com', clientIDPublic: 'gardener', secretRef: { name: 'dashboard-oidc' } });
    // The ConfigMap is applied with the Garden that reads it.
    expect(files.find((f) => f.path.includes('configmap-gardener-auth-config'))!.path.startsWith('gardener/garden/')).toBe(true);
    // BOOTSTRAP.md names the client Secret to create.
    expect(files.find((f) => f.path === 'BOOTSTRAP.md')!.content.toString()).toContain('- `garden/dashboard-oidc`: dashboard OIDC client (`client_id`, `client_secret`)');
  });

  testShared('the Garden with OIDC is valid against the v1.146.4 operator CRD', () => {
    const registry = SchemaRegistry.fromPaths([V146]);
    expect(registry.validate(objs.find((o) => o.kind === 'Garden')!)).toStrictEqual({ status: 'ok' });
  });
});

describe('a protected first seed', () => {
  test('gardener.seed.protected taints the seed seed.gardener.cloud/protected', () => {
    const raw = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    raw.gardener.seed.protected = true;
    const gardenlet = YAML.parse(synthesize(parseConfig(raw, path.dirname(EXAMPLE))).find((f) => f.path === 'gardener/virtual-garden/gardenlet-initial-seed.yaml')!.content.toString());
    expect(gardenlet.spec.config.seedConfig.spec.taints).toStrictEqual([{ key: 'seed.gardener.cloud/protected' }]);
    // Unprotected by default: the example's only seed serves every project.
    expect(all.find((o) => o.kind === 'Gardenlet')!.spec.config.seedConfig.spec.taints).toBeUndefined();
  });
});
