import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { parsePlainYaml } from '../config/fast-yaml';
import { boundedToJS, DEFAULT_LIMITS, parseBoundedYaml, withinLimits } from '../yaml-bounds';
import { byKey } from '../order';

/** Folders never read into a tree. */
const SKIP_DIRS = new Set(['.git', 'node_modules']);

/**
 * Reads every file below `dir` into memory (paths relative to `dir`, POSIX separators).
 * Binary files are kept as (lossy) UTF-8; the rules only look at YAML and text.
 */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(path.join(abs, e.name), rel ? `${rel}/${e.name}` : e.name);
      } else if (e.isFile()) {
        out.set(rel ? `${rel}/${e.name}` : e.name, fs.readFileSync(path.join(abs, e.name), 'utf8'));
      }
    }
  };
  walk(dir, '');
  return new Map([...out.entries()].sort(byKey(([k]) => k)));
}

export function isYamlFile(file: string): boolean {
  return file.endsWith('.yaml') || file.endsWith('.yml');
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

export function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

export interface ParsedDoc {
  /** Position of the document in its file (0-based). */
  readonly index: number;
  readonly value: unknown;
}

export interface ParseResult {
  readonly docs: ParsedDoc[];
  readonly errors: string[];
  /** Mapping keys that occur twice in one mapping (`doc N: key "x"`): the API server and kustomize refuse them. */
  readonly duplicateKeys?: string[];
}

/**
 * Parses a (multi-document) YAML text; empty documents are dropped. The same bounds as synth
 * (lib/yaml-bounds: aliases, depth, keys, nodes); duplicate keys are accepted, the last one wins.
 */
export function parseYamlDocs(text: string): ParseResult {
  // One document in the plain subset (every file the synthesizer writes): no document model.
  const plain = parsePlainYaml(text);
  if (plain !== undefined && withinLimits(plain)) return { docs: plain === null ? [] : [{ index: 0, value: plain }], errors: [] };
  const docs: ParsedDoc[] = [];
  const parsed = parseBoundedYaml(text, 'document', DEFAULT_LIMITS, { allowDuplicateKeys: true });
  if (parsed.problems.length > 0) return { docs, errors: parsed.problems.map((p) => (p.line !== undefined ? `line ${p.line}: ${p.message}` : p.message)) };
  parsed.docs.forEach((doc, index) => {
    const value = boundedToJS(doc) as unknown;
    if (value !== null && value !== undefined) docs.push({ index, value });
  });
  // (the plain-subset reader above returns nothing for a text with a repeated key, so every file
  // that has one comes here)
  const duplicateKeys = parsed.docs.flatMap((doc) => duplicateKeysOf(doc, text));
  return duplicateKeys.length > 0 ? { docs, errors: [], duplicateKeys } : { docs, errors: [] };
}

/** Scalar keys set twice in one mapping of a parsed document (the API server and kustomize refuse them; YAML parsers keep the last). */
export function duplicateKeysOf(doc: YAML.Document, text: string): string[] {
  if (!text.includes(':')) return [];
  const out: string[] = [];
  YAML.visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        if (!YAML.isScalar(k)) continue;
        const id = `${typeof k.value}:${String(k.value)}`;
        if (seen.has(id)) {
          const line = text.slice(0, k.range?.[0] ?? 0).split('\n').length;
          out.push(`line ${line}: key ${JSON.stringify(String(k.value))} is set twice in the same mapping`);
        }
        seen.add(id);
      }
    },
  });
  return out;
}

/** `group` of an apiVersion (`''` for the core group). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export function versionOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? apiVersion : apiVersion.slice(i + 1);
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
export function displayId(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

/** The Kubernetes API groups that are served by every cluster (no CRD needed). */
export const CORE_GROUPS: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Kustomize's own config kinds: `kustomization.yaml` files are not objects. */
export function isKustomizeConfig(apiVersion: string): boolean {
  return groupOf(apiVersion) === 'kustomize.config.k8s.io';
}

/** Cluster-scoped kinds that are known without a CRD (core API plus the CRDs we emit). */
const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'certificates.k8s.io/CertificateSigningRequest',
  'cert-manager.io/ClusterIssuer',
  'templates.gatekeeper.sh/ConstraintTemplate',
  'constraints.gatekeeper.sh/*',
  'mutations.gatekeeper.sh/*',
  'externaldata.gatekeeper.sh/Provider',
  'apps.kommander.d2iq.io/ClusterApp',
  'operator.gardener.cloud/Garden',
  'operator.gardener.cloud/Extension',
]);

