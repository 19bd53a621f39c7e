/**
 * The typed `gardener:` section of `platform.yaml`, after defaults are applied (see
 * `lib/gardener/schema.ts` for every key, its default and its constraints).
 *
 * It replaces the non-secret part of 23KE's `23ke-config` Secret and the `23kectl` config file:
 * everything here is reviewable in Git. Credentials are never values of this config, only
 * references (`CredentialsRef`).
 */

/** Helm values: a free-form map. */
export type GardenerValues = { readonly [key: string]: unknown };

/**
 * Where a credential Secret comes from. Exactly one of the two is set (the loader checks it).
 *
 * - `secretName`: an existing Secret, created out of band (23KE style, or by external-secrets);
 *   the tree only names it.
 * - `sopsFile`: a SOPS-encrypted Secret manifest under `secrets/` (relative to the config file),
 *   copied byte for byte into the stage that needs it; the Secret's own name is used.
 */
export interface CredentialsRef {
  /** Name of an existing Secret (in the namespace the consumer documents). @default - none */
  readonly secretName?: string;
  /** Path of a SOPS-encrypted Secret manifest, e.g. `secrets/garden/dns-aws.sops.yaml`. @default - none */
  readonly sopsFile?: string;
}

/** The landscape's DNS names. */
export interface GardenerDomainsConfig {
  /** Base domain of the landscape, e.g. `garden.example.com`. */
  readonly base: string;
  /** Virtual garden API host (must start with `api.`). @default api.<base> */
  readonly api: string;
  /** Ingress domain of the runtime (base) cluster. @default ingress.<base> */
  readonly ingress: string;
  /** Gardener dashboard host. @default dashboard.<ingress> */
  readonly dashboard: string;
  /** Ingress domain of the first seed (the base cluster as seed). @default seed.<base> */
  readonly seedIngress: string;
  /** Internal domain of the seed (`Seed` `.spec.dns.internal`). @default internal.<base> */
  readonly internal: string;
  /** Default domain of shoots (`Seed` `.spec.dns.defaults`). @default shoot.<base> */
  readonly shoots: string;
}

/** The DNS provider every DNS record of the landscape is created with. */
export interface GardenerDnsConfig {
  /** Provider type, e.g. `aws-route53`, `azure-dns`, `google-clouddns`, `openstack-designate`. */
  readonly provider: string;
  /** The provider's credentials (a Secret in namespace `garden`). */
  readonly credentials: CredentialsRef;
  /** DNS zones the provider may use (DNSProvider `zones.include`). @default [] (all zones the credentials see) */
  readonly zones: readonly string[];
}

export interface AcmeExternalAccountBinding {
  /** The CA's key id. */
  readonly keyID: string;
  /** Secret (namespace `garden`) with the MAC key under data key `hmacKey`. */
  readonly keySecret: CredentialsRef;
}

export interface GardenerAcmeConfig {
  /** ACME account e-mail. */
  readonly email: string;
  /** ACME directory. @default https://acme-v02.api.letsencrypt.org/directory */
  readonly server: string;
  /** External account binding (ZeroSSL, step-ca, …). @default - none */
  readonly externalAccountBinding?: AcmeExternalAccountBinding;
}

export interface GardenerIssuerConfig {
  readonly acme: GardenerAcmeConfig;
}

/** The base cluster: Gardener's runtime cluster and the first seed. */
export interface GardenerBaseClusterConfig {
  /** Infrastructure provider type of the base cluster (the seed's provider), e.g. `aws`. */
  readonly provider: string;
  /** Region of the base cluster. */
  readonly region: string;
  /** Availability zones. @default [] */
  readonly zones: readonly string[];
  readonly networks: {
    /** Node CIDR. @default - none */
    readonly nodes?: string;
    /** Pod CIDR. */
    readonly pods: string;
    /** Service CIDR. */
    readonly services: string;
  };
  /** The base cluster already runs a VPA (gardener-operator then does not deploy one). @default false */
  readonly hasVerticalPodAutoscaler: boolean;
}

export interface GardenerVirtualGardenConfig {
  /** Kubernetes version of the virtual garden. @default 1.33.0 */
  readonly kubernetesVersion: string;
  /** Service CIDR of the virtual garden. @default 100.64.0.0/13 */
  readonly servicesCidr: string;
  /** Maintenance window (`HHMMSS+ZZZZ`). @default 220000+0000 … 230000+0000 */
  readonly maintenance: { readonly begin: string; readonly end: string };
  /** Highly available control plane. @default false */
  readonly highAvailability: boolean;
  /** Deploy the Gardener dashboard. @default true */
  readonly dashboard: boolean;
  /** OpenID Connect for the virtual garden API server and the dashboard. @default - none */
  readonly oidc?: GardenerOidcConfig;
}

export interface GardenerOidcConfig {
  readonly issuerURL: string;
  readonly clientID: string;
  /** @default email */
  readonly usernameClaim: string;
  /** @default groups */
  readonly groupsClaim: string;
  /** The dashboard's client secret (namespace garden, data key `client_secret`). */
  readonly clientSecret: CredentialsRef;
}

