import { celFunc, celMethod, CelScalar, listType, mapType, objectType } from '@bufbuild/cel';
import { create, createFileRegistry, DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/**
 * The Kubernetes URL library of CEL (https://kubernetes.io/docs/reference/using-api/cel/,
 * "Kubernetes URL library"): `url(s)`, `isURL(s)`, and on a URL `getScheme()`, `getHost()`,
 * `getHostname()`, `getPort()`, `getEscapedPath()`, `getQuery()`.
 *
 * Like the API server (Go's `url.ParseRequestURI`), a URL is an absolute URI
 * (`scheme:[//[userinfo@]host[:port]]path[?query]`) or an absolute path (`/path[?query]`); there
 * is no fragment (a `#` belongs to the path or query). Nothing is normalized: `getHost()` keeps
 * the port and IPv6 brackets, `getHostname()` drops both, `getEscapedPath()` is the path as
 * written when it is validly escaped and the escaped path otherwise, `getQuery()` maps each key to
 * its values in order (`+` and `%XX` decoded; pairs with invalid escapes or a `;` are dropped).
 */

const file = create(FileDescriptorProtoSchema, {
  name: 'mgmt-synth/kubernetes_cel_url.proto',
  package: 'kubernetes.cel',
  syntax: 'proto3',
  messageType: [{ name: 'URL', field: [{ name: 'value', number: 1, type: 9 /* TYPE_STRING */, label: 1, jsonName: 'value' }] }],
});
export const URL_TYPE: DescMessage = createFileRegistry(file, () => undefined).getMessage('kubernetes.cel.URL')!;
const VALUE = URL_TYPE.fields[0];
const U = objectType(URL_TYPE);
const { BOOL, STRING } = CelScalar;

export interface ParsedUrl {
  readonly scheme: string;
  readonly host: string;
  readonly path: string;
  readonly query: string;
}

const ESCAPE_OK = /^(?:[A-Za-z0-9\-_.~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

function unescape(s: string, plusIsSpace: boolean): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  try {
    return decodeURIComponent((plusIsSpace ? s.replace(/\+/g, ' ') : s).replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    return undefined;
  }
}

/** Parses like Go's url.ParseRequestURI; undefined when the text is not a URL. */
export function parseUrl(text: string): ParsedUrl | undefined {
  if (text === '' || text.length > 8192 || /[\x00-\x1f\x7f]/.test(text)) return undefined;
  let rest = text;
  let scheme = '';
  let host = '';
  if (!rest.startsWith('/')) {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(rest);
    if (!m) return undefined;
    scheme = m[1];
    rest = m[2];
    if (rest.startsWith('//')) {
      const end = rest.slice(2).search(/[/?]/);
      const authority = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
      rest = end < 0 ? '' : rest.slice(2 + end);
      host = authority.slice(authority.lastIndexOf('@') + 1);
      const hm = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s/]*)(:\d*)?$/.exec(host);
      if (!hm) return undefined;
    } else if (!rest.startsWith('/')) {
      // An opaque URI (`mailto:x`): no host, no path.
      const q = rest.indexOf('?');
      return { scheme, host: '', path: '', query: q < 0 ? '' : rest.slice(q + 1) };
    }
  }
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  if (unescape(path, false) === undefined) return undefined;
  return { scheme, host, path, query: q < 0 ? '' : rest.slice(q + 1) };
}

function hostname(host: string): string {
  const m = /^\[([^\]]*)\](:\d*)?$/.exec(host);
  if (m) return m[1];
  const i = host.lastIndexOf(':');
  return i < 0 ? host : host.slice(0, i);
}

function port(host: string): string {
  const m = /:(\d*)$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']') + 1) : host);
  return m ? m[1] : '';
}

function escapedPath(path: string): string {
  if (ESCAPE_OK.test(path)) return path;
  const decoded = unescape(path, false) ?? path;
  return decoded.replace(/[^A-Za-z0-9\-_.~!$&'()*+,;=:@/]/gu, (c) => encodeURIComponent(c));
}

function queryMap(query: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pair of query.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const i = pair.indexOf('=');
    const k = unescape(i < 0 ? pair : pair.slice(0, i), true);
    const v = unescape(i < 0 ? '' : pair.slice(i + 1), true);
    if (k === undefined || v === undefined) continue;
    (out[k] ??= []).push(v);
  }
  return out;
}

function valueOf(m: unknown): ParsedUrl {
  return parseUrl(String((m as { get(f: unknown): unknown }).get(VALUE)))!;
}

export const K8S_URL_FUNCS = [
  celFunc('url', [STRING], U, (s: string) => {
    if (!parseUrl(s)) throw new Error(`URL parse error during conversion from string: ${JSON.stringify(s)} is not an absolute URI or an absolute path`);
    return create(URL_TYPE, { value: s } as never) as never;
  }),
  celFunc('isURL', [STRING], BOOL, (s: string) => parseUrl(s) !== undefined),
  celMethod('getScheme', U, [], STRING, function getScheme(this: unknown) {
    return valueOf(this).scheme;
  }),
  celMethod('getHost', U, [], STRING, function getHost(this: unknown) {
    return valueOf(this).host;
  }),
  celMethod('getHostname', U, [], STRING, function getHostname(this: unknown) {
    return hostname(valueOf(this).host);
  }),
  celMethod('getPort', U, [], STRING, function getPort(this: unknown) {
    return port(valueOf(this).host);
  }),
  celMethod('getEscapedPath', U, [], STRING, function getEscapedPath(this: unknown) {
    return escapedPath(valueOf(this).path);
  }),
  celMethod('getQuery', U, [], mapType(STRING, listType(STRING)), function getQuery(this: unknown) {
    return new Map(Object.entries(queryMap(valueOf(this).query))) as never;
  }),
];
