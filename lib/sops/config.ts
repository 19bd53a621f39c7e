/**
 * The SOPS part of the platform config (`platform.yaml`, or `$PLATFORM_CONFIG`), read and updated
 * with the `yaml` Document API so that comments, key order and formatting survive.
 *
 * Only `sops.ageRecipients`, `sops.secretName` and `sops.secretKey` are read; the rest of the file is
 * the config loader's business, so a config that is still incomplete does not block `init`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, Document } from 'yaml';
import { SopsError } from './yaml';

/** The config file looked up in the working directory. */
export const DEFAULT_CONFIG_FILE = 'platform.yaml';
/** Environment variable naming the config file. */
export const CONFIG_ENV = 'PLATFORM_CONFIG';
/** Committed encrypted Secrets, relative to the config's directory. */
export const SECRETS_DIR = 'secrets';
/** The identity `init` writes, relative to the config's directory (git-ignored). */
export const IDENTITY_FILE = path.join('.age', 'age.agekey');
/** @default sops-age */
export const DEFAULT_SECRET_NAME = 'sops-age';
/** @default age.agekey */
export const DEFAULT_SECRET_KEY = 'age.agekey';

/** Where the config file is looked up. */
export interface ResolveOptions {
  /** `--config <file>`. @default - `$PLATFORM_CONFIG`, else `platform.yaml` in `cwd` */
  readonly config?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  readonly cwd?: string;
}

/** The SOPS settings of a config file, with the paths derived from it. */
export interface SopsSettings {
  /** Absolute path of the config file. */
  readonly configPath: string;
  /** Directory of the config file; relative paths resolve against it. */
  readonly baseDir: string;
  /** `sops.ageRecipients`. @default [] */
  readonly recipients: readonly string[];
  /** `sops.secretName`. @default sops-age */
  readonly secretName: string;
  /** `sops.secretKey`. @default age.agekey */
  readonly secretKey: string;
  /** `<baseDir>/secrets`. */
  readonly secretsDir: string;
  /** `<baseDir>/.age/age.agekey`. */
  readonly identityFile: string;
}

/** The absolute config path: `--config`, else `$PLATFORM_CONFIG`, else `./platform.yaml`. */
export function resolveConfigPath(options: ResolveOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  return path.resolve(cwd, options.config ?? (env[CONFIG_ENV] || DEFAULT_CONFIG_FILE));
}

/**
 * Reads the SOPS settings.
 * @throws SopsError when the file is missing or `sops` is malformed.
 */
export function readSopsSettings(configPath: string): SopsSettings {
  const doc = readConfigDocument(configPath);
  const sops = doc.get('sops', true);
  if (sops !== undefined && sops !== null && !isMap(sops) && !(isScalar(sops) && sops.value === null)) {
    throw new SopsError(`${configPath}: "sops" must be a mapping`);
  }
  const raw = (doc.toJS() as Record<string, unknown> | null)?.sops as Record<string, unknown> | null | undefined;
  const recipients = raw?.ageRecipients ?? [];
  if (!Array.isArray(recipients) || recipients.some((r) => typeof r !== 'string')) {
    throw new SopsError(`${configPath}: sops.ageRecipients must be a list of age1… strings`);
  }
  const str = (key: string, fallback: string): string => {
    const v = raw?.[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || v === '') throw new SopsError(`${configPath}: sops.${key} must be a non-empty string`);
    return v;
  };
  const baseDir = path.dirname(configPath);
  return {
    configPath,
    baseDir,
    recipients: recipients as string[],
    secretName: str('secretName', DEFAULT_SECRET_NAME),
    secretKey: str('secretKey', DEFAULT_SECRET_KEY),
    secretsDir: path.join(baseDir, SECRETS_DIR),
    identityFile: path.join(baseDir, IDENTITY_FILE),
  };
}

/**
 * Replaces `sops.ageRecipients` with `recipients`, keeping every comment and the order of the file.
 * @returns true when the file changed.
 */
export function setConfigRecipients(configPath: string, recipients: readonly string[]): boolean {
  const doc = readConfigDocument(configPath);
  const before = readSopsSettings(configPath).recipients;
  if (before.length === recipients.length && before.every((r, i) => r === recipients[i])) return false;
  const seq = doc.getIn(['sops', 'ageRecipients'], true);
  if (isSeq(seq)) {
    // Keep the existing item nodes (and their comments) for recipients that stay.
    const kept = new Map(seq.items.map((n) => [isScalar(n) ? n.value : n, n] as const));
    seq.items = recipients.map((r) => kept.get(r) ?? doc.createNode(r));
    // Block style: one recipient a line (an empty list is usually written as a flow `[]`).
    seq.flow = false;
  } else if (isMap(doc.get('sops', true))) {
    doc.setIn(['sops', 'ageRecipients'], doc.createNode([...recipients]));
  } else {
    doc.set('sops', doc.createNode({ ageRecipients: [...recipients] }));
  }
  fs.writeFileSync(configPath, doc.toString({ lineWidth: 0 }));
  return true;
}

/**
 * Appends a recipient to `sops.ageRecipients` unless it is there already.
 * @returns true when the file changed.
 */
export function addConfigRecipient(configPath: string, recipient: string): boolean {
  const current = readSopsSettings(configPath).recipients;
  if (current.includes(recipient)) return false;
  return setConfigRecipients(configPath, [...current, recipient]);
}

function readConfigDocument(configPath: string): Document {
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch {
    throw new SopsError(
      `${configPath}: config file not found; create it, pass --config <file>, or set ${CONFIG_ENV}`,
    );
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new SopsError(`${configPath}: invalid YAML: ${doc.errors[0].message}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new SopsError(`${configPath}: the config must be a mapping`);
  return doc;
}
