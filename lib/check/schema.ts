import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CelSchema, CelViolation } from '../cel';
import { parseYamlDocsCached } from './parse-cache';
import { isObject, isYamlFile, JsonObject, str, asArray, groupOf, versionOf } from './tree';

/**
 * Validates custom resources against the `openAPIV3Schema` of their CRDs, strictly like an API
 * server with strict field validation: unknown fields, enums, patterns, required fields and types
 * are errors, and an apiVersion the CRD does not serve (e.g. a removed `v2beta1`) is an error.
 *
 * Schemas are compiled lazily, once per group/version/kind, with ajv.
 */

/** Formats Kubernetes uses that ajv-formats does not know (or knows differently): accepted as-is. */
const K8S_FORMATS = ['int32', 'int64', 'byte', 'duration', 'quantity', 'float', 'double', 'password', 'binary', 'int-or-string', 'date-time-rfc3339'];
/** Formats whose ajv-formats check matches Kubernetes. */
const CHECKED_FORMATS = new Set(['date-time', 'date', 'time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uuid', 'uri-reference', 'regex']);

interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly schema?: JsonObject;
}

interface CrdKind {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly scope: 'Cluster' | 'Namespaced';
  readonly versions: Map<string, CrdVersion>;
  /** Where the CRD came from (file path). */
  readonly source: string;
}

export type SchemaResult =
  | { readonly status: 'ok' }
  | { readonly status: 'no-crd' }
  | { readonly status: 'invalid'; readonly errors: string[]; readonly fix: string };

export class SchemaRegistry {
  /** Loads every CRD in the given directories or files (`.yaml`, `.yml`, `.json`), recursively. */
  public static fromPaths(paths: readonly string[]): SchemaRegistry {
    const reg = new SchemaRegistry();
    for (const p of paths) reg.addPath(p);
    return reg;
  }

  private readonly kinds = new Map<string, CrdKind>(); // `${group}/${kind}`
  private readonly groups = new Map<string, Set<string>>(); // group → kinds
  private readonly compiled = new Map<string, ValidateFunction | Error>();
  private readonly celCompiled = new Map<string, CelSchema | null>();
  private ajv: Ajv | undefined;
  private readonly extraFormats = new Set<string>();
  private readonly pending = new Map<string, { text: string; source: string; parsed: boolean }[]>();
  private chunks = 0;

  /** True when no CRD was loaded at all. */
  public get empty(): boolean {
    return this.chunks === 0 && this.kinds.size === 0;
  }

