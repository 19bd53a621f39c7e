import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import { checkFiles } from '../lib/check';
import { SchemaRegistry } from '../lib/check/schema';
import { synthesize } from '../lib/cli';
import { loadConfig, parseConfig } from '../lib/config/load';
import { PlatformConfig } from '../lib/config/types';
import { GardenerStageModule } from '../lib/gardener/module';
import { GardenerSecrets } from '../lib/gardener/secrets';
import { GardenerTree } from '../lib/gardener/tree';
import { GitRepository } from '../lib/flux/sources';
import { checkDeclarations } from '../lib/platform';
import { SecretStore } from '../lib/secrets/sops-secrets';
import { generateAgeKeyPair } from '../lib/sops/age';
import { encryptManifest } from '../lib/sops/file';
import { inspectSopsFile, plaintextSecretProblems } from '../lib/sops/guard';
import { Folder } from '../lib/tree/folder';
import { renderTree, RenderedFile } from '../lib/tree/render';
import { itIfShared, sharedPath } from './support/shared';

const ROOT = path.resolve(__dirname, '..');
const CRDS = sharedPath('crds');
const testIfCrds = itIfShared('crds');
const EXAMPLE = path.join(ROOT, 'examples', 'gardener.yaml');
const COMBINED = path.join(ROOT, 'examples', 'kommander-gardener.yaml');

type Obj = Record<string, any>;

/** Every rendered YAML object with the file it is in. */
function objects(files: readonly RenderedFile[]): { file: string; obj: Obj }[] {
  const out: { file: string; obj: Obj }[] = [];
  for (const f of files) {
    if (!f.path.endsWith('.yaml') || f.path.endsWith('kustomization.yaml')) continue;
    for (const doc of YAML.parseAllDocuments(f.content.toString())) {
      const obj = doc.toJS();
      if (obj && obj.kind) out.push({ file: f.path, obj });
    }
  }
  return out;
}

