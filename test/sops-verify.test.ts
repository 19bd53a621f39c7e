import * as YAML from 'yaml';
import { encryptManifest, generateAgeKeyPair, readMetadata, unwrapDataKey } from '../lib/sops';
import { unwrapDataKeySync, verifySopsFileSync, x25519IdentityBytes } from '../lib/sops/verify';

const PLAIN = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ns\ntype: Opaque\nstringData:\n  password: hunter2\n  port: "5432"\ndata:\n  blob: aGk=\n';

describe('synchronous SOPS verification', () => {
  test('unwraps the same data key as the age library, for every recipient of the file', async () => {
    // GIVEN a file encrypted to two fresh identities
    const a = await generateAgeKeyPair();
    const b = await generateAgeKeyPair();
    const text = await encryptManifest(PLAIN, { recipients: [a.recipient, b.recipient] });
    const meta = readMetadata(YAML.parse(text).sops, 'f');
    // WHEN unwrapped synchronously THEN the key equals typage's
    for (const id of [a.identity, b.identity]) {
      expect(unwrapDataKeySync(meta.age, [id])!.equals((await unwrapDataKey(meta.age, [id])).dataKey)).toBe(true);
    }
  });

  test('verifies an untouched file, and says no-identity for a foreign or post-quantum identity', async () => {
    const a = await generateAgeKeyPair();
    const text = await encryptManifest(PLAIN, { recipients: [a.recipient] });
    expect(verifySopsFileSync(text, [a.identity], 'f')).toBe('verified');
    expect(verifySopsFileSync(text, [(await generateAgeKeyPair()).identity], 'f')).toBe('no-identity');
    expect(verifySopsFileSync(text, [(await generateAgeKeyPair({ postQuantum: true })).identity], 'f')).toBe('no-identity');
    expect(x25519IdentityBytes('AGE-PLUGIN-YUBIKEY-1XYZ')).toBeUndefined();
  });

  test('fails on an edited envelope value (MAC mismatch) and on a value moved to another key', async () => {
    const a = await generateAgeKeyPair();
    const text = await encryptManifest(PLAIN, { recipients: [a.recipient] });
    expect(verifySopsFileSync(text.replace('name: s', 'name: t'), [a.identity], 'f')).toMatch(/^f: MAC mismatch: the file was modified outside SOPS/);
    const pw = /password: (ENC\[[^\n]+)/.exec(text)![1];
    const port = /port: (ENC\[[^\n]+)/.exec(text)![1];
    expect(verifySopsFileSync(text.replace(pw, 'X').replace(port, pw).replace('password: X', `password: ${port}`), [a.identity], 'f')).toMatch(/^f: stringData\.(password|port)/);
  });
});
