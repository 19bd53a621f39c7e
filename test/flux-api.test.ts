import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import * as helm223 from '../imports/flux-2.2.3/helm.toolkit.fluxcd.io';
import * as source223 from '../imports/flux-2.2.3/source.toolkit.fluxcd.io';
import * as helm from '../imports/helm.toolkit.fluxcd.io';
import { loadRegistry } from '../lib/check';
import { compareKubeVersions, FLUX_2_9_API, FLUX_API_CONTEXT, FluxApi, fluxApiOf } from '../lib/flux/api';
import { FLUX_FEATURES, hasFeature } from '../lib/flux/features';
import { HelmRelease } from '../lib/flux/helm-release';
import { fluxL1 } from '../lib/flux/l1';
import { GitRepository, HelmRepository, OciRepository } from '../lib/flux/sources';
import { Stage } from '../lib/flux/stage';
import { readRelease } from '../lib/kommander/release';
import { Folder } from '../lib/tree/folder';

const SHARED = path.resolve(__dirname, '..', '..', 'shared');
const EXAMPLES = path.resolve(__dirname, '..', 'examples', 'kommander-applications');
/** The Flux CRDs each release ships (read from ../shared, never copied). */
const RELEASE_CRDS = {
  '2.2.3': path.join(SHARED, 'kommander-applications/v2.8.3/services/kommander-flux/2.2.3/templates'),
  '2.7.2': path.join(SHARED, 'kommander-applications/v2.17.1/applications/kommander-flux/bootstrap-flux.yaml'),
  '2.9.4': path.join(SHARED, 'crds/flux'),
} as const;
type FluxVersion = keyof typeof RELEASE_CRDS;

/** `test` when the CRDs exist, else one loud skip naming the missing path. */
function testIfCrds(flux: FluxVersion, name: string, fn: () => void): void {
  if (fs.existsSync(RELEASE_CRDS[flux])) test(name, fn);
  else test.skip(`SKIPPED: ${RELEASE_CRDS[flux]} is missing (../shared test data): ${name}`, () => undefined);
}

/** The FluxApi of a release, read from the trimmed example tree (no ../shared needed). */
const API: Record<'2.2.3' | '2.7.2', FluxApi> = {
  '2.2.3': readRelease(path.join(EXAMPLES, 'v2.8.3')).fluxApi,
  '2.7.2': readRelease(path.join(EXAMPLES, 'v2.17.1')).fluxApi,
};

/** One object of every L2 kind, built under `scope`, with every prop the L2s offer set. */
function buildAll(scope: Construct, withOci: boolean) {
  const git = new GitRepository(scope, 'Git', { name: 'management', url: 'https://git.example.com/kommander.git', secretName: 'kommander-git-credentials', interval: '2m', timeout: '90s', labels: { team: 'platform' } });
  const tagged = new GitRepository(scope, 'Tagged', { name: 'catalog', url: 'ssh://git@example.com/catalog.git', tag: 'v2.8.3' });
  const repo = new HelmRepository(scope, 'Repo', { name: 'charts.jetstack.io', url: '${helmMirrorURL:=https://charts.jetstack.io}', certSecretName: 'tls-root-ca', secretName: 'mirror-credentials', interval: '5m', timeout: '2m' });
  const ociRepo = new HelmRepository(scope, 'OciRepo', { name: 'ghcr', url: 'oci://ghcr.io/mesosphere/charts', type: 'oci' });
  const oci = new OciRepository(scope, 'Oci', { name: 'reloader-chart', url: 'oci://ghcr.io/mesosphere/charts/reloader', tag: '2.2.5', secretName: 'ghcr', interval: '1m' });
  const ociSemver = new OciRepository(scope, 'OciSemver', { name: 'flux-chart', url: 'oci://ghcr.io/fluxcd-community/charts/flux2', semver: '>=2.0.0' });
  const hr = new HelmRelease(scope, 'Release', {
    name: 'cert-manager', namespace: 'kommander', chart: 'cert-manager', version: 'v1.14.2', source: repo, targetNamespace: 'cert-manager', releaseName: 'cert-manager',
    values: { installCRDs: false }, valuesFrom: [{ kind: 'ConfigMap', name: 'cert-manager-overrides', optional: true, targetPath: 'global', valuesKey: 'v.yaml' }, { kind: 'Secret', name: 's' }],
    interval: '15s', timeout: '20m', installRemediation: { retries: 30 }, upgradeRemediation: { retries: -1, remediateLastFailure: false }, crds: 'Skip', createNamespace: true, labels: { a: 'b' },
  });
  const hr2 = new HelmRelease(scope, 'Release2', { name: 'gatekeeper', namespace: 'kommander', chart: 'gatekeeper', version: '3.14.1', source: ociRepo, dependsOn: [hr], crds: 'Create' });
  const ociRelease = withOci ? new HelmRelease(scope, 'OciRelease', { name: 'reloader', namespace: 'kommander', source: oci, dependsOn: [hr] }) : undefined;
  const folder = new Folder(scope, 'Root', { path: 'clusters/management' });
  const first = new Stage(folder, 'First', { name: 'base', path: 'kommander/base', source: git, prune: false, wait: false });
  const stage = new Stage(folder, 'Stage', {
    name: 'cert-manager', path: 'kommander/cert-manager', source: git, substitute: { releaseNamespace: 'kommander' },
    substituteFrom: [{ kind: 'ConfigMap', name: 'kommander-vars' }, { kind: 'Secret', name: 'substitution-secrets', optional: true }], decryptionSecret: 'sops-age',
    dependsOn: [first], interval: '1h', retryInterval: '2m', timeout: '10m', targetNamespace: 'cert-manager', description: 'cert-manager',
    kubeConfig: { secretName: 'remote-kubeconfig', key: 'value' },
  });
  stage.addHealthCheck(hr.ref);
  return { git, tagged, repo, ociRepo, oci, ociSemver, hr, hr2, ociRelease, first, stage };
}

