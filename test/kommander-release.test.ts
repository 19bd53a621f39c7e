import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { FLUX_2_9_API } from '../lib/flux/api';
import { compareSemver, KommanderRelease, readRelease, ReleaseError, scanVariables, unservedKinds } from '../lib/kommander/release';
import { isYaml, readText, walkFiles } from '../lib/kommander/release/fs';

const SHARED = path.resolve(__dirname, '..', '..', 'shared', 'kommander-applications');
const EXAMPLES = path.resolve(__dirname, '..', 'examples', 'kommander-applications');

/**
 * `describe` for the real release trees in ../shared: when the tree is missing the block becomes
 * ONE loud skipped test naming what is missing (never a silently passing test).
 */
function describeIfShared(tag: string, name: string, body: (root: string) => void): void {
  const root = path.join(SHARED, tag);
  if (fs.existsSync(path.join(root, 'common'))) {
    describe(name, () => body(root));
  } else {
    describe(name, () => {
      test.skip(`SKIPPED: the real release tree ${root} is missing (see ../shared/kommander-applications/SOURCES.md)`, () => undefined);
    });
  }
}

/** What kommander-releases.md (Appendix A, §2.2, §5, §6) and the trees themselves establish for each release. */
const RELEASES = {
  'v2.8.3': {
    layout: 'services',
    flux: '2.2.3',
    fluxApi: {
      flux: '2.2.3',
      helmRelease: 'helm.toolkit.fluxcd.io/v2beta2',
      kustomization: 'kustomize.toolkit.fluxcd.io/v1',
      gitRepository: 'source.toolkit.fluxcd.io/v1',
      helmRepository: 'source.toolkit.fluxcd.io/v1beta2',
      ociRepository: 'source.toolkit.fluxcd.io/v1beta2',
      helmChart: 'source.toolkit.fluxcd.io/v1beta2',
      bucket: 'source.toolkit.fluxcd.io/v1beta2',
      alert: 'notification.toolkit.fluxcd.io/v1beta3',
      provider: 'notification.toolkit.fluxcd.io/v1beta3',
      receiver: 'notification.toolkit.fluxcd.io/v1',
    },
    helmReleaseServed: ['helm.toolkit.fluxcd.io/v2beta2', 'helm.toolkit.fluxcd.io/v2beta1'],
    clusterApps:
      'ai-navigator-app-0.2.8 ai-navigator-cluster-info-agent-0.1.1 centralized-grafana-48.3.2 centralized-kubecost-0.37.3 cert-manager-1.14.2 chartmuseum-3.10.2 dex-2.13.12 dex-k8s-authenticator-1.3.2 dkp-insights-1.1.2 dkp-insights-management-1.1.2 external-dns-7.1.2 fluent-bit-0.43.2 gatekeeper-3.14.1 gitea-8.2.1 grafana-logging-6.60.3 grafana-loki-0.78.3 istio-1.20.2 jaeger-2.50.1 karma-2.0.4 karma-traefik-0.0.1 kiali-1.79.0 knative-1.10.5 kommander-0.8.3 kommander-appmanagement-0.8.3 kommander-flux-2.2.3 kommander-ui-11.4.7 kube-oidc-proxy-0.3.4 kube-prometheus-stack-48.3.3 kubecost-0.37.3 kubecost-thanos-traefik-0.0.1 kubefed-0.10.5 kubernetes-dashboard-6.0.9 kubetunnel-0.0.32 logging-operator-4.2.5 nfs-server-provisioner-0.6.1 nvidia-gpu-operator-23.9.2 project-grafana-logging-6.60.3 project-grafana-loki-0.78.3 project-logging-1.0.3 prometheus-adapter-4.9.0 prometheus-thanos-traefik-0.0.1 reloader-1.0.65 rook-ceph-1.12.7 rook-ceph-cluster-1.12.7 thanos-13.2.1 traefik-26.0.0 traefik-forward-auth-0.3.11 traefik-forward-auth-mgmt-0.3.11 velero-5.2.3',
    core: ['kommander-flux-2.2.3', 'cert-manager-1.14.2', 'gatekeeper-3.14.1', 'kommander-appmanagement-0.8.3', 'kommander-0.8.3', 'kubefed-0.10.5', 'gitea-8.2.1', 'chartmuseum-3.10.2'],
    optional: ['traefik-26.0.0', 'reloader-1.0.65'],
    helmRepositories: 27,
    kustomizations: 34,
    deployable: ['services', 'common', 'charts'],
    allYamlNames: 56,
    // Matched by the regex but not consumed by a substituting Flux Kustomization (kommander-releases.md §5.1):
    // controller-rendered dynamic HelmReleases, common/build (bundle tooling only), CRD description text.
    notConsumed: ['clusterID', 'generatedName', 'name', 'namespace', 'notPopulatedAnywhereAsThisIsOnlyForAirgappedBundle', 'prometheusService', 'releaseName', 'targetNamespace', 'valuesFrom', 'var'],
    dataFileOnly: ['DS_PROMETHEUS'],
    indexNames: 47,
    required: 39,
    chart: 'v2.8.3',
    priorityAppliedBy: ['common/base'],
  },
  'v2.17.1': {
    layout: 'applications',
    flux: '2.7.2',
    fluxApi: {
      flux: '2.7.2',
      helmRelease: 'helm.toolkit.fluxcd.io/v2',
      kustomization: 'kustomize.toolkit.fluxcd.io/v1',
      gitRepository: 'source.toolkit.fluxcd.io/v1',
      helmRepository: 'source.toolkit.fluxcd.io/v1',
      ociRepository: 'source.toolkit.fluxcd.io/v1',
      helmChart: 'source.toolkit.fluxcd.io/v1',
      bucket: 'source.toolkit.fluxcd.io/v1',
      alert: 'notification.toolkit.fluxcd.io/v1beta3',
      provider: 'notification.toolkit.fluxcd.io/v1beta3',
      receiver: 'notification.toolkit.fluxcd.io/v1',
    },
    helmReleaseServed: ['helm.toolkit.fluxcd.io/v2', 'helm.toolkit.fluxcd.io/v2beta2'],
    clusterApps:
      'ai-navigator-app-0.5.2 ai-navigator-cluster-info-agent-0.4.2 ai-navigator-rag-0.7.14 centralized-grafana-78.4.0 centralized-opencost-2.4.0 cert-manager-1.18.2 cilium-hubble-relay-traefik-0.0.5 cloudnative-pg-0.26.1 cosi-driver-nutanix-0.6.1 dex-2.14.4 dex-k8s-authenticator-1.4.7 external-dns-9.0.3 external-secrets-0.20.2 fluent-bit-0.54.0 gatekeeper-3.20.1 gateway-api-crds-1.11.1 git-operator-0.13.12 grafana-logging-10.1.2 grafana-loki-0.80.5 harbor-1.18.0 istio-1.23.5 istio-helm-1.23.6 jaeger-2.57.3 karma-2.0.9 karma-traefik-0.0.4 kiali-2.18.0 knative-1.19.5 kommander-0.17.1 kommander-appmanagement-0.17.1 kommander-flux-2.7.2 kommander-ui-17.166.5 kube-oidc-proxy-0.3.7 kube-prometheus-stack-78.4.0 kubefed-0.11.3 kubernetes-dashboard-7.14.0 kubetunnel-0.0.41 logging-operator-6.0.3 nkp-insights-1.7.3 nkp-insights-management-1.7.3 nkp-pulse-management-0.3.0 nkp-pulse-workspace-0.3.0 nvidia-gpu-operator-25.10.0 opencost-2.4.0 project-grafana-logging-10.1.2 project-grafana-loki-0.80.5 project-logging-1.0.4 prometheus-adapter-5.2.0 prometheus-thanos-traefik-0.0.4 reloader-2.2.5 rook-ceph-1.18.6 rook-ceph-cluster-1.18.6 thanos-17.3.1 traefik-37.1.2 traefik-forward-auth-0.3.16 traefik-forward-auth-mgmt-0.3.16 velero-11.1.1 vgpu-token-operator-1.0.8',
    core: ['kommander-flux-2.7.2', 'cert-manager-1.18.2', 'gatekeeper-3.20.1', 'git-operator-0.13.12', 'kommander-appmanagement-0.17.1', 'kommander-0.17.1', 'kubefed-0.11.3'],
    optional: ['traefik-37.1.2', 'reloader-2.2.5'],
    helmRepositories: 0,
    kustomizations: 50,
    deployable: ['applications', 'common', 'charts', 'clusters'],
    allYamlNames: 55,
    notConsumed: ['clusterID', 'generatedName', 'name', 'namespace', 'prometheusService', 'targetNamespace', 'valuesFrom', 'var'],
    dataFileOnly: ['DS_EXPRESSION', 'DS_PROM', 'DS_PROMETHEUS', 'instances'],
    indexNames: 51,
    required: 38,
    chart: 'v2.17.1',
    priorityAppliedBy: ['clusters/kommander_host-cluster', 'common/base'],
  },
} as const;

