import { Yaml } from 'cdk8s';
import { k8s } from '../k8s';
import { Construct } from 'constructs';
import { HelmValues, PlatformConfig } from '../config/types';
import { HelmRelease, ValuesReference } from '../flux/helm-release';
import { HelmRepository, ISource } from '../flux/sources';
import { Stage, StageProps } from '../flux/stage';
import { mergeValues } from '../kommander/tree';
import { SopsSecret, SopsSecretFile } from '../secrets/sops-secrets';
import { GardenerConfig, gardenerSection } from './config';
import { AcmeIssuer, DnsProvider } from './constructs';
import { ACME_ACCOUNT_SECRET, CERT_CLASS, DNS_CLASS, DNS_PROVIDER_NAME, GARDEN_NAMESPACE, ISSUER_NAME } from './defaults';
import { fluxNamespaceOf, stateHealth } from './flux';
import { TrustedCertificate } from './trusted-certificate';
import { CERT_MANAGEMENT_COMPONENT, ComponentVector, componentChart, EXTERNAL_DNS_MANAGEMENT_COMPONENT, resolveComponentVector } from './vector';
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
  /** Other encrypted Secrets to apply in the configuration stage (when no other tree does). @default [] */
  readonly otherSecrets?: readonly SopsSecretFile[];
  /** The gardener stage module. @default - by `gardener.mode` */
  readonly module?: GardenerStageModule;
  /** The component vector. @default - `gardener.componentVector`, else the built-in one */
  readonly vector?: ComponentVector;
}

/**
 * The Gardener landscape as Flux stages (docs/gardener.md):
 *
 *   (root)                           Namespace garden (Kustomizations of the virtual-garden stages live there)
 *   gardener-configuration           chart sources, `<component>-base-values`, credentials
 *   gardener-pre-gardener            cert-management, external-dns-management   (only with gardener.issuer)
 *   gardener-pre-gardener-resources  Issuer, DNSProvider, trusted wildcard Certificate (only with gardener.issuer)
 *   …                                the gardener stage module (operator: gardener-operator, garden, virtual-garden-*)
 *
 * Every version comes from the component vector. Create it inside the root Folder: the stage
 * Kustomizations are written there.
 */
export class GardenerTree extends Construct {
  /** Stages by short id, in creation order. */
  public readonly stages: { [id: string]: Stage } = {};
  /** HelmReleases by component. */
  public readonly releases: { [component: string]: HelmRelease } = {};
  /** The version set in use. */
  public readonly vector: ComponentVector;
  /** Namespace of the tree's Flux objects (flux-system, or the Kommander tree's when both are enabled). */
  public readonly fluxNamespace: string;

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
    this.fluxNamespace = fluxNamespaceOf(c);
    this.vector = props.vector ?? resolveComponentVector(c.baseDir, section.componentVector);
    const g = this.g;
    const secrets = props.secrets;

    // The namespace of Gardener's runtime objects, and of the Kustomizations that apply into the
    // virtual garden (Flux reads their kubeConfig Secret there): applied by the root Kustomization,
    // before any stage.
    new k8s.KubeNamespace(this, `Namespace-${GARDEN_NAMESPACE}`, {
      metadata: {
        name: GARDEN_NAMESPACE,
        annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
        labels: { 'kubernetes.io/metadata.name': GARDEN_NAMESPACE },
      },
    });

    // 1. Configuration (23KE: configuration): everything the releases read, computed at synth.
    const configuration = this.stage('configuration', 'Configuration: chart sources, <component>-base-values, credentials (23KE stage configuration)');
    this.configuration = configuration;
    this.applySecrets(configuration, secrets.dns, secrets.acmeEab, secrets.backup, secrets.oidcClient);
    for (const f of props.otherSecrets ?? []) this.applyFile(configuration, f);

