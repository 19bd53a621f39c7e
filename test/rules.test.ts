/**
 * The stage-order and data rules of the synthesized tree, one assertion each, against the output
 * objects (found by kind and name), not against construct internals: the whole-tree snapshot
 * (golden.test.ts) is never the only guard of a rule, and `jest -u` cannot re-accept a break.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize } from '../lib/cli';
import { loadConfig } from '../lib/config/load';
import { encryptManifest } from '../lib/sops/file';
import * as YAML from 'yaml';

const ROOT = path.resolve(__dirname, '..');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any; data?: any };

function objectsOf(configFile: string): Obj[] {
  return synthesize(loadConfig(configFile)).flatMap((f) => (f.objects ?? []) as Obj[]).filter((o) => typeof o?.kind === 'string' && !o.apiVersion.startsWith('kustomize.config.k8s.io'));
}

/** Every object of every YAML file of the tree, the copied release included (rendered or not). */
function allObjectsOf(configFile: string): Obj[] {
  return synthesize(loadConfig(configFile))
    .filter((f) => /\.ya?ml$/.test(f.path))
    .flatMap((f) => YAML.parseAllDocuments(f.content.toString()).map((d) => d.toJS() as Obj))
    .filter((o) => typeof o?.kind === 'string');
}

function find(objects: readonly Obj[], kind: string, name: string, namespace?: string): Obj {
  const hits = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (hits.length !== 1) throw new Error(`expected one ${kind} ${namespace ? `${namespace}/` : ''}${name}, found ${hits.length}`);
  return hits[0];
}

/** A Flux Kustomization (stage) by name. */
function stage(objects: readonly Obj[], name: string): Obj {
  return find(
    objects.filter((o) => o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')),
    'Kustomization',
    name,
  );
}

function dependsOn(ks: Obj): string[] {
  return (ks.spec.dependsOn ?? []).map((d: { name: string }) => d.name).sort();
}

/** The names every stage waits for, transitively. */
function allDependencies(objects: readonly Obj[], name: string, seen = new Set<string>()): Set<string> {
  for (const d of dependsOn(stage(objects, name))) {
    if (!seen.has(d)) {
      seen.add(d);
      allDependencies(objects, d, seen);
    }
  }
  return seen;
}

describe('rules of the example tree (platform.yaml)', () => {
  const objects = objectsOf(path.join(ROOT, 'platform.yaml'));
  const everything = allObjectsOf(path.join(ROOT, 'platform.yaml'));

  test('gatekeeper installs after Flux is configured and its chart source is defined', () => {
    // GIVEN the gatekeeper stage
    const gk = stage(objects, 'gatekeeper');
    // THEN it waits for the flux configuration and the Helm repositories
    expect(dependsOn(gk)).toEqual(expect.arrayContaining(['kommander-flux-configuration', 'kommander-helm-repositories']));
  });

  test('appmanagement installs after gatekeeper (its webhooks must be up first)', () => {
    expect(dependsOn(stage(objects, 'kommander-appmanagement'))).toContain('gatekeeper');
  });

  test('the gatekeeper HelmRelease reads its chart from a HelmRepository applied by a stage gatekeeper waits for', () => {
    // GIVEN the gatekeeper HelmRelease and its sourceRef
    const hr = everything.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'gatekeeper')!;
    const ref = hr.spec.chart.spec.sourceRef;
    const repo = find(everything, 'HelmRepository', ref.name, ref.namespace);
    // THEN the HelmRepository exists, and the stage applying it is among the install stage's dependencies
    expect(repo.metadata.name).toBe(ref.name);
    expect(allDependencies(objects, 'kommander-install-gatekeeper')).toContain('kommander-helm-repositories');
  });

  test('caSecretNamespace of kommander-vars is where the CA Certificate writes the Secret the CA ClusterIssuer reads (cert-manager\'s cluster resource namespace)', () => {
    // GIVEN the CA ClusterIssuer, the Certificate that writes its Secret, cert-manager's HelmRelease and the vars
    const issuer = find(objects, 'ClusterIssuer', 'kommander-ca');
    const cert = objects.find((o) => o.kind === 'Certificate' && o.spec?.secretName === issuer.spec.ca.secretName)!;
    const certManager = everything.find((o) => o.kind === 'HelmRelease' && o.spec?.chart?.spec?.chart === 'cert-manager')!;
    const clusterResourceNamespace = certManager.spec.values?.clusterResourceNamespace ?? certManager.spec.targetNamespace ?? certManager.metadata.namespace;
    const vars = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kommander-vars');
    // THEN a ClusterIssuer reads its CA Secret from cert-manager's cluster resource namespace: the Certificate writes it there
    expect(cert.metadata.namespace).toBe(clusterResourceNamespace);
    // AND every copy of kommander-vars names that namespace and Secret
    expect(vars.length).toBeGreaterThan(0);
    for (const v of vars) expect({ ns: v.data.caSecretNamespace, secret: v.data.caSecretName }).toStrictEqual({ ns: clusterResourceNamespace, secret: issuer.spec.ca.secretName });
  });

  test('the CA Certificate behind the CA ClusterIssuer is a CA issued by the self-signed ClusterIssuer', () => {
    const cert = find(objects, 'Certificate', 'kommander-ca');
    expect(cert.spec.isCA).toBe(true);
    expect(cert.spec.issuerRef).toMatchObject({ kind: 'ClusterIssuer', name: find(objects, 'ClusterIssuer', 'selfsigned-issuer').metadata.name });
  });

  test('stages that decrypt SOPS Secrets read the age identity Secret of the config', () => {
    const decrypting = objects.filter((o) => o.apiVersion.startsWith('kustomize.toolkit') && o.spec?.decryption);
    expect(decrypting.length).toBeGreaterThan(0);
    for (const ks of decrypting) expect({ ks: ks.metadata.name, d: ks.spec.decryption }).toStrictEqual({ ks: ks.metadata.name, d: { provider: 'sops', secretRef: { name: 'sops-age' } } });
  });

  test('has no kommander-secrets stage when every Secret under secrets/ is claimed by its stage', () => {
    expect(objects.filter((o) => o.kind === 'Kustomization' && o.metadata.name === 'kommander-secrets')).toStrictEqual([]);
  });
});