type Tag = keyof typeof RELEASES;
const TAGS = Object.keys(RELEASES) as Tag[];

/** A JSON view of the parts of a release that must not depend on how the tree was trimmed. */
function releaseFacts(r: KommanderRelease) {
  return {
    layout: r.layout,
    flux: r.flux.version,
    fluxApi: r.fluxApi,
    kommanderChartVersion: r.kommanderChartVersion,
    helmRepositories: r.common.helmRepositories.map((h) => ({ ...h, file: undefined })),
    priorityClasses: r.common.priorityClasses.map((p) => ({ name: p.name, value: p.value, globalDefault: p.globalDefault, appliedBy: p.appliedBy })),
    airgapped: { certSecretName: r.common.airgapped?.certSecretName, deletesSecretRef: r.common.airgapped?.deletesSecretRef },
  };
}

for (const tag of TAGS) {
  const want = RELEASES[tag];
  describeIfShared(tag, `the real release tree ${tag} (../shared/kommander-applications/${tag})`, (root) => {
    let release: KommanderRelease;
    let readMs = 0;
    beforeAll(() => {
      const t0 = process.hrtime.bigint();
      release = readRelease(root);
      void release.common;
      void release.variables;
      readMs = Number(process.hrtime.bigint() - t0) / 1e6;
    });

    test(`detects the ${want.layout} layout and reads the whole tree (apps, Flux, common/, variables) in under 5 s (a bound against runaway reading, not a benchmark)`, () => {
      // GIVEN the tree read once (apps, Flux, common/, variable index)
      // THEN
      expect(release.layout).toBe(want.layout);
      expect(release.appsDir).toBe(want.layout);
      expect(release.root).toBe(fs.realpathSync(root));
      expect(readMs).toBeLessThan(5000);
    });

    test('every <app>/<semver>/ folder is a ClusterApp <app>-<semver>; bootstrap/ folders are not apps', () => {
      // THEN the ClusterApp names are exactly the release's (kommander-releases.md Appendix A)
      expect(release.clusterApps.join(' ')).toBe(want.clusterApps);
      expect(release.apps.map((a) => a.id)).toStrictEqual(release.clusterApps.map((c) => release.apps.find((a) => c.startsWith(`${a.id}-`) && a.versions.some((v) => v.clusterAppName === c))!.id));
      for (const c of [...want.core, ...want.optional]) expect(release.clusterApps).toContain(c);
      // AND cert-manager and gatekeeper have a bootstrap folder that is no ClusterApp
      expect(release.app('gatekeeper').bootstrap?.path).toBe(`${want.layout}/gatekeeper/bootstrap`);
      expect(release.app('cert-manager').bootstrap?.path).toBe(`${want.layout}/cert-manager/bootstrap`);
      expect(release.clusterApps.some((c) => c.includes('bootstrap'))).toBe(false);
      // AND each version knows its folder
      const gk = release.appVersion('gatekeeper');
      expect(gk.path).toBe(`${want.layout}/gatekeeper/${gk.version}`);
      expect(gk.clusterAppName).toBe(`gatekeeper-${gk.version}`);
    });

    test('reads metadata.yaml (per app in services/, per version in applications/)', () => {
      // WHEN
      const k = release.appVersion('kommander');
      // THEN
      expect(k.metadata?.requiredDependencies).toStrictEqual(['kubefed']);
      expect(k.metadata?.type).toBe('internal');
      expect(k.metadata?.scope).toStrictEqual(['workspace']);
      const traefik = release.appVersion('traefik').metadata!;
      expect(traefik.displayName).toBe('Traefik');
      expect(traefik.category).toStrictEqual(['foundation']);
      expect(traefik.dependencies).toStrictEqual(['cert-manager', 'reloader']);
      if (want.layout === 'services') {
        expect(k.metadata?.file).toBe('services/kommander/metadata.yaml');
        expect(k.metadata?.schema).toBeUndefined();
        expect(k.defaultsPath).toBe('services/kommander/0.8.3/defaults');
      } else {
        expect(k.metadata?.file).toBe('applications/kommander/0.17.1/metadata.yaml');
        expect(k.metadata?.schema).toBe('catalog.nkp.nutanix.com/v1/application-metadata');
        expect(k.metadata?.licensing).toContain('Enterprise');
        expect(release.app('gatekeeper').bootstrap?.metadata?.type).toBe('internal');
      }
    });

    test('the metadata model equals a full parse of every metadata.yaml (the icon is skipped, not misread)', () => {
      // GIVEN every metadata file of the release
      const metas = [...new Map(release.apps.flatMap((a) => [a.metadata, a.bootstrap?.metadata, ...a.versions.map((v) => v.metadata)]).filter((m) => m !== undefined).map((m) => [m!.file, m!])).values()];
      expect(metas.length).toBeGreaterThanOrEqual(release.apps.length);
      for (const m of metas) {
        // WHEN parsed in full
        const full = YAML.parse(readText(release.root, m.file));
        const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
        // THEN
        expect({ file: m.file, displayName: m.displayName, type: m.type, scope: m.scope, category: m.category, deps: m.dependencies, req: m.requiredDependencies, lic: m.licensing, cert: m.certifications, icon: m.hasIcon }).toStrictEqual({
          file: m.file, displayName: full.displayName, type: full.type, scope: list(full.scope), category: list(full.category), deps: list(full.dependencies),
          req: list(full.requiredDependencies), lic: list(full.licensing), cert: list(full.certifications), icon: typeof full.icon === 'string' && full.icon.length > 0,
        });
      }
      expect(metas.filter((m) => m.hasIcon).length).toBeGreaterThan(20);
    });

    test(`its Flux is kommander-flux-${want.flux}, and the FluxApi is the newest served, non-deprecated version of each kind`, () => {
      // THEN
      expect(release.flux.version).toBe(want.flux);
      expect(release.flux.app.clusterAppName).toBe(`kommander-flux-${want.flux}`);
      expect(release.fluxApi).toStrictEqual(want.fluxApi);
      expect(release.flux.served('HelmRelease')).toStrictEqual(want.helmReleaseServed);
      expect(release.flux.serves(FLUX_2_9_API.helmRelease, 'HelmRelease')).toBe(want.flux !== '2.2.3');
      expect(release.flux.crdFiles.length).toBeGreaterThan(0);
      expect(release.flux.crds.map((c) => c.kind)).toEqual(expect.arrayContaining(['HelmRelease', 'Kustomization', 'GitRepository', 'HelmRepository', 'OCIRepository', 'HelmChart', 'Bucket']));
    });

    test('common/: HelmRepositories with the ${helmMirrorURL:=…} form, air-gapped patches, PriorityClasses', () => {
      // THEN
      const repos = release.common.helmRepositories;
      expect(repos).toHaveLength(want.helmRepositories);
      if (want.helmRepositories) {
        const jetstack = repos.find((r) => r.name === 'charts.jetstack.io')!;
        expect(jetstack).toMatchObject({
          namespace: 'kommander-flux',
          apiVersion: 'source.toolkit.fluxcd.io/v1beta2',
          url: '${helmMirrorURL:=https://charts.jetstack.io}',
          urlVariable: 'helmMirrorURL',
          defaultUrl: 'https://charts.jetstack.io',
          type: 'default',
          interval: '10m',
          timeout: '1m',
          file: 'common/helm-repositories/cert-manager.yaml',
        });
        expect(repos.every((r) => r.urlVariable === 'helmMirrorURL' && r.namespace === 'kommander-flux')).toBe(true);
        expect(repos.map((r) => r.name)).toEqual(expect.arrayContaining(['mesosphere.github.io-charts-stable', 'dl.gitea.io-charts', 'open-policy-agent.github.io-charts', 'mesosphere.github.io-kommander-charts', 'kubefed']));
      }
      expect(release.common.airgapped).toMatchObject({ path: 'common/airgapped', certSecretName: 'tls-root-ca', deletesSecretRef: true });
      expect(release.common.basePath).toBe('common/base');
      expect(release.common.priorityClasses.map((p) => [p.name, p.value, p.globalDefault, p.appliedBy])).toStrictEqual([
        ['dkp-critical-priority', 100002000, false, want.priorityAppliedBy],
        ['dkp-high-priority', 100001000, false, want.priorityAppliedBy],
      ]);
      expect(release.kommanderChartVersion).toBe(want.chart);
    });

    test(`finds the ${want.kustomizations} Flux Kustomizations of the tree and builds the variable index from what they substitute`, () => {
      // GIVEN every ${var} name of the deployable YAML (kommander-releases.md §5.1 counts them: ${want.allYamlNames})
      const all = new Set<string>();
      for (const d of want.deployable) {
        for (const f of walkFiles(release.root, path.join(release.root, d), isYaml)) for (const v of scanVariables(readText(release.root, f))) all.add(v.name);
      }
      expect(all.size).toBe(want.allYamlNames);
      // WHEN
      const index = release.variables;
      // THEN the index holds those names minus the ones no substituting Kustomization consumes …
      const yamlNames = index.variables.filter((v) => !v.dataFileOnly).map((v) => v.name);
      expect(yamlNames).toStrictEqual([...all].filter((n) => !(want.notConsumed as readonly string[]).includes(n)).sort());
      // … plus the Grafana dashboards' own inputs (JSON data files, never required)
      expect(index.variables.filter((v) => v.dataFileOnly).map((v) => v.name)).toStrictEqual(want.dataFileOnly);
      expect(index.variables).toHaveLength(want.indexNames);
      expect(index.required).toHaveLength(want.required);
      expect(release.kustomizations).toHaveLength(want.kustomizations);
      // AND names and defaults are read as Flux reads them
      expect(index.get('releaseNamespace')?.required).toBe(true);
      expect(index.get('kommanderChartVersion')).toMatchObject({ required: false, defaults: [want.chart] });
      expect(index.get('certificatesIssuerKind')).toMatchObject({ required: false, defaults: ['Issuer'] });
      expect(index.get('kommanderGitCredentialsSecretName')).toMatchObject({ required: true, consumers: ['kommander'] });
      expect(index.get('kubetoolsImageRepository')?.required).toBe(true); // some uses carry no default
      if (tag === 'v2.8.3') {
        expect(index.get('helmMirrorURL')).toMatchObject({ required: false, uses: 27, consumers: ['common/helm-repositories'] });
        expect(index.get('adminCredentialsSecret')).toMatchObject({ required: true, consumers: ['gitea'] });
        expect(index.get('chartmuseumAdminCredentialsSecret')).toMatchObject({ required: true, consumers: ['chartmuseum'] });
      } else {
        expect(index.get('helmMirrorURL')).toBeUndefined();
        expect(index.get('appVersion')?.required).toBe(true);
        expect(index.get('NAMESPACE')).toMatchObject({ required: false, defaults: ['git-operator-system'] });
        expect(index.get('ociRegistryURL')).toMatchObject({ required: false, defaults: ['oci://ghcr.io'] });
      }
    });

    test('follows Flux Kustomizations: only those with postBuild substitute, and every one uses an apiVersion its Flux serves', () => {
      // GIVEN / WHEN
      const roots = new Map(release.buildRoots.map((r) => [r.path, r]));
      const gk = release.appVersion('gatekeeper');
      // THEN gatekeeper-constraints has no postBuild (Flux applies its folder unsubstituted), gatekeeper-release has one
      expect(roots.get(`${gk.path}/constraints`)).toMatchObject({ substituted: false });
      expect(roots.get(`${gk.path}/release`)).toMatchObject({ substituted: true });
      expect(roots.get(gk.path)).toMatchObject({ substituted: true, appliedBy: `app ${gk.clusterAppName}` });
      expect(roots.get(release.app('gatekeeper').bootstrap!.path)).toMatchObject({ substituted: true, appliedBy: 'installer' });
      for (const k of release.kustomizations) expect({ k: k.name, served: release.flux.serves(k.apiVersion, 'Kustomization') }).toStrictEqual({ k: k.name, served: true });
      // AND the model is frozen
      expect(Object.isFrozen(release.apps)).toBe(true);
      expect(Object.isFrozen(release.apps[0].versions)).toBe(true);
      expect(Object.isFrozen(release.fluxApi)).toBe(true);
    });

    test('missingVariables lists the required names a set of provided names lacks, sorted by code unit', () => {
      // GIVEN everything but three names
      const provided = release.variables.required.filter((n) => !['releaseNamespace', 'caSecretName', 'airgappedEnabled'].includes(n));
      // WHEN / THEN
      expect(release.missingVariables(provided)).toStrictEqual(['airgappedEnabled', 'caSecretName', 'releaseNamespace']);
      expect(release.variables.missing(release.variables.required)).toStrictEqual([]);
      expect(release.missingVariables([])).toStrictEqual([...release.variables.required]);
    });

    test('reads deterministically (same model twice)', () => {
      // WHEN
      const again = readRelease(root);
      // THEN
      expect(JSON.stringify({ ...releaseFacts(again), apps: again.apps, vars: again.variables.variables })).toBe(
        JSON.stringify({ ...releaseFacts(release), apps: release.apps, vars: release.variables.variables }),
      );
    });

    test(`the trimmed example tree examples/kommander-applications/${tag} gives the same FluxApi, repositories and PriorityClasses`, () => {
      // GIVEN
      const trimmed = readRelease(path.join(EXAMPLES, tag));
      // THEN
      expect(releaseFacts(trimmed)).toStrictEqual(releaseFacts(release));
      // AND every app it keeps is an app version of the real release (core apps and two optional ones)
      for (const c of trimmed.clusterApps) expect(release.clusterApps).toContain(c);
      expect(trimmed.clusterApps).toEqual(expect.arrayContaining([...want.core, ...want.optional]));
      // AND the variables it needs are a subset of the real release's
      for (const n of trimmed.variables.required) expect(release.variables.required).toContain(n);
      // AND the same bootstrap folders and metadata placement
      expect(trimmed.app('gatekeeper').bootstrap?.path).toBe(release.app('gatekeeper').bootstrap?.path);
      expect(trimmed.appVersion('kommander').metadata?.file).toBe(release.appVersion('kommander').metadata?.file);
    });
  });
}

