import * as YAML from 'yaml';

/**
 * A block-style YAML emitter for plain JSON values that writes exactly what cdk8s's
 * `Yaml.stringify(value)` writes (the yaml library with `{ keepUndefined: true, lineWidth: 0,
 * version: '1.1' }`), without building the yaml library's document model for every object.
 *
 * It decides the layout itself (block maps and sequences, indent 2, sequences indented under
 * their key, `{}` / `[]` for empty collections) and asks the yaml library only how to write a
 * scalar that is not obviously plain: quoting and block scalars stay the library's decision
 * (memoized per string). Anything unusual (undefined, a key that is not a simple scalar, a
 * non-finite number) falls back to the library for the whole value. `test/tree-yaml.test.ts`
 * proves byte-identical output on every object of the example trees.
 */

const OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' as const };

/** Strings that are plain scalars under YAML 1.1 without asking: letter first, then [A-Za-z0-9_./-]. */
const SIMPLE = /^[A-Za-z][A-Za-z0-9_./-]*$/;
/** ...except these, which YAML 1.1 reads as booleans or null. */
const RESERVED = new Set(['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null']);

class Fallback extends Error {}

/** How the library writes a single-line string as a value: memoized. */
const valueMemo = new Map<string, string>();
/** How the library writes a multi-line string as a map value / sequence item, at indent 0: memoized. */
const blockMemo = new Map<string, string>();
/** How the library writes a string key: memoized. */
const keyMemo = new Map<string, string>();

function simple(s: string): boolean {
  return SIMPLE.test(s) && !(s.length <= 5 && RESERVED.has(s.toLowerCase()));
}

function memo(map: Map<string, string>, key: string, make: () => string): string {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    if (map.size > 200000) map.clear();
    map.set(key, v);
  }
  return v;
}

/** The library's rendering of `s` as the value of a map key at indent 0 (`k: <this>`). */
function libraryValue(s: string): string {
  const text = YAML.stringify({ k: s }, OPTIONS);
  return text.slice(3, -1);
}

/** Appends string `s` as a value whose parent is at `indent`; `inSeq` for a sequence item. */
function scalarString(s: string, indent: string): string {
  if (simple(s)) return s;
  if (!s.includes('\n')) return memo(valueMemo, s, () => libraryValue(s));
  // A block scalar (or a quoted string): the library's rendering at indent 0, content re-indented.
  const rendered = memo(blockMemo, s, () => libraryValue(s));
  if (!indent || !rendered.includes('\n')) return rendered;
  const lines = rendered.split('\n');
  for (let i = 1; i < lines.length; i++) if (lines[i] !== '') lines[i] = indent + lines[i];
  return lines.join('\n');
}

function keyString(k: string): string {
  if (simple(k)) return k;
  const out = memo(keyMemo, k, () => {
    const text = YAML.stringify({ [k]: 1 }, OPTIONS);
    return text.endsWith(': 1\n') ? text.slice(0, -4) : '\n';
  });
  if (out.includes('\n') || out.startsWith('?')) throw new Fallback();
  return out;
}

function scalar(v: unknown, indent: string): string {
  switch (typeof v) {
    case 'string':
      return scalarString(v, indent);
    case 'number': {
      const s = String(v);
      if (!Number.isFinite(v) || s.includes('e') || Object.is(v, -0)) throw new Fallback();
      return s;
    }
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      throw new Fallback();
    default:
      throw new Fallback();
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function emitMap(obj: Record<string, unknown>, indent: string, out: string[], firstInline: boolean): void {
  let first = true;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === undefined) throw new Fallback();
    const prefix = first && firstInline ? '' : indent;
    first = false;
    const key = keyString(k);
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${prefix}${key}: []\n`);
      else {
        out.push(`${prefix}${key}:\n`);
        emitSeq(v, indent + '  ', out, false);
      }
    } else if (isPlainObject(v)) {
      if (Object.keys(v).length === 0) out.push(`${prefix}${key}: {}\n`);
      else {
        out.push(`${prefix}${key}:\n`);
        emitMap(v, indent + '  ', out, false);
      }
    } else {
      out.push(`${prefix}${key}: ${scalar(v, indent)}\n`);
    }
  }
}

function emitSeq(arr: readonly unknown[], indent: string, out: string[], firstInline: boolean): void {
  let first = true;
  for (const v of arr) {
    const prefix = first && firstInline ? '- ' : `${indent}- `;
    first = false;
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${prefix}[]\n`);
      else {
        out.push(prefix);
        emitSeq(v, indent + '  ', out, true);
      }
    } else if (isPlainObject(v)) {
      if (Object.keys(v).length === 0) out.push(`${prefix}{}\n`);
      else {
        out.push(prefix);
        emitMap(v, indent + '  ', out, true);
      }
    } else {
      if (v === undefined) throw new Fallback();
      out.push(`${prefix}${scalar(v, indent)}\n`);
    }
  }
}

/** `Yaml.stringify(value)` of cdk8s (one document), byte for byte, for JSON values. */
export function stringifyYaml(value: unknown): string {
  try {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      const out: string[] = [];
      emitMap(value, '', out, false);
      return out.join('');
    }
    if (Array.isArray(value) && value.length > 0) {
      const out: string[] = [];
      emitSeq(value, '', out, false);
      return out.join('');
    }
  } catch (e) {
    if (!(e instanceof Fallback)) throw e;
  }
  return YAML.stringify(value, OPTIONS);
}
