import { Yaml } from 'cdk8s';
import { k8s } from '../k8s';
import { Construct } from 'constructs';
import { CERT_MANAGER_NAMESPACE, FLUX_NAMESPACE } from '../config/defaults';
import { HelmValues, PlatformConfig } from '../config/types';
import { HelmRelease, ValuesReference } from '../flux/helm-release';
import { HelmRepository, ISource } from '../flux/sources';
import { Stage, StageProps } from '../flux/stage';
import { mergeValues } from '../kommander/tree';
import { SopsSecret, SopsSecretFile } from '../secrets/sops-secrets';
import { GardenerConfig, gardenerSection } from './config';
import { AcmeIssuer, DnsProvider } from './constructs';
import {
  ACME_ACCOUNT_SECRET,
  CERT_CLASS,
  DNS_CLASS,
  DNS_PROVIDER_NAME,
  GARDEN_NAMESPACE,
  INGRESS_NGINX_NAMESPACE,
  ISSUER_NAME,
} from './defaults';
import { stateHealth } from './flux';
import { ComponentRelease, GardenerBaseStages, GardenerStageContext, GardenerStageModule } from './module';
import { OperatorGardenerStage } from './operator';
import { GardenerSecrets, ResolvedSecret } from './secrets';

/** The `gardener` stage modules by `gardener.mode`. */
export const GARDENER_STAGE_MODULES: { readonly [mode: string]: () => GardenerStageModule } = {
  operator: () => new OperatorGardenerStage(),
};

/** Name of the HelmRepository for a chart repository URL: `gardener-<host>-<path>`. */
export function helmRepositoryName(url: string): string {
  const rest = url.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
  return `gardener-${rest.toLowerCase().replace(/\//g, '-').replace(/[^a-z0-9.-]/g, '-')}`;
}

/** Props of `GardenerTree`. */
export interface GardenerTreeProps {
  /** The platform config; `config.gardener` must be set. */
  readonly config: PlatformConfig;
  /** The GitRepository the stage Kustomizations read (the root sync source). */
  readonly source: ISource;
  /** The landscape's credential Secrets, claimed before any tree sweeps the unclaimed ones. */
  readonly secrets: GardenerSecrets;
  /**
   * The stage that installs cert-manager, when another tree does (the Kommander tree).
   * @default - the Gardener tree installs cert-manager in stage `cert-manager`
   */
  readonly certManager?: Stage;
  /** Other encrypted Secrets to apply in the configuration stage (when no other tree does). @default [] */
  readonly otherSecrets?: readonly SopsSecretFile[];
  /** The gardener stage module. @default - by `gardener.mode` */
  readonly module?: GardenerStageModule;
}

/**
 * The 23KE landscape as Flux stages (see docs/gardener.md):
 *
 *   gardener-configuration           namespaces, chart sources, `<component>-base-values`, credentials
 *   cert-manager                     (only without the Kommander tree, whose cert-manager is shared)
 *   gardener-pre-gardener            cert-management, external-dns-management, ingress-nginx
 *   gardener-pre-gardener-resources  Issuer default-issuer, DNSProvider base-dns-provider
 *   …                                the gardener stage module (operator: gardener-operator, garden, virtual-garden)
 *
 * Create it inside the root Folder: the stage Kustomizations are written there.
 */
export class GardenerTree extends Construct {
  /** Stages by short id, in creation order. */
  public readonly stages: { [id: string]: Stage } = {};
  /** HelmReleases by component. */
  public readonly releases: { [component: string]: HelmRelease } = {};

  private readonly platform: PlatformConfig;
  private readonly g: GardenerConfig;
  private readonly source: ISource;
  private readonly repositories = new Map<string, HelmRepository>();
  private configuration!: Stage;

