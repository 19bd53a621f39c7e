import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { AgeKeyPair, generateAgeKeyPair } from '../lib/sops/age';
import { encryptManifest } from '../lib/sops/file';
import { containsAgeIdentity, inspectSopsFile, listSecretFiles, plaintextSecretProblems } from '../lib/sops/guard';

const SECRET = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: kommander\ntype: Opaque\nstringData:\n  username: admin\n  password: s3cret\n  empty: ""\n';
const FILE = 'secrets/kommander/creds.sops.yaml';

let alice: AgeKeyPair;
let bob: AgeKeyPair;
let encrypted: string;
beforeAll(async () => {
  [alice, bob] = await Promise.all([generateAgeKeyPair(), generateAgeKeyPair()]);
  encrypted = await encryptManifest(SECRET, { recipients: [alice.recipient, bob.recipient] });
});

describe('inspectSopsFile', () => {
  it('accepts a well-formed file encrypted to the config recipients (in any order)', () => {
    // GIVEN a file for alice and bob, and the config listing bob then alice
    // WHEN inspected
    const result = inspectSopsFile(FILE, encrypted, [bob.recipient, alice.recipient]);
    // THEN there is no problem and kind/namespace/name are reported
    expect(result).toEqual({ kind: 'Secret', namespace: 'kommander', name: 'creds', problems: [] });
  });

  it('fails a plaintext file', () => {
    // GIVEN a plain Secret under secrets/
    // WHEN inspected
    const result = inspectSopsFile(FILE, SECRET, [alice.recipient]);
    // THEN it is refused with the fix, and identity fields are still reported
    expect(result.problems).toEqual([
      `${FILE}: not SOPS-encrypted (no top-level "sops" block); never commit a plaintext Secret: encrypt it with npm run -s secrets -- set <namespace>/<name> key=value`,
    ]);
    expect(result.name).toBe('creds');
  });

  it('fails a file without sops.mac', () => {
    // GIVEN the mac line removed
    const mac = parse(encrypted).sops.mac as string;
    // WHEN inspected
    const result = inspectSopsFile(FILE, encrypted.replace(`  mac: ${mac}\n`, ''), [alice.recipient, bob.recipient]);
    // THEN the missing MAC is reported
    expect(result.problems).toEqual([
      `${FILE}: sops.mac is missing; Flux refuses such files and tampering cannot be detected: re-create it with npm run -s secrets -- set <namespace>/<name> key=value`,
    ]);
  });

  it('fails a plaintext value inside an encrypted file', () => {
    // GIVEN one value replaced by plaintext
    const enc = parse(encrypted).stringData.password as string;
    // WHEN inspected
    const result = inspectSopsFile(FILE, encrypted.replace(enc, 'hunter2'), [alice.recipient, bob.recipient]);
    // THEN the key is named (never its value)
    expect(result.problems).toEqual([
      `${FILE}: stringData.password is not encrypted (expected ENC[AES256_GCM,…]); never commit plaintext: re-set it with npm run -s secrets -- set <namespace>/<name> key=value`,
    ]);
    expect(result.problems.join()).not.toContain('hunter2');
  });

  it('fails when the recipients differ from the config, naming both sets and rotate', () => {
    // GIVEN a file for alice and bob, and a config listing only alice
    // WHEN inspected
    const result = inspectSopsFile(FILE, encrypted, [alice.recipient]);
    // THEN the message lists both sets and says to run rotate
    const have = [alice.recipient, bob.recipient].sort().join(', ');
    expect(result.problems).toEqual([
      `${FILE}: encrypted to recipients [${have}] but the config's sops.ageRecipients are [${alice.recipient}]; run: npm run -s secrets -- rotate`,
    ]);
  });

  it('fails when the config has no recipients', () => {
    // GIVEN an empty recipient list
    // WHEN inspected
    const result = inspectSopsFile(FILE, encrypted, []);
    // THEN it asks to add recipients (init) and rotate
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toContain('the config lists no sops.ageRecipients');
    expect(result.problems[0]).toContain('run: npm run -s secrets -- rotate');
  });

  it('fails on several documents, invalid YAML, bad lastmodified and empty files', () => {
    // GIVEN broken files
    // WHEN inspected
    // THEN each is reported
    expect(inspectSopsFile(FILE, `${encrypted}---\n${encrypted}`, [alice.recipient, bob.recipient]).problems).toEqual([
      `${FILE}: holds 2 YAML documents; write exactly one SOPS-encrypted Secret per file`,
    ]);
    expect(inspectSopsFile(FILE, 'a: [\n', []).problems[0]).toMatch(/^secrets\/kommander\/creds\.sops\.yaml: invalid YAML/);
    const lm = parse(encrypted).sops.lastmodified as string;
    expect(inspectSopsFile(FILE, encrypted.replace(lm, 'yesterday'), [alice.recipient, bob.recipient]).problems).toEqual([
      `${FILE}: sops.lastmodified "yesterday" is not RFC 3339 (Flux cannot load it); re-create the file with npm run -s secrets -- set <namespace>/<name> key=value`,
    ]);
    expect(inspectSopsFile(FILE, '', []).problems[0]).toContain('empty file');
  });
});

