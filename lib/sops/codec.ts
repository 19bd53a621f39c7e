/**
 * The SOPS value codec: one scalar ⇄ `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`.
 *
 * - AES-256-GCM with the file's 32-byte data key, a 32-byte nonce per value and a 16-byte tag.
 * - The additional authenticated data is the value's key path joined with `:` plus a trailing `:`
 *   (`stringData:password:`), so a value moved to another key fails to decrypt.
 * - The plaintext bytes follow SOPS's rules per type; the same bytes feed the MAC (see `mac.ts`).
 *
 * Convention for scalar types throughout `lib/sops`: an integer is a `bigint`, a float is a
 * `number`, a bool is a `boolean`, everything else is a `string`.
 */
import * as crypto from 'node:crypto';
import { SopsError } from './yaml';

/** The value types SOPS writes into `type:`. */
export type SopsValueType = 'str' | 'int' | 'float' | 'bool' | 'bytes' | 'time' | 'comment';

/** A plaintext scalar: `bigint` = int, `number` = float. */
export type SopsScalar = string | bigint | number | boolean;

/** A source of cryptographically secure random bytes (injectable for deterministic tests). */
export type RandomBytes = (size: number) => Buffer;

/** Length of the per-file data key in bytes. */
export const DATA_KEY_SIZE = 32;
/** Length of the per-value nonce in bytes (SOPS uses 32, not the usual 12). */
export const NONCE_SIZE = 32;
/** Length of the GCM authentication tag in bytes. */
export const TAG_SIZE = 16;

const B64 = '[A-Za-z0-9+/]*={0,2}';
/** Matches a whole SOPS-encrypted value and captures data, iv, tag and type. */
export const ENC_PATTERN = new RegExp(`^ENC\\[AES256_GCM,data:(${B64}),iv:(${B64}),tag:(${B64}),type:([a-z]+)\\]$`);

const VALUE_TYPES: readonly SopsValueType[] = ['str', 'int', 'float', 'bool', 'bytes', 'time', 'comment'];

/** The parts of an `ENC[…]` value. */
export interface EncryptedValue {
  readonly data: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly type: SopsValueType;
}

/** A decrypted value with what the MAC and nonce reuse need. */
export interface DecryptedValue {
  readonly value: SopsScalar;
  readonly type: SopsValueType;
  /** The exact plaintext bytes (they feed the MAC). */
  readonly bytes: Buffer;
  /** The nonce the value was encrypted with. */
  readonly iv: Buffer;
}

/** Options of `encryptValue`. */
export interface EncryptValueOptions {
  /**
   * Nonce to use (32 bytes). Only pass a nonce read back from the same file, for the same AAD and
   * the same plaintext, under the same data key (what `sops edit` does); never invent one.
   * @default - 32 fresh bytes from `randomBytes`
   */
  readonly iv?: Buffer;
  /** @default crypto.randomBytes */
  readonly randomBytes?: RandomBytes;
}

/** True when `value` is a string of the `ENC[AES256_GCM,…]` form. */
export function isEncryptedValue(value: unknown): value is string {
  return typeof value === 'string' && ENC_PATTERN.test(value);
}

/**
 * Splits an `ENC[…]` string into its parts.
 * @throws SopsError when the string is not of that form or the sizes are wrong.
 */
export function parseEncryptedValue(text: string, where = 'value'): EncryptedValue {
  const m = ENC_PATTERN.exec(text);
  if (!m) {
    throw new SopsError(`${where}: not a SOPS-encrypted value (expected ENC[AES256_GCM,data:…,iv:…,tag:…,type:…])`);
  }
  const type = m[4] as SopsValueType;
  if (!VALUE_TYPES.includes(type)) {
    throw new SopsError(`${where}: unknown SOPS value type "${m[4]}"`);
  }
  const iv = Buffer.from(m[2], 'base64');
  const tag = Buffer.from(m[3], 'base64');
  if (iv.length === 0) {
    throw new SopsError(`${where}: empty IV in the encrypted value`);
  }
  if (tag.length !== TAG_SIZE) {
    throw new SopsError(`${where}: the authentication tag is ${tag.length} bytes, expected ${TAG_SIZE}`);
  }
  return { data: Buffer.from(m[1], 'base64'), iv, tag, type };
}

/** Formats the parts as SOPS writes them (standard base64 with padding). */
export function formatEncryptedValue(v: EncryptedValue): string {
  return `ENC[AES256_GCM,data:${v.data.toString('base64')},iv:${v.iv.toString('base64')},tag:${v.tag.toString('base64')},type:${v.type}]`;
}

