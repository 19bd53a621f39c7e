import { parse } from 'yaml';
import { AgeKeyPair, generateAgeKeyPair, unwrapDataKey } from '../lib/sops/age';
import { isEncryptedValue } from '../lib/sops/codec';
import { decryptSopsFile, encryptManifest, openSopsFile, reencrypt, rotateFile } from '../lib/sops/file';
import { LASTMODIFIED_PATTERN } from '../lib/sops/mac';
import { readMetadata } from '../lib/sops/metadata';
import { setSecretValues } from '../lib/sops/secret';

const PLAIN = [
  'apiVersion: v1',
  'kind: Secret',
  'metadata:',
  '  name: db-creds',
  '  namespace: apps',
  '  labels:',
  '    app: db',
  'type: Opaque',
  'immutable: false',
  'data:',
  '  ca.crt: Y2VydGlmaWNhdGU=',
  'stringData:',
  '  unicode: ünïcödé ✓ 密码',
  '  colon: "key: value"',
  '  hash: "a # b"',
  '  multiline: |',
  '    line one',
  '    line two',
  '  empty: ""',
  '  "yes": "yes"',
  '  date: "2001-12-14"',
  '  "1": one',
  '',
].join('\n');

const T0 = new Date('2026-11-21T19:03:55.500Z');
const T1 = new Date('2026-11-22T08:00:00Z');

/** A deterministic byte source: 0, 1, 2, … (wrapping), distinct per call sequence. */
function counter(start = 0): (n: number) => Buffer {
  let next = start;
  return (n) => Buffer.from(Array.from({ length: n }, () => next++ & 0xff));
}

/** Lines of b that differ from a at the same position (files of equal line count). */
function changedLines(a: string, b: string): string[] {
  const la = a.split('\n');
  const lb = b.split('\n');
  expect(lb).toHaveLength(la.length);
  return lb.filter((l, i) => l !== la[i]).map((l) => l.replace(/:.*$/, '').trim());
}

let alice: AgeKeyPair;
let bob: AgeKeyPair;
beforeAll(async () => {
  [alice, bob] = await Promise.all([generateAgeKeyPair(), generateAgeKeyPair()]);
});

