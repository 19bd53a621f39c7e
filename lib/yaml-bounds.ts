/**
 * Bounded input: every file the synthesizer or a review tool reads from a user (the config, the
 * application definitions, files under secrets/, a tree to check) goes through these bounds, so no
 * input can make a command hang, run out of memory or take quadratic time.
 *
 * - Files: only regular files are read (a FIFO, a device, a socket or a folder is refused before
 *   reading, so `/dev/zero` and a FIFO cannot hang a run), up to a size limit checked before reading.
 * - YAML: aliases (count and expanded size), nesting depth, keys per mapping and nodes per file are
 *   bounded; an undefined alias, a duplicate key and a YAML syntax error are problems naming the
 *   file and line. All checks are one linear walk (the yaml library's own duplicate-key check is
 *   quadratic in the keys of a mapping, so it is turned off and done here with a Set).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/** The documented limits (README "Safety"). */
export interface YamlLimits {
  /** Largest file read, in bytes. @default 16 MiB */
  readonly maxBytes: number;
  /** Deepest nesting of mappings and sequences. @default 64 */
  readonly maxDepth: number;
  /** Most aliases (`*name`) in one file. @default 100 */
  readonly maxAliases: number;
  /** Most keys in one mapping. @default 100,000 */
  readonly maxKeys: number;
  /** Most nodes in one file, counting each alias as the size of what it expands to. @default 2,000,000 */
  readonly maxNodes: number;
}

export const DEFAULT_LIMITS: YamlLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxAliases: 100,
  maxKeys: 100_000,
  maxNodes: 2_000_000,
};

/** One problem of an input file: `file:line:column: message (fix)`. */
export interface InputProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** An input that cannot be used; the message names the file (and line) and the fix. No stack trace. */
export class InputError extends Error {
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = problems;
    this.stack = `${this.name}: ${this.message}`;
  }
}

