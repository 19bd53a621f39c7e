import { createHash } from 'crypto';
import { HELM_GROUP, TreeObject } from './model';
import { RuleContext } from './rules';
import { CORE_GROUPS, isClusterScoped, isObject, JsonObject, str, VAR_NAME_RE } from './tree';
import { Finding } from './types';

/**
 * What the API server (and the Flux controllers) refuse besides the OpenAPI schema:
 * CEL rules, scope, object names per kind, label and annotation syntax, the Helm release name
 * helm-controller computes, duplicate mapping keys, and invalid post-build variable names.
 */

// ---------------------------------------------------------------------------------------------
// Name syntax (k8s.io/apimachinery/pkg/util/validation/validation.go)

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** apimachinery TotalAnnotationSizeLimitB. */
const ANNOTATIONS_LIMIT = 256 * 1024;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

export function isDns1035Label(s: string): boolean {
  return s.length <= 63 && DNS1035_LABEL.test(s);
}

/** `IsQualifiedName`: `[prefix/]name`, prefix a DNS-1123 subdomain, name ≤ 63 characters. Returns the problem, or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name has at most one "/"';
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    if (parts[0] === '') return 'the prefix before "/" is empty';
    if (!isDns1123Subdomain(parts[0])) return `the prefix "${parts[0]}" is not a DNS-1123 subdomain (lower case alphanumerics, "-" and ".", at most 253 characters)`;
  }
  if (name === '') return 'the name part is empty';
  if (name.length > 63) return `the name part is ${name.length} characters long (at most 63)`;
  if (!QUALIFIED_NAME_PART.test(name)) return 'the name part must consist of alphanumerics, "-", "_" or ".", and start and end with an alphanumeric';
  return undefined;
}

/** `IsValidLabelValue`. */
export function labelValueProblem(v: string): string | undefined {
  if (v.length > 63) return `it is ${v.length} characters long (at most 63)`;
  if (v !== '' && !QUALIFIED_NAME_PART.test(v)) return 'it must be empty or consist of alphanumerics, "-", "_" or ".", and start and end with an alphanumeric';
  return undefined;
}

type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

/**
 * The name validation of each kind: Namespace `ValidateNamespaceName` (DNS-1123 label),
 * Service `ValidateServiceName` (DNS-1035 label), RBAC `ValidateRBACName` (path segment), and
 * DNS-1123 subdomain for everything else, custom resources included
 * (k8s.io/kubernetes pkg/apis/core/validation/validation.go, pkg/apis/rbac/validation/validation.go;
 * apiextensions-apiserver pkg/registry/customresource/validator.go uses NameIsDNSSubdomain).
 */
export function nameRuleOf(group: string, kind: string): NameRule {
  if (group === '' && kind === 'Namespace') return 'dns1123-label';
  if (group === '' && kind === 'Service') return 'dns1035-label';
  if (group === 'rbac.authorization.k8s.io' && ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(kind)) return 'path-segment';
  return 'dns1123-subdomain';
}

export function nameProblem(rule: NameRule, name: string): string | undefined {
  switch (rule) {
    case 'dns1123-label':
      return isDns1123Label(name) ? undefined : 'is not a DNS-1123 label (lower case alphanumerics and "-", starting and ending with an alphanumeric, at most 63 characters)';
    case 'dns1035-label':
      return isDns1035Label(name) ? undefined : 'is not a DNS-1035 label (lower case alphanumerics and "-", starting with a letter, at most 63 characters)';
    case 'path-segment':
      return name === '.' || name === '..' ? 'may not be "." or ".."' : /[/%]/.test(name) ? 'may not contain "/" or "%"' : undefined;
    default:
      return isDns1123Subdomain(name) ? undefined : 'is not a DNS-1123 subdomain (lower case alphanumerics, "-" and ".", starting and ending with an alphanumeric, at most 253 characters)';
  }
}