describe('the fallback kommander-secrets stage', () => {
  test('applies the Secrets no stage claims, decrypting them, after the namespaces exist', async () => {
    // GIVEN the example config and its secrets/, plus a SOPS-encrypted Secret in a namespace no stage claims
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-secrets-'));
    const text = fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8').replace(/^applicationDefinitions: (.*)$/m, (_, p: string) => `applicationDefinitions: ${path.join(ROOT, p)}`);
    fs.writeFileSync(path.join(dir, 'platform.yaml'), text);
    fs.cpSync(path.join(ROOT, 'secrets'), path.join(dir, 'secrets'), { recursive: true });
    const recipients = [...text.matchAll(/\b(age1[0-9a-z]{58})\b/g)].map((m) => m[1]);
    fs.mkdirSync(path.join(dir, 'secrets', 'team-a'));
    const manifest = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-token\n  namespace: team-a\ntype: Opaque\nstringData:\n  token: t0ps3cret\n';
    fs.writeFileSync(path.join(dir, 'secrets', 'team-a', 'api-token.sops.yaml'), await encryptManifest(manifest, { recipients }));
    // WHEN it is synthesized
    const files = synthesize(loadConfig(path.join(dir, 'platform.yaml')));
    const objects = files.flatMap((f) => (f.objects ?? []) as Obj[]);
    // THEN a kommander-secrets stage exists, decrypts with the age identity and waits for the base namespaces
    const ks = stage(objects, 'kommander-secrets');
    expect(ks.spec.decryption).toStrictEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
    expect(dependsOn(ks)).toContain('kommander-base');
    // AND its folder holds the encrypted file byte for byte, and nothing in the tree holds the plaintext
    const folder = ks.spec.path.replace(/^\.\//, '');
    const secretFile = files.find((f) => f.path.startsWith(`${folder}/`) && f.content.toString().includes('name: api-token'));
    expect(secretFile?.content.toString()).toBe(fs.readFileSync(path.join(dir, 'secrets', 'team-a', 'api-token.sops.yaml'), 'utf8'));
    expect(files.filter((f) => f.content.toString().includes('t0ps3cret')).map((f) => f.path)).toStrictEqual([]);
    // AND the claimed Secrets stay in their own stages
    expect(files.filter((f) => f.path.startsWith(`${folder}/`) && f.content.toString().includes('gitea-admin-credentials'))).toStrictEqual([]);
  });
});
