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
import { isMap, parseAllDocuments } from 'yaml';
import { isTokenRequestorKubeconfigSecret } from '../gardener/token-requestor';
import { isEncryptedValue } from './codec';
import { canonicalLastModified } from './mac';

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

/**
 * Checks a committed SOPS file without decrypting it.
 *
 * @param file Path shown in messages.
 * @param content The file's text.
 * @param recipients The config's `sops.ageRecipients`.
 */
export function inspectSopsFile(file: string, content: string, recipients: readonly string[]): SopsFileInspection {
  const problems: string[] = [];
  const docs = parseAllDocuments(content);
  const list = Array.isArray(docs) ? docs.filter((d) => d.contents !== null || d.errors.length > 0) : [];
  if (list.length === 0) return { problems: [`${file}: empty file; it must hold one SOPS-encrypted Secret (${SET_HINT})`] };
  if (list.length > 1) problems.push(`${file}: holds ${list.length} YAML documents; write exactly one SOPS-encrypted Secret per file`);
  const doc = list[0];
  if (doc.errors.length > 0) return { problems: [...problems, `${file}: invalid YAML: ${doc.errors[0].message}`] };
  if (!isMap(doc.contents)) return { problems: [...problems, `${file}: the document must be a mapping (a Kubernetes object)`] };
  const obj = (doc.toJS() ?? {}) as Record<string, unknown>;
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

/** Every YAML file under `dir` (recursively, sorted, absolute paths); `[]` when `dir` does not exist. */
export function listSecretFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
    }
  };
  visit(dir);
  return out;
}

