/**
 * Kubernetes Secret manifests as `set` writes them: `secrets/<namespace>/<name>.sops.yaml`, holding
 * `apiVersion: v1, kind: Secret, metadata: {name, namespace}, type: Opaque` and the values under
 * `stringData` (UTF-8 text) or `data` (base64, for binary values).
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { Document, isMap, isScalar, YAMLMap } from 'yaml';
import { RandomBytes } from './codec';
import { SopsError } from './yaml';

/** A Secret's namespace and name. */
export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

/** A value to store: text goes to `stringData`, non-UTF-8 bytes to `data` (base64). */
export type SecretValue = string | Buffer;

/** Keys Kubernetes allows in a Secret's `data`/`stringData`. */
export const SECRET_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;
/** Length of a generated value when `--generate key` gives none. */
export const DEFAULT_GENERATED_LENGTH = 32;
/** Characters of generated values (alphanumeric: safe in URLs, shells and YAML). */
export const GENERATED_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Parses `<namespace>/<name>`.
 * @throws SopsError when either part is not a valid Kubernetes name.
 */
export function parseSecretRef(text: string): SecretRef {
  const parts = text.split('/');
  if (parts.length !== 2) {
    throw new SopsError(`"${text}": expected <namespace>/<name>, e.g. kommander/gitea-admin-credentials`);
  }
  const [namespace, name] = parts;
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw new SopsError(`"${text}": namespace "${namespace}" is not a valid DNS-1123 label (lowercase letters, digits, "-", at most 63)`);
  }
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new SopsError(`"${text}": name "${name}" is not a valid DNS-1123 subdomain (lowercase letters, digits, "-", ".")`);
  }
  return { namespace, name };
}

/** Where a Secret's encrypted file lives: `<secretsDir>/<namespace>/<name>.sops.yaml`. */
export function secretFilePath(secretsDir: string, ref: SecretRef): string {
  return path.join(secretsDir, ref.namespace, `${ref.name}.sops.yaml`);
}

/** A new, empty Opaque Secret. */
export function newSecretDocument(ref: SecretRef): Document {
  return new Document({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ref.name, namespace: ref.namespace },
    type: 'Opaque',
    stringData: {},
  });
}

/**
 * Checks a Kubernetes key name.
 * @throws SopsError when Kubernetes would reject it.
 */
export function checkSecretKey(key: string): void {
  if (key.length === 0 || key.length > 253 || !SECRET_KEY_PATTERN.test(key)) {
    throw new SopsError(`secret key "${key}" is invalid: use letters, digits, "-", "_" and "." (at most 253)`);
  }
}

/**
 * Returns a copy of `doc` with the values set: text under `stringData`, binary under `data` (base64);
 * a key moves out of the other map. Existing keys keep their position; new keys are appended.
 */
export function setSecretValues(doc: Document, values: ReadonlyMap<string, SecretValue>): Document {
  const copy = doc.clone();
  for (const [key, value] of values) {
    checkSecretKey(key);
    const text = typeof value === 'string' ? value : utf8OrUndefined(value);
    const target = text !== undefined ? 'stringData' : 'data';
    const other = target === 'stringData' ? 'data' : 'stringData';
    const stored = text !== undefined ? text : (value as Buffer).toString('base64');
    const otherMap = copy.get(other, true);
    if (isMap(otherMap)) {
      const i = otherMap.items.findIndex((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (i >= 0) otherMap.items.splice(i, 1);
    }
    let map = copy.get(target, true);
    if (!isMap(map)) {
      map = new YAMLMap();
      copy.set(target, map);
    }
    const existing = (map as YAMLMap).items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
    if (existing) existing.value = copy.createNode(stored);
    else (map as YAMLMap).add(copy.createPair(key, stored));
  }
  // A Secret needs at least one of the maps; drop an empty one when the other has values.
  for (const [a, b] of [['data', 'stringData'], ['stringData', 'data']] as const) {
    const m = copy.get(a, true);
    if (isMap(m) && m.items.length === 0 && isMap(copy.get(b, true))) copy.delete(a);
  }
  return copy;
}

/** The keys of a Secret document, in order, with the map each lives in. */
export function secretKeys(doc: Document): Array<{ readonly key: string; readonly map: 'data' | 'stringData' }> {
  const out: Array<{ key: string; map: 'data' | 'stringData' }> = [];
  for (const map of ['data', 'stringData'] as const) {
    const m = doc.get(map, true);
    if (!isMap(m)) continue;
    for (const pair of m.items) if (isScalar(pair.key)) out.push({ key: String(pair.key.value), map });
  }
  return out;
}

/**
 * Checks a plaintext Kubernetes Secret before it is encrypted: `data`/`stringData` must be mappings
 * of valid keys to strings (`data` values base64).
 *
 * @throws SopsError naming the key and the fix.
 */
export function validateSecretDocument(doc: Document, file: string): void {
  if (doc.get('kind') !== 'Secret') return;
  for (const mapName of ['data', 'stringData'] as const) {
    const m = doc.get(mapName, true);
    if (m === undefined || m === null || (isScalar(m) && m.value === null)) continue;
    if (!isMap(m)) throw new SopsError(`${file}: ${mapName} must be a mapping of key: value`);
    for (const pair of m.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== 'string') throw new SopsError(`${file}: ${mapName} has a non-string key; quote it`);
      checkSecretKey(key);
      const v = isScalar(pair.value) ? pair.value.value : pair.value;
      if (v === null) continue;
      if (typeof v !== 'string') {
        throw new SopsError(`${file}: ${mapName}.${key} is a ${typeof v === 'bigint' ? 'number' : typeof v}, but Secret values must be strings: quote it`);
      }
      if (mapName === 'data' && !/^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s+/g, ''))) {
        throw new SopsError(`${file}: data.${key} is not base64; put text under stringData instead`);
      }
    }
  }
}

/**
 * A random value from a CSPRNG over `GENERATED_ALPHABET` (rejection sampling, no modulo bias).
 * @param length Number of characters (1–4096). @default 32
 */
export function generateSecretValue(length: number = DEFAULT_GENERATED_LENGTH, randomBytes: RandomBytes = crypto.randomBytes): string {
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new SopsError(`generated length ${length} is invalid: use 1 to 4096`);
  }
  const n = GENERATED_ALPHABET.length;
  const limit = 256 - (256 % n);
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length) out += GENERATED_ALPHABET[b % n];
    }
  }
  return out;
}

/** Parses `key=value` (the value may contain `=`). */
export function parseAssignment(text: string, option = 'key=value'): { readonly key: string; readonly value: string } {
  const i = text.indexOf('=');
  if (i <= 0) throw new SopsError(`"${text}": expected ${option}`);
  const key = text.slice(0, i);
  checkSecretKey(key);
  return { key, value: text.slice(i + 1) };
}

/** Parses `key[:length]` of `--generate`. */
export function parseGenerate(text: string): { readonly key: string; readonly length: number } {
  const m = /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new SopsError(`--generate "${text}": expected key or key:length`);
  checkSecretKey(m[1]);
  const length = m[2] === undefined ? DEFAULT_GENERATED_LENGTH : Number(m[2]);
  if (length < 1 || length > 4096) throw new SopsError(`--generate "${text}": length must be 1 to 4096`);
  return { key: m[1], length };
}

function utf8OrUndefined(buf: Buffer): string | undefined {
  const text = buf.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buf) ? text : undefined;
}
