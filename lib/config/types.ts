/**
 * The typed platform configuration (`platform.yaml`), after defaults are applied.
 *
 * GENERATED from the schema (`lib/config/schema.ts`) by `npm run docs` (lib/config/typegen.ts);
 * do not edit: change the schema and regenerate. `test/config-types.test.ts` fails when this file
 * is stale. The loader (`loadConfig`) validates the raw YAML, reports every problem at once with
 * its path, and returns this fully defaulted, read-only structure.
 */

/** Helm values: a free-form map. */
export type HelmValues = { readonly [key: string]: unknown };

/** Where the management repository lives and how Flux reads it. */
export interface GitConfig {
  /**
   * Clone URL of the root repository Flux bootstraps from (yours, outside the cluster). The in-cluster management repository is created from it; it must not be that repository.
   */
  readonly url: string;
  /**
   * Branch Flux follows.
   * @default main
   */
  readonly branch: string;
  /**
   * Secret (namespace `kommander-flux`) with the root repository's credentials (`username`/`password`/`caFile`, or `identity`/`known_hosts` for SSH); never `kommander-git-credentials`, the management repository's.
   * @default root-git-credentials
   */
  readonly credentialsSecret: string;
  /**
   * How often Flux polls the repository.
   * @default 1m
   */
  readonly interval: string;
}

/**
 * `bootstrap`: Flux is installed by `flux bootstrap` (at the release's Flux version) and the tree adopts its sync objects. `manifest`: the release's own Flux manifests (`kommander-flux`, with Kommander's patches) become a stage, applied once and adopted by AppDeployment `kommander-flux`.
 */
export type FluxMode = 'bootstrap' | 'manifest';

/** How Flux is installed and how the stage Kustomizations reconcile. */
export interface FluxConfig {
  /**
   * `bootstrap`: Flux is installed by `flux bootstrap` (at the release's Flux version) and the tree adopts its sync objects. `manifest`: the release's own Flux manifests (`kommander-flux`, with Kommander's patches) become a stage, applied once and adopted by AppDeployment `kommander-flux`.
   * @default bootstrap
   */
  readonly mode: FluxMode;
  /**
   * Flux version for BOOTSTRAP.md without the Kommander tree; with it, the release's (`kommander-flux/<version>`) wins.
   * @default 2.9.4
   */
  readonly version: string;
  /**
   * Reconcile interval of the stage Kustomizations.
   * @default 10m
   */
  readonly interval: string;
  /**
   * Retry interval of failed stage Kustomizations.
   * @default 1m
   */
  readonly retryInterval: string;
  /**
   * Timeout of a stage's apply and health checks.
   * @default 10m
   */
  readonly timeout: string;
}

/** SOPS encryption of committed Secrets. */
export interface SopsConfig {
  /**
   * age recipients (public keys, `age1…`) that every committed Secret is encrypted to.
   * @default []
   */
  readonly ageRecipients: readonly string[];
  /**
   * Secret with the age identity, in every namespace whose Kustomizations decrypt.
   * @default sops-age
   */
  readonly secretName: string;
  /**
   * Key of the identity in that Secret (Flux reads keys ending in `.agekey`).
   * @default age.agekey
   */
  readonly secretKey: string;
}

/**
 * ACME ClusterIssuer `kommander-acme-issuer` for the ingress certificate. Excludes `ingressCertificate`.
 */
export interface AcmeConfig {
  /** ACME account email. */
  readonly email: string;
  /**
   * ACME directory URL.
   * @default https://acme-v02.api.letsencrypt.org/directory
   */
  readonly server: string;
  /**
   * Ingress class of the HTTP01 solver.
   * @default kommander-traefik
   */
  readonly ingressClass: string;
}

/**
 * Custom ingress certificate by Secret reference. Excludes `acme`; without either, the self-signed `kommander-ca` issues it.
 */
