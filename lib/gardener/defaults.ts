/**
 * Built-in facts of the Gardener landscape: fixed object names (kept permanent: renaming a
 * HelmRelease or a Secret is a migration, see 23ke.md §5) and the catalog of extensions as their
 * maintainers publish them. Versions are not here: they come from the component vector
 * (`vector.ts`). Imports nothing, so the config schema can use it without an import cycle.
 */

/** Namespace of Gardener's runtime components, the Issuer, the DNSProvider and their Secrets. */
export const GARDEN_NAMESPACE = 'garden';
/** cert-management and external-dns-management only act on objects of their class (23KE's names). */
export const CERT_CLASS = 'base-cert-class';
export const DNS_CLASS = 'base-dns-class';
/** The ACME issuer (cert.gardener.cloud) and the DNSProvider of the base cluster (23KE's names). */
export const ISSUER_NAME = 'default-issuer';
export const DNS_PROVIDER_NAME = 'base-dns-provider';
/** Name of the DNS provider inside the `Garden` (`.spec.dns.providers[].name`). */
export const GARDEN_DNS_PROVIDER = 'primary';
/** Secret (namespace garden) holding the ACME account key of the Issuer. */
export const ACME_ACCOUNT_SECRET = 'default-issuer-account';

export const GARDENER_DEFAULTS = {
  mode: 'operator',
  acmeServer: 'https://acme-v02.api.letsencrypt.org/directory',
  kubernetesVersion: '1.33.0',
  virtualServicesCidr: '100.64.0.0/13',
  maintenanceBegin: '220000+0000',
  maintenanceEnd: '230000+0000',
  seedName: 'initial-seed',
} as const;

/** DNS provider types both external-dns-management and Gardener's DNSRecord extensions know. */
export const DNS_PROVIDER_TYPES = [
  'alicloud-dns',
  'aws-route53',
  'azure-dns',
  'azure-private-dns',
  'cloudflare-dns',
  'google-clouddns',
  'infoblox-dns',
  'netlify-dns',
  'openstack-designate',
  'powerdns',
  'rfc2136',
] as const;

/** A resource an extension serves (`Extension` `.spec.resources[]` of operator.gardener.cloud/v1alpha1). */
export interface ExtensionResource {
  readonly kind: string;
  readonly type: string;
  readonly autoEnable?: readonly string[];
  readonly clusterCompatibility?: readonly string[];
  readonly workerlessSupported?: boolean;
  readonly lifecycle?: { readonly reconcile?: string; readonly delete?: string; readonly migrate?: string };
}

/** An extension as its maintainers publish it (`example/extension.yaml` of its repository). */
export interface KnownExtension {
  /** Where the facts are from: `<repository> example/extension.yaml @ <tag>`. */
  readonly source: string;
  readonly resources: readonly ExtensionResource[];
  /** `security.gardener.cloud/pod-security-enforce` (the PSA level of its namespaces). @default - none */
  readonly podSecurityEnforce?: 'privileged' | 'baseline' | 'restricted';
  /** Inject a garden kubeconfig into its deployment. @default false */
  readonly injectGardenKubeconfig?: boolean;
  /** `deployment.extension.policy`. @default - none (OnDemand) */
  readonly policy?: 'Always' | 'AlwaysExceptNoShoots' | 'OnDemand';
  /** The extension also runs in the runtime cluster (it serves a `garden`-compatible resource). @default false */
  readonly runtime?: boolean;
}

/**
 * The extensions whose Extension object is built in, each as published at the version the
 * default vector pins (gardener-landscape-kit v0.3.0). Read at those tags (../shared/gardener/extensions/
 * for provider-aws, networking-calico, os-gardenlinux; the repositories at the tag for the two shoot
 * services). Other extensions declare `resources` in the config.
 */
export const KNOWN_EXTENSIONS: { readonly [name: string]: KnownExtension } = {
  'provider-aws': {
    source: 'gardener-extension-provider-aws example/extension.yaml @ v1.72.0',
    podSecurityEnforce: 'privileged',
    injectGardenKubeconfig: true,
    resources: [
      ...['BackupBucket', 'BackupEntry', 'Bastion', 'ControlPlane'].map((kind) => ({ kind, type: 'aws' })),
      { kind: 'DNSRecord', type: 'aws-route53' },
      ...['Infrastructure', 'Worker'].map((kind) => ({ kind, type: 'aws' })),
    ],
  },
  'networking-calico': {
    source: 'gardener-extension-networking-calico example/extension.yaml @ v1.59.0',
    podSecurityEnforce: 'baseline',
    resources: [{ kind: 'Network', type: 'calico' }],
  },
  'os-gardenlinux': {
    source: 'gardener-extension-os-gardenlinux example/extension.yaml @ v0.44.0',
    podSecurityEnforce: 'baseline',
    resources: ['gardenlinux', 'gardenlinux-fips', 'memoryone-gardenlinux'].map((type) => ({ kind: 'OperatingSystemConfig', type })),
  },
  'shoot-dns-service': {
    source: 'gardener-extension-shoot-dns-service example/extension.yaml @ v1.88.0',
    podSecurityEnforce: 'baseline',
    resources: [{ kind: 'Extension', type: 'shoot-dns-service', autoEnable: ['shoot'], clusterCompatibility: ['shoot'], workerlessSupported: true }],
  },
  'shoot-cert-service': {
    source: 'gardener-extension-shoot-cert-service example/extension.yaml @ v1.62.1',
    podSecurityEnforce: 'baseline',
    injectGardenKubeconfig: true,
    policy: 'Always',
    runtime: true,
    resources: [
      { kind: 'Extension', type: 'shoot-cert-service', autoEnable: ['shoot'], clusterCompatibility: ['shoot'], workerlessSupported: true },
      {
        kind: 'Extension',
        type: 'controlplane-cert-service',
        clusterCompatibility: ['garden', 'seed'],
        lifecycle: { reconcile: 'BeforeKubeAPIServer', delete: 'AfterKubeAPIServer' },
      },
    ],
  },
};