export function formatProblem(p: InputProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : ''}: ${p.message}`;
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a regular file of at most `maxBytes` bytes. A FIFO, a device, a socket or a folder is
 * refused before it is opened; the size is checked before reading (and again while reading).
 *
 * @param what Names the input in messages, e.g. "the config file".
 * @throws InputError naming the file and the fix
 */
export function readBoundedFile(file: string, maxBytes: number = DEFAULT_LIMITS.maxBytes, what = 'the file'): Buffer {
  const fail = (message: string): never => {
    throw new InputError([{ file, message }]);
  };
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return fail(`cannot be read (${code}: ${path.resolve(file)}; check the path to ${what})`);
  }
  if (!st.isFile()) return fail(`${what} is ${kindOf(st)}, not a regular file (pass the path of a YAML file)`);
  if (st.size > maxBytes) return fail(`${what} is ${st.size} bytes, more than the limit of ${maxBytes} bytes (split it, or remove what it does not need)`);
  let fd: number;
  try {
    // O_NONBLOCK: should the file have been swapped for a FIFO since the stat, opening does not hang.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    return fail(`${what} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}; check the path and its permissions)`);
  }
  try {
    const again = fs.fstatSync(fd);
    if (!again.isFile()) return fail(`${what} is ${kindOf(again)}, not a regular file (pass the path of a YAML file)`);
    const buf = Buffer.alloc(Math.min(again.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) return fail(`${what} grew beyond the limit of ${maxBytes} bytes while it was read (split it)`);
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > maxBytes) return fail(`${what} is more than the limit of ${maxBytes} bytes (split it, or remove what it does not need)`);
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof InputError) throw e;
    return fail(`${what} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; check the path and its permissions)`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Decodes UTF-8 strictly (a BOM is dropped); anything else is a problem naming the file. */
export function decodeUtf8(bytes: Buffer, file: string, what = 'the file'): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    throw new InputError([{ file, message: `${what} is not UTF-8 text (save it as UTF-8)` }]);
  }
}

/** A parsed, bounded YAML stream. */
export interface BoundedYaml {
  readonly docs: YAML.Document.Parsed[];
  readonly lineCounter: YAML.LineCounter;
  /** Syntax errors and bound violations, each with file and line; empty when the input is usable. */
  readonly problems: InputProblem[];
  /** With `allowDuplicateKeys`: every key set twice in one mapping (at the second one). */
  readonly duplicates: InputProblem[];
}

export interface ParseOptions {
  /**
   * Accept a duplicate mapping key (the last one wins, as the yaml library's toJS does): it is
   * listed in `duplicates` instead of being a problem. @default false
   */
  readonly allowDuplicateKeys?: boolean;
}

/**
 * Parses a YAML stream (one or more documents) and checks the bounds in one linear walk.
 * Never throws on input: every problem is returned with its file and line.
 */
export function parseBoundedYaml(text: string, file: string, limits: YamlLimits = DEFAULT_LIMITS, options: ParseOptions = {}): BoundedYaml {
  const lineCounter = new YAML.LineCounter();
  const problems: InputProblem[] = [];
  const duplicates: InputProblem[] = [];
  const at = (offset: number | undefined, message: string): InputProblem => {
    if (offset === undefined) return { file, message };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, message };
  };
  if (text.length > limits.maxBytes) {
    return { docs: [], lineCounter, problems: [{ file, message: `is ${text.length} characters, more than the limit of ${limits.maxBytes} (split it)` }], duplicates };
  }
  let docs: YAML.Document.Parsed[];
  try {
    const all = YAML.parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false, logLevel: 'silent' });
    docs = Array.isArray(all) ? all : [all as unknown as YAML.Document.Parsed];
  } catch (e) {
    return { docs: [], lineCounter, problems: [{ file, message: `cannot be parsed as YAML (${(e as Error).message.split('\n')[0]})` }], duplicates };
  }
  for (const doc of docs) {
    for (const err of doc.errors) {
      const what = err.code === 'RESOURCE_EXHAUSTION' ? `nested too deeply (more than ${limits.maxDepth} levels; flatten it)` : `${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').trim()} (fix the YAML syntax)`;
      problems.push(at(err.pos[0], what));
    }
  }
  if (problems.length) return { docs, lineCounter, problems, duplicates };
  let aliases = 0;
  let nodes = 0;
  const sizes = new Map<YAML.Node, number>();
  for (const doc of docs) {
    const anchors = new Map<string, YAML.Node>();
    const stop = (p: InputProblem) => {
      problems.push(p);
      return true;
    };
    // Iterative DFS in document order; a node's size is known once all its children are done.
    type Frame = { node: YAML.Node; depth: number; children?: YAML.Node[]; i: number; size: number };
    if (!doc.contents) continue;
    const stack: Frame[] = [{ node: doc.contents as YAML.Node, depth: 1, i: 0, size: 1 }];
    let failed = false;
    while (stack.length && !failed) {
      const f = stack[stack.length - 1];
      const n = f.node;
      if (f.children === undefined) {
        // entering n
        nodes++;
        if (nodes > limits.maxNodes) {
          failed = stop(at(n.range?.[0], `has more than ${limits.maxNodes} YAML nodes (aliases count as what they expand to); split the file`));
          break;
        }
        if (f.depth > limits.maxDepth && (YAML.isMap(n) || YAML.isSeq(n))) {
          failed = stop(at(n.range?.[0], `nested too deeply (more than ${limits.maxDepth} levels; flatten it)`));
          break;
        }
        if (YAML.isAlias(n)) {
          aliases++;
          if (aliases > limits.maxAliases) {
            failed = stop(at(n.range?.[0], `has more than ${limits.maxAliases} YAML aliases (write the values out instead of *aliases)`));
            break;
          }
          const target = anchors.get(n.source);
          if (!target || !sizes.has(target)) {
            failed = stop(at(n.range?.[0], `alias *${n.source} refers to no anchor &${n.source} completed before it (define the anchor first, or write the value out)`));
            break;
          }
          const expanded = sizes.get(target)!;
          nodes += expanded;
          if (nodes > limits.maxNodes) {
            failed = stop(at(n.range?.[0], `alias *${n.source} expands beyond ${limits.maxNodes} YAML nodes (an alias bomb?); write the values out instead`));
            break;
          }
          f.size += expanded;
          f.children = [];
        } else if (YAML.isMap(n)) {
          if (n.items.length > limits.maxKeys) {
            failed = stop(at(n.range?.[0], `a mapping has ${n.items.length} keys, more than the limit of ${limits.maxKeys} (split it)`));
            break;
          }
          const seen = new Map<string, YAML.Node>();
          const children: YAML.Node[] = [];
          for (const pair of n.items) {
            const k = pair.key as YAML.Node | null;
            if (YAML.isScalar(k)) {
              const id = `${typeof k.value}:${String(k.value)}`;
              const first = seen.get(id);
              if (first) {
                const { line } = lineCounter.linePos(first.range?.[0] ?? 0);
                const dup = at(k.range?.[0], `Map keys must be unique: ${JSON.stringify(String(k.value))} is also set at line ${line} (fix the YAML syntax: keep one of them)`);
                if (options.allowDuplicateKeys) duplicates.push(dup);
                else {
                  failed = stop(dup);
                  break;
                }
              } else seen.set(id, k);
            }
            if (YAML.isNode(k)) children.push(k);
            if (YAML.isNode(pair.value)) children.push(pair.value as YAML.Node);
          }
          if (failed) break;
          f.children = children;
        } else if (YAML.isSeq(n)) {
          f.children = n.items.filter((x): x is YAML.Node => YAML.isNode(x));
        } else {
          f.children = [];
        }
      }
      if (f.i < f.children.length) {
        stack.push({ node: f.children[f.i++], depth: f.depth + 1, i: 0, size: 1 });
        continue;
      }
      // leaving n
      stack.pop();
      sizes.set(n, f.size);
      const anchor = (n as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, n);
      if (stack.length) stack[stack.length - 1].size += f.size;
    }
    if (failed) break;
  }
  return { docs, lineCounter, problems, duplicates };
}