describe('encryptManifest', () => {
  it('encrypts only data/stringData values, keeps "" and writes the metadata', async () => {
    // GIVEN a Secret with unicode, ": ", "#", multiline, empty, YAML-1.1-ambiguous and all-digit keys
    // WHEN encrypted
    const text = await encryptManifest(PLAIN, { recipients: [alice.recipient], now: () => T0 });
    const obj = parse(text);
    // THEN metadata stays readable, every non-empty value is ENC[…], "" stays ""
    expect(obj.metadata).toEqual({ name: 'db-creds', namespace: 'apps', labels: { app: 'db' } });
    expect(obj.immutable).toBe(false);
    expect(isEncryptedValue(obj.data['ca.crt'])).toBe(true);
    for (const k of ['unicode', 'colon', 'hash', 'multiline', 'yes', 'date', '1']) expect(isEncryptedValue(obj.stringData[k])).toBe(true);
    expect(obj.stringData.empty).toBe('');
    expect(text).toContain('  empty: ""\n');
    // AND no plaintext value appears anywhere
    for (const secret of ['ünïcödé', 'key: value', 'a # b', 'line one', 'Y2VydGlmaWNhdGU=']) expect(text).not.toContain(secret);
    // AND the sops block has the Flux rule, version 3.9.0 and a quoted second-precision lastmodified
    expect(obj.sops.encrypted_regex).toBe('^(data|stringData)$');
    expect(obj.sops.version).toBe('3.9.0');
    expect(obj.sops.lastmodified).toMatch(LASTMODIFIED_PATTERN);
    expect(text).toContain('  lastmodified: "2026-11-21T19:03:55Z"\n');
    expect(obj.sops.age).toHaveLength(1);
    expect(Object.keys(obj.sops)).toEqual(['age', 'encrypted_regex', 'lastmodified', 'mac', 'version']);
  });

  it('round-trips through decrypt to the same plaintext', async () => {
    // GIVEN an encrypted Secret
    const text = await encryptManifest(PLAIN, { recipients: [alice.recipient, bob.recipient] });
    // WHEN decrypted by either recipient
    const a = await decryptSopsFile(text, [alice.identity]);
    const b = await decryptSopsFile(text, [bob.identity]);
    // THEN the manifest is exactly the input
    expect(a).toBe(PLAIN);
    expect(b).toBe(PLAIN);
  });

  it('is deterministic apart from the age stanzas with injected clock and randomness', async () => {
    // GIVEN the same input, clock and byte source twice
    const opts = { recipients: [alice.recipient], now: () => T0 };
    // WHEN encrypted twice
    const a = await encryptManifest(PLAIN, { ...opts, randomBytes: counter() });
    const b = await encryptManifest(PLAIN, { ...opts, randomBytes: counter() });
    // THEN only the armored age file differs (typage uses its own randomness)
    const strip = (t: string): string => t.replace(/-----BEGIN[\s\S]*?-----END AGE ENCRYPTED FILE-----/g, 'ENC');
    expect(strip(a)).toBe(strip(b));
  });

  it('drops comments under encrypted keys with a warning and keeps the others', async () => {
    // GIVEN comments in cleartext and under stringData
    const warnings: string[] = [];
    const src = '# top\nkind: Secret # kind\nstringData:\n  # secret hint\n  a: b # inline\n';
    // WHEN encrypted
    const text = await encryptManifest(src, { recipients: [alice.recipient], warn: (m) => warnings.push(m) });
    // THEN the encrypted part has no comment, cleartext comments stay
    expect(text).toContain('# top');
    expect(text).toContain('kind: Secret # kind');
    expect(text).not.toContain('secret hint');
    expect(text).not.toContain('inline');
    expect(warnings).toEqual(['stdin: dropped 2 comment(s) under encrypted keys (SOPS would encrypt them; this tool writes none)']);
  });

  it('fails on multiple documents, an existing sops block and no recipients', async () => {
    // GIVEN bad inputs
    // WHEN encrypted
    // THEN each fails with the fix
    await expect(encryptManifest('a: 1\n---\nb: 2\n', { recipients: [alice.recipient] })).rejects.toThrow('stdin: holds 2 YAML documents');
    await expect(encryptManifest('a: 1\nsops: {}\n', { recipients: [alice.recipient] })).rejects.toThrow('already has a top-level "sops" key');
    await expect(encryptManifest('a: 1\n', { recipients: [] })).rejects.toThrow('stdin: no age recipients to encrypt to');
  });
});

