import { celFunc, celMethod, CelScalar, objectType } from '@bufbuild/cel';
import { create, createFileRegistry, DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/**
 * The Kubernetes IP and CIDR libraries of CEL (https://kubernetes.io/docs/reference/using-api/cel/,
 * "Kubernetes IP address library" and "Kubernetes CIDR library"): `ip(s)`, `isIP(s)`,
 * `ip.isCanonical(s)`, on an IP `family()`, `isUnspecified()`, `isLoopback()`,
 * `isLinkLocalMulticast()`, `isLinkLocalUnicast()`, `isGlobalUnicast()`; `cidr(s)`, `isCIDR(s)`,
 * on a CIDR `containsIP(ip|string)`, `containsCIDR(cidr|string)`, `ip()`, `masked()`,
 * `prefixLength()`; `==` compares addresses.
 *
 * Parsing is strict like Go's netip (as the API server): dotted quads without leading zeros,
 * RFC 4291 IPv6 text (with `::` and a trailing dotted quad); zones and IPv4-mapped IPv6
 * addresses are refused. The canonical IPv6 form is RFC 5952 (lower case, the longest run of
 * zero groups compressed).
 */

function opaque(name: string): DescMessage {
  const file = create(FileDescriptorProtoSchema, {
    name: `mgmt-synth/kubernetes_cel_${name.toLowerCase()}.proto`,
    package: 'kubernetes.cel',
    syntax: 'proto3',
    messageType: [{ name, field: [{ name: 'value', number: 1, type: 9 /* TYPE_STRING */, label: 1, jsonName: 'value' }] }],
  });
  return createFileRegistry(file, () => undefined).getMessage(`kubernetes.cel.${name}`)!;
}

export const IP_TYPE = opaque('IP');
export const CIDR_TYPE = opaque('CIDR');
const IPT = objectType(IP_TYPE);
const CIDRT = objectType(CIDR_TYPE);
const { BOOL, INT, STRING } = CelScalar;

export interface Addr {
  readonly family: 4 | 6;
  /** The address as an unsigned integer (32 or 128 bits). */
  readonly bits: bigint;
}

const OCTET = /^(?:0|[1-9]\d{0,2})$/;

function parse4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = BigInt(0);
  for (const p of parts) {
    if (!OCTET.test(p) || Number(p) > 255) return undefined;
    v = (v << BigInt(8)) | BigInt(Number(p));
  }
  return v;
}

function parse6(s: string): bigint | undefined {
  if (s.length > 45 || s.includes('%')) return undefined;
  let t = s;
  let tail4: bigint | undefined;
  const lc = t.lastIndexOf(':');
  if (t.slice(lc + 1).includes('.')) {
    // A trailing dotted quad stands for the last two groups.
    tail4 = parse4(t.slice(lc + 1));
    if (tail4 === undefined) return undefined;
    t = t.slice(0, lc + 1);
    if (!t.endsWith('::')) t = t.slice(0, -1);
  }
  const want = tail4 === undefined ? 8 : 6;
  const parts = t.split('::');
  if (parts.length > 2) return undefined;
  const left = parts[0] === '' ? [] : parts[0].split(':');
  const right = parts.length === 2 && parts[1] !== '' ? parts[1].split(':') : [];
  let groups: string[];
  if (parts.length === 2) {
    const fill = want - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...Array<string>(fill).fill('0'), ...right];
  } else {
    groups = left;
    if (groups.length !== want) return undefined;
  }
  let v = BigInt(0);
  for (const g of groups) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
    v = (v << BigInt(16)) | BigInt(parseInt(g, 16));
  }
  return tail4 === undefined ? v : (v << BigInt(32)) | tail4;
}

/** Parses an IP address like the API server; undefined when it is not one (or IPv4-mapped IPv6). */
export function parseIp(s: string): Addr | undefined {
  if (s.length > 64) return undefined;
  if (!s.includes(':')) {
    const v = parse4(s);
    return v === undefined ? undefined : { family: 4, bits: v };
  }
  const v = parse6(s);
  if (v === undefined) return undefined;
  if (v >> BigInt(32) === BigInt(0xffff)) return undefined; // IPv4-mapped (::ffff:a.b.c.d)
  return { family: 6, bits: v };
}

/** Canonical text: dotted quad, or RFC 5952 IPv6. */
export function formatIp(a: Addr): string {
  if (a.family === 4) return [24, 16, 8, 0].map((s) => String(Number((a.bits >> BigInt(s)) & BigInt(255)))).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((a.bits >> BigInt(112 - 16 * i)) & BigInt(0xffff)));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export interface Cidr {
  readonly addr: Addr;
  readonly prefix: number;
}

export function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(s);
  if (!m) return undefined;
  const addr = parseIp(m[1]);
  const prefix = Number(m[2]);
  if (!addr || prefix > (addr.family === 4 ? 32 : 128)) return undefined;
  return { addr, prefix };
}

function width(a: Addr): number {
  return a.family === 4 ? 32 : 128;
}