/** A CloudProfile of the virtual garden. */
export interface GardenerCloudProfileConfig {
  readonly type: string;
  readonly kubernetesVersions: readonly string[];
  readonly machineImages: readonly { readonly name: string; readonly versions: readonly string[] }[];
  readonly machineTypes: readonly { readonly name: string; readonly cpu: string; readonly gpu: string; readonly memory: string; readonly usable: boolean }[];
  readonly regions: readonly { readonly name: string; readonly zones: readonly string[] }[];
  /** @default - none */
  readonly providerConfig?: GardenerValues;
}

/** A Project of the virtual garden. */
export interface GardenerProjectConfig {
  /** @default garden-<name> */
  readonly namespace?: string;
  /** @default - none */
  readonly description?: string;
  /** @default - the creator */
  readonly owner?: string;
  readonly members: readonly { readonly kind: 'User' | 'Group'; readonly name: string; readonly role: string }[];
}

export interface GardenerSeedConfig {
  /** Name of the Seed (and of the Gardenlet). @default initial-seed */
  readonly name: string;
  /** Default CIDRs of shoots on this seed. @default - none */
  readonly shootDefaults?: { readonly pods: string; readonly services: string };
  /** Seed is visible to the scheduler. @default true */
  readonly schedulingVisible: boolean;
  /** Taint `seed.gardener.cloud/protected` (only `garden`-project shoots). @default false */
  readonly protected: boolean;
}

/** A resource an extension serves (`Extension.spec.resources[]`). */
export interface GardenerExtensionResource {
  readonly kind: string;
  readonly type: string;
  /** @default - none */
  readonly autoEnable?: readonly string[];
  /** @default - none */
  readonly clusterCompatibility?: readonly string[];
}

export interface GardenerExtensionConfig {
  /** @default true */
  readonly enabled: boolean;
  /** Cluster types its `Extension`-kind resources are auto-enabled for. @default - the maintainers' example */
  readonly autoEnable?: readonly string[];
  /** Deploy the extension's admission charts (from the vector). @default - true when the vector pins them */
  readonly admission?: boolean;
  /** Resources it serves. @default - built-in for known extensions, required otherwise */
  readonly resources?: readonly GardenerExtensionResource[];
  /** ControllerDeployment values. @default {} */
  readonly values: GardenerValues;
  /**
   * Values of the deployment in the runtime cluster. Set automatically (to `{}`) for the extension
   * that serves the DNS provider type and the backup provider, which the Garden needs.
   * @default - none
   */
  readonly runtimeClusterValues?: GardenerValues;
}

export interface GardenerBackupsConfig {
  /** Backup provider (an extension's BackupBucket type), e.g. `aws`. */
  readonly provider: string;
  readonly region: string;
  /** @default - managed by gardener-operator */
  readonly bucketName?: string;
  /** Object-store credentials (a Secret in namespace `garden`). */
  readonly credentials: CredentialsRef;
}

/** Component ids with a HelmRelease (values overrides, `valuesFrom` slots). */
export type GardenerComponent = 'cert-management' | 'external-dns-management' | 'gardener-operator';

/** The `gardener:` section. */
export interface GardenerConfig {
  /** Emit the Gardener tree. @default true */
  readonly enabled: boolean;
  /** Which gardener stage module builds the `gardener` stage. @default operator */
  readonly mode: 'operator';
  /** gardener-landscape-kit component vector file (relative to the config file). @default - the built-in vector */
  readonly componentVector?: string;
  /** Landscape name: the `Garden` object's name. */
  readonly name: string;
  /** Gardener cluster identity. @default <name> */
  readonly clusterIdentity: string;
  readonly domains: GardenerDomainsConfig;
  readonly dns: GardenerDnsConfig;
  /** @default - none (no cert-management, self-signed runtime certificates) */
  readonly issuer?: GardenerIssuerConfig;
  readonly baseCluster: GardenerBaseClusterConfig;
  readonly virtualGarden: GardenerVirtualGardenConfig;
  readonly seed: GardenerSeedConfig;
  /** Extensions by name. @default {} */
  readonly extensions: { readonly [name: string]: GardenerExtensionConfig };
  /** CloudProfiles by name. @default {} */
  readonly cloudProfiles: { readonly [name: string]: GardenerCloudProfileConfig };
  /** Projects by name. @default {garden: {namespace: garden}} */
  readonly projects: { readonly [name: string]: GardenerProjectConfig };
  /** etcd and seed backups. @default - none */
  readonly backups?: GardenerBackupsConfig;
  /** Values deep-merged into each component's synthesized base values. @default {} */
  readonly values: { readonly [component in GardenerComponent]: GardenerValues };
}

/**
 * The validated `gardener:` section of a loaded config, typed (`PlatformConfig.gardener` is
 * declared `unknown` until the config module adopts this type); undefined when absent.
 */
export function gardenerSection(config: { readonly gardener?: unknown }): GardenerConfig | undefined {
  return config.gardener as GardenerConfig | undefined;
}