describe('openSopsFile', () => {
  let text: string;
  beforeAll(async () => {
    text = await encryptManifest(PLAIN, { recipients: [alice.recipient], now: () => T0 });
  });

  it('returns the plaintext document, the data key and the nonces', async () => {
    // GIVEN an encrypted file
    // WHEN opened
    const opened = await openSopsFile(text, [alice.identity], 'x.yaml');
    // THEN it carries what re-encryption needs
    expect(opened.document.getIn(['stringData', 'multiline'])).toBe('line one\nline two\n');
    expect(opened.dataKey).toHaveLength(32);
    expect(opened.openedWith).toBe(alice.recipient);
    expect(opened.nonces.size).toBe(8);
    expect(opened.metadata.lastmodified).toBe('2026-11-21T19:03:55Z');
  });

  it('fails when an encrypted value was moved to another key', async () => {
    // GIVEN the ciphertexts of "colon" and "hash" swapped
    const obj = parse(text);
    const swapped = text
      .replace(obj.stringData.colon, 'SWAP')
      .replace(obj.stringData.hash, obj.stringData.colon)
      .replace('SWAP', obj.stringData.hash);
    // WHEN opened
    // THEN GCM authentication fails for the first moved value
    await expect(openSopsFile(swapped, [alice.identity], 'x.yaml')).rejects.toThrow('x.yaml: stringData.colon: authentication failed');
  });

  it('fails when one bit of a ciphertext was flipped', async () => {
    // GIVEN a ciphertext with its first data character changed
    const enc: string = parse(text).stringData.unicode;
    const data = enc.slice(enc.indexOf('data:') + 5);
    const flipped = enc.replace(`data:${data[0]}`, `data:${data[0] === 'A' ? 'B' : 'A'}`);
    // WHEN opened
    // THEN it fails naming the value
    await expect(openSopsFile(text.replace(enc, flipped), [alice.identity], 'x.yaml')).rejects.toThrow('x.yaml: stringData.unicode: authentication failed');
  });

  it('fails with "MAC mismatch" when a cleartext value changed', async () => {
    // GIVEN a label edited by hand
    // WHEN opened
    // THEN the MAC check fails with the fix
    await expect(openSopsFile(text.replace('app: db', 'app: dc'), [alice.identity], 'x.yaml')).rejects.toThrow(
      'x.yaml: MAC mismatch: the file was modified outside SOPS (a cleartext value, a key, or lastmodified changed); restore it from Git or re-create it with npm run -s secrets -- set',
    );
    await expect(openSopsFile(text.replace('immutable: false', 'immutable: true'), [alice.identity], 'x.yaml')).rejects.toThrow('MAC mismatch');
  });

  it('fails when lastmodified changed', async () => {
    // GIVEN another timestamp
    // WHEN opened
    // THEN the MAC cannot be decrypted
    await expect(openSopsFile(text.replace('2026-11-21T19:03:55Z', '2026-11-21T19:03:56Z'), [alice.identity], 'x.yaml')).rejects.toThrow(
      'x.yaml: sops.mac: cannot be decrypted: sops.mac or sops.lastmodified was altered',
    );
  });

  it('fails on plaintext in an encrypted path, a missing MAC, and the wrong identity', async () => {
    // GIVEN a plaintext value, a removed mac, and another identity
    const enc: string = parse(text).stringData.hash;
    const mac: string = parse(text).sops.mac;
    // WHEN opened
    // THEN each fails with its reason
    await expect(openSopsFile(text.replace(enc, 'hunter2'), [alice.identity], 'x.yaml')).rejects.toThrow(
      'x.yaml: stringData.hash should be encrypted but holds plaintext',
    );
    await expect(openSopsFile(text.replace(`  mac: ${mac}\n`, ''), [alice.identity], 'x.yaml')).rejects.toThrow('x.yaml: sops.mac is missing');
    await expect(openSopsFile(text, [bob.identity], 'x.yaml')).rejects.toThrow('x.yaml: none of the identities can decrypt the data key');
    await expect(openSopsFile('kind: Secret\n', [bob.identity], 'x.yaml')).rejects.toThrow('x.yaml: not SOPS-encrypted');
  });
});

