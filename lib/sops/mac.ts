/**
 * The SOPS tree walk and MAC.
 *
 * - The walk visits the document depth-first in document order: mapping entries in file order,
 *   sequence items in order. Every non-null scalar is a leaf. Its path is the list of mapping keys
 *   from the root; sequence items add no index. The top-level `sops` key is skipped.
 * - The MAC is SHA-512 over the plaintext bytes of every leaf (or, with `mac_only_encrypted`, of the
 *   encrypted leaves only, after a SHA-256("sops") seed), with no separators and no key names. It is
 *   written as uppercase hex, encrypted like a `str` value whose AAD is `lastmodified` as Go formats
 *   it in RFC 3339 (seconds, `Z` or `±hh:mm`).
 */
import * as crypto from 'node:crypto';
import { isAlias, isMap, isPair, isScalar, isSeq, Node, Scalar, YAMLMap } from 'yaml';
import { decryptValue, encryptBytes, EncryptValueOptions } from './codec';
import { SopsError } from './yaml';

/** A leaf of the tree: a non-null scalar and the mapping keys leading to it. */
export interface Leaf {
  readonly path: readonly string[];
  readonly node: Scalar;
}

/** Called for every node the walk enters (collections and scalars, not keys). */
export type NodeVisitor = (path: readonly string[], node: Node) => void;

/** The bytes SHA-256("sops"): the seed of a `mac_only_encrypted` MAC. */
export const MAC_ONLY_ENCRYPTED_SEED: Buffer = crypto.createHash('sha256').update('sops').digest();

/** `YYYY-MM-DDTHH:MM:SSZ`: the only `lastmodified` form this tool writes. */
export const LASTMODIFIED_PATTERN = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const RFC3339 = /^(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

/**
 * Walks the tree under `root` in SOPS order and returns its leaves.
 *
 * @param where Names the file in error messages.
 * @param visit Optional callback for every node entered (used to strip comments).
 * @throws SopsError on a non-string mapping key or an alias.
 */
export function collectLeaves(root: YAMLMap, where: string, visit?: NodeVisitor): Leaf[] {
  const leaves: Leaf[] = [];
  walk(root, [], true);
  return leaves;

  function walk(node: unknown, path: readonly string[], top: boolean): void {
    if (node === null || node === undefined) return;
    if (isAlias(node)) {
      throw new SopsError(`${where}: ${label(path)} is a YAML alias; SOPS files must not use anchors or aliases`);
    }
    if (isMap(node)) {
      visit?.(path, node);
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key !== 'string') {
          throw new SopsError(`${where}: a key under ${label(path)} is not a string (${String(key)}); SOPS requires string keys: quote it`);
        }
        if (top && key === 'sops') continue;
        walk(pair.value, [...path, key], false);
      }
      return;
    }
    if (isSeq(node)) {
      visit?.(path, node);
      for (const item of node.items) walk(item, path, false);
      return;
    }
    if (isScalar(node)) {
      visit?.(path, node);
      if (node.value === null || node.value === undefined) return;
      leaves.push({ path, node });
      return;
    }
    throw new SopsError(`${where}: unsupported YAML node at ${label(path)}`);
  }
}

function label(path: readonly string[]): string {
  return path.length === 0 ? 'the document root' : path.join('.');
}

/** Accumulates the SOPS MAC. */
export class MacHasher {
  private readonly hash = crypto.createHash('sha512');

  /** @param macOnlyEncrypted hash only encrypted leaves, after the SHA-256("sops") seed. @default false */
  constructor(private readonly macOnlyEncrypted = false) {
    if (macOnlyEncrypted) this.hash.update(MAC_ONLY_ENCRYPTED_SEED);
  }

  /** Adds a leaf's plaintext bytes; `encrypted` tells whether the rule selects the leaf. */
  add(bytes: Buffer, encrypted: boolean): void {
    if (this.macOnlyEncrypted && !encrypted) return;
    this.hash.update(bytes);
  }

  /** The digest as 128 uppercase hex characters. */
  hex(): string {
    return this.hash.digest('hex').toUpperCase();
  }
}

/** Formats a date as SOPS writes `lastmodified`: UTC, second precision, `Z`. */
export function formatLastModified(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new SopsError('invalid date for lastmodified');
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The AAD SOPS uses for the MAC: `lastmodified` parsed as RFC 3339 and formatted again by Go's
 * RFC 3339 layout, which drops fractional seconds and writes a zero offset as `Z`.
 *
 * @throws SopsError when the text is not an RFC 3339 timestamp (Flux refuses such files too).
 */
export function canonicalLastModified(text: string, where = 'sops.lastmodified'): string {
  const m = RFC3339.exec(text);
  if (!m) {
    throw new SopsError(`${where}: "${text}" is not an RFC 3339 timestamp (write it as YYYY-MM-DDTHH:MM:SSZ)`);
  }
  const offset = m[4] === 'Z' || m[4] === 'z' || m[4] === '+00:00' || m[4] === '-00:00' ? 'Z' : m[4];
  return `${m[1]}T${m[2]}${offset}`;
}

/** Encrypts the MAC hex with the data key, bound to `lastmodified`. */
export function encryptMac(macHex: string, key: Buffer, lastmodified: string, options: EncryptValueOptions = {}): string {
  return encryptBytes(Buffer.from(macHex, 'utf8'), 'str', key, canonicalLastModified(lastmodified), options);
}

/**
 * Decrypts `sops.mac`.
 * @throws SopsError when the tag does not verify (the MAC or `lastmodified` was altered).
 */
export function decryptMac(encryptedMac: string, key: Buffer, lastmodified: string, where = 'sops.mac'): string {
  const aad = canonicalLastModified(lastmodified);
  try {
    return String(decryptValue(encryptedMac, key, aad, where).value);
  } catch {
    throw new SopsError(`${where}: cannot be decrypted: sops.mac or sops.lastmodified was altered`);
  }
}
