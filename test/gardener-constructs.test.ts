import * as path from 'path';
import { Testing } from 'cdk8s';
import { SchemaRegistry } from '../lib/check/schema';
import { GitRepository } from '../lib/flux/sources';
import { Stage } from '../lib/flux/stage';
import { Gardenlet, secretCredentials } from '../lib/gardener/api/seedmanagement';
import { GardenerExtensionConfig } from '../lib/gardener/config';
import { AcmeIssuer, DnsProvider, Garden, GardenExtension, SeedGardenlet } from '../lib/gardener/constructs';
import { stateHealth } from '../lib/gardener/flux';
import { extensionCharts, ociPath, splitChartRef } from '../lib/gardener/operator';
import { DEFAULT_COMPONENT_VECTOR, parseComponentVector } from '../lib/gardener/vector';
import { helmRepositoryName } from '../lib/gardener/tree';
import { Folder } from '../lib/tree/folder';
import { describeIfShared, hasShared, sharedPath } from './support/shared';

const CRDS = sharedPath('crds');
// Without ../shared the schema assertions are skipped loudly (each test's validate() below).
// The operator API of the pinned Gardener (v1.146.4) wins over the newer operator CRDs in ../shared/crds.
const registry =
  hasShared('crds') && hasShared('gardener', 'v1.146.4')
    ? SchemaRegistry.fromPaths([path.join(CRDS, 'gardener'), path.join(CRDS, 'flux'), sharedPath('gardener', 'v1.146.4')])
    : undefined;

function folder() {
  const app = Testing.app();
  return new Folder(app, 'F', { path: 'f' });
}

const SEED = {
  provider: { type: 'aws', region: 'eu-central-1' },
  networks: { pods: '100.96.0.0/11', services: '100.64.0.0/13' },
  dns: {
    provider: { type: 'aws-route53', credentialsRef: secretCredentials('dns', 'garden') },
    internal: { type: 'aws-route53', domain: 'internal.example.com', credentialsRef: secretCredentials('dns', 'garden') },
  },
};

describeIfShared('crds')('Gardenlet (hand-written L1, seedmanagement.gardener.cloud/v1alpha1)', () => {
  test('renders the GardenletConfiguration and the Seed template with their apiVersion and kind', () => {
    const m = Gardenlet.manifest({
      metadata: { name: 'first', namespace: 'garden' },
      spec: { deployment: { helm: { ociRepository: { ref: 'registry.example.com/gardenlet:v1.0.0' } } }, config: { seedConfig: { spec: SEED } } },
    });
    expect(m).toStrictEqual({
      apiVersion: 'seedmanagement.gardener.cloud/v1alpha1',
      kind: 'Gardenlet',
      metadata: { name: 'first', namespace: 'garden' },
      spec: {
        deployment: { helm: { ociRepository: { ref: 'registry.example.com/gardenlet:v1.0.0' } } },
        config: {
          apiVersion: 'gardenlet.config.gardener.cloud/v1alpha1',
          kind: 'GardenletConfiguration',
          seedConfig: { apiVersion: 'core.gardener.cloud/v1beta1', kind: 'Seed', spec: SEED },
        },
      },
    });
  });

  test('SeedGardenlet validates its chart reference, networks and replicas', () => {
    const f = folder();
    const ok = new SeedGardenlet(f, 'G', { name: 'initial-seed', chartRef: 'europe-docker.pkg.dev/p/gardenlet:v1.141.5', seed: SEED });
    expect(ok.resource.toJson().metadata).toStrictEqual({ name: 'initial-seed', namespace: 'garden' });
    expect(ok.resource.toJson().spec.deployment.replicaCount).toBe(1);
    expect(registry!.validate(ok.resource.toJson())).toStrictEqual({ status: 'ok' });
    expect(() => new SeedGardenlet(f, 'G2', { name: 'x', chartRef: 'oci://europe-docker.pkg.dev/p/gardenlet:v1', seed: SEED })).toThrow(
      'chartRef: "oci://europe-docker.pkg.dev/p/gardenlet:v1" is not an OCI artifact reference registry/repository:tag (without oci://)',
    );
    expect(() => new SeedGardenlet(f, 'G3', { name: 'x', chartRef: 'r.example.com/g:v1', seed: { ...SEED, networks: { pods: '100.96.0.0', services: '100.64.0.0/13' } } })).toThrow(
      'seed.networks.pods: "100.96.0.0" is not an IPv4 CIDR (e.g. 10.250.0.0/16)',
    );
    expect(() => new SeedGardenlet(f, 'G4', { name: 'x', chartRef: 'r.example.com/g:v1', replicas: 0, seed: SEED })).toThrow('replicas: 0 is not a positive integer');
  });
});

