/**
 * The `sops:` metadata block: reading it from any SOPS version, and writing it the way SOPS 3.13
 * does (keys sorted, `enc` before `recipient`, empty key lists omitted, `lastmodified` quoted,
 * each `enc` a literal block).
 */
import { Document, Scalar, YAMLMap } from 'yaml';
import { SopsError } from './yaml';

/** One age recipient and the data key wrapped to it (an armored age file). */
export interface AgeStanza {
  readonly recipient: string;
  readonly enc: string;
}

/** The rule names SOPS accepts for selecting which leaves are encrypted. */
export type EncryptionRuleKind = 'encrypted_regex' | 'unencrypted_regex' | 'encrypted_suffix' | 'unencrypted_suffix';

/** Which leaves are encrypted: a rule matched against each component of a leaf's path. */
export interface EncryptionRule {
  readonly kind: EncryptionRuleKind;
  readonly value: string;
}

/** The parsed `sops:` block. */
export interface SopsMetadata {
  /** @default [] */
  readonly age: readonly AgeStanza[];
  /** RFC 3339 timestamp; the AAD of the MAC. */
  readonly lastmodified: string;
  /** The encrypted MAC (`ENC[…,type:str]`). */
  readonly mac: string;
  /** @default 3.9.0 */
  readonly version: string;
  /** @default encrypted_regex ^(data|stringData)$ for files this tool writes */
  readonly rule: EncryptionRule;
  /** @default false */
  readonly macOnlyEncrypted: boolean;
  /** Non-age key sources with entries (`pgp`, `kms`, …), which this tool cannot use. @default [] */
  readonly otherKeySources: readonly string[];
}

/** The Flux convention: encrypt only Secret values. */
export const FLUX_ENCRYPTED_REGEX = '^(data|stringData)$';
/** The rule every file written by this tool uses. */
export const FLUX_RULE: EncryptionRule = { kind: 'encrypted_regex', value: FLUX_ENCRYPTED_REGEX };
/** The SOPS format version this tool writes (no newer feature is used). */
export const SOPS_VERSION = '3.9.0';

const RULE_KINDS: readonly EncryptionRuleKind[] = ['encrypted_regex', 'unencrypted_regex', 'encrypted_suffix', 'unencrypted_suffix'];
const OTHER_KEY_SOURCES = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'pgp', 'hckms'];

/**
 * Reads and validates a `sops:` block (the plain JS value of the mapping).
 *
 * @param where Names the file in error messages.
 * @throws SopsError when the block is missing, has no `mac` or `lastmodified`, sets several
 *   encryption rules, uses key groups, or has malformed age entries.
 */
export function readMetadata(value: unknown, where: string): SopsMetadata {
  if (value === undefined || value === null) {
    throw new SopsError(`${where}: not SOPS-encrypted (no top-level "sops" block); encrypt it with: npm run -s secrets -- set …`);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SopsError(`${where}: the top-level "sops" key is not a mapping`);
  }
  const m = value as Record<string, unknown>;
  if (m.key_groups !== undefined || m.shamir_threshold !== undefined) {
    throw new SopsError(`${where}: SOPS key groups / Shamir sharing are not supported; re-encrypt with plain age recipients`);
  }
  if (typeof m.mac !== 'string' || m.mac === '') {
    throw new SopsError(`${where}: sops.mac is missing; the file was not written by SOPS or was truncated: re-create it with npm run -s secrets -- set`);
  }
  if (typeof m.lastmodified !== 'string' || m.lastmodified === '') {
    throw new SopsError(`${where}: sops.lastmodified is missing or not a string`);
  }
  const rules = RULE_KINDS.filter((k) => m[k] !== undefined && m[k] !== null && m[k] !== '');
  if (rules.length > 1) {
    throw new SopsError(`${where}: sops sets several encryption rules (${rules.join(', ')}); SOPS allows at most one`);
  }
  let rule: EncryptionRule = { kind: 'unencrypted_suffix', value: '_unencrypted' };
  if (rules.length === 1) {
    const v = m[rules[0]];
    if (typeof v !== 'string') throw new SopsError(`${where}: sops.${rules[0]} must be a string`);
    rule = { kind: rules[0], value: v };
  }
  const ageList = m.age ?? [];
  if (!Array.isArray(ageList)) throw new SopsError(`${where}: sops.age must be a list`);
  const age = ageList.map((e: unknown, i: number): AgeStanza => {
    const entry = e as Record<string, unknown> | null;
    if (!entry || typeof entry.recipient !== 'string' || typeof entry.enc !== 'string') {
      throw new SopsError(`${where}: sops.age[${i}] needs string fields "recipient" and "enc"`);
    }
    return { recipient: entry.recipient, enc: entry.enc };
  });
  const otherKeySources = OTHER_KEY_SOURCES.filter((k) => Array.isArray(m[k]) && (m[k] as unknown[]).length > 0);
  const macOnly = m.mac_only_encrypted;
  return {
    age,
    lastmodified: m.lastmodified,
    mac: m.mac,
    version: typeof m.version === 'string' && m.version !== '' ? m.version : SOPS_VERSION,
    rule,
    macOnlyEncrypted: macOnly === true,
    otherKeySources,
  };
}

/**
 * Whether the rule selects a leaf at `path` for encryption: any component matching an
 * `encrypted_*` rule; no component matching an `unencrypted_*` rule.
 */
export function ruleSelects(rule: EncryptionRule, path: readonly string[]): boolean {
  switch (rule.kind) {
    case 'encrypted_regex': {
      const re = new RegExp(rule.value);
      return path.some((p) => re.test(p));
    }
    case 'unencrypted_regex': {
      const re = new RegExp(rule.value);
      return !path.some((p) => re.test(p));
    }
    case 'encrypted_suffix':
      return path.some((p) => p.endsWith(rule.value));
    case 'unencrypted_suffix':
      return !path.some((p) => p.endsWith(rule.value));
  }
}

/** Builds the `sops:` mapping node for `doc`, in SOPS 3.13 order. */
export function metadataNode(doc: Document, meta: SopsMetadata): YAMLMap {
  const map = new YAMLMap();
  if (meta.age.length > 0) {
    const entries = meta.age.map((s) => {
      const entry = new YAMLMap();
      const enc = new Scalar(s.enc.endsWith('\n') ? s.enc : `${s.enc}\n`);
      enc.type = Scalar.BLOCK_LITERAL;
      entry.add(doc.createPair('enc', enc));
      entry.add(doc.createPair('recipient', s.recipient));
      return entry;
    });
    map.add(doc.createPair('age', doc.createNode(entries)));
  }
  map.add(doc.createPair(meta.rule.kind, meta.rule.value));
  const lastmodified = new Scalar(meta.lastmodified);
  lastmodified.type = Scalar.QUOTE_DOUBLE;
  map.add(doc.createPair('lastmodified', lastmodified));
  map.add(doc.createPair('mac', meta.mac));
  if (meta.macOnlyEncrypted) map.add(doc.createPair('mac_only_encrypted', true));
  map.add(doc.createPair('version', meta.version));
  return map;
}
