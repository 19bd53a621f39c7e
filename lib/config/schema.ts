/**
 * The declarative schema of `platform.yaml`: every key, its type, default, constraints and
 * description, written once. Three things are derived from it:
 *
 * - the validator (`validateConfig`), which collects every problem with its path and fills defaults;
 * - the published JSON Schema, draft-07 (`configJsonSchema()`, written to `platform.schema.json`);
 * - the README's config reference (`configReference()`).
 *
 * Rules that span sections (files that must exist, `git.url` unless Gitea hosts the repository, …)
 * live in `load.ts`; rules inside one object (`requires`, `exclusive`) are declared here and also
 * appear in the JSON Schema.
 *
 * The DSL is deliberately small: `string`, `boolean`, `object`, `map`, `array` and `open` (a free-form
 * object such as Helm values). Objects reject unknown keys (JSON Schema `additionalProperties: false`);
 * maps and open objects accept any key.
 */
import { GARDENER_SCHEMA as GARDENER_SECTION_SCHEMA } from '../gardener/schema';
import { DEFAULTS } from './defaults';

// ---------------------------------------------------------------------------------------------
// Problems and paths
// ---------------------------------------------------------------------------------------------

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /**
   * Where: `apps.gatekeeper.version`, `catalog.repositories[1].name`, `(root)`, or
   * `<file>:<line>:<column>` for a YAML syntax error.
   */
  readonly path: string;
  /** `<path>: <bad value as JSON> <what is wrong> (<what is expected / the fix>)`. */
  readonly message: string;
  /** 1-based line in the YAML file, when known (set by `loadConfig`). */
  readonly line?: number;
  /** 1-based column in the YAML file, when known (set by `loadConfig`). */
  readonly column?: number;
}

/** A step in a config path: an object key or a list index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** `['apps', 'cert-manager', 'version']` → `apps.cert-manager.version`; odd keys are quoted: `apps["a.b"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  if (segments.length === 0) return '(root)';
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (PLAIN_KEY.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** The inverse of `formatPath`; `undefined` when the string is not a config path. */
export function parsePath(path: string): PathSegment[] | undefined {
  if (path === '(root)') return [];
  const out: PathSegment[] = [];
  const token = /\.?([A-Za-z0-9_$-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let pos = 0;
  while (pos < path.length) {
    token.lastIndex = pos;
    const m = token.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]) as string);
    pos = token.lastIndex;
  }
  return out;
}