/** The stage graph of a rendered tree: Kustomization name → {path, dependsOn, spec}. */
function stageGraph(files: readonly RenderedFile[]) {
  const stages = new Map<string, { path: string; dependsOn: string[]; spec: Obj }>();
  for (const { obj } of objects(files)) {
    if (obj.kind !== 'Kustomization' || obj.apiVersion !== 'kustomize.toolkit.fluxcd.io/v1') continue;
    stages.set(obj.metadata.name, { path: String(obj.spec.path).replace(/^\.\//, ''), dependsOn: (obj.spec.dependsOn ?? []).map((d: Obj) => d.name), spec: obj.spec });
  }
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    for (const d of stages.get(name)?.dependsOn ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        closure(d, seen);
      }
    }
    return seen;
  };
  /** The stage whose folder holds `kind/name`. */
  const stageOf = (kind: string, name: string): string => {
    const hit = objects(files).find(({ obj }) => obj.kind === kind && obj.metadata?.name === name);
    if (!hit) throw new Error(`no ${kind}/${name} in the tree`);
    const folder = path.posix.dirname(hit.file);
    const s = [...stages.entries()].find(([, v]) => v.path === folder);
    if (!s) throw new Error(`${kind}/${name} (${hit.file}) is in no stage folder`);
    return s[0];
  };
  /** True when stage `a` (or a stage it depends on) is `b`'s dependency: `b` runs after `a`. */
  const after = (b: string, a: string) => closure(b).has(a);
  return { stages, closure, stageOf, after };
}

const example = () => synthesize(loadConfig(EXAMPLE));

describe('the Gardener example (examples/gardener.yaml)', () => {
  const files = example();

  test('the whole tree (snapshot)', () => {
    expect(Object.fromEntries(files.map((f) => [f.path, f.content.toString()]))).toMatchSnapshot();
  });

  test('synthesizes the three 23KE stages as Flux stages under gardener/, Kommander-free', () => {
    const g = stageGraph(files);
    expect([...g.stages.keys()].sort()).toStrictEqual([
      'cert-manager',
      'gardener-configuration',
      'gardener-garden',
      'gardener-operator',
      'gardener-pre-gardener',
      'gardener-pre-gardener-resources',
      'gardener-virtual-garden',
      'kommander-flux',
    ]);
    expect(files.some((f) => f.path.startsWith('kommander/'))).toBe(false);
    for (const [name, s] of g.stages) {
      if (name === 'kommander-flux') continue;
      expect(s.path.startsWith('gardener/')).toBe(true);
      // Every stage waits for the health of what it applies.
      expect(s.spec.wait).toBe(true);
    }
  });

  test('rolls out in 23KE order: CRD providers before their custom resources, the Garden after its prerequisites, the Gardenlet last', () => {
    const { stageOf, after } = stageGraph(files);
    const issuer = stageOf('Issuer', 'default-issuer');
    const dnsProvider = stageOf('DNSProvider', 'base-dns-provider');
    const garden = stageOf('Garden', 'example-landscape');
    const operator = stageOf('HelmRelease', 'gardener-operator');
    // cert-management before the Issuer; external-dns-management before the DNSProvider.
    expect(after(issuer, stageOf('HelmRelease', 'cert-management'))).toBe(true);
    expect(after(dnsProvider, stageOf('HelmRelease', 'external-dns-management'))).toBe(true);
    // gardener-operator after cert-manager.
    expect(after(operator, stageOf('HelmRelease', 'cert-manager'))).toBe(true);
    // The Garden after the operator, the DNSProvider and ingress-nginx; the Extensions with it.
    expect(after(garden, operator)).toBe(true);
    expect(after(garden, dnsProvider)).toBe(true);
    expect(after(garden, issuer)).toBe(true);
    expect(after(garden, stageOf('HelmRelease', 'ingress-nginx'))).toBe(true);
    expect(stageOf('Extension', 'provider-aws')).toBe(garden);
    // The Gardenlet after the Garden.
    expect(after(stageOf('Gardenlet', 'initial-seed'), garden)).toBe(true);
    // Custom resources are never in the stage of the release that brings their CRD.
    expect(issuer).not.toBe(stageOf('HelmRelease', 'cert-management'));
    expect(garden).not.toBe(operator);
  });

  test('every HelmRelease reads its base values and chart source from an earlier stage, in its own namespace', () => {
    const { stageOf, after } = stageGraph(files);
    const all = objects(files).map((o) => o.obj);
    const releases = all.filter((o) => o.kind === 'HelmRelease');
    expect(releases.map((r) => r.metadata.name).sort()).toStrictEqual(['cert-management', 'cert-manager', 'external-dns-management', 'gardener-operator', 'ingress-nginx']);
    for (const hr of releases) {
      const name = hr.metadata.name;
      const ns = hr.metadata.namespace;
      // Pinned chart, CRDs created and replaced, no inline values (the valuesFrom slot must win).
      expect(hr.spec.chart.spec.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(hr.spec.install.crds).toBe('CreateReplace');
      expect(hr.spec.values).toBeUndefined();
      expect(hr.spec.valuesFrom).toStrictEqual([
        { kind: 'ConfigMap', name: `${name}-base-values`, valuesKey: 'values.yaml' },
        { kind: 'Secret', name: `${name}-values`, optional: true, valuesKey: 'values.yaml' },
      ]);
      const base = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${name}-base-values`)!;
      expect(base.metadata.namespace).toBe(ns);
      expect(YAML.parse(base.data['values.yaml'])).toBeInstanceOf(Object);
      const src = hr.spec.chart.spec.sourceRef;
      const repo = all.find((o) => o.kind === 'HelmRepository' && o.metadata.name === src.name)!;
      expect(repo.metadata.namespace).toBe(src.namespace ?? ns);
      const stage = stageOf('HelmRelease', name);
      expect(after(stage, stageOf('ConfigMap', `${name}-base-values`))).toBe(true);
      expect(after(stage, stageOf('HelmRepository', src.name))).toBe(true);
    }
  });

  test('synthesizes the configuration at synth time: base values from the config, overrides merged', () => {
    const all = objects(files).map((o) => o.obj);
    const values = (c: string) => YAML.parse(all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${c}-base-values`)!.data['values.yaml']);
    expect(values('cert-management').configuration).toStrictEqual({
      certClass: 'base-cert-class',
      defaultIssuer: 'default-issuer',
      defaultIssuerDomainRanges: 'garden.example.com',
      issuerNamespace: 'garden',
      dnsClass: 'base-dns-class',
      dnsNamespace: 'garden',
    });
    expect(values('external-dns-management').configuration).toStrictEqual({ dnsClass: 'base-dns-class', identifier: 'example-landscape-base-dns' });
    // gardener.values.ingress-nginx is merged over the synthesized values.
    expect(values('ingress-nginx').controller.service).toStrictEqual({ externalTrafficPolicy: 'Local' });
    expect(values('ingress-nginx').controller.ingressClassResource.name).toBe('nginx');
  });

  test('the Garden, the Extensions and the Gardenlet carry the config', () => {
    const all = objects(files).map((o) => o.obj);
    const garden = all.find((o) => o.kind === 'Garden')!;
    expect(garden.metadata).toStrictEqual({ name: 'example-landscape' });
    expect(garden.spec.virtualCluster.dns.domains).toStrictEqual([{ name: 'garden.example.com', provider: 'primary' }]);
    expect(garden.spec.runtimeCluster.ingress.domains).toStrictEqual([{ name: 'ingress.garden.example.com', provider: 'primary' }]);
    expect(garden.spec.dns.providers).toStrictEqual([{ name: 'primary', type: 'aws-route53', secretRef: { name: 'garden-dns-aws-route53' } }]);
    expect(garden.spec.virtualCluster.etcd.main.backup.secretRef).toStrictEqual({ name: 'garden-backup-aws' });
    const exts = all.filter((o) => o.kind === 'Extension');
    expect(exts.map((e) => e.metadata.name)).toStrictEqual(['networking-calico', 'os-gardenlinux', 'provider-aws', 'shoot-cert-service', 'shoot-dns-service']);
    // Only the extension serving the DNS type and the backup provider runs in the runtime cluster.
    expect(exts.filter((e) => e.spec.deployment.extension.runtimeClusterValues !== undefined).map((e) => e.metadata.name)).toStrictEqual(['provider-aws']);
    expect(exts.find((e) => e.metadata.name === 'shoot-dns-service')!.spec.deployment.admission.virtualCluster.helm.ociRepository.ref).toBe(
      'europe-docker.pkg.dev/gardener-project/releases/charts/gardener/extensions/shoot-dns-service-admission-application:v1.84.0',
    );
    // Shoots get certificates from the landscape's ACME account unless the extension's values say otherwise.
    expect(exts.find((e) => e.metadata.name === 'shoot-cert-service')!.spec.deployment.extension.values).toStrictEqual({
      certificateConfig: { defaultIssuer: { name: 'garden', acme: { email: 'platform-team@example.com', server: 'https://acme-v02.api.letsencrypt.org/directory' } } },
    });
    const gardenlet = all.find((o) => o.kind === 'Gardenlet')!;
    expect(gardenlet.metadata).toStrictEqual({ name: 'initial-seed', namespace: 'garden' });
    expect(gardenlet.spec.deployment.helm.ociRepository.ref).toBe('europe-docker.pkg.dev/gardener-project/releases/charts/gardener/gardenlet:v1.141.5');
    expect(gardenlet.spec.config.seedConfig.spec.ingress).toStrictEqual({ domain: 'seed.garden.example.com', controller: { kind: 'nginx' } });
    expect(gardenlet.spec.config.seedConfig.spec.networks.shootDefaults).toStrictEqual({ pods: '100.128.0.0/11', services: '100.80.0.0/13' });
    // Cluster-scoped objects have no namespace.
    for (const o of [garden, ...exts]) expect(o.metadata.namespace).toBeUndefined();
  });

  test('the Gardenlet stage applies into the virtual garden with its kubeconfig Secret, read in the stage namespace', () => {
    const { stages, stageOf } = stageGraph(files);
    const s = stages.get(stageOf('Gardenlet', 'initial-seed'))!;
    expect(s.spec.kubeConfig).toStrictEqual({ secretRef: { name: 'virtual-garden-kubeconfig', key: 'kubeconfig' } });
    expect(s.spec.prune).toBe(false);
    // The Issuer/DNSProvider and the Garden are gated on their real health, not on kstatus.
    expect(stages.get('gardener-pre-gardener-resources')!.spec.healthCheckExprs.map((e: Obj) => e.kind)).toStrictEqual(['DNSProvider', 'Issuer']);
    expect(stages.get('gardener-garden')!.spec.healthCheckExprs[0].current).toContain("status.lastOperation.state == 'Succeeded'");
  });

  testIfCrds('every custom resource is valid against ../shared/crds (strict: unknown fields are errors)', () => {
    const registry = SchemaRegistry.fromPaths([CRDS]);
    const checked: string[] = [];
    for (const { file, obj } of objects(files)) {
      const r = registry.validate(obj);
      if (r.status === 'no-crd') continue;
      expect({ file, result: r }).toStrictEqual({ file, result: { status: 'ok' } });
      checked.push(obj.kind);
    }
    for (const kind of ['Issuer', 'DNSProvider', 'Garden', 'Extension', 'Gardenlet', 'HelmRelease', 'HelmRepository', 'Kustomization']) expect(checked).toContain(kind);
  });

  testIfCrds('passes the offline tree check (the Gardenlet API is served by the virtual garden, not a CRD)', () => {
    const findings = checkFiles(new Map(files.map((f) => [f.path, f.content.toString()])), {
      crdDirs: [CRDS],
      externalCrds: ['seedmanagement.gardener.cloud'],
      external: ['Secret/*/sops-age'],
    });
    expect(findings).toStrictEqual([]);
  });

  test('no clear-text credentials: no Secret is synthesized, credentials appear only as references', () => {
    const all = objects(files).map((o) => o.obj);
    expect(all.filter((o) => o.kind === 'Secret')).toStrictEqual([]);
    for (const o of all) expect(plaintextSecretProblems(o)).toStrictEqual([]);
    const text = files.map((f) => f.content.toString()).join('\n');
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}|aws_secret_access_key|secretAccessKey:|password:|hmacKey:/i);
    // The referenced Secrets are named where they are used.
    expect(text).toContain('name: garden-dns-aws-route53');
  });

  test('BOOTSTRAP.md lists the referenced Secrets and the virtual garden kubeconfig, and no Kommander namespace', () => {
    const boot = files.find((f) => f.path === 'BOOTSTRAP.md')!.content.toString();
    expect(boot).toContain('## 6. The Gardener landscape');
    expect(boot).toContain('- `garden/garden-dns-aws-route53`: DNS provider credentials');
    expect(boot).toContain('kubectl -n kommander-flux create secret generic virtual-garden-kubeconfig --from-file=kubeconfig=');
    expect(boot).not.toContain('namespace kommander\n');
    expect(boot).not.toMatch(/kubectl -n kommander create/);
  });

  test('is deterministic', () => {
    const again = example();
    expect(again.map((f) => [f.path, f.content.toString()])).toStrictEqual(files.map((f) => [f.path, f.content.toString()]));
  });
});