/** The emitted JSON of the built objects (the Stage's Kustomization lives in its own Folder). */
function jsonOf(all: ReturnType<typeof buildAll>): any[] {
  return Object.values(all).filter((c) => c !== undefined).map((c) => c!.resource.toJson());
}

function synthByKind(all: ReturnType<typeof buildAll>): Record<string, any[]> {
  const out: Record<string, any[]> = {};
  for (const o of jsonOf(all)) (out[o.kind] ??= []).push(o);
  return out;
}

describe('FluxApi', () => {
  test('without a FluxApi every L2 emits the Flux 2.9 versions (the existing output)', () => {
    // GIVEN / WHEN
    const chart = Testing.chart();
    const all = buildAll(chart, true);
    // THEN
    const k = synthByKind(all);
    expect(new Set(k.HelmRelease.map((o) => o.apiVersion))).toStrictEqual(new Set([FLUX_2_9_API.helmRelease]));
    expect(k.HelmRelease).toHaveLength(3);
    expect(k.HelmRepository[0].apiVersion).toBe(FLUX_2_9_API.helmRepository);
    expect(k.OCIRepository[0].apiVersion).toBe(FLUX_2_9_API.ociRepository);
    expect(k.GitRepository[0].apiVersion).toBe(FLUX_2_9_API.gitRepository);
    expect(k.Kustomization[0].apiVersion).toBe(FLUX_2_9_API.kustomization);
    expect(all.hr.resource).toBeInstanceOf(helm.HelmRelease);
  });

  test('the fluxApi context of the chart selects the v2.8.3 release versions (Flux 2.2.3) and its generated L1 classes', () => {
    // GIVEN the chart carries the FluxApi of the v2.8.3 release
    const chart = Testing.chart();
    chart.node.setContext(FLUX_API_CONTEXT, API['2.2.3']);
    // WHEN
    const all = buildAll(chart, false);
    // THEN
    const k = synthByKind(all);
    expect(k.HelmRelease[0].apiVersion).toBe('helm.toolkit.fluxcd.io/v2beta2');
    expect(k.HelmRepository[0].apiVersion).toBe('source.toolkit.fluxcd.io/v1beta2');
    expect(k.OCIRepository[0].apiVersion).toBe('source.toolkit.fluxcd.io/v1beta2');
    expect(k.GitRepository[0].apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(k.Kustomization[0].apiVersion).toBe('kustomize.toolkit.fluxcd.io/v1');
    // AND the health check names the HelmRelease at the emitted version
    expect(k.Kustomization.find((o) => o.metadata.name === 'cert-manager').spec.healthChecks).toStrictEqual([{ apiVersion: 'helm.toolkit.fluxcd.io/v2beta2', kind: 'HelmRelease', name: 'cert-manager', namespace: 'kommander' }]);
    expect(all.hr.apiVersion).toBe('helm.toolkit.fluxcd.io/v2beta2');
    expect(all.hr.resource).toBeInstanceOf(helm223.HelmReleaseV2Beta2);
    expect(all.repo.resource).toBeInstanceOf(source223.HelmRepositoryV1Beta2);
    expect(all.oci.resource).toBeInstanceOf(source223.OciRepository);
  });

  test('the fluxApi prop wins over the context', () => {
    // GIVEN a v2.8.3 context and one construct with the v2.17.1 FluxApi
    const chart = Testing.chart();
    chart.node.setContext(FLUX_API_CONTEXT, API['2.2.3']);
    // WHEN
    const repo = new HelmRepository(chart, 'Repo', { name: 'r', url: 'https://example.com', fluxApi: API['2.7.2'] });
    const other = new HelmRepository(chart, 'Other', { name: 'o', url: 'https://example.com' });
    // THEN
    expect(repo.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(other.apiVersion).toBe('source.toolkit.fluxcd.io/v1beta2');
    expect(fluxApiOf(chart)).toBe(API['2.2.3']);
  });

  for (const flux of ['2.2.3', '2.7.2'] as const) {
    testIfCrds(flux, `every object emitted with the Flux ${flux} FluxApi validates strictly against that release's own CRDs`, () => {
      // GIVEN the release's CRDs (unknown fields are errors)
      const registry = loadRegistry([RELEASE_CRDS[flux]]);
      const chart = Testing.chart();
      chart.node.setContext(FLUX_API_CONTEXT, API[flux]);
      // WHEN
      const all = buildAll(chart, flux !== '2.2.3');
      // THEN
      const objs = jsonOf(all);
      expect(objs.length).toBeGreaterThanOrEqual(5);
      for (const o of objs) expect({ obj: `${o.kind}/${o.metadata.name}`, result: registry.validate(o) }).toStrictEqual({ obj: `${o.kind}/${o.metadata.name}`, result: { status: 'ok' } });
    });
  }

  test('emission is lossless: with the Flux 2.2.3 L1s every object is the Flux 2.9 JSON apart from its apiVersion', () => {
    // GIVEN the same objects built with the default FluxApi and with the v2.8.3 one
    const a = Testing.chart();
    const b = Testing.chart();
    b.node.setContext(FLUX_API_CONTEXT, API['2.2.3']);
    // WHEN
    const plain = jsonOf(buildAll(a, false));
    const old = jsonOf(buildAll(b, false));
    // THEN no field was dropped or renamed by the older L1 classes (only the API versions differ)
    const asNew = JSON.stringify(old).replace(/helm\.toolkit\.fluxcd\.io\/v2beta2/g, 'helm.toolkit.fluxcd.io/v2').replace(/source\.toolkit\.fluxcd\.io\/v1beta2/g, 'source.toolkit.fluxcd.io/v1');
    expect(JSON.parse(asNew)).toStrictEqual(plain);
    expect(old.map((o) => o.apiVersion)).not.toStrictEqual(plain.map((o) => o.apiVersion));
    // AND the health check reference follows the chosen version
    expect(old.find((o) => o.metadata.name === 'cert-manager' && o.kind === 'Kustomization').spec.healthChecks[0].apiVersion).toBe('helm.toolkit.fluxcd.io/v2beta2');
  });

  test('fails eagerly on an OCIRepository chart source (chartRef) with Flux 2.2.3, naming prop, value and fix', () => {
    // GIVEN
    const chart = Testing.chart();
    chart.node.setContext(FLUX_API_CONTEXT, API['2.2.3']);
    const oci = new OciRepository(chart, 'Oci', { name: 'reloader-chart', url: 'oci://ghcr.io/mesosphere/charts/reloader', tag: '2.2.5' });
    // WHEN / THEN
    expect(() => new HelmRelease(chart, 'R', { name: 'reloader', namespace: 'kommander', source: oci })).toThrow(
      'HelmRelease reloader: source: OCIRepository reloader-chart needs HelmRelease spec.chartRef, which helm.toolkit.fluxcd.io/v2beta2 of Flux 2.2.3 does not have ' +
        '(it needs Flux >= 2.3.0 with helm.toolkit.fluxcd.io/v2 or helm.toolkit.fluxcd.io/v2beta2); use a HelmRepository source (type: oci for an OCI registry) with chart and version instead',
    );
    // AND Flux 2.7.2 has it
    const ok = Testing.chart();
    ok.node.setContext(FLUX_API_CONTEXT, API['2.7.2']);
    const oci2 = new OciRepository(ok, 'Oci', { name: 'reloader-chart', url: 'oci://ghcr.io/mesosphere/charts/reloader', tag: '2.2.5' });
    expect(new HelmRelease(ok, 'R', { name: 'reloader', namespace: 'kommander', source: oci2 }).resource.toJson().spec.chartRef).toStrictEqual({ kind: 'OCIRepository', name: 'reloader-chart', namespace: 'kommander-flux' });
  });

  test('fails eagerly on healthCheckExprs with Flux 2.2.3', () => {
    // GIVEN
    const chart = Testing.chart();
    chart.node.setContext(FLUX_API_CONTEXT, API['2.2.3']);
    const { stage } = buildAll(chart, false);
    // WHEN / THEN
    expect(() => stage.addHealthCheckExprs({ apiVersion: 'operator.gardener.cloud/v1alpha1', kind: 'Garden', current: 'true' })).toThrow(
      /^Stage cert-manager: healthCheckExprs: operator\.gardener\.cloud\/v1alpha1 Garden needs Kustomization spec\.healthCheckExprs, which kustomize\.toolkit\.fluxcd\.io\/v1 of Flux 2\.2\.3 does not have \(it needs Flux >= 2\.5\.0/,
    );
  });

  test('fails on a context value that is not a FluxApi, and on an apiVersion without a generated L1', () => {
    // GIVEN / WHEN / THEN
    const chart = Testing.chart();
    chart.node.setContext(FLUX_API_CONTEXT, 'v2');
    expect(() => new HelmRepository(chart, 'Repo', { name: 'r', url: 'https://example.com' })).toThrow('context fluxApi: "v2" is not a FluxApi (set it to readRelease(path).fluxApi)');
    expect(() => fluxL1('HelmRelease', 'helm.toolkit.fluxcd.io/v3', FLUX_2_9_API)).toThrow(
      /^fluxApi: HelmRelease "helm.toolkit.fluxcd.io\/v3" has no generated L1 class \(known: helm.toolkit.fluxcd.io\/v2, helm.toolkit.fluxcd.io\/v2beta1, helm.toolkit.fluxcd.io\/v2beta2\)/,
    );
  });

  test('Kubernetes version priority: GA > beta > alpha, then by number', () => {
    // GIVEN / WHEN
    const sorted = ['v1beta1', 'v2beta2', 'v1', 'v1alpha1', 'v2', 'v1beta3', 'v2beta1'].sort(compareKubeVersions);
    // THEN
    expect(sorted).toStrictEqual(['v2', 'v1', 'v2beta2', 'v2beta1', 'v1beta3', 'v1beta1', 'v1alpha1']);
  });
});

/** Top-level `spec` properties of a kind at a version, read from a CRD file or folder. */
function specFields(crdPath: string, kind: string, version: string): string[] {
  const files = fs.statSync(crdPath).isDirectory() ? fs.readdirSync(crdPath).sort().map((f) => path.join(crdPath, f)) : [crdPath];
  for (const f of files.filter((x) => /\.ya?ml$/.test(x) && !x.includes('install'))) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(f, 'utf8'))) {
      const crd = doc.toJS() as any;
      if (crd?.kind !== 'CustomResourceDefinition' || crd.spec.names.kind !== kind) continue;
      const v = crd.spec.versions.find((x: any) => x.name === version);
      return Object.keys(v?.schema?.openAPIV3Schema?.properties?.spec?.properties ?? {}).sort();
    }
  }
  throw new Error(`no ${kind} ${version} CRD under ${crdPath}`);
}

