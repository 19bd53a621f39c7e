/**
 * Whole-file SOPS operations: encrypt (`sops -e`), open/decrypt (`sops -d`, verifying every tag and
 * the MAC), re-encrypt after an edit (`sops edit`: same data key, unchanged values keep their nonce
 * and so their exact ciphertext), and rotate (`sops updatekeys`, with a new data key whenever a
 * recipient is removed).
 *
 * Clock and randomness are injectable for deterministic tests. The age stanzas themselves always use
 * typage's own randomness.
 */
import * as crypto from 'node:crypto';
import { Document, isMap, isScalar, Node, Scalar, YAMLMap } from 'yaml';
import { DATA_KEY_SIZE, decryptValue, encryptBytes, isEncryptedValue, pathAad, plaintextBytes, RandomBytes, scalarType, SopsScalar, SopsValueType } from './codec';
import { unwrapDataKey, wrapDataKey } from './age';
import { collectLeaves, decryptMac, encryptMac, formatLastModified, MacHasher } from './mac';
import { AgeStanza, EncryptionRule, FLUX_RULE, metadataNode, readMetadata, ruleSelects, SOPS_VERSION, SopsMetadata } from './metadata';
import { parseSingleDocument, SopsError, stringifyDocument } from './yaml';

/** Options shared by every operation that writes a file. */
export interface WriteOptions {
  /** age recipients to wrap the data key to, in order. */
  readonly recipients: readonly string[];
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default crypto.randomBytes */
  readonly randomBytes?: RandomBytes;
}

/** Options of `encryptDocument` / `encryptManifest`. */
export interface EncryptOptions extends WriteOptions {
  /** Which leaves to encrypt. @default encrypted_regex ^(data|stringData)$ */
  readonly rule?: EncryptionRule;
  /** Hash only encrypted leaves into the MAC (SOPS ≥ 3.9). @default false */
  readonly macOnlyEncrypted?: boolean;
  /** Names the input in error messages. @default stdin */
  readonly file?: string;
  /** Receives warnings (comments dropped under encrypted keys). @default - ignored */
  readonly warn?: (message: string) => void;
}

/** A decrypted SOPS file, with what re-encryption needs. Holds secrets in memory only. */
export interface OpenedSopsFile {
  /** Names the file in messages. */
  readonly file: string;
  /** The exact encrypted text it was opened from. */
  readonly source: string;
  /** The plaintext document, without the `sops` block. */
  readonly document: Document;
  readonly metadata: SopsMetadata;
  readonly dataKey: Buffer;
  /** The recipient whose stanza the identity opened. */
  readonly openedWith: string;
  /** Nonce of each encrypted value, keyed by `nonceKey(aad, type, bytes)`. */
  readonly nonces: ReadonlyMap<string, Buffer>;
}

/** What `reencrypt` did. */
export type ReencryptAction =
  /** Plaintext and recipients unchanged: the previous bytes are returned as they were. */
  | 'unchanged'
  /** Only recipients were added: the data key is wrapped to them; values, MAC and lastmodified kept. */
  | 'rewrapped'
  /** Values changed: same data key, unchanged values keep their ciphertext. */
  | 'updated'
  /** A recipient was removed or rotation was asked: new data key, every value re-encrypted. */
  | 'rotated';