describe('Kommander and Gardener in one repository (examples/kommander-gardener.yaml)', () => {
  const files = synthesize(loadConfig(COMBINED));

  // The copied release tree (applications/, common/, charts/, clusters/kommander_host-cluster/) is
  // the release's own content, templated per app; the synthesizer's objects are the rest.
  const RELEASE_COPY = /^(applications|services|common|charts|clusters\/kommander_host-cluster)\//;
  const synthesized = files.filter((f) => !RELEASE_COPY.test(f.path));

  testIfCrds('synthesizes without duplicate objects; the root source and .sops.yaml appear once; no cert-manager of its own', () => {
    const all = objects(synthesized).map((o) => o.obj);
    const keys = all.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toStrictEqual([]);
    // cert-manager is a prerequisite of a Kommander cluster (NKP pre-flight): neither tree installs it.
    expect(all.filter((o) => o.kind === 'HelmRelease' && o.spec.chart?.spec?.chart === 'cert-manager')).toHaveLength(0);
    expect(all.filter((o) => o.kind === 'GitRepository' && o.metadata.name === 'kommander-flux')).toHaveLength(1);
    // One HelmRepository per chart repository.
    const urls = all.filter((o) => o.kind === 'HelmRepository').map((o) => String(o.spec.url).replace(/^\$\{helmMirrorURL:=(.*)\}$/, '$1').replace(/\/+$/, ''));
    expect(urls.filter((u, i) => urls.indexOf(u) !== i)).toStrictEqual([]);
    expect(files.filter((f) => f.path === '.sops.yaml' || f.path === 'BOOTSTRAP.md').length).toBeLessThanOrEqual(2);
    const declared = checkDeclarations(loadConfig(COMBINED));
    const findings = checkFiles(new Map(files.map((f) => [f.path, f.content.toString()])), {
      crdDirs: [CRDS],
      crdFiles: declared.crdFiles,
      externalCrds: declared.externalCrds,
      external: ['Secret/*/sops-age', ...declared.external],
    });
    expect(findings).toStrictEqual([]);
  });

  test("gardener-operator waits for the Kommander tree's Root CA stage (cert-manager serving)", () => {
    const { stages, stageOf, after } = stageGraph(synthesized);
    expect(stageOf('Certificate', 'kommander-ca')).toBe('kommander-root-ca');
    expect(stages.get('kommander-root-ca')!.path).toBe('kommander/root-ca');
    expect(after(stageOf('HelmRelease', 'gardener-operator'), 'kommander-root-ca')).toBe(true);
    expect(files.some((f) => f.path.startsWith('gardener/cert-manager/'))).toBe(false);
  });

  test('adding the landscape leaves every Kommander file as it was', () => {
    const raw = YAML.parse(fs.readFileSync(COMBINED, 'utf8'));
    delete raw.gardener;
    const kommanderOnly = synthesize(parseConfig(raw, path.dirname(COMBINED)));
    const both = new Map(files.map((f) => [f.path, f.content.toString()]));
    for (const f of kommanderOnly) {
      if (f.path === 'clusters/management/kustomization.yaml' || f.path === 'BOOTSTRAP.md' || f.path === 'ROLLOUT.md') continue;
      expect({ path: f.path, content: both.get(f.path) }).toStrictEqual({ path: f.path, content: f.content.toString() });
    }
  });
});