  constructor(scope: Construct, id: string, props: GardenerTreeProps) {
    super(scope, id);
    const c = props.config;
    const section = gardenerSection(c);
    if (!section) throw new Error('GardenerTree: the config has no gardener section');
    this.platform = c;
    this.g = section;
    this.source = props.source;
    const g = this.g;
    const secrets = props.secrets;

    // 1. Configuration (23KE: configuration): everything the releases read, computed at synth.
    const configuration = this.stage('configuration', 'Configuration: namespaces, chart sources, <component>-base-values, credentials (23KE stage configuration)');
    this.configuration = configuration;
    const namespaces = [GARDEN_NAMESPACE, INGRESS_NGINX_NAMESPACE, ...(props.certManager ? [] : [CERT_MANAGER_NAMESPACE])];
    for (const ns of namespaces) {
      new k8s.KubeNamespace(configuration.folder, `Namespace-${ns}`, {
        metadata: {
          name: ns,
          annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
          labels: { 'kubernetes.io/metadata.name': ns },
        },
      });
    }
    this.applySecrets(configuration, secrets.dns, secrets.acmeEab, secrets.backup, secrets.virtualGardenKubeconfig);
    for (const f of props.otherSecrets ?? []) this.applyFile(configuration, f);

    // 2. cert-manager: the Kommander tree's when it exists, else our own.
    let certManager = props.certManager;
    if (!certManager) {
      certManager = this.stage('cert-manager', 'cert-manager, which installs the cert-manager.io CRDs', { dependsOn: [configuration] }, 'cert-manager');
      const chart = g.charts['cert-manager'];
      this.helmRelease(certManager, {
        component: 'cert-manager',
        repository: chart.repository,
        chart: chart.chart,
        version: chart.version,
        targetNamespace: CERT_MANAGER_NAMESPACE,
        values: { crds: { enabled: true } },
      });
    }

    // 3. Pre-gardener (23KE: pre-gardener): the controllers; their CRDs come with the releases.
    const preGardener = this.stage('pre-gardener', 'Pre-gardener: cert-management, external-dns-management, ingress-nginx (23KE stage pre-gardener)', {
      dependsOn: [configuration],
    });
    const edm = g.charts['external-dns-management'];
    const dnsRelease = this.helmRelease(preGardener, {
      component: 'external-dns-management',
      repository: edm.repository,
      chart: edm.chart,
      version: edm.version,
      targetNamespace: GARDEN_NAMESPACE,
      values: {
        createCRDs: true,
        vpa: { enabled: g.baseCluster.hasVerticalPodAutoscaler },
        configuration: { dnsClass: DNS_CLASS, identifier: `${g.clusterIdentity}-base-dns` },
      },
    });
    const cm = g.charts['cert-management'];
    this.helmRelease(preGardener, {
      component: 'cert-management',
      repository: cm.repository,
      chart: cm.chart,
      version: cm.version,
      targetNamespace: GARDEN_NAMESPACE,
      // DNS01 challenges are DNSEntries: external-dns-management must run first.
      dependsOn: [dnsRelease],
      values: {
        createCRDs: { issuers: true, certificates: true },
        configuration: {
          certClass: CERT_CLASS,
          defaultIssuer: ISSUER_NAME,
          defaultIssuerDomainRanges: g.domains.base,
          issuerNamespace: GARDEN_NAMESPACE,
          dnsClass: DNS_CLASS,
          dnsNamespace: GARDEN_NAMESPACE,
        },
      },
    });
    const nginx = g.charts['ingress-nginx'];
    this.helmRelease(preGardener, {
      component: 'ingress-nginx',
      repository: nginx.repository,
      chart: nginx.chart,
      version: nginx.version,
      targetNamespace: INGRESS_NGINX_NAMESPACE,
      values: { controller: { ingressClassResource: { name: 'nginx', enabled: true, default: false }, ingressClass: 'nginx' } },
    });

    // 4. Pre-gardener resources: the custom resources, a stage after the one installing their CRDs.
    const resources = this.stage('pre-gardener-resources', 'Pre-gardener resources: Issuer default-issuer and DNSProvider base-dns-provider (23KE stage pre-gardener)', {
      dependsOn: [preGardener],
    });
    new DnsProvider(resources.folder, 'DnsProvider', {
      name: DNS_PROVIDER_NAME,
      namespace: GARDEN_NAMESPACE,
      type: g.dns.provider,
      secretName: secrets.dns.name,
      dnsClass: DNS_CLASS,
      domains: [g.domains.base],
      zones: g.dns.zones,
    });
    const acme = g.issuer.acme;
    new AcmeIssuer(resources.folder, 'Issuer', {
      name: ISSUER_NAME,
      namespace: GARDEN_NAMESPACE,
      email: acme.email,
      server: acme.server,
      certClass: CERT_CLASS,
      privateKeySecretName: ACME_ACCOUNT_SECRET,
      externalAccountBinding: acme.externalAccountBinding ? { keyID: acme.externalAccountBinding.keyID, secretName: secrets.acmeEab!.name } : undefined,
      domains: [g.domains.base],
    });
    resources.addHealthCheckExprs(stateHealth('dns.gardener.cloud/v1alpha1', 'DNSProvider'), stateHealth('cert.gardener.cloud/v1alpha1', 'Issuer'));

    // 5. The gardener stage module.
    const stages: GardenerBaseStages = { configuration, certManager, preGardener, preGardenerResources: resources };
    const module = props.module ?? GARDENER_STAGE_MODULES[g.mode]?.();
    if (!module) throw new Error(`gardener.mode: "${g.mode}" has no stage module (known: ${Object.keys(GARDENER_STAGE_MODULES).join(', ')})`);
    const ctx: GardenerStageContext = {
      platform: c,
      config: g,
      secrets,
      stages,
      stage: (sid, description, extra) => this.stage(sid, description, extra),
      helmRelease: (stage, release) => this.helmRelease(stage, release),
      applySecrets: (stage, ...s) => this.applySecrets(stage, ...s),
    };
    module.build(this, ctx);
  }

