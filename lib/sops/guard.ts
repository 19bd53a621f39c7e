/**
 * Leak guards for the synth (no private key needed):
 *
 * - `inspectSopsFile`: a committed file under `secrets/` must be SOPS-encrypted, carry a MAC, hold
 *   only `ENC[…]` (or empty) Secret values, and be encrypted to exactly the config's recipients.
 * - `plaintextSecretProblems`: no synthesized Secret may carry a plaintext value.
 * - `containsAgeIdentity`: no age private key may appear in the output tree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap } from 'yaml';
import * as zlib from 'node:zlib';
import { parsePlainYaml } from '../config/fast-yaml';
import { isTokenRequestorKubeconfigSecret } from '../gardener/token-requestor';
import { boundedToJS, DEFAULT_LIMITS, formatProblem, parseBoundedYaml, withinLimits } from '../yaml-bounds';
import { ENC_PATTERN, isEncryptedValue } from './codec';
import { canonicalLastModified } from './mac';
import { verifySopsFileSync } from './verify';
import { discoverIdentities } from './age';
import { IDENTITY_FILE } from './config';
import { byKey } from '../order';

/** What `inspectSopsFile` found. */
export interface SopsFileInspection {
  /** `kind` of the object, when readable. @default - none */
  readonly kind?: string;
  /** `metadata.namespace`, when set. @default - none */
  readonly namespace?: string;
  /** `metadata.name`, when set. @default - none */
  readonly name?: string;
  /** Everything wrong with the file, each naming the file, the problem and the fix; empty when fine. */
  readonly problems: string[];
}

const ROTATE_HINT = 'run: npm run -s secrets -- rotate';
const SET_HINT = 'npm run -s secrets -- set <namespace>/<name> key=value';

/** Options of `inspectSopsFile`. */
export interface InspectOptions {
  /**
   * age identities at hand (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, .age/age.agekey, keys.txt): when one
   * opens the file, every value and the MAC are verified too.
   * @default - none: structure only
   */
  readonly identities?: readonly string[];
}

/**
 * Checks a committed SOPS file: its structure without decrypting it and, where an identity is
 * available, its values and MAC.
 *
 * @param file Path shown in messages.
 * @param content The file's text.
 * @param recipients The config's `sops.ageRecipients`.
 */
