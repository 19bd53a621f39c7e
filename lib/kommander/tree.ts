import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Yaml } from 'cdk8s';
import { k8s } from '../k8s';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import * as kustomize from '../../imports/kustomize.toolkit.fluxcd.io';
import { ClusterIssuer, Certificate } from '../certmanager';
import {
  BUILTIN_HELM_REPOSITORIES,
  CERT_MANAGER_NAMESPACE,
  CORE_APPS,
  CoreApp,
  FLUX_NAMESPACE,
  KOMMANDER_NAMESPACE,
} from '../config/defaults';
import { AppConfig, HelmValues, PlatformConfig } from '../config/types';
import { HelmRelease } from '../flux/helm-release';
import { GitRepository, HelmRepository, ISource } from '../flux/sources';
import { Stage, StageProps } from '../flux/stage';
import { SecretStore, SopsSecret } from '../secrets/sops-secrets';
import { Folder, TreeFile } from '../tree/folder';
import { AppDeployment } from './app-deployment';

/** Name of the substitution ConfigMap (Kommander's `kommander-vars`). */
export const VARS_CONFIGMAP = 'kommander-vars';
/** The GitRepository Kommander's apps and ClusterApps read (`kommander-flux/management`). */
export const MANAGEMENT_REPOSITORY = 'management';
/** Label Kommander's catalog controller reads on catalog GitRepositories. */
export const CATALOG_LABELS = {
  type: 'kommander.d2iq.io/gitapps-gitrepository-type',
  workspace: 'kommander.d2iq.io/workspace-default-catalog-repository',
  project: 'kommander.d2iq.io/project-default-catalog-repository',
} as const;

/** Props of `KommanderTree`. */
export interface KommanderTreeProps {
  readonly config: PlatformConfig;
  /** The GitRepository the stage Kustomizations read (the root sync source). */
  readonly source: ISource;
  /** Encrypted Secrets available to the stages. */
  readonly secrets: SecretStore;
}

/** Deep merge of plain objects; `b` wins. Arrays are replaced, not merged. */
export function mergeValues(a: HelmValues, b: HelmValues): HelmValues {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev && v && typeof prev === 'object' && typeof v === 'object' && !Array.isArray(prev) && !Array.isArray(v)
        ? mergeValues(prev as HelmValues, v as HelmValues)
        : v;
  }
  return out;
}

/** In-cluster clone URL of a repository hosted by the Gitea release `gitea` in `kommander`. */
export function giteaRepositoryUrl(repository: string): string {
  return `http://gitea-http.${KOMMANDER_NAMESPACE}.svc.cluster.local:3000/${repository}.git`;
}

/** In-cluster URL of ChartMuseum: the installer's `helmRepositoryURL`. */
export const CHARTMUSEUM_URL = `http://chartmuseum.${KOMMANDER_NAMESPACE}.svc.cluster.local:8080`;

/** The Flux `install --export` manifest, moved into `kommander-flux`. */
export function fluxManifestObjects(text: string, file: string): any[] {
  const objects: any[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`flux.installManifest: ${file} is not valid YAML (${doc.errors[0].message.split('\n')[0]})`);
    const obj = doc.toJS();
    if (!obj) continue;
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      throw new Error(`flux.installManifest: ${file} contains a document without apiVersion/kind/metadata.name (use the output of 'flux install --export')`);
    }
    // The namespace is created by the base stage; the manifest's own Namespace would be a duplicate.
    if (obj.kind === 'Namespace') continue;
    if (obj.metadata.namespace) obj.metadata.namespace = FLUX_NAMESPACE;
    for (const s of obj.subjects ?? []) if (s.namespace) s.namespace = FLUX_NAMESPACE;
    if (obj.kind === 'CustomResourceDefinition' && obj.spec?.conversion?.webhook?.clientConfig?.service?.namespace) {
      obj.spec.conversion.webhook.clientConfig.service.namespace = FLUX_NAMESPACE;
    }
    objects.push(obj);
  }
  if (!objects.some((o) => o.kind === 'Deployment')) {
    throw new Error(`flux.installManifest: ${file} has no controller Deployments (use the output of 'flux install --export')`);
  }
  return objects;
}

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name === '.git') continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) {
      throw new Error(`applicationDefinitions: ${path.join(dir, r)} is a symbolic link (copy the target instead: the tree is copied verbatim)`);
    }
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/**
 * The Kommander management tree: every step of Kommander Installation Part I and Part II, as
 * Flux stages chained by `dependsOn` in the installer's order (see README "How Flux rolls it out").
 *
 * Create it inside the root Folder: the stage Kustomizations are written there.
 */