/**
 * Scope of a kind: `true` when cluster-scoped, `false` when namespaced, `undefined` when unknown.
 * `crdScope` (from loaded CRDs) wins over the built-in table.
 */
export function isClusterScoped(group: string, kind: string, crdScope?: 'Cluster' | 'Namespaced'): boolean | undefined {
  if (crdScope) return crdScope === 'Cluster';
  if (CLUSTER_SCOPED.has(`${group}/${kind}`) || CLUSTER_SCOPED.has(`${group}/*`)) return true;
  if (CORE_GROUPS.has(group) || group.endsWith('.toolkit.fluxcd.io') || group === 'cert-manager.io') return false;
  return undefined;
}

/** A `${…}` occurrence in a text, as Flux's envsubst sees it. */
export interface VarUse {
  readonly name: string;
  /** True for `${var:=x}`, `${var:-x}`, `${var=x}`, `${var-x}`. */
  readonly hasDefault: boolean;
  /** The whole expression, e.g. `${helmMirrorURL:=https://…}`. */
  readonly expr: string;
}

const VAR_RE = /(\$?)\$\{([^{}]*)\}/g;
const NAME_RE = /^([_a-zA-Z][_a-zA-Z0-9]*)(.*)$/s;

/** Lists the variable uses in `text`, skipping escaped `$${var}`. */
export function findVarUses(text: string): VarUse[] {
  if (!text.includes('${')) return [];
  const out: VarUse[] = [];
  for (const m of text.matchAll(VAR_RE)) {
    if (m[1] === '$') continue; // `$${var}` is an escaped literal
    const inner = m[2];
    const nm = NAME_RE.exec(inner);
    if (!nm) continue;
    const rest = nm[2];
    const hasDefault = rest.startsWith(':=') || rest.startsWith(':-') || rest.startsWith('=') || rest.startsWith('-');
    out.push({ name: nm[1], hasDefault, expr: m[0] });
  }
  return out;
}

/**
 * Applies Flux post-build substitution to `text` the way kustomize-controller does
 * (fluxcd/pkg envsubst v1.7.0, template.go `lookupFunc`: every default operator, `-`, `=`, `:-`,
 * `:=`, maps to `toDefault`, which uses the default when the value is EMPTY or unset; funcs.go
 * `toDefault`): known variables are replaced, defaults apply to unknown or empty ones; `$${var}`
 * becomes `${var}`. Variables whose value is unknown (`undefined` in `vars` but present as a key,
 * e.g. in a SOPS Secret) and unknown variables without a default are left as written (the
 * substitution rule reports them).
 */
export function substitute(text: string, vars: ReadonlyMap<string, string | undefined>): string {
  if (!text.includes('${')) return text;
  return text.replace(VAR_RE, (whole, esc: string, inner: string) => {
    if (esc === '$') return whole.slice(1);
    const nm = NAME_RE.exec(inner);
    if (!nm) return whole;
    const [, name, rest] = nm;
    const known = vars.has(name);
    const value = vars.get(name);
    if (known && value === undefined) return whole;
    let op = '';
    for (const candidate of [':=', ':-', '=', '-']) {
      if (rest.startsWith(candidate)) {
        op = candidate;
        break;
      }
    }
    if (op) {
      const def = rest.slice(op.length);
      return !known || value === '' ? def : (value as string);
    }
    return known ? (value as string) : whole;
  });
}

/**
 * kustomize-controller refuses the whole Kustomization when a variable name does not match this
 * (fluxcd/pkg kustomize/kustomize_varsub.go `varsubRegex` `^[_[:alpha:]][_[:alpha:][:digit:]]*$`:
 * "'<name>' var name is invalid").
 */
export const VAR_NAME_RE = /^[_A-Za-z][_A-Za-z0-9]*$/;

/** Joins repository-relative paths, resolving `.` and `..`; returns undefined when it leaves the root. */
export function joinRepoPath(base: string, rel: string): string | undefined {
  const parts = base ? base.split('/') : [];
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

/** Normalizes a Flux `spec.path` (`./kommander/base`, `kommander/base/`, `./`) to `kommander/base` or `''`. */
export function normalizeFluxPath(p: string): string | undefined {
  return joinRepoPath('', p);
}

export function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '' : file.slice(0, i);
}

export function baseName(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? file : file.slice(i + 1);
}
