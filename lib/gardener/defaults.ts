/**
 * Built-in facts of the Gardener landscape: fixed object names (kept permanent: renaming a
 * HelmRelease or a Secret is a migration, see 23ke.md §5), pinned chart versions and the catalog
 * of well-known extensions. Imports only the config's built-in defaults (which import nothing),
 * so the config schema can use it without an import cycle.
 */
import { CORE_APPS } from '../config/defaults';

/** Namespace of Gardener's runtime components, the Issuer, the DNSProvider and their Secrets. */
export const GARDEN_NAMESPACE = 'garden';
/** Namespace of the landscape's ingress-nginx. */
export const INGRESS_NGINX_NAMESPACE = 'ingress-nginx';

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
  kubeconfigSecret: 'virtual-garden-kubeconfig',
  seedName: 'initial-seed',
} as const;

const CERT_MANAGER_VERSION = `v${CORE_APPS.find((a) => a.id === 'cert-manager')!.version}`;

/** Pinned chart sources. A bump is a reviewable diff of the config or of this table. */
export const GARDENER_CHARTS = {
  // The same cert-manager release as the Kommander tree's.
  'cert-manager': { repository: 'https://charts.jetstack.io', chart: 'cert-manager', version: CERT_MANAGER_VERSION },
  'cert-management': { repository: 'oci://europe-docker.pkg.dev/gardener-project/releases/charts', chart: 'cert-controller-manager', version: 'v0.27.0' },
  'external-dns-management': {
    repository: 'oci://europe-docker.pkg.dev/gardener-project/releases/charts',
    chart: 'dns-controller-manager',
    version: 'v0.43.0',
  },
  'ingress-nginx': { repository: 'https://kubernetes.github.io/ingress-nginx', chart: 'ingress-nginx', version: '4.13.3' },
  gardener: { repository: 'oci://europe-docker.pkg.dev/gardener-project/releases/charts/gardener', version: 'v1.141.5' },
  extensions: { repository: 'oci://europe-docker.pkg.dev/gardener-project/releases/charts/gardener/extensions' },
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

/** A well-known extension: what it serves and how its charts are named. */
export interface KnownExtension {
  readonly resources: readonly { readonly kind: string; readonly type: string; readonly clusterCompatibility?: readonly string[] }[];
  /** Prefix of its admission charts (`<prefix>-runtime`, `<prefix>-application`). @default - no admission */
  readonly admission?: string;
  /** Inject a garden kubeconfig into its deployment. @default false */
  readonly injectGardenKubeconfig?: boolean;
}

function provider(type: string, dns: readonly string[]): KnownExtension {
  return {
    resources: [
      ...['BackupBucket', 'BackupEntry', 'Bastion', 'ControlPlane'].map((kind) => ({ kind, type })),
      ...dns.map((t) => ({ kind: 'DNSRecord', type: t })),
      ...['Infrastructure', 'Worker'].map((kind) => ({ kind, type })),
    ],
    admission: `admission-${type}`,
    injectGardenKubeconfig: true,
  };
}

/** Extensions whose resources and admission charts are built in (others declare `resources`). */
export const KNOWN_EXTENSIONS: { readonly [name: string]: KnownExtension } = {
  'provider-alicloud': provider('alicloud', ['alicloud-dns']),
  'provider-aws': provider('aws', ['aws-route53']),
  'provider-azure': provider('azure', ['azure-dns', 'azure-private-dns']),
  'provider-gcp': provider('gcp', ['google-clouddns']),
  'provider-openstack': provider('openstack', ['openstack-designate']),
  'networking-calico': { resources: [{ kind: 'Network', type: 'calico' }], admission: 'admission-calico' },
  'networking-cilium': { resources: [{ kind: 'Network', type: 'cilium' }], admission: 'admission-cilium' },
  'os-gardenlinux': {
    resources: [
      { kind: 'OperatingSystemConfig', type: 'gardenlinux' },
      { kind: 'OperatingSystemConfig', type: 'memoryone-gardenlinux' },
    ],
  },
  'os-ubuntu': { resources: [{ kind: 'OperatingSystemConfig', type: 'ubuntu' }] },
  'shoot-cert-service': { resources: [{ kind: 'Extension', type: 'shoot-cert-service', clusterCompatibility: ['shoot'] }], injectGardenKubeconfig: true },
  'shoot-dns-service': {
    resources: [{ kind: 'Extension', type: 'shoot-dns-service', clusterCompatibility: ['shoot'] }],
    admission: 'shoot-dns-service-admission',
  },
};