describeIfShared('crds')('L2 custom resources', () => {
  test('AcmeIssuer: class annotation, account key, EAB by Secret reference; valid against its CRD', () => {
    const f = folder();
    const i = new AcmeIssuer(f, 'I', {
      name: 'default-issuer',
      namespace: 'garden',
      email: 'ops@example.com',
      server: 'https://acme.example.com/directory',
      certClass: 'base-cert-class',
      externalAccountBinding: { keyID: 'kid', secretName: 'eab' },
    });
    const json = i.resource.toJson();
    expect(json.metadata.annotations).toStrictEqual({ 'cert.gardener.cloud/class': 'base-cert-class' });
    expect(json.spec.acme.externalAccountBinding).toStrictEqual({ keyID: 'kid', keySecretRef: { name: 'eab', namespace: 'garden' } });
    expect(registry!.validate(json)).toStrictEqual({ status: 'ok' });
    expect(i.ref).toStrictEqual({ apiVersion: 'cert.gardener.cloud/v1alpha1', kind: 'Issuer', name: 'default-issuer', namespace: 'garden' });
    expect(() => new AcmeIssuer(f, 'J', { name: 'x', namespace: 'garden', email: 'ops', server: 'https://a.example.com', certClass: 'c' })).toThrow('email: "ops" is not an email address');
  });

  test('DnsProvider: type, secretRef, domains; rejects unknown types and empty domains', () => {
    const f = folder();
    const p = new DnsProvider(f, 'P', { name: 'base-dns-provider', namespace: 'garden', type: 'azure-dns', secretName: 'dns', dnsClass: 'base-dns-class', domains: ['garden.example.com'] });
    expect(p.resource.toJson().spec).toStrictEqual({ type: 'azure-dns', secretRef: { name: 'dns', namespace: 'garden' }, domains: { include: ['garden.example.com'] } });
    expect(registry!.validate(p.resource.toJson())).toStrictEqual({ status: 'ok' });
    expect(() => new DnsProvider(f, 'Q', { name: 'x', namespace: 'garden', type: 'route53', secretName: 'dns', dnsClass: 'c', domains: ['a.example.com'] })).toThrow(/^type: "route53" is not a DNSProvider type/);
    expect(() => new DnsProvider(f, 'R', { name: 'x', namespace: 'garden', type: 'aws-route53', secretName: 'dns', dnsClass: 'c', domains: [] })).toThrow('domains must not be empty');
  });

  test('GardenExtension: chart and admission refs, runtime values only when asked; cluster-scoped', () => {
    const f = folder();
    const e = new GardenExtension(f, 'E', {
      name: 'provider-aws',
      chartRef: 'r.example.com/ext/provider-aws:v1.74.0',
      admission: { runtimeRef: 'r.example.com/ext/admission-aws-runtime:v1.74.0', applicationRef: 'r.example.com/ext/admission-aws-application:v1.74.0' },
      resources: [{ kind: 'DNSRecord', type: 'aws-route53' }],
      runtimeClusterValues: {},
    });
    const json = e.resource.toJson();
    expect(json.metadata).toStrictEqual({ name: 'provider-aws' });
    expect(json.spec.deployment.extension).toStrictEqual({ helm: { ociRepository: { ref: 'r.example.com/ext/provider-aws:v1.74.0' } }, runtimeClusterValues: {} });
    expect(registry!.validate(json)).toStrictEqual({ status: 'ok' });
    expect(() => new GardenExtension(f, 'F', { name: 'x', chartRef: 'provider-aws', resources: [{ kind: 'Worker', type: 'aws' }] })).toThrow(/^chartRef: "provider-aws" is not an OCI artifact reference/);
    expect(() => new GardenExtension(f, 'G', { name: 'x', chartRef: 'r.example.com/x:v1', resources: [] })).toThrow('resources must not be empty');
  });

  test('Garden: required runtime and virtual cluster fields, dashboard domain only when it differs; valid against the CRD', () => {
    const f = folder();
    const props = {
      name: 'landscape',
      clusterIdentity: 'landscape',
      dns: { providerName: 'primary', type: 'aws-route53', secretName: 'dns' },
      runtime: { ingressDomain: 'ingress.garden.example.com', region: 'eu-central-1', networks: { pods: '100.96.0.0/11', services: '100.64.0.0/13' }, deployVerticalPodAutoscaler: true },
      virtual: {
        domain: 'garden.example.com',
        kubernetesVersion: '1.33.0',
        servicesCidr: '100.72.0.0/13',
        maintenance: { begin: '220000+0000', end: '230000+0000' },
        highAvailability: true,
        dashboard: { domain: 'console.example.com' },
      },
    };
    const g = new Garden(f, 'G', props);
    const json = g.resource.toJson();
    expect(json.spec.virtualCluster.controlPlane).toStrictEqual({ highAvailability: {} });
    expect(json.spec.virtualCluster.gardener.gardenerDashboard).toStrictEqual({ domain: { name: 'console.example.com', provider: 'primary' } });
    expect(json.spec.runtimeCluster.networking).toStrictEqual({ pods: ['100.96.0.0/11'], services: ['100.64.0.0/13'] });
    expect(registry!.validate(json)).toStrictEqual({ status: 'ok' });
    expect(() => new Garden(f, 'H', { ...props, runtime: { ...props.runtime, networks: { pods: '100.64.0.0/10', services: '100.64.0.0/13' } } })).toThrow(
      'runtime.networks: pods 100.64.0.0/10 and services 100.64.0.0/13 overlap',
    );
  });
});

