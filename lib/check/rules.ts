import { CHART_CRD_PROVIDERS, FLUX_GROUPS, groupMatches, groupsOfChart } from './crd-providers';
import { HELM_GROUP, isFluxKustomization, refKey, Stage, TreeModel, TreeObject } from './model';
import { asArray, CORE_GROUPS, findVarUses, isObject, JsonObject, str } from './tree';
import { CheckOptions, Finding, ObjectRef } from './types';
import { compareCodeUnits } from '../order';

/**
 * The Flux graph rules. Each takes the model (and options) and returns findings; none throws.
 */

export interface RuleContext {
  readonly model: TreeModel;
  readonly options: CheckOptions;
  /** Applied objects by `Kind/namespace/name`. */
  readonly applied: ReadonlyMap<string, TreeObject[]>;
  readonly isExternal: (ref: ObjectRef) => boolean;
  readonly isExternalGroup: (group: string) => boolean;
}

export function ruleContext(model: TreeModel, options: CheckOptions): RuleContext {
  const applied = new Map<string, TreeObject[]>();
  for (const o of model.applied) {
    const k = o.display;
    if (!applied.has(k)) applied.set(k, []);
    applied.get(k)!.push(o);
  }
  const patterns = (options.external ?? []).map((p) => p.split('/'));
  const isExternal = (ref: ObjectRef): boolean =>
    patterns.some((p) => {
      const m = (pat: string, v: string | undefined) => pat === '*' || pat === v;
      if (p.length === 3) return m(p[0], ref.kind) && m(p[1], ref.namespace) && m(p[2], ref.name);
      if (p.length === 2) return m(p[0], ref.kind) && m(p[1], ref.name);
      return false;
    });
  const groups = options.externalCrds ?? [];
  const isExternalGroup = (g: string) => groups.some((p) => groupMatches(p, g));
  return { model, options, applied, isExternal, isExternalGroup };
}

const EXTERNAL_FIX = 'or, if it is created outside the tree, declare it external (check.external in the config, or --external Kind/namespace/name)';

// ---------------------------------------------------------------------------------------------
// Kustomization paths