describe('the trimmed example trees (no ../shared needed)', () => {
  test.each(TAGS)('%s reads with its layout, its Flux and the core apps', (tag) => {
    // GIVEN / WHEN
    const r = readRelease(path.join(EXAMPLES, tag));
    // THEN
    expect(r.layout).toBe(RELEASES[tag].layout);
    expect(r.fluxApi).toStrictEqual(RELEASES[tag].fluxApi);
    expect(r.clusterApps).toEqual(expect.arrayContaining([...RELEASES[tag].core, ...RELEASES[tag].optional]));
    expect(r.common.helmRepositories).toHaveLength(RELEASES[tag].helmRepositories);
    expect(r.common.priorityClasses.map((p) => p.name)).toStrictEqual(['dkp-critical-priority', 'dkp-high-priority']);
  });
});

describe('semantic versions', () => {
  test('sort numerically and locale-free (1.9.0 < 1.10.0, pre-release before release)', () => {
    // GIVEN
    const versions = ['1.10.0', '1.9.0', '0.13.12', '0.13.2', '1.2.3', '1.2.3-rc.10', '1.2.3-rc.2', 'v1.2.4'];
    // WHEN
    const sorted = [...versions].sort(compareSemver);
    // THEN
    expect(sorted).toStrictEqual(['0.13.2', '0.13.12', '1.2.3-rc.2', '1.2.3-rc.10', '1.2.3', 'v1.2.4', '1.9.0', '1.10.0']);
  });

  test('an app with several versions lists them ascending and defaults to the newest', () => {
    // GIVEN a copy of the trimmed v2.17.1 tree with two more reloader versions
    const dir = copyTree('v2.17.1');
    for (const v of ['2.10.0', '2.9.1']) fs.cpSync(path.join(dir, 'applications/reloader/2.2.5'), path.join(dir, `applications/reloader/${v}`), { recursive: true });
    // WHEN
    const r = readRelease(dir);
    // THEN
    expect(r.app('reloader').versions.map((v) => v.version)).toStrictEqual(['2.2.5', '2.9.1', '2.10.0']);
    expect(r.appVersion('reloader').clusterAppName).toBe('reloader-2.10.0');
    expect(r.appVersion('reloader', '2.9.1').path).toBe('applications/reloader/2.9.1');
  });
});

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'release-test-'));
}

