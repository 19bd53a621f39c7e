/**
 * Hand-written L1 types for `seedmanagement.gardener.cloud/v1alpha1` `Gardenlet`.
 *
 * The Gardenlet API is served by gardener-apiserver (an aggregated API of the virtual garden), so
 * there is no CRD to import: `../shared/crds/gardener/seedmanagement.gardener.cloud_gardenlets.yaml`
 * is a stub that accepts anything, and gardener-apiserver decodes the embedded configuration
 * non-strictly (a removed field is dropped silently, then the seed fails validation). The fields
 * below are those of Gardener v1.146.4 (the version this tool models): `pkg/apis/core/v1beta1/
 * types_seed.go` and `pkg/apis/seedmanagement/v1alpha1/types_gardenlet.go` at tag v1.146.4, and
 * the examples `example/50-seed.yaml`, `example/operator/30-gardenlet.yaml` of that tag
 * (../shared/gardener/v1.146.4/). Removed fields (`dns.provider.secretRef` since v1.139,
 * `backup.secretRef` since v1.123) cannot be expressed; `dns.internal` is required since v1.136.
 * Restricted to what a first seed needs.
 */
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * A credentials reference (`corev1.ObjectReference`): a v1 Secret (or a
 * security.gardener.cloud/v1alpha1 WorkloadIdentity) in the virtual garden.
 */
export interface CredentialsReference {
  readonly apiVersion: 'v1' | 'security.gardener.cloud/v1alpha1';
  readonly kind: 'Secret' | 'WorkloadIdentity';
  readonly name: string;
  readonly namespace: string;
}

/** A v1 Secret as credentials. */
export function secretCredentials(name: string, namespace: string): CredentialsReference {
  return { apiVersion: 'v1', kind: 'Secret', name, namespace };
}

/** Where the gardenlet chart comes from (`gardencorev1.OCIRepository`). */
export interface GardenletOciRepository {
  /** Full artifact reference `registry/repo:tag`; wins over repository/tag. */
  readonly ref?: string;
  readonly repository?: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface GardenletDeployment {
  readonly replicaCount?: number;
  readonly revisionHistoryLimit?: number;
  readonly helm: { readonly ociRepository: GardenletOciRepository };
  readonly podLabels?: { readonly [key: string]: string };
  readonly podAnnotations?: { readonly [key: string]: string };
}

/** `Seed` `.spec.provider`. */
export interface SeedProvider {
  readonly type: string;
  readonly region: string;
  readonly zones?: readonly string[];
  readonly providerConfig?: { readonly [key: string]: unknown };
}

/** `Seed` `.spec.networks`. */
export interface SeedNetworks {
  readonly nodes?: string;
  readonly pods: string;
  readonly services: string;
  readonly shootDefaults?: { readonly pods?: string; readonly services?: string };
  readonly ipFamilies?: ('IPv4' | 'IPv6')[];
}

/** `Seed` `.spec.dns.internal` and `.spec.dns.defaults[]` (`SeedDNSProviderConfig`). */
export interface SeedDnsProviderConfig {
  readonly type: string;
  readonly domain: string;
  readonly zone?: string;
  readonly credentialsRef: CredentialsReference;
}

/** `Seed` `.spec.dns` (v1.146: `provider`, `internal`, `defaults`). */
export interface SeedDns {
  /** The DNS provider of the seed's ingress records. */
  readonly provider?: { readonly type: string; readonly credentialsRef: CredentialsReference };
  /** Internal domain (required by gardener-apiserver since v1.136). */
  readonly internal: SeedDnsProviderConfig;
  /** Default domains of shoots; the first matching one wins. */
  readonly defaults?: readonly SeedDnsProviderConfig[];
}

/** `Seed` `.spec.ingress`. */
export interface SeedIngress {
  readonly domain: string;
  readonly controller: { readonly kind: 'nginx'; readonly providerConfig?: { readonly [key: string]: unknown } };
}

/** `Seed` `.spec.backup` (`Backup`). */
export interface SeedBackup {
  readonly provider: string;
  readonly region?: string;
  readonly credentialsRef: CredentialsReference;
  readonly providerConfig?: { readonly [key: string]: unknown };
}

/** `Seed` `.spec.taints[]`. */
export interface SeedTaint {
  readonly key: string;
  readonly value?: string;
}

/** `Seed` `.spec.settings` (the switches a first seed uses). */
export interface SeedSettings {
  readonly scheduling?: { readonly visible: boolean };
  readonly verticalPodAutoscaler?: { readonly enabled: boolean };
  readonly excessCapacityReservation?: { readonly enabled: boolean };
  readonly topologyAwareRouting?: { readonly enabled: boolean };
}

/** `core.gardener.cloud/v1beta1` `SeedSpec`. */
export interface SeedSpec {
  readonly provider: SeedProvider;
  readonly networks: SeedNetworks;
  readonly dns: SeedDns;
  readonly ingress?: SeedIngress;
  readonly backup?: SeedBackup;
  readonly settings?: SeedSettings;
  readonly taints?: readonly SeedTaint[];
}

/** The seed template inside the gardenlet configuration. */
export interface SeedTemplate {
  readonly metadata?: { readonly labels?: { readonly [key: string]: string }; readonly annotations?: { readonly [key: string]: string } };
  readonly spec: SeedSpec;
}

/** `gardenlet.config.gardener.cloud/v1alpha1` `GardenletConfiguration` (the parts used here). */
export interface GardenletConfiguration {
  readonly seedConfig: SeedTemplate;
  readonly featureGates?: { readonly [gate: string]: boolean };
  readonly logging?: { readonly enabled?: boolean };
}

export interface GardenletSpec {
  readonly deployment: GardenletDeployment;
  readonly config: GardenletConfiguration;
  /** Kubeconfig of a remote target cluster (garden namespace); unset: the operator's own cluster. */
  readonly kubeconfigSecretRef?: { readonly name: string };
}

export interface GardenletProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: GardenletSpec;
}

/**
 * L1: `Gardenlet` of `seedmanagement.gardener.cloud/v1alpha1` (namespaced, in `garden` of the
 * virtual garden). gardener-operator deploys the gardenlet it describes; the gardenlet then
 * registers the `Seed` of the same name.
 */
export class Gardenlet extends ApiObject {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'seedmanagement.gardener.cloud/v1alpha1', kind: 'Gardenlet' };

  /** The manifest of a Gardenlet, without a construct. */
  public static manifest(props: GardenletProps): any {
    return { ...Gardenlet.GVK, ...toJsonGardenlet(props) };
  }

  constructor(scope: Construct, id: string, props: GardenletProps) {
    super(scope, id, { ...Gardenlet.GVK, ...props });
  }

  public override toJson(): any {
    const resolved = super.toJson();
    return { ...Gardenlet.GVK, ...toJsonGardenlet(resolved) };
  }
}

/** The JSON of the props: the config gets its apiVersion/kind, the seed template its own. */
function toJsonGardenlet(props: GardenletProps): any {
  const config = props.spec.config;
  return {
    metadata: props.metadata,
    spec: {
      deployment: props.spec.deployment,
      config: {
        apiVersion: 'gardenlet.config.gardener.cloud/v1alpha1',
        kind: 'GardenletConfiguration',
        ...config,
        seedConfig: { apiVersion: 'core.gardener.cloud/v1beta1', kind: 'Seed', ...config.seedConfig },
      },
      ...(props.spec.kubeconfigSecretRef ? { kubeconfigSecretRef: props.spec.kubeconfigSecretRef } : {}),
    },
  };
}
