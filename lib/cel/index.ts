import { celEnv, CelEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { create, createRegistry } from '@bufbuild/protobuf';
import { DurationSchema, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { K8S_LIST_FUNCS, K8S_REGEX_FUNCS } from './k8s';
import { K8S_QUANTITY_FUNCS, QUANTITY } from './quantity';
import { K8S_SEMVER_FUNCS, SEMVER } from './semver';
import { K8S_URL_FUNCS, URL_TYPE } from './url';
import { CIDR_TYPE, IP_TYPE, K8S_IP_FUNCS } from './ip';

/**
 * `x-kubernetes-validations` (CEL) of CRD schemas, evaluated offline with Kubernetes semantics:
 *
 * - a rule is attached to the schema node that declares it, and `self` is the value at that node
 *   (also inside `items` and `additionalProperties`, once per element / entry);
 * - rules are only evaluated where the value is present; the schema's `default`s are applied first
 *   (the API server defaults before it validates);
 * - `integer` values are CEL `int`, `number` values `double` (the structural schema types them);
 * - transition rules (rules that use `oldSelf`) are evaluated only when an old value exists at the
 *   same place (properties and map entries correlate by key, `x-kubernetes-list-type: map` lists
 *   by their `x-kubernetes-list-map-keys`; other lists never correlate), i.e. on update;
 * - the violation carries the rule's `message`, or its `messageExpression` when that evaluates to
 *   a non-empty string, or `failed rule: <rule>` (the API server's wording) otherwise;
 * - a rule that fails to evaluate (e.g. `no such key`) rejects the object, like the API server.
 *
 * Semantics: k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/validation.go (Kubernetes
 * v1.31), and https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules
 *
 * The CEL core (parser, evaluator, standard functions, `has()`, `size()`, the `strings`
 * extension) is @bufbuild/cel; the Kubernetes list and regex libraries are in ./k8s.ts, the
 * quantity, semver, URL and IP/CIDR libraries in ./quantity.ts, ./semver.ts, ./url.ts and
 * ./ip.ts. The `format` library (it needs CEL optional types) is not provided: no
 * rule of the CRDs in ../shared uses any Kubernetes library (see `functionsOf` and
 * test/cel.test.ts, which fails when a rule calls a function beyond has/size).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One entry of `x-kubernetes-validations`. */
export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
  readonly optionalOldSelf?: boolean;
}

/** A rule and the schema node that declares it. */
export interface RuleSite {
  /** Schema path of the node: `spec.kubeConfig`, `spec.items[]`, `spec.labels{}`; `''` is the root. */
  readonly path: string;
  readonly rule: ValidationRule;
  /** True when the rule uses `oldSelf` (evaluated only on update). */
  readonly transition: boolean;
}

export interface CelViolation {
  /** Instance path of the value that failed (`spec.kubeConfig`, `spec.list[2]`), `''` for the root. */
  readonly path: string;
  /** Schema path of the declaring node (see RuleSite.path). */
  readonly schemaPath: string;
  readonly rule: string;
  readonly message: string;
  readonly transition: boolean;
  /** True when the rule could not be evaluated (the API server rejects the object then, too). */
  readonly evalError: boolean;
}

type Program = (ctx: Record<string, unknown>) => unknown;

interface Compiled {
  readonly site: RuleSite;
  readonly program?: Program;
  readonly messageProgram?: Program;
  /** Compile error, when the rule does not parse. */
  readonly error?: string;
}

let envCache: CelEnv | undefined;
function env(): CelEnv {
  if (!envCache) envCache = celEnv({ funcs: [...strings, ...K8S_LIST_FUNCS, ...K8S_REGEX_FUNCS, ...K8S_QUANTITY_FUNCS, ...K8S_SEMVER_FUNCS, ...K8S_URL_FUNCS, ...K8S_IP_FUNCS], registry: createRegistry(QUANTITY, SEMVER, URL_TYPE, IP_TYPE, CIDR_TYPE) }); // celEnv adds the well-known types
  return envCache;
}

/** Compiles a CEL expression once; throws with the parse error. */
export function compile(expr: string): Program {
  return plan(env(), parse(expr)) as unknown as Program;
}

/** True when the expression references `oldSelf` (outside string literals). */
export function usesOldSelf(expr: string): boolean {
  const withoutStrings = expr.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
  return /(^|[^A-Za-z0-9_.])oldSelf\b/.test(withoutStrings);
}

/** The function and method names an expression calls (operators excluded), sorted. */
export function functionsOf(expr: string): string[] {
  const out = new Set<string>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) {
      x.forEach(walk);
      return;
    }
    if (typeof x !== 'object' || x === null) return;
    const o = x as Record<string, unknown>;
    if (o.$typeName === 'cel.expr.Expr.Call' && typeof o.function === 'string' && /^[A-Za-z]/.test(o.function)) out.add(o.function);
    for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
  };
  walk(parse(expr));
  return [...out].sort();
}