describe('FLUX_FEATURES matches the CRDs of each Flux', () => {
  const cases: [FluxVersion, keyof typeof FLUX_FEATURES, string, string, string, boolean][] = [
    ['2.2.3', 'helmReleaseChartRef', 'HelmRelease', 'v2beta2', 'chartRef', false],
    ['2.2.3', 'kustomizationHealthCheckExprs', 'Kustomization', 'v1', 'healthCheckExprs', false],
    ['2.7.2', 'helmReleaseChartRef', 'HelmRelease', 'v2', 'chartRef', true],
    ['2.7.2', 'kustomizationHealthCheckExprs', 'Kustomization', 'v1', 'healthCheckExprs', true],
    ['2.9.4', 'helmReleaseChartRef', 'HelmRelease', 'v2', 'chartRef', true],
    ['2.9.4', 'kustomizationHealthCheckExprs', 'Kustomization', 'v1', 'healthCheckExprs', true],
  ];
  for (const [flux, feature, kind, version, field, present] of cases) {
    testIfCrds(flux, `Flux ${flux} ${kind} ${version} ${present ? 'has' : 'lacks'} spec.${field}, and hasFeature says so`, () => {
      // GIVEN the CRD schema / WHEN / THEN
      expect(specFields(RELEASE_CRDS[flux], kind, version).includes(field)).toBe(present);
      const group = kind === 'HelmRelease' ? 'helm.toolkit.fluxcd.io' : 'kustomize.toolkit.fluxcd.io';
      expect(hasFeature({ ...FLUX_2_9_API, flux }, feature, `${group}/${version}`)).toBe(present);
    });
  }
});
