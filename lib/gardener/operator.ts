/**
 * The operator-based `gardener` stage module: gardener-operator, the `Extension`s and the
 * `Garden` in the base cluster, then the `Gardenlet` in the virtual garden that registers the
 * base cluster as the first seed.
 *
 * Stages (after the pre-gardener ones):
 *
 *   gardener-operator        HelmRelease gardener-operator (installs the operator.gardener.cloud CRDs)
 *   gardener-garden          Extensions + Garden, healthy when the virtual garden is up
 *   gardener-virtual-garden  applied into the virtual garden (spec.kubeConfig): the Gardenlet
 */
import { Construct } from 'constructs';
import { mergeValues } from '../kommander/tree';
import { GardenerConfig, GardenerExtensionConfig, GardenerValues } from './config';
import { GARDEN_DNS_PROVIDER, GARDEN_NAMESPACE, KNOWN_EXTENSIONS } from './defaults';
import { Garden, GardenExtension, SeedGardenlet } from './constructs';
import { GardenerStageContext, GardenerStageModule, GardenerStageResult } from './module';
import { extensionResources } from './validate';

/** `oci://registry/path` → `registry/path` (the form of an OCI artifact ref). */
export function ociPath(url: string): string {
  return url.replace(/^oci:\/\//, '').replace(/\/+$/, '');
}

/** The chart and admission chart refs of an extension. */
export function extensionCharts(name: string, ext: GardenerExtensionConfig, g: GardenerConfig): { chartRef: string; admission?: { runtimeRef: string; applicationRef: string } } {
  const prefix = ext.repository ? ociPath(ext.repository).replace(/\/[^/]+$/, '') : ociPath(g.charts.extensions.repository);
  const chartRef = `${ext.repository ? ociPath(ext.repository) : `${prefix}/${name}`}:${ext.version}`;
  const known = KNOWN_EXTENSIONS[name];
  const wanted = ext.admission ?? known?.admission !== undefined;
  const admission = wanted ? known?.admission : undefined;
  return {
    chartRef,
    admission: admission ? { runtimeRef: `${prefix}/${admission}-runtime:${ext.version}`, applicationRef: `${prefix}/${admission}-application:${ext.version}` } : undefined,
  };
}

/** Values a built-in extension gets from the rest of the config (the extension's `values` win). */
export function extensionBaseValues(name: string, g: GardenerConfig): GardenerValues {
  if (name === 'shoot-cert-service') {
    // Shoots get certificates from the landscape's ACME account by default.
    return { certificateConfig: { defaultIssuer: { name: 'garden', acme: { email: g.issuer.acme.email, server: g.issuer.acme.server } } } };
  }
  return {};
}

/** The Garden is healthy once its last operation succeeded and the virtual API server answers. */
const GARDEN_HEALTH = {
  apiVersion: 'operator.gardener.cloud/v1alpha1',
  kind: 'Garden',
  current:
    "has(status.lastOperation) && status.lastOperation.state == 'Succeeded' && has(status.conditions) && status.conditions.exists(c, c.type == 'VirtualGardenAPIServerAvailable' && c.status == 'True')",
  failed: "has(status.lastOperation) && status.lastOperation.state == 'Failed'",
};

export class OperatorGardenerStage implements GardenerStageModule {
  public readonly mode = 'operator';

  public build(scope: Construct, ctx: GardenerStageContext): GardenerStageResult {
    const g = ctx.config;
    const { configuration, certManager, preGardener, preGardenerResources } = ctx.stages;

    // gardener-operator: installs the operator.gardener.cloud CRDs (Garden, Extension).
    const operator = ctx.stage('operator', 'gardener-operator HelmRelease, which installs the operator.gardener.cloud CRDs (23KE stage gardener)', {
      dependsOn: [configuration, certManager],
    });
    ctx.helmRelease(operator, {
      component: 'gardener-operator',
      repository: g.charts.gardener.repository,
      chart: 'operator',
      version: g.charts.gardener.version,
      targetNamespace: GARDEN_NAMESPACE,
      values: { replicaCount: g.virtualGarden.highAvailability ? 2 : 1 },
    });

    // The Garden needs the operator's CRDs, the base DNS provider and issuer, and ingress-nginx.
    const gardenStage = ctx.stage('garden', 'Extensions and the Garden: the base cluster as runtime cluster and the virtual garden (23KE stage gardener)', {
      dependsOn: [operator, preGardener, preGardenerResources],
      timeout: '60m',
    });
    for (const name of Object.keys(g.extensions).sort()) {
      const ext = g.extensions[name];
      if (!ext.enabled) continue;
      const resources = ext.resources ?? KNOWN_EXTENSIONS[name]?.resources ?? [];
      const serves = (kind: string, type?: string) => type !== undefined && extensionResources(name, { resources }).some((r) => r.kind === kind && r.type === type);
      const runtime = ext.runtimeClusterValues ?? (serves('DNSRecord', g.dns.provider) || serves('BackupBucket', g.backups?.provider) ? {} : undefined);
      const charts = extensionCharts(name, ext, g);
      new GardenExtension(gardenStage.folder, `Extension-${name}`, {
        name,
        chartRef: charts.chartRef,
        admission: charts.admission,
        resources,
        values: mergeValues(extensionBaseValues(name, g), ext.values),
        runtimeClusterValues: runtime,
        injectGardenKubeconfig: KNOWN_EXTENSIONS[name]?.injectGardenKubeconfig,
      });
    }
    const defaultDashboard = `dashboard.${g.domains.ingress}`;
    new Garden(gardenStage.folder, 'Garden', {
      name: g.name,
      clusterIdentity: g.clusterIdentity,
      dns: { providerName: GARDEN_DNS_PROVIDER, type: g.dns.provider, secretName: ctx.secrets.dns.name },
      runtime: {
        ingressDomain: g.domains.ingress,
        region: g.baseCluster.region,
        zones: g.baseCluster.zones,
        networks: g.baseCluster.networks,
        deployVerticalPodAutoscaler: !g.baseCluster.hasVerticalPodAutoscaler,
      },
      virtual: {
        domain: g.domains.api.replace(/^api\./, ''),
        kubernetesVersion: g.virtualGarden.kubernetesVersion,
        servicesCidr: g.virtualGarden.servicesCidr,
        maintenance: g.virtualGarden.maintenance,
        highAvailability: g.virtualGarden.highAvailability,
        dashboard: g.virtualGarden.dashboard ? { domain: g.domains.dashboard === defaultDashboard ? undefined : g.domains.dashboard } : undefined,
        backup: g.backups
          ? { provider: g.backups.provider, region: g.backups.region, bucketName: g.backups.bucketName, secretName: ctx.secrets.backup!.name }
          : undefined,
      },
    });
    // The stage waits for everything it applies (spec.wait); the Garden's health is this expression.
    gardenStage.addHealthCheckExprs(GARDEN_HEALTH);

    // The Gardenlet lives in the virtual garden (served by gardener-apiserver): this stage applies
    // into it. gardener-operator then deploys the gardenlet into the base cluster, which registers
    // the Seed: the base cluster becomes the first seed.
    const virtual = ctx.stage('virtual-garden', 'Applied into the virtual garden: the Gardenlet registering the base cluster as the first seed (23KE stage gardener)', {
      dependsOn: [gardenStage],
      prune: false,
      timeout: '30m',
      kubeConfig: { secretName: ctx.secrets.virtualGardenKubeconfig.name, key: 'kubeconfig' },
    });
    ctx.applySecrets(virtual, ctx.secrets.dns, ctx.secrets.backup);
    const chartRepo = ociPath(g.charts.gardener.repository);
    new SeedGardenlet(virtual.folder, 'Gardenlet', {
      name: g.seed.name,
      namespace: GARDEN_NAMESPACE,
      chartRef: `${chartRepo}/gardenlet:${g.charts.gardener.version}`,
      replicas: g.virtualGarden.highAvailability ? 2 : 1,
      seed: {
        provider: { type: g.baseCluster.provider, region: g.baseCluster.region, zones: g.baseCluster.zones.length ? [...g.baseCluster.zones] : undefined },
        networks: {
          nodes: g.baseCluster.networks.nodes,
          pods: g.baseCluster.networks.pods,
          services: g.baseCluster.networks.services,
          shootDefaults: g.seed.shootDefaults ? { pods: g.seed.shootDefaults.pods, services: g.seed.shootDefaults.services } : undefined,
        },
        dns: { provider: { type: g.dns.provider, secretRef: { name: ctx.secrets.dns.name, namespace: GARDEN_NAMESPACE } } },
        ingress: { domain: g.domains.seedIngress, controller: { kind: 'nginx' } },
        backup: g.backups
          ? { provider: g.backups.provider, region: g.backups.region, secretRef: { name: ctx.secrets.backup!.name, namespace: GARDEN_NAMESPACE } }
          : undefined,
        settings: {
          scheduling: { visible: g.seed.schedulingVisible },
          verticalPodAutoscaler: { enabled: !g.baseCluster.hasVerticalPodAutoscaler },
        },
      },
    });
    return { stages: { operator, garden: gardenStage, 'virtual-garden': virtual } };
  }
}
