/**
 * A fast reader for the plain subset of YAML that configs are written in: block mappings and
 * sequences indented with spaces, plain and quoted one-line scalars, literal block scalars (`|`,
 * `|-`, without blank lines), one-line flow sequences of scalars, `{}` / `[]`, comments, one
 * leading `---`. It returns exactly what the yaml library's
 * `parse` returns for such a text (YAML 1.2 core schema), or `undefined` for anything outside the
 * subset (anchors, tags, block scalars, multi-line scalars, flow maps, duplicate keys, numbers in
 * any but the plainest form, …), and the caller then parses with the yaml library.
 *
 * The yaml library builds a document model with source positions for every node (which the
 * loader only needs for error messages): on a config of 100k objects that was a quarter of synth.
 * `test/config-fast-yaml.test.ts` proves the two agree on every config the project ships.
 */

class Unsupported extends Error {}

interface Line {
  readonly indent: number;
  /** The content after the indentation, without a trailing comment. */
  readonly text: string;
  /** The value of the literal block scalar (`|` / `|-`) this line opens. @default - none */
  readonly block?: string;
}

/** `key: |`, `- key: |`, `- |` (and `|-`): the column of the node that owns the block scalar. */
function blockOwner(indent: number, body: string): number | undefined {
  if (!/(^|: |^- )\|-?$/.test(body)) return undefined;
  if (/^- \|-?$/.test(body)) return indent;
  const m = /^(- +)*/.exec(body)!;
  return indent + m[0].length;
}

/** The lines of a literal block scalar after raw line `n` (owner at column `owner`), or Unsupported. */
function blockScalar(raw: readonly string[], n: number, owner: number, strip: boolean): { value: string; last: number } {
  const content: string[] = [];
  let indent = -1;
  let last = n;
  for (let k = n + 1; k < raw.length; k++) {
    const l = raw[k].endsWith('\r') ? raw[k].slice(0, -1) : raw[k];
    const ind = l.length - l.trimStart().length;
    if (l.trim() === '') {
      // blank lines inside or after a block scalar have chomping subtleties: left to the library
      if (k === raw.length - 1 && l === '') break;
      throw new Unsupported();
    }
    if (ind <= owner) break;
    if (l.includes('\t')) throw new Unsupported();
    if (indent < 0) indent = ind;
    if (ind < indent) throw new Unsupported();
    content.push(l.slice(indent));
    last = k;
  }
  if (content.length === 0) throw new Unsupported();
  return { value: content.join('\n') + (strip ? '' : '\n'), last };
}

const NULLS = new Set(['~', 'null', 'Null', 'NULL']);
const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);
const INT = /^-?(0|[1-9][0-9]{0,14})$/;
const FLOAT = /^-?(0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
/** Plain scalars read as strings: no indicator first (digits are checked against CORE_NUMBER). */
const PLAIN_START = /^[^-?:,[\]{}#&*!|>'"%@`\s]/;
/** Every plain scalar the YAML 1.2 core schema reads as a number (int, octal, hex, float, inf, nan). */
const CORE_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const KEY = /^[A-Za-z_$][A-Za-z0-9_$./-]*$/;

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      // quotes only open a scalar at its start; elsewhere they are plain characters
      if (i === 0 || text[i - 1] === ' ' || text[i - 1] === '[' || text[i - 1] === ',') quote = c;
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ')) {
      return text.slice(0, i).trimEnd();
    }
  }
  if (quote) throw new Unsupported();
  return text.trimEnd();
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  const raw = text.split('\n');
  for (let n = 0; n < raw.length; n++) {
    let l = raw[n];
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (l.includes('\t')) throw new Unsupported();
    const indent = l.length - l.trimStart().length;
    const body = stripComment(l.slice(indent));
    if (body === '') continue;
    if (body === '---') {
      if (out.length > 0) throw new Unsupported();
      continue;
    }
    if (body.startsWith('...') || body.startsWith('%') || body.startsWith('---')) throw new Unsupported();
    const owner = blockOwner(indent, body);
    if (owner !== undefined) {
      const b = blockScalar(raw, n, owner, body.endsWith('-'));
      out.push({ indent, text: body, block: b.value });
      n = b.last;
      continue;
    }
    out.push({ indent, text: body });
  }
  return out;
}

function scalar(text: string, inFlow: boolean): unknown {
  if (text === '') return null;
  const c = text[0];
  if (c === '"') {
    if (text.length < 2 || !text.endsWith('"') || text.slice(1, -1).includes('"') || text.includes('\\')) throw new Unsupported();
    return text.slice(1, -1);
  }
  if (c === "'") {
    if (text.length < 2 || !text.endsWith("'")) throw new Unsupported();
    const inner = text.slice(1, -1);
    if (inner.replace(/''/g, '').includes("'")) throw new Unsupported();
    return inner.replace(/''/g, "'");
  }
  if (NULLS.has(text)) return null;
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  if (INT.test(text) || FLOAT.test(text)) return Number(text);
  if (CORE_NUMBER.test(text)) throw new Unsupported();
  if (!PLAIN_START.test(text) || text.includes(': ') || text.endsWith(':') || text.includes(' #')) throw new Unsupported();
  if (inFlow && /[,[\]{}]/.test(text)) throw new Unsupported();
  return text;
}

