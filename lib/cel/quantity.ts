import { celFunc, celMethod, CelScalar, objectType } from '@bufbuild/cel';
import { create, createFileRegistry, DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/**
 * The Kubernetes quantity library of CEL (https://kubernetes.io/docs/reference/using-api/cel/,
 * "Kubernetes quantity library"): `quantity(s)`, `isQuantity(s)`, and on a Quantity
 * `isInteger()`, `asInteger()`, `asApproximateFloat()`, `sign()`, `add(q|int)`, `sub(q|int)`,
 * `isLessThan(q)`, `isGreaterThan(q)`, `compareTo(q)`; `==` compares values (`quantity('200M') ==
 * quantity('0.2G')`).
 *
 * The grammar is the one documented for resource.Quantity (k8s.io/apimachinery
 * pkg/api/resource): `<sign><number><suffix>`, suffix a binary SI (`Ki`…`Ei`), decimal SI
 * (`n`, `u`, `m`, ``, `k`, `M`, `G`, `T`, `P`, `E`) or decimal exponent (`e3`, `E-2`). Values are
 * kept as exact fractions; unlike the API server, precision finer than 1n is not rounded up.
 *
 * A Quantity is an opaque CEL object: a message `kubernetes.cel.Quantity` whose only field holds
 * the value as a reduced fraction `n/d`, so equal values are equal messages.
 */

const file = create(FileDescriptorProtoSchema, {
  name: 'mgmt-synth/kubernetes_cel_quantity.proto',
  package: 'kubernetes.cel',
  syntax: 'proto3',
  messageType: [{ name: 'Quantity', field: [{ name: 'value', number: 1, type: 9 /* TYPE_STRING */, label: 1 /* LABEL_OPTIONAL */, jsonName: 'value' }] }],
});
export const QUANTITY: DescMessage = createFileRegistry(file, () => undefined).getMessage('kubernetes.cel.Quantity')!;
const VALUE = QUANTITY.fields[0];
const Q = objectType(QUANTITY);
const { BOOL, DOUBLE, INT, STRING } = CelScalar;

interface Fraction {
  readonly n: bigint;
  readonly d: bigint;
}

const ZERO = BigInt(0);
const ONE = BigInt(1);
const TEN = BigInt(10);

function gcd(a: bigint, b: bigint): bigint {
  a = a < ZERO ? -a : a;
  b = b < ZERO ? -b : b;
  while (b !== ZERO) [a, b] = [b, a % b];
  return a;
}

function fraction(n: bigint, d: bigint): Fraction {
  if (d < ZERO) [n, d] = [-n, -d];
  const g = gcd(n, d) || ONE;
  return { n: n / g, d: d / g };
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const GRAMMAR = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity; undefined when the text is not one. */
export function parseQuantity(text: string): Fraction | undefined {
  if (text.length > 256) return undefined;
  const m = GRAMMAR.exec(text);
  if (!m) return undefined;
  const [, sign, number, suffix = ''] = m;
  const [int, frac = ''] = number.split('.');
  let n = BigInt((int || '0') + frac) * (sign === '-' ? -ONE : ONE);
  let d = TEN ** BigInt(frac.length);
  if (suffix in BINARY) n *= BigInt(2) ** BigInt(BINARY[suffix]);
  else {
    const exp = suffix in DECIMAL ? DECIMAL[suffix] : Number(suffix.slice(1));
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1000) return undefined;
    if (exp >= 0) n *= TEN ** BigInt(exp);
    else d *= TEN ** BigInt(-exp);
  }
  return fraction(n, d);
}

function make(f: Fraction): unknown {
  return create(QUANTITY, { value: `${f.n}/${f.d}` } as never);
}

function valueOf(q: unknown): Fraction {
  const v = (q as { get(field: unknown): unknown }).get(VALUE);
  const [n, d] = String(v).split('/');
  return { n: BigInt(n), d: BigInt(d) };
}

function cmp(a: Fraction, b: Fraction): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}

const INT64_MAX = BigInt('9223372036854775807');
const INT64_MIN = -INT64_MAX - ONE;

function isInt64(f: Fraction): boolean {
  return f.d === ONE && f.n >= INT64_MIN && f.n <= INT64_MAX;
}

const add = (a: Fraction, b: Fraction) => fraction(a.n * b.d + b.n * a.d, a.d * b.d);
const neg = (a: Fraction) => ({ n: -a.n, d: a.d });
const ofInt = (i: bigint): Fraction => ({ n: i, d: ONE });

export const K8S_QUANTITY_FUNCS = [
  celFunc('quantity', [STRING], Q, (s: string) => {
    const f = parseQuantity(s);
    if (!f) throw new Error(`${JSON.stringify(s)} is not a quantity (e.g. 100m, 1.5Gi, 2e3)`);
    return make(f) as never;
  }),
  celFunc('isQuantity', [STRING], BOOL, (s: string) => parseQuantity(s) !== undefined),
  celMethod('isInteger', Q, [], BOOL, function isInteger(this: unknown) {
    return isInt64(valueOf(this));
  }),
  celMethod('asInteger', Q, [], INT, function asInteger(this: unknown) {
    const f = valueOf(this);
    if (!isInt64(f)) throw new Error('cannot convert value to integer');
    return f.n;
  }),
  celMethod('asApproximateFloat', Q, [], DOUBLE, function asApproximateFloat(this: unknown) {
    const f = valueOf(this);
    return Number(f.n) / Number(f.d);
  }),
  celMethod('sign', Q, [], INT, function sign(this: unknown) {
    const f = valueOf(this);
    return BigInt(f.n > ZERO ? 1 : f.n < ZERO ? -1 : 0);
  }),
  celMethod('add', Q, [Q], Q, function addQ(this: unknown, o: unknown) {
    return make(add(valueOf(this), valueOf(o))) as never;
  }),
  celMethod('add', Q, [INT], Q, function addInt(this: unknown, i: bigint) {
    return make(add(valueOf(this), ofInt(i))) as never;
  }),
  celMethod('sub', Q, [Q], Q, function subQ(this: unknown, o: unknown) {
    return make(add(valueOf(this), neg(valueOf(o)))) as never;
  }),
  celMethod('sub', Q, [INT], Q, function subInt(this: unknown, i: bigint) {
    return make(add(valueOf(this), neg(ofInt(i)))) as never;
  }),
  celMethod('isLessThan', Q, [Q], BOOL, function isLessThan(this: unknown, o: unknown) {
    return cmp(valueOf(this), valueOf(o)) < 0;
  }),
  celMethod('isGreaterThan', Q, [Q], BOOL, function isGreaterThan(this: unknown, o: unknown) {
    return cmp(valueOf(this), valueOf(o)) > 0;
  }),
  celMethod('compareTo', Q, [Q], INT, function compareTo(this: unknown, o: unknown) {
    return BigInt(cmp(valueOf(this), valueOf(o)));
  }),
];