export interface IngressCertificateConfig {
  /** Name of the `kubernetes.io/tls` Secret in namespace `kommander`. */
  readonly secretName: string;
}

/** Air-gapped installation. */
export interface AirgappedConfig {
  /**
   * Air-gapped installation: charts come from `helmMirror`.
   * @default false
   */
  readonly enabled: boolean;
  /**
   * Helm chart mirror; flows into `kommander-vars.helmMirrorURL` and so into every HelmRepository of the release's `common/helm-repositories` (v2.8.3; v2.17.1 has OCI charts and flux-oci-mirror instead).
   * @default - required when `enabled` is true
   */
  readonly helmMirror?: string;
}

/**
 * The in-cluster Gitea of the release's Gitea era (v2.8.3): admin Secret and management repository.
 */
export interface GiteaConfig {
  /**
   * Deploy Gitea. Releases of the Gitea era (v2.8.3) need it: synth refuses false there; later releases have git-operator.
   * @default true
   */
  readonly enabled: boolean;
  /**
   * Existing Secret (namespace `kommander`) with keys `username` and `password`.
   * @default gitea-admin-credentials
   */
  readonly adminSecret: string;
  /**
   * The management GitRepository (`kommander-flux/management`) is Gitea's repository. Requires `enabled`; the Gitea era needs it (synth refuses false there).
   * @default true (false when `enabled` is false)
   */
  readonly hostsManagementRepository: boolean;
  /**
   * `<owner>/<repo>` of the management repository inside Gitea.
   * @default kommander/kommander
   */
  readonly repository: string;
  /**
   * Not supported by v2.8.3 (its Gitea HelmRelease reads only the release's defaults; synth refuses values).
   * @default {}
   */
  readonly values: HelmValues;
}

/** An app of the release. `null` means enabled with defaults (as in the Kommander installer). */
export interface AppConfig {
  /**
   * Deploy the app (an AppDeployment). The apps the installer steps of the release deploy (gatekeeper, kommander, …) cannot be disabled: synth says so.
   * @default true
   */
  readonly enabled: boolean;
  /**
   * App version: the ClusterApp is `<id>-<version>`; it must be a version the release (`applicationDefinitions`) ships.
   * @default - the release's version of the app
   */
  readonly version?: string;
  /**
   * Helm values for the `configOverrides` ConfigMap (key `values.yaml`).
   * @default {}
   */
  readonly values: HelmValues;
  /**
   * `ClusterApp` (catalog-wide) or `App` (namespaced).
   * @default ClusterApp
   */
  readonly kind: 'ClusterApp' | 'App';
  /**
   * Names of the clusters (label `kommander.d2iq.io/cluster-name`) to deploy to; empty means all.
   * @default []
   */
  readonly clusters: readonly string[];
}

/** A catalog Git repository. */
export interface CatalogRepositoryConfig {
  /** GitRepository name (namespace `kommander`). */
  readonly name: string;
  /** Clone URL. */
  readonly url: string;
  /**
   * Branch to track. Excludes `tag`.
   * @default main (none when `tag` is set)
   */
  readonly branch?: string;
  /**
   * Tag to pin. Excludes `branch`.
   * @default - none
   */
  readonly tag?: string;
  /**
   * `dkp` (certified) or `catalog` (custom).
   * @default catalog
   */
  readonly type: 'dkp' | 'catalog';
  /**
   * Propagate to every workspace.
   * @default true
   */
  readonly workspaceDefault: boolean;
  /**
   * Propagate to every project.
   * @default false
   */
  readonly projectDefault: boolean;
  /**
   * How often Flux polls the repository.
   * @default 1h
   */
  readonly interval: string;
}

/** App catalogs (Kommander `catalog.repositories`). */
export interface CatalogConfig {
  /**
   * Catalog Git repositories.
   * @default []
   */
  readonly repositories: readonly CatalogRepositoryConfig[];
}

