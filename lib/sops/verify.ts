/**
 * Synchronous MAC verification of SOPS files for the synth guard (synth is synchronous; the
 * `age-encryption` library is not). Only what verification needs: unwrapping the data key from an
 * X25519 age stanza with node:crypto, then the same value and MAC checks as `openSopsFile`.
 *
 * The age format (age-encryption.org/v1, https://age-encryption.org/v1): a text header of stanzas
 * (`-> X25519 <share>` + base64 body), `--- <HMAC>`, then the payload: a 16-byte nonce and
 * ChaCha20-Poly1305 STREAM chunks. X25519 stanza: shared = X25519(identity, share); wrap key =
 * HKDF-SHA-256(shared, salt = share ‖ recipient, "age-encryption.org/v1/X25519"); the body is the
 * 16-byte file key sealed with ChaCha20-Poly1305 under a zero nonce. Header MAC = HMAC-SHA-256 with
 * HKDF(file key, "", "header") over the header up to `---`. Payload key = HKDF(file key, nonce,
 * "payload"); chunk nonce = 11-byte big-endian counter ‖ last-chunk flag.
 *
 * Post-quantum and plugin identities are not handled here: such files are verified by
 * `npm run -s secrets -- decrypt` (async) instead.
 */
import * as crypto from 'node:crypto';
import { Document, YAMLMap } from 'yaml';
import { decryptValue, isEncryptedValue, pathAad, plaintextBytes } from './codec';
import { collectLeaves, decryptMac, MacHasher } from './mac';
import { AgeStanza, readMetadata, ruleSelects } from './metadata';
import { parseSingleDocument, SopsError } from './yaml';

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

/** The 32-byte X25519 scalar of an `AGE-SECRET-KEY-1…` identity, or undefined for other kinds. */
export function x25519IdentityBytes(identity: string): Buffer | undefined {
  const s = identity.trim().toLowerCase();
  if (!s.startsWith('age-secret-key-1') || s.startsWith('age-secret-key-pq-')) return undefined;
  const data = s.slice('age-secret-key-1'.length, -6);
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const ch of data) {
    const v = BECH32.indexOf(ch);
    if (v < 0) return undefined;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return out.length === 32 ? Buffer.from(out) : undefined;
}

function hkdf(ikm: Buffer, salt: Buffer, info: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', ikm, salt, info, 32));
}

function chachaOpen(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer {
  const d = crypto.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

/** Decrypts an armored age file with an X25519 identity; undefined when the identity does not open it. */
export function ageDecryptSync(armored: string, identity: Buffer): Buffer | undefined {
  const b64 = armored.replace(/-----(BEGIN|END) AGE ENCRYPTED FILE-----/g, '').replace(/\s+/g, '');
  const file = Buffer.from(b64, 'base64');
  const text = file.toString('latin1');
  const end = text.indexOf('\n--- ');
  if (!text.startsWith('age-encryption.org/v1\n') || end < 0) return undefined;
  const macEnd = text.indexOf('\n', end + 5);
  if (macEnd < 0) return undefined;
  const headerForMac = file.subarray(0, end + 4);
  const mac = Buffer.from(text.slice(end + 5, macEnd), 'base64');
  const payload = file.subarray(macEnd + 1);
  const lines = text.slice('age-encryption.org/v1\n'.length, end + 1).split('\n');
  const priv = crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8, identity]), format: 'der', type: 'pkcs8' });
  const pub = Buffer.from(crypto.createPublicKey(priv).export({ format: 'jwk' }).x as string, 'base64url');
  for (let i = 0; i < lines.length; i++) {
    const args = lines[i].split(' ');
    if (args[0] !== '->') continue;
    let body = '';
    for (let j = i + 1; j < lines.length; j++) {
      body += lines[j];
      if (lines[j].length < 64) break;
    }
    if (args[1] !== 'X25519' || args.length !== 3) continue;
    const share = Buffer.from(args[2], 'base64');
    if (share.length !== 32) continue;
    try {
      const shared = crypto.diffieHellman({ privateKey: priv, publicKey: crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI, share]), format: 'der', type: 'spki' }) });
      const wrapKey = hkdf(shared, Buffer.concat([share, pub]), 'age-encryption.org/v1/X25519');
      const fileKey = chachaOpen(wrapKey, Buffer.alloc(12), Buffer.from(body, 'base64'));
      const expected = crypto.createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(headerForMac).digest();
      if (mac.length !== expected.length || !crypto.timingSafeEqual(mac, expected)) return undefined;
      const payloadKey = hkdf(fileKey, payload.subarray(0, 16), 'payload');
      const chunks: Buffer[] = [];
      const CHUNK = 64 * 1024 + 16;
      let counter = 0;
      for (let pos = 16; pos < payload.length; pos += CHUNK, counter++) {
        const sealed = payload.subarray(pos, Math.min(pos + CHUNK, payload.length));
        const nonce = Buffer.alloc(12);
        nonce.writeUIntBE(counter, 5, 6);
        if (pos + CHUNK >= payload.length) nonce[11] = 1;
        chunks.push(chachaOpen(payloadKey, nonce, sealed));
      }
      return Buffer.concat(chunks);
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The data key from the first stanza an X25519 identity opens, or undefined. */
export function unwrapDataKeySync(stanzas: readonly AgeStanza[], identities: readonly string[]): Buffer | undefined {
  const keys = identities.map(x25519IdentityBytes).filter((k): k is Buffer => k !== undefined);
  for (const stanza of stanzas) {
    for (const k of keys) {
      const key = ageDecryptSync(stanza.enc, k);
      if (key && key.length === 32) return key;
    }
  }
  return undefined;
}