export function inspectSopsFile(file: string, content: string, recipients: readonly string[], options: InspectOptions = {}): SopsFileInspection {
  const problems: string[] = [];
  // A SOPS file is one mapping in the plain YAML subset: read without the yaml library's document
  // model when it is (and stays within the bounds); anything else goes through the bounded parser.
  const plain = parsePlainYaml(content);
  let obj: Record<string, unknown>;
  if (plain !== undefined && typeof plain === 'object' && plain !== null && !Array.isArray(plain) && withinLimits(plain)) obj = plain as Record<string, unknown>;
  else {
    const parsed = parseBoundedYaml(content, file);
    if (parsed.problems.length > 0) return { problems: parsed.problems.map((p) => `${file}: invalid YAML${p.line !== undefined ? ` at line ${p.line}` : ''}: ${p.message}`) };
    const list = parsed.docs.filter((d) => d.contents !== null);
    if (list.length === 0) return { problems: [`${file}: empty file; it must hold one SOPS-encrypted Secret (${SET_HINT})`] };
    if (list.length > 1) problems.push(`${file}: holds ${list.length} YAML documents; write exactly one SOPS-encrypted Secret per file`);
    const doc = list[0];
    if (!isMap(doc.contents)) return { problems: [...problems, `${file}: the document must be a mapping (a Kubernetes object)`] };
    obj = (boundedToJS(doc) ?? {}) as Record<string, unknown>;
  }
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  const kind = typeof obj.kind === 'string' ? obj.kind : undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  const result = (): SopsFileInspection => ({ kind, namespace, name, problems });

  const sops = obj.sops as Record<string, unknown> | undefined | null;
  if (sops === undefined || sops === null || typeof sops !== 'object' || Array.isArray(sops)) {
    problems.push(`${file}: not SOPS-encrypted (no top-level "sops" block); never commit a plaintext Secret: encrypt it with ${SET_HINT}`);
    return result();
  }
  if (typeof sops.mac !== 'string' || sops.mac === '') {
    problems.push(`${file}: sops.mac is missing; Flux refuses such files and tampering cannot be detected: re-create it with ${SET_HINT}`);
  }
  if (typeof sops.lastmodified !== 'string') {
    problems.push(`${file}: sops.lastmodified is missing; re-create the file with ${SET_HINT}`);
  } else {
    try {
      canonicalLastModified(sops.lastmodified);
    } catch {
      problems.push(`${file}: sops.lastmodified "${sops.lastmodified}" is not RFC 3339 (Flux cannot load it); re-create the file with ${SET_HINT}`);
    }
  }
  for (const mapName of ['data', 'stringData']) {
    const m = obj[mapName];
    if (m === undefined || m === null) continue;
    if (typeof m !== 'object' || Array.isArray(m)) {
      problems.push(`${file}: ${mapName} must be a mapping`);
      continue;
    }
    for (const [key, value] of Object.entries(m as Record<string, unknown>)) {
      if (value === '' || value === null) continue;
      if (!isEncryptedValue(value)) {
        problems.push(`${file}: ${mapName}.${key} is not encrypted (expected ENC[AES256_GCM,…]); never commit plaintext: re-set it with ${SET_HINT}`);
      }
    }
  }
  for (const p of sopsStructureProblems(obj, file, { dataChecked: true })) if (!problems.includes(p)) problems.push(p);
  if (problems.length === 0 && options.identities && options.identities.length > 0) {
    const verdict = verifySopsFileSync(content, options.identities, file);
    if (verdict !== 'verified' && verdict !== 'no-identity') problems.push(verdict);
  }
  const ageList = Array.isArray(sops.age) ? (sops.age as unknown[]) : [];
  const fileRecipients = ageList
    .map((e) => (e && typeof e === 'object' ? (e as Record<string, unknown>).recipient : undefined))
    .filter((r): r is string => typeof r === 'string');
  const want = [...new Set(recipients)].sort();
  const have = [...new Set(fileRecipients)].sort();
  if (want.length === 0) {
    problems.push(
      `${file}: the config lists no sops.ageRecipients, but the file is encrypted to [${have.join(', ')}]; add the recipients to the config (or run: npm run -s secrets -- init), then ${ROTATE_HINT}`,
    );
  } else if (want.length !== have.length || want.some((r, i) => r !== have[i])) {
    problems.push(
      `${file}: encrypted to recipients [${have.join(', ')}] but the config's sops.ageRecipients are [${want.join(', ')}]; ${ROTATE_HINT}`,
    );
  }
  return result();
}

/**
 * Problems of a synthesized object that would put a secret into Git: a `kind: Secret` with a
 * non-empty `data`/`stringData` value that is not SOPS-encrypted.
 *
 * @param obj A manifest as a plain object (e.g. `ApiObject.toJson()` or parsed YAML).
 */
export function plaintextSecretProblems(obj: any): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || obj.kind !== 'Secret') return [];
  // Gardener's token-requestor Secret: a kubeconfig with no credential, which Gardener fills in.
  if (isTokenRequestorKubeconfigSecret(obj)) return [];
  const meta = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
  const id = `Secret ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '(unnamed)'}`;
  const sops = obj.sops;
  const encrypted = sops !== null && typeof sops === 'object' && typeof sops.mac === 'string' && sops.mac !== '';
  const plain: string[] = [];
  for (const mapName of ['data', 'stringData']) {
    const m = obj[mapName];
    if (m === null || typeof m !== 'object') continue;
    for (const [key, value] of Object.entries(m as Record<string, unknown>)) {
      if (value === '' || value === null || value === undefined) continue;
      if (!encrypted || !isEncryptedValue(value)) plain.push(`${mapName}.${key}`);
    }
  }
  if (plain.length === 0) return [];
  const why = encrypted ? 'is not encrypted although the Secret has a sops block' : 'holds a plaintext value and the Secret is not SOPS-encrypted';
  const ref = meta.namespace && meta.name ? `${meta.namespace}/${meta.name}` : '<namespace>/<name>';
  return [
    `${id}: ${plain.join(', ')} ${why}; Secrets must come from secrets/ (npm run -s secrets -- set ${ref} key=value), never in plaintext`,
  ];
}