  public addPath(p: string): void {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) this.addPath(path.join(p, e));
      return;
    }
    if (!isYamlFile(p) && !p.endsWith('.json')) return;
    this.addText(fs.readFileSync(p, 'utf8'), p);
  }

  /**
   * Adds every CRD found in a YAML/JSON text (plain CRDs, or `kind: List` from `kubectl get crd -o
   * yaml`). Parsing is lazy: documents are indexed by the API groups they may define (a cheap
   * text scan) and parsed only when an object of one of those groups is looked up.
   */
  public addText(text: string, source: string): void {
    if (!text.includes('CustomResourceDefinition')) return;
    const chunks = source.endsWith('.json') ? [text] : text.split(/^---[ \t]*$/m);
    for (const chunk of chunks) {
      if (!chunk.includes('CustomResourceDefinition')) continue;
      const pending = { text: chunk, source, parsed: false };
      this.chunks++;
      const groups = new Set<string>();
      for (const m of chunk.matchAll(/^[ \t]*"?group"?:[ \t]*["']?([a-z0-9][a-z0-9.-]*)["']?,?[ \t]*$/gm)) groups.add(m[1]);
      for (const g of groups) {
        if (!this.pending.has(g)) this.pending.set(g, []);
        this.pending.get(g)!.push(pending);
      }
    }
  }

  /** Parses the documents that may define `group`. */
  private ensure(group: string): void {
    const list = this.pending.get(group);
    if (!list) return;
    this.pending.delete(group);
    for (const chunk of list) {
      if (chunk.parsed) continue;
      chunk.parsed = true;
      for (const doc of parseYamlDocsCached(chunk.text).docs) {
        if (!isObject(doc.value)) continue;
        const items = doc.value.kind === 'List' || doc.value.kind === 'CustomResourceDefinitionList' ? asArray(doc.value.items) : [doc.value];
        for (const item of items) if (isObject(item) && item.kind === 'CustomResourceDefinition') this.addCrd(item, chunk.source);
      }
    }
  }

  /** Adds one CustomResourceDefinition object (apiextensions.k8s.io/v1). */
  public addCrd(crd: JsonObject, source: string): void {
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const group = str(spec.group);
    const kind = str(names.kind);
    if (!group || !kind) return;
    const versions = new Map<string, CrdVersion>();
    for (const v of asArray(spec.versions)) {
      if (!isObject(v) || !str(v.name)) continue;
      const schema = isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : isObject(spec.validation) && isObject(spec.validation.openAPIV3Schema) ? spec.validation.openAPIV3Schema : undefined;
      versions.set(v.name as string, { name: v.name as string, served: v.served !== false, schema });
    }
    const key = `${group}/${kind}`;
    this.kinds.set(key, {
      group,
      kind,
      plural: str(names.plural) ?? kind.toLowerCase(),
      scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
      versions,
      source,
    });
    for (const k of [...this.compiled.keys()]) if (k.startsWith(`${key}/`)) this.compiled.delete(k);
    for (const k of [...this.celCompiled.keys()]) if (k.startsWith(`${key}/`)) this.celCompiled.delete(k);
    if (!this.groups.has(group)) this.groups.set(group, new Set());
    this.groups.get(group)!.add(kind);
  }

  public hasGroup(group: string): boolean {
    this.ensure(group);
    return this.groups.has(group);
  }

  public hasKind(group: string, kind: string): boolean {
    this.ensure(group);
    return this.kinds.has(`${group}/${kind}`);
  }

  /** `Cluster`/`Namespaced` from the CRD, or undefined when the kind is unknown. */
  public scopeOf(group: string, kind: string): 'Cluster' | 'Namespaced' | undefined {
    this.ensure(group);
    return this.kinds.get(`${group}/${kind}`)?.scope;
  }

  /** The served CRD version of an object, if any. */
  private versionFor(obj: JsonObject): { crd: CrdKind; v: CrdVersion } | undefined {
    const apiVersion = str(obj.apiVersion) ?? '';
    const group = groupOf(apiVersion);
    this.ensure(group);
    const crd = this.kinds.get(`${group}/${str(obj.kind) ?? ''}`);
    const v = crd?.versions.get(versionOf(apiVersion));
    return crd && v && v.served ? { crd, v } : undefined;
  }

  /** The compiled CEL rules of an object's CRD version (undefined: no CRD, or no rules). */
  public celFor(obj: JsonObject): { schema: CelSchema; crd: string } | undefined {
    const found = this.versionFor(obj);
    if (!found || !found.v.schema) return undefined;
    const key = `${found.crd.group}/${found.crd.kind}/${found.v.name}`;
    let cel = this.celCompiled.get(key);
    if (cel === undefined) {
      const c = new CelSchema(found.v.schema);
      cel = c.hasRules ? c : null;
      this.celCompiled.set(key, cel);
    }
    return cel ? { schema: cel, crd: `${found.crd.plural}.${found.crd.group} ${found.v.name}` } : undefined;
  }

  /**
   * Evaluates the `x-kubernetes-validations` of the object's CRD (after defaulting). With `old`,
   * the object is an update and transition rules (`oldSelf`) run too.
   */
  public validateCel(obj: JsonObject, old?: JsonObject, opts: { transitionOnly?: boolean } = {}): { crd: string; violations: CelViolation[] } {
    const cel = this.celFor(obj);
    if (!cel) return { crd: '', violations: [] };
    return { crd: cel.crd, violations: cel.schema.validate(obj, old, opts) };
  }

  /** Validates one object. Objects of groups without any loaded CRD give `no-crd`. */
  public validate(obj: JsonObject): SchemaResult {
    const apiVersion = str(obj.apiVersion) ?? '';
    const kind = str(obj.kind) ?? '';
    const group = groupOf(apiVersion);
    const version = versionOf(apiVersion);
    this.ensure(group);
    const kinds = this.groups.get(group);
    if (!kinds) return { status: 'no-crd' };
    const crd = this.kinds.get(`${group}/${kind}`);
    if (!crd) {
      return {
        status: 'invalid',
        errors: [`kind ${kind} is not defined in API group ${group} (its CRDs define ${[...kinds].sort().join(', ')})`],
        fix: `use one of the kinds of ${group}, or load the CRD that defines ${kind} with --crds`,
      };
    }
    const v = crd.versions.get(version);
    if (!v || !v.served) {
      const served = [...crd.versions.values()].filter((x) => x.served).map((x) => x.name);
      return {
        status: 'invalid',
        errors: [`apiVersion ${apiVersion} is not served by the ${crd.plural}.${group} CRD (served: ${served.map((s) => `${group}/${s}`).join(', ') || 'none'}); it was removed or never existed`],
        fix: served.length > 0 ? `change apiVersion to ${group}/${served[served.length - 1]} and adapt the fields to that version` : `load a CRD that serves ${apiVersion}`,
      };
    }
    if (!v.schema) return { status: 'ok' };
    const validate = this.compile(crd, v);
    if (validate instanceof Error) {
      return { status: 'invalid', errors: [`the ${crd.plural}.${group} ${v.name} schema does not compile: ${validate.message}`], fix: `fix the CRD in ${crd.source}` };
    }
    if (validate(obj)) return { status: 'ok' };
    const errors = formatAjvErrors(validate.errors ?? [], obj);
    if (errors.length === 0) return { status: 'ok' };
    return { status: 'invalid', errors, fix: `correct the fields against the ${crd.plural}.${group} ${v.name} schema (kubectl explain ${crd.plural}.spec --api-version=${group}/${v.name})` };
  }

  private compile(crd: CrdKind, v: CrdVersion): ValidateFunction | Error {
    const key = `${crd.group}/${crd.kind}/${v.name}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    let result: ValidateFunction | Error;
    try {
      const schema = strictify(v.schema as JsonObject, true, this.extraFormats);
      const ajv = this.getAjv();
      for (const f of this.extraFormats) if (!ajv.formats[f]) ajv.addFormat(f, true);
      result = ajv.compile(schema);
    } catch (e) {
      result = e as Error;
    }
    this.compiled.set(key, result);
    return result;
  }

  private getAjv(): Ajv {
    if (!this.ajv) {
      const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false });
      addFormats(ajv, [...CHECKED_FORMATS] as never);
      for (const f of K8S_FORMATS) ajv.addFormat(f, true);
      this.ajv = ajv;
    }
    return this.ajv;
  }
}

/**
 * Makes a structural schema strict the way the API server is: every object with `properties`
 * (and without `x-kubernetes-preserve-unknown-fields`) rejects unknown fields;
 * `x-kubernetes-int-or-string` becomes integer|string; patterns JS cannot compile are dropped.
 */
export function strictify(schema: JsonObject, root: boolean, formats: Set<string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && isObject(v)) {
      const props: JsonObject = {};
      for (const [pk, pv] of Object.entries(v)) props[pk] = isObject(pv) ? strictify(pv, false, formats) : pv;
      out.properties = props;
    } else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && isObject(v)) {
      out[k] = strictify(v, false, formats);
    } else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = v.map((s) => (isObject(s) ? strictify(s, false, formats) : s));
    } else if (k === 'pattern' && typeof v === 'string') {
      try {
        new RegExp(v, 'u');
        out.pattern = v;
      } catch {
        // RE2 syntax JS cannot compile: skip the pattern rather than reject the object.
      }
    } else if (k === 'format' && typeof v === 'string') {
      out.format = v;
      if (!CHECKED_FORMATS.has(v) && !K8S_FORMATS.includes(v)) formats.add(v);
    } else if (k === 'default' || k === 'example' || k === 'description') {
      // not validation keywords: dropped (keeps ajv from checking defaults)
    } else {
      out[k] = v;
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (root && isObject(out.properties)) {
    // The root always accepts the standard fields, even when a CRD forgets to declare them.
    const props = out.properties;
    for (const f of ['apiVersion', 'kind']) if (!props[f]) props[f] = { type: 'string' };
    if (!props.metadata) props.metadata = { type: 'object' };
  }
  if (isObject(out.properties) && out['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function jsonPointerToPath(pointer: string): string {
  if (!pointer) return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
    .join('')
    .replace(/^\./, '');
}

function valueAt(obj: unknown, pointer: string): unknown {
  let cur: unknown = obj;
  for (const seg of pointer.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function formatAjvErrors(errors: ErrorObject[], obj: unknown): string[] {
  // Errors inside an anyOf branch (int-or-string) are summarized by the anyOf error itself.
  const filtered = errors.filter((e) => !/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath));
  const out: string[] = [];
  for (const e of filtered) {
    const value = valueAt(obj, e.instancePath);
    // A value still holding a `${var}` is reported by the substitution rule, not here.
    if (typeof value === 'string' && value.includes('${')) continue;
    const where = jsonPointerToPath(e.instancePath);
    let msg: string;
    switch (e.keyword) {
      case 'additionalProperties':
        msg = `${where}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
        break;
      case 'enum':
        msg = `${where}: ${JSON.stringify(value)} is not one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((x) => JSON.stringify(x)).join(', ')}`;
        break;
      case 'pattern':
        msg = `${where}: ${JSON.stringify(value)} does not match pattern ${(e.params as { pattern: string }).pattern}`;
        break;
      case 'required':
        msg = `${where}: missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case 'type':
        msg = `${where}: ${JSON.stringify(value)} must be ${(e.params as { type: string }).type}`;
        break;
      default:
        msg = `${where}: ${e.message ?? e.keyword}`;
    }
    out.push(msg);
  }
  return [...new Set(out)].sort();
}
