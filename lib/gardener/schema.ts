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
import { DNS_PROVIDER_TYPES, GARDENER_DEFAULTS } from './defaults';


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
    componentVector: s.string({
      description:
        'A gardener-landscape-kit component vector (`components.yaml`, relative to the config file): the released version set every Gardener version and chart reference of the tree comes from (the operator, the gardenlet, each extension, cert-management, external-dns-management). Its github.com/gardener/gardener must be a v1.146.x release (the API this tool models).',
      format: 'path',
      example: '../shared/gardener/component-vectors/glk-v0.3.0.yaml',
      defaultDoc: 'built in: the versions of gardener-landscape-kit v0.3.0 (gardener v1.146.4, provider-aws v1.72.0, …) plus cert-management v0.27.0, external-dns-management v0.43.0',
    }),
    name: s.string({
      description: 'Landscape name: the name of the `Garden` object.',
      format: 'dns-label',
      example: 'my-landscape',
      required: 'required: the landscape name, e.g. my-landscape',
    }),
    clusterIdentity: s.string({
      description: 'Gardener cluster identity (`Garden` `.spec.virtualCluster.gardener.clusterIdentity`, immutable once set).',
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
        internal: s.string({
          description: "Internal domain of the seed (`Seed` `.spec.dns.internal.domain`, required since Gardener v1.136): the shoots' internal API server records.",
          format: 'dns-name',
          example: `internal.${DOMAIN}`,
          defaultDoc: 'internal.<base>',
          computeDefault: from('internal', 'base'),
        }),
        shoots: s.string({
          description: 'Default domain of shoots (`Seed` `.spec.dns.defaults[0].domain`): a shoot without its own domain gets `<shoot>.<project>.<shoots>`.',
          format: 'dns-name',
          example: `shoot.${DOMAIN}`,
          defaultDoc: 'shoot.<base>',
          computeDefault: from('shoot', 'base'),
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
      {
        description:
          'Certificate issuer of the landscape (cert-management `Issuer` default-issuer). With it the tree installs cert-management and external-dns-management (for its DNS01 challenges) and requests the trusted wildcard certificate of the runtime ingress domain (Secret labelled `gardener.cloud/role: garden-cert`); without it the dashboard and ingresses use the operator\'s self-signed certificates.',
        optional: true,
        defaultDoc: '- none (self-signed)',
      },
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
        oidc: s.object(
          {
            issuerURL: s.string({ description: 'OIDC issuer URL.', format: 'url', schemes: ['https'], example: 'https://dex.example.com', required: 'required: the issuer URL, e.g. https://dex.example.com' }),
            clientID: s.string({ description: 'Client id of the virtual garden API server (the audience of the tokens) and of the dashboard.', example: 'gardener', required: 'required: the client id, e.g. gardener' }),
            usernameClaim: s.string({ description: 'Claim holding the user name.', default: 'email' }),
            groupsClaim: s.string({ description: 'Claim holding the groups.', default: 'groups' }),
            clientSecret: credentials('The dashboard client secret (data key `client_secret`).', 'garden', 'required: secretName or sopsFile'),
          },
          {
            description:
              'OpenID Connect for the virtual garden API server (structured authentication, ConfigMap `gardener-auth-config`) and the dashboard login (`gardenerDashboard.oidcConfig`).',
            optional: true,
            defaultDoc: '- none (dashboard token login only)',
          },
        ),
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
        protected: s.boolean({
          description: 'Taint the seed `seed.gardener.cloud/protected`: only shoots of the `garden` project may use it (the upstream setup guide\'s recommendation for the first seed once other seeds exist).',
          default: false,
        }),
      },
      { description: 'The first seed: the base cluster, registered by a `Gardenlet`.' },
    ),
    extensions: s.map(
      s.object(
        {
          enabled: s.boolean({ description: 'Deploy the extension (an `Extension` object).', default: true }),
          autoEnable: s.array(s.string({ description: 'A cluster type.', enum: ['shoot', 'seed', 'garden'] }), {
            description:
              "Cluster types the extension's `Extension`-kind resources are enabled for automatically (`resources[].autoEnable`); `[]` turns it off.",
            defaultDoc: "- the maintainers' example at the pinned version (e.g. [shoot] for shoot-dns-service and shoot-cert-service)",
          }),
          admission: s.boolean({ description: "Deploy the extension's admission charts (from the component vector).", defaultDoc: '- true when the vector pins them' }),
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
        description: 'Extensions to enable, by name (e.g. provider-aws, networking-calico, os-gardenlinux); version and chart references come from the component vector.',
        key: s.string({ description: 'Extension name.', format: 'dns-label', example: 'provider-aws' }),
        keyName: '<name>',
        entryWhat: 'extension',
        defaultDoc: '{}',
      },
    ),
    cloudProfiles: s.map(
      s.object(
        {
          type: s.string({ description: 'Provider type (served by an enabled provider extension), e.g. `aws`.', format: 'dns-label', example: 'aws', required: 'required: the provider type, e.g. aws' }),
          kubernetesVersions: s.array(s.string({ description: 'A Kubernetes version.', format: 'version', example: '1.33.0' }), {
            description: 'Kubernetes versions offered to shoots.',
            unique: true,
            required: 'required: e.g. [1.33.0]',
          }),
          machineImages: s.array(
            s.object(
              {
                name: s.string({ description: 'Image name (an operating system extension type), e.g. `gardenlinux`.', format: 'dns-label', required: 'required: e.g. gardenlinux' }),
                versions: s.array(s.string({ description: 'An image version.' }), { description: 'Offered versions.', unique: true, required: 'required: e.g. [1877.2.0]' }),
              },
              { description: 'A machine image.' },
            ),
            { description: 'Machine images offered to shoots.', required: 'required: at least one image' },
          ),
          machineTypes: s.array(
            s.object(
              {
                name: s.string({ description: 'Machine type, e.g. `m5.large`.', required: 'required: e.g. m5.large' }),
                cpu: s.string({ description: 'CPUs (a quantity).', example: '2', required: 'required: e.g. "2"' }),
                gpu: s.string({ description: 'GPUs (a quantity).', default: '0' }),
                memory: s.string({ description: 'Memory (a quantity).', example: '8Gi', required: 'required: e.g. 8Gi' }),
                usable: s.boolean({ description: 'Shoots may use it.', default: true }),
              },
              { description: 'A machine type.' },
            ),
            { description: 'Machine types offered to shoots.', required: 'required: at least one machine type' },
          ),
          regions: s.array(
            s.object(
              {
                name: s.string({ description: 'Region name.', required: 'required: e.g. eu-central-1' }),
                zones: s.array(s.string({ description: 'A zone.' }), { description: 'Zones of the region.', default: [], unique: true }),
              },
              { description: 'A region.' },
            ),
            { description: 'Regions offered to shoots.', required: 'required: at least one region' },
          ),
          providerConfig: s.open({ description: "The provider's CloudProfileConfig (e.g. the AMIs of each machine image version for aws).", defaultDoc: '- none' }),
        },
        { description: 'A CloudProfile.' },
      ),
      {
        description: 'CloudProfiles applied into the virtual garden, by name (at least one per provider extension that serves shoots).',
        key: s.string({ description: 'CloudProfile name.', format: 'dns-label', example: 'aws' }),
        keyName: '<name>',
        entryWhat: 'CloudProfile',
        defaultDoc: '{}',
      },
    ),
    projects: s.map(
      s.object(
        {
          namespace: s.string({ description: 'Namespace of the project in the virtual garden.', format: 'dns-label', defaultDoc: 'garden-<name>' }),
          description: s.string({ description: 'Project description.', defaultDoc: '- none' }),
          owner: s.string({ description: 'Owner (a user name).', defaultDoc: '- the creator (the Flux service account)' }),
          members: s.array(
            s.object(
              {
                kind: s.string({ description: 'Subject kind.', enum: ['User', 'Group'], default: 'User' }),
                name: s.string({ description: 'Subject name.', required: 'required: e.g. alice@example.com' }),
                role: s.string({ description: 'Project role.', enum: ['admin', 'viewer', 'uam', 'serviceaccountmanager'], default: 'admin' }),
              },
              { description: 'A project member.' },
            ),
            { description: 'Project members.', default: [] },
          ),
        },
        { description: 'A Project.' },
      ),
      {
        description: 'Projects applied into the virtual garden, by name (at least one).',
        key: s.string({ description: 'Project name (at most 10 characters).', format: 'dns-label', example: 'dev' }),
        keyName: '<name>',
        entryWhat: 'Project',
        default: { garden: { namespace: 'garden', description: 'The landscape operators (seeds, CloudProfiles)', members: [] } },
        defaultDoc: '{garden: {namespace: garden}}',
      },
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
        'cert-management': values('cert-management'),
        'external-dns-management': values('external-dns-management'),
        'gardener-operator': values('gardener-operator'),
      },
      { description: 'Per-component values merged into the synthesized base values (reviewable in Git).' },
    ),
  },
  { description: 'The 23KE-style Gardener landscape (configuration, pre-gardener and gardener stages).', optional: true, defaultDoc: '- none' },
);