function suggestName(name: string, rule: NameRule): string {
  let s = name.toLowerCase().replace(rule === 'dns1123-subdomain' ? /[^a-z0-9.-]+/g : /[^a-z0-9-]+/g, '-');
  s = s.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (rule === 'dns1035-label') s = s.replace(/^[0-9-]+/, '');
  return s.slice(0, rule === 'dns1123-subdomain' ? 253 : 63).replace(/[^a-z0-9]+$/, '') || 'x';
}

// ---------------------------------------------------------------------------------------------

const uniqueCache = new WeakMap<RuleContext, TreeObject[]>();

/** Each applied object once (an object applied by two stages is checked once, at its first stage). */
function uniqueApplied(ctx: RuleContext): TreeObject[] {
  const cached = uniqueCache.get(ctx);
  if (cached) return cached;
  const seen = new Set<string>();
  const out: TreeObject[] = [];
  for (const o of ctx.model.applied) {
    const k = `${o.file}#${o.doc}#${o.key}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(o);
  }
  uniqueCache.set(ctx, out);
  return out;
}

const hasVar = (s: string) => s.includes('${');

function meta(o: TreeObject): JsonObject {
  return isObject(o.obj.metadata) ? o.obj.metadata : {};
}

/** `x-kubernetes-validations` of the object's CRD, after defaulting (rule `cel`). */
export function ruleCel(ctx: RuleContext): Finding[] {
  const reg = ctx.model.registry;
  if (!reg || reg.empty) return [];
  const out: Finding[] = [];
  for (const o of uniqueApplied(ctx)) {
    if (CORE_GROUPS.has(o.group)) continue;
    const { crd, violations } = reg.validateCel(o.obj);
    for (const v of violations) {
      // A value still holding a `${var}` (unknown at check time, e.g. from a SOPS Secret) is the substitution rule's business.
      if (JSON.stringify(valueAtPath(o.obj, v.schemaPath) ?? '').includes('${')) continue;
      const at = v.path || '(root)';
      out.push({
        rule: 'cel',
        file: o.file,
        object: o.display,
        message: `${at}: ${v.message} (x-kubernetes-validations rule \`${v.rule}\` of the ${crd} CRD)`,
        fix: v.evalError ? `set the fields the rule reads at ${at}, or correct ${at}` : `change ${at} so that \`${v.rule}\` holds`,
      });
    }
  }
  return out;
}

/** The value at a schema path (`spec.kubeConfig`; `[]`/`{}` segments return the whole list/map). */
function valueAtPath(obj: unknown, schemaPath: string): unknown {
  let cur: unknown = obj;
  for (const seg of schemaPath.split('.').filter(Boolean)) {
    const key = seg.replace(/(\[\]|\{\})+$/, '');
    if (!isObject(cur)) return undefined;
    cur = cur[key];
    if (key !== seg) return cur;
  }
  return cur;
}

/** Cluster-scoped objects must not carry a namespace (rule `scope`). */
export function ruleScope(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const o of uniqueApplied(ctx)) {
    const ns = str(meta(o).namespace);
    if (ns === undefined) continue;
    if (isClusterScoped(o.group, o.kind, ctx.model.registry?.scopeOf(o.group, o.kind)) !== true) continue;
    out.push({
      rule: 'scope',
      file: o.file,
      object: o.display,
      message: `${o.kind} is cluster-scoped${ctx.model.registry?.scopeOf(o.group, o.kind) ? ' (scope: Cluster in its CRD)' : ''} but metadata.namespace is "${ns}"; the API server has no ${o.kind} in a namespace`,
      fix: `remove metadata.namespace from ${o.kind} ${o.name}`,
    });
  }
  return out;
}