/** True when the text contains an age private key (`AGE-SECRET-KEY-…`, PQ or plugin identities), any case. */
export function containsAgeIdentity(text: string): boolean {
  return /AGE-SECRET-KEY-/i.test(text) || /AGE-PLUGIN-[A-Z0-9]+-1/i.test(text);
}

/**
 * The age identities available to verify MACs (as SOPS finds them, plus the project's
 * `.age/age.agekey`); none when there are none or they cannot be read (verification is then skipped).
 */
export function availableIdentities(env: NodeJS.ProcessEnv, baseDir: string): string[] {
  try {
    return [...discoverIdentities({ env, defaultFile: path.join(baseDir, IDENTITY_FILE) }).identities];
  } catch {
    return [];
  }
}

/** Every YAML file under `dir` (recursively, sorted, absolute paths); `[]` when `dir` does not exist. */
export function listSecretFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort(byKey((x) => x.name))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
    }
  };
  visit(dir);
  return out;
}


// ---------------------------------------------------------------------------------------------
// The tree guard: one guard for every door (rendered objects, copied application definitions,
// files under secrets/, BOOTSTRAP.md and every other file the tree gets).
// ---------------------------------------------------------------------------------------------

/**
 * Extension point: predicates that recognize a `kind: Secret` whose readable values are not
 * secret by construction (e.g. a Gardener token-requestor kubeconfig without credentials). A
 * Secret for which one returns true is not refused for its plaintext values; every other check
 * (age identities, credentials in URLs, SOPS structure) still applies to it.
 */
export const ALLOW_READABLE_SECRET: Array<(obj: Record<string, unknown>) => boolean> = [];

/** Top-level keys of the Kubernetes envelope that SOPS files may keep in plaintext. */
const ENVELOPE_TOP = new Set(['apiVersion', 'kind', 'type', 'immutable', 'metadata']);
/** `metadata` fields that may stay plaintext (names and labels: at most 63 characters per value). */
const ENVELOPE_METADATA = new Set(['name', 'namespace', 'labels']);
/** Annotation prefixes Flux reads from an encrypted Secret; their values must stay short. */
const PLAIN_ANNOTATION_PREFIXES = ['kustomize.toolkit.fluxcd.io/', 'helm.toolkit.fluxcd.io/'];
const SOPS_KEYS = new Set([
  'age',
  'lastmodified',
  'mac',
  'version',
  'encrypted_regex',
  'unencrypted_regex',
  'encrypted_suffix',
  'unencrypted_suffix',
  'encrypted_comment_regex',
  'unencrypted_comment_regex',
  'mac_only_encrypted',
  'kms',
  'gcp_kms',
  'azure_kv',
  'hc_vault',
  'pgp',
  'hckms',
]);
const SOPS_NONCE_SIZE = 32;
const SOPS_TAG_SIZE = 16;
const VALUE_TYPES = new Set(['str', 'int', 'float', 'bool', 'bytes', 'time', 'comment']);
const AGE_ARMOR = /^-----BEGIN AGE ENCRYPTED FILE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END AGE ENCRYPTED FILE-----\r?\n?$/;

