/**
 * The operator-based `gardener` stage module: gardener-operator, the `Extension`s and the
 * `Garden` in the base cluster; then Flux's access to the virtual garden and, applied into it,
 * the Gardenlet that registers the base cluster as the first seed, the CloudProfiles and the
 * Projects.
 *
 * Stages (after the pre-gardener ones):
 *
 *   gardener-operator              HelmRelease gardener-operator (installs the operator.gardener.cloud CRDs)
 *   gardener-garden                Extensions + Garden, healthy when the virtual garden is up
 *   gardener-virtual-garden-access token-requestor Secret: Flux's kubeconfig, token issued by Gardener
 *   gardener-virtual-garden-rbac   (into the virtual garden) ClusterRoleBinding of Flux's ServiceAccount
 *   gardener-virtual-garden        (into the virtual garden) credentials, CloudProfiles, Projects, Gardenlet
 *
 * The stages that apply into the virtual garden live in namespace `garden`: Flux reads a
 * Kustomization's kubeConfig Secret in its own namespace, and the TokenRequestor acts in `garden`
 * only (as gardener-landscape-kit v0.3.0 does, `pkg/components/gardener/virtual-garden-access/
 * templates/landscape/flux-kustomization.yaml`).
 */
import { Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../k8s';
import { mergeValues } from '../kommander/tree';
import { secretCredentials } from './api/seedmanagement';
import { GardenerConfig, GardenerExtensionConfig, GardenerValues } from './config';
import { GARDEN_DNS_PROVIDER, GARDEN_NAMESPACE, KNOWN_EXTENSIONS, ExtensionResource } from './defaults';
import { Garden, GardenExtension, SeedGardenlet } from './constructs';
import { CloudProfile, Project } from './garden-content';
import { GardenerStageContext, GardenerStageModule, GardenerStageResult } from './module';
import { ComponentVector, extensionChartRefs, gardenerChartRef } from './vector';
import {
  GARDENER_INTERNAL_ACCESS_SECRET,
  KUBECONFIG_KEY,
  TOKEN_ISSUED_HEALTH,
  VirtualGardenAccessSecret,
  VirtualGardenFluxBinding,
} from './virtual-garden-access';

/** `oci://registry/path` → `registry/path` (the form of an OCI artifact ref). */
export function ociPath(url: string): string {
  return url.replace(/^oci:\/\//, '').replace(/\/+$/, '');
}

/** `registry/path/chart:tag` → HelmRepository URL, chart and version. */
export function splitChartRef(ref: string): { repository: string; chart: string; version: string } {
  const colon = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  return { repository: `oci://${ref.slice(0, slash)}`, chart: ref.slice(slash + 1, colon), version: ref.slice(colon + 1) };
}

/** The resources an extension serves: the config's, else its maintainers' (with the config's autoEnable policy). */
export function extensionResourcesOf(name: string, ext: GardenerExtensionConfig): ExtensionResource[] {
  const base: readonly ExtensionResource[] = ext.resources ?? KNOWN_EXTENSIONS[name]?.resources ?? [];
  if (ext.autoEnable === undefined) return base.map((r) => ({ ...r }));
  // The policy applies to the resources a shoot can enable (kind Extension, shoot-compatible or unrestricted).
  return base.map((r) =>
    r.kind === 'Extension' && (!r.clusterCompatibility || r.clusterCompatibility.includes('shoot'))
      ? { ...r, autoEnable: ext.autoEnable!.length ? [...ext.autoEnable!] : undefined }
      : { ...r },
  );
}

/** The chart and admission chart refs of an extension, from the vector. */
export function extensionCharts(name: string, ext: GardenerExtensionConfig, vector: ComponentVector): { chartRef: string; admission?: { runtimeRef: string; applicationRef: string } } {
  const refs = extensionChartRefs(vector, name);
  if (!refs) throw new Error(`gardener.extensions.${name}: not in the component vector ${vector.source}`);
  const wanted = ext.admission ?? true;
  return {
    chartRef: refs.chart,
    admission: wanted && refs.admission ? { runtimeRef: refs.admission.runtime, applicationRef: refs.admission.application } : undefined,
  };
}

/** Values a built-in extension gets from the rest of the config (the extension's `values` win). */
export function extensionBaseValues(name: string, g: GardenerConfig): { values: GardenerValues; runtimeClusterValues?: GardenerValues } {
  if (name === 'shoot-cert-service' && g.issuer) {
    // Shoots (and, in the runtime cluster, controlplane-cert-service) get certificates from the
    // landscape's ACME account by default, as the maintainers' example configures both.
    const certificateConfig = { defaultIssuer: { name: 'garden', acme: { email: g.issuer.acme.email, server: g.issuer.acme.server } } };
    return { values: { certificateConfig }, runtimeClusterValues: { certificateConfig } };
  }
  return { values: {} };
}

/** The Garden is healthy once its last operation succeeded and the virtual API server answers. */
const GARDEN_HEALTH = {
  apiVersion: 'operator.gardener.cloud/v1alpha1',
  kind: 'Garden',
  current:
    "has(status.lastOperation) && status.lastOperation.state == 'Succeeded' && has(status.conditions) && status.conditions.exists(c, c.type == 'VirtualGardenAPIServerAvailable' && c.status == 'True')",
  failed: "has(status.lastOperation) && status.lastOperation.state == 'Failed'",
};

/** ConfigMap (namespace garden) with the virtual API server's structured authentication (key `config.yaml`). */
export const AUTHENTICATION_CONFIGMAP = 'gardener-auth-config';

export class OperatorGardenerStage implements GardenerStageModule {
  public readonly mode = 'operator';

  public build(scope: Construct, ctx: GardenerStageContext): GardenerStageResult {
    const g = ctx.config;
    const { configuration, preGardenerResources } = ctx.stages;

    // gardener-operator: installs the operator.gardener.cloud CRDs (Garden, Extension).
    const operator = ctx.stage('operator', 'gardener-operator HelmRelease, which installs the operator.gardener.cloud CRDs (23KE stage gardener)', {
      dependsOn: [configuration],
    });
    ctx.helmRelease(operator, {
      component: 'gardener-operator',
      ...splitChartRef(gardenerChartRef(ctx.vector, 'operator')),
      targetNamespace: GARDEN_NAMESPACE,
      values: { replicaCount: g.virtualGarden.highAvailability ? 2 : 1 },
    });

    // The Garden needs the operator's CRDs, and the trusted certificate when there is one.
    const gardenStage = ctx.stage('garden', 'Extensions and the Garden: the base cluster as runtime cluster and the virtual garden (23KE stage gardener)', {
      dependsOn: [operator, ...(preGardenerResources ? [preGardenerResources] : [])],
      timeout: '60m',
    });
    for (const name of Object.keys(g.extensions).sort()) {
      const ext = g.extensions[name];
      if (!ext.enabled) continue;
      const known = KNOWN_EXTENSIONS[name];
      const resources = extensionResourcesOf(name, ext);
      const serves = (kind: string, type?: string) => type !== undefined && resources.some((r) => r.kind === kind && r.type === type);
      const base = extensionBaseValues(name, g);
      const needsRuntime = serves('DNSRecord', g.dns.provider) || serves('BackupBucket', g.backups?.provider);
      const runtime = ext.runtimeClusterValues ?? base.runtimeClusterValues ?? (needsRuntime ? {} : undefined);
      const charts = extensionCharts(name, ext, ctx.vector);
      new GardenExtension(gardenStage.folder, `Extension-${name}`, {
        name,
        chartRef: charts.chartRef,
        admission: charts.admission,
        resources,
        podSecurityEnforce: known?.podSecurityEnforce,
        policy: known?.policy,
        values: mergeValues(base.values, ext.values),
        runtimeClusterValues: runtime,
        injectGardenKubeconfig: known?.injectGardenKubeconfig,
      });
    }
    const oidc = g.virtualGarden.oidc;
    if (oidc) {
      // Structured authentication (apiserver.config.k8s.io, read from key config.yaml:
      // pkg/component/kubernetes/apiserver/authentication.go at gardener v1.146.4).
      new k8s.KubeConfigMap(gardenStage.folder, 'AuthenticationConfig', {
        metadata: { name: AUTHENTICATION_CONFIGMAP, namespace: GARDEN_NAMESPACE },
        data: {
          'config.yaml': Yaml.stringify({
            apiVersion: 'apiserver.config.k8s.io/v1beta1',
            kind: 'AuthenticationConfiguration',
            jwt: [
              {
                issuer: { url: oidc.issuerURL, audiences: [oidc.clientID] },
                claimMappings: { username: { claim: oidc.usernameClaim, prefix: 'oidc:' }, groups: { claim: oidc.groupsClaim, prefix: 'oidc:' } },
              },
            ],
          }),
        },
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
        oidc: oidc
          ? { authenticationConfigMap: AUTHENTICATION_CONFIGMAP, issuerURL: oidc.issuerURL, clientID: oidc.clientID, dashboardSecretName: ctx.secrets.oidcClient!.name }
          : undefined,
      },
    });
    // The stage waits for everything it applies (spec.wait); the Garden's health is this expression.
    gardenStage.addHealthCheckExprs(GARDEN_HEALTH);

    // Flux's access to the virtual garden: a token Gardener issues and rotates.
    const access = ctx.stage('virtual-garden-access', "Flux's access to the virtual garden: the token-requestor Secret (Gardener issues and rotates the token)", {
      dependsOn: [gardenStage],
      timeout: '15m',
    });
    const accessSecret = new VirtualGardenAccessSecret(access.folder, 'AccessSecret', { namespace: GARDEN_NAMESPACE });
    access.addHealthCheckExprs(TOKEN_ISSUED_HEALTH);

    // The Kustomizations that apply into the virtual garden: in `garden`, next to their kubeconfig.
    const rbac = ctx.stage('virtual-garden-rbac', "Applied into the virtual garden with gardener-operator's own access: the ClusterRoleBinding of Flux's ServiceAccount", {
      namespace: GARDEN_NAMESPACE,
      dependsOn: [gardenStage],
      timeout: '15m',
      kubeConfig: { secretName: GARDENER_INTERNAL_ACCESS_SECRET, key: KUBECONFIG_KEY },
    });
    new VirtualGardenFluxBinding(rbac.folder, 'FluxBinding');

    // gardener-operator deploys the gardenlet the Gardenlet describes into the base cluster, which
    // registers the Seed: the base cluster becomes the first seed.
    const virtual = ctx.stage('virtual-garden', 'Applied into the virtual garden: credentials, CloudProfiles, Projects and the Gardenlet registering the base cluster as the first seed (23KE stages gardener, garden-content)', {
      namespace: GARDEN_NAMESPACE,
      dependsOn: [access, rbac],
      prune: false,
      timeout: '30m',
      kubeConfig: { secretName: accessSecret.secretName, key: KUBECONFIG_KEY },
    });
    ctx.applySecrets(virtual, ctx.secrets.dns, ctx.secrets.backup);
    for (const name of Object.keys(g.cloudProfiles).sort()) new CloudProfile(virtual.folder, `CloudProfile-${name}`, { name, profile: g.cloudProfiles[name] });
    for (const name of Object.keys(g.projects).sort()) new Project(virtual.folder, `Project-${name}`, { name, project: g.projects[name] });
    const dnsCredentials = secretCredentials(ctx.secrets.dns.name, GARDEN_NAMESPACE);
    new SeedGardenlet(virtual.folder, 'Gardenlet', {
      name: g.seed.name,
      namespace: GARDEN_NAMESPACE,
      chartRef: gardenerChartRef(ctx.vector, 'gardenlet'),
      replicas: g.virtualGarden.highAvailability ? 2 : 1,
      seed: {
        provider: { type: g.baseCluster.provider, region: g.baseCluster.region, zones: g.baseCluster.zones.length ? [...g.baseCluster.zones] : undefined },
        networks: {
          nodes: g.baseCluster.networks.nodes,
          pods: g.baseCluster.networks.pods,
          services: g.baseCluster.networks.services,
          shootDefaults: g.seed.shootDefaults ? { pods: g.seed.shootDefaults.pods, services: g.seed.shootDefaults.services } : undefined,
        },
        dns: {
          provider: { type: g.dns.provider, credentialsRef: dnsCredentials },
          internal: { type: g.dns.provider, domain: g.domains.internal, credentialsRef: dnsCredentials },
          defaults: [{ type: g.dns.provider, domain: g.domains.shoots, credentialsRef: dnsCredentials }],
        },
        ingress: { domain: g.domains.seedIngress, controller: { kind: 'nginx' } },
        backup: g.backups
          ? { provider: g.backups.provider, region: g.backups.region, credentialsRef: secretCredentials(ctx.secrets.backup!.name, GARDEN_NAMESPACE) }
          : undefined,
        settings: {
          scheduling: { visible: g.seed.schedulingVisible },
          verticalPodAutoscaler: { enabled: !g.baseCluster.hasVerticalPodAutoscaler },
        },
        taints: g.seed.protected ? [{ key: 'seed.gardener.cloud/protected' }] : undefined,
      },
    });
    return { stages: { operator, garden: gardenStage, 'virtual-garden-access': access, 'virtual-garden-rbac': rbac, 'virtual-garden': virtual } };
  }
}