/** The plain value of a document that passed `parseBoundedYaml` (aliases already bounded). */
export function boundedToJS(doc: YAML.Document.Parsed, limits: YamlLimits = DEFAULT_LIMITS): unknown {
  return doc.toJS({ maxAliasCount: Math.max(limits.maxNodes, 100) });
}

/**
 * Reads, parses and bounds a YAML file; returns the plain values of its non-empty documents.
 * @throws InputError naming the file and line
 */
export function readYamlFile(file: string, limits: YamlLimits = DEFAULT_LIMITS, what = 'the file'): unknown[] {
  const text = decodeUtf8(readBoundedFile(file, limits.maxBytes, what), file, what);
  return yamlValues(text, file, limits);
}

/** Parses and bounds a YAML text; returns the plain values of its non-empty documents. @throws InputError */
export function yamlValues(text: string, file: string, limits: YamlLimits = DEFAULT_LIMITS): unknown[] {
  const parsed = parseBoundedYaml(text, file, limits);
  if (parsed.problems.length) throw new InputError(parsed.problems);
  return parsed.docs.map((d) => boundedToJS(d, limits)).filter((v) => v !== null && v !== undefined);
}

/**
 * Whether a plain value (e.g. from the fast plain-subset reader, which has no aliases) stays within
 * the depth, key and node bounds. A value that does not is re-read by `parseBoundedYaml`, which
 * reports the bound with file and line. Iterative, linear in the size of the value.
 */
export function withinLimits(value: unknown, limits: YamlLimits = DEFAULT_LIMITS): boolean {
  let nodes = 0;
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (++nodes > limits.maxNodes) return false;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 >= limits.maxDepth) return false; // at the edge, the bounded parser decides
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    if (!Array.isArray(v) && children.length > limits.maxKeys) return false;
    for (const c of children) stack.push({ v: c, depth: depth + 1 });
  }
  return true;
}