  private stage(id: string, description: string, extra: Partial<StageProps> = {}, name = `gardener-${id}`): Stage {
    if (this.stages[id]) throw new Error(`GardenerTree: stage ${id} exists already`);
    const f = this.platform.flux;
    const s = new Stage(this, `Stage-${id}`, {
      name,
      namespace: FLUX_NAMESPACE,
      path: `gardener/${id}`,
      source: this.source,
      interval: f.interval,
      retryInterval: f.retryInterval,
      timeout: f.timeout,
      description,
      ...extra,
    });
    this.stages[id] = s;
    return s;
  }

  /** One HelmRepository per repository URL, in the configuration stage. */
  private repository(url: string): HelmRepository {
    let repo = this.repositories.get(url);
    if (!repo) {
      const name = helmRepositoryName(url);
      repo = new HelmRepository(this.configuration.folder, `HelmRepository-${name}`, { name, namespace: FLUX_NAMESPACE, url });
      this.repositories.set(url, repo);
    }
    return repo;
  }

  private helmRelease(stage: Stage, r: ComponentRelease): HelmRelease {
    if (this.releases[r.component]) throw new Error(`GardenerTree: component ${r.component} has a HelmRelease already`);
    const overrides = (this.g.values as { readonly [c: string]: HelmValues })[r.component] ?? {};
    const values = mergeValues(r.values, overrides);
    const base = new k8s.KubeConfigMap(this.configuration.folder, `BaseValues-${r.component}`, {
      metadata: { name: `${r.component}-base-values`, namespace: FLUX_NAMESPACE },
      data: { 'values.yaml': Yaml.stringify(values) },
    });
    // Merge order: base values, then the operator's slot; nothing inline, so the slot wins.
    const valuesFrom: ValuesReference[] = [
      { kind: 'ConfigMap', name: base.name, valuesKey: 'values.yaml' },
      { kind: 'Secret', name: `${r.component}-values`, valuesKey: 'values.yaml', optional: true },
    ];
    const release = new HelmRelease(stage.folder, `HelmRelease-${r.component}`, {
      name: r.component,
      namespace: FLUX_NAMESPACE,
      chart: r.chart,
      version: r.version,
      source: this.repository(r.repository),
      releaseName: r.component,
      targetNamespace: r.targetNamespace,
      timeout: r.timeout,
      valuesFrom,
      dependsOn: r.dependsOn,
    });
    this.releases[r.component] = release;
    return release;
  }

  private applySecrets(stage: Stage, ...secrets: (ResolvedSecret | undefined)[]): void {
    for (const f of GardenerSecrets.files(...secrets)) this.applyFile(stage, f);
  }

  private applyFile(stage: Stage, file: SopsSecretFile): void {
    new SopsSecret(stage, `Secret-${file.namespace}-${file.name}`, { secret: file, stage, decryptionSecret: this.platform.sops.secretName });
  }
}
