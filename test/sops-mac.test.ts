import * as crypto from 'node:crypto';
import { YAMLMap } from 'yaml';
import { plaintextBytes, SopsScalar } from '../lib/sops/codec';
import {
  canonicalLastModified,
  collectLeaves,
  decryptMac,
  encryptMac,
  formatLastModified,
  LASTMODIFIED_PATTERN,
  MAC_ONLY_ENCRYPTED_SEED,
  MacHasher,
} from '../lib/sops/mac';
import { parseSingleDocument } from '../lib/sops/yaml';

const KEY = Buffer.alloc(32, 9);

function leavesOf(text: string): Array<[string, unknown]> {
  const doc = parseSingleDocument(text, 't.yaml');
  return collectLeaves(doc.contents as YAMLMap, 't.yaml').map((l) => [l.path.join('.'), l.node.value]);
}

function sha512Upper(...parts: string[]): string {
  return crypto.createHash('sha512').update(parts.join('')).digest('hex').toUpperCase();
}

describe('tree walk', () => {
  it('visits leaves depth-first in document order, including all-digit keys', () => {
    // GIVEN a document whose key order differs from JS object order ("1" after "b")
    const text = 'b: x\n"1": y\nm:\n  z: 1\n  a: true\n';
    // WHEN walked
    // THEN the leaves come in file order, with their key paths
    expect(leavesOf(text)).toEqual([
      ['b', 'x'],
      ['1', 'y'],
      ['m.z', 1n],
      ['m.a', true],
    ]);
  });

  it('gives sequence items the path of their list, skips nulls and the top-level sops key', () => {
    // GIVEN lists, nulls and a sops block
    const text = 'list:\n  - a\n  - - b\n  - {k: c}\nnothing: null\nempty:\nsops:\n  mac: x\nnested:\n  sops: kept\n';
    // WHEN walked
    // THEN list items share the list key, nulls are not leaves, only the root sops is skipped
    expect(leavesOf(text)).toEqual([
      ['list', 'a'],
      ['list', 'b'],
      ['list.k', 'c'],
      ['nested.sops', 'kept'],
    ]);
  });

  it('fails on a non-string key, naming where', () => {
    // GIVEN an integer key
    // WHEN walked
    // THEN the walk fails and says to quote it
    expect(() => leavesOf('data:\n  1: x\n')).toThrow('t.yaml: a key under data is not a string (1); SOPS requires string keys: quote it');
  });

  it('fails on an alias', () => {
    // GIVEN an anchor and an alias
    // WHEN walked
    // THEN the walk fails
    expect(() => leavesOf('a: &x v\nb: *x\n')).toThrow('t.yaml: b is a YAML alias');
  });
});

describe('MAC', () => {
  it('hashes str/int/float/bool by the SOPS byte rules with no separators', () => {
    // GIVEN leaves of each type
    const values: SopsScalar[] = ['x', 42n, 1234568000, 1e21, 1.5, 1e-7, true, false];
    // WHEN fed to the hasher
    const h = new MacHasher();
    for (const v of values) h.add(plaintextBytes(v), false);
    // THEN the digest is SHA-512 over the concatenated texts, as 128 uppercase hex characters
    const expected = sha512Upper('x', '42', '1234568000', '1000000000000000000000', '1.5', '0.0000001', 'True', 'False');
    const got = h.hex();
    expect(got).toBe(expected);
    expect(got).toMatch(/^[0-9A-F]{128}$/);
  });

  it('is not a fingerprint: ["ab","c"] and ["a","bc"] hash the same', () => {
    // GIVEN two leaf lists with the same concatenation
    const a = new MacHasher();
    const b = new MacHasher();
    // WHEN hashed
    ['ab', 'c'].forEach((v) => a.add(Buffer.from(v), true));
    ['a', 'bc'].forEach((v) => b.add(Buffer.from(v), true));
    // THEN the MACs are equal (SOPS protects keys only through the AAD)
    expect(a.hex()).toBe(b.hex());
  });

  it('with mac_only_encrypted, seeds SHA-256("sops") and skips cleartext leaves', () => {
    // GIVEN one encrypted and one cleartext leaf
    const h = new MacHasher(true);
    h.add(Buffer.from('clear'), false);
    h.add(Buffer.from('secret'), true);
    // WHEN digested
    // THEN only the seed and the encrypted leaf count
    const seed = crypto.createHash('sha256').update('sops').digest();
    expect(MAC_ONLY_ENCRYPTED_SEED.toString('hex')).toBe('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69');
    expect(h.hex()).toBe(crypto.createHash('sha512').update(seed).update('secret').digest('hex').toUpperCase());
  });

  it('round-trips the MAC bound to lastmodified', () => {
    // GIVEN a MAC encrypted with a lastmodified
    const mac = sha512Upper('abc');
    const enc = encryptMac(mac, KEY, '2026-11-21T19:03:55Z');
    // WHEN decrypted with the same, or an equivalent (fraction, +00:00) lastmodified
    // THEN it comes back, and it is a type:str value
    expect(decryptMac(enc, KEY, '2026-11-21T19:03:55Z')).toBe(mac);
    expect(decryptMac(enc, KEY, '2026-11-21T19:03:55.123+00:00')).toBe(mac);
    expect(enc).toMatch(/,type:str\]$/);
  });

  it('fails when lastmodified was altered', () => {
    // GIVEN a MAC for one timestamp
    const enc = encryptMac(sha512Upper('abc'), KEY, '2026-11-21T19:03:55Z');
    // WHEN checked against another
    // THEN it fails with the reason
    expect(() => decryptMac(enc, KEY, '2026-11-21T19:03:56Z', 'f.yaml: sops.mac')).toThrow(
      'f.yaml: sops.mac: cannot be decrypted: sops.mac or sops.lastmodified was altered',
    );
  });
});

describe('lastmodified', () => {
  it('is written as YYYY-MM-DDTHH:MM:SSZ in UTC without fractions', () => {
    // GIVEN a date with milliseconds
    // WHEN formatted
    const text = formatLastModified(new Date('2026-11-21T19:03:55.987Z'));
    // THEN it has second precision and a Z
    expect(text).toBe('2026-11-21T19:03:55Z');
    expect(text).toMatch(LASTMODIFIED_PATTERN);
  });

  it('is canonicalised as Go formats RFC 3339 (fraction dropped, zero offset as Z, other offsets kept)', () => {
    // GIVEN variants of one timestamp
    // WHEN canonicalised
    // THEN they become the AAD Go computes
    expect(canonicalLastModified('2024-11-12T13:33:42Z')).toBe('2024-11-12T13:33:42Z');
    expect(canonicalLastModified('2024-11-12T13:33:42.123456Z')).toBe('2024-11-12T13:33:42Z');
    expect(canonicalLastModified('2024-11-12T13:33:42+00:00')).toBe('2024-11-12T13:33:42Z');
    expect(canonicalLastModified('2024-11-12T14:33:42+01:00')).toBe('2024-11-12T14:33:42+01:00');
  });

  it('fails on a non-RFC 3339 timestamp', () => {
    // GIVEN a date without time
    // WHEN canonicalised
    // THEN it fails with the expected form
    expect(() => canonicalLastModified('2024-11-12', 'f.yaml: sops.lastmodified')).toThrow(
      'f.yaml: sops.lastmodified: "2024-11-12" is not an RFC 3339 timestamp (write it as YYYY-MM-DDTHH:MM:SSZ)',
    );
  });
});
