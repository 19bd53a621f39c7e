/**
 * The typed platform configuration (`platform.yaml`), after defaults are applied.
 *
 * It is modelled on the Kommander installer configuration (`apps.<id>: {enabled, version, values}`,
 * `acme`, `ingressCertificate`, `airgapped`, `catalog.repositories[]`, the age recipients, …).
 * The loader (`loadConfig`) validates the raw YAML, reports every problem at once with its path,
 * and returns this fully defaulted, read-only structure: constructs never see an optional field
 * whose default they would have to guess.
 *
 * Every key, its type and its default is described in `lib/config/schema.ts`, which is the single
 * source for the validator, the published JSON Schema (`platform.schema.json`) and the README's
 * config reference.
 */

/** Helm values: a free-form map. */
export type HelmValues = { readonly [key: string]: unknown };

/** Where the management repository lives and how Flux reads it. */
export interface GitConfig {
  /**
   * Clone URL of the root repository Flux bootstraps from (`https://`, `http://` or `ssh://`):
   * yours, outside the cluster; never the in-cluster management repository the tree deploys.
   */
  readonly url: string;
  /** @default main */
  readonly branch: string;
  /**
   * Name of the Secret (namespace `kommander-flux`) with the Git credentials
   * (`username`/`password`/`caFile`, or `identity`/`known_hosts` for SSH).
   * Never `kommander-git-credentials`: that is the in-cluster management repository's own Secret.
   * @default root-git-credentials
   */
  readonly credentialsSecret: string;
  /** How often Flux polls the repository. @default 1m */
  readonly interval: string;
}

export type FluxMode = 'bootstrap' | 'manifest';

export interface FluxConfig {
  /**
   * `bootstrap`: Flux is installed by `flux bootstrap` and the tree adopts its sync objects.
   * `manifest`: the release's own Flux manifests (`kommander-flux`) become a stage, applied once.
   * @default bootstrap
   */
  readonly mode: FluxMode;
  /** Flux version for BOOTSTRAP.md without the Kommander tree; with it, the release's wins. @default 2.9.4 */
  readonly version: string;
  /** Reconcile interval of the stage Kustomizations. @default 10m */
  readonly interval: string;
  /** Retry interval of failed stage Kustomizations. @default 1m */
  readonly retryInterval: string;
  /** Timeout of a stage's apply and health checks. @default 10m */
  readonly timeout: string;
}

/** An ACME ClusterIssuer for the ingress certificate (Kommander: `kommander-acme-issuer`). */
export interface AcmeConfig {
  readonly email: string;
  /** @default https://acme-v02.api.letsencrypt.org/directory */
  readonly server: string;
  /** Ingress class of the HTTP01 solver. @default kommander-traefik */
  readonly ingressClass: string;
}

/** A custom ingress certificate, by reference to an existing `kubernetes.io/tls` Secret. */
export interface IngressCertificateConfig {
  /** Name of the TLS Secret in namespace `kommander`. */
  readonly secretName: string;
}

export interface AirgappedConfig {
  /** @default false */
  readonly enabled: boolean;
  /**
   * Helm chart mirror; flows into `kommander-vars.helmMirrorURL` and so into every HelmRepository.
   * @default - none (required when `enabled` is true)
   */
  readonly helmMirror?: string;
}

export interface SopsConfig {
  /** age recipients (public keys, `age1…`) that every committed Secret is encrypted to. @default [] */
  readonly ageRecipients: readonly string[];
  /** Secret with the age identity, in every namespace whose Kustomizations decrypt. @default sops-age */
  readonly secretName: string;
  /** Key of the identity in that Secret (Flux reads any key ending in `.agekey`). @default age.agekey */
  readonly secretKey: string;
}

export interface GiteaConfig {
  /** @default true */
  readonly enabled: boolean;
  /** Existing Secret (namespace `kommander`) with keys `username` and `password`. @default gitea-admin-credentials */
  readonly adminSecret: string;
  /**
   * When true, the management GitRepository points at Gitea's in-cluster URL. Requires `enabled`.
   * @default true (false when `enabled` is false)
   */
  readonly hostsManagementRepository: boolean;
  /** `<owner>/<repo>` of the management repository inside Gitea. @default kommander/kommander */
  readonly repository: string;
  /** @default {} */
  readonly values: HelmValues;
}

/** A core chart the installer deploys itself (ChartMuseum, Gatekeeper, AppManagement, …). */
/**
 * A Kommander app (`apps.<id>`). The core apps (`cert-manager`, `chartmuseum`, `gatekeeper`,
 * `kommander-appmanagement`, `kommander`) have built-in versions and are deployed by the installer
 * stages, then adopted by AppDeployments; every other id is an optional app: one AppDeployment each.
 */