describe('credentials committed with SOPS', () => {
  let dir: string;
  let files: RenderedFile[];
  let dnsFile: string;
  let kubeconfigFile: string;
  let recipient: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gardener-sops-'));
    const kp = await generateAgeKeyPair();
    recipient = kp.recipient;
    const manifest = (ns: string, name: string, data: Obj) => YAML.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', stringData: data });
    const write = async (ns: string, name: string, data: Obj) => {
      fs.mkdirSync(path.join(dir, 'secrets', ns), { recursive: true });
      const text = await encryptManifest(manifest(ns, name, data), { recipients: [kp.recipient] });
      fs.writeFileSync(path.join(dir, 'secrets', ns, `${name}.sops.yaml`), text);
      return text;
    };
    dnsFile = await write('garden', 'dns-route53', { accessKeyID: 'AKIAEXAMPLEEXAMPLE12', secretAccessKey: 'not-a-real-secret-value' });
    kubeconfigFile = await write('kommander-flux', 'virtual-garden-kubeconfig', { kubeconfig: 'apiVersion: v1\nkind: Config\n' });
    await write('garden', 'eab-key', { hmacKey: 'c2VjcmV0LW1hYy1rZXk' });
    const raw = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    raw.sops.ageRecipients = [kp.recipient];
    raw.gardener.dns.credentials = { sopsFile: 'secrets/garden/dns-route53.sops.yaml' };
    raw.gardener.issuer.acme.externalAccountBinding = { keyID: 'kid-1', keySecret: { sopsFile: './secrets/garden/eab-key.sops.yaml' } };
    fs.writeFileSync(path.join(dir, 'platform.yaml'), YAML.stringify(raw));
    files = synthesize(loadConfig(path.join(dir, 'platform.yaml')));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const content = (p: string) => files.find((f) => f.path === p)?.content.toString();

  test('copies the encrypted files byte for byte into the stages that apply them, with decryption on', () => {
    expect(content('gardener/configuration/secret-garden-dns-route53.sops.yaml')).toBe(dnsFile);
    expect(content('gardener/configuration/secret-kommander-flux-virtual-garden-kubeconfig.sops.yaml')).toBe(kubeconfigFile);
    expect(content('gardener/configuration/secret-garden-eab-key.sops.yaml')).toBeDefined();
    // The seed reads the DNS credentials in the virtual garden: a second copy, applied there.
    expect(content('gardener/virtual-garden/secret-garden-dns-route53.sops.yaml')).toBe(dnsFile);
    const { stages } = stageGraph(files);
    for (const s of ['gardener-configuration', 'gardener-virtual-garden']) {
      expect(stages.get(s)!.spec.decryption).toStrictEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
    }
    expect(stages.get('gardener-pre-gardener')!.spec.decryption).toBeUndefined();
    expect(YAML.parse(content('gardener/configuration/kustomization.yaml')!).resources).toContain('secret-garden-dns-route53.sops.yaml');
  });

  testIfCrds('the offline tree check sees the two copies as one object (it does not model spec.kubeConfig clusters yet)', () => {
    const findings = checkFiles(new Map(files.map((f) => [f.path, f.content.toString()])), {
      crdDirs: [CRDS],
      externalCrds: ['seedmanagement.gardener.cloud'],
      external: ['Secret/*/sops-age'],
    });
    // One Secret per cluster: the base cluster (gardener-configuration) and the virtual garden
    // (gardener-virtual-garden applies with spec.kubeConfig). The check reports it until it models
    // remote stages; nothing else is found.
    expect(findings.map((f) => `${f.rule} ${f.object}`)).toStrictEqual(['duplicate-object Secret/garden/dns-route53']);
  });

  test('references the Secrets by the names inside the files', () => {
    const all = objects(files).map((o) => o.obj);
    expect(all.find((o) => o.kind === 'DNSProvider')!.spec.secretRef).toStrictEqual({ name: 'dns-route53', namespace: 'garden' });
    expect(all.find((o) => o.kind === 'Garden')!.spec.dns.providers[0].secretRef).toStrictEqual({ name: 'dns-route53' });
    expect(all.find((o) => o.kind === 'Issuer')!.spec.acme.externalAccountBinding).toStrictEqual({ keyID: 'kid-1', keySecretRef: { name: 'eab-key', namespace: 'garden' } });
  });

  test('no clear-text credential reaches the tree', () => {
    const text = files.map((f) => f.content.toString()).join('\n');
    for (const secret of ['AKIAEXAMPLEEXAMPLE12', 'not-a-real-secret-value', 'c2VjcmV0LW1hYy1rZXk']) expect(text).not.toContain(secret);
    const copies = files.filter((x) => x.path.startsWith('gardener/') && x.path.endsWith('.sops.yaml'));
    expect(copies).toHaveLength(4);
    for (const f of copies) expect(inspectSopsFile(f.path, f.content.toString(), [recipient]).problems).toStrictEqual([]);
    for (const { obj } of objects(files)) expect(plaintextSecretProblems(obj)).toStrictEqual([]);
  });
});