function rulesAt(node: JsonObject): ValidationRule[] {
  const v = node['x-kubernetes-validations'];
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).filter((r) => typeof r.rule === 'string') as unknown as ValidationRule[];
}

/** Every rule of a schema, with the schema path of its node, in schema order. */
export function rulesOf(schema: unknown, path = ''): RuleSite[] {
  if (!isObject(schema)) return [];
  const out: RuleSite[] = rulesAt(schema).map((rule) => ({ path, rule, transition: usesOldSelf(rule.rule) }));
  if (isObject(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties)) out.push(...rulesOf(v, path ? `${path}.${k}` : k));
  }
  if (isObject(schema.items)) out.push(...rulesOf(schema.items, `${path}[]`));
  if (isObject(schema.additionalProperties)) out.push(...rulesOf(schema.additionalProperties, `${path}{}`));
  return out;
}

function clone<T>(x: T): T {
  return x === undefined ? x : (JSON.parse(JSON.stringify(x)) as T);
}

/**
 * Applies the structural schema's `default`s to a copy of `value`, like the API server does on
 * every request: a missing property with a default gets it (and is then defaulted itself),
 * recursively through properties, items and additionalProperties.
 */
export function applyDefaults(schema: unknown, value: unknown): unknown {
  if (!isObject(schema)) return value;
  if (Array.isArray(value)) return isObject(schema.items) ? value.map((v) => applyDefaults(schema.items, v)) : value;
  if (!isObject(value)) return value;
  const out: JsonObject = { ...value };
  if (isObject(schema.properties)) {
    for (const [k, ps] of Object.entries(schema.properties)) {
      if (!isObject(ps)) continue;
      if (!(k in out) && ps.default !== undefined) out[k] = clone(ps.default);
      if (k in out) out[k] = applyDefaults(ps, out[k]) as Json;
    }
  }
  if (isObject(schema.additionalProperties)) {
    const known = isObject(schema.properties) ? schema.properties : {};
    for (const k of Object.keys(out)) if (!(k in known)) out[k] = applyDefaults(schema.additionalProperties, out[k]) as Json;
  }
  return out;
}

const NS: Record<string, bigint> = { ns: BigInt(1), us: BigInt(1000), 'µs': BigInt(1000), ms: BigInt(1000000), s: BigInt(1000000000), m: BigInt(60000000000), h: BigInt(3600000000000) };

