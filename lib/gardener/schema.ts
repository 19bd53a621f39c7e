/**
 * The schema of the `gardener:` section, in the config DSL of `lib/config/schema.ts` (validator,
 * JSON Schema and README reference all follow from it). `lib/config/schema.ts` imports this
 * module, so it imports only types from there and the builders from `lib/config/dsl.ts`: no
 * import cycle at run time.
 *
 * Rules that span keys or need the file system (credentials: exactly one source; a DNS type
 * served by an enabled extension; CIDRs that do not overlap; …) live in `validate.ts`.
 */
import type {
  ObjectSchema,
  StringPattern,
  StringSchemaProps,
} from '../config/schema';
import { s } from '../config/dsl';
import { DNS_PROVIDER_TYPES, GARDENER_CHARTS, GARDENER_DEFAULTS } from './defaults';


/** An IPv4 CIDR. */
export const CIDR_PATTERN: StringPattern = {
  regex: '^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}/(3[0-2]|[12]?[0-9])$',
  wrong: 'is not an IPv4 CIDR',
  fix: 'e.g. 10.250.0.0/16',
};

const TIME_PATTERN: StringPattern = {
  regex: '^([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9][+-][0-9]{4}$',
  wrong: 'is not a time of day in Gardener\'s HHMMSS±ZZZZ format',
  fix: 'e.g. 220000+0100',
};

const cidr = (description: string, example: string, extra: Partial<StringSchemaProps> = {}) =>
  s.string({ description, pattern: { ...CIDR_PATTERN, fix: `e.g. ${example}` }, example, ...extra });

/** A credential Secret: an existing one by name, or a SOPS file under `secrets/`. */
function credentials(description: string, namespace: string, required: string): ObjectSchema {
  return s.object(
    {
      secretName: s.string({
        description: `Name of an existing Secret in namespace \`${namespace}\`, created out of band. Excludes \`sopsFile\`.`,
        format: 'dns-name',
        example: 'my-secret',
        defaultDoc: '- none',
      }),
      sopsFile: s.string({
        description: `A SOPS-encrypted Secret manifest \`secrets/${namespace}/<name>.sops.yaml\` (relative to the config file), copied byte for byte. Excludes \`secretName\`.`,
        format: 'path',
        example: `secrets/${namespace}/my-secret.sops.yaml`,
        defaultDoc: '- none',
      }),
    },
    {
      description: `${description} Exactly one of \`secretName\` and \`sopsFile\`; the values never appear in the config.`,
      required,
      rules: [{ kind: 'exclusive', keys: ['secretName', 'sopsFile'], hint: 'reference an existing Secret or a SOPS file, not both' }],
    },
  );
}

function chart(component: 'cert-manager' | 'cert-management' | 'external-dns-management' | 'ingress-nginx', description: string): ObjectSchema {
  const d = GARDENER_CHARTS[component];
  return s.object(
    {
      repository: s.string({
        description: 'Chart repository: `https://…` (index) or `oci://…` (OCI registry prefix).',
        format: 'url',
        schemes: ['https', 'http', 'oci'],
        example: d.repository,
        default: d.repository,
      }),
      chart: s.string({ description: 'Chart name in the repository.', format: 'dns-name', example: d.chart, default: d.chart }),
      version: s.string({ description: 'Exact chart version.', format: 'version', leadingV: true, example: d.version, default: d.version }),
    },
    { description },
  );
}

const DOMAIN = 'garden.example.com';
const from = (prefix: string, key: string) => (parent: Readonly<Record<string, unknown>>) =>
  typeof parent[key] === 'string' && parent[key] !== '' ? `${prefix}.${parent[key] as string}` : undefined;

const values = (component: string) => s.open({ description: `Values deep-merged into the synthesized \`${component}-base-values\`.`, default: {} });