describe('stability (sops edit semantics)', () => {
  let original: string;
  beforeAll(async () => {
    original = await encryptManifest(PLAIN, { recipients: [alice.recipient], now: () => T0 });
  });

  it('returns the previous bytes when nothing changed', async () => {
    // GIVEN an opened file
    const opened = await openSopsFile(original, [alice.identity]);
    // WHEN re-encrypted unchanged (later)
    const result = await reencrypt(opened, opened.document, { recipients: [alice.recipient], now: () => T1 });
    // THEN the bytes are identical, lastmodified included
    expect(result.action).toBe('unchanged');
    expect(result.text).toBe(original);
  });

  it('changes exactly the edited value, lastmodified and mac when one value changes', async () => {
    // GIVEN an opened file
    const opened = await openSopsFile(original, [alice.identity]);
    // WHEN one value is updated and the file re-encrypted
    const edited = setSecretValues(opened.document, new Map([['hash', 'new # value']]));
    const result = await reencrypt(opened, edited, { recipients: [alice.recipient], now: () => T1 });
    // THEN only those three lines differ, and the data key is the same
    expect(result.action).toBe('updated');
    expect(changedLines(original, result.text)).toEqual(['hash', 'lastmodified', 'mac']);
    const reopened = await openSopsFile(result.text, [alice.identity]);
    expect(reopened.dataKey.equals(opened.dataKey)).toBe(true);
    expect(reopened.document.getIn(['stringData', 'hash'])).toBe('new # value');
    expect(reopened.document.getIn(['stringData', 'colon'])).toBe('key: value');
  });

  it('never reuses a nonce for a different plaintext', async () => {
    // GIVEN a value changed back and forth
    const opened = await openSopsFile(original, [alice.identity]);
    const edited = setSecretValues(opened.document, new Map([['hash', 'other']]));
    const result = await reencrypt(opened, edited, { recipients: [alice.recipient], now: () => T1 });
    // WHEN the nonces of old and new hash values are compared
    const ivOf = (t: string): string => /iv:([^,]+)/.exec(parse(t).stringData.hash)![1];
    // THEN they differ
    expect(ivOf(result.text)).not.toBe(ivOf(original));
  });

  it('adding a recipient only adds an age entry (values, mac and lastmodified untouched)', async () => {
    // GIVEN a file for alice
    // WHEN bob is added
    const result = await rotateFile(original, [alice.identity], { recipients: [alice.recipient, bob.recipient], now: () => T1 });
    // THEN the file is the original plus one age entry, and bob can open it
    expect(result.action).toBe('rewrapped');
    expect(result.added).toEqual([bob.recipient]);
    const before = parse(original);
    const after = parse(result.text);
    expect({ ...after, sops: { ...after.sops, age: after.sops.age.slice(0, 1) } }).toEqual(before);
    expect(result.text.startsWith(original.slice(0, original.indexOf('  encrypted_regex')))).toBe(true);
    await expect(decryptSopsFile(result.text, [bob.identity])).resolves.toBe(PLAIN);
  });

  it('leaves a file already encrypted to the recipients untouched, needing no identity', async () => {
    // GIVEN a file for alice
    // WHEN rotated to the same recipient set without any identity
    const result = await rotateFile(original, [], { recipients: [alice.recipient], now: () => T1 });
    // THEN nothing changes
    expect(result).toEqual({ text: original, action: 'unchanged', added: [], removed: [] });
  });

  it('removing a recipient forces a new data key', async () => {
    // GIVEN a file for alice and bob
    const both = await encryptManifest(PLAIN, { recipients: [alice.recipient, bob.recipient], now: () => T0 });
    const keyBefore = (await openSopsFile(both, [alice.identity])).dataKey;
    // WHEN alice is removed
    const result = await rotateFile(both, [alice.identity], { recipients: [bob.recipient], now: () => T1 });
    // THEN the data key changed, alice's identity no longer opens it, bob's does
    expect(result.action).toBe('rotated');
    expect(result.removed).toEqual([alice.recipient]);
    const reopened = await openSopsFile(result.text, [bob.identity]);
    expect(reopened.dataKey.equals(keyBefore)).toBe(false);
    await expect(openSopsFile(result.text, [alice.identity])).rejects.toThrow('none of the identities can decrypt');
    expect(readMetadata(parse(result.text).sops, 'x').lastmodified).toBe('2026-11-22T08:00:00Z');
  });

  it('rotates the data key on request even with the same recipients', async () => {
    // GIVEN a file
    const opened = await openSopsFile(original, [alice.identity]);
    // WHEN a rotation is asked
    const result = await reencrypt(opened, opened.document, { recipients: [alice.recipient], rotateDataKey: true });
    // THEN every value changed and the key is new
    expect(result.action).toBe('rotated');
    const again = await openSopsFile(result.text, [alice.identity]);
    expect(again.dataKey.equals(opened.dataKey)).toBe(false);
    expect(parse(result.text).stringData.colon).not.toBe(parse(original).stringData.colon);
  });

  it('keeps unwrapping possible for each stanza after an update', async () => {
    // GIVEN a two-recipient file updated by alice
    const both = await encryptManifest(PLAIN, { recipients: [alice.recipient, bob.recipient] });
    const opened = await openSopsFile(both, [alice.identity]);
    const result = await reencrypt(opened, setSecretValues(opened.document, new Map([['colon', 'x']])), { recipients: [alice.recipient, bob.recipient] });
    // WHEN bob unwraps
    const meta = readMetadata(parse(result.text).sops, 'x');
    const { dataKey } = await unwrapDataKey(meta.age, [bob.identity]);
    // THEN he gets the same data key
    expect(dataKey.equals(opened.dataKey)).toBe(true);
  });
});
