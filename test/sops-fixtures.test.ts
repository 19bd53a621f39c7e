/**
 * Golden vectors: Secrets encrypted by the real `sops` binary (3.9.0 to 3.12.1, one with a hybrid
 * post-quantum recipient), read from ../shared/sops-fixtures (not copied into this repository).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { parseIdentities } from '../lib/sops/age';
import { decryptSopsFile, openSopsFile } from '../lib/sops/file';

const FIXTURES = path.resolve(__dirname, '..', '..', 'shared', 'sops-fixtures');
const present = fs.existsSync(FIXTURES);
if (!present) console.warn(`SKIPPED: real SOPS fixtures not found at ${FIXTURES}`);

/** Every fixture file, its identity and its decrypted Secret (from the fixtures' README). */
const EXPECTED: Record<string, { readonly key: string; readonly name: string; readonly namespace?: string; readonly values: Record<string, string> }> = {
  'algorithms_age.yaml': { key: 'age.txt', name: 'age', values: { key: 'value' } },
  'global_secret.yaml': { key: 'age-global.txt', name: 'global-age-secret', namespace: 'default', values: { key: 'global-value' } },
  'patches_merge1.yaml': { key: 'age.txt', name: 'secret', values: { key: 'merge1' } },
  'patches_merge2.yaml': { key: 'age.txt', name: 'secret', values: { merge2: 'merge2' } },
  'algorithms_age-pq.yaml': { key: 'age-pq.txt', name: 'age-pq', values: { key: 'value' } },
};

const read = (f: string): string => fs.readFileSync(path.join(FIXTURES, f), 'utf8');
const identity = (f: string): string[] => parseIdentities(read(path.join('keys', f)), f);
const files = present ? fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort() : Object.keys(EXPECTED).sort();

(present ? describe : describe.skip)('real SOPS files (../shared/sops-fixtures)', () => {
  it('covers every fixture file', () => {
    // GIVEN the fixture directory
    // WHEN its files are listed
    // THEN each one has an expectation below (a new fixture must be added here)
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('decrypts %s with its identity and verifies the MAC', async (file) => {
    // GIVEN a file written by SOPS and its public test identity
    const want = EXPECTED[file];
    // WHEN opened (every GCM tag and the MAC are checked, or it throws)
    const opened = await openSopsFile(read(file), identity(want.key), file);
    // THEN the values and the cleartext metadata are as documented
    const obj = opened.document.toJS();
    expect(obj.stringData).toEqual(want.values);
    expect(obj.metadata.name).toBe(want.name);
    expect(obj.metadata.namespace).toBe(want.namespace);
    expect(obj.sops).toBeUndefined();
    expect(opened.metadata.rule).toEqual({ kind: 'encrypted_regex', value: '^(data|stringData)$' });
  });

  it('reads a post-quantum (age1pq1) recipient', async () => {
    // GIVEN the PQ fixture
    const file = 'algorithms_age-pq.yaml';
    // WHEN opened
    const opened = await openSopsFile(read(file), identity('age-pq.txt'), file);
    // THEN the stanza opened is the PQ one
    expect(opened.openedWith.startsWith('age1pq1')).toBe(true);
    expect(opened.metadata.version).toBe('3.12.1');
  });

  describe.each(files)('tampering with %s', (file) => {
    const text = present ? read(file) : '';
    const ids = present ? identity(EXPECTED[file].key) : [];
    const obj = present ? parse(text) : {};
    const valueKey = present ? Object.keys(EXPECTED[file].values)[0] : '';

    it('fails when one byte of an encrypted value changes', async () => {
      // GIVEN the value's ciphertext with its first data byte altered
      const enc: string = obj.stringData[valueKey];
      const data = /data:([^,]+)/.exec(enc)![1];
      const bytes = Buffer.from(data, 'base64');
      bytes[0] ^= 0x01;
      const tampered = text.replace(`data:${data}`, `data:${bytes.toString('base64')}`);
      // WHEN opened
      // THEN GCM authentication fails
      await expect(openSopsFile(tampered, ids, file)).rejects.toThrow(`${file}: stringData.${valueKey}: authentication failed`);
    });

    it('fails when the value is moved to another key name', async () => {
      // GIVEN the key renamed (the AAD no longer matches)
      const tampered = text.replace(`  ${valueKey}: ENC[`, `  ${valueKey}x: ENC[`);
      // WHEN opened
      // THEN authentication fails
      await expect(openSopsFile(tampered, ids, file)).rejects.toThrow(`${file}: stringData.${valueKey}x: authentication failed`);
    });

    it('fails when lastmodified changes', async () => {
      // GIVEN lastmodified one year later
      const lm: string = obj.sops.lastmodified;
      const tampered = text.replace(lm, `${Number(lm.slice(0, 4)) + 1}${lm.slice(4)}`);
      // WHEN opened
      // THEN the MAC cannot be decrypted
      await expect(openSopsFile(tampered, ids, file)).rejects.toThrow(`${file}: sops.mac: cannot be decrypted`);
    });

    it('fails with MAC mismatch when a cleartext byte changes', async () => {
      // GIVEN metadata.name altered by one character
      const tampered = text.replace(`  name: ${EXPECTED[file].name}\n`, `  name: ${EXPECTED[file].name}x\n`);
      expect(tampered).not.toBe(text);
      // WHEN opened
      // THEN the MAC check fails
      await expect(openSopsFile(tampered, ids, file)).rejects.toThrow(`${file}: MAC mismatch`);
    });
  });

  it('fails with the wrong identity', async () => {
    // GIVEN the global fixture and the other X25519 test identity
    // WHEN decrypted
    // THEN the message says no identity opens it
    await expect(decryptSopsFile(read('global_secret.yaml'), identity('age.txt'), 'global_secret.yaml')).rejects.toThrow(
      'global_secret.yaml: none of the identities can decrypt the data key (wrong identity?). File recipients: age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph; identity recipients: age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29',
    );
  });
});
