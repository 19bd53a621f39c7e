/**
 * age wrapping of the SOPS data key, through `age-encryption` (typage, pinned).
 *
 * - One armored age file per recipient, holding the raw 32-byte data key.
 * - X25519 (`age1…`) and hybrid post-quantum (`age1pq1…`, identities `AGE-SECRET-KEY-PQ-1…`)
 *   recipients are supported. PQ recipients need Flux kustomize-controller ≥ v1.9.0; Debian's
 *   `age` 1.1 and `sops-age` cannot read them.
 * - SSH recipients are not supported (typage has none).
 *
 * Loading: `age-encryption` is ESM-only. Node ≥ 20.19 loads it with `require()` (require(esm)).
 * Jest's module registry cannot, so the loader falls back to Node's own CommonJS loader, and finally
 * to a native dynamic `import()` hidden from the TypeScript CommonJS rewrite.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as AgeModuleNs from 'age-encryption';
import { DATA_KEY_SIZE } from './codec';
import { AgeStanza } from './metadata';
import { formatLastModified } from './mac';
import { SopsError } from './yaml';

/** The `age-encryption` module. */
export type AgeModule = typeof AgeModuleNs;

/** An age identity (private key) and its recipient (public key). */
export interface AgeKeyPair {
  /** `AGE-SECRET-KEY-1…` or `AGE-SECRET-KEY-PQ-1…`. */
  readonly identity: string;
  /** `age1…` or `age1pq1…`. */
  readonly recipient: string;
}

/** Options of `generateAgeKeyPair`. */
export interface GenerateOptions {
  /** Generate a hybrid post-quantum identity (needs Flux kustomize-controller ≥ v1.9.0). @default false */
  readonly postQuantum?: boolean;
}

/** Identities found by `discoverIdentities`, with where each came from. */
export interface DiscoveredIdentities {
  readonly identities: readonly string[];
  /** Human-readable sources, for messages (`--identity a.txt`, `SOPS_AGE_KEY_FILE`, …). */
  readonly sources: readonly string[];
}

/** Where `discoverIdentities` looks. */
export interface DiscoverOptions {
  /** Files passed with `--identity`; when given, nothing else is consulted. @default [] */
  readonly files?: readonly string[];
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The tool's own identity file (written by `init`), if any. @default - none */
  readonly defaultFile?: string;
  /** Home directory for `~/.config/sops/age/keys.txt`. @default os.homedir() */
  readonly homeDir?: string;
}

/** The age identity prefixes: X25519, hybrid post-quantum, and plugin identities. */
export const AGE_IDENTITY_PATTERN = /AGE-SECRET-KEY-(?:PQ-)?1|AGE-PLUGIN-[A-Z0-9]+-1/i;

/** Recipient forms typage encrypts to (bech32, lowercase). */
export const AGE_RECIPIENT_PATTERN = /^age1(?:pq1|tag1|tagpq1)?[02-9ac-hj-np-z]+$/;

let ageModule: AgeModule | undefined;

/** Loads `age-encryption` once (see the module comment for why three ways). */
export async function loadAge(): Promise<AgeModule> {
  if (ageModule) return ageModule;
  let firstError: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ageModule = require('age-encryption') as AgeModule;
    return ageModule;
  } catch (err) {
    firstError = err;
  }
  try {
    // Jest's require cannot load ESM; Node's own loader can (require(esm), Node ≥ 20.19).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeModule = require('node:module') as { _load?: (id: string, parent: unknown, isMain: boolean) => unknown; _nodeModulePaths?: (dir: string) => string[] };
    if (nodeModule._load && nodeModule._nodeModulePaths) {
      const parent = { id: __filename, filename: __filename, paths: nodeModule._nodeModulePaths(__dirname) };
      ageModule = nodeModule._load('age-encryption', parent, false) as AgeModule;
      return ageModule;
    }
  } catch {
    // fall through to import()
  }
  try {
    const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<AgeModule>;
    ageModule = await dynamicImport('age-encryption');
    return ageModule;
  } catch {
    throw new SopsError(`cannot load the age-encryption package: ${(firstError as Error)?.message ?? firstError}; run npm ci`);
  }
}

/** True when the text looks like an age recipient this tool can encrypt to. */
export function isAgeRecipient(text: string): boolean {
  return AGE_RECIPIENT_PATTERN.test(text);
}

/**
 * Validates recipients (form and checksum).
 * @throws SopsError naming the first invalid recipient.
 */
export async function validateRecipients(recipients: readonly string[], where = 'recipient'): Promise<void> {
  const age = await loadAge();
  for (const r of recipients) {
    if (r.startsWith('ssh-')) {
      throw new SopsError(`${where} "${r.slice(0, 24)}…": SSH recipients are not supported; use an age1… recipient (age-keygen, or npm run -s secrets -- init)`);
    }
    try {
      if (!isAgeRecipient(r)) throw new Error('not an age1… recipient');
      new age.Encrypter().addRecipient(r);
    } catch (err) {
      throw new SopsError(`${where} "${r}" is not a valid age recipient (${(err as Error).message}); expected age1…`);
    }
  }
}

/** Wraps the data key to one recipient and returns the armored age file (64-column base64, final newline). */
export async function wrapDataKey(dataKey: Uint8Array, recipient: string): Promise<string> {
  const age = await loadAge();
  const encrypter = new age.Encrypter();
  try {
    encrypter.addRecipient(recipient);
  } catch (err) {
    throw new SopsError(`recipient "${recipient}" is not a valid age recipient (${(err as Error).message})`);
  }
  return age.armor.encode(await encrypter.encrypt(dataKey));
}

