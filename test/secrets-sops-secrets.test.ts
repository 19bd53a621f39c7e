import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { synthesize } from '../lib/cli';
import { parseConfig } from '../lib/config/load';
import { ManagementRepository } from '../lib/platform';
import { inspectSopsFile, plaintextSecretProblems } from '../lib/sops/guard';
import { SecretStore } from '../lib/secrets/sops-secrets';
import { Folder } from '../lib/tree/folder';
import { renderTree } from '../lib/tree/render';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLE_RECIPIENT = 'age1hrfks4t59puyevulw4wfm5vlkj577yzetw23aejr8fuk0s79jgesgcrhfc';
const GITEA_SECRET = fs.readFileSync(path.join(ROOT, 'secrets/kommander/gitea-admin-credentials.sops.yaml'), 'utf8');

function workspace(files: { [rel: string]: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

function synthIn(dir: string, recipients = [EXAMPLE_RECIPIENT]) {
  const config = parseConfig(
    { clusterHostname: 'mgmt.example.com', git: { url: 'https://git.example.com/m.git' }, sops: { ageRecipients: recipients }, applicationDefinitions: path.join(ROOT, 'examples/kommander-applications/v2.8.3') },
    dir,
  );
  return synthesize(config);
}

describe('SecretStore and SopsSecret (synth copy-through and refusals)', () => {
  test('an encrypted file is copied byte for byte into the stage that applies it, which decrypts with sops-age', () => {
    // GIVEN the example's encrypted Gitea credentials
    const dir = workspace({ 'secrets/kommander/gitea-admin-credentials.sops.yaml': GITEA_SECRET });
    // WHEN
    const files = synthIn(dir);
    // THEN
    const copied = files.find((f) => f.path === 'kommander/gitea/secret-kommander-gitea-admin-credentials.sops.yaml')!;
    expect(copied.content.toString()).toBe(GITEA_SECRET);
    expect(files.find((f) => f.path === 'kommander/gitea/kustomization.yaml')!.content).toContain('secret-kommander-gitea-admin-credentials.sops.yaml');
    expect(files.find((f) => f.path === 'clusters/management/kustomization-gitea.yaml')!.content).toContain('decryption:\n    provider: sops\n    secretRef:\n      name: sops-age');
  });

  test('a Secret no stage uses goes to the kommander-secrets stage', () => {
    const other = GITEA_SECRET.replace('name: gitea-admin-credentials', 'name: extra').replace('namespace: kommander', 'namespace: kommander');
    const store = SecretStore.load(workspace({ 'secrets/kommander/extra.sops.yaml': other }), [EXAMPLE_RECIPIENT], () => ({ problems: [] }));
    expect(store.all.map((s) => `${s.namespace}/${s.name}`)).toStrictEqual(['kommander/extra']);
  });

  test('fails on a file that is not encrypted', () => {
    const dir = workspace({ 'secrets/kommander/plain.sops.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: plain, namespace: kommander}\nstringData: {password: hunter2}\n' });
    expect(() => synthIn(dir)).toThrow(/refusing to synthesize: 1 problem\(s\) with files under secrets\/:\n  secrets\/kommander\/plain\.sops\.yaml: .*not (SOPS-)?encrypted/i);
  });

  test('fails on a file without a mac', () => {
    const noMac = GITEA_SECRET.replace(/^ {2}mac: .*\n/m, '');
    expect(noMac).not.toBe(GITEA_SECRET);
    expect(() => synthIn(workspace({ 'secrets/kommander/gitea-admin-credentials.sops.yaml': noMac }))).toThrow(/mac/);
  });

  test('fails on a file encrypted to other recipients, and says to run rotate', () => {
    const other = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
    expect(() => synthIn(workspace({ 'secrets/kommander/gitea-admin-credentials.sops.yaml': GITEA_SECRET }), [other])).toThrow(
      'npm run -s secrets -- rotate',
    );
  });

  test('fails on a file stored under the wrong path', () => {
    expect(() => synthIn(workspace({ 'secrets/other/x.sops.yaml': GITEA_SECRET }))).toThrow(
      'secrets/other/x.sops.yaml: must be stored as secrets/kommander/gitea-admin-credentials.sops.yaml',
    );
  });

  test('fails on a plaintext Secret object anywhere in the tree', () => {
    const app = Testing.app();
    new k8s.KubeSecret(new Folder(app, 'F', { path: 'x' }), 'S', { metadata: { name: 'leak', namespace: 'kommander' }, stringData: { password: 'hunter2' } });
    expect(() => renderTree(app, { checkObject: plaintextSecretProblems })).toThrow('F/S (Secret leak)');
  });

  test('the example tree needs no private key and carries no age identity under dist/', () => {
    // the example synthesizes in CI without any identity (no SOPS_AGE_KEY, no keys file)
    const app = new App({ outdir: '.' });
    new ManagementRepository(app, 'P', { config: parseConfig({ clusterHostname: 'a.example.com', git: { url: 'https://g.example.com/r.git' }, sops: { ageRecipients: [EXAMPLE_RECIPIENT] }, applicationDefinitions: 'examples/kommander-applications/v2.8.3' }, ROOT), inspectSecret: inspectSopsFile });
    expect(renderTree(app).length).toBeGreaterThan(10);
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk(path.join(ROOT, 'dist'))) expect(/AGE-SECRET-KEY/i.test(fs.readFileSync(f, 'utf8'))).toBe(false);
  });
});