/** metadata.name per kind, and metadata.namespace as a DNS-1123 label (rule `name`). */
export function ruleNames(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const o of uniqueApplied(ctx)) {
    if (hasVar(o.name)) continue;
    const rule = nameRuleOf(o.group, o.kind);
    const p = nameProblem(rule, o.name);
    if (p) {
      out.push({
        rule: 'name',
        file: o.file,
        object: o.display,
        message: `metadata.name "${o.name}" ${p}; the API server refuses a ${o.kind} with this name`,
        fix: `rename it, e.g. to "${suggestName(o.name, rule)}" (a rename makes Flux prune the old object)`,
      });
    }
    if (o.group === 'apiextensions.k8s.io' && o.kind === 'CustomResourceDefinition') {
      const spec = isObject(o.obj.spec) ? o.obj.spec : {};
      const plural = isObject(spec.names) ? str(spec.names.plural) : undefined;
      const group = str(spec.group);
      if (plural && group && o.name !== `${plural}.${group}`) {
        out.push({
          rule: 'name',
          file: o.file,
          object: o.display,
          message: `a CustomResourceDefinition must be named <spec.names.plural>.<spec.group> ("${plural}.${group}"), not "${o.name}"`,
          fix: `set metadata.name to ${plural}.${group}`,
        });
      }
    }
    if (o.namespace && !hasVar(o.namespace) && !isDns1123Label(o.namespace)) {
      out.push({
        rule: 'name',
        file: o.file,
        object: o.display,
        message: `namespace "${o.namespace}" is not a DNS-1123 label (lower case alphanumerics and "-", at most 63 characters)`,
        fix: `use a valid namespace name, e.g. "${suggestName(o.namespace, 'dns1123-label')}"`,
      });
    }
  }
  return out;
}

/** Label keys and values, annotation keys and the annotations' total size (rule `metadata`). */
export function ruleMetadata(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const o of uniqueApplied(ctx)) {
    const m = meta(o);
    const push = (message: string, fix: string) => out.push({ rule: 'metadata', file: o.file, object: o.display, message, fix });
    if (isObject(m.labels)) {
      for (const [k, v] of Object.entries(m.labels)) {
        if (hasVar(k)) continue;
        const kp = qualifiedNameProblem(k);
        if (kp) push(`label key "${k}" is invalid: ${kp}`, `rename the label key "${k}" (e.g. example.com/${suggestName(k.split('/').pop() ?? k, 'dns1123-label')})`);
        if (typeof v !== 'string') push(`label "${k}" has a ${v === null ? 'null' : typeof v} value; label values are strings`, `quote the value of label "${k}"`);
        else if (!hasVar(v)) {
          const vp = labelValueProblem(v);
          if (vp) push(`the value of label "${k}" ("${v.length > 80 ? `${v.slice(0, 80)}…` : v}") is invalid: ${vp}`, `shorten or change the value of label "${k}", or move it to an annotation`);
        }
      }
    }
    if (isObject(m.annotations)) {
      let size = 0;
      for (const [k, v] of Object.entries(m.annotations)) {
        size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
        if (hasVar(k)) continue;
        const kp = qualifiedNameProblem(k.toLowerCase());
        if (kp) push(`annotation key "${k}" is invalid: ${kp}`, `rename the annotation key "${k}"`);
        if (typeof v !== 'string') push(`annotation "${k}" has a ${v === null ? 'null' : typeof v} value; annotation values are strings`, `quote the value of annotation "${k}"`);
      }
      if (size > ANNOTATIONS_LIMIT) push(`the annotations total ${size} bytes; the API server allows at most ${ANNOTATIONS_LIMIT}`, 'move large annotation values into a ConfigMap');
    }
  }
  return out;
}

/** Helm's release name rule (helm pkg/chartutil/validate_name.go ValidateReleaseName). */
const HELM_RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HELM_RELEASE_MAX = 53;

/**
 * The name helm-controller gives the Helm release: `spec.releaseName`, else
 * `<spec.targetNamespace>-<metadata.name>` when targetNamespace is set, else `metadata.name`
 * (fluxcd/helm-controller v1.6.3 api/v2/helmrelease_types.go `GetReleaseName`), shortened when
 * longer than 53 characters to its first 40 characters, "-" and the first 12 hex digits of its
 * SHA-256 (internal/release/name.go `ShortenName`, applied in internal/action/install.go and
 * upgrade.go).
 */