export class KommanderTree extends Construct {
  /** Stages by short id (`base`, `root-ca`, …), in creation order. */
  public readonly stages: { [id: string]: Stage } = {};
  /** The `management` GitRepository. */
  public readonly management: GitRepository;

  private readonly config: PlatformConfig;
  private readonly source: ISource;

  constructor(scope: Construct, id: string, props: KommanderTreeProps) {
    super(scope, id);
    this.config = props.config;
    this.source = props.source;
    const c = props.config;
    const apps = c.apps;
    const appEnabled = (appId: string) => apps[appId]?.enabled !== false;

    // 1. Base: namespaces.
    const base = this.stage('base', 'kommander-base', 'Base: namespaces kommander and kommander-flux (installer step Base)');
    for (const ns of [KOMMANDER_NAMESPACE, FLUX_NAMESPACE, CERT_MANAGER_NAMESPACE]) {
      new k8s.KubeNamespace(base.folder, `Namespace-${ns}`, {
        metadata: {
          name: ns,
          // Never delete a namespace (and everything in it) because a file moved.
          annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
          labels: { 'kubernetes.io/metadata.name': ns },
        },
      });
    }

    // 2. Flux: manifest mode applies `flux install --export`; bootstrap mode adopts the sync objects (root folder).
    let flux: Stage | undefined;
    if (c.flux.mode === 'manifest') {
      const file = path.resolve(c.baseDir, c.flux.installManifest!);
      flux = this.stage('flux', 'kommander-flux-controllers', 'Flux: the flux install manifest, self-managed (installer step Flux)', {
        dependsOn: [base],
        prune: false,
      });
      const objs = fluxManifestObjects(fs.readFileSync(file, 'utf8'), c.flux.installManifest!);
      for (const obj of objs) {
        obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };
        new ApiObject(flux.folder, `${obj.kind}-${obj.metadata.namespace ?? ''}-${obj.metadata.name}`, obj);
      }
    }

    // 3. Substitution variables (installer step Flux Configuration, first half): they must exist
    //    before any stage substitutes from them, so this stage runs right after Base.
    const vars = this.stage('vars', 'kommander-vars', 'Flux configuration: kommander-vars substitution variables', { dependsOn: [base] });
    const data = this.variables();
    for (const ns of [KOMMANDER_NAMESPACE, FLUX_NAMESPACE]) {
      new k8s.KubeConfigMap(vars.folder, `Vars-${ns}`, { metadata: { name: VARS_CONFIGMAP, namespace: ns }, data });
    }

    // 5. Helm repositories (placed before the first chart: every HelmRelease needs its source).
    const repos = this.stage('helm-repositories', 'kommander-helm-repositories', 'Helm repositories, URLs substituted from kommander-vars.helmMirrorURL', {
      dependsOn: [vars],
    });
    const helmRepos: { [name: string]: HelmRepository } = {};
    for (const r of [...BUILTIN_HELM_REPOSITORIES, ...c.helmRepositories]) {
      helmRepos[r.name] = new HelmRepository(repos.folder, `HelmRepository-${r.name}`, {
        name: r.name,
        namespace: FLUX_NAMESPACE,
        url: `\${helmMirrorURL:=${r.url}}`,
      });
    }
    const release = (stage: Stage, app: CoreApp, extra: Partial<{ values: HelmValues; targetNamespace: string }> = {}) =>
      new HelmRelease(stage.folder, `HelmRelease-${app.id}`, {
        name: app.id,
        namespace: KOMMANDER_NAMESPACE,
        chart: app.chart,
        version: this.chartVersion(app),
        source: helmRepos[app.repository],
        releaseName: app.id,
        targetNamespace: extra.targetNamespace,
        values: mergeValues(extra.values ?? {}, apps[app.id]?.values ?? {}),
      });
    const core = (appId: string) => CORE_APPS.find((a) => a.id === appId)!;