export interface AppConfig {
  /** @default true */
  readonly enabled: boolean;
  /**
   * The app version: the ClusterApp is `<id>-<version>`; one of the versions the release ships.
   * @default - the release's version of the app
   */
  readonly version?: string;
  /** Values for the `configOverrides` ConfigMap (key `values.yaml`). @default {} */
  readonly values: HelmValues;
  /** `ClusterApp` (catalog-wide) or `App` (namespaced). @default ClusterApp */
  readonly kind: 'ClusterApp' | 'App';
  /** Names of the clusters (label `kommander.d2iq.io/cluster-name`) to deploy to. @default [] (all) */
  readonly clusters: readonly string[];
}

export interface CatalogRepositoryConfig {
  /** GitRepository name (namespace `kommander`). */
  readonly name: string;
  readonly url: string;
  /** Branch to track. @default main */
  readonly branch?: string;
  /** Tag to pin; wins over `branch`. @default - none */
  readonly tag?: string;
  /** `dkp` (certified) or `catalog` (custom). @default catalog */
  readonly type: 'dkp' | 'catalog';
  /** Propagate to every workspace. @default true */
  readonly workspaceDefault: boolean;
  /** Propagate to every project. @default false */
  readonly projectDefault: boolean;
  /** @default 1h */
  readonly interval: string;
}

export interface CatalogConfig {
  /** @default [] */
  readonly repositories: readonly CatalogRepositoryConfig[];
}

/** An upstream Helm repository (step 5: one HelmRepository per chart source). */
export interface HelmRepositoryConfig {
  /** HelmRepository name (namespace `kommander-flux`). */
  readonly name: string;
  /** Upstream URL; the object's URL is `${helmMirrorURL:=<url>}`. */
  readonly url: string;
}

/** The Kommander management tree (Installation Part I and II). */
export interface KommanderConfig {
  /** Emit the Kommander tree. @default true */
  readonly enabled: boolean;
  /**
   * Values for `kommander-vars` / `substitution-vars`, over the computed ones.
   * @default {}
   */
  readonly variables: { readonly [name: string]: string };
}

/** Declarations for `npm run check` (objects and CRD groups that exist outside the tree). */
export interface CheckConfig {
  /** `Kind/namespace/name` references created outside the tree. @default [] */
  readonly external: readonly string[];
  /** API groups whose CRDs are pre-installed. @default [] */
  readonly externalCrds: readonly string[];
}

/** The validated, fully defaulted configuration. */
export interface PlatformConfig {
  /**
   * Absolute path of the directory holding the config file. Paths in the config
   * (`applicationDefinitions`) are kept as the user wrote them; consumers
   * resolve them with `path.resolve(baseDir, p)`.
   */
  readonly baseDir: string;
  /** Management cluster name; the root folder is `clusters/<name>`. @default management */
  readonly clusterName: string;
  readonly git: GitConfig;
  readonly flux: FluxConfig;
  readonly sops: SopsConfig;
  readonly kommander: KommanderConfig;
  /** Cluster host name: the custom domain of the self-attached KommanderCluster. */
  readonly clusterHostname: string;
  /**
   * A local kommander-applications-style directory copied verbatim into the tree root, as written in
   * the config (usually relative to it): resolve it with `path.resolve(baseDir, p)`. The loader has
   * checked that the directory exists.
   * @default - none: no application definitions are copied
   */
  readonly applicationDefinitions?: string;
  /** ACME ClusterIssuer `kommander-acme-issuer` for the ingress certificate. @default - none */
  readonly acme?: AcmeConfig;
  /** Custom ingress certificate by Secret reference. @default - none (self-signed kommander-ca) */
  readonly ingressCertificate?: IngressCertificateConfig;
  readonly airgapped: AirgappedConfig;
  readonly gitea: GiteaConfig;
  /** Apps keyed by id, core apps merged with their built-in defaults. */
  readonly apps: { readonly [id: string]: AppConfig };
  readonly catalog: CatalogConfig;
  /** Chart sources beyond the built-in ones. @default [] */
  readonly helmRepositories: readonly HelmRepositoryConfig[];
  /** Extra declarations for `npm run check`. */
  readonly check: CheckConfig;
  /**
   * The 23KE / Gardener landscape, validated by `lib/gardener/schema.ts`; read it typed with
   * `gardenerSection(config)` (lib/gardener/config.ts). @default - none
   */
  readonly gardener?: unknown;
}
