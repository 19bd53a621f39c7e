import * as crypto from 'node:crypto';
import {
  decryptValue,
  ENC_PATTERN,
  encryptBytes,
  encryptValue,
  formatEncryptedValue,
  formatGoFloat,
  isEncryptedValue,
  NONCE_SIZE,
  parseEncryptedValue,
  parseGoBool,
  pathAad,
  plaintextBytes,
  scalarType,
  TAG_SIZE,
} from '../lib/sops/codec';

const KEY = Buffer.alloc(32, 7);
const AAD = 'stringData:password:';

/** A deterministic byte source: 0, 1, 2, … */
function counter(): (n: number) => Buffer {
  let next = 0;
  return (n) => Buffer.from(Array.from({ length: n }, () => next++ & 0xff));
}

describe('value codec', () => {
  it.each([
    ['unicode', 'ünïcödé ✓ 密码 🔑'],
    ['multiline', 'line one\nline two\n\n  indented\n'],
    ['colon-space', 'key: value'],
    ['hash', 'a # not a comment'],
    ['empty', ''],
    ['yaml-ish', 'yes'],
    ['brackets', 'ENC[AES256_GCM,data:x]'],
  ])('round-trips a %s string', (_name, value) => {
    // GIVEN a string value
    // WHEN it is encrypted and decrypted with the same key and AAD
    const enc = encryptValue(value, KEY, AAD);
    const dec = decryptValue(enc, KEY, AAD);
    // THEN the value, its type and its bytes come back exactly
    expect(dec.value).toBe(value);
    expect(dec.type).toBe('str');
    expect(dec.bytes.equals(Buffer.from(value, 'utf8'))).toBe(true);
  });

  it('writes the SOPS form with a 32-byte IV and a 16-byte tag', () => {
    // GIVEN a value
    // WHEN it is encrypted
    const enc = encryptValue('s3cret', KEY, AAD);
    // THEN it matches ENC[AES256_GCM,data:…,iv:…,tag:…,type:str] with the SOPS sizes
    expect(enc).toMatch(/^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]{44},tag:[A-Za-z0-9+/=]{24},type:str\]$/);
    const parts = parseEncryptedValue(enc);
    expect(parts.iv).toHaveLength(NONCE_SIZE);
    expect(parts.tag).toHaveLength(TAG_SIZE);
    expect(parts.data).toHaveLength(6);
    expect(isEncryptedValue(enc)).toBe(true);
    expect(ENC_PATTERN.test(enc)).toBe(true);
  });

  it('is deterministic with an injected randomness source and otherwise uses fresh nonces', () => {
    // GIVEN the same value twice
    // WHEN encrypted with the same injected byte source vs. the default CSPRNG
    const a = encryptValue('x', KEY, AAD, { randomBytes: counter() });
    const b = encryptValue('x', KEY, AAD, { randomBytes: counter() });
    const c = encryptValue('x', KEY, AAD);
    const d = encryptValue('x', KEY, AAD);
    // THEN injected randomness gives identical output; real randomness never repeats a nonce
    expect(a).toBe(b);
    expect(parseEncryptedValue(a).iv).toEqual(Buffer.from(Array.from({ length: 32 }, (_, i) => i)));
    expect(c).not.toBe(d);
  });

  it('reuses an explicitly given nonce (sops edit semantics)', () => {
    // GIVEN a value encrypted once
    const first = encryptValue('same', KEY, AAD);
    // WHEN it is re-encrypted with the nonce read back from the first ciphertext
    const again = encryptValue('same', KEY, AAD, { iv: parseEncryptedValue(first).iv });
    // THEN the ciphertext is byte-identical
    expect(again).toBe(first);
  });

  it('fails to decrypt a value moved to another key (wrong AAD)', () => {
    // GIVEN a value encrypted for stringData.password
    const enc = encryptValue('s3cret', KEY, 'stringData:password:');
    // WHEN it is decrypted as stringData.username
    // THEN authentication fails and the message names the place and the causes
    expect(() => decryptValue(enc, KEY, 'stringData:username:', 'f.yaml: stringData.username')).toThrow(
      'f.yaml: stringData.username: authentication failed: the encrypted value was altered, moved to another key, or the data key is wrong',
    );
  });

  it.each(['data', 'iv', 'tag'] as const)('fails when one bit of the %s is flipped', (part) => {
    // GIVEN an encrypted value
    const parts = parseEncryptedValue(encryptValue('s3cret-value', KEY, AAD));
    // WHEN one bit of one part is flipped
    const flipped = Buffer.from(parts[part]);
    flipped[0] ^= 0x01;
    const tampered = formatEncryptedValue({ ...parts, [part]: flipped });
    // THEN decryption fails
    expect(() => decryptValue(tampered, KEY, AAD)).toThrow('authentication failed');
  });

  it('fails with another data key', () => {
    // GIVEN a value encrypted with one key
    const enc = encryptValue('s3cret', KEY, AAD);
    // WHEN decrypted with another
    // THEN it fails
    expect(() => decryptValue(enc, Buffer.alloc(32, 8), AAD)).toThrow('authentication failed');
  });

  it('fails on malformed input, sizes and keys', () => {
    // GIVEN malformed values and keys
    // WHEN they are parsed or used
    // THEN each fails with a message naming the problem
    expect(() => parseEncryptedValue('plain', 'x.yaml: data.a')).toThrow('x.yaml: data.a: not a SOPS-encrypted value');
    expect(() => parseEncryptedValue('ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]')).toThrow('authentication tag is 1 bytes, expected 16');
    expect(() => parseEncryptedValue(`ENC[AES256_GCM,data:AA==,iv:AA==,tag:${Buffer.alloc(16).toString('base64')},type:blob]`)).toThrow('unknown SOPS value type "blob"');
    expect(() => encryptValue('x', Buffer.alloc(16), AAD)).toThrow('data key must be 32 bytes, got 16');
    expect(() => encryptValue('x', KEY, AAD, { iv: Buffer.alloc(12) })).toThrow('nonce must be 32 bytes, got 12');
  });

  it.each([
    [42n, 'int', '42'],
    [-7n, 'int', '-7'],
    [12345678901234567890n, 'int', '12345678901234567890'],
    [1.5, 'float', '1.5'],
    [true, 'bool', 'True'],
    [false, 'bool', 'False'],
  ] as const)('round-trips %p as type %s with plaintext %s', (value, type, text) => {
    // GIVEN a typed scalar
    // WHEN encrypted and decrypted
    const enc = encryptValue(value, KEY, AAD);
    const dec = decryptValue(enc, KEY, AAD);
    // THEN the SOPS type, the bytes and the typed value round-trip
    expect(enc.endsWith(`type:${type}]`)).toBe(true);
    expect(dec.bytes.toString()).toBe(text);
    expect(dec.value).toBe(value);
  });

  it('decodes every form Go ParseBool accepts and fails on others', () => {
    // GIVEN Go's accepted bool spellings
    // WHEN parsed
    // THEN they map to true/false; anything else fails
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(f)).toBe(false);
    expect(() => parseGoBool('yes', 'k')).toThrow('k: "yes" is not a bool');
    const enc = encryptBytes(Buffer.from('T'), 'bool', KEY, AAD);
    expect(decryptValue(enc, KEY, AAD).value).toBe(true);
  });
});

