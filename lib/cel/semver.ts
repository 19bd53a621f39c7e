import { celFunc, celMethod, CelScalar, objectType } from '@bufbuild/cel';
import { create, createFileRegistry, DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/**
 * The Kubernetes semver library of CEL (https://kubernetes.io/docs/reference/using-api/cel/,
 * "Kubernetes semver library"): `semver(s)`, `semver(s, normalize)`, `isSemver(s)`,
 * `isSemver(s, normalize)`, and on a Semver `major()`, `minor()`, `patch()`, `isLessThan(v)`,
 * `isGreaterThan(v)`, `compareTo(v)`; `==` compares versions.
 *
 * Versions follow Semantic Versioning 2.0.0 (https://semver.org): `MAJOR.MINOR.PATCH`, optional
 * `-prerelease` and `+build`; precedence ignores build metadata. With `normalize`, a leading
 * `v`, missing minor/patch parts and leading zeros are accepted (`v1.2` is `1.2.0`).
 * A Semver is an opaque CEL object (message `kubernetes.cel.Semver` holding the canonical text).
 */

const file = create(FileDescriptorProtoSchema, {
  name: 'mgmt-synth/kubernetes_cel_semver.proto',
  package: 'kubernetes.cel',
  syntax: 'proto3',
  messageType: [{ name: 'Semver', field: [{ name: 'value', number: 1, type: 9 /* TYPE_STRING */, label: 1, jsonName: 'value' }] }],
});
export const SEMVER: DescMessage = createFileRegistry(file, () => undefined).getMessage('kubernetes.cel.Semver')!;
const VALUE = SEMVER.fields[0];
const V = objectType(SEMVER);
const { BOOL, INT, STRING } = CelScalar;

interface Version {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: readonly string[];
  readonly build: string;
}

const NUM = '(0|[1-9]\\d*)';
const IDENT = '(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)';
const STRICT = new RegExp(`^${NUM}\\.${NUM}\\.${NUM}(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`);

/** Parses a version (strictly, or normalized); undefined when it is not one. */
export function parseSemver(text: string, normalize = false): Version | undefined {
  if (text.length > 256) return undefined;
  let t = text;
  if (normalize) {
    t = t.replace(/^v/, '');
    const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(t);
    if (!m) return undefined;
    const part = (s: string | undefined) => String(BigInt(s ?? '0'));
    t = `${part(m[1])}.${part(m[2])}.${part(m[3])}${m[4]}`;
  }
  const m = STRICT.exec(t);
  if (!m) return undefined;
  return { major: BigInt(m[1]), minor: BigInt(m[2]), patch: BigInt(m[3]), pre: m[4] ? m[4].split('.') : [], build: m[5] ?? '' };
}

function text(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre.length ? `-${v.pre.join('.')}` : ''}${v.build ? `+${v.build}` : ''}`;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer 2.0.0 precedence (build metadata ignored). */
export function compareSemver(a: Version, b: Version): number {
  const c = cmpBig(a.major, b.major) || cmpBig(a.minor, b.minor) || cmpBig(a.patch, b.patch);
  if (c !== 0) return c;
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    const r = xn && yn ? cmpBig(BigInt(x), BigInt(y)) : xn ? -1 : yn ? 1 : x < y ? -1 : x > y ? 1 : 0;
    if (r !== 0) return r;
  }
  return a.pre.length - b.pre.length === 0 ? 0 : a.pre.length < b.pre.length ? -1 : 1;
}

function make(v: Version): unknown {
  // Equal versions are equal messages: the build metadata does not take part in equality.
  return create(SEMVER, { value: text({ ...v, build: '' }) } as never);
}

function valueOf(m: unknown): Version {
  return parseSemver(String((m as { get(f: unknown): unknown }).get(VALUE)))!;
}

function parseOrThrow(s: string, normalize: boolean): unknown {
  const v = parseSemver(s, normalize);
  if (!v) throw new Error(`${JSON.stringify(s)} is not a semantic version (e.g. 1.2.3${normalize ? ', v1.2' : ''})`);
  return make(v);
}

export const K8S_SEMVER_FUNCS = [
  celFunc('semver', [STRING], V, (s: string) => parseOrThrow(s, false) as never),
  celFunc('semver', [STRING, BOOL], V, (s: string, n: boolean) => parseOrThrow(s, n) as never),
  celFunc('isSemver', [STRING], BOOL, (s: string) => parseSemver(s) !== undefined),
  celFunc('isSemver', [STRING, BOOL], BOOL, (s: string, n: boolean) => parseSemver(s, n) !== undefined),
  celMethod('major', V, [], INT, function major(this: unknown) {
    return valueOf(this).major;
  }),
  celMethod('minor', V, [], INT, function minor(this: unknown) {
    return valueOf(this).minor;
  }),
  celMethod('patch', V, [], INT, function patch(this: unknown) {
    return valueOf(this).patch;
  }),
  celMethod('isLessThan', V, [V], BOOL, function isLessThan(this: unknown, o: unknown) {
    return compareSemver(valueOf(this), valueOf(o)) < 0;
  }),
  celMethod('isGreaterThan', V, [V], BOOL, function isGreaterThan(this: unknown, o: unknown) {
    return compareSemver(valueOf(this), valueOf(o)) > 0;
  }),
  celMethod('compareTo', V, [V], INT, function compareTo(this: unknown, o: unknown) {
    return BigInt(compareSemver(valueOf(this), valueOf(o)));
  }),
];