/** A Go duration (`1h30m`, `1.5s`, `-300ms`, `0`) in nanoseconds, or undefined. */
export function parseGoDuration(text: string): bigint | undefined {
  const m = /^([-+]?)(.*)$/.exec(text)!;
  if (m[2] === '0') return BigInt(0);
  if (!/^((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/.test(m[2])) return undefined;
  let total = BigInt(0);
  for (const part of m[2].matchAll(/(\d*)(?:\.(\d*))?(ns|us|µs|ms|s|m|h)/g)) {
    const unit = NS[part[3]];
    const frac = part[2] ?? '';
    total += BigInt(part[1] || '0') * unit + (frac ? (BigInt(frac) * unit) / BigInt(10) ** BigInt(frac.length) : BigInt(0));
  }
  return m[1] === '-' ? -total : total;
}

/**
 * The value as CEL sees it (Kubernetes CRD validation rules, "Type checking"): `integer` (and
 * int-or-string ints) → int (bigint), `number` → double, strings of format `date-time`/`date` →
 * timestamp, `duration` → duration, `byte` → bytes, lists, maps.
 */
export function toCel(schema: unknown, value: unknown): unknown {
  const s = isObject(schema) ? schema : {};
  if (typeof value === 'string' && s.type === 'string' && typeof s.format === 'string') {
    if (s.format === 'date-time' || s.format === 'date') {
      const d = new Date(value);
      if (!Number.isNaN(d.getTime())) return timestampFromDate(d);
    } else if (s.format === 'duration') {
      const ns = parseGoDuration(value);
      if (ns !== undefined) return create(DurationSchema, { seconds: ns / BigInt(1000000000), nanos: Number(ns % BigInt(1000000000)) });
    } else if (s.format === 'byte' && /^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      return new Uint8Array(Buffer.from(value, 'base64'));
    }
    return value;
  }
  if (typeof value === 'number') {
    const intTyped = s.type === 'integer' || (s['x-kubernetes-int-or-string'] === true && Number.isInteger(value)) || (s.type === undefined && Number.isInteger(value));
    return intTyped && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => toCel(s.items, v));
  if (isObject(value)) {
    const props = isObject(s.properties) ? s.properties : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(props[k] ?? s.additionalProperties, v);
    return out;
  }
  return value;
}

/** At the root, rules see only `metadata.name` and `metadata.generateName` (Kubernetes CRD validation rules). */
function rootView(value: unknown): unknown {
  if (!isObject(value) || !isObject(value.metadata)) return value;
  const m: JsonObject = {};
  for (const k of ['name', 'generateName']) if (value.metadata[k] !== undefined) m[k] = value.metadata[k];
  return { ...value, metadata: m };
}

function describeError(r: unknown): string {
  const m = r instanceof Error ? r.message : String(r);
  return m.split('\n')[0];
}

/** The compiled rules of one schema (one CRD version). Compile once, validate many objects. */
export class CelSchema {
  /** Rules by schema node (identity). */
  private readonly byNode = new Map<JsonObject, Compiled[]>();
  /** Schema nodes that have a rule at or below them. */
  private readonly active = new Set<JsonObject>();
  public readonly sites: RuleSite[] = [];

  constructor(public readonly schema: JsonObject) {
    this.index(schema, '');
  }

  /** Rules that do not compile (a CRD bug: the API server would refuse the CRD). */
  public get compileErrors(): { site: RuleSite; error: string }[] {
    const out: { site: RuleSite; error: string }[] = [];
    for (const cs of this.byNode.values()) for (const c of cs) if (c.error) out.push({ site: c.site, error: c.error });
    return out;
  }

  private index(node: JsonObject, path: string): boolean {
    let any = false;
    const rules = rulesAt(node);
    if (rules.length > 0) {
      const compiled = rules.map((rule): Compiled => {
        const site: RuleSite = { path, rule, transition: usesOldSelf(rule.rule) };
        this.sites.push(site);
        try {
          const program = compile(rule.rule);
          let messageProgram: Program | undefined;
          if (rule.messageExpression) messageProgram = compile(rule.messageExpression);
          return { site, program, messageProgram };
        } catch (e) {
          return { site, error: describeError(e) };
        }
      });
      this.byNode.set(node, compiled);
      any = true;
    }
    if (isObject(node.properties)) {
      for (const [k, v] of Object.entries(node.properties)) if (isObject(v) && this.index(v, path ? `${path}.${k}` : k)) any = true;
    }
    if (isObject(node.items) && this.index(node.items, `${path}[]`)) any = true;
    if (isObject(node.additionalProperties) && this.index(node.additionalProperties, `${path}{}`)) any = true;
    if (any) this.active.add(node);
    return any;
  }

  /** True when the schema has any rule at all. */
  public get hasRules(): boolean {
    return this.sites.length > 0;
  }

  /**
   * Evaluates every rule on `obj` (after defaulting). With `old`, the object is an update of
   * `old` and transition rules run too; without it, only the other rules (a create).
   * `transitionOnly` limits the result to transition rules (what `diff` reports).
   */
  public validate(obj: unknown, old?: unknown, opts: { transitionOnly?: boolean } = {}): CelViolation[] {
    if (!this.hasRules) return [];
    const out: CelViolation[] = [];
    const cur = applyDefaults(this.schema, obj);
    const prev = old === undefined ? undefined : applyDefaults(this.schema, old);
    this.walk(this.schema, cur, prev, old !== undefined, '', '', opts.transitionOnly === true, out);
    return out;
  }

  private walk(node: JsonObject, value: unknown, old: unknown, hasOld: boolean, path: string, schemaPath: string, transitionOnly: boolean, out: CelViolation[]): void {
    if (value === undefined || !this.active.has(node)) return;
    const compiled = this.byNode.get(node);
    if (compiled && value !== null) {
      let self: unknown;
      let oldSelf: unknown;
      for (const c of compiled) {
        if (c.site.transition && !hasOld) continue;
        if (transitionOnly && !c.site.transition) continue;
        if (c.error || !c.program) {
          out.push({ path, schemaPath, rule: c.site.rule.rule, message: `the rule does not compile: ${c.error}`, transition: c.site.transition, evalError: true });
          continue;
        }
        if (self === undefined) self = toCel(node, path === '' ? rootView(value) : value);
        const vars: Record<string, unknown> = { self };
        if (c.site.transition) {
          if (oldSelf === undefined) oldSelf = toCel(node, path === '' ? rootView(old) : old);
          vars.oldSelf = oldSelf;
        }
        let r: unknown;
        try {
          r = c.program(vars);
        } catch (e) {
          r = e;
        }
        if (r === true) continue;
        const evalError = isCelError(r) || r instanceof Error || typeof r !== 'boolean';
        let message = c.site.rule.message || `failed rule: ${c.site.rule.rule}`;
        if (evalError) {
          message = isCelError(r) || r instanceof Error ? `the rule could not be evaluated: ${describeError(r)}` : `the rule returned ${String(r)}, not a bool`;
        } else if (c.messageProgram) {
          let m: unknown;
          try {
            m = c.messageProgram(vars);
          } catch {
            m = undefined; // the API server falls back to `message` when messageExpression fails
          }
          if (typeof m === 'string' && m.trim() !== '') message = m;
        }
        const at = c.site.rule.fieldPath ? `${path}${c.site.rule.fieldPath.startsWith('.') || c.site.rule.fieldPath.startsWith('[') || !path ? '' : '.'}${c.site.rule.fieldPath}`.replace(/^\./, '') : path;
        out.push({ path: at, schemaPath, rule: c.site.rule.rule, message, transition: c.site.transition, evalError });
      }
    }
    if (Array.isArray(value)) {
      if (!isObject(node.items)) return;
      const keys = node['x-kubernetes-list-type'] === 'map' && Array.isArray(node['x-kubernetes-list-map-keys']) ? (node['x-kubernetes-list-map-keys'] as string[]) : undefined;
      const olds = hasOld && Array.isArray(old) && keys ? old : [];
      value.forEach((v, i) => {
        const match = keys ? olds.find((o) => isObject(o) && isObject(v) && keys.every((k) => JSON.stringify(o[k]) === JSON.stringify(v[k]))) : undefined;
        this.walk(node.items as JsonObject, v, match, match !== undefined, `${path}[${i}]`, `${schemaPath}[]`, transitionOnly, out);
      });
      return;
    }
    if (!isObject(value)) return;
    const oldObj = hasOld && isObject(old) ? old : undefined;
    const props = isObject(node.properties) ? node.properties : {};
    for (const [k, ps] of Object.entries(props)) {
      if (!isObject(ps) || !(k in value)) continue;
      this.walk(ps, value[k], oldObj?.[k], oldObj !== undefined && k in oldObj, path ? `${path}.${k}` : k, schemaPath ? `${schemaPath}.${k}` : k, transitionOnly, out);
    }
    if (isObject(node.additionalProperties)) {
      for (const k of Object.keys(value)) {
        if (k in props) continue;
        this.walk(node.additionalProperties, value[k], oldObj?.[k], oldObj !== undefined && k in oldObj, `${path}[${JSON.stringify(k)}]`, `${schemaPath}{}`, transitionOnly, out);
      }
    }
  }
}