export function helmReleaseName(hr: { name: string; spec?: unknown }): { computed: string; effective: string } {
  const spec = isObject(hr.spec) ? hr.spec : {};
  const computed = str(spec.releaseName) || (str(spec.targetNamespace) ? `${spec.targetNamespace as string}-${hr.name}` : hr.name);
  if (computed.length <= HELM_RELEASE_MAX) return { computed, effective: computed };
  const sum = createHash('sha256').update(computed).digest('hex');
  return { computed, effective: `${computed.slice(0, HELM_RELEASE_MAX - 13)}-${sum.slice(0, 12)}` };
}

/** Rule `helm-release-name`. */
export function ruleHelmReleaseName(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const o of uniqueApplied(ctx)) {
    if (o.group !== HELM_GROUP || o.kind !== 'HelmRelease') continue;
    const { computed, effective } = helmReleaseName({ name: o.name, spec: o.obj.spec });
    if (hasVar(computed)) continue;
    const spec = isObject(o.obj.spec) ? o.obj.spec : {};
    const from = str(spec.releaseName) ? 'spec.releaseName' : str(spec.targetNamespace) ? '<spec.targetNamespace>-<metadata.name>' : 'metadata.name';
    if (computed !== effective) {
      out.push({
        rule: 'helm-release-name',
        file: o.file,
        object: o.display,
        message: `the Helm release name ${from} = "${computed}" is ${computed.length} characters long (Helm allows ${HELM_RELEASE_MAX}); helm-controller installs it as "${effective}" (shortened with a hash), so chart resources named after the release get that name`,
        fix: `set spec.releaseName to a name of at most ${HELM_RELEASE_MAX} characters (changing it later reinstalls the release)`,
      });
    } else if (!HELM_RELEASE_NAME.test(effective)) {
      out.push({
        rule: 'helm-release-name',
        file: o.file,
        object: o.display,
        message: `the Helm release name ${from} = "${effective}" is not valid for Helm (lower case alphanumerics, "-" and ".", starting and ending with an alphanumeric); the install fails`,
        fix: `set spec.releaseName to a valid name, e.g. "${suggestName(effective, 'dns1123-subdomain')}"`,
      });
    }
  }
  return out;
}

/** Duplicate keys in any YAML file of the tree (rule `yaml`): the API server and kustomize refuse them. */
export function ruleDuplicateKeys(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const [file, res] of ctx.model.parsed) {
    for (const d of res.duplicateKeys ?? []) {
      out.push({
        rule: 'yaml',
        file,
        object: '',
        message: `duplicate mapping key at ${d}; kustomize and the API server refuse the file ("already set in map")`,
        fix: 'keep one of the two entries',
      });
    }
  }
  return out;
}

/**
 * Post-build variable names kustomize-controller accepts (fluxcd/pkg kustomize_varsub.go
 * `varsubRegex`): any other key in postBuild.substitute or in a substituteFrom ConfigMap/Secret
 * fails the whole Kustomization with "var name is invalid" (rule `substitution`).
 */
export function ruleVarNames(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const s of ctx.model.stages.values()) {
    if (!s.substitutes) continue;
    const bad = [...s.vars.keys()].filter((k) => !VAR_NAME_RE.test(k)).sort();
    for (const k of bad) {
      out.push({
        rule: 'substitution',
        file: s.object.file,
        object: s.object.display,
        message: `post-build variable "${k}" (from postBuild.substitute or a substituteFrom source of ${s.id}) is not a valid name (^[_[:alpha:]][_[:alpha:][:digit:]]*$); kustomize-controller fails the whole Kustomization: "'${k}' var name is invalid"`,
        fix: `rename the key "${k}" to letters, digits and "_" (e.g. ${k.replace(/[^_A-Za-z0-9]/g, '_').replace(/^([0-9])/, '_$1')}), or move that data out of the substituteFrom source`,
      });
    }
  }
  return out;
}