function isPrintableText(bytes: Buffer): boolean {
  for (const b of bytes) if (b < 0x20 || b > 0x7e) if (b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

/**
 * Why an `ENC[…]` string is not what SOPS writes, or undefined: SOPS writes a 32-byte nonce, a
 * 16-byte tag, a known type, and ciphertext that is indistinguishable from random bytes. A value of
 * 16 or more bytes whose "ciphertext" is printable text is plaintext in a fake envelope (the chance
 * that real ciphertext of 16 bytes is all printable is about 2e-7; for 6 bytes it would be 0.3 %,
 * far too many false refusals of real files). A nonce or tag of one repeated byte is never random.
 * Shorter plaintext in a well-formed fake envelope is caught only where an identity is available
 * (the MAC and the values are verified then; README "Safety").
 */
export function fakeEncryptedValue(value: string): string | undefined {
  const m = ENC_PATTERN.exec(value);
  if (!m) return 'is not of the form ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]';
  const data = Buffer.from(m[1], 'base64');
  const iv = Buffer.from(m[2], 'base64');
  const tag = Buffer.from(m[3], 'base64');
  if (iv.length !== SOPS_NONCE_SIZE) return `has a ${iv.length}-byte iv (SOPS writes ${SOPS_NONCE_SIZE})`;
  if (tag.length !== SOPS_TAG_SIZE) return `has a ${tag.length}-byte tag (SOPS writes ${SOPS_TAG_SIZE})`;
  if (!VALUE_TYPES.has(m[4])) return `has an unknown type "${m[4]}"`;
  if (data.length >= 16 && isPrintableText(data)) return 'holds readable text where SOPS writes ciphertext (plaintext inside a fake ENC[…] envelope)';
  if (iv.every((b) => b === iv[0]) || tag.every((b) => b === tag[0])) return 'has a nonce or tag of one repeated byte, which SOPS never writes (plaintext inside a fake ENC[…] envelope)';
  return undefined;
}

type Json = Record<string, unknown>;
const isJsonObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Every leaf (non-null scalar) of a plain value with its key path (sequence items add an index). */
function leaves(value: unknown, path: string[] = [], out: Array<{ path: string[]; value: unknown }> = []): Array<{ path: string[]; value: unknown }> {
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, [...path, String(i)], out));
  else if (isJsonObj(value)) for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  else if (value !== null && value !== undefined) out.push({ path, value });
  return out;
}

/**
 * Structure problems of a SOPS-encrypted object (a document with a top-level `sops` key): the
 * `sops` block holds only what SOPS writes (a real MAC, a timestamp, age stanzas, at most one
 * rule), and every leaf outside the Kubernetes envelope (apiVersion, kind, type, immutable,
 * metadata.name/namespace/labels and short Flux annotations) is a genuine `ENC[…]` value.
 */
