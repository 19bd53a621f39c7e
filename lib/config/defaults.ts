/**
 * Built-in facts the config defaults to: the core Kommander apps, their charts and the upstream
 * Helm repositories they come from. Versions are pinned so that a bump is a reviewable diff.
 */

/** Namespaces as Kommander has them. */
export const KOMMANDER_NAMESPACE = 'kommander';
/** Namespace of Flux and of every stage Kustomization (`kommander-flux`, as the installer names it). */
export const FLUX_NAMESPACE = 'kommander-flux';
/** cert-manager's own namespace, which is also its cluster resource namespace (`--cluster-resource-namespace` defaults to it). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

/** An upstream Helm repository; its HelmRepository URL is `${helmMirrorURL:=<url>}`. */
export interface BuiltinHelmRepository {
  readonly name: string;
  readonly url: string;
}

/** Chart sources of the core apps, named as in kommander-applications' common/helm-repositories. */
export const BUILTIN_HELM_REPOSITORIES: readonly BuiltinHelmRepository[] = [
  { name: 'charts.jetstack.io', url: 'https://charts.jetstack.io' },
  { name: 'chartmuseum.github.io-charts', url: 'https://chartmuseum.github.io/charts' },
  { name: 'open-policy-agent.github.io-charts', url: 'https://open-policy-agent.github.io/gatekeeper/charts/' },
  { name: 'dl.gitea.io-charts', url: 'https://dl.gitea.io/charts/' },
  { name: 'mesosphere.github.io-kommander-charts', url: 'https://mesosphere.github.io/kommander/charts' },
];

/** A core app: installed by an installer stage, later adopted by its AppDeployment. */
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
  gitCredentialsSecret: 'kommander-git-credentials',
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
