import { celList, celMethod, CelScalar, isCelList, listType } from '@bufbuild/cel';

/**
 * Two of the Kubernetes CEL libraries that @bufbuild/cel lacks, as the API server defines them
 * (https://kubernetes.io/docs/reference/using-api/cel/, "Kubernetes list library" and
 * "Kubernetes regex library"):
 *
 * - lists: `isSorted()`, `sum()`, `min()`, `max()`, `indexOf(x)`, `lastIndexOf(x)` on lists of
 *   comparable values (int, uint, double, string, bool); `min`/`max` of an empty list is an error,
 *   `sum` of an empty list is 0;
 * - regex: `find(re)` (the first match, `''` when none), `findAll(re)` and `findAll(re, n)` (at
 *   most n matches, all when n < 0).
 *
 * No rule of the CRDs in ../shared calls them (test/cel.test.ts lists the functions the rules
 * use); they are here so that a CRD upgrade that starts using them is evaluated, not reported as
 * "unbound function". Regular expressions run on the JavaScript engine (Kubernetes uses RE2): a
 * pattern JavaScript cannot compile is an evaluation error. The quantity, semver, URL and IP/CIDR
 * libraries are in ./quantity.ts, ./semver.ts, ./url.ts and ./ip.ts; `format` is not provided.
 */

type Scalar = bigint | number | string | boolean;

function scalar(v: unknown): Scalar {
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'object' && v !== null && 'value' in v && typeof (v as { value: unknown }).value === 'bigint') return (v as { value: bigint }).value; // uint
  throw new Error(`no such overload: list element of type ${typeof v} is not comparable`);
}

function compare(a: Scalar, b: Scalar): number {
  if (typeof a !== typeof b) throw new Error(`no such overload: cannot compare ${typeof a} with ${typeof b}`);
  return a < b ? -1 : a > b ? 1 : 0;
}

function items(list: unknown): Scalar[] {
  if (!isCelList(list)) throw new Error('no such overload: not a list');
  return [...list].map(scalar);
}

const LIST = listType(CelScalar.DYN);
const { BOOL, DYN, INT, STRING } = CelScalar;

function extremum(list: unknown, name: string, sign: 1 | -1): Scalar {
  const xs = items(list);
  if (xs.length === 0) throw new Error(`${name} called on empty list`);
  return xs.reduce((m, x) => (compare(x, m) * sign > 0 ? x : m));
}

function indexOf(list: unknown, x: unknown, last: boolean): bigint {
  const xs = items(list);
  const want = scalar(x);
  const eq = (v: Scalar) => typeof v === typeof want && v === want;
  const i = last ? xs.map(eq).lastIndexOf(true) : xs.findIndex(eq);
  return BigInt(i);
}

function regex(re: string): RegExp {
  try {
    return new RegExp(re, 'gu');
  } catch (e) {
    throw new Error(`invalid regular expression ${JSON.stringify(re)}: ${(e as Error).message}`);
  }
}

function findAll(s: string, re: string, limit: bigint): string[] {
  const out: string[] = [];
  if (limit === BigInt(0)) return out;
  for (const m of s.matchAll(regex(re))) {
    out.push(m[0]);
    if (limit > BigInt(0) && BigInt(out.length) >= limit) break;
  }
  return out;
}

export const K8S_LIST_FUNCS = [
  celMethod('isSorted', LIST, [], BOOL, function isSorted(this: unknown) {
    const xs = items(this);
    for (let i = 1; i < xs.length; i++) if (compare(xs[i - 1], xs[i]) > 0) return false;
    return true;
  }),
  celMethod('sum', LIST, [], DYN, function sum(this: unknown) {
    const xs = items(this);
    if (xs.length === 0) return BigInt(0);
    if (xs.every((x) => typeof x === 'bigint')) return (xs as bigint[]).reduce((a, b) => a + b, BigInt(0));
    if (xs.every((x) => typeof x === 'number')) return (xs as number[]).reduce((a, b) => a + b, 0);
    throw new Error('no such overload: sum of a list that is neither all int nor all double');
  }),
  celMethod('min', LIST, [], DYN, function min(this: unknown) {
    return extremum(this, 'min', -1);
  }),
  celMethod('max', LIST, [], DYN, function max(this: unknown) {
    return extremum(this, 'max', 1);
  }),
  celMethod('indexOf', LIST, [DYN], INT, function listIndexOf(this: unknown, x: unknown) {
    return indexOf(this, x, false);
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function listLastIndexOf(this: unknown, x: unknown) {
    return indexOf(this, x, true);
  }),
];

export const K8S_REGEX_FUNCS = [
  celMethod('find', STRING, [STRING], STRING, function find(this: string, re: string) {
    return findAll(this, re, BigInt(1))[0] ?? '';
  }),
  celMethod('findAll', STRING, [STRING], listType(STRING), function findAllOf(this: string, re: string) {
    return celList(findAll(this, re, BigInt(-1)));
  }),
  celMethod('findAll', STRING, [STRING, INT], listType(STRING), function findAllN(this: string, re: string, n: bigint) {
    return celList(findAll(this, re, n));
  }),
];