describeIfShared('crds')('Flux helpers and naming', () => {
  test('healthCheckExprs and kubeConfig land in the Kustomization, valid against the Flux CRD', () => {
    const app = Testing.app();
    const root = new Folder(app, 'Root', { path: 'clusters/x' });
    const repo = new GitRepository(root, 'Repo', { name: 'flux-system', url: 'https://git.example.com/r.git' });
    const s = new Stage(root, 'S', { name: 's', path: 's', source: repo, kubeConfig: { secretName: 'remote', key: 'kubeconfig' } });
    s.addHealthCheckExprs(stateHealth('cert.gardener.cloud/v1alpha1', 'Issuer'));
    expect(() => s.addHealthCheckExprs(stateHealth('cert.gardener.cloud/v1alpha1', 'Issuer'))).toThrow('healthCheckExprs for cert.gardener.cloud/v1alpha1 Issuer are set twice');
    const json = s.resource.toJson();
    expect(json.spec.healthCheckExprs).toStrictEqual([{ apiVersion: 'cert.gardener.cloud/v1alpha1', kind: 'Issuer', failed: "has(status.state) && status.state == 'Error'", current: "has(status.state) && status.state == 'Ready'" }]);
    expect(json.spec.kubeConfig).toStrictEqual({ secretRef: { name: 'remote', key: 'kubeconfig' } });
    expect(registry!.validate(json)).toStrictEqual({ status: 'ok' });
  });

  test('extension chart references come from the vector as they are (registry path per component), admission opt-out', () => {
    // GIVEN the built-in vector (gardener-landscape-kit v0.3.0: calico under public/, provider-aws under releases/)
    const ext = (e: Partial<GardenerExtensionConfig>) => ({ enabled: true, values: {}, ...e }) as GardenerExtensionConfig;
    // THEN each chart reference is <repository>:<version> of its component
    expect(extensionCharts('networking-calico', ext({}), DEFAULT_COMPONENT_VECTOR)).toStrictEqual({
      chartRef: 'europe-docker.pkg.dev/gardener-project/public/charts/gardener/extensions/networking-calico:v1.59.0',
      admission: {
        runtimeRef: 'europe-docker.pkg.dev/gardener-project/public/charts/gardener/extensions/admission-calico-runtime:v1.59.0',
        applicationRef: 'europe-docker.pkg.dev/gardener-project/public/charts/gardener/extensions/admission-calico-application:v1.59.0',
      },
    });
    expect(extensionCharts('provider-aws', ext({}), DEFAULT_COMPONENT_VECTOR).chartRef).toBe('europe-docker.pkg.dev/gardener-project/releases/charts/gardener/extensions/provider-aws:v1.72.0');
    expect(extensionCharts('networking-calico', ext({ admission: false }), DEFAULT_COMPONENT_VECTOR).admission).toBeUndefined();
    expect(extensionCharts('os-gardenlinux', ext({}), DEFAULT_COMPONENT_VECTOR).admission).toBeUndefined();
    // AND a resource tag wins over the component version
    const v = parseComponentVector(
      'components:\n- name: github.com/gardener/gardener\n  version: v1.146.4\n- name: github.com/gardener/gardener-extension-my-ext\n  version: v0.1.0\n  resources:\n    myExt:\n      helmChart:\n        repository: mirror.example.com/x/my-ext\n        tag: v0.1.0-patched\n',
      'test',
    );
    expect(extensionCharts('my-ext', ext({}), v)).toStrictEqual({ chartRef: 'mirror.example.com/x/my-ext:v0.1.0-patched', admission: undefined });
    expect(ociPath('oci://a.example.com/b/')).toBe('a.example.com/b');
    expect(splitChartRef('europe-docker.pkg.dev/gardener-project/releases/charts/gardener/operator:v1.146.4')).toStrictEqual({
      repository: 'oci://europe-docker.pkg.dev/gardener-project/releases/charts/gardener',
      chart: 'operator',
      version: 'v1.146.4',
    });
  });

  test('HelmRepository names follow the URL', () => {
    expect(helmRepositoryName('https://charts.jetstack.io')).toBe('gardener-charts.jetstack.io');
    expect(helmRepositoryName('oci://europe-docker.pkg.dev/gardener-project/releases/charts/')).toBe('gardener-europe-docker.pkg.dev-gardener-project-releases-charts');
  });
});