    // cert-manager: prerequisite of Root CA (its CRDs), installed as Kommander's bootstrap does.
    const certManager = this.stage('cert-manager', 'cert-manager', 'cert-manager, which installs the cert-manager.io CRDs', {
      dependsOn: [repos],
    });
    release(certManager, core('cert-manager'), { targetNamespace: CERT_MANAGER_NAMESPACE, values: { crds: { enabled: true } } });

    // 3. Root CA: self-signed ClusterIssuer -> CA Certificate -> CA ClusterIssuer.
    const rootCa = this.stage('root-ca', 'kommander-root-ca', 'Root CA: selfsigned-issuer, Certificate kommander-ca, ClusterIssuer kommander-ca (installer step Root CA)', {
      dependsOn: [certManager],
    });
    const selfSigned = new ClusterIssuer(rootCa.folder, 'SelfSignedIssuer', { name: 'selfsigned-issuer', issuer: { selfSigned: true } });
    // A CA ClusterIssuer reads its Secret from cert-manager's cluster resource namespace, which
    // defaults to cert-manager's own namespace: the CA Certificate (and so its Secret) lives there.
    const caCert = new Certificate(rootCa.folder, 'CaCertificate', {
      name: 'kommander-ca',
      namespace: CERT_MANAGER_NAMESPACE,
      secretName: 'kommander-ca',
      commonName: 'kommander-ca',
      isCA: true,
      duration: '87600h',
      issuer: selfSigned,
    });
    const caIssuer = new ClusterIssuer(rootCa.folder, 'CaIssuer', { name: 'kommander-ca', issuer: { ca: { secretName: caCert.secretName } } });
    rootCa.addHealthCheck(caCert.ref);

    // 4. ChartMuseum: HelmRelease + its in-cluster HelmRepository (the installer's helmRepositoryURL).
    let chartmuseum: Stage | undefined;
    if (appEnabled('chartmuseum')) {
      chartmuseum = this.stage('chartmuseum', 'chartmuseum', 'ChartMuseum and its HelmRepository (installer step ChartMuseum)', {
        dependsOn: [rootCa, repos],
      });
      release(chartmuseum, core('chartmuseum'), {
        values: { env: { open: { DISABLE_API: false, STORAGE: 'local' } }, persistence: { enabled: true } },
      });
      new HelmRepository(chartmuseum.folder, 'HelmRepository-chartmuseum', {
        name: 'chartmuseum',
        namespace: FLUX_NAMESPACE,
        url: CHARTMUSEUM_URL,
        interval: '1m',
      });
    }

    // 6. Ingress certificate: ACME ClusterIssuer, or a custom certificate by Secret reference, and
    //    the kommander chart values for the self-attached KommanderCluster's custom domain.
    const ingress = this.stage('ingress', 'kommander-ingress', 'Ingress certificate: issuer and KommanderCluster custom-domain values (installer step Ingress Certificate)', {
      dependsOn: [rootCa],
    });
    let ingressTls: HelmValues;
    if (c.acme) {
      const acme = new ClusterIssuer(ingress.folder, 'AcmeIssuer', {
        name: 'kommander-acme-issuer',
        issuer: {
          acme: {
            email: c.acme.email,
            server: c.acme.server,
            privateKeySecretName: 'kommander-acme-issuer-account',
            ingressClassName: c.acme.ingressClass,
          },
        },
      });
      ingressTls = { issuerRef: { name: acme.name, kind: 'ClusterIssuer' } };
    } else if (c.ingressCertificate) {
      ingressTls = { certificateSecretRef: { name: c.ingressCertificate.secretName } };
    } else {
      ingressTls = { issuerRef: { name: caIssuer.name, kind: 'ClusterIssuer' } };
    }
    const ingressValues = new k8s.KubeConfigMap(ingress.folder, 'KommanderIngressValues', {
      metadata: { name: 'kommander-ingress-values', namespace: KOMMANDER_NAMESPACE },
      data: { 'values.yaml': Yaml.stringify({ kommanderCluster: { ingress: { hostname: c.clusterHostname, ...ingressTls } } }) },
    });