/** An upstream Helm repository. */
export interface HelmRepositoryConfig {
  /** HelmRepository name (namespace `kommander-flux`). */
  readonly name: string;
  /** Upstream URL; the object's URL is `${helmMirrorURL:=<url>}`. */
  readonly url: string;
}

/** The Kommander management tree. */
export interface KommanderConfig {
  /**
   * Emit the Kommander tree.
   * @default true
   */
  readonly enabled: boolean;
  /**
   * Values for `kommander-vars` / `substitution-vars` (the `${var}`s the release consumes), over the computed ones.
   * @default {}
   */
  readonly variables: { readonly [variable: string]: string };
}

/**
 * Declarations for `npm run check` beyond those the config implies (bootstrap Secrets, referenced Secrets).
 */
export interface CheckConfig {
  /**
   * Objects that exist outside the tree; references to them are not errors in `npm run check`.
   * @default []
   */
  readonly external: readonly string[];
  /**
   * API groups whose CRDs are pre-installed.
   * @default []
   */
  readonly externalCrds: readonly string[];
}

/** Platform configuration (platform.yaml) of the management cluster synthesizer. */
export interface PlatformConfig {
  /**
   * Absolute path of the directory holding the config file. Paths in the config
   * (`flux.installManifest`, `applicationDefinitions`) are kept as the user wrote them;
   * consumers resolve them with `path.resolve(baseDir, p)`.
   */
  readonly baseDir: string;
  /**
   * Management cluster name; the root folder is `clusters/<name>`.
   * @default management
   */
  readonly clusterName: string;
  /** Cluster host name: the custom domain of the self-attached KommanderCluster. */
  readonly clusterHostname: string;
  /** Where the management repository lives and how Flux reads it. */
  readonly git: GitConfig;
  /** How Flux is installed and how the stage Kustomizations reconcile. */
  readonly flux: FluxConfig;
  /** SOPS encryption of committed Secrets. */
  readonly sops: SopsConfig;
  /**
   * ACME ClusterIssuer `kommander-acme-issuer` for the ingress certificate. Excludes `ingressCertificate`.
   * @default - none
   */
  readonly acme?: AcmeConfig;
  /**
   * Custom ingress certificate by Secret reference. Excludes `acme`; without either, the self-signed `kommander-ca` issues it.
   * @default - none (self-signed kommander-ca)
   */
  readonly ingressCertificate?: IngressCertificateConfig;
  /** Air-gapped installation. */
  readonly airgapped: AirgappedConfig;
  /**
   * The in-cluster Gitea of the release's Gitea era (v2.8.3): admin Secret and management repository.
   */
  readonly gitea: GiteaConfig;
  /**
   * The kommander-applications release tree (relative to the config file; what the installer's `--kommander-applications-repository` takes). Everything the release decides is read from it; it is copied into the tree root.
   * @default - none
   */
  readonly applicationDefinitions?: string;
  /**
   * Apps keyed by id (a DNS label): an app of the release. Versions default to the release's.
   * @default {} (the installer steps deploy the release's core apps; every other enabled id is an optional AppDeployment)
   */
  readonly apps: { readonly [id: string]: AppConfig };
  /** App catalogs (Kommander `catalog.repositories`). */
  readonly catalog: CatalogConfig;
  /**
   * Chart sources beyond the release's own (`common/helm-repositories`; a name of those is refused at synth).
   * @default []
   */
  readonly helmRepositories: readonly HelmRepositoryConfig[];
  /** The Kommander management tree. */
  readonly kommander: KommanderConfig;
  /**
   * The 23KE-style Gardener landscape (configuration, pre-gardener and gardener stages). Validated by `lib/gardener/schema.ts`; read it typed with `gardenerSection(config)` (lib/gardener/config.ts).
   * @default - none
   */
  readonly gardener?: unknown;
  /**
   * Declarations for `npm run check` beyond those the config implies (bootstrap Secrets, referenced Secrets).
   */
  readonly check: CheckConfig;
}