describe('plaintextSecretProblems', () => {
  it('fails a Secret with plaintext data or stringData', () => {
    // GIVEN a synthesized plaintext Secret
    const obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'ns' }, data: { a: 'YQ==' }, stringData: { b: 'c', e: '' } };
    // WHEN checked
    // THEN the keys (not the values) are named with the fix
    expect(plaintextSecretProblems(obj)).toEqual([
      'Secret ns/x: data.a, stringData.b holds a plaintext value and the Secret is not SOPS-encrypted; Secrets must come from secrets/ (npm run -s secrets -- set ns/x key=value), never in plaintext',
    ]);
  });

  it('fails a Secret with a sops block but a plaintext value', () => {
    // GIVEN an encrypted Secret with one value replaced
    const obj = parse(encrypted);
    obj.stringData.password = 'hunter2';
    // WHEN checked
    // THEN that key is reported
    expect(plaintextSecretProblems(obj)).toEqual([
      'Secret kommander/creds: stringData.password is not encrypted although the Secret has a sops block; Secrets must come from secrets/ (npm run -s secrets -- set kommander/creds key=value), never in plaintext',
    ]);
  });

  it('accepts encrypted Secrets, empty Secrets and other kinds', () => {
    // GIVEN harmless objects
    // WHEN checked
    // THEN nothing is reported
    expect(plaintextSecretProblems(parse(encrypted))).toEqual([]);
    expect(plaintextSecretProblems({ kind: 'Secret', metadata: { name: 'e' }, stringData: { a: '' } })).toEqual([]);
    expect(plaintextSecretProblems({ kind: 'Secret', metadata: { name: 'e' }, type: 'kubernetes.io/service-account-token' })).toEqual([]);
    expect(plaintextSecretProblems({ kind: 'ConfigMap', data: { a: 'b' } })).toEqual([]);
    expect(plaintextSecretProblems(null)).toEqual([]);
    expect(plaintextSecretProblems([{ kind: 'Secret' }])).toEqual([]);
  });
});

describe('containsAgeIdentity', () => {
  it('finds X25519, post-quantum and plugin identities in any case', () => {
    // GIVEN texts with identities
    // WHEN scanned
    // THEN each is found
    expect(containsAgeIdentity(`x: AGE-SECRET-KEY-1QQQ`)).toBe(true);
    expect(containsAgeIdentity(`AGE-SECRET-KEY-PQ-1Z8QMHKS`)).toBe(true);
    expect(containsAgeIdentity(`age-secret-key-1qqq`)).toBe(true);
    expect(containsAgeIdentity(`AGE-PLUGIN-YUBIKEY-1QQQ`)).toBe(true);
  });

  it('ignores recipients and encrypted files', () => {
    // GIVEN public data only
    // WHEN scanned
    // THEN nothing is found
    expect(containsAgeIdentity(encrypted)).toBe(false);
    expect(containsAgeIdentity(alice.recipient)).toBe(false);
    expect(containsAgeIdentity('AGE-SECRET')).toBe(false);
  });
});

describe('listSecretFiles', () => {
  it('lists YAML files recursively in sorted order', () => {
    // GIVEN a secrets tree
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sops-guard-'));
    try {
      for (const f of ['b/y.sops.yaml', 'a/z.sops.yaml', 'a/readme.md', 'a/x.yml']) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), '');
      }
      // WHEN listed
      // THEN only YAML files come back, sorted; a missing dir gives []
      expect(listSecretFiles(dir).map((f) => path.relative(dir, f))).toEqual(['a/x.yml', 'a/z.sops.yaml', 'b/y.sops.yaml']);
      expect(listSecretFiles(path.join(dir, 'nope'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