    // 7. Gitea: admin credentials Secret (encrypted in Git, or an existing Secret) + HelmRelease.
    let gitea: Stage | undefined;
    if (c.gitea.enabled) {
      gitea = this.stage('gitea', 'gitea', 'Gitea: admin credentials and HelmRelease (installer step Gitea)', {
        dependsOn: [ingress, repos],
      });
      this.addSecret(props.secrets, gitea, KOMMANDER_NAMESPACE, c.gitea.adminSecret);
      new HelmRelease(gitea.folder, 'HelmRelease-gitea', {
        name: 'gitea',
        namespace: KOMMANDER_NAMESPACE,
        chart: 'gitea',
        version: c.gitea.version,
        source: helmRepos['dl.gitea.io-charts'],
        releaseName: 'gitea',
        // existingSecret: the password never appears in values.
        values: mergeValues({ gitea: { admin: { existingSecret: c.gitea.adminSecret } } }, c.gitea.values),
      });
    }

    // 8. Application definitions: a kommander-applications-style tree, copied verbatim.
    if (c.applicationDefinitions) {
      const dir = path.resolve(c.baseDir, c.applicationDefinitions);
      for (const rel of listFiles(dir)) {
        new TreeFile(this, `AppDefinition-${rel.replace(/\//g, "|")}`, { path: rel, content: fs.readFileSync(path.join(dir, rel)) });
      }
    }

    // 11. Flux configuration: the management GitRepository (+ the encrypted Git credentials).
    const fluxConfig = this.stage('flux-configuration', 'kommander-flux-configuration', 'Flux configuration: management GitRepository and Git credentials (installer step Flux Configuration)', {
      dependsOn: gitea ? [vars, gitea] : [vars],
    });
    this.addSecret(props.secrets, fluxConfig, FLUX_NAMESPACE, c.git.credentialsSecret);
    this.management = new GitRepository(fluxConfig.folder, 'ManagementRepository', {
      name: MANAGEMENT_REPOSITORY,
      namespace: FLUX_NAMESPACE,
      url: c.gitea.enabled && c.gitea.hostsManagementRepository ? giteaRepositoryUrl(c.gitea.repository) : c.git.url!,
      branch: c.git.branch,
      secretName: c.git.credentialsSecret,
      interval: c.git.interval,
    });

    // 9. Bootstrap repository: apps-kommander + the repository's folder structure.
    const bootstrapRepo = this.stage('bootstrap-repository', 'kommander-bootstrap-repository', 'Bootstrap repository: apps-kommander Kustomization (installer step Bootstrap Repository)', {
      dependsOn: [fluxConfig],
    });
    const hostApps = new Folder(this, 'HostClusterApps', { path: 'clusters/kommander_host-cluster/apps/kommander' });
    new kustomize.Kustomization(bootstrapRepo.folder, 'AppsKommander', {
      metadata: { name: 'apps-kommander', namespace: KOMMANDER_NAMESPACE },
      spec: {
        interval: '6h',
        retryInterval: '1m',
        timeout: '1m',
        path: `./${hostApps.path}`,
        prune: true,
        wait: true,
        sourceRef: { kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: MANAGEMENT_REPOSITORY, namespace: FLUX_NAMESPACE },
        postBuild: { substitute: { releaseNamespace: KOMMANDER_NAMESPACE, workspaceNamespace: KOMMANDER_NAMESPACE } },
      },
    });
    for (const dir of ['workspaces', 'projects']) {
      new TreeFile(this, `Readme-${dir}`, {
        path: `${dir}/README.md`,
        content: `# ${dir}\n\nOne directory per ${dir.slice(0, -1)}, each with a kustomization.yaml; Kommander's controllers fill it.\n`,
      });
    }