describe('the gardener stage module', () => {
  test('can be replaced without touching the configuration and pre-gardener stages', () => {
    // GIVEN the example config and a stand-in for 23KE's chart-based gardener stage
    const config = loadConfig(EXAMPLE) as PlatformConfig;
    const build = (module?: GardenerStageModule) => {
      const app = new App({ outdir: '.' });
      const root = new Folder(app, 'Root', { path: 'clusters/test' });
      const source = new GitRepository(root, 'Source', { name: 'flux-system', url: 'https://git.example.com/r.git' });
      const store = new SecretStore([]);
      new GardenerTree(root, 'Gardener', { config, source, secrets: GardenerSecrets.claim(config, store), module });
      return renderTree(app);
    };
    const charts: GardenerStageModule = {
      mode: 'charts',
      build: (_scope, ctx) => {
        const s = ctx.stage('gardener', 'chart-based virtual garden', { dependsOn: [ctx.stages.preGardenerResources, ctx.stages.certManager] });
        ctx.helmRelease(s, { component: 'gardener-controlplane', repository: 'https://charts.example.com', chart: 'controlplane', version: '1.86.0', targetNamespace: 'garden', values: {} });
        return { stages: { gardener: s } };
      },
    };
    // WHEN the tree is built with each module
    const operator = build();
    const chartBased = build(charts);
    // THEN the stages before the gardener stage are the same files
    const before = (fs_: RenderedFile[]) =>
      fs_.filter((f) => /^gardener\/(configuration|cert-manager|pre-gardener|pre-gardener-resources)\//.test(f.path) && !f.path.includes('base-values') && !f.path.includes('helmrepository') && !f.path.endsWith('/kustomization.yaml'));
    expect(before(chartBased).map((f) => [f.path, f.content.toString()])).toStrictEqual(before(operator).map((f) => [f.path, f.content.toString()]));
    // AND the module's release got its base values and source in the configuration stage
    expect(chartBased.some((f) => f.path === 'gardener/configuration/configmap-gardener-controlplane-base-values.yaml')).toBe(true);
    expect(chartBased.some((f) => f.path === 'gardener/gardener/helmrelease-gardener-controlplane.yaml')).toBe(true);
    expect(chartBased.some((f) => f.path.startsWith('gardener/garden/'))).toBe(false);
  });

  test('platform.yaml (Kommander only) gets no Gardener stage', () => {
    const files = synthesize(loadConfig(path.join(ROOT, 'platform.yaml')));
    expect(files.some((f) => f.path.startsWith('gardener/'))).toBe(false);
  });

  test('a disabled landscape emits nothing', () => {
    const raw = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    raw.gardener.enabled = false;
    const files = synthesize(parseConfig(raw, path.dirname(EXAMPLE)));
    expect(files.some((f) => f.path.startsWith('gardener/'))).toBe(false);
    expect(files.map((f) => f.path)).toContain('clusters/garden/gitrepository-kommander-flux.yaml');
  });
});