export function sopsStructureProblems(obj: Json, where: string, options: { readonly dataChecked?: boolean } = {}): string[] {
  const out: string[] = [];
  const sops = obj.sops;
  if (!isJsonObj(sops)) return [`${where}: the top-level "sops" key is not a mapping; the file was not written by SOPS (re-create it with ${SET_HINT})`];
  for (const k of Object.keys(sops)) {
    if (!SOPS_KEYS.has(k)) out.push(`${where}: sops.${k} is not a key SOPS writes (tampered metadata; re-create the file with ${SET_HINT})`);
  }
  if (typeof sops.mac !== 'string' || sops.mac === '') {
    if (!options.dataChecked) out.push(`${where}: sops.mac is missing (re-create the file with ${SET_HINT})`);
  } else {
    const why = fakeEncryptedValue(sops.mac);
    if (why) out.push(`${where}: sops.mac ${why}; the MAC is not one SOPS wrote (re-create the file with ${SET_HINT})`);
    else if (!/,type:str\]$/.test(sops.mac) || Buffer.from(ENC_PATTERN.exec(sops.mac)![1], 'base64').length !== 128) {
      out.push(`${where}: sops.mac is not an encrypted SHA-512 MAC (128 hex digits, type:str); re-create the file with ${SET_HINT}`);
    }
  }
  if (typeof sops.lastmodified !== 'string') out.push(`${where}: sops.lastmodified is missing; re-create the file with ${SET_HINT}`);
  const rules = ['encrypted_regex', 'unencrypted_regex', 'encrypted_suffix', 'unencrypted_suffix'].filter((k) => sops[k] !== undefined && sops[k] !== null && sops[k] !== '');
  if (rules.length > 1) out.push(`${where}: sops sets ${rules.join(' and ')}; SOPS writes at most one rule (re-create the file with ${SET_HINT})`);
  if (sops.mac_only_encrypted !== undefined && typeof sops.mac_only_encrypted !== 'boolean') out.push(`${where}: sops.mac_only_encrypted must be a boolean`);
  if (sops.age !== undefined) {
    if (!Array.isArray(sops.age)) out.push(`${where}: sops.age must be a list of {recipient, enc}`);
    else
      sops.age.forEach((e, i) => {
        if (!isJsonObj(e) || typeof e.recipient !== 'string' || typeof e.enc !== 'string' || Object.keys(e).some((k) => k !== 'recipient' && k !== 'enc')) {
          out.push(`${where}: sops.age[${i}] must hold exactly "recipient" and "enc" (re-create the file with ${SET_HINT})`);
        } else if (!AGE_ARMOR.test(e.enc)) {
          out.push(`${where}: sops.age[${i}].enc is not an armored age file (-----BEGIN AGE ENCRYPTED FILE-----); re-create the file with ${SET_HINT}`);
        }
      });
  }
  for (const { path, value } of leaves(obj)) {
    if (path[0] === 'sops') continue;
    if (typeof value === 'string' && value.startsWith('ENC[')) {
      const why = fakeEncryptedValue(value);
      if (why) out.push(`${where}: ${path.join('.')} ${why}; re-set it with ${SET_HINT}`);
      continue;
    }
    if (value === '') continue;
    if (options.dataChecked && (path[0] === 'data' || path[0] === 'stringData') && path.length === 2) continue; // reported by the caller
    if (ENVELOPE_TOP.has(path[0]) && path[0] !== 'metadata' && path.length === 1) continue;
    if (path[0] === 'metadata' && ENVELOPE_METADATA.has(path[1]) && (path[1] !== 'labels' || path.length === 3) && String(value).length <= 63) continue;
    if (path[0] === 'metadata' && path[1] === 'annotations' && path.length === 3 && PLAIN_ANNOTATION_PREFIXES.some((p) => path[2].startsWith(p)) && String(value).length <= 64) {
      continue;
    }
    const what = path[0] === 'metadata' && path[1] === 'annotations' ? 'a plaintext annotation (annotations such as last-applied-configuration can carry the Secret)' : 'plaintext outside the Kubernetes envelope';
    out.push(`${where}: ${path.join('.')} is ${what}; in a SOPS file every value except apiVersion, kind, type and metadata name/namespace/labels must be encrypted: remove it, or re-set the Secret with ${SET_HINT}`);
  }
  return out;
}

// --- encodings a reader could reverse -------------------------------------------------------

const AGE_ID = /AGE-SECRET-KEY-|AGE-PLUGIN-[A-Z0-9]+-1/i;
const MAX_DECODED = 64 * 1024 * 1024;