    // 12. Gatekeeper (adopted later by its AppDeployment).
    const gatekeeper = this.stage('gatekeeper', 'gatekeeper', 'Gatekeeper HelmRelease (installer step Gatekeeper)', {
      dependsOn: [fluxConfig, rootCa, repos],
    });
    release(gatekeeper, core('gatekeeper'));

    // 13. AppManagement: installs the apps.kommander.d2iq.io CRDs and controllers.
    const appManagement = this.stage('appmanagement', 'kommander-appmanagement', 'kommander-appmanagement HelmRelease (installer step AppManagement)', {
      dependsOn: [gatekeeper],
    });
    release(appManagement, core('kommander-appmanagement'), {
      values: { airgapped: { enabled: c.airgapped.enabled }, certificates: { issuer: { name: caIssuer.name, kind: 'ClusterIssuer' } } },
    });

    // 14. Core AppDeployments (they adopt the releases above). AppDeployment readiness is not
    //     known to be kstatus-compatible, so these stages do not wait on their objects.
    const coreDeployments = this.stage('core-appdeployments', 'kommander-core-appdeployments', 'Core AppDeployments: flux, appmanagement, chartmuseum, gatekeeper, cert-manager', {
      dependsOn: [appManagement],
      wait: false,
    });
    const coreIds = ['kommander-flux', 'kommander-appmanagement', 'chartmuseum', 'gatekeeper', 'cert-manager'];
    for (const appId of coreIds) {
      if (appId !== 'kommander-flux' && !appEnabled(appId)) continue;
      new AppDeployment(coreDeployments.folder, `AppDeployment-${appId}`, {
        name: appId,
        namespace: KOMMANDER_NAMESPACE,
        version: appId === 'kommander-flux' ? c.flux.version : apps[appId].version,
      });
    }

    // 15. Optional AppDeployments: one per enabled app.
    const optionalIds = Object.keys(apps)
      .filter((appId) => !CORE_APPS.some((a) => a.id === appId) && apps[appId].enabled)
      .sort();
    let optional: Stage | undefined;
    if (optionalIds.length) {
      optional = this.stage('appdeployments', 'kommander-appdeployments', 'Optional AppDeployments from the config (installer step Optional AppDeployments)', {
        dependsOn: [coreDeployments],
        wait: false,
      });
      for (const appId of optionalIds) this.appDeployment(optional, appId, apps[appId]);
    }

    // 16. Catalog repository loader.
    let catalogs: Stage | undefined;
    if (c.catalog.repositories.length) {
      catalogs = this.stage('catalogs', 'kommander-catalogs', 'Catalog GitRepositories, labelled for workspace/project propagation (installer step Catalog Repository Loader)', {
        dependsOn: [coreDeployments],
      });
      for (const r of c.catalog.repositories) {
        const labels: { [k: string]: string } = { [CATALOG_LABELS.type]: r.type };
        if (r.workspaceDefault) labels[CATALOG_LABELS.workspace] = 'true';
        if (r.projectDefault) labels[CATALOG_LABELS.project] = 'true';
        new GitRepository(catalogs.folder, `Catalog-${r.name}`, {
          name: r.name,
          namespace: KOMMANDER_NAMESPACE,
          url: r.url,
          branch: r.branch,
          tag: r.tag,
          interval: r.interval,
          labels,
        });
      }
    }

