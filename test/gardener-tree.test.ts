import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import { checkFiles } from '../lib/check';
import { SchemaRegistry } from '../lib/check/schema';
import { synthesize } from '../lib/cli';
import { loadConfig, parseConfig } from '../lib/config/load';
import { checkDeclarations } from '../lib/platform';
import { PlatformConfig } from '../lib/config/types';
import { GardenerStageModule } from '../lib/gardener/module';
import { GardenerSecrets } from '../lib/gardener/secrets';
import { GardenerTree } from '../lib/gardener/tree';
import { GitRepository } from '../lib/flux/sources';
import { SecretStore } from '../lib/secrets/sops-secrets';
import { generateAgeKeyPair } from '../lib/sops/age';
import { encryptManifest } from '../lib/sops/file';
import { inspectSopsFile, plaintextSecretProblems } from '../lib/sops/guard';
import { Folder } from '../lib/tree/folder';
import { renderTree, RenderedFile } from '../lib/tree/render';
import { hasShared, itIfShared, sharedPath } from './support/shared';

const ROOT = path.resolve(__dirname, '..');
const CRDS = sharedPath('crds');
/** The operator API of the pinned Gardener (v1.146.4): listed after CRDS, so its Garden and Extension CRDs win. */
const GARDENER_CRDS = sharedPath('gardener', 'v1.146.4');
const testIfCrds = hasShared('gardener', 'v1.146.4') ? itIfShared('crds') : itIfShared('gardener', 'v1.146.4');
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

  test('synthesizes the 23KE stages as Flux stages under gardener/, Kommander-free, in flux-system', () => {
    const g = stageGraph(files);
    expect([...g.stages.keys()].sort()).toStrictEqual([
      'flux-system',
      'gardener-configuration',
      'gardener-garden',
      'gardener-operator',
      'gardener-pre-gardener',
      'gardener-pre-gardener-resources',
      'gardener-virtual-garden',
      'gardener-virtual-garden-access',
      'gardener-virtual-garden-rbac',
    ]);
    expect(files.some((f) => f.path.startsWith('kommander/'))).toBe(false);
    expect(files.map((f) => f.path).join('\n')).not.toContain('kommander');
    for (const [name, s] of g.stages) {
      if (name === 'flux-system') continue;
      expect(s.path.startsWith('gardener/')).toBe(true);
      // Every stage waits for the health of what it applies.
      expect(s.spec.wait).toBe(true);
    }
    // A Gardener-only tree keeps its Flux objects where `flux bootstrap` puts them.
    const all = objects(files).map((o) => o.obj);
    const fluxObjects = all.filter((o) => /toolkit\.fluxcd\.io/.test(o.apiVersion) || (o.kind === 'ConfigMap' && o.metadata.name.endsWith('-base-values')));
    expect(new Set(fluxObjects.map((o) => o.metadata.namespace))).toStrictEqual(new Set(['flux-system', 'garden']));
    // Only the stages that apply into the virtual garden live in garden (their kubeconfig Secrets are there).
    expect(fluxObjects.filter((o) => o.metadata.namespace === 'garden').map((o) => o.metadata.name).sort()).toStrictEqual(['gardener-virtual-garden', 'gardener-virtual-garden-rbac']);
    // The namespace garden comes with the root Kustomization, before any stage.
    expect(files.map((f) => f.path)).toContain('clusters/garden/namespace-garden.yaml');
  });

  test('installs only what the operator path consumes: no ingress-nginx, no cert-manager', () => {
    const all = objects(files).map((o) => o.obj);
    expect(all.filter((o) => o.kind === 'HelmRelease').map((r) => r.metadata.name).sort()).toStrictEqual(['cert-management', 'external-dns-management', 'gardener-operator']);
    expect(all.some((o) => o.kind === 'Namespace' && ['ingress-nginx', 'cert-manager'].includes(o.metadata.name))).toBe(false);
  });

  test('each stage waits only on what it uses; CRD providers before their custom resources; the Gardenlet last', () => {
    const { stages, stageOf, after } = stageGraph(files);
    const issuer = stageOf('Issuer', 'default-issuer');
    const dnsProvider = stageOf('DNSProvider', 'base-dns-provider');
    const certificate = stageOf('Certificate', 'garden-ingress-wildcard');
    const garden = stageOf('Garden', 'example-landscape');
    const operator = stageOf('HelmRelease', 'gardener-operator');
    // cert-management before the Issuer; external-dns-management before the DNSProvider.
    expect(after(issuer, stageOf('HelmRelease', 'cert-management'))).toBe(true);
    expect(after(dnsProvider, stageOf('HelmRelease', 'external-dns-management'))).toBe(true);
    // gardener-operator needs only its chart source and values.
    expect(stages.get(operator)!.dependsOn).toStrictEqual(['gardener-configuration']);
    // The Garden after the operator (its CRDs) and the trusted certificate it serves; the Extensions with it.
    expect(stages.get(garden)!.dependsOn.sort()).toStrictEqual([certificate, operator].sort());
    expect(stageOf('Extension', 'provider-aws')).toBe(garden);
    // Flux's access, then the Gardenlet, CloudProfiles and Projects in the virtual garden.
    const vg = stageOf('Gardenlet', 'initial-seed');
    expect(stages.get(vg)!.dependsOn.sort()).toStrictEqual(['gardener-virtual-garden-access', 'gardener-virtual-garden-rbac']);
    expect(after(vg, garden)).toBe(true);
    expect(stageOf('CloudProfile', 'aws')).toBe(vg);
    expect(stageOf('Project', 'garden')).toBe(vg);
    // Custom resources are never in the stage of the release that brings their CRD.
    expect(issuer).not.toBe(stageOf('HelmRelease', 'cert-management'));
    expect(garden).not.toBe(operator);
  });

  test('every HelmRelease reads its base values and chart source from an earlier stage, in its own namespace', () => {
    const { stageOf, after } = stageGraph(files);
    const all = objects(files).map((o) => o.obj);
    const releases = all.filter((o) => o.kind === 'HelmRelease');
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
    // external-dns-management v0.43.0 renders no identifier: none is set.
    expect(values('external-dns-management').configuration).toStrictEqual({ dnsClass: 'base-dns-class' });
    // gardener.values.gardener-operator is merged over the synthesized values.
    expect(values('gardener-operator')).toStrictEqual({ replicaCount: 1, resources: { requests: { cpu: '100m' } } });
  });

  test('the Garden and the Extensions carry the config', () => {
    const all = objects(files).map((o) => o.obj);
    const garden = all.find((o) => o.kind === 'Garden')!;
    expect(garden.metadata).toStrictEqual({ name: 'example-landscape' });
    expect(garden.spec.virtualCluster.dns.domains).toStrictEqual([{ name: 'garden.example.com', provider: 'primary' }]);
    expect(garden.spec.runtimeCluster.ingress.domains).toStrictEqual([{ name: 'ingress.garden.example.com', provider: 'primary' }]);
    expect(garden.spec.dns.providers).toStrictEqual([{ name: 'primary', type: 'aws-route53', secretRef: { name: 'garden-dns-aws-route53' } }]);
    expect(garden.spec.virtualCluster.etcd.main.backup.secretRef).toStrictEqual({ name: 'garden-backup-aws' });
    const exts = all.filter((o) => o.kind === 'Extension');
    expect(exts.map((e) => e.metadata.name)).toStrictEqual(['networking-calico', 'os-gardenlinux', 'provider-aws', 'shoot-cert-service', 'shoot-dns-service']);
    // The extension serving the DNS type and the backup provider runs in the runtime cluster, and
    // shoot-cert-service gets the runtime values its maintainers publish (controlplane-cert-service).
    expect(exts.filter((e) => e.spec.deployment.extension.runtimeClusterValues !== undefined).map((e) => e.metadata.name)).toStrictEqual(['provider-aws', 'shoot-cert-service']);
    // Shoots get certificates from the landscape's ACME account unless the extension's values say otherwise.
    expect(exts.find((e) => e.metadata.name === 'shoot-cert-service')!.spec.deployment.extension.values).toStrictEqual({
      certificateConfig: { defaultIssuer: { name: 'garden', acme: { email: 'platform-team@example.com', server: 'https://acme-v02.api.letsencrypt.org/directory' } } },
    });
    // Cluster-scoped objects have no namespace.
    for (const o of [garden, ...exts]) expect(o.metadata.namespace).toBeUndefined();
  });

  test('the trusted certificate: a wildcard for the runtime ingress domain from the Issuer, into the garden-cert Secret', () => {
    const all = objects(files).map((o) => o.obj);
    const certs = all.filter((o) => o.kind === 'Certificate' && o.apiVersion === 'cert.gardener.cloud/v1alpha1');
    expect(certs).toHaveLength(1);
    expect(certs[0].metadata).toStrictEqual({ name: 'garden-ingress-wildcard', namespace: 'garden', annotations: { 'cert.gardener.cloud/class': 'base-cert-class' } });
    expect(certs[0].spec).toStrictEqual({
      commonName: '*.ingress.garden.example.com',
      dnsNames: ['*.ingress.garden.example.com'],
      issuerRef: { name: 'default-issuer', namespace: 'garden' },
      secretName: 'garden-ingress-wildcard-tls',
      secretLabels: { 'gardener.cloud/role': 'garden-cert' },
    });
    // The Issuer it names exists in the tree.
    expect(all.some((o) => o.kind === 'Issuer' && o.metadata.name === 'default-issuer' && o.metadata.namespace === 'garden')).toBe(true);
  });

  test('garden content: a CloudProfile per provider and the Projects, in the virtual garden', () => {
    const all = objects(files).map((o) => o.obj);
    const profiles = all.filter((o) => o.kind === 'CloudProfile');
    expect(profiles.map((p) => [p.apiVersion, p.metadata.name, p.spec.type])).toStrictEqual([['core.gardener.cloud/v1beta1', 'aws', 'aws']]);
    expect(profiles[0].spec.kubernetes.versions).toStrictEqual([{ version: '1.33.5' }, { version: '1.32.9' }]);
    expect(profiles[0].spec.regions).toStrictEqual([{ name: 'eu-central-1', zones: [{ name: 'eu-central-1a' }, { name: 'eu-central-1b' }, { name: 'eu-central-1c' }] }]);
    expect(profiles[0].spec.machineTypes[0]).toStrictEqual({ name: 'm5.large', cpu: '2', gpu: '0', memory: '8Gi', usable: true });
    const projects = all.filter((o) => o.kind === 'Project');
    expect(projects.map((p) => [p.metadata.name, p.spec.namespace])).toStrictEqual([['dev', 'garden-dev'], ['garden', 'garden']]);
    expect(projects[0].spec.members).toStrictEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'platform-team@example.com', role: 'admin' }]);
  });

  test('the virtual-garden stages read Secrets the tree creates: a token-requestor Secret, and the operator\'s own access for the RBAC', () => {
    const { stages, stageOf } = stageGraph(files);
    const all = objects(files).map((o) => o.obj);
    const s = stages.get(stageOf('Gardenlet', 'initial-seed'))!;
    expect(s.spec.kubeConfig).toStrictEqual({ secretRef: { name: 'shoot-access-flux', key: 'kubeconfig' } });
    expect(s.spec.prune).toBe(false);
    const vg = all.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'gardener-virtual-garden')!;
    // Flux reads spec.kubeConfig.secretRef in the Kustomization's own namespace: the Secret is there.
    const secret = all.find((o) => o.kind === 'Secret' && o.metadata.name === 'shoot-access-flux')!;
    expect(secret.metadata.namespace).toBe(vg.metadata.namespace);
    expect(secret.metadata.labels).toStrictEqual({ 'resources.gardener.cloud/purpose': 'token-requestor', 'resources.gardener.cloud/class': 'shoot' });
    expect(secret.metadata.annotations['serviceaccount.resources.gardener.cloud/name']).toBe('flux');
    expect(secret.metadata.annotations['kustomize.toolkit.fluxcd.io/ssa']).toBe('IfNotPresent');
    expect(Object.keys(secret.stringData)).toStrictEqual(['kubeconfig']);
    const kc = YAML.parse(secret.stringData.kubeconfig);
    expect(kc.clusters[0].cluster).toStrictEqual({ server: 'https://virtual-garden-kube-apiserver.garden.svc.cluster.local' });
    expect(kc.users).toStrictEqual([{ name: 'flux' }]);
    // It is applied by a stage that the virtual-garden stage waits for, healthy once the token is in.
    const access = stageOf('Secret', 'shoot-access-flux');
    expect(s.dependsOn).toContain(access);
    expect(stages.get(access)!.spec.healthCheckExprs[0].current).toContain('token-renew-timestamp');
    // The ServiceAccount gets its rights in the virtual garden through the RBAC stage.
    const rbac = stages.get('gardener-virtual-garden-rbac')!;
    expect(rbac.spec.kubeConfig).toStrictEqual({ secretRef: { name: 'gardener-internal', key: 'kubeconfig' } });
    const crb = all.find((o) => o.kind === 'ClusterRoleBinding')!;
    expect(crb.subjects).toStrictEqual([{ kind: 'ServiceAccount', name: 'flux', namespace: 'kube-system' }]);
    expect(stageOf('ClusterRoleBinding', crb.metadata.name)).toBe('gardener-virtual-garden-rbac');
    // The Issuer/DNSProvider/Certificate and the Garden are gated on their real health, not on kstatus.
    expect(stages.get('gardener-pre-gardener-resources')!.spec.healthCheckExprs.map((e: Obj) => e.kind)).toStrictEqual(['DNSProvider', 'Issuer', 'Certificate']);
    expect(stages.get('gardener-garden')!.spec.healthCheckExprs[0].current).toContain("status.lastOperation.state == 'Succeeded'");
  });

  testIfCrds('every custom resource is valid against ../shared/crds and the v1.146.4 operator CRDs (strict: unknown fields are errors)', () => {
    const registry = SchemaRegistry.fromPaths([CRDS, GARDENER_CRDS]);
    const checked: string[] = [];
    for (const { file, obj } of objects(files)) {
      const r = registry.validate(obj);
      if (r.status === 'no-crd') continue;
      expect({ file, result: r }).toStrictEqual({ file, result: { status: 'ok' } });
      checked.push(obj.kind);
    }
    for (const kind of ['Issuer', 'DNSProvider', 'Certificate', 'Garden', 'Extension', 'Gardenlet', 'HelmRelease', 'HelmRepository', 'Kustomization']) expect(checked).toContain(kind);
  });

  testIfCrds('passes the offline tree check with the declarations the config implies (gardener-apiserver APIs, the operator\'s access Secret)', () => {
    const findings = checkFiles(new Map(files.map((f) => [f.path, f.content.toString()])), { crdDirs: [CRDS, GARDENER_CRDS], ...checkDeclarations(loadConfig(EXAMPLE)) });
    expect(findings).toStrictEqual([]);
  });

  test('no clear-text credentials: the only Secret is the credential-less token-requestor one, credentials appear only as references', () => {
    const all = objects(files).map((o) => o.obj);
    expect(all.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).toStrictEqual(['shoot-access-flux']);
    for (const o of all) expect(plaintextSecretProblems(o)).toStrictEqual([]);
    const text = files.map((f) => f.content.toString()).join('\n');
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}|aws_secret_access_key|secretAccessKey:|password:|hmacKey:/i);
    // The referenced Secrets are named where they are used.
    expect(text).toContain('name: garden-dns-aws-route53');
  });

  test('BOOTSTRAP.md lists the referenced Secrets and the network-policy labels, no hand-made kubeconfig, no Kommander namespace', () => {
    const boot = files.find((f) => f.path === 'BOOTSTRAP.md')!.content.toString();
    expect(boot).toContain('## 6. The Gardener landscape');
    expect(boot).toContain('- `garden/garden-dns-aws-route53`: DNS provider credentials');
    expect(boot).toContain('kubectl label namespace flux-system networking.gardener.cloud/access-target-apiserver=allowed');
    expect(boot).toContain('networking.resources.gardener.cloud/to-garden-virtual-garden-kube-apiserver-tcp-443');
    expect(boot).toContain('flux bootstrap git --url=https://git.example.com/platform/garden.git --branch=main \\\n  --namespace=flux-system');
    expect(boot).not.toMatch(/virtual-garden-kubeconfig|--from-file=kubeconfig/);
    // Nothing is decrypted in namespace garden here (the credentials are referenced by name).
    expect(boot).not.toContain('kubectl -n garden create secret generic sops-age');
    expect(boot).not.toContain('kommander');
    // It links only to documents that exist.
    for (const m of boot.matchAll(/\b(docs\/[\w.-]+\.md)/g)) expect(fs.existsSync(path.join(ROOT, m[1]))).toBe(true);
  });

  test('the README and docs/gardener.md link only to documents that exist', () => {
    for (const doc of ['README.md', 'docs/gardener.md']) {
      const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
      const links = [...text.matchAll(/\]\((?!https?:|#)([^)#\s]+)/g)].map((m) => path.resolve(path.dirname(path.join(ROOT, doc)), m[1]));
      const mentioned = [...text.matchAll(/(?<![\w/.-])(docs\/[\w.-]+\.md)\b/g)].map((m) => path.join(ROOT, m[1]));
      for (const f of [...links, ...mentioned]) expect({ doc, f, exists: fs.existsSync(f) }).toStrictEqual({ doc, f, exists: true });
    }
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
    const findings = checkFiles(new Map(files.map((f) => [f.path, f.content.toString()])), { crdDirs: [CRDS, GARDENER_CRDS], ...declared });
    expect(findings).toStrictEqual([]);
  });

  test('the landscape shares the Kommander Flux namespace, and waits on no Kommander stage (gardener-operator needs no cert-manager)', () => {
    const { stages } = stageGraph(synthesized);
    const all = objects(synthesized).map((o) => o.obj);
    const gardenerStages = all.filter((o) => o.kind === 'Kustomization' && o.metadata.name.startsWith('gardener-'));
    expect(new Set(gardenerStages.map((o) => o.metadata.namespace))).toStrictEqual(new Set(['kommander-flux', 'garden']));
    expect(all.some((o) => /toolkit\.fluxcd\.io/.test(o.apiVersion) && o.metadata.namespace === 'flux-system')).toBe(false);
    for (const o of gardenerStages) for (const d of stages.get(o.metadata.name)!.dependsOn) expect(d.startsWith('gardener-')).toBe(true);
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
    expect(content('gardener/configuration/secret-garden-eab-key.sops.yaml')).toBeDefined();
    // The seed reads the DNS credentials in the virtual garden: a second copy, applied there.
    expect(content('gardener/virtual-garden/secret-garden-dns-route53.sops.yaml')).toBe(dnsFile);
    const { stages } = stageGraph(files);
    for (const s of ['gardener-configuration', 'gardener-virtual-garden']) {
      expect(stages.get(s)!.spec.decryption).toStrictEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
    }
    expect(stages.get('gardener-pre-gardener')!.spec.decryption).toBeUndefined();
    // The virtual-garden stage lives in garden: BOOTSTRAP.md puts the age identity there too.
    expect(stages.get('gardener-virtual-garden')!.spec.kubeConfig.secretRef.name).toBe('shoot-access-flux');
    expect(content('BOOTSTRAP.md')).toContain('kubectl -n garden create secret generic sops-age --from-file=age.agekey=./age.agekey');
    expect(YAML.parse(content('gardener/configuration/kustomization.yaml')!).resources).toContain('secret-garden-dns-route53.sops.yaml');
  });

  testIfCrds('the offline tree check sees the two copies as one object (it does not model spec.kubeConfig clusters yet)', () => {
    const findings = checkFiles(new Map(files.map((f) => [f.path, f.content.toString()])), { crdDirs: [CRDS, GARDENER_CRDS], ...checkDeclarations(loadConfig(path.join(dir, 'platform.yaml'))) });
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
    expect(copies).toHaveLength(3);
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
        const s = ctx.stage('gardener', 'chart-based virtual garden', { dependsOn: [ctx.stages.configuration, ...(ctx.stages.preGardenerResources ? [ctx.stages.preGardenerResources] : [])] });
        ctx.helmRelease(s, { component: 'gardener-controlplane', repository: 'https://charts.example.com', chart: 'controlplane', version: '1.86.0', targetNamespace: 'garden', values: {} });
        return { stages: { gardener: s } };
      },
    };
    // WHEN the tree is built with each module
    const operator = build();
    const chartBased = build(charts);
    // THEN the stages before the gardener stage are the same files
    const before = (fs_: RenderedFile[]) =>
      fs_.filter((f) => /^gardener\/(configuration|pre-gardener|pre-gardener-resources)\//.test(f.path) && !f.path.includes('base-values') && !f.path.includes('helmrepository') && !f.path.endsWith('/kustomization.yaml'));
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
    expect(files.map((f) => f.path)).toContain('clusters/garden/gitrepository-flux-system.yaml');
  });
});