export function ruleKustomizationPaths(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const s of ctx.model.stages.values()) {
    out.push(...s.problems);
    if (!s.inTree) continue;
    const o = s.object;
    if (s.path === undefined) {
      out.push({
        rule: 'kustomization-path',
        file: o.file,
        object: o.display,
        message: `spec.path "${s.rawPath}" leaves the repository root`,
        fix: 'use a path relative to the repository root, e.g. ./kommander/base',
      });
    } else if (!s.folderExists) {
      out.push({
        rule: 'kustomization-path',
        file: o.file,
        object: o.display,
        message: `spec.path "${s.rawPath}" does not exist in the tree; Flux fails with "kustomization path not found"`,
        fix: `create the folder ${s.path} (with a kustomization.yaml), or correct spec.path`,
      });
    } else if (!s.kustomizationFile) {
      out.push({
        rule: 'kustomization-path',
        file: s.path || '.',
        object: o.display,
        message: `folder ${s.path || '.'} (spec.path of ${o.display}) has no kustomization.yaml; Flux would generate one from every YAML file it finds`,
        fix: `add ${s.path ? `${s.path}/` : ''}kustomization.yaml listing the folder's files under resources:`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// References

interface RefSpec {
  readonly field: string;
  readonly ref: ObjectRef;
  readonly optional?: boolean;
  /** Explains where Flux looks. */
  readonly where: string;
}

function refsOf(o: TreeObject): RefSpec[] {
  const spec = isObject(o.obj.spec) ? o.obj.spec : {};
  const ns = o.namespace ?? 'default';
  const out: RefSpec[] = [];
  if (isFluxKustomization(o)) {
    if (isObject(spec.sourceRef) && str(spec.sourceRef.name)) {
      const nsGiven = str(spec.sourceRef.namespace);
      out.push({
        field: 'spec.sourceRef',
        ref: { kind: str(spec.sourceRef.kind) ?? 'GitRepository', name: spec.sourceRef.name as string, namespace: nsGiven ?? ns },
        where: nsGiven ? `in namespace ${nsGiven} (sourceRef.namespace)` : `in the Kustomization's own namespace ${ns} (sourceRef.namespace is not set)`,
      });
    }
    for (const [i, d] of asArray(spec.dependsOn).entries()) {
      if (!isObject(d) || !str(d.name)) continue;
      const nsGiven = str(d.namespace);
      out.push({
        field: `spec.dependsOn[${i}]`,
        ref: { kind: 'Kustomization', name: d.name as string, namespace: nsGiven ?? ns },
        where: nsGiven ? `in namespace ${nsGiven}` : `in the Kustomization's own namespace ${ns} (dependsOn[].namespace is not set)`,
      });
    }
    const pb = isObject(spec.postBuild) ? spec.postBuild : {};
    for (const [i, f] of asArray(pb.substituteFrom).entries()) {
      if (!isObject(f) || !str(f.name)) continue;
      out.push({
        field: `spec.postBuild.substituteFrom[${i}]`,
        ref: { kind: str(f.kind) ?? 'ConfigMap', name: f.name as string, namespace: ns },
        optional: f.optional === true,
        where: `in the Kustomization's own namespace ${ns} (substituteFrom is always resolved there)`,
      });
    }
    if (isObject(spec.decryption) && isObject(spec.decryption.secretRef) && str(spec.decryption.secretRef.name)) {
      out.push({
        field: 'spec.decryption.secretRef',
        ref: { kind: 'Secret', name: spec.decryption.secretRef.name as string, namespace: ns },
        where: `in the Kustomization's own namespace ${ns} (decryption.secretRef is always resolved there)`,
      });
    }
  } else if (o.group === HELM_GROUP && o.kind === 'HelmRelease') {
    const chart = isObject(spec.chart) && isObject(spec.chart.spec) ? spec.chart.spec : undefined;
    if (chart && isObject(chart.sourceRef) && str(chart.sourceRef.name)) {
      const nsGiven = str(chart.sourceRef.namespace);
      out.push({
        field: 'spec.chart.spec.sourceRef',
        ref: { kind: str(chart.sourceRef.kind) ?? 'HelmRepository', name: chart.sourceRef.name as string, namespace: nsGiven ?? ns },
        where: nsGiven ? `in namespace ${nsGiven}` : `in the HelmRelease's own namespace ${ns} (sourceRef.namespace is not set)`,
      });
    }
    if (isObject(spec.chartRef) && str(spec.chartRef.name)) {
      const nsGiven = str(spec.chartRef.namespace);
      out.push({
        field: 'spec.chartRef',
        ref: { kind: str(spec.chartRef.kind) ?? 'OCIRepository', name: spec.chartRef.name as string, namespace: nsGiven ?? ns },
        where: nsGiven ? `in namespace ${nsGiven}` : `in the HelmRelease's own namespace ${ns} (chartRef.namespace is not set)`,
      });
    }
    for (const [i, d] of asArray(spec.dependsOn).entries()) {
      if (!isObject(d) || !str(d.name)) continue;
      const nsGiven = str(d.namespace);
      out.push({
        field: `spec.dependsOn[${i}]`,
        ref: { kind: 'HelmRelease', name: d.name as string, namespace: nsGiven ?? ns },
        where: nsGiven ? `in namespace ${nsGiven}` : `in the HelmRelease's own namespace ${ns} (dependsOn[].namespace is not set)`,
      });
    }
    for (const [i, v] of asArray(spec.valuesFrom).entries()) {
      if (!isObject(v) || !str(v.name)) continue;
      out.push({
        field: `spec.valuesFrom[${i}]`,
        ref: { kind: str(v.kind) ?? 'ConfigMap', name: v.name as string, namespace: ns },
        optional: v.optional === true,
        where: `in the HelmRelease's own namespace ${ns} (valuesFrom is always resolved there)`,
      });
    }
  }
  return out;
}

export function ruleReferences(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  // Indices for the hints (a scan of every object per broken reference is quadratic).
  const appliedByKindName = new Map<string, TreeObject[]>();
  for (const x of ctx.model.applied) {
    const k = `${x.kind}/${x.name}`;
    if (!appliedByKindName.has(k)) appliedByKindName.set(k, []);
    appliedByKindName.get(k)!.push(x);
  }
  const rawByKindName = new Map<string, TreeObject[]>();
  for (const x of ctx.model.rawObjects) {
    const k = `${x.kind}/${x.name}`;
    if (!rawByKindName.has(k)) rawByKindName.set(k, []);
    rawByKindName.get(k)!.push(x);
  }
  const appliedFiles = new Set(ctx.model.applied.map((a) => a.file));
  for (const o of ctx.model.applied) {
    if (seen.has(`${o.file}#${o.doc}#${o.key}`)) continue;
    seen.add(`${o.file}#${o.doc}#${o.key}`);
    for (const r of refsOf(o)) {
      const key = refKey(r.ref);
      if (ctx.applied.has(key) || r.optional || ctx.isExternal(r.ref)) continue;
      const hints: string[] = [];
      const elsewhere = (appliedByKindName.get(`${r.ref.kind}/${r.ref.name}`) ?? []).filter((x) => x.namespace !== r.ref.namespace).map((x) => x.display);
      if (elsewhere.length > 0) hints.push(`an object of that kind and name exists in another namespace: ${[...new Set(elsewhere)].sort().join(', ')}`);
      const unapplied = (rawByKindName.get(`${r.ref.kind}/${r.ref.name}`) ?? []).filter((x) => !appliedFiles.has(x.file));
      if (unapplied.length > 0) hints.push(`${unapplied[0].file} defines it, but no Kustomization applies that file`);
      const namespaceFix =
        elsewhere.length > 0 && (r.field.includes('substituteFrom') || r.field.includes('valuesFrom') || r.field.includes('decryption'))
          ? `move ${r.ref.kind} ${r.ref.name} into namespace ${r.ref.namespace} (this reference cannot cross namespaces)`
          : elsewhere.length > 0
            ? `set the namespace on ${r.field} to the namespace where the object lives`
            : `add ${key} to a stage of the tree`;
      out.push({
        rule: 'reference',
        file: o.file,
        object: o.display,
        message: `${r.field} → ${key} does not resolve: Flux looks for it ${r.where} and no Kustomization of the tree applies it${hints.length ? ` (${hints.join('; ')})` : ''}`,
        fix: `${namespaceFix}, ${EXTERNAL_FIX}`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// dependsOn cycles

/** Finds the dependsOn cycles among the given nodes; each cycle is returned once, starting at its smallest id. */
export function findCycles(nodes: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  const ids = [...nodes.keys()].sort();
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...(nodes.get(v) ?? [])].sort()) {
      if (!nodes.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (nodes.get(v) ?? []).includes(v)) sccs.push(scc.sort());
    }
  };
  for (const v of ids) if (!idx.has(v)) strong(v);
  // One concrete cycle per component: shortest path back to the start (BFS).
  return sccs
    .map((scc) => {
      const set = new Set(scc);
      const start = scc[0];
      const prev = new Map<string, string>();
      const queue = [start];
      const visited = new Set<string>();
      while (queue.length > 0) {
        const v = queue.shift()!;
        for (const w of [...(nodes.get(v) ?? [])].sort()) {
          if (!set.has(w)) continue;
          if (w === start) {
            const path = [v];
            for (let x = v; x !== start; ) {
              x = prev.get(x)!;
              path.unshift(x);
            }
            return [...path, start];
          }
          if (!visited.has(w)) {
            visited.add(w);
            prev.set(w, v);
            queue.push(w);
          }
        }
      }
      return [start, start];
    })
    .sort((a, b) => compareCodeUnits(a.join(' '), b.join(' ')));
}

export function ruleCycles(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const byKind: Record<string, Map<string, TreeObject>> = { Kustomization: new Map(), HelmRelease: new Map() };
  for (const o of ctx.model.applied) {
    if (isFluxKustomization(o)) byKind.Kustomization.set(`${o.namespace}/${o.name}`, o);
    else if (o.group === HELM_GROUP && o.kind === 'HelmRelease') byKind.HelmRelease.set(`${o.namespace}/${o.name}`, o);
  }
  for (const [kind, objs] of Object.entries(byKind)) {
    const nodes = new Map<string, string[]>();
    for (const [id, o] of objs) {
      const spec = isObject(o.obj.spec) ? o.obj.spec : {};
      nodes.set(
        id,
        asArray(spec.dependsOn)
          .filter(isObject)
          .filter((d) => str(d.name))
          .map((d) => `${str(d.namespace) ?? o.namespace}/${d.name as string}`),
      );
    }
    for (const cycle of findCycles(nodes)) {
      const first = objs.get(cycle[0])!;
      out.push({
        rule: 'depends-on-cycle',
        file: first.file,
        object: first.display,
        message: `dependsOn cycle between ${kind}s: ${cycle.join(' → ')}; none of them will ever become ready`,
        fix: `remove one of the dependsOn entries of the cycle (e.g. ${cycle[cycle.length - 2]} → ${cycle[cycle.length - 1]})`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Objects applied twice

export function ruleDuplicates(ctx: RuleContext): Finding[] {
  const byKey = new Map<string, TreeObject[]>();
  for (const o of ctx.model.applied) {
    if (!byKey.has(o.key)) byKey.set(o.key, []);
    byKey.get(o.key)!.push(o);
  }
  const out: Finding[] = [];
  for (const objs of byKey.values()) {
    if (objs.length < 2) continue;
    const stages = [...new Set(objs.map((o) => o.stage ?? '?'))].sort();
    const where = objs.map((o) => `${o.file} (stage ${o.stage})`).sort();
    const first = [...objs].sort((a, b) => compareCodeUnits(a.file, b.file))[0];
    out.push({
      rule: 'duplicate-object',
      file: first.file,
      object: first.display,
      message:
        stages.length > 1
          ? `applied by ${stages.length} Kustomizations (${stages.join(', ')}): ${where.join(', ')}; they overwrite each other and pruning in one deletes the other's object`
          : `applied twice by Kustomization ${stages[0]}: ${where.join(', ')}; kustomize fails with "already registered id"`,
      fix: 'keep the object in exactly one stage folder and delete the other copies',
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Post-build substitution

export function ruleSubstitution(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const s of ctx.model.stages.values()) {
    if (s.hasPostBuild && !s.substitutes) {
      // postBuild without any variable: kustomize-controller does not substitute at all, so
      // `${var:=default}` reaches the API server literally.
      for (const o of s.objects) {
        const text = ctx.model.files.get(o.file) ?? '';
        if (!text.includes('${')) continue;
        const uses = findVarUses(JSON.stringify(o.obj));
        if (uses.length === 0) continue;
        out.push({
          rule: 'substitution',
          file: o.file,
          object: o.display,
          message: `Kustomization ${s.id} has postBuild but defines no variable, so Flux does not substitute (substituteStrategy WithVariables, the default): ${[...new Set(uses.map((u) => u.expr))].sort().join(', ')} is applied literally`,
          fix: `set spec.postBuild.substituteStrategy: Always on ${s.id}, or define a variable in postBuild.substitute`,
        });
      }
      continue;
    }
    if (!s.substitutes || !s.varsComplete) continue;
    const objectsByDoc = new Map<string, TreeObject>();
    for (const o of s.objects) objectsByDoc.set(`${o.file}#${o.doc}`, o);
    for (const file of s.files) {
      const parsed = ctx.model.parsed.get(file);
      if (!parsed || !(ctx.model.files.get(file) ?? '').includes('${')) continue;
      for (const doc of parsed.docs) {
        if (!isObject(doc.value)) continue;
        const m = isObject(doc.value.metadata) ? doc.value.metadata : {};
        const disabled = [m.annotations, m.labels].some((x) => isObject(x) && x['kustomize.toolkit.fluxcd.io/substitute'] === 'disabled');
        if (disabled) continue;
        const uses = findVarUses(JSON.stringify(doc.value));
        const missing = [...new Set(uses.filter((u) => !u.hasDefault && !s.vars.has(u.name)).map((u) => u.name))].sort();
        if (missing.length === 0) continue;
        const o = objectsByDoc.get(`${file}#${doc.index}`);
        const sources = describeVarSources(s);
        for (const name of missing) {
          out.push({
            rule: 'substitution',
            file,
            object: o?.display ?? '',
            message: `\${${name}} has no default and is not provided by Kustomization ${s.id} (variables come from ${sources}); Flux substitutes an empty string, or fails with strict substitution`,
            fix: `add "${name}" to ${s.id} spec.postBuild.substitute or to one of its substituteFrom sources, or write \${${name}:=<default>} (use $\${${name}} for a literal)`,
          });
        }
      }
    }
  }
  return out;
}

function describeVarSources(s: Stage): string {
  const spec = isObject(s.object.obj.spec) ? s.object.obj.spec : {};
  const pb = isObject(spec.postBuild) ? spec.postBuild : {};
  const parts = asArray(pb.substituteFrom)
    .filter(isObject)
    .map((f) => `${str(f.kind) ?? 'ConfigMap'}/${s.namespace}/${str(f.name)}`);
  if (isObject(pb.substitute)) parts.push('postBuild.substitute');
  return parts.length ? parts.join(', ') : 'nowhere';
}

// ---------------------------------------------------------------------------------------------
// CRD ordering

interface Provider {
  readonly stage: string;
  readonly via: 'helm' | 'crd' | 'template';
  readonly object: TreeObject;
  /** For `template`: the constraint kind it creates. */
  readonly kind?: string;
  readonly groups: readonly string[];
}

function providersOf(ctx: RuleContext): Provider[] {
  const out: Provider[] = [];
  for (const s of ctx.model.stages.values()) {
    for (const o of s.objects) {
      const spec = isObject(o.obj.spec) ? o.obj.spec : {};
      if (o.group === HELM_GROUP && o.kind === 'HelmRelease') {
        const chart = isObject(spec.chart) && isObject(spec.chart.spec) ? str(spec.chart.spec.chart) : undefined;
        const groups = groupsOfChart([chart, o.name, str(spec.releaseName)], CHART_CRD_PROVIDERS);
        if (groups.length) out.push({ stage: s.id, via: 'helm', object: o, groups });
      } else if (o.group === 'apiextensions.k8s.io' && o.kind === 'CustomResourceDefinition' && str(spec.group)) {
        out.push({ stage: s.id, via: 'crd', object: o, groups: [spec.group as string] });
      } else if (o.group === 'templates.gatekeeper.sh' && o.kind === 'ConstraintTemplate') {
        const crd = isObject(spec.crd) && isObject(spec.crd.spec) && isObject(spec.crd.spec.names) ? str(spec.crd.spec.names.kind) : undefined;
        if (crd) out.push({ stage: s.id, via: 'template', object: o, kind: crd, groups: ['constraints.gatekeeper.sh'] });
      }
    }
  }
  return out;
}

/**
 * `dependentsOf(p)`: the stages that depend on stage `p`, directly or transitively (memoized per
 * `p`, one reverse breadth-first search each). Only the few stages that install CRDs are asked
 * about, so this stays linear in the size of the graph; a full transitive closure of every stage
 * is quadratic in time and memory (a 10,000-stage chain needed 1.7 GB).
 */
export function dependents(model: TreeModel): (p: string) => ReadonlySet<string> {
  const reverse = new Map<string, string[]>();
  for (const s of model.stages.values()) {
    for (const d of s.dependsOn) {
      const did = `${d.namespace}/${d.name}`;
      if (!reverse.has(did)) reverse.set(did, []);
      reverse.get(did)!.push(s.id);
    }
  }
  const memo = new Map<string, Set<string>>();
  return (p: string) => {
    let out = memo.get(p);
    if (out) return out;
    out = new Set<string>();
    const queue = [p];
    for (let i = 0; i < queue.length; i++) {
      for (const x of reverse.get(queue[i]) ?? []) {
        if (out.has(x)) continue;
        out.add(x);
        queue.push(x);
      }
    }
    memo.set(p, out);
    return out;
  };
}

/** True when `ancestor` applies `stage` (directly or through its children). */
export function isAncestorStage(model: TreeModel, ancestor: string, stage: string): boolean {
  const seen = new Set<string>();
  for (let x = model.stages.get(stage)?.parent; x !== undefined && !seen.has(x); x = model.stages.get(x)?.parent) {
    if (x === ancestor) return true;
    seen.add(x);
  }
  return false;
}

function waitsFor(stage: Stage | undefined, hr: TreeObject): boolean {
  if (!stage) return true;
  const spec = isObject(stage.object.obj.spec) ? stage.object.obj.spec : {};
  if (spec.wait === true) return true;
  return asArray(spec.healthChecks).some(
    (h) => isObject(h) && h.kind === 'HelmRelease' && h.name === hr.name && (str(h.namespace) ?? stage.namespace) === hr.namespace,
  );
}

export function ruleCrdOrder(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const providers = providersOf(ctx);
  const dependentsOf = dependents(ctx.model);
  const reportedWait = new Set<string>();
  for (const s of ctx.model.stages.values()) {
    // Ordered after stage p: this stage, or an ancestor (whose apply creates it), depends on p.
    const dependsOnStage = (p: string) => {
      const after = dependentsOf(p);
      const seen = new Set<string>();
      for (let x: string | undefined = s.id; x !== undefined && !seen.has(x); x = ctx.model.stages.get(x)?.parent) {
        if (after.has(x)) return true;
        seen.add(x);
      }
      return false;
    };
    for (const o of s.objects) {
      if (CORE_GROUPS.has(o.group) || ctx.isExternalGroup(o.group)) continue;
      // Flux's own API groups exist before Flux reconciles anything: no controller runs without its
      // CRDs, which bootstrap installs (`flux bootstrap`, or in flux.mode manifest BOOTSTRAP.md's
      // `kubectl apply --server-side -k <flux folder>` before the root sync objects). A stage of the
      // tree that applies the Flux install only takes them over; ordering against it is never needed
      // (and the root, which applies that stage, could not depend on it).
      if (FLUX_GROUPS.some((f) => groupMatches(f, o.group))) continue;
      let candidates = providers.filter((p) => p.groups.some((g) => groupMatches(g, o.group)));
      if (o.group === 'constraints.gatekeeper.sh') {
        const templates = candidates.filter((p) => p.via === 'template' && p.kind === o.kind);
        if (templates.length > 0) candidates = templates;
      }
      if (candidates.length === 0) {
        out.push({
          rule: 'crd-order',
          file: o.file,
          object: o.display,
          message: `no stage of the tree installs the CRD of ${o.apiVersion} ${o.kind} (no HelmRelease of a chart known to install API group ${o.group}, and no CustomResourceDefinition of that group)`,
          fix: `add the stage that installs it (and the chart to CHART_CRD_PROVIDERS in lib/check/crd-providers.ts), or declare the group external: --external-crds ${o.group} / check.externalCrds`,
        });
        continue;
      }
      const ok = candidates.some((p) => (p.stage === s.id && p.via === 'crd') || (p.stage !== s.id && dependsOnStage(p.stage)));
      if (!ok) {
        const same = candidates.find((p) => p.stage === s.id);
        const p = same ?? candidates[0];
        const prov = ctx.model.stages.get(p.stage)!;
        // A stage that applies the provider itself (the root applies every stage) cannot depend on
        // it: the fix is to move the object down, never to make a parent depend on its child.
        const ancestor = !same && isAncestorStage(ctx.model, s.id, p.stage);
        out.push({
          rule: 'crd-order',
          file: o.file,
          object: o.display,
          message: ancestor
            ? `stage ${s.id} applies it, and also applies stage ${p.stage} (whose ${p.object.display} installs its CRD, ${o.group}); ${s.id} cannot wait for its own child, so the object is applied before the CRD exists`
            : same
            ? `is applied by stage ${s.id}, the same stage whose ${p.object.display} installs its CRD (${o.group}); the stage's dry-run fails before the CRD exists`
            : `stage ${s.id} applies it but does not depend on stage ${p.stage}, whose ${p.object.display} installs its CRD (${o.group}); Flux may apply it before the CRD exists`,
          fix: ancestor
            ? `move ${o.display} out of ${s.path ? `${s.path}/` : 'the root folder'} into a stage that dependsOn ${p.stage} (do not add ${p.stage} to the dependsOn of ${s.id}: it applies ${p.stage} itself)`
            : same
            ? `move ${o.display} to a stage that dependsOn ${s.id}`
            : `add {name: ${prov.name}, namespace: ${prov.namespace}} to spec.dependsOn of Kustomization ${s.id}`,
        });
        continue;
      }
      for (const p of candidates) {
        if (p.via !== 'helm' || p.stage === s.id || !dependsOnStage(p.stage)) continue;
        const prov = ctx.model.stages.get(p.stage);
        if (waitsFor(prov, p.object) || reportedWait.has(`${p.stage}|${p.object.key}`)) continue;
        reportedWait.add(`${p.stage}|${p.object.key}`);
        out.push({
          rule: 'crd-order',
          file: prov!.object.file,
          object: prov!.object.display,
          message: `stages that depend on ${p.stage} need the CRDs its ${p.object.display} installs (e.g. ${o.display} in ${s.id}), but ${p.stage} neither waits (spec.wait) nor health-checks that HelmRelease, so it is Ready before Helm has installed them`,
          fix: `set spec.wait: true on Kustomization ${p.stage}, or add {apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: ${p.object.name}, namespace: ${p.object.namespace}} to its spec.healthChecks`,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schema

export function ruleSchema(ctx: RuleContext): Finding[] {
  const reg = ctx.model.registry;
  if (!reg || reg.empty) return [];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const o of ctx.model.applied) {
    if (CORE_GROUPS.has(o.group)) continue;
    const k = `${o.file}#${o.doc}#${o.stage}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const r = reg.validate(o.obj as JsonObject);
    if (r.status !== 'invalid') continue;
    out.push({ rule: 'schema', file: o.file, object: o.display, message: r.errors.join('; '), fix: r.fix });
  }
  return out;
}