/** Compares paths naturally (`x[2]` before `x[10]`, `f:9:1` before `f:10:1`). */
export function comparePaths(a: string, b: string): number {
  const split = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || (x < y ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

const SHOW_MAX = 72;

/** A value as it appears in a message: JSON, shortened when long (a shortened string keeps its quotes). */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string' && value.length > SHOW_MAX) return JSON.stringify(`${value.slice(0, SHOW_MAX - 2)}…`);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > SHOW_MAX ? `${json.slice(0, SHOW_MAX - 1)}…` : json;
}

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidate closest to `word` (case-insensitive), if it is close enough to be a likely typo:
 * at most 2 edits, or a third of the word's length for long words. Ties go to the first candidate
 * in alphabetical order.
 */
export function didYouMean(word: string, candidates: readonly string[], maxDistance?: number): string | undefined {
  const w = word.toLowerCase();
  const limit = maxDistance ?? Math.max(2, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of [...candidates].sort()) {
    // the distance is at least the length difference: skip the O(|w|·|c|) table when it cannot win
    if (Math.abs(c.length - w.length) > limit) continue;
    const d = levenshtein(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

// ---------------------------------------------------------------------------------------------
// The DSL
// ---------------------------------------------------------------------------------------------

/** Formats a string can be constrained to. */
export type StringFormat = 'dns-name' | 'dns-label' | 'url' | 'version' | 'duration' | 'age-recipient' | 'email' | 'path';

interface SchemaBaseProps {
  /** What the key means (the reference and the JSON Schema `description`). */
  readonly description: string;
  /**
   * Static default, filled in by the validator and published in the JSON Schema and the reference.
   * @default - none
   */
  readonly default?: unknown;
  /**
   * The default as the reference shows it when it is not a plain value (e.g. `- required in manifest mode`).
   * @default - derived from `default`
   */
  readonly defaultDoc?: string;
  /**
   * The key must be present. A string is the hint shown when it is missing
   * (`is missing (<hint>)`).
   * @default false
   */
  readonly required?: true | string;
  /**
   * A default that depends on sibling keys, computed from the parent object after its other keys
   * are validated (the static `default` is then only documentation).
   * @default - none
   */
  readonly computeDefault?: (parent: Readonly<Record<string, unknown>>) => unknown;
}

/** A custom constraint on a string: `<value> <wrong> (<fix>)` when `regex` does not match. */
export interface StringPattern {
  /** ECMAScript regular expression (also the JSON Schema `pattern`). */
  readonly regex: string;
  /** What is wrong, e.g. `is not an <owner>/<repo> path`. */
  readonly wrong: string;
  /** The fix, e.g. `e.g. kommander/kommander`. */
  readonly fix: string;
}

export interface StringSchemaProps extends SchemaBaseProps {
  /** @default - any non-empty string */
  readonly format?: StringFormat;
  /** Allowed URL schemes (format `url`). @default ['https', 'http'] */
  readonly schemes?: readonly string[];
  /** Allow a leading `v` (format `version`). @default false */
  readonly leadingV?: boolean;
  /** Allowed values. @default - any */
  readonly enum?: readonly string[];
  /** Extra constraint. @default - none */
  readonly pattern?: StringPattern;
  /** Example value shown in messages. @default - the format's example */
  readonly example?: string;
}

export interface StringSchema extends StringSchemaProps {
  readonly kind: 'string';
}

export interface BooleanSchemaProps extends SchemaBaseProps {
  /** The only allowed value, and the fix shown when another value is given. @default - both allowed */
  readonly const?: { readonly value: boolean; readonly hint: string };
}

export interface BooleanSchema extends BooleanSchemaProps {
  readonly kind: 'boolean';
}

/** A rule between keys of one object. */
export type ObjectRule =
  /** `key` must be set when `when.key` equals `when.equals` (after defaults). */
  | { readonly kind: 'requires'; readonly key: string; readonly when: { readonly key: string; readonly equals: unknown }; readonly hint: string }
  /** At most one of `keys` may be set. */
  | { readonly kind: 'exclusive'; readonly keys: readonly [string, string]; readonly hint: string };

export interface ObjectSchemaProps extends SchemaBaseProps {
  /**
   * An absent (or `null`) optional object stays absent; a non-optional one is filled with its
   * defaults.
   * @default false
   */
  readonly optional?: boolean;
  /** @default [] */
  readonly rules?: readonly ObjectRule[];
}

export interface ObjectSchema extends ObjectSchemaProps {
  readonly kind: 'object';
  readonly properties: { readonly [key: string]: Schema };
}

export interface MapSchemaProps extends SchemaBaseProps {
  /** Constraint on the keys (a `dns-label` string schema, say). */
  readonly key: StringSchema;
  /** Placeholder for a key in the reference, e.g. `<id>`. */
  readonly keyName: string;
  /** Keys with their own schema (the core apps); other keys use the value schema. @default {} */
  readonly entries?: { readonly [key: string]: Schema };
  /** Fill every entry even when absent. @default false */
  readonly entriesAlwaysPresent?: boolean;
  /** What an entry is, for "did you mean the <what> `x`?" hints. @default entry */
  readonly entryWhat?: string;
}

export interface MapSchema extends MapSchemaProps {
  readonly kind: 'map';
  readonly values: Schema;
}

/** Uniqueness of list items: the whole (string) item, or the string key `by` of object items. */
export interface UniqueBy {
  readonly by: string;
  /** Values nobody may use (e.g. built-in names). @default [] */
  readonly reserved?: readonly string[];
  /** What the reserved names are, e.g. `built-in Helm repository`. */
  readonly reservedWhat?: string;
}

export interface ArraySchemaProps extends SchemaBaseProps {
  /** @default - duplicates allowed */
  readonly unique?: true | UniqueBy;
}

export interface ArraySchema extends ArraySchemaProps {
  readonly kind: 'array';
  readonly items: Schema;
}

export interface OpenSchemaProps extends SchemaBaseProps {}

/** A free-form object (Helm values, not-yet-validated sections): any keys, any content. */
export interface OpenSchema extends OpenSchemaProps {
  readonly kind: 'open';
}

export type Schema = StringSchema | BooleanSchema | ObjectSchema | MapSchema | ArraySchema | OpenSchema;

export { s } from './dsl';
import { s } from './dsl';

// ---------------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------------

const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const SEMVER =
  '(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?';

/** The regular expressions behind the formats (shared by the validator and the JSON Schema). */
export const PATTERNS = {
  dnsLabel: `^${DNS_LABEL}$`,
  dnsName: `^${DNS_LABEL}(\\.${DNS_LABEL})*$`,
  version: `^${SEMVER}$`,
  versionWithV: `^v?${SEMVER}$`,
  duration: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$',
  ageRecipient: '^age1(pq1)?[02-9ac-hj-np-z]+$',
  email: '^[^@\\s]+@[^@\\s]+\\.[^@\\s.]+$',
  path: '^[^\\u0000]+$',
} as const;

const DNS_NAME_MAX = 253;
const DNS_LABEL_MAX = 63;

function urlPattern(schemes: readonly string[]): string {
  return `^(${schemes.join('|')})://[^\\s/?#]+([/?#]\\S*)?$`;
}

function formatPattern(schema: StringSchema): string | undefined {
  switch (schema.format) {
    case 'dns-name':
      return PATTERNS.dnsName;
    case 'dns-label':
      return PATTERNS.dnsLabel;
    case 'version':
      return schema.leadingV ? PATTERNS.versionWithV : PATTERNS.version;
    case 'duration':
      return PATTERNS.duration;
    case 'age-recipient':
      return PATTERNS.ageRecipient;
    case 'email':
      return PATTERNS.email;
    case 'path':
      return PATTERNS.path;
    case 'url':
      return urlPattern(schemes(schema));
    default:
      return undefined;
  }
}

function schemes(schema: StringSchema): readonly string[] {
  return schema.schemes ?? ['https', 'http'];
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function schemeList(schema: StringSchema): string {
  return orList(schemes(schema).map((x) => `${x}://`));
}

/** Checks a string against its format: `undefined` when fine, else `<what is wrong> (<fix>)` (value omitted). */
function checkFormat(schema: StringSchema, value: string): { readonly text: string; readonly redact?: string } | undefined {
  const ok = (pattern: string) => new RegExp(pattern).test(value);
  switch (schema.format) {
    case 'dns-name': {
      if (value.length <= DNS_NAME_MAX && ok(PATTERNS.dnsName)) return undefined;
      const lower = value.toLowerCase();
      if (lower !== value && lower.length <= DNS_NAME_MAX && new RegExp(PATTERNS.dnsName).test(lower)) {
        return { text: `is not a DNS name (use lowercase: ${JSON.stringify(lower)})` };
      }
      return {
        text: `is not a DNS name (at most ${DNS_NAME_MAX} characters: lowercase letters, digits, '-' and '.', e.g. ${schema.example ?? 'kommander.example.com'})`,
      };
    }
    case 'dns-label': {
      if (ok(PATTERNS.dnsLabel)) return undefined;
      const lower = value.toLowerCase();
      if (lower !== value && new RegExp(PATTERNS.dnsLabel).test(lower)) {
        return { text: `is not a DNS label (use lowercase: ${JSON.stringify(lower)})` };
      }
      return {
        text: `is not a DNS label (at most ${DNS_LABEL_MAX} lowercase letters, digits and '-', starting and ending with a letter or digit, e.g. ${schema.example ?? 'my-app'})`,
      };
    }
    case 'version': {
      if (ok(schema.leadingV ? PATTERNS.versionWithV : PATTERNS.version)) return undefined;
      const example = schema.example ?? '3.14.1';
      if (!schema.leadingV && ok(PATTERNS.versionWithV)) return { text: `is not a version (e.g. ${example}, without the leading v)` };
      return { text: `is not a version (e.g. ${example})` };
    }
    case 'duration': {
      if (ok(PATTERNS.duration)) return undefined;
      if (/^[0-9]+(\.[0-9]+)?$/.test(value)) return { text: `is not a duration (add a unit: ${value}s, ${value}m or ${value}h)` };
      return { text: `is not a duration (a Go duration with units ms, s, m or h, e.g. ${schema.example ?? '1m30s'})` };
    }
    case 'age-recipient': {
      if (/^AGE-SECRET-KEY-/i.test(value)) {
        return {
          text: 'is an age identity (a secret key), not a recipient (use the public key printed by age-keygen -y; remove the secret from this file and rotate it)',
          redact: '"AGE-SECRET-KEY-…"',
        };
      }
      if (ok(PATTERNS.ageRecipient)) return undefined;
      return { text: 'is not an age recipient (an age public key age1…, as printed by age-keygen -y)' };
    }
    case 'email':
      return ok(PATTERNS.email) ? undefined : { text: `is not an email address (e.g. ${schema.example ?? 'admin@example.com'})` };
    case 'path':
      return ok(PATTERNS.path) ? undefined : { text: 'is not a path (a file system path relative to the config file)' };
    case 'url':
      return checkUrl(schema, value);
    default:
      return undefined;
  }
}

function checkUrl(schema: StringSchema, value: string): { readonly text: string; readonly redact?: string } | undefined {
  const allowed = schemes(schema);
  const example = schema.example ?? `${allowed[0]}://example.com`;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const scp = /^([^@\s/]+@)?([^:\s/]+):(?!\/\/)(\S+)$/.exec(value);
  if ((!url || !url.host) && scp && allowed.includes('ssh')) {
    return { text: `is not a URL (write scp-style addresses as ssh://${scp[1] ?? ''}${scp[2]}/${scp[3].replace(/^\//, '')})` };
  }
  const scheme = url?.protocol.replace(/:$/, '');
  if (url && scheme !== undefined && !allowed.includes(scheme)) {
    return { text: `has an unsupported scheme ${JSON.stringify(scheme)} (expected ${schemeList(schema)}, e.g. ${example})` };
  }
  if (!url || !url.host || scheme === undefined) return { text: `is not a URL (expected ${schemeList(schema)}, e.g. ${example})` };
  if (url.password) {
    return {
      text: 'contains a password (put credentials in a Secret, never in the config)',
      redact: JSON.stringify(`${scheme}://…@${url.host}${url.pathname === '/' && !value.endsWith('/') ? '' : url.pathname}`),
    };
  }
  if (!new RegExp(urlPattern(allowed)).test(value)) return { text: `is not a URL (expected ${schemeList(schema)}, e.g. ${example})` };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The validator
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

/** A plain (non-array, non-null) object. */
export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A problem at a path: the message is prefixed with the path. */
export function problemAt(segments: readonly PathSegment[], message: string): ConfigProblem {
  const p = formatPath(segments);
  return { path: p, message: `${p}: ${message}` };
}

function isContainer(schema: Schema): boolean {
  return schema.kind === 'object' || schema.kind === 'map' || schema.kind === 'array' || schema.kind === 'open';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return `a ${typeof value}`;
  }
}

/** Defines a key on a plain object (safe for keys like `__proto__`). */
function put(target: Obj, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of JSON-like data (free-form values), so the output never aliases the input. */
export function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  if (isObj(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const out: Obj = {};
    for (const k of Object.keys(value)) put(out, k, copyData(value[k]));
    return out;
  }
  return value;
}

/** The result of validating raw config data. */
export interface ValidationResult {
  /**
   * The data with defaults filled in. Where a value is invalid, the raw value is kept (so that
   * later checks still see that the key is present); it is only a `PlatformConfig` when `problems`
   * is empty.
   */
  readonly value: unknown;
  /** In the order found; `load.ts` sorts them. */
  readonly problems: ConfigProblem[];
}

class Validator {
  readonly problems: ConfigProblem[] = [];
  /** Hints appended to "is missing" messages at or below a path (map keys that look like typos). */
  private readonly missingHints = new Map<string, string>();

  report(path: readonly PathSegment[], message: string): void {
    const p = formatPath(path);
    this.problems.push({ path: p, message: `${p}: ${message}` });
  }

  node(schema: Schema, value: unknown, path: readonly PathSegment[]): unknown {
    if (value === undefined || (value === null && isContainer(schema) && !schema.required)) return this.absent(schema, path);
    switch (schema.kind) {
      case 'string':
        return this.string(schema, value, path);
      case 'boolean':
        return this.boolean(schema, value, path);
      case 'object':
        return this.object(schema, value, path);
      case 'map':
        return this.map(schema, value, path);
      case 'array':
        return this.array(schema, value, path);
      case 'open':
        if (!isObj(value)) return this.wrongType(path, value, 'an object');
        return copyData(value);
    }
  }

  private absent(schema: Schema, path: readonly PathSegment[]): unknown {
    if (schema.required) {
      const hint = schema.required === true ? 'required' : schema.required;
      this.report(path, `is missing (${hint}${this.missingHint(path)})`);
      return undefined;
    }
    if (schema.computeDefault) return undefined;
    if (schema.kind === 'object' && schema.default === undefined) return schema.optional ? undefined : this.object(schema, {}, path);
    if (schema.kind === 'map' && schema.default === undefined) return this.map(schema, {}, path);
    return copyData(schema.default);
  }

  private missingHint(path: readonly PathSegment[]): string {
    for (let i = path.length; i > 0; i--) {
      const hint = this.missingHints.get(formatPath(path.slice(0, i)));
      if (hint) return hint;
    }
    return '';
  }

  private wrongType(path: readonly PathSegment[], value: unknown, expected: string): unknown {
    const got = typeName(value);
    let hint = '';
    if (expected === 'a string' && (typeof value === 'number' || typeof value === 'boolean')) hint = '; put the value in quotes';
    if (expected === 'a boolean' && typeof value === 'string' && /^(true|false|yes|no|on|off)$/i.test(value)) {
      hint = '; write true or false without quotes';
    }
    if (expected === 'a list' && (typeof value === 'string' || isObj(value))) hint = `; wrap it in a list: [${show(value)}]`;
    this.report(path, `${show(value)} has the wrong type (expected ${expected}, got ${got}${hint})`);
    return value;
  }

  private string(schema: StringSchema, value: unknown, path: readonly PathSegment[]): unknown {
    if (typeof value !== 'string') return this.wrongType(path, value, 'a string');
    if (schema.enum) {
      if (!schema.enum.includes(value)) {
        const near = didYouMean(value, schema.enum);
        this.report(path, `${show(value)} is not a valid value (expected ${orList([...schema.enum])}${near ? `; did you mean \`${near}\`?` : ''})`);
      }
      return value;
    }
    if (value === '') {
      this.report(path, `"" is empty (expected ${schema.example ? `e.g. ${schema.example}` : 'a non-empty string'})`);
      return value;
    }
    const problem = checkFormat(schema, value);
    if (problem) {
      this.report(path, `${problem.redact ?? show(value)} ${problem.text}`);
      return value;
    }
    if (schema.pattern && !new RegExp(schema.pattern.regex).test(value)) {
      this.report(path, `${show(value)} ${schema.pattern.wrong} (${schema.pattern.fix})`);
    }
    return value;
  }

  private boolean(schema: BooleanSchema, value: unknown, path: readonly PathSegment[]): unknown {
    if (typeof value !== 'boolean') return this.wrongType(path, value, 'a boolean');
    if (schema.const && value !== schema.const.value) this.report(path, `${show(value)} is not allowed (${schema.const.hint})`);
    return value;
  }

  private object(schema: ObjectSchema, value: unknown, path: readonly PathSegment[]): unknown {
    if (!isObj(value)) return this.wrongType(path, value, 'an object');
    const keys = Object.keys(schema.properties);
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(schema.properties, key)) continue;
      const near = didYouMean(key, keys);
      this.report([...path, key], `${show(key)} is not a known key (${near ? `did you mean \`${near}\`?` : `known keys: ${keys.join(', ')}`})`);
    }
    const out: Obj = {};
    for (const key of keys) {
      const result = this.node(schema.properties[key], Object.hasOwn(value, key) ? value[key] : undefined, [...path, key]);
      if (result !== undefined) put(out, key, result);
    }
    for (const key of keys) {
      const child = schema.properties[key];
      if (out[key] !== undefined || !child.computeDefault) continue;
      if (Object.hasOwn(value, key) && value[key] !== undefined && value[key] !== null) continue;
      const computed = child.computeDefault(out);
      if (computed !== undefined) put(out, key, computed);
    }
    // Keep the declared key order even when computed defaults came last.
    const ordered: Obj = {};
    for (const key of keys) if (out[key] !== undefined) put(ordered, key, out[key]);
    const isSet = (key: string) => Object.hasOwn(value, key) && value[key] !== undefined && value[key] !== null;
    for (const rule of schema.rules ?? []) {
      if (rule.kind === 'requires') {
        if (ordered[rule.when.key] === rule.when.equals && ordered[rule.key] === undefined) {
          this.report(
            [...path, rule.key],
            `is missing (required when ${formatPath([...path, rule.when.key])} is ${JSON.stringify(rule.when.equals)}; ${rule.hint})`,
          );
        }
      } else {
        const [a, b] = rule.keys;
        if (isSet(a) && isSet(b)) this.report([...path, b], `${show(value[b])} conflicts with ${formatPath([...path, a])} (${rule.hint})`);
      }
    }
    return ordered;
  }

  private map(schema: MapSchema, value: unknown, path: readonly PathSegment[]): unknown {
    if (!isObj(value)) return this.wrongType(path, value, 'an object');
    const entries = schema.entries ?? {};
    const entryKeys = Object.keys(entries);
    const results = new Map<string, unknown>();
    for (const key of Object.keys(value)) {
      const keyPath = [...path, key];
      const keyOk = this.keyOk(schema.key, key, keyPath);
      const isEntry = Object.hasOwn(entries, key);
      if (!isEntry) {
        const near = didYouMean(key, entryKeys, 2);
        if (near) this.missingHints.set(formatPath(keyPath), `; did you mean the ${schema.entryWhat ?? 'entry'} \`${near}\`?`);
      }
      const result = this.node(isEntry ? entries[key] : schema.values, value[key], keyPath);
      if (keyOk && result !== undefined) results.set(key, result);
    }
    if (schema.entriesAlwaysPresent) {
      for (const key of entryKeys) if (!results.has(key) && !Object.hasOwn(value, key)) results.set(key, this.node(entries[key], undefined, [...path, key]));
    }
    // Entries first (declared order), then the other keys sorted: the output does not depend on YAML key order.
    const out: Obj = {};
    for (const key of entryKeys) if (results.get(key) !== undefined) put(out, key, results.get(key));
    for (const key of [...results.keys()].filter((k) => !Object.hasOwn(entries, k)).sort()) if (results.get(key) !== undefined) put(out, key, results.get(key));
    return out;
  }

  private keyOk(schema: StringSchema, key: string, path: readonly PathSegment[]): boolean {
    const before = this.problems.length;
    this.string(schema, key, path);
    return this.problems.length === before;
  }

  private array(schema: ArraySchema, value: unknown, path: readonly PathSegment[]): unknown {
    if (!Array.isArray(value)) return this.wrongType(path, value, 'a list');
    const out = value.map((item, i) => this.node(schema.items, item, [...path, i]));
    const unique = schema.unique;
    if (unique === true) {
      const seen = new Map<string, number>();
      value.forEach((item, i) => {
        const id = JSON.stringify(item);
        const first = seen.get(id);
        if (first !== undefined) this.report([...path, i], `${show(item)} is a duplicate of ${formatPath([...path, first])}`);
        else seen.set(id, i);
      });
    } else if (unique) {
      const seen = new Map<string, number>();
      value.forEach((item, i) => {
        if (!isObj(item) || typeof item[unique.by] !== 'string') return;
        const name = item[unique.by] as string;
        const first = seen.get(name);
        if (unique.reserved?.includes(name)) {
          this.report(
            [...path, i, unique.by],
            `${show(name)} is the name of a ${unique.reservedWhat ?? 'built-in entry'} (choose another name; reserved: ${unique.reserved.join(', ')})`,
          );
        } else if (first !== undefined) {
          this.report([...path, i, unique.by], `${show(name)} is a duplicate of ${formatPath([...path, first, unique.by])}`);
        } else {
          seen.set(name, i);
        }
      });
    }
    return out;
  }
}

/** Validates raw data against a schema: every problem, and the data with defaults filled in. */
export function validate(schema: Schema, raw: unknown): ValidationResult {
  const v = new Validator();
  const value = v.node(schema, raw, []);
  return { value, problems: v.problems };
}

// ---------------------------------------------------------------------------------------------
// The platform.yaml schema
// ---------------------------------------------------------------------------------------------

const K8S_NAME_EXAMPLE = 'my-secret';

/** An app of the release (`apps.<id>`): which ids are core, and every version, come from the release. */
function appSchema(): ObjectSchema {
  return s.object(
    {
      enabled: s.boolean({
        description:
          'Deploy the app (an AppDeployment). The apps the installer steps of the release deploy (gatekeeper, kommander, …) cannot be disabled: synth says so.',
        default: true,
      }),
      version: s.string({
        description:
          "App version: the ClusterApp is `<id>-<version>`; it must be a version the release (`applicationDefinitions`) ships.",
        format: 'version',
        defaultDoc: "- the release's version of the app",
      }),
      values: s.open({ description: 'Helm values for the `configOverrides` ConfigMap (key `values.yaml`).', default: {} }),
      kind: s.string({
        description: '`ClusterApp` (catalog-wide) or `App` (namespaced).',
        enum: ['ClusterApp', 'App'],
        default: 'ClusterApp',
      }),
      clusters: s.array(s.string({ description: 'A cluster name.', format: 'dns-label', example: 'prod-eu-1' }), {
        description: 'Names of the clusters (label `kommander.d2iq.io/cluster-name`) to deploy to; empty means all.',
        default: [],
        unique: true,
      }),
    },
    { description: 'An app of the release. `null` means enabled with defaults (as in the Kommander installer).' },
  );
}

/**
 * The schema of the `gardener` section: defined in `lib/gardener/schema.ts` (which imports only
 * types from this module, so there is no import cycle).
 */
export const GARDENER_SCHEMA: Schema = GARDENER_SECTION_SCHEMA;

/** Options of `buildConfigSchema`. */
export interface ConfigSchemaProps {
  /** Sub-schema of the `gardener` section. @default GARDENER_SCHEMA */
  readonly gardener?: Schema;
}

/** Builds the schema of the whole `platform.yaml`. */
export function buildConfigSchema(props: ConfigSchemaProps = {}): ObjectSchema {
  const gitRef = (example: string): StringPattern => ({
    regex: '^[^\\s~^:?*\\[\\\\]+$',
    wrong: 'is not a valid Git ref name',
    fix: `no spaces or ~^:?*[\\, e.g. ${example}`,
  });
  return s.object(
    {
      $schema: s.string({
        description: 'Ignored. Lets editors find the JSON Schema, e.g. `./platform.schema.json`.',
        defaultDoc: '- none',
      }),
      clusterName: s.string({
        description: 'Management cluster name; the root folder is `clusters/<name>`.',
        format: 'dns-label',
        example: 'management',
        default: DEFAULTS.clusterName,
      }),
      clusterHostname: s.string({
        description: 'Cluster host name: the custom domain of the self-attached KommanderCluster.',
        format: 'dns-name',
        example: 'kommander.example.com',
        required: 'required: the DNS name the management cluster is reached at, e.g. kommander.example.com',
      }),
      git: s.object(
        {
          url: s.string({
            description:
              'Clone URL of the root repository Flux bootstraps from (yours, outside the cluster). The in-cluster management repository is created from it; it must not be that repository.',
            format: 'url',
            schemes: ['https', 'http', 'ssh'],
            example: 'https://github.com/example/management.git',
            required: 'required: the root repository Flux bootstraps from, outside the cluster, e.g. https://github.com/example/management.git',
          }),
          branch: s.string({ description: 'Branch Flux follows.', pattern: gitRef('main'), default: DEFAULTS.gitBranch }),
          credentialsSecret: s.string({
            description:
              'Secret (namespace `kommander-flux`) with the root repository\'s credentials (`username`/`password`/`caFile`, or `identity`/`known_hosts` for SSH); never `kommander-git-credentials`, the management repository\'s.',
            format: 'dns-name',
            example: K8S_NAME_EXAMPLE,
            default: DEFAULTS.gitCredentialsSecret,
          }),
          interval: s.string({ description: 'How often Flux polls the repository.', format: 'duration', default: DEFAULTS.gitInterval }),
        },
        { description: 'Where the management repository lives and how Flux reads it.' },
      ),
      flux: s.object(
        {
          mode: s.string({
            description:
              "`bootstrap`: Flux is installed by `flux bootstrap` (at the release's Flux version) and the tree adopts its sync objects. `manifest`: the release's own Flux manifests (`kommander-flux`, with Kommander's patches) become a stage, applied once and adopted by AppDeployment `kommander-flux`.",
            enum: ['bootstrap', 'manifest'],
            default: DEFAULTS.fluxMode,
          }),
          version: s.string({
            description: "Flux version for BOOTSTRAP.md without the Kommander tree; with it, the release's (`kommander-flux/<version>`) wins.",
            format: 'version',
            leadingV: true,
            example: '2.9.4',
            default: DEFAULTS.fluxVersion,
          }),
          interval: s.string({ description: 'Reconcile interval of the stage Kustomizations.', format: 'duration', default: DEFAULTS.fluxInterval }),
          retryInterval: s.string({
            description: 'Retry interval of failed stage Kustomizations.',
            format: 'duration',
            default: DEFAULTS.fluxRetryInterval,
          }),
          timeout: s.string({ description: "Timeout of a stage's apply and health checks.", format: 'duration', default: DEFAULTS.fluxTimeout }),
        },
        {
          description: 'How Flux is installed and how the stage Kustomizations reconcile.',
        },
      ),
      sops: s.object(
        {
          ageRecipients: s.array(s.string({ description: 'An age public key.', format: 'age-recipient' }), {
            description: 'age recipients (public keys, `age1…`) that every committed Secret is encrypted to.',
            default: [],
            unique: true,
          }),
          secretName: s.string({
            description: 'Secret with the age identity, in every namespace whose Kustomizations decrypt.',
            format: 'dns-name',
            example: 'sops-age',
            default: DEFAULTS.sopsSecretName,
          }),
          secretKey: s.string({
            description: 'Key of the identity in that Secret (Flux reads keys ending in `.agekey`).',
            pattern: { regex: '^[-._a-zA-Z0-9]+\\.agekey$', wrong: 'is not a Secret key ending in .agekey', fix: 'Flux only reads keys ending in .agekey, e.g. age.agekey' },
            default: DEFAULTS.sopsSecretKey,
          }),
        },
        { description: 'SOPS encryption of committed Secrets.' },
      ),
      acme: s.object(
        {
          email: s.string({ description: 'ACME account email.', format: 'email', required: 'required: the ACME account email, e.g. admin@example.com' }),
          server: s.string({ description: 'ACME directory URL.', format: 'url', schemes: ['https'], default: DEFAULTS.acmeServer }),
          ingressClass: s.string({
            description: 'Ingress class of the HTTP01 solver.',
            format: 'dns-name',
            example: 'kommander-traefik',
            default: DEFAULTS.acmeIngressClass,
          }),
        },
        {
          description: 'ACME ClusterIssuer `kommander-acme-issuer` for the ingress certificate. Excludes `ingressCertificate`.',
          optional: true,
          defaultDoc: '- none',
        },
      ),
      ingressCertificate: s.object(
        {
          secretName: s.string({
            description: 'Name of the `kubernetes.io/tls` Secret in namespace `kommander`.',
            format: 'dns-name',
            example: 'kommander-tls',
            required: 'required: the name of an existing kubernetes.io/tls Secret, e.g. kommander-tls',
          }),
        },
        {
          description: 'Custom ingress certificate by Secret reference. Excludes `acme`; without either, the self-signed `kommander-ca` issues it.',
          optional: true,
          defaultDoc: '- none (self-signed kommander-ca)',
        },
      ),
      airgapped: s.object(
        {
          enabled: s.boolean({ description: 'Air-gapped installation: charts come from `helmMirror`.', default: false }),
          helmMirror: s.string({
            description:
              "Helm chart mirror; flows into `kommander-vars.helmMirrorURL` and so into every HelmRepository of the release's `common/helm-repositories` (v2.8.3; v2.17.1 has OCI charts and flux-oci-mirror instead).",
            format: 'url',
            example: 'https://charts.mirror.internal',
            defaultDoc: '- required when `enabled` is true',
          }),
        },
        {
          description: 'Air-gapped installation.',
          rules: [
            {
              kind: 'requires',
              key: 'helmMirror',
              when: { key: 'enabled', equals: true },
              hint: 'the URL of the Helm chart mirror, e.g. https://charts.mirror.internal',
            },
          ],
        },
      ),
      gitea: s.object(
        {
          enabled: s.boolean({ description: 'Deploy Gitea. Releases of the Gitea era (v2.8.3) need it: synth refuses false there; later releases have git-operator.', default: true }),
          adminSecret: s.string({
            description: 'Existing Secret (namespace `kommander`) with keys `username` and `password`.',
            format: 'dns-name',
            example: K8S_NAME_EXAMPLE,
            default: DEFAULTS.giteaAdminSecret,
          }),
          hostsManagementRepository: s.boolean({
            description: "The management GitRepository (`kommander-flux/management`) is Gitea's repository. Requires `enabled`; the Gitea era needs it (synth refuses false there).",
            default: true,
            defaultDoc: 'true (false when `enabled` is false)',
            computeDefault: (gitea) => gitea.enabled !== false,
          }),
          repository: s.string({
            description: '`<owner>/<repo>` of the management repository inside Gitea.',
            pattern: { regex: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', wrong: 'is not an <owner>/<repo> path', fix: 'e.g. kommander/kommander' },
            default: DEFAULTS.giteaRepository,
          }),
          values: s.open({ description: "Not supported by v2.8.3 (its Gitea HelmRelease reads only the release's defaults; synth refuses values).", default: {} }),
        },
        { description: "The in-cluster Gitea of the release's Gitea era (v2.8.3): admin Secret and management repository." },
      ),
      applicationDefinitions: s.string({
        description:
          "The kommander-applications release tree (relative to the config file; what the installer's `--kommander-applications-repository` takes). Everything the release decides is read from it; it is copied into the tree root.",
        format: 'path',
        defaultDoc: '- none',
      }),
      apps: s.map(appSchema(), {
        description: "Apps keyed by id (a DNS label): an app of the release. Versions default to the release's.",
        key: s.string({
          description: 'App id.',
          format: 'dns-label',
          example: 'my-app',
        }),
        keyName: '<id>',
        defaultDoc: "{} (the installer steps deploy the release's core apps; every other enabled id is an optional AppDeployment)",
      }),
      catalog: s.object(
        {
          repositories: s.array(
            s.object(
              {
                name: s.string({
                  description: 'GitRepository name (namespace `kommander`).',
                  format: 'dns-name',
                  example: 'my-catalog',
                  required: 'required: the GitRepository name, e.g. my-catalog',
                }),
                url: s.string({
                  description: 'Clone URL.',
                  format: 'url',
                  schemes: ['https', 'http', 'ssh'],
                  example: 'https://github.com/example/catalog.git',
                  required: 'required: the clone URL, e.g. https://github.com/example/catalog.git',
                }),
                branch: s.string({
                  description: 'Branch to track. Excludes `tag`.',
                  pattern: gitRef('main'),
                  default: DEFAULTS.catalogBranch,
                  defaultDoc: `${DEFAULTS.catalogBranch} (none when \`tag\` is set)`,
                  computeDefault: (repo) => (repo.tag === undefined ? DEFAULTS.catalogBranch : undefined),
                }),
                tag: s.string({ description: 'Tag to pin. Excludes `branch`.', pattern: gitRef('v1.0.0'), defaultDoc: '- none' }),
                type: s.string({ description: '`dkp` (certified) or `catalog` (custom).', enum: ['dkp', 'catalog'], default: 'catalog' }),
                workspaceDefault: s.boolean({ description: 'Propagate to every workspace.', default: true }),
                projectDefault: s.boolean({ description: 'Propagate to every project.', default: false }),
                interval: s.string({ description: 'How often Flux polls the repository.', format: 'duration', default: DEFAULTS.catalogInterval }),
              },
              {
                description: 'A catalog Git repository.',
                rules: [{ kind: 'exclusive', keys: ['branch', 'tag'], hint: 'set either branch or tag, not both' }],
              },
            ),
            { description: 'Catalog Git repositories.', default: [], unique: { by: 'name' } },
          ),
        },
        { description: 'App catalogs (Kommander `catalog.repositories`).' },
      ),
      helmRepositories: s.array(
        s.object(
          {
            name: s.string({
              description: 'HelmRepository name (namespace `kommander-flux`).',
              format: 'dns-name',
              example: 'charts.example.com',
              required: 'required: the HelmRepository name, e.g. charts.example.com',
            }),
            url: s.string({
              description: 'Upstream URL; the object\'s URL is `${helmMirrorURL:=<url>}`.',
              format: 'url',
              example: 'https://charts.example.com',
              required: 'required: the upstream Helm repository URL, e.g. https://charts.example.com',
            }),
          },
          { description: 'An upstream Helm repository.' },
        ),
        {
          description: "Chart sources beyond the release's own (`common/helm-repositories`; a name of those is refused at synth).",
          default: [],
          unique: { by: 'name' },
        },
      ),
      kommander: s.object(
        {
          enabled: s.boolean({ description: 'Emit the Kommander tree.', default: true }),
          variables: s.map(s.string({ description: 'Value of the variable.' }), {
            description:
              'Values for `kommander-vars` / `substitution-vars` (the `${var}`s the release consumes), over the computed ones.',
            key: s.string({ description: 'Variable name.', pattern: { regex: '^[A-Za-z_][A-Za-z0-9_]*$', wrong: 'is not a variable name', fix: 'e.g. kommanderAppManagementReplicas' } }),
            keyName: '<variable>',
            default: {},
          }),
        },
        { description: 'The Kommander management tree.' },
      ),
      gardener: props.gardener ?? GARDENER_SCHEMA,
      check: s.object(
        {
          external: s.array(
            s.string({
              description: 'An object created outside the tree, as `Kind/namespace/name` (`*` matches any segment).',
              pattern: { regex: '^[A-Za-z*][A-Za-z0-9*]*/([a-z0-9*][-a-z0-9.*]*/)?[a-z0-9*][-a-z0-9.*]*$', wrong: 'is not an object reference', fix: 'use Kind/namespace/name or Kind/name, e.g. Secret/kommander/my-tls' },
            }),
            { description: 'Objects that exist outside the tree; references to them are not errors in `npm run check`.', default: [] },
          ),
          externalCrds: s.array(
            s.string({
              description: 'An API group whose CRDs are installed outside the tree (`*.example.com` matches subgroups).',
              pattern: { regex: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$', wrong: 'is not an API group', fix: 'e.g. monitoring.coreos.com' },
            }),
            { description: 'API groups whose CRDs are pre-installed.', default: [] },
          ),
        },
        { description: 'Declarations for `npm run check` beyond those the config implies (bootstrap Secrets, referenced Secrets).' },
      ),
    },
    {
      description: 'Platform configuration (platform.yaml) of the management cluster synthesizer.',
      rules: [
        {
          kind: 'exclusive',
          keys: ['acme', 'ingressCertificate'],
          hint: 'use either acme (an ACME-issued certificate) or ingressCertificate (an existing Secret), not both',
        },
      ],
    },
  );
}

/** The schema of `platform.yaml`. */
export const CONFIG_SCHEMA: ObjectSchema = buildConfigSchema();

/** Validates raw `platform.yaml` data against `CONFIG_SCHEMA` (no cross-section checks; see `parseConfig`). */
export function validateConfig(raw: unknown): ValidationResult {
  return validate(CONFIG_SCHEMA, raw);
}

// ---------------------------------------------------------------------------------------------
// JSON Schema
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function containerType(schema: Schema, type: string): string | string[] {
  return schema.required ? type : [type, 'null'];
}

/** The JSON Schema (draft-07) of one schema node. */
export function toJsonSchema(schema: Schema): Json {
  const out: Json = { description: schema.description };
  switch (schema.kind) {
    case 'string': {
      out.type = 'string';
      if (schema.enum) out.enum = [...schema.enum];
      else {
        out.minLength = 1;
        if (schema.format === 'dns-name') out.maxLength = DNS_NAME_MAX;
        const pattern = formatPattern(schema);
        if (pattern) out.pattern = pattern;
        if (schema.pattern) {
          if (pattern) out.allOf = [{ pattern: schema.pattern.regex }];
          else out.pattern = schema.pattern.regex;
        }
      }
      break;
    }
    case 'boolean':
      out.type = 'boolean';
      if (schema.const) out.const = schema.const.value;
      break;
    case 'object': {
      out.type = containerType(schema, 'object');
      const properties: Json = {};
      const required: string[] = [];
      for (const [key, child] of Object.entries(schema.properties)) {
        properties[key] = toJsonSchema(child);
        if (child.required) required.push(key);
      }
      out.properties = properties;
      if (required.length) out.required = required;
      out.additionalProperties = false;
      const rules = (schema.rules ?? []).map((rule): Json =>
        rule.kind === 'requires'
          ? {
              description: `${rule.key} is required when ${rule.when.key} is ${JSON.stringify(rule.when.equals)}`,
              if: { properties: { [rule.when.key]: { const: rule.when.equals } }, required: [rule.when.key] },
              then: { required: [rule.key] },
            }
          : { description: `${rule.keys[0]} and ${rule.keys[1]} are mutually exclusive`, not: { required: [...rule.keys] } },
      );
      if (rules.length) out.allOf = rules;
      break;
    }
    case 'map': {
      out.type = containerType(schema, 'object');
      out.propertyNames = toJsonSchema(schema.key);
      const entries = schema.entries ?? {};
      if (Object.keys(entries).length) out.properties = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, toJsonSchema(v)]));
      out.additionalProperties = toJsonSchema(schema.values);
      break;
    }
    case 'array':
      out.type = containerType(schema, 'array');
      out.items = toJsonSchema(schema.items);
      if (schema.unique === true) out.uniqueItems = true;
      break;
    case 'open':
      out.type = containerType(schema, 'object');
      break;
  }
  if (schema.default !== undefined) out.default = copyData(schema.default);
  return out;
}

/** The JSON Schema (draft-07) of `platform.yaml`, as published in `platform.schema.json`. */
export function configJsonSchema(): object {
  const { description, ...rest } = toJsonSchema(CONFIG_SCHEMA);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'platform.yaml',
    description,
    ...rest,
    type: 'object',
  };
}

// ---------------------------------------------------------------------------------------------
// Reference
// ---------------------------------------------------------------------------------------------

/** One row of the README config reference. */
export interface ConfigReferenceRow {
  /** `git.url`, `apps.<id>.version`, `catalog.repositories[].name`. */
  readonly path: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

function typeLabel(schema: Schema): string {
  switch (schema.kind) {
    case 'string': {
      if (schema.enum) return `enum (${schema.enum.join(', ')})`;
      switch (schema.format) {
        case 'dns-name':
          return 'string (DNS name)';
        case 'dns-label':
          return 'string (DNS label)';
        case 'url':
          return `string (URL: ${schemes(schema).join(', ')})`;
        case 'version':
          return schema.leadingV ? 'string (version, optional leading v)' : 'string (version)';
        case 'duration':
          return 'string (duration)';
        case 'age-recipient':
          return 'string (age recipient)';
        case 'email':
          return 'string (email)';
        case 'path':
          return 'string (path)';
        default:
          return 'string';
      }
    }
    case 'boolean':
      return schema.const ? `boolean (must be ${schema.const.value})` : 'boolean';
    case 'object':
      return 'object';
    case 'map':
      return `map (${schema.keyName} → ${typeLabel(schema.values)} or null)`;
    case 'array':
      return `list of ${typeLabel(schema.items)}`;
    case 'open':
      return 'object (free-form)';
  }
}

function defaultLabel(schema: Schema): string {
  if (schema.defaultDoc !== undefined) return schema.defaultDoc;
  if (schema.required) return 'required';
  if (schema.default !== undefined) return typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default);
  if (schema.kind === 'object') return schema.optional ? '- none' : '{}';
  return '- none';
}

function referenceRows(schema: Schema, path: string, out: ConfigReferenceRow[]): void {
  if (path) out.push({ path, type: typeLabel(schema), default: defaultLabel(schema), description: schema.description });
  const prefix = path ? `${path}.` : '';
  switch (schema.kind) {
    case 'object':
      for (const [key, child] of Object.entries(schema.properties)) referenceRows(child, `${prefix}${key}`, out);
      break;
    case 'array':
      if (schema.items.kind !== 'string' && schema.items.kind !== 'boolean') {
        const rows: ConfigReferenceRow[] = [];
        referenceRows(schema.items, `${path}[]`, rows);
        out.push(...rows.slice(1));
      }
      break;
    case 'map': {
      const generic: ConfigReferenceRow[] = [];
      referenceRows(schema.values, `${prefix}${schema.keyName}`, generic);
      out.push(...generic);
      const genericBySuffix = new Map(generic.map((r) => [r.path.slice(prefix.length + schema.keyName.length), JSON.stringify({ ...r, path: '' })]));
      for (const [key, entry] of Object.entries(schema.entries ?? {})) {
        const rows: ConfigReferenceRow[] = [];
        referenceRows(entry, `${prefix}${key}`, rows);
        // Only what differs from the generic value schema (a core app's version, its enabled rule).
        out.push(...rows.filter((r) => genericBySuffix.get(r.path.slice(prefix.length + key.length)) !== JSON.stringify({ ...r, path: '' })));
      }
      break;
    }
    default:
      break;
  }
}

/** The rows of the README config reference, in schema order. */
export function configReference(): ConfigReferenceRow[] {
  const out: ConfigReferenceRow[] = [];
  referenceRows(CONFIG_SCHEMA, '', out);
  return out;
}
