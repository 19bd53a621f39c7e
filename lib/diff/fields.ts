import { isObject } from '../check/tree';

/** One field-level difference between two versions of an object. */
export interface FieldChange {
  /** `spec.chart.spec.version`, `spec.dependsOn[name=base]`, `data["values.yaml"]`. */
  readonly path: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

function keyPath(base: string, key: string): string {
  const seg = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : JSON.stringify(key);
  if (!base) return seg.startsWith('"') ? `[${seg}]` : seg;
  return seg.startsWith('"') ? `${base}[${seg}]` : `${base}.${seg}`;
}

/** Canonical JSON (sorted keys): equal values give equal strings. */
export function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (isObject(x)) {
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x) ?? 'null';
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function namedKeys(xs: unknown[]): string[] | undefined {
  const names: string[] = [];
  for (const x of xs) {
    if (!isObject(x) || typeof x.name !== 'string') return undefined;
    names.push(x.name);
  }
  return new Set(names).size === names.length ? names : undefined;
}

/**
 * The field-level differences between `a` and `b` (objects are compared key by key, lists of
 * objects with unique `name`s by name, other lists by position). `ignore` paths are skipped.
 */
export function diffFields(a: unknown, b: unknown, path = '', ignore: ReadonlySet<string> = new Set()): FieldChange[] {
  if (ignore.has(path)) return [];
  if (isObject(a) && isObject(b)) {
    const out: FieldChange[] = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const p = keyPath(path, k);
      if (ignore.has(p)) continue;
      if (!(k in b)) out.push({ path: p, op: 'removed', before: a[k] });
      else if (!(k in a)) out.push({ path: p, op: 'added', after: b[k] });
      else out.push(...diffFields(a[k], b[k], p, ignore));
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const na = namedKeys(a);
    const nb = namedKeys(b);
    if (na && nb) {
      const out: FieldChange[] = [];
      const byA = new Map(a.map((x) => [(x as { name: string }).name, x]));
      const byB = new Map(b.map((x) => [(x as { name: string }).name, x]));
      for (const n of [...new Set([...na, ...nb])].sort()) {
        const p = `${path}[name=${n}]`;
        if (!byB.has(n)) out.push({ path: p, op: 'removed', before: byA.get(n) });
        else if (!byA.has(n)) out.push({ path: p, op: 'added', after: byB.get(n) });
        else out.push(...diffFields(byA.get(n), byB.get(n), p, ignore));
      }
      if (out.length === 0 && na.join('\u0000') !== nb.join('\u0000')) out.push({ path, op: 'changed', before: na, after: nb });
      return out;
    }
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= b.length) out.push({ path: p, op: 'removed', before: a[i] });
      else if (i >= a.length) out.push({ path: p, op: 'added', after: b[i] });
      else out.push(...diffFields(a[i], b[i], p, ignore));
    }
    return out;
  }
  return deepEqual(a, b) ? [] : [{ path, op: 'changed', before: a, after: b }];
}

/** Value at a dotted path (`spec.chart.spec.chart`; no list indices). */
export function getPath(obj: unknown, dotted: string): unknown {
  let cur = obj;
  for (const k of dotted.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Leaves of a value as `path=json` strings, for similarity scores. */
export function leaves(x: unknown, path = '', out: string[] = []): string[] {
  if (isObject(x)) {
    for (const k of Object.keys(x).sort()) leaves(x[k], keyPath(path, k), out);
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  } else out.push(`${path}=${JSON.stringify(x)}`);
  return out;
}

/** Jaccard similarity of two leaf lists (1 when both are empty). */
export function similarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const sa = new Set(a);
  let common = 0;
  for (const x of new Set(b)) if (sa.has(x)) common++;
  return common / (sa.size + new Set(b).size - common);
}

/** Compact rendering of a value for a one-line diff. */
export function renderValue(v: unknown, max = 160): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * A line diff of two multi-line strings (LCS), as `-`/`+`/` ` lines with one line of context
 * around each change. Large inputs fall back to a summary.
 */
export function lineDiff(a: string, b: string, context = 1): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x[x.length - 1] === '' && y[y.length - 1] === '') {
    x.pop();
    y.pop();
  }
  if (x.length * y.length > 4_000_000) return [`(${x.length} lines → ${y.length} lines; too large to diff here)`];
  const n = x.length;
  const m = y.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: { t: ' ' | '-' | '+'; s: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      ops.push({ t: ' ', s: x[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) ops.push({ t: '-', s: x[i++] });
    else ops.push({ t: '+', s: y[j++] });
  }
  while (i < n) ops.push({ t: '-', s: x[i++] });
  while (j < m) ops.push({ t: '+', s: y[j++] });
  const keep = new Set<number>();
  ops.forEach((o, k) => {
    if (o.t === ' ') return;
    for (let c = k - context; c <= k + context; c++) if (c >= 0 && c < ops.length) keep.add(c);
  });
  const out: string[] = [];
  let last = -1;
  for (const k of [...keep].sort((p, q) => p - q)) {
    if (last >= 0 && k > last + 1) out.push('…');
    out.push(`${ops[k].t} ${ops[k].s}`);
    last = k;
  }
  return out;
}