function copyTree(tag: Tag): string {
  const dir = path.join(tmp(), tag);
  fs.cpSync(path.join(EXAMPLES, tag), dir, { recursive: true });
  return dir;
}

function errorOf(fn: () => unknown): ReleaseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ReleaseError) return e;
    throw e;
  }
  throw new Error('expected a ReleaseError, nothing was thrown');
}

describe('bad input', () => {
  test('fails on a path that is not a release tree, naming what was found and what is expected', () => {
    // GIVEN a folder with unrelated content
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'a: 1\n');
    fs.mkdirSync(path.join(dir, 'docs'));
    // WHEN
    const e = errorOf(() => readRelease(dir, { key: 'applicationDefinitions' }));
    // THEN
    expect(e.message).toBe(
      `applicationDefinitions: ${dir} is not a kommander-applications release tree (found docs/, values.yaml; expected services/ or applications/ next to common/)`,
    );
  });

  test('fails on a path that does not exist or is a file', () => {
    // GIVEN / WHEN / THEN
    const dir = tmp();
    expect(errorOf(() => readRelease(path.join(dir, 'nope'))).message).toMatch(/nope does not exist \(expected a kommander-applications release tree/);
    fs.writeFileSync(path.join(dir, 'f'), '');
    expect(errorOf(() => readRelease(path.join(dir, 'f'))).message).toMatch(/f is not a folder/);
  });

  test('fails on a release of a layout the tool does not know, listing the layouts it knows', () => {
    // GIVEN a tree with common/ and apps under an unknown folder name
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'common'));
    fs.mkdirSync(path.join(dir, 'catalog', 'reloader', '2.2.5'), { recursive: true });
    // WHEN
    const e = errorOf(() => readRelease(dir));
    // THEN
    expect(e.message).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a release of a layout this tool does not know \\(found catalog/, common/\\); expected one of the layouts services \\(`));
    expect(e.message).toContain('applications (applications/<app>/<semver>/');
    expect(e.available).toStrictEqual(['services', 'applications']);
    // AND a tree with both layouts is refused too
    const both = copyTree('v2.17.1');
    fs.mkdirSync(path.join(both, 'services'));
    expect(errorOf(() => readRelease(both)).message).toMatch(/has both services\/ and applications\/: not a layout this tool knows/);
  });

  test('fails when the release ships no kommander-flux app, listing the apps found', () => {
    // GIVEN
    const dir = copyTree('v2.8.3');
    fs.rmSync(path.join(dir, 'services', 'kommander-flux'), { recursive: true });
    // WHEN / THEN
    expect(errorOf(() => readRelease(dir)).message).toMatch(/^services\/ has no kommander-flux app \(found apps: cert-manager, chartmuseum, gatekeeper, gitea, kommander, /);
  });

  test('fails when the Flux CRDs lack a kind, naming the kinds and the files found', () => {
    // GIVEN a v2.8.3 copy without the HelmRelease CRD
    const dir = copyTree('v2.8.3');
    fs.rmSync(path.join(dir, 'services/kommander-flux/2.2.3/templates/apiextensions.k8s.io_v1_customresourcedefinition_helmreleases.helm.toolkit.fluxcd.io.yaml'));
    // WHEN / THEN
    expect(errorOf(() => readRelease(dir)).message).toMatch(/^services\/kommander-flux\/2\.2\.3: no served version of HelmRelease in the Flux CRDs found \(Alert \(/);
  });

  test('fails on an unknown app id, listing the apps the release ships', () => {
    // GIVEN
    const r = readRelease(path.join(EXAMPLES, 'v2.17.1'), { key: 'apps' });
    // WHEN
    const e = errorOf(() => r.app('gitea'));
    // THEN
    expect(e.message).toBe(
      'apps: app "gitea" is not in this release (applications/ ships 9 apps: cert-manager, gatekeeper, git-operator, kommander, kommander-appmanagement, kommander-flux, kubefed, reloader, traefik)',
    );
    expect(e.available).toHaveLength(9);
    expect(r.hasApp('gitea')).toBe(false);
  });

  test('fails on an unknown version, listing the versions and ClusterApps available', () => {
    // GIVEN
    const r = readRelease(path.join(EXAMPLES, 'v2.8.3'));
    // WHEN
    const e = errorOf(() => r.appVersion('gatekeeper', '3.23.0'));
    // THEN
    expect(e.message).toBe('app "gatekeeper" has no version "3.23.0" in this release (available: 3.14.1; ClusterApps: gatekeeper-3.14.1)');
    expect(e.available).toStrictEqual(['3.14.1']);
    expect(r.appVersion('gatekeeper', 'v3.14.1').version).toBe('3.14.1');
  });

  test('never follows a symlink: a linked app folder or file outside the tree is not read', () => {
    // GIVEN a copy with a symlinked app folder and a symlinked YAML file that point outside the tree
    const dir = copyTree('v2.17.1');
    const outside = tmp();
    fs.mkdirSync(path.join(outside, 'evil', '1.0.0'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'evil', '1.0.0', 'x.yaml'), 'value: ${stolenVariable}\n');
    fs.symlinkSync(path.join(outside, 'evil'), path.join(dir, 'applications', 'evil'));
    fs.symlinkSync(path.join(outside, 'evil', '1.0.0', 'x.yaml'), path.join(dir, 'applications/reloader/2.2.5/helmrelease/linked.yaml'));
    fs.appendFileSync(path.join(dir, 'applications/reloader/2.2.5/helmrelease/kustomization.yaml'), '  - linked.yaml\n');
    fs.symlinkSync(path.join(outside, 'evil', '1.0.0', 'x.yaml'), path.join(dir, 'common/priority-classes/linked.yaml'));
    // WHEN
    const r = readRelease(dir);
    // THEN
    expect(r.hasApp('evil')).toBe(false);
    expect(r.variables.get('stolenVariable')).toBeUndefined();
    expect(r.variables.files.some((f) => f.includes('linked') || f.includes('evil'))).toBe(false);
  });

  test('a variable escaped as $${x} is not a variable; := :- = give defaults', () => {
    // GIVEN / WHEN
    const vars = scanVariables('a: $${escaped} b: ${plain} c: ${d:=x} e: ${f:-} g: ${h=1} i: $$${after} j: ${k:2}');
    // THEN
    expect(vars).toStrictEqual([
      { name: 'plain', default: undefined },
      { name: 'd', default: 'x' },
      { name: 'f', default: '' },
      { name: 'h', default: '1' },
      { name: 'after', default: undefined },
      { name: 'k', default: undefined },
    ]);
  });
});

describe('reading folders of the tree', () => {
  test('buildFiles follows kustomization resources; objectsIn parses what they hold', () => {
    // GIVEN the trimmed v2.8.3 tree
    const r = readRelease(path.join(EXAMPLES, 'v2.8.3'));
    // WHEN
    const files = r.buildFiles('services/gatekeeper/bootstrap');
    const objects = r.objectsIn('services/gatekeeper/3.14.1/release');
    // THEN the bootstrap folder reads the version folder and its defaults
    expect(files).toStrictEqual([
      'services/gatekeeper/3.14.1/constraints.yaml',
      'services/gatekeeper/3.14.1/constrainttemplates.yaml',
      'services/gatekeeper/3.14.1/defaults/cm.yaml',
      'services/gatekeeper/3.14.1/defaults/kustomization.yaml',
      'services/gatekeeper/3.14.1/kustomization.yaml',
      'services/gatekeeper/3.14.1/release.yaml',
      'services/gatekeeper/bootstrap/kustomization.yaml',
    ]);
    expect(objects.map((o) => [o.object.kind, o.object.metadata.name, o.object.spec.releaseName])).toStrictEqual([['HelmRelease', 'gatekeeper', 'kommander-gatekeeper']]);
    // AND a folder outside the tree is refused
    expect(errorOf(() => r.buildFiles('../../etc')).message).toMatch(/^\.\.\/\.\.\/etc is not a folder of the release tree /);
  });

  test('fails on kustomization folders nested without end (bounded)', () => {
    // GIVEN a chain of 70 folders, each including the next
    const dir = copyTree('v2.17.1');
    const base = path.join(dir, 'applications/reloader/2.2.5');
    for (let i = 0; i < 70; i++) {
      fs.mkdirSync(path.join(base, `n${i}`));
      fs.writeFileSync(path.join(base, `n${i}`, 'kustomization.yaml'), `resources:\n  - ../n${i + 1}\n`);
    }
    fs.mkdirSync(path.join(base, 'n70'));
    fs.appendFileSync(path.join(base, 'kustomization.yaml'), '  - n0\n');
    // WHEN / THEN
    expect(errorOf(() => readRelease(dir).variables).message).toMatch(/kustomization resources nested deeper than 64 folders$/);
  });
});

describe('served versions', () => {
  test('unservedKinds names the kinds of a FluxApi that the release Flux does not serve', () => {
    // GIVEN the v2.8.3 trimmed tree (Flux 2.2.3)
    const r = readRelease(path.join(EXAMPLES, 'v2.8.3'));
    // WHEN / THEN the Flux 2.9 versions are not all served there, its own are
    expect(unservedKinds(r.flux, FLUX_2_9_API)).toStrictEqual([
      'HelmRelease helm.toolkit.fluxcd.io/v2',
      'HelmRepository source.toolkit.fluxcd.io/v1',
      'OCIRepository source.toolkit.fluxcd.io/v1',
      'HelmChart source.toolkit.fluxcd.io/v1',
      'Bucket source.toolkit.fluxcd.io/v1',
    ]);
    expect(unservedKinds(r.flux, r.fluxApi)).toStrictEqual([]);
  });
});

describe('the tree root', () => {
  test('may itself be a symlink to a release tree (only links inside the tree are never followed)', () => {
    // GIVEN a link to the trimmed v2.17.1 tree
    const link = path.join(tmp(), 'release');
    fs.symlinkSync(path.join(EXAMPLES, 'v2.17.1'), link);
    // WHEN
    const r = readRelease(link);
    // THEN
    expect(r.root).toBe(fs.realpathSync(path.join(EXAMPLES, 'v2.17.1')));
    expect(r.layout).toBe('applications');
  });
});

describe('hostile input', () => {
  const cases: [string, string, string, RegExp][] = [
    ['a broken metadata.yaml', 'applications/reloader/2.2.5/metadata.yaml', 'displayName: [unclosed\n', /^applications\/reloader\/2\.2\.5\/metadata\.yaml: not valid YAML \(/],
    ['a broken kustomization.yaml', 'applications/reloader/2.2.5/kustomization.yaml', 'resources: [unclosed\n', /^applications\/reloader\/2\.2\.5\/kustomization\.yaml: not valid YAML \(/],
    ['a broken Flux Kustomization file', 'applications/gatekeeper/3.20.1/release.yaml', 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec: {path: [\n', /^applications\/gatekeeper\/3\.20\.1\/release\.yaml: not valid YAML \(/],
    ['a broken CRD', 'applications/kommander-flux/bootstrap-flux.yaml', 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: {group: [\n', /^applications\/kommander-flux\/bootstrap-flux\.yaml: a CustomResourceDefinition is not valid YAML \(/],
  ];
  test.each(cases)('fails with one ReleaseError naming the file on %s', (_what, file, content, message) => {
    // GIVEN a copy of the trimmed v2.17.1 tree with one broken file
    const dir = copyTree('v2.17.1');
    fs.writeFileSync(path.join(dir, file), content);
    // WHEN / THEN (reading everything, lazily computed parts included)
    expect(errorOf(() => {
      const r = readRelease(dir);
      void r.common;
      void r.variables;
    }).message).toMatch(message);
  });

  test('fails on a file larger than the bound instead of reading it', () => {
    // GIVEN an app values file of 9 MB
    const dir = copyTree('v2.17.1');
    fs.writeFileSync(path.join(dir, 'applications/reloader/2.2.5/helmrelease/cm.yaml'), `a: "${'x'.repeat(9 * 1024 * 1024)}"\n`);
    // WHEN / THEN
    expect(errorOf(() => readRelease(dir).variables).message).toMatch(/^applications\/reloader\/2\.2\.5\/helmrelease\/cm\.yaml: 9437190 bytes is larger than the 8388608 bytes a release file may have$/);
  });
});

describe('file-system errors', () => {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  (asRoot ? test.skip : test)(`${asRoot ? 'SKIPPED (running as root, which reads any file): ' : ''}an unreadable app folder is one ReleaseError naming the path, no stack trace`, () => {
    // GIVEN a copy whose reloader folder cannot be read
    const dir = copyTree('v2.17.1');
    const locked = path.join(dir, 'applications/reloader');
    fs.chmodSync(locked, 0o000);
    try {
      // WHEN / THEN
      expect(errorOf(() => readRelease(dir, { key: 'applicationDefinitions' })).message).toMatch(/^applicationDefinitions: cannot read .*applications\/reloader \(EACCES: /);
    } finally {
      fs.chmodSync(locked, 0o755);
    }
  });
});

describe('a tree changing under the reader', () => {
  test('a file a kustomization lists but the tree lacks is one ReleaseError naming both', () => {
    // GIVEN a release read (the variable index is computed later, on first use)
    const dir = copyTree('v2.17.1');
    const r = readRelease(dir, { key: 'applicationDefinitions' });
    // WHEN a file its kustomization lists disappears
    fs.rmSync(path.join(r.root, 'applications/reloader/2.2.5/helmrelease/cm.yaml'));
    // THEN
    expect(errorOf(() => r.variables).message).toBe(
      'applicationDefinitions: applications/reloader/2.2.5/helmrelease/kustomization.yaml lists cm.yaml, which does not exist in the release tree (applications/reloader/2.2.5/helmrelease/cm.yaml)',
    );
  });
});