/**
 * Unwraps the data key from the first stanza one of the identities opens.
 *
 * @param where Names the file in error messages.
 * @throws SopsError when no identity opens any stanza (naming both recipient sets) or the
 *   unwrapped key is not 32 bytes.
 */
export async function unwrapDataKey(
  stanzas: readonly AgeStanza[],
  identities: readonly string[],
  where = 'file',
): Promise<{ readonly dataKey: Buffer; readonly recipient: string }> {
  if (stanzas.length === 0) {
    throw new SopsError(`${where}: sops.age lists no recipients; this tool only decrypts age-encrypted files`);
  }
  if (identities.length === 0) {
    throw new SopsError(
      `${where}: no age identity available; pass --identity <file>, or set SOPS_AGE_KEY_FILE / SOPS_AGE_KEY`,
    );
  }
  const age = await loadAge();
  const decrypter = new age.Decrypter();
  for (const id of identities) {
    try {
      decrypter.addIdentity(id);
    } catch (err) {
      throw new SopsError(`an identity is not a valid age identity (${(err as Error).message})`);
    }
  }
  const failures: string[] = [];
  for (const stanza of stanzas) {
    let file: Uint8Array;
    try {
      file = age.armor.decode(stanza.enc);
    } catch (err) {
      failures.push(`${stanza.recipient}: malformed enc (${(err as Error).message})`);
      continue;
    }
    try {
      const key = await decrypter.decrypt(file);
      if (key.length !== DATA_KEY_SIZE) {
        throw new SopsError(`${where}: the data key wrapped for ${stanza.recipient} is ${key.length} bytes, expected ${DATA_KEY_SIZE}`);
      }
      return { dataKey: Buffer.from(key), recipient: stanza.recipient };
    } catch (err) {
      if (err instanceof SopsError) throw err;
      failures.push(`${stanza.recipient}: ${(err as Error).message}`);
    }
  }
  const mine = await Promise.all(identities.map((id) => recipientOf(id).catch(() => '(unknown)')));
  const malformed = failures.filter((f) => f.includes('malformed'));
  throw new SopsError(
    `${where}: none of the identities can decrypt the data key (wrong identity?). ` +
      `File recipients: ${stanzas.map((s) => s.recipient).join(', ')}; identity recipients: ${mine.join(', ')}` +
      (malformed.length > 0 ? `; ${malformed.join('; ')}` : ''),
  );
}

/** Generates a new identity (X25519, or hybrid post-quantum). */
export async function generateAgeKeyPair(options: GenerateOptions = {}): Promise<AgeKeyPair> {
  const age = await loadAge();
  const identity = options.postQuantum ? await age.generateHybridIdentity() : await age.generateX25519Identity();
  return { identity, recipient: await age.identityToRecipient(identity) };
}

/** The recipient (public key) of an identity. */
export async function recipientOf(identity: string): Promise<string> {
  const age = await loadAge();
  try {
    return await age.identityToRecipient(identity);
  } catch (err) {
    throw new SopsError(`not a valid age identity (${(err as Error).message})`);
  }
}

/**
 * Reads the identities of an age key file (`age-keygen` format: `#` comments, one identity a line).
 * @throws SopsError when the text holds no identity.
 */
export function parseIdentities(text: string, source: string): string[] {
  const ids = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const bad = ids.find((l) => !/^AGE-(SECRET-KEY-(PQ-)?1|PLUGIN-)/.test(l));
  if (bad !== undefined) {
    throw new SopsError(`${source}: a line is not an age identity (expected AGE-SECRET-KEY-1… lines and # comments)`);
  }
  if (ids.length === 0) throw new SopsError(`${source}: holds no age identity`);
  return ids;
}

/** Formats an identity file like `age-keygen` does. */
export function formatIdentityFile(pair: AgeKeyPair, created: Date = new Date()): string {
  return `# created: ${formatLastModified(created)}\n# public key: ${pair.recipient}\n${pair.identity}\n`;
}

/**
 * Finds age identities the way SOPS does, plus the tool's own file:
 * `--identity` files if given; else `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, the `init` file, and
 * `$XDG_CONFIG_HOME/sops/age/keys.txt` (or `~/.config/sops/age/keys.txt`), all that exist.
 */
export function discoverIdentities(options: DiscoverOptions = {}): DiscoveredIdentities {
  const env = options.env ?? process.env;
  const identities: string[] = [];
  const sources: string[] = [];
  const add = (text: string, source: string): void => {
    for (const id of parseIdentities(text, source)) if (!identities.includes(id)) identities.push(id);
    sources.push(source);
  };
  if (options.files && options.files.length > 0) {
    for (const f of options.files) {
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch (err) {
        throw new SopsError(`--identity ${f}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      add(text, f);
    }
    return { identities, sources };
  }
  if (env.SOPS_AGE_KEY) add(env.SOPS_AGE_KEY, 'SOPS_AGE_KEY');
  const candidates: Array<[string, string]> = [];
  if (env.SOPS_AGE_KEY_FILE) candidates.push([env.SOPS_AGE_KEY_FILE, 'SOPS_AGE_KEY_FILE']);
  if (options.defaultFile) candidates.push([options.defaultFile, options.defaultFile]);
  const configHome = env.XDG_CONFIG_HOME || path.join(options.homeDir ?? os.homedir(), '.config');
  candidates.push([path.join(configHome, 'sops', 'age', 'keys.txt'), path.join(configHome, 'sops', 'age', 'keys.txt')]);
  for (const [file, source] of candidates) {
    if (!fs.existsSync(file)) {
      if (source === 'SOPS_AGE_KEY_FILE') throw new SopsError(`SOPS_AGE_KEY_FILE=${file}: file not found`);
      continue;
    }
    add(fs.readFileSync(file, 'utf8'), source);
  }
  return { identities, sources };
}