/** The SOPS type of a plaintext scalar. */
export function scalarType(value: SopsScalar): SopsValueType {
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    default:
      throw new SopsError(`unsupported scalar type ${typeof value}`);
  }
}

/**
 * Formats a float like Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest digits that
 * round-trip, never an exponent (`1e21` → `1000000000000000000000`, `1e-7` → `0.0000001`).
 */
export function formatGoFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[2] + (m[3] ?? '');
  const point = 1 + Number(m[4]);
  let body: string;
  if (point >= digits.length) {
    body = digits + '0'.repeat(point - digits.length);
  } else if (point <= 0) {
    body = '0.' + '0'.repeat(-point) + digits;
  } else {
    body = `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return m[1] + body;
}

/** Parses a bool like Go's `strconv.ParseBool`. */
export function parseGoBool(text: string, where = 'value'): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new SopsError(`${where}: "${text}" is not a bool`);
}

/**
 * The bytes SOPS encrypts and hashes for a scalar: UTF-8 for strings, decimal for ints, Go `'f'`
 * formatting for floats, `True`/`False` for bools.
 */
export function plaintextBytes(value: SopsScalar): Buffer {
  switch (typeof value) {
    case 'string':
      return Buffer.from(value, 'utf8');
    case 'bigint':
      return Buffer.from(value.toString(10), 'utf8');
    case 'number':
      return Buffer.from(formatGoFloat(value), 'utf8');
    case 'boolean':
      return Buffer.from(value ? 'True' : 'False', 'utf8');
    default:
      throw new SopsError(`unsupported scalar type ${typeof value}`);
  }
}

/** The additional authenticated data of a value at `path` (`['stringData','password']` → `stringData:password:`). */
export function pathAad(path: readonly string[]): string {
  return path.map((p) => `${p}:`).join('');
}

/**
 * Encrypts one scalar with the data key.
 *
 * @param value The plaintext (`bigint` = int, `number` = float).
 * @param key The 32-byte data key.
 * @param aad The additional data (`pathAad(path)`, or the `lastmodified` for the MAC).
 */
export function encryptValue(value: SopsScalar, key: Buffer, aad: string, options: EncryptValueOptions = {}): string {
  return encryptBytes(plaintextBytes(value), scalarType(value), key, aad, options);
}

/** Encrypts raw plaintext bytes with an explicit SOPS type. */
export function encryptBytes(
  bytes: Buffer,
  type: SopsValueType,
  key: Buffer,
  aad: string,
  options: EncryptValueOptions = {},
): string {
  checkKey(key);
  const iv = options.iv ?? (options.randomBytes ?? crypto.randomBytes)(NONCE_SIZE);
  if (iv.length !== NONCE_SIZE) {
    throw new SopsError(`a SOPS nonce must be ${NONCE_SIZE} bytes, got ${iv.length}`);
  }
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_SIZE });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(bytes), cipher.final()]);
  return formatEncryptedValue({ data, iv, tag: cipher.getAuthTag(), type });
}

/**
 * Decrypts one `ENC[…]` value and converts it back to its type.
 *
 * @param where Names the value in error messages (file and key path).
 * @throws SopsError when the authentication tag does not verify: the value was altered, moved to
 *   another key (wrong AAD), or the data key is wrong.
 */
export function decryptValue(text: string, key: Buffer, aad: string, where = 'value'): DecryptedValue {
  checkKey(key);
  const enc = parseEncryptedValue(text, where);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, enc.iv, { authTagLength: TAG_SIZE });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(enc.tag);
  let bytes: Buffer;
  try {
    bytes = Buffer.concat([decipher.update(enc.data), decipher.final()]);
  } catch {
    throw new SopsError(
      `${where}: authentication failed: the encrypted value was altered, moved to another key, or the data key is wrong`,
    );
  }
  return { value: fromBytes(bytes, enc.type, where), type: enc.type, bytes, iv: enc.iv };
}

function fromBytes(bytes: Buffer, type: SopsValueType, where: string): SopsScalar {
  const text = bytes.toString('utf8');
  switch (type) {
    case 'int':
      if (!/^[-+]?\d+$/.test(text)) throw new SopsError(`${where}: "${text}" is not an int`);
      return BigInt(text);
    case 'float': {
      const n = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
      if (Number.isNaN(n) && text !== 'NaN') throw new SopsError(`${where}: "${text}" is not a float`);
      return n;
    }
    case 'bool':
      return parseGoBool(text, where);
    default:
      return text;
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== DATA_KEY_SIZE) {
    throw new SopsError(`a SOPS data key must be ${DATA_KEY_SIZE} bytes, got ${key.length}`);
  }
}
