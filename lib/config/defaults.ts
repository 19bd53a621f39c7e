/**
 * Built-in facts the config defaults to. Nothing here is decided for a Kommander release: its app
 * versions, Flux, repositories and variables are read from the release tree (lib/kommander).
 */

/** Namespaces as Kommander has them. */
export const KOMMANDER_NAMESPACE = 'kommander';
/** Namespace of Flux and of every stage Kustomization (`kommander-flux`, as the installer names it). */
export const FLUX_NAMESPACE = 'kommander-flux';
/** cert-manager's own namespace, which is also its cluster resource namespace (`--cluster-resource-namespace` defaults to it). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
/**
 * The in-cluster management repository's credentials Secret (namespace `kommander-flux`; Kommander
 * values `kommanderGitCredentialsSecretName`): never the root repository's.
 */
export const MANAGEMENT_CREDENTIALS = 'kommander-git-credentials';
/** The CA the Root CA step creates (ClusterIssuer, Certificate and Secret `kommander-ca`). */
export const KOMMANDER_CA = 'kommander-ca';

/**
 * A chart the Gardener tree installs itself when there is no Kommander tree (cert-manager);
 * kept here for lib/gardener/defaults.ts. The Kommander tree never reads it.
 */
export interface CoreApp {
  /** App id (`apps.<id>` key, AppDeployment and HelmRelease name). */
  readonly id: string;
  /** Default app version (`<id>-<version>` is the ClusterApp). */
  readonly version: string;
  /** Chart name in `repository`. */
  readonly chart: string;
  /** Name of the HelmRepository (see BUILTIN_HELM_REPOSITORIES). */
  readonly repository: string;
  /** May `apps.<id>.enabled` be false? */
  readonly optional: boolean;
  /**
   * How the chart version follows from the app version: `app` (the same), `v-app` (jetstack's
   * `v` prefix) or `kommander` (the Kommander release, `kommander.version`).
   */
  readonly chartVersion: 'app' | 'v-app' | 'kommander';
}

export const CORE_APPS: readonly CoreApp[] = [
  { id: 'cert-manager', version: '1.21.1', chart: 'cert-manager', repository: 'charts.jetstack.io', optional: false, chartVersion: 'v-app' },
  { id: 'chartmuseum', version: '3.10.3', chart: 'chartmuseum', repository: 'chartmuseum.github.io-charts', optional: true, chartVersion: 'app' },
  { id: 'gatekeeper', version: '3.23.0', chart: 'gatekeeper', repository: 'open-policy-agent.github.io-charts', optional: false, chartVersion: 'app' },
  {
    id: 'kommander-appmanagement',
    version: '0.8.3',
    chart: 'kommander-appmanagement',
    repository: 'mesosphere.github.io-kommander-charts',
    optional: false,
    chartVersion: 'kommander',
  },
  { id: 'kommander', version: '0.8.3', chart: 'kommander', repository: 'mesosphere.github.io-kommander-charts', optional: false, chartVersion: 'kommander' },
];

export const DEFAULTS = {
  clusterName: 'management',
  gitBranch: 'main',
  gitCredentialsSecret: 'root-git-credentials',
  gitInterval: '1m',
  fluxMode: 'bootstrap',
  fluxVersion: '2.9.4',
  fluxInterval: '10m',
  fluxRetryInterval: '1m',
  fluxTimeout: '10m',
  sopsSecretName: 'sops-age',
  sopsSecretKey: 'age.agekey',
  acmeServer: 'https://acme-v02.api.letsencrypt.org/directory',
  acmeIngressClass: 'kommander-traefik',
  giteaVersion: '10.6.0',
  giteaAdminSecret: 'gitea-admin-credentials',
  giteaRepository: 'kommander/kommander',
  kommanderVersion: 'v2.8.3',
  catalogInterval: '1h',
  catalogBranch: 'main',
} as const;