/** Result of `reencrypt` and `rotateFile`. */
export interface ReencryptResult {
  readonly text: string;
  readonly action: ReencryptAction;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Options of `reencrypt`. */
export interface ReencryptOptions extends WriteOptions {
  /** Force a new data key even when no recipient was removed. @default false */
  readonly rotateDataKey?: boolean;
}

/**
 * Encrypts a YAML manifest like `sops -e`: the leaves the rule selects (by default every value under
 * `data`/`stringData`) become `ENC[…]`, empty strings stay `""`, and a `sops` block is appended.
 *
 * @throws SopsError on multi-document input, an existing `sops` key, a missing recipient, or YAML errors.
 */
export async function encryptManifest(text: string, options: EncryptOptions): Promise<string> {
  const file = options.file ?? 'stdin';
  const doc = parseSingleDocument(text, file);
  if (doc.has('sops')) {
    throw new SopsError(`${file}: already has a top-level "sops" key (already encrypted?); decrypt it first`);
  }
  return encryptDocument(doc, options);
}

/** Encrypts a parsed plaintext document with a fresh data key (see `encryptManifest`). */
export async function encryptDocument(doc: Document, options: EncryptOptions): Promise<string> {
  const file = options.file ?? 'stdin';
  requireRecipients(options.recipients, file);
  const randomBytes = options.randomBytes ?? crypto.randomBytes;
  const dataKey = randomBytes(DATA_KEY_SIZE);
  const stanzas = await wrapAll(dataKey, options.recipients);
  return seal(doc, {
    file,
    dataKey,
    stanzas,
    rule: options.rule ?? FLUX_RULE,
    macOnlyEncrypted: options.macOnlyEncrypted ?? false,
    version: SOPS_VERSION,
    now: options.now ?? (() => new Date()),
    randomBytes,
    warn: options.warn,
  });
}

/**
 * Opens a SOPS file: unwraps the data key with one of the identities, decrypts every selected value
 * (each GCM tag must verify against its key path) and checks the MAC.
 *
 * @throws SopsError naming the file: not SOPS, wrong identity, a tampered value, MAC mismatch.
 */
export async function openSopsFile(text: string, identities: readonly string[], file = 'file'): Promise<OpenedSopsFile> {
  const encrypted = parseSingleDocument(text, file);
  const metadata = readMetadata((encrypted.toJS() as Record<string, unknown>).sops, file);
  const { dataKey, recipient } = await unwrapDataKey(metadata.age, identities, file);
  const document = encrypted.clone();
  document.delete('sops');
  const root = document.contents as YAMLMap;
  const hasher = new MacHasher(metadata.macOnlyEncrypted);
  const nonces = new Map<string, Buffer>();
  for (const leaf of collectLeaves(root, file)) {
    const selected = ruleSelects(metadata.rule, leaf.path);
    const where = `${file}: ${leaf.path.join('.')}`;
    const value = leaf.node.value as unknown;
    if (selected && typeof value === 'string' && value !== '') {
      if (!isEncryptedValue(value)) {
        throw new SopsError(`${where} should be encrypted but holds plaintext; the file was edited by hand: re-set the value with npm run -s secrets -- set`);
      }
      const dec = decryptValue(value, dataKey, pathAad(leaf.path), where);
      nonces.set(nonceKey(pathAad(leaf.path), dec.type, dec.bytes), dec.iv);
      setPlain(leaf.node, dec.value);
      hasher.add(dec.bytes, true);
    } else {
      hasher.add(leafBytes(value, where), selected);
    }
  }
  const expected = decryptMac(metadata.mac, dataKey, metadata.lastmodified, `${file}: sops.mac`);
  const actual = hasher.hex();
  if (expected.toUpperCase() !== actual) {
    throw new SopsError(
      `${file}: MAC mismatch: the file was modified outside SOPS (a cleartext value, a key, or lastmodified changed); restore it from Git or re-create it with npm run -s secrets -- set`,
    );
  }
  return { file, source: text, document, metadata, dataKey, openedWith: recipient, nonces };
}

/** Decrypts a SOPS file to its plaintext YAML (verifying tags and MAC). */
export async function decryptSopsFile(text: string, identities: readonly string[], file = 'file'): Promise<string> {
  return stringifyDocument((await openSopsFile(text, identities, file)).document);
}

/**
 * Re-encrypts an edited plaintext document against the file it was opened from, as `sops edit` does.
 *
 * - Same plaintext and recipients: the previous bytes, untouched.
 * - Same plaintext, recipients only added: the data key is wrapped to the new ones; nothing else moves.
 * - Plaintext changed, no recipient removed: same data key; a value whose (path, type, plaintext)
 *   existed before keeps its nonce and therefore its exact ciphertext; new `lastmodified` and `mac`.
 * - A recipient removed (or `rotateDataKey`): new data key and fresh nonces everywhere.
 */
export async function reencrypt(previous: OpenedSopsFile, document: Document, options: ReencryptOptions): Promise<ReencryptResult> {
  requireRecipients(options.recipients, previous.file);
  const before = previous.metadata.age.map((s) => s.recipient);
  const added = unique(options.recipients).filter((r) => !before.includes(r));
  const removed = unique(before).filter((r) => !options.recipients.includes(r));
  const rotate = options.rotateDataKey === true || removed.length > 0;
  const samePlaintext = stringifyDocument(previous.document) === stringifyDocument(document);
  const randomBytes = options.randomBytes ?? crypto.randomBytes;
  if (!rotate && samePlaintext) {
    if (added.length === 0) return { text: previous.source, action: 'unchanged', added, removed };
    const doc = parseSingleDocument(previous.source, previous.file);
    const stanzas = [...previous.metadata.age, ...(await wrapAll(previous.dataKey, added))];
    doc.set('sops', metadataNode(doc, { ...previous.metadata, age: stanzas }));
    return { text: stringifyDocument(doc), action: 'rewrapped', added, removed };
  }
  const dataKey = rotate ? randomBytes(DATA_KEY_SIZE) : previous.dataKey;
  const stanzas = rotate
    ? await wrapAll(dataKey, options.recipients)
    : [...previous.metadata.age, ...(await wrapAll(dataKey, added))];
  const text = await seal(document, {
    file: previous.file,
    dataKey,
    stanzas,
    rule: previous.metadata.rule,
    macOnlyEncrypted: previous.metadata.macOnlyEncrypted,
    version: previous.metadata.version,
    now: options.now ?? (() => new Date()),
    randomBytes,
    nonces: rotate ? undefined : previous.nonces,
  });
  return { text, action: rotate ? 'rotated' : 'updated', added, removed };
}

/**
 * `updatekeys`: re-wraps a file's data key for a new recipient set (see `reencrypt`: adding keeps the
 * data key; removing forces a new one). A file already encrypted to exactly these recipients is
 * returned untouched without being opened, so no identity is needed for it.
 */
export async function rotateFile(
  text: string,
  identities: readonly string[],
  options: ReencryptOptions,
  file = 'file',
): Promise<ReencryptResult> {
  if (options.rotateDataKey !== true) {
    const meta = readMetadata((parseSingleDocument(text, file).toJS() as Record<string, unknown>).sops, file);
    const have = new Set(meta.age.map((s) => s.recipient));
    const want = new Set(options.recipients);
    if (want.size > 0 && have.size === want.size && [...want].every((r) => have.has(r))) {
      return { text, action: 'unchanged', added: [], removed: [] };
    }
  }
  const opened = await openSopsFile(text, identities, file);
  return reencrypt(opened, opened.document, options);
}

/** The key under which a value's nonce is remembered: same AAD, same type, same plaintext bytes. */
export function nonceKey(aad: string, type: SopsValueType, bytes: Buffer): string {
  return `${aad}\u0000${type}\u0000${bytes.toString('base64')}`;
}

interface SealOptions {
  readonly file: string;
  readonly dataKey: Buffer;
  readonly stanzas: readonly AgeStanza[];
  readonly rule: EncryptionRule;
  readonly macOnlyEncrypted: boolean;
  readonly version: string;
  readonly now: () => Date;
  readonly randomBytes: RandomBytes;
  readonly nonces?: ReadonlyMap<string, Buffer>;
  readonly warn?: (message: string) => void;
}

/** Encrypts the selected leaves of a copy of `plain`, computes the MAC and appends the metadata. */
async function seal(plain: Document, o: SealOptions): Promise<string> {
  const doc = plain.clone();
  const root = doc.contents;
  if (!isMap(root)) throw new SopsError(`${o.file}: the document root must be a mapping`);
  if (doc.has('sops')) throw new SopsError(`${o.file}: already has a top-level "sops" key`);
  let comments = 0;
  const stripComments = (path: readonly string[], node: Node): void => {
    if (path.length === 0 || !ruleSelects(o.rule, path)) return;
    if (node.commentBefore || node.comment) comments += 1;
    node.commentBefore = undefined;
    node.comment = undefined;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key) && (pair.key.commentBefore || pair.key.comment)) {
          comments += 1;
          pair.key.commentBefore = undefined;
          pair.key.comment = undefined;
        }
      }
    }
  };
  const hasher = new MacHasher(o.macOnlyEncrypted);
  for (const leaf of collectLeaves(root, o.file, stripComments)) {
    const value = leaf.node.value as unknown;
    const where = `${o.file}: ${leaf.path.join('.')}`;
    const bytes = leafBytes(value, where);
    const selected = ruleSelects(o.rule, leaf.path);
    hasher.add(bytes, selected);
    if (!selected || value === '') continue;
    const type = scalarType(value as SopsScalar);
    const aad = pathAad(leaf.path);
    const iv = o.nonces?.get(nonceKey(aad, type, bytes));
    leaf.node.value = encryptBytes(bytes, type, o.dataKey, aad, { iv, randomBytes: o.randomBytes });
    leaf.node.type = Scalar.PLAIN;
    leaf.node.tag = undefined;
  }
  // Keys under an encrypted path may carry comments too (e.g. on the `stringData:` key itself).
  for (const pair of root.items) {
    if (isScalar(pair.key) && typeof pair.key.value === 'string' && ruleSelects(o.rule, [pair.key.value]) && pair.key.comment) {
      pair.key.comment = undefined;
      comments += 1;
    }
  }
  if (comments > 0) {
    o.warn?.(`${o.file}: dropped ${comments} comment(s) under encrypted keys (SOPS would encrypt them; this tool writes none)`);
  }
  const lastmodified = formatLastModified(o.now());
  const mac = encryptMac(hasher.hex(), o.dataKey, lastmodified, { randomBytes: o.randomBytes });
  doc.set(
    'sops',
    metadataNode(doc, {
      age: o.stanzas,
      lastmodified,
      mac,
      version: o.version,
      rule: o.rule,
      macOnlyEncrypted: o.macOnlyEncrypted,
      otherKeySources: [],
    }),
  );
  return stringifyDocument(doc);
}

/** The MAC bytes of a cleartext leaf, rejecting types SOPS cannot represent. */
function leafBytes(value: unknown, where: string): Buffer {
  if (typeof value === 'string' || typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') {
    return plaintextBytes(value);
  }
  if (value instanceof Date) {
    throw new SopsError(`${where}: timestamps are not supported; quote the value`);
  }
  throw new SopsError(`${where}: unsupported value type (${typeof value})`);
}

/** Replaces an `ENC[…]` scalar with its plaintext, letting the emitter choose the quoting. */
function setPlain(node: Scalar, value: SopsScalar): void {
  node.value = value;
  node.type = undefined;
  node.tag = undefined;
}

async function wrapAll(dataKey: Buffer, recipients: readonly string[]): Promise<AgeStanza[]> {
  const out: AgeStanza[] = [];
  for (const recipient of unique(recipients)) out.push({ recipient, enc: await wrapDataKey(dataKey, recipient) });
  return out;
}

function requireRecipients(recipients: readonly string[], file: string): void {
  if (recipients.length === 0) {
    throw new SopsError(`${file}: no age recipients to encrypt to; add sops.ageRecipients to the config (npm run -s secrets -- init) or pass --recipient age1…`);
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