    // 17. Part II: the Kommander controller and charts.
    const kommander = this.stage('kommander', 'kommander', 'Kommander HelmRelease: controller and charts (Installation Part II)', {
      dependsOn: [coreDeployments, ingress, ...(optional ? [optional] : []), ...(catalogs ? [catalogs] : [])],
    });
    const kommanderApp = core('kommander');
    new HelmRelease(kommander.folder, 'HelmRelease-kommander', {
      name: 'kommander',
      namespace: KOMMANDER_NAMESPACE,
      chart: kommanderApp.chart,
      version: this.chartVersion(kommanderApp),
      source: helmRepos[kommanderApp.repository],
      releaseName: 'kommander',
      valuesFrom: [{ kind: 'ConfigMap', name: ingressValues.name, valuesKey: 'values.yaml' }],
      values: apps.kommander?.values ?? {},
    });

    // Remaining encrypted Secrets: a stage of their own.
    const rest = props.secrets.claimRemaining();
    if (rest.length) {
      const secrets = this.stage('secrets', 'kommander-secrets', 'Other SOPS-encrypted Secrets from secrets/', { dependsOn: [base] });
      for (const s of rest) new SopsSecret(secrets, `Secret-${s.namespace}-${s.name}`, { secret: s, stage: secrets, decryptionSecret: c.sops.secretName });
    }

    // Every stage that uses ${var} substitutes from kommander-vars, in its own namespace.
    for (const s of Object.values(this.stages)) {
      if (s !== base && s !== vars && s !== flux) s.substituteIfNeeded({ kind: 'ConfigMap', name: VARS_CONFIGMAP });
    }
  }

  private stage(id: string, name: string, description: string, extra: Partial<StageProps> = {}): Stage {
    const s = new Stage(this, `Stage-${id}`, {
      name,
      namespace: FLUX_NAMESPACE,
      path: `kommander/${id}`,
      source: this.source,
      interval: this.config.flux.interval,
      retryInterval: this.config.flux.retryInterval,
      timeout: this.config.flux.timeout,
      description,
      ...extra,
    });
    this.stages[id] = s;
    return s;
  }

  private chartVersion(app: CoreApp): string {
    const v = this.config.apps[app.id]?.version ?? app.version;
    if (app.chartVersion === 'kommander') return this.config.kommander.version;
    return app.chartVersion === 'v-app' && !v.startsWith('v') ? `v${v}` : v;
  }

  private addSecret(store: SecretStore, stage: Stage, namespace: string, name: string): void {
    const file = store.claim(namespace, name);
    if (file) new SopsSecret(stage, `Secret-${namespace}-${name}`, { secret: file, stage, decryptionSecret: this.config.sops.secretName });
  }

  private appDeployment(stage: Stage, appId: string, app: AppConfig): void {
    new AppDeployment(stage.folder, `AppDeployment-${appId}`, {
      name: appId,
      namespace: KOMMANDER_NAMESPACE,
      version: app.version,
      appKind: app.kind,
      values: app.values,
      clusters: app.clusters,
    });
  }

  /** The kommander-vars data: substitution variables for every stage (sorted). */
  private variables(): { [key: string]: string } {
    const c = this.config;
    const data: { [key: string]: string } = {
      ageEncryptionSecretKey: c.sops.secretKey,
      ageEncryptionSecretName: c.sops.secretName,
      airgappedEnabled: String(c.airgapped.enabled),
      caIssuerName: 'kommander-ca',
      caSecretName: 'kommander-ca',
      caSecretNamespace: CERT_MANAGER_NAMESPACE,
      certificatesIssuerKind: 'ClusterIssuer',
      certificatesIssuerName: 'kommander-ca',
      clusterHostname: c.clusterHostname,
      kommanderChartVersion: c.kommander.version,
      kommanderFluxNamespace: FLUX_NAMESPACE,
      kommanderGitCredentialsSecretName: c.git.credentialsSecret,
    };
    if (c.apps.chartmuseum?.enabled !== false) data.helmRepositoryURL = CHARTMUSEUM_URL;
    if (c.airgapped.enabled && c.airgapped.helmMirror) data.helmMirrorURL = c.airgapped.helmMirror;
    return Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