function masked(c: Cidr): Addr {
  const w = width(c.addr);
  const mask = ((BigInt(1) << BigInt(w)) - BigInt(1)) ^ ((BigInt(1) << BigInt(w - c.prefix)) - BigInt(1));
  return { family: c.addr.family, bits: c.addr.bits & mask };
}

function contains(c: Cidr, a: Addr): boolean {
  return a.family === c.addr.family && masked({ addr: a, prefix: c.prefix }).bits === masked(c).bits;
}

const makeIp = (a: Addr) => create(IP_TYPE, { value: formatIp(a) } as never) as never;
const makeCidr = (c: Cidr) => create(CIDR_TYPE, { value: `${formatIp(c.addr)}/${c.prefix}` } as never) as never;
const ipOf = (m: unknown): Addr => parseIp(String((m as { get(f: unknown): unknown }).get(IP_TYPE.fields[0])))!;
const cidrOf = (m: unknown): Cidr => parseCidr(String((m as { get(f: unknown): unknown }).get(CIDR_TYPE.fields[0])))!;

function need<T>(v: T | undefined, s: string, what: string): T {
  if (v === undefined) throw new Error(`${JSON.stringify(s)} is not a valid ${what}`);
  return v;
}

const inRange = (a: Addr, cidr: string) => contains(parseCidr(cidr)!, a);

export const K8S_IP_FUNCS = [
  celFunc('ip', [STRING], IPT, (s: string) => makeIp(need(parseIp(s), s, 'IP address'))),
  celFunc('isIP', [STRING], BOOL, (s: string) => parseIp(s) !== undefined),
  celFunc('ip.isCanonical', [STRING], BOOL, (s: string) => formatIp(need(parseIp(s), s, 'IP address')) === s),
  celMethod('family', IPT, [], INT, function family(this: unknown) {
    return BigInt(ipOf(this).family);
  }),
  celMethod('isUnspecified', IPT, [], BOOL, function isUnspecified(this: unknown) {
    return ipOf(this).bits === BigInt(0);
  }),
  celMethod('isLoopback', IPT, [], BOOL, function isLoopback(this: unknown) {
    const a = ipOf(this);
    return a.family === 4 ? inRange(a, '127.0.0.0/8') : a.bits === BigInt(1);
  }),
  celMethod('isLinkLocalMulticast', IPT, [], BOOL, function isLinkLocalMulticast(this: unknown) {
    const a = ipOf(this);
    return a.family === 4 ? inRange(a, '224.0.0.0/24') : inRange(a, 'ff02::/16');
  }),
  celMethod('isLinkLocalUnicast', IPT, [], BOOL, function isLinkLocalUnicast(this: unknown) {
    const a = ipOf(this);
    return a.family === 4 ? inRange(a, '169.254.0.0/16') : inRange(a, 'fe80::/10');
  }),
  celMethod('isGlobalUnicast', IPT, [], BOOL, function isGlobalUnicast(this: unknown) {
    // Go netip IsGlobalUnicast: not unspecified, loopback, multicast, link-local, or the IPv4 broadcast address.
    const a = ipOf(this);
    if (a.bits === BigInt(0)) return false;
    if (a.family === 4) return !inRange(a, '127.0.0.0/8') && !inRange(a, '224.0.0.0/4') && !inRange(a, '169.254.0.0/16') && a.bits !== BigInt(0xffffffff);
    return a.bits !== BigInt(1) && !inRange(a, 'ff00::/8') && !inRange(a, 'fe80::/10');
  }),
  celFunc('cidr', [STRING], CIDRT, (s: string) => makeCidr(need(parseCidr(s), s, 'CIDR'))),
  celFunc('isCIDR', [STRING], BOOL, (s: string) => parseCidr(s) !== undefined),
  celMethod('containsIP', CIDRT, [IPT], BOOL, function containsIP(this: unknown, ip: unknown) {
    return contains(cidrOf(this), ipOf(ip));
  }),
  celMethod('containsIP', CIDRT, [STRING], BOOL, function containsIPString(this: unknown, ip: string) {
    return contains(cidrOf(this), need(parseIp(ip), ip, 'IP address'));
  }),
  celMethod('containsCIDR', CIDRT, [CIDRT], BOOL, function containsCIDR(this: unknown, o: unknown) {
    const c = cidrOf(this);
    const d = cidrOf(o);
    return d.prefix >= c.prefix && contains(c, d.addr);
  }),
  celMethod('containsCIDR', CIDRT, [STRING], BOOL, function containsCIDRString(this: unknown, o: string) {
    const c = cidrOf(this);
    const d = need(parseCidr(o), o, 'CIDR');
    return d.prefix >= c.prefix && contains(c, d.addr);
  }),
  celMethod('ip', CIDRT, [], IPT, function cidrIp(this: unknown) {
    return makeIp(cidrOf(this).addr);
  }),
  celMethod('masked', CIDRT, [], CIDRT, function cidrMasked(this: unknown) {
    const c = cidrOf(this);
    return makeCidr({ addr: masked(c), prefix: c.prefix });
  }),
  celMethod('prefixLength', CIDRT, [], INT, function prefixLength(this: unknown) {
    return BigInt(cidrOf(this).prefix);
  }),
];