/** The `gardener:` section. */
export const GARDENER_SCHEMA: ObjectSchema = s.object(
  {
    enabled: s.boolean({ description: 'Emit the Gardener landscape tree.', default: true }),
    mode: s.string({
      description: 'Which module builds the gardener stage: `operator` (gardener-operator, `Garden`, `Gardenlet`).',
      enum: ['operator'],
      default: GARDENER_DEFAULTS.mode,
    }),
    name: s.string({
      description: 'Landscape name: the name of the `Garden` object.',
      format: 'dns-label',
      example: 'my-landscape',
      required: 'required: the landscape name, e.g. my-landscape',
    }),
    clusterIdentity: s.string({
      description: 'Gardener cluster identity (`Garden` `.spec.virtualCluster.gardener.clusterIdentity`); also the external-dns identifier prefix.',
      format: 'dns-name',
      example: 'my-landscape',
      defaultDoc: '<name>',
      computeDefault: (g) => (typeof g.name === 'string' && g.name !== '' ? g.name : undefined),
    }),
    domains: s.object(
      {
        base: s.string({ description: 'Base domain of the landscape.', format: 'dns-name', example: DOMAIN, required: `required: the landscape's base domain, e.g. ${DOMAIN}` }),
        api: s.string({
          description: 'Virtual garden API host; must start with `api.` (gardener-operator serves `api.<domain>` and `gardener.<domain>`).',
          format: 'dns-name',
          example: `api.${DOMAIN}`,
          defaultDoc: 'api.<base>',
          computeDefault: from('api', 'base'),
        }),
        ingress: s.string({
          description: 'Ingress domain of the runtime (base) cluster (`Garden` `.spec.runtimeCluster.ingress.domains[0]`).',
          format: 'dns-name',
          example: `ingress.${DOMAIN}`,
          defaultDoc: 'ingress.<base>',
          computeDefault: from('ingress', 'base'),
        }),
        dashboard: s.string({
          description: 'Host of the Gardener dashboard.',
          format: 'dns-name',
          example: `dashboard.ingress.${DOMAIN}`,
          defaultDoc: 'dashboard.<ingress>',
          computeDefault: from('dashboard', 'ingress'),
        }),
        seedIngress: s.string({
          description: 'Ingress domain of the first seed (the base cluster as seed).',
          format: 'dns-name',
          example: `seed.${DOMAIN}`,
          defaultDoc: 'seed.<base>',
          computeDefault: from('seed', 'base'),
        }),
      },
      { description: 'DNS names of the landscape.', required: 'required: at least domains.base' },
    ),
    dns: s.object(
      {
        provider: s.string({
          description: 'DNS provider type of the DNSProvider and of the `Garden` DNS provider.',
          enum: DNS_PROVIDER_TYPES,
          required: 'required: the DNS provider type, e.g. aws-route53',
        }),
        credentials: credentials('The DNS provider credentials.', 'garden', 'required: secretName (an existing Secret) or sopsFile'),
        zones: s.array(s.string({ description: 'A hosted zone id.' }), { description: 'Hosted zones the DNSProvider may use; empty means all.', default: [], unique: true }),
      },
      { description: 'DNS provider of the landscape (external-dns-management and gardener-operator).', required: 'required: provider and credentials' },
    ),
    issuer: s.object(
      {
        acme: s.object(
          {
            email: s.string({ description: 'ACME account e-mail.', format: 'email', example: 'ops@example.com', required: 'required: the ACME account e-mail' }),
            server: s.string({ description: 'ACME directory URL.', format: 'url', schemes: ['https'], default: GARDENER_DEFAULTS.acmeServer }),
            externalAccountBinding: s.object(
              {
                keyID: s.string({ description: "The CA's key id.", required: 'required: the key id the CA gave you' }),
                keySecret: credentials('Secret with the MAC key (data key `hmacKey`).', 'garden', 'required: secretName or sopsFile'),
              },
              { description: 'External account binding (ZeroSSL, step-ca, …).', optional: true, defaultDoc: '- none' },
            ),
          },
          { description: 'ACME issuer (`cert.gardener.cloud/v1alpha1` Issuer `default-issuer`).', required: 'required: at least acme.email' },
        ),
      },
      { description: 'Certificate issuer of the landscape (cert-management).', required: 'required: issuer.acme.email' },
    ),
    baseCluster: s.object(
      {
        provider: s.string({
          description: 'Infrastructure provider type of the base cluster (the first seed), e.g. `aws`.',
          format: 'dns-label',
          example: 'aws',
          required: 'required: the provider type, e.g. aws',
        }),
        region: s.string({ description: 'Region of the base cluster.', example: 'eu-central-1', required: 'required: the region, e.g. eu-central-1' }),
        zones: s.array(s.string({ description: 'An availability zone.' }), { description: 'Availability zones of the base cluster.', default: [], unique: true }),
        networks: s.object(
          {
            nodes: cidr('Node CIDR of the base cluster.', '10.250.0.0/16', { defaultDoc: '- none' }),
            pods: cidr('Pod CIDR of the base cluster.', '100.96.0.0/11', { required: 'required: the pod CIDR, e.g. 100.96.0.0/11' }),
            services: cidr('Service CIDR of the base cluster.', '100.64.0.0/13', { required: 'required: the service CIDR, e.g. 100.64.0.0/13' }),
          },
          { description: 'Networks of the base cluster (they must not overlap).', required: 'required: pods and services' },
        ),
        hasVerticalPodAutoscaler: s.boolean({
          description: 'The base cluster already runs a VPA: gardener-operator then deploys none, and external-dns-management gets a VPA object.',
          default: false,
        }),
      },
      { description: 'The base cluster: Gardener runtime cluster and first seed.', required: 'required: provider, region and networks' },
    ),
    virtualGarden: s.object(
      {
        kubernetesVersion: s.string({
          description: 'Kubernetes version of the virtual garden.',
          format: 'version',
          example: GARDENER_DEFAULTS.kubernetesVersion,
          default: GARDENER_DEFAULTS.kubernetesVersion,
        }),
        servicesCidr: cidr('Service CIDR of the virtual garden.', GARDENER_DEFAULTS.virtualServicesCidr, { default: GARDENER_DEFAULTS.virtualServicesCidr }),
        maintenance: s.object(
          {
            begin: s.string({ description: 'Start of the maintenance window.', pattern: TIME_PATTERN, default: GARDENER_DEFAULTS.maintenanceBegin }),
            end: s.string({ description: 'End of the maintenance window.', pattern: TIME_PATTERN, default: GARDENER_DEFAULTS.maintenanceEnd }),
          },
          { description: 'Maintenance time window of the virtual garden.' },
        ),
        highAvailability: s.boolean({ description: 'Highly available virtual garden control plane (and 2 gardenlet/operator replicas).', default: false }),
        dashboard: s.boolean({ description: 'Deploy the Gardener dashboard.', default: true }),
        kubeconfigSecret: s.string({
          description:
            'Secret in the Flux namespace (key `kubeconfig`) with a kubeconfig for the virtual garden; the stage that applies the Gardenlet uses it. Committed as `secrets/<flux namespace>/<name>.sops.yaml`, or created out of band (docs/gardener.md).',
          format: 'dns-name',
          example: GARDENER_DEFAULTS.kubeconfigSecret,
          default: GARDENER_DEFAULTS.kubeconfigSecret,
        }),
      },
      { description: 'The virtual garden (gardener-operator `Garden`).' },
    ),
    seed: s.object(
      {
        name: s.string({ description: 'Name of the first Seed and of its Gardenlet.', format: 'dns-label', example: 'initial-seed', default: GARDENER_DEFAULTS.seedName }),
        shootDefaults: s.object(
          {
            pods: cidr('Default pod CIDR of shoots.', '100.128.0.0/11', { required: 'required: a pod CIDR, e.g. 100.128.0.0/11' }),
            services: cidr('Default service CIDR of shoots.', '100.72.0.0/13', { required: 'required: a service CIDR, e.g. 100.72.0.0/13' }),
          },
          { description: 'Default networks of shoots scheduled to this seed.', optional: true, defaultDoc: '- none' },
        ),
        schedulingVisible: s.boolean({ description: 'The scheduler may place shoots on this seed.', default: true }),
      },
      { description: 'The first seed: the base cluster, registered by a `Gardenlet`.' },
    ),
    extensions: s.map(
      s.object(
        {
          enabled: s.boolean({ description: 'Deploy the extension (an `Extension` object).', default: true }),
          version: s.string({ description: 'Chart version (OCI tag).', format: 'version', leadingV: true, example: 'v1.74.0', required: 'required: the chart version, e.g. v1.74.0' }),
          repository: s.string({
            description: 'OCI repository of the extension chart, without tag.',
            format: 'url',
            schemes: ['oci'],
            defaultDoc: '<charts.extensions.repository>/<name>',
          }),
          admission: s.boolean({ description: 'Deploy the admission charts (`<prefix>-runtime`, `<prefix>-application`).', defaultDoc: '- built in per known extension' }),
          resources: s.array(
            s.object(
              {
                kind: s.string({ description: 'Resource kind, e.g. `DNSRecord`.', required: 'required: the kind, e.g. DNSRecord' }),
                type: s.string({ description: 'Resource type, e.g. `aws-route53`.', required: 'required: the type, e.g. aws-route53' }),
                autoEnable: s.array(s.string({ description: 'A cluster type.', enum: ['shoot', 'seed', 'garden'] }), { description: 'Cluster types it is enabled for automatically.' }),
                clusterCompatibility: s.array(s.string({ description: 'A cluster type.', enum: ['shoot', 'seed', 'garden'] }), { description: 'Cluster types it supports.' }),
              },
              { description: 'A resource the extension serves.' },
            ),
            { description: 'Resources the extension serves (`Extension` `.spec.resources`).', defaultDoc: '- built in for known extensions, required for others' },
          ),
          values: s.open({ description: 'Values of the ControllerDeployment in the virtual garden.', default: {} }),
          runtimeClusterValues: s.open({
            description: 'Values of the deployment in the runtime cluster. Set to {} automatically for the extensions serving the DNS type and the backup provider.',
            defaultDoc: '- none',
          }),
        },
        { description: 'An extension.' },
      ),
      {
        description: 'Extensions to enable, by name (e.g. provider-aws, networking-calico, os-gardenlinux), with pinned versions.',
        key: s.string({ description: 'Extension name.', format: 'dns-label', example: 'provider-aws' }),
        keyName: '<name>',
        entryWhat: 'extension',
        defaultDoc: '{}',
      },
    ),
    charts: s.object(
      {
        'cert-manager': chart('cert-manager', 'cert-manager (used only without the Kommander tree, whose cert-manager is shared otherwise).'),
        'cert-management': chart('cert-management', 'Gardener cert-management (cert.gardener.cloud).'),
        'external-dns-management': chart('external-dns-management', 'Gardener external-dns-management (dns.gardener.cloud).'),
        'ingress-nginx': chart('ingress-nginx', 'ingress-nginx.'),
        gardener: s.object(
          {
            repository: s.string({
              description: 'OCI prefix of the Gardener release charts (`operator`, `gardenlet`).',
              format: 'url',
              schemes: ['oci'],
              default: GARDENER_CHARTS.gardener.repository,
            }),
            version: s.string({
              description: 'Gardener release: version of gardener-operator and of the gardenlet.',
              format: 'version',
              leadingV: true,
              example: GARDENER_CHARTS.gardener.version,
              default: GARDENER_CHARTS.gardener.version,
            }),
          },
          { description: 'The Gardener release.' },
        ),
        extensions: s.object(
          {
            repository: s.string({
              description: 'OCI prefix of the extension charts.',
              format: 'url',
              schemes: ['oci'],
              default: GARDENER_CHARTS.extensions.repository,
            }),
          },
          { description: 'Extension chart registry.' },
        ),
      },
      { description: 'Chart sources and pinned versions.' },
    ),
    backups: s.object(
      {
        provider: s.string({ description: 'Backup provider (a BackupBucket type of an enabled extension), e.g. `aws`.', format: 'dns-label', required: 'required: e.g. aws' }),
        region: s.string({ description: 'Region of the bucket.', required: 'required: e.g. eu-central-1' }),
        bucketName: s.string({ description: 'Bucket name.', format: 'dns-name', defaultDoc: '- managed by gardener-operator' }),
        credentials: credentials('Object store credentials.', 'garden', 'required: secretName or sopsFile'),
      },
      { description: 'Backups of the virtual garden etcd and of the seed.', optional: true, defaultDoc: '- none' },
    ),
    values: s.object(
      {
        'cert-manager': values('cert-manager'),
        'cert-management': values('cert-management'),
        'external-dns-management': values('external-dns-management'),
        'ingress-nginx': values('ingress-nginx'),
        'gardener-operator': values('gardener-operator'),
      },
      { description: 'Per-component values merged into the synthesized base values (reviewable in Git).' },
    ),
  },
  { description: 'The 23KE-style Gardener landscape (configuration, pre-gardener and gardener stages).', optional: true, defaultDoc: '- none' },
);