    // 2. Pre-gardener (23KE: pre-gardener): only what the tree consumes. gardener-operator brings its
    // own ingress controller and creates the Garden's DNS records itself (DNSRecord extensions), so
    // neither ingress-nginx nor cert-manager is installed; cert-management (with external-dns-management
    // for its DNS01 challenges) exists for the trusted certificate of the runtime ingress domain.
    let preGardenerResources: Stage | undefined;
    if (g.issuer) {
      const preGardener = this.stage('pre-gardener', 'Pre-gardener: cert-management and external-dns-management (its DNS01 challenges), for the trusted runtime certificate (23KE stage pre-gardener)', {
        dependsOn: [configuration],
      });
      const edm = componentChart(this.vector, EXTERNAL_DNS_MANAGEMENT_COMPONENT)!;
      const dnsRelease = this.helmRelease(preGardener, {
        component: 'external-dns-management',
        ...edm,
        targetNamespace: GARDEN_NAMESPACE,
        values: { createCRDs: true, vpa: { enabled: g.baseCluster.hasVerticalPodAutoscaler }, configuration: { dnsClass: DNS_CLASS } },
      });
      const cm = componentChart(this.vector, CERT_MANAGEMENT_COMPONENT)!;
      this.helmRelease(preGardener, {
        component: 'cert-management',
        ...cm,
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

      // 3. Pre-gardener resources: the custom resources, a stage after the one installing their CRDs.
      const resources = this.stage('pre-gardener-resources', 'Pre-gardener resources: Issuer default-issuer, DNSProvider base-dns-provider and the trusted wildcard certificate of the runtime ingress domain (23KE stage pre-gardener)', {
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
      const issuer = new AcmeIssuer(resources.folder, 'Issuer', {
        name: ISSUER_NAME,
        namespace: GARDEN_NAMESPACE,
        email: acme.email,
        server: acme.server,
        certClass: CERT_CLASS,
        privateKeySecretName: ACME_ACCOUNT_SECRET,
        externalAccountBinding: acme.externalAccountBinding ? { keyID: acme.externalAccountBinding.keyID, secretName: secrets.acmeEab!.name } : undefined,
        domains: [g.domains.base],
      });
      new TrustedCertificate(resources.folder, 'TrustedCertificate', {
        namespace: GARDEN_NAMESPACE,
        domain: g.domains.ingress,
        issuer: { name: issuer.name, namespace: issuer.namespace },
        certClass: CERT_CLASS,
      });
      resources.addHealthCheckExprs(
        stateHealth('dns.gardener.cloud/v1alpha1', 'DNSProvider'),
        stateHealth('cert.gardener.cloud/v1alpha1', 'Issuer'),
        stateHealth('cert.gardener.cloud/v1alpha1', 'Certificate'),
      );
      preGardenerResources = resources;
    }

    // 4. The gardener stage module.
    const stages: GardenerBaseStages = { configuration, preGardenerResources };
    const module = props.module ?? GARDENER_STAGE_MODULES[g.mode]?.();
    if (!module) throw new Error(`gardener.mode: "${g.mode}" has no stage module (known: ${Object.keys(GARDENER_STAGE_MODULES).join(', ')})`);
    const ctx: GardenerStageContext = {
      platform: c,
      config: g,
      vector: this.vector,
      fluxNamespace: this.fluxNamespace,
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
      namespace: this.fluxNamespace,
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
      repo = new HelmRepository(this.configuration.folder, `HelmRepository-${name}`, { name, namespace: this.fluxNamespace, url });
      this.repositories.set(url, repo);
    }
    return repo;
  }

  private helmRelease(stage: Stage, r: ComponentRelease): HelmRelease {
    if (this.releases[r.component]) throw new Error(`GardenerTree: component ${r.component} has a HelmRelease already`);
    const overrides = (this.g.values as { readonly [c: string]: HelmValues })[r.component] ?? {};
    const values = mergeValues(r.values, overrides);
    const base = new k8s.KubeConfigMap(this.configuration.folder, `BaseValues-${r.component}`, {
      metadata: { name: `${r.component}-base-values`, namespace: this.fluxNamespace },
      data: { 'values.yaml': Yaml.stringify(values) },
    });
    // Merge order: base values, then the operator's slot; nothing inline, so the slot wins.
    const valuesFrom: ValuesReference[] = [
      { kind: 'ConfigMap', name: base.name, valuesKey: 'values.yaml' },
      { kind: 'Secret', name: `${r.component}-values`, valuesKey: 'values.yaml', optional: true },
    ];
    const release = new HelmRelease(stage.folder, `HelmRelease-${r.component}`, {
      name: r.component,
      namespace: this.fluxNamespace,
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