function flowSeq(text: string): unknown[] {
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  if (/[[\]{}"']/.test(inner)) throw new Unsupported();
  return inner.split(',').map((item) => {
    const t = item.trim();
    if (t === '') throw new Unsupported();
    return scalar(t, true);
  });
}

function value(text: string): unknown {
  if (text === '{}') return {};
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new Unsupported();
    return flowSeq(text);
  }
  if (text.startsWith('{') || text.startsWith('|') || text.startsWith('>') || text.startsWith('&') || text.startsWith('*') || text.startsWith('!')) throw new Unsupported();
  return scalar(text, false);
}

class Reader {
  private i = 0;

  constructor(private readonly ls: Line[]) {}

  public document(): unknown {
    if (this.ls.length === 0) throw new Unsupported();
    const v = this.block(this.ls[0].indent);
    if (this.i !== this.ls.length) throw new Unsupported();
    return v;
  }

  private block(indent: number): unknown {
    const l = this.ls[this.i];
    return l.text === '-' || l.text.startsWith('- ') ? this.seq(indent) : this.map(indent);
  }

  /** The value after `key:` or `-` with nothing on the line: the nested block, or null. */
  private nested(parentIndent: number, seqAtSameIndent: boolean): unknown {
    const next = this.ls[this.i];
    if (!next) return null;
    if (next.indent > parentIndent) return this.block(next.indent);
    if (seqAtSameIndent && next.indent === parentIndent && (next.text === '-' || next.text.startsWith('- '))) return this.seq(parentIndent);
    return null;
  }

  private afterScalar(indent: number): void {
    const next = this.ls[this.i];
    // a more indented line after a scalar would continue it (a multi-line plain scalar)
    if (next && next.indent > indent) throw new Unsupported();
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.i < this.ls.length) {
      const l = this.ls[this.i];
      if (l.indent < indent) break;
      if (l.indent > indent || l.text === '-' || l.text.startsWith('- ')) throw new Unsupported();
      let key: string;
      let rest: string;
      if (l.text[0] === '"' || l.text[0] === "'") {
        const end = l.text.indexOf(l.text[0], 1);
        if (end < 0 || l.text[end + 1] !== ':') throw new Unsupported();
        key = scalar(l.text.slice(0, end + 1), false) as string;
        rest = l.text.slice(end + 2);
      } else {
        const colon = l.text.indexOf(': ');
        const k = colon >= 0 ? l.text.slice(0, colon) : l.text.endsWith(':') ? l.text.slice(0, -1) : undefined;
        if (k === undefined || !KEY.test(k) || NULLS.has(k) || TRUE.has(k) || FALSE.has(k)) throw new Unsupported();
        key = k;
        rest = colon >= 0 ? l.text.slice(colon + 1) : '';
      }
      if (rest !== '' && !rest.startsWith(' ')) throw new Unsupported();
      rest = rest.trim();
      if (Object.prototype.hasOwnProperty.call(out, key) || key === '__proto__' || key === '<<') throw new Unsupported();
      this.i++;
      if (rest === '') out[key] = this.nested(indent, true);
      else if (rest === '|' || rest === '|-') {
        if (l.block === undefined) throw new Unsupported();
        out[key] = l.block;
      } else {
        out[key] = value(rest);
        this.afterScalar(indent);
      }
    }
    return out;
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.i < this.ls.length) {
      const l = this.ls[this.i];
      if (l.indent < indent) break;
      if (l.indent > indent || !(l.text === '-' || l.text.startsWith('- '))) {
        if (l.indent === indent) break; // a key after a sequence at the key's own indent
        throw new Unsupported();
      }
      if (l.text === '-') {
        this.i++;
        out.push(this.nested(indent, false));
        continue;
      }
      const body = l.text.slice(1);
      const offset = 1 + (body.length - body.trimStart().length);
      const rest = body.trimStart();
      const isCollection = rest === '-' || rest.startsWith('- ') || (/^[^"'[{]/.test(rest) && (rest.includes(': ') || rest.endsWith(':')));
      if (isCollection) {
        // `- key: value` / `- - x`: the item is a block whose first line starts after the dash
        (this.ls as Line[])[this.i] = { ...l, indent: indent + offset, text: rest };
        out.push(this.block(indent + offset));
      } else if (rest === '|' || rest === '|-') {
        if (l.block === undefined) throw new Unsupported();
        this.i++;
        out.push(l.block);
      } else {
        this.i++;
        out.push(value(rest));
        this.afterScalar(indent);
      }
    }
    return out;
  }
}

/** `YAML.parse(text)` for texts in the plain subset; `undefined` for anything else. */
export function parsePlainYaml(text: string): unknown {
  try {
    return new Reader(lines(text)).document();
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) return undefined;
    throw e;
  }
}