describe('plaintext byte rules', () => {
  it.each([
    [1234568000, '1234568000'],
    [1e21, '1000000000000000000000'],
    [1.5, '1.5'],
    [1e-7, '0.0000001'],
    [1.234568e9, '1234568000'],
    [0.1, '0.1'],
    [-2.5e-8, '-0.000000025'],
    [123.456e20, '12345600000000000000000'],
    [-0, '-0'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('formats float %p like Go FormatFloat(f, \'f\', -1, 64) as %s', (n, text) => {
    // GIVEN a float
    // WHEN formatted
    // THEN the text is Go's shortest 'f' form, never an exponent
    expect(formatGoFloat(n)).toBe(text);
  });

  it('maps each JS scalar to its SOPS type and bytes', () => {
    // GIVEN one scalar of each type
    // WHEN typed and converted to bytes
    // THEN strings are UTF-8, ints decimal, floats Go-formatted, bools capitalised
    expect(scalarType('a')).toBe('str');
    expect(scalarType(1n)).toBe('int');
    expect(scalarType(1)).toBe('float');
    expect(scalarType(false)).toBe('bool');
    expect(plaintextBytes('ü').toString('hex')).toBe('c3bc');
    expect(plaintextBytes(10n).toString()).toBe('10');
    expect(plaintextBytes(1e21).toString()).toBe('1000000000000000000000');
    expect(plaintextBytes(true).toString()).toBe('True');
  });

  it('builds the AAD from the key path with a trailing colon', () => {
    // GIVEN key paths
    // WHEN turned into AAD
    // THEN components are joined by ":" plus a trailing ":"
    expect(pathAad(['stringData', 'password'])).toBe('stringData:password:');
    expect(pathAad(['data', '1'])).toBe('data:1:');
    expect(pathAad([])).toBe('');
  });

  it('matches an independent AES-256-GCM computation', () => {
    // GIVEN a fixed key, nonce and AAD
    const iv = Buffer.alloc(32, 3);
    const enc = parseEncryptedValue(encryptValue('hello', KEY, AAD, { iv }));
    // WHEN node:crypto computes the same directly
    const c = crypto.createCipheriv('aes-256-gcm', KEY, iv);
    c.setAAD(Buffer.from(AAD));
    const data = Buffer.concat([c.update('hello'), c.final()]);
    // THEN data and tag agree
    expect(enc.data.equals(data)).toBe(true);
    expect(enc.tag.equals(c.getAuthTag())).toBe(true);
  });
});