/** Text with escapes resolved and continuations/whitespace removed: what a reader reassembles. */
function squash(text: string): string {
  const unescaped = text
    .replace(/\\[xX]([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})|%([0-9a-fA-F]{2})|&#x([0-9a-fA-F]+);|&#([0-9]+);/g, (_, x, u, U, pct, hx, dec) =>
      String.fromCodePoint(parseInt(x ?? u ?? U ?? pct ?? hx ?? dec, x || u || U || pct || hx ? 16 : 10) % 0x110000),
    )
    .replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  // line continuations (\ + newline, YAML folding), quotes and concatenation operators between pieces
  return unescaped.replace(/\\\r?\n|[\s"'`+,\\]/g, '');
}

/** Candidate encoded payloads in a text: base64/base64url/hex runs (whitespace-joined). */
function encodedRuns(text: string): Buffer[] {
  const out: Buffer[] = [];
  // wrapped payloads: join lines (and drop quotes), but keep words on a line apart
  const joined = text.replace(/\\\r?\n|[ \t]*\r?\n[ \t]*|["'`]/g, '');
  // maximal runs of 24+ (the lookbehind keeps a failed match from rescanning a run from every start)
  for (const m of joined.matchAll(/(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,}={0,2}/g)) {
    const s = m[0];
    // base64 of 18+ bytes has upper case, lower case and digits; names and words rarely all three
    if (!/[A-Z]/.test(s) || !/[a-z]/.test(s) || !/[0-9]/.test(s)) continue;
    out.push(Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    // a run may start mid-quantum after a prefix like "data:": try the other alignments too
    for (let k = 1; k < 4; k++) out.push(Buffer.from(s.slice(k).replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  }
  for (const m of joined.matchAll(/(?<![0-9a-fA-F])[0-9a-fA-F]{32,}/g)) if (/[a-fA-F]/.test(m[0]) && /[0-9]/.test(m[0])) out.push(Buffer.from(m[0], 'hex'));
  return out;
}

function tryInflate(bytes: Buffer): Buffer | undefined {
  const opts = { maxOutputLength: MAX_DECODED };
  try {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) return zlib.gunzipSync(bytes, opts);
    if (bytes[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(bytes[1])) return zlib.inflateSync(bytes, opts);
    if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) return undefined; // zstd: not in Node 20
    if (bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68) return undefined; // bzip2: no decoder in Node
  } catch {
    return undefined;
  }
  return undefined;
}

/** Texts a reader could get from these bytes: UTF-8/Latin-1, UTF-16 (both byte orders, both alignments). */
function textsOf(bytes: Buffer): string[] {
  const texts = [bytes.toString('latin1')];
  // UTF-16 of the (ASCII) identity prefix has a NUL byte in every other position
  if (bytes.length >= 2 && bytes.includes(0)) {
    const le = bytes.toString('utf16le');
    const le1 = bytes.subarray(1).toString('utf16le');
    const swapped = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
    swapped.swap16();
    texts.push(le, le1, swapped.toString('utf16le'));
  }
  return texts;
}

/**
 * True when the bytes hold an age identity in any encoding a reader could reverse: plain (any
 * case), escaped (\x, \u, octal, %, HTML entities), split by line continuations or quotes, UTF-16,
 * base64 / base64url / hex, gzip / zlib, and any nesting of these (up to 4 layers).
 */
export function containsEncodedAgeIdentity(content: string | Buffer, depth = 0, budget = { bytes: MAX_DECODED }): boolean {
  const bytes = Buffer.isBuffer(content) ? content : undefined;
  budget.bytes -= bytes ? bytes.length : content.length;
  if (budget.bytes < 0) return false;
  if (bytes) {
    const inflated = tryInflate(bytes);
    if (inflated && containsEncodedAgeIdentity(inflated, depth + 1, budget)) return true;
  }
  const texts = bytes ? textsOf(bytes) : [content as string];
  for (const text of texts) {
    const clean = text.includes('\0') ? text.replace(/\0/g, '') : text;
    if (AGE_ID.test(clean) || AGE_ID.test(squash(clean))) return true;
    if (depth >= 4) continue;
    for (const run of encodedRuns(clean)) {
      // follow a decoding only where a reader would: to text, or to compressed data
      if (run.length >= 12 && worthDecoding(run) && containsEncodedAgeIdentity(run, depth + 1, budget)) return true;
    }
  }
  return false;
}

/** Decoded bytes that are text (NULs allowed: UTF-16) or compressed data; random bytes are not. */
function worthDecoding(bytes: Buffer): boolean {
  if ((bytes[0] === 0x1f && bytes[1] === 0x8b) || (bytes[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(bytes[1]))) return true;
  let text = 0;
  for (const b of bytes) if (b === 0 || b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f)) text++;
  return text >= bytes.length * 0.9;
}

/** `scheme://user:password@host` or `https://<token>@host` (an ssh user such as `git@` is no credential). */
const URL_USERINFO = /\b([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^\s/?#@"'<>`]+)@(?=[^\s/?#@"'<>`]*[A-Za-z0-9])/g;

/** URLs that carry credentials, shown redacted (`https://***@host`). */
export function credentialUrls(text: string): string[] {
  const out: string[] = [];
  if (!text.includes('://') || !text.includes('@')) return out;
  for (const m of text.matchAll(URL_USERINFO)) {
    const scheme = m[1].toLowerCase();
    const userinfo = m[2];
    const placeholder = /^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)(:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)?$/.test(userinfo);
    if (placeholder) continue;
    if (!userinfo.includes(':') && /^(ssh|git\+ssh|ssh\+git|sftp)$/.test(scheme)) continue; // ssh://git@host: a user name, the key is elsewhere
    out.push(`${m[1]}://***@…`);
  }
  return out;
}

/** A file of the tree, as the guard sees it. */
export interface GuardedFile {
  readonly path: string;
  readonly content: string | Buffer;
  /** The parsed documents, when the caller already has them (rendered objects). @default - parsed here */
  readonly objects?: readonly unknown[];
}

function isManifestFile(p: string): boolean {
  return /\.(ya?ml|json)$/i.test(p);
}

/** Items of `kind: List` / `*List` objects, flattened (recursively), plus the object itself. */
function flattenObjects(value: unknown, out: Json[] = [], depth = 0): Json[] {
  if (Array.isArray(value)) {
    for (const v of value) flattenObjects(v, out, depth + 1);
    return out;
  }
  if (!isJsonObj(value)) return out;
  out.push(value);
  if (depth < 16 && typeof value.kind === 'string' && /List$/.test(value.kind) && Array.isArray(value.items)) {
    for (const item of value.items) flattenObjects(item, out, depth + 1);
  }
  return out;
}

/** Problems of one object: a readable Secret, or a SOPS document whose structure is not what SOPS writes. */
export function objectProblems(obj: Json, where: string): string[] {
  if (obj.sops !== undefined) return sopsStructureProblems(obj, where);
  if (obj.kind === 'Secret' && !ALLOW_READABLE_SECRET.some((allow) => allow(obj))) {
    return plaintextSecretProblems(obj).map((p) => `${where}: ${p}`);
  }
  return [];
}

/** Every embedded manifest string (`kind: Secret` inside a ConfigMap value, a Helm values blob…). */
function embeddedSecrets(obj: Json, where: string, depth: number): string[] {
  const out: string[] = [];
  walkValues(obj, (value, path) => {
    if (typeof value !== 'string' || !value.includes('Secret') || !/kind["']?\s*:\s*["']?Secret\b/.test(value)) return;
    const parsed = parseBoundedYaml(value, where);
    if (parsed.problems.length) return;
    for (const doc of parsed.docs) {
      for (const inner of flattenObjects(doc.toJS({ maxAliasCount: 1000 }))) {
        out.push(...objectProblems(inner, `${where} (embedded in ${path().join('.')})`));
        if (depth < 2) out.push(...embeddedSecrets(inner, where, depth + 1));
      }
    }
  });
  return out;
}

/**
 * Calls `visit` for every value below `root` (not `root` itself), depth first; `path()` gives the
 * keys (sequence indexes as strings) to it, built only when asked for.
 */
function walkValues(root: Json, visit: (value: unknown, path: () => string[]) => void): void {
  const keys: string[] = [];
  const go = (v: unknown): void => {
    visit(v, () => [...keys]);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        keys.push(String(i));
        go(v[i]);
        keys.pop();
      }
    } else if (isJsonObj(v)) {
      for (const k of Object.keys(v)) {
        keys.push(k);
        go(v[k]);
        keys.pop();
      }
    }
  };
  for (const k of Object.keys(root)) {
    keys.push(k);
    go(root[k]);
    keys.pop();
  }
}

/**
 * The guard every file of the tree passes before the writer gets it: no Secret with a readable
 * value (also inside `List`s, multi-document YAML, JSON and manifests embedded in values), SOPS
 * documents exactly as SOPS writes them, no age identity in any reversible encoding, no
 * credentials in URLs. Returns every problem, each naming the file and the fix.
 */
export function guardFile(file: GuardedFile): string[] {
  const out: string[] = [];
  const where = file.path;
  if (containsEncodedAgeIdentity(file.content) || containsEncodedAgeIdentity(file.path)) {
    out.push(`${where}: holds an age identity (AGE-SECRET-KEY-…, possibly encoded, escaped or compressed); remove private keys from the inputs: only public recipients belong in Git`);
  }
  const text = Buffer.isBuffer(file.content) ? file.content.toString('utf8') : file.content;
  if (/-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/.test(text)) {
    out.push(`${where}: holds a private key (-----BEGIN … PRIVATE KEY-----); keep private keys out of the repository (put the value in a SOPS-encrypted Secret under secrets/)`);
  }
  const urls = credentialUrls(text);
  if (urls.length) {
    out.push(`${where}: holds a URL with credentials (${[...new Set(urls)].join(', ')}); put the credentials in a SOPS-encrypted Secret and reference it (e.g. secretRef), never in a URL`);
  }
  let values: readonly unknown[] | undefined = file.objects;
  if (!values) {
    const parsed = parseBoundedYaml(text, where, DEFAULT_LIMITS, { allowDuplicateKeys: true });
    if (parsed.problems.length) {
      // A manifest that cannot be parsed (e.g. a Helm template) cannot be checked object by object:
      // refused when it declares a Secret; otherwise only the text checks above apply.
      if (isManifestFile(where) && /\bkind["']?\s*:\s*["']?Secret\b/.test(text)) out.push(...parsed.problems.map((p) => `${formatProblem(p)} (the guard cannot check a file it cannot parse: fix it or leave it out)`));
      return out;
    }
    try {
      values = parsed.docs.map((d) => d.toJS({ maxAliasCount: DEFAULT_LIMITS.maxNodes }));
    } catch (e) {
      if (isManifestFile(where)) out.push(`${where}: cannot be read as YAML (${(e as Error).message.split('\n')[0]})`);
      return out;
    }
  }
  for (const obj of flattenObjects([...values])) {
    out.push(...objectProblems(obj, where));
    out.push(...nestedSecrets(obj, where));
    out.push(...embeddedSecrets(obj, where, 0));
  }
  return out;
}

/**
 * Secrets nested as objects inside another object (a chart's `extraObjects` in HelmRelease values,
 * an inline patch…): a mapping with `kind: Secret` and a `data`/`stringData` mapping.
 */
function nestedSecrets(obj: Json, where: string): string[] {
  const out: string[] = [];
  walkValues(obj, (v, path) => {
    if (!isJsonObj(v) || v.kind !== 'Secret' || !(isJsonObj(v.data) || isJsonObj(v.stringData))) return;
    if (ALLOW_READABLE_SECRET.some((allow) => allow(v))) return;
    out.push(...plaintextSecretProblems(v).map((p) => `${where} (nested in ${path().join('.')}): ${p}`));
  });
  return out;
}

/** `guardFile` over a whole tree. */
export function guardTree(files: readonly GuardedFile[]): string[] {
  return files.flatMap((f) => guardFile(f));
}