/** The plaintext bytes SOPS hashes for an unencrypted leaf (as `openSopsFile` does). */
function leafBytes(value: unknown, where: string): Buffer {
  if (typeof value === 'string' || typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return plaintextBytes(value);
  throw new SopsError(`${where}: unsupported value type (${value instanceof Date ? 'timestamp; quote the value' : typeof value})`);
}

/**
 * Verifies every encrypted value and the MAC of a SOPS file with the identities at hand.
 * Returns `verified`, `no-identity` (none of the X25519 identities opens the file: not checked),
 * or the problem (a tampered value, a MAC mismatch), naming the file and the fix.
 */
export function verifySopsFileSync(text: string, identities: readonly string[], file: string): 'verified' | 'no-identity' | string {
  try {
    const encrypted: Document = parseSingleDocument(text, file);
    const metadata = readMetadata((encrypted.toJS() as Record<string, unknown>).sops, file);
    const dataKey = unwrapDataKeySync(metadata.age, identities);
    if (!dataKey) return 'no-identity';
    const doc = encrypted.clone();
    doc.delete('sops');
    const hasher = new MacHasher(metadata.macOnlyEncrypted);
    for (const leaf of collectLeaves(doc.contents as YAMLMap, file)) {
      const selected = ruleSelects(metadata.rule, leaf.path);
      const value = leaf.node.value as unknown;
      if (selected && typeof value === 'string' && value !== '') {
        if (!isEncryptedValue(value)) return `${file}: ${leaf.path.join('.')} should be encrypted but holds plaintext; re-set the value with npm run -s secrets -- set`;
        hasher.add(decryptValue(value, dataKey, pathAad(leaf.path), `${file}: ${leaf.path.join('.')}`).bytes, true);
      } else {
        hasher.add(leafBytes(value, `${file}: ${leaf.path.join('.')}`), selected);
      }
    }
    const expected = decryptMac(metadata.mac, dataKey, metadata.lastmodified, `${file}: sops.mac`);
    if (expected.toUpperCase() !== hasher.hex()) {
      return `${file}: MAC mismatch: the file was modified outside SOPS (a value, a key, or lastmodified changed); restore it from Git or re-create it with npm run -s secrets -- set`;
    }
    return 'verified';
  } catch (e) {
    if (e instanceof SopsError) return `${e.message} (restore the file from Git or re-create it with npm run -s secrets -- set)`;
    return `${file}: cannot be verified (${(e as Error).message}); restore it from Git or re-create it with npm run -s secrets -- set`;
  }
}
