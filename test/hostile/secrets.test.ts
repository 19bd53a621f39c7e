/**
 * Hostile corpus, secrets: every door into the tree (files under secrets/, copied application
 * definitions in YAML and JSON, multi-document, List, embedded manifests) passes the same guard.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { AgeKeyPair, encryptManifest, generateAgeKeyPair } from '../../lib/sops';
import { ALLOW_READABLE_SECRET, containsEncodedAgeIdentity, credentialUrls, fakeEncryptedValue, guardFile } from '../../lib/sops/guard';
import { expectRefused, project, Project, synth } from './harness';

const SECRET = 'secrets/kommander/gitea-admin-credentials.sops.yaml';
// A made-up identity of the right shape (bech32 body); never a real key.
const IDENTITY = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';
const APPDEF = 'examples/kommander-applications/v2.8.3/services/reloader/1.0.65';

let p: Project;
beforeEach(() => {
  p = project();
});

function editSecret(edit: (text: string) => string): void {
  const file = path.join(p.dir, SECRET);
  fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
}
function addAppDef(name: string, content: string | Buffer): void {
  fs.writeFileSync(path.join(p.dir, APPDEF, name), content);
}
const PLAIN_SECRET = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\n  namespace: kommander\nstringData:\n  token: hunter2hunter2\n';

describe('fails on files under secrets/ that are not exactly what SOPS writes', () => {
  test('fails on a plaintext top-level key next to the encrypted values', () => {
    editSecret((t) => t.replace('type: Opaque\n', 'type: Opaque\nextra: plaintext-password\n'));
    expectRefused(p, [`${SECRET}: extra is plaintext outside the Kubernetes envelope`, 'must be encrypted: remove it, or re-set the Secret with npm run -s secrets -- set']);
  });

  test('fails on a plaintext annotation (last-applied-configuration carries the Secret)', () => {
    editSecret((t) => t.replace('  namespace: kommander\n', '  namespace: kommander\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: \'{"stringData":{"password":"x"}}\'\n'));
    expectRefused(p, [`${SECRET}: metadata.annotations.kubectl.kubernetes.io/last-applied-configuration is a plaintext annotation`, 'remove it, or re-set the Secret with npm run -s secrets -- set']);
  });

  test('fails on a fake ENC[…] envelope around base64 of the plaintext', () => {
    const fake = `ENC[AES256_GCM,data:${Buffer.from('hunter2-password').toString('base64')},iv:${Buffer.alloc(32, 7).toString('base64')},tag:${Buffer.alloc(16, 9).toString('base64')},type:str]`;
    editSecret((t) => t.replace(/  password: ENC\[[^\n]+/, `  password: ${fake}`));
    expectRefused(p, [`${SECRET}: stringData.password holds readable text where SOPS writes ciphertext (plaintext inside a fake ENC[…] envelope)`, 're-set it with npm run -s secrets -- set']);
  });

  test('fails on an ENC[…] value with a 12-byte iv (SOPS writes 32)', () => {
    editSecret((t) => t.replace(/(  password: ENC\[AES256_GCM,data:[^,]+,iv:)[^,]+/, `$1${Buffer.alloc(12, 1).toString('base64')}`));
    expectRefused(p, [`${SECRET}: stringData.password has a 12-byte iv (SOPS writes 32)`, 're-set it with npm run -s secrets -- set']);
  });

  test('fails on mac_only_encrypted with a plaintext key', () => {
    editSecret((t) => t.replace('  version: 3.9.0', '  mac_only_encrypted: true\n  version: 3.9.0').replace('type: Opaque\n', 'type: Opaque\ndata:\n  token: aHVudGVyMg==\n'));
    expectRefused(p, [`${SECRET}: data.token is not encrypted (expected ENC[AES256_GCM,…])`, 'never commit plaintext: re-set it with npm run -s secrets -- set']);
  });

  test('fails on a plaintext value in stringData', () => {
    editSecret((t) => t.replace(/  password: ENC\[[^\n]+/, '  password: hunter2'));
    expectRefused(p, [`${SECRET}: stringData.password is not encrypted`, 'never commit plaintext: re-set it with npm run -s secrets -- set']);
  });

  test('fails on a forged MAC that is readable text', () => {
    editSecret((t) => t.replace(/  mac: ENC\[AES256_GCM,data:[^,]+/, `  mac: ENC[AES256_GCM,data:${Buffer.from('A'.repeat(128)).toString('base64')}`));
    expectRefused(p, [`${SECRET}: sops.mac holds readable text where SOPS writes ciphertext`, 'the MAC is not one SOPS wrote']);
  });

  test('fails on a sops key SOPS never writes', () => {
    editSecret((t) => t.replace('  version: 3.9.0', '  version: 3.9.0\n  note: hunter2'));
    expectRefused(p, [`${SECRET}: sops.note is not a key SOPS writes`, 're-create the file with npm run -s secrets -- set']);
  });

  test('fails on an age stanza that is not an armored age file', () => {
    editSecret((t) => t.replace('-----BEGIN AGE ENCRYPTED FILE-----', '-----BEGIN NOT AGE-----'));
    expectRefused(p, [`${SECRET}: sops.age[0].enc is not an armored age file`, 're-create the file with npm run -s secrets -- set']);
  });

  test('fails on two encryption rules', () => {
    editSecret((t) => t.replace('  encrypted_regex: ^(data|stringData)$', '  encrypted_regex: ^(data|stringData)$\n  unencrypted_suffix: _plain'));
    expectRefused(p, [`${SECRET}: sops sets encrypted_regex and unencrypted_suffix; SOPS writes at most one rule`, 're-create the file with npm run -s secrets -- set']);
  });

  test('fails on a file without a sops block', () => {
    fs.writeFileSync(path.join(p.dir, SECRET), PLAIN_SECRET.replace('name: leak', 'name: gitea-admin-credentials'));
    expectRefused(p, [`${SECRET}: not SOPS-encrypted (no top-level "sops" block)`, 'encrypt it with npm run -s secrets -- set']);
  });

  test('fails on an age identity in a comment of a SOPS file', () => {
    editSecret((t) => `# backup key: ${IDENTITY}\n${t}`);
    expectRefused(p, ['holds an age identity', 'only public recipients belong in Git']);
  });
});

describe('fails on unreadable or hostile files under secrets/', () => {
  test('fails on a FIFO under secrets/ without blocking', () => {
    execFileSync('mkfifo', [path.join(p.dir, 'secrets/kommander/pipe.sops.yaml')]);
    expectRefused(p, ['secrets/kommander/pipe.sops.yaml: the secret file is a FIFO (named pipe), not a regular file', '(pass the path of a YAML file)']);
  });

  test('fails on a symbolic link under secrets/ (it could point at any file on the machine)', () => {
    fs.symlinkSync('/etc/hostname', path.join(p.dir, 'secrets/kommander/link.sops.yaml'));
    expectRefused(p, ['secrets/kommander/link.sops.yaml: is a symbolic link; files under secrets/ are read only as regular files', '(replace the link with the encrypted file)']);
  });

  test('fails on an alias bomb in a secret file, bounded, with the line', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    fs.writeFileSync(path.join(p.dir, 'secrets/kommander/bomb.sops.yaml'), bomb.join('\n') + '\n');
    expectRefused(p, [/secrets\/kommander\/bomb\.sops\.yaml:\d+:\d+: (has more than 100 YAML aliases|alias \*\w expands beyond)/, 'write the values out instead']);
  });
});

describe('fails on plaintext Secrets among the application definitions', () => {
  test('fails on a plain Secret manifest', () => {
    addAppDef('leak.yaml', PLAIN_SECRET);
    expectRefused(p, ['services/reloader/1.0.65/leak.yaml: Secret kommander/leak: stringData.token holds a plaintext value', 'Secrets must come from secrets/ (npm run -s secrets -- set']);
  });

  test('fails on a Secret in the second document of a multi-document file', () => {
    addAppDef('multi.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\n${PLAIN_SECRET}`);
    expectRefused(p, ['1.0.65/multi.yaml: Secret kommander/leak: stringData.token holds a plaintext value', 'Secrets must come from secrets/ (npm run -s secrets -- set']);
  });

  test('fails on a Secret inside kind: List', () => {
    addAppDef('list.yaml', `apiVersion: v1\nkind: List\nitems:\n  - ${PLAIN_SECRET.trim().split('\n').join('\n    ')}\n`);
    expectRefused(p, ['1.0.65/list.yaml: Secret kommander/leak: stringData.token holds a plaintext value', 'Secrets must come from secrets/ (npm run -s secrets -- set']);
  });

  test('fails on a Secret inside a List inside a List', () => {
    const inner = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'deep' }, data: { k: 'aHVudGVy' } }] };
    addAppDef('nested.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [inner] }));
    expectRefused(p, ['1.0.65/nested.json: Secret deep: data.k holds a plaintext value', 'Secrets must come from secrets/ (npm run -s secrets -- set']);
  });

  test('fails on a Secret written as JSON', () => {
    addAppDef('leak.json', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'j', namespace: 'kommander' }, data: { password: 'aHVudGVyMg==' } }));
    expectRefused(p, ['1.0.65/leak.json: Secret kommander/j: data.password holds a plaintext value', 'Secrets must come from secrets/ (npm run -s secrets -- set']);
  });

  test('fails on a Secret manifest embedded in a ConfigMap value', () => {
    addAppDef('embedded.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: carrier\ndata:\n  manifest.yaml: |\n    ${PLAIN_SECRET.trim().split('\n').join('\n    ')}\n`);
    expectRefused(p, ['1.0.65/embedded.yaml (embedded in data.manifest.yaml): Secret kommander/leak: stringData.token holds a plaintext value', 'Secrets must come from secrets/ (npm run -s secrets -- set']);
  });

  test('fails on a Secret nested in HelmRelease values (a chart\'s extraObjects)', () => {
    addAppDef('extra.yaml', 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: r\nspec:\n  values:\n    extraObjects:\n      - apiVersion: v1\n        kind: Secret\n        metadata:\n          name: extra\n        stringData:\n          token: hunter2hunter2\n');
    expectRefused(p, ['1.0.65/extra.yaml (nested in spec.values.extraObjects.0): Secret extra: stringData.token holds a plaintext value', 'Secrets must come from secrets/ (npm run -s secrets -- set']);
  });

  test('fails on an unparseable manifest that declares a Secret', () => {
    addAppDef('broken.yaml', 'kind: Secret\nstringData:\n  token: [unclosed\n');
    expectRefused(p, ['1.0.65/broken.yaml:', 'the guard cannot check a file it cannot parse', 'fix it or leave it out']);
  });

  test('fails on a Secret with a fake sops block (no real MAC)', () => {
    addAppDef('fake-sops.yaml', `${PLAIN_SECRET}sops:\n  mac: none\n  lastmodified: "2026-01-01T00:00:00Z"\n`);
    expectRefused(p, ['1.0.65/fake-sops.yaml: sops.mac is not of the form ENC[AES256_GCM', '1.0.65/fake-sops.yaml: stringData.token is plaintext outside the Kubernetes envelope']);
  });
});

describe('fails on an age identity in any encoding a reader could reverse', () => {
  const cases: [string, string | Buffer][] = [
    ['plain', `key: ${IDENTITY}\n`],
    ['lower case', `key: ${IDENTITY.toLowerCase()}\n`],
    ['base64', `key: ${Buffer.from(IDENTITY).toString('base64')}\n`],
    ['base64url, line-wrapped', `key: |\n  ${Buffer.from(`x${IDENTITY}`).toString('base64url').match(/.{1,20}/g)!.join('\n  ')}\n`],
    ['double base64', `key: ${Buffer.from(Buffer.from(IDENTITY).toString('base64')).toString('base64')}\n`],
    ['hex', `key: ${Buffer.from(IDENTITY).toString('hex')}\n`],
    ['YAML \\x escapes', `key: "${[...IDENTITY.slice(0, 16)].map((c) => `\\x${c.charCodeAt(0).toString(16)}`).join('')}${IDENTITY.slice(16)}"\n`],
    ['YAML \\u escapes', `key: "\\u0041\\u0047\\u0045-SECRET-KEY-1QQQQ"\n`],
    ['a double-quoted line continuation', `key: "AGE-SECRET-\\\n  KEY-1QQQQQQQQ"\n`],
    ['a folded scalar', `key: >-\n  AGE-SECRET-\n  KEY-1QQQQ\n`],
    ['split across concatenated strings', `script: echo "AGE-SEC" + "RET-KEY-1QQQQ"\n`],
    ['UTF-16LE', Buffer.from(`key: ${IDENTITY}\n`, 'utf16le')],
    ['gzip', zlib.gzipSync(Buffer.from(IDENTITY))],
    ['base64 of gzip', `blob: ${zlib.gzipSync(Buffer.from(IDENTITY)).toString('base64')}\n`],
    ['percent-encoding', `url: https://x.example/?k=%41%47%45%2D%53%45%43%52%45%54%2D%4B%45%59%2D1QQQQ\n`],
  ];
  test.each(cases)('fails on an identity as %s in a copied file', (_, content) => {
    addAppDef('identity.yaml.txt', content);
    expectRefused(p, ['1.0.65/identity.yaml.txt: holds an age identity (AGE-SECRET-KEY-…, possibly encoded, escaped or compressed)', 'remove private keys from the inputs']);
  });
});

test('fails on an age identity in a file name', () => {
  addAppDef(`${IDENTITY}.yaml`, 'a: 1\n');
  expectRefused(p, [`1.0.65/${IDENTITY}.yaml: holds an age identity`, 'remove private keys from the inputs']);
});

describe('fails on credentials in URLs and private keys', () => {
  test('fails on https://<token>@host in a copied manifest', () => {
    addAppDef('repo.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: r\nspec:\n  url: https://ghp_abcdefghijklmnop@github.com/org/repo\n');
    expectRefused(p, ['1.0.65/repo.yaml: holds a URL with credentials (https://***@…)', 'reference it (e.g. secretRef), never in a URL']);
  });

  test('fails on https://user:password@host in a copied file', () => {
    addAppDef('notes.md', 'clone https://admin:s3cret@git.example.com/x.git\n');
    expectRefused(p, ['1.0.65/notes.md: holds a URL with credentials', 'never in a URL']);
  });

  test('fails on an SSH private key among the application definitions', () => {
    addAppDef('id_ed25519', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n');
    expectRefused(p, ['1.0.65/id_ed25519: holds a private key (-----BEGIN … PRIVATE KEY-----)', 'keep private keys out of the repository']);
  });
});

describe('the guard functions', () => {
  test('a real SOPS value is not taken for a fake one', () => {
    expect(fakeEncryptedValue('ENC[AES256_GCM,data:AfGNfsj1phHxq8U=,iv:VNmcjRcOUHoaKgW3Z4zK/Ewf0SgrIgWObImsZ8YcRDQ=,tag:DTZJ+M4JV/wpKDA3OuinuA==,type:str]')).toBeUndefined();
    // real ciphertext of a short value can be printable by chance (about 1 in 8,000 for 9 bytes): not refused
    expect(fakeEncryptedValue(`ENC[AES256_GCM,data:${Buffer.from('k9#Lp2!xQ').toString('base64')},iv:VNmcjRcOUHoaKgW3Z4zK/Ewf0SgrIgWObImsZ8YcRDQ=,tag:DTZJ+M4JV/wpKDA3OuinuA==,type:str]`)).toBeUndefined();
  });
  test('ssh://git@host and ${VAR} placeholders are no credentials', () => {
    expect(credentialUrls('ssh://git@github.com/org/repo https://${GIT_USER}:${GIT_TOKEN}@host/x')).toEqual([]);
  });
  test('the example tree passes the guard', () => {
    const dist = path.join(__dirname, '..', '..', 'dist');
    const problems = fs.readdirSync(dist, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).flatMap((e) => {
      const full = path.join(e.parentPath, e.name);
      return guardFile({ path: path.relative(dist, full), content: fs.readFileSync(full) });
    });
    expect(problems).toEqual([]);
  });
  test('an identity-free binary file passes', () => {
    expect(containsEncodedAgeIdentity(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)))).toBe(false);
  });
});

describe('fails on a tampered SOPS file when an identity is available (the MAC is verified)', () => {
  let pair: AgeKeyPair;
  beforeAll(async () => {
    pair = await generateAgeKeyPair();
  });
  async function reencrypted(): Promise<Project> {
    const q = project();
    const cfg = fs.readFileSync(q.config, 'utf8').replace(/age1hrfks[0-9a-z]+/, pair.recipient);
    fs.writeFileSync(q.config, cfg);
    for (const [ns, name] of [['kommander', 'chartmuseum-admin-credentials'], ['kommander', 'gitea-admin-credentials'], ['kommander-flux', 'kommander-git-credentials']]) {
      const plain = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ntype: Opaque\nstringData:\n  username: admin\n  password: hunter2-${name}\n`;
      fs.writeFileSync(path.join(q.dir, 'secrets', ns, `${name}.sops.yaml`), await encryptManifest(plain, { recipients: [pair.recipient] }));
    }
    return q;
  }

  test('a file re-encrypted to a fresh identity synthesizes (MAC verified)', async () => {
    const q = await reencrypted();
    const r = synth(q.config, q.out, { SOPS_AGE_KEY: pair.identity });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('fails on an edited plaintext envelope field (type) with the identity: MAC mismatch', async () => {
    const q = await reencrypted();
    const file = path.join(q.dir, SECRET);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('type: Opaque', 'type: kubernetes.io/basic-auth'));
    expectRefused(q, [`${SECRET}: MAC mismatch: the file was modified outside SOPS`, 'restore it from Git or re-create it with npm run -s secrets -- set'], { SOPS_AGE_KEY: pair.identity });
  });

  test('fails on two ciphertexts swapped between keys with the identity (each value is bound to its key)', async () => {
    const q = await reencrypted();
    const file = path.join(q.dir, SECRET);
    const t = fs.readFileSync(file, 'utf8');
    const u = /  username: (ENC\[[^\n]+)/.exec(t)![1];
    const pw = /  password: (ENC\[[^\n]+)/.exec(t)![1];
    fs.writeFileSync(file, t.replace(u, 'U').replace(pw, u).replace('  username: U', `  username: ${pw}`));
    expectRefused(q, [`${SECRET}: stringData.`, 'restore the file from Git or re-create it'], { SOPS_AGE_KEY: pair.identity });
  });

  test('without an identity the same edit is not detectable (the documented limit)', async () => {
    const q = await reencrypted();
    const file = path.join(q.dir, SECRET);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('type: Opaque', 'type: kubernetes.io/basic-auth'));
    expect(synth(q.config, q.out).code).toBe(0);
  });
});

describe('the extension point for readable Secrets that hold no secret', () => {
  test('a predicate in ALLOW_READABLE_SECRET lets exactly the Secrets it recognizes through', () => {
    const kubeconfig = { path: 'k.yaml', content: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: kc\n  labels:\n    resources.gardener.cloud/purpose: token-requestor\nstringData:\n  kubeconfig: "clusters: []"\n' };
    expect(guardFile(kubeconfig)).toHaveLength(1);
    const allow = (o: Record<string, unknown>) => (o.metadata as any)?.labels?.['resources.gardener.cloud/purpose'] === 'token-requestor';
    ALLOW_READABLE_SECRET.push(allow);
    try {
      expect(guardFile(kubeconfig)).toEqual([]);
      expect(guardFile({ path: 'x.yaml', content: PLAIN_SECRET })).toHaveLength(1);
    } finally {
      ALLOW_READABLE_SECRET.splice(ALLOW_READABLE_SECRET.indexOf(allow), 1);
    }
  });
});
