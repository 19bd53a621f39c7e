import { HELM_GROUP, isFluxKustomization, refKey, SOURCE_GROUP, TreeObject } from './model';
import { RuleContext } from './rules';
import { asArray, isClusterScoped, isObject, JsonObject, str } from './tree';
import { Finding, ObjectRef } from './types';

/**
 * Flux rules beyond references: namespaces exist, the root source is reachable before the tree is
 * applied, dependsOn targets and health checks can become ready, and AppDeployments resolve.
 */

/** Namespaces every cluster has. */
const BUILTIN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

function spec(o: TreeObject): JsonObject {
  return isObject(o.obj.spec) ? o.obj.spec : {};
}

/**
 * Rule `namespace`: every namespace an applied object lives in (and every HelmRelease
 * targetNamespace without install.createNamespace) is created by a Namespace of the tree, is a
 * built-in namespace, is the namespace of a root Kustomization (bootstrap creates it), or is
 * declared external (`Namespace/<name>`).
 */
export function ruleNamespaces(ctx: RuleContext, dependentsOf?: (p: string) => ReadonlySet<string>): Finding[] {
  const created = new Set<string>();
  const creators = new Map<string, Set<string>>();
  for (const o of ctx.model.applied) {
    if (o.group !== '' || o.kind !== 'Namespace') continue;
    created.add(o.name);
    if (!creators.has(o.name)) creators.set(o.name, new Set());
    if (o.stage) creators.get(o.name)!.add(o.stage);
  }
  // Namespaces in files the tree's Flux graph does not apply (e.g. a Kommander app folder, applied
  // by Kommander's own Kustomizations), and those Helm creates, exist too; their order is not checked.
  const rawOnly = new Set<string>();
  for (const o of ctx.model.rawObjects) {
    if (o.group === '' && o.kind === 'Namespace' && !created.has(o.name)) rawOnly.add(o.name);
  }
  // helm-controller creates a release's namespace with install.createNamespace.
  for (const o of ctx.model.applied) {
    const s = spec(o);
    if (o.group === HELM_GROUP && o.kind === 'HelmRelease' && isObject(s.install) && s.install.createNamespace === true) {
      const ns = str(s.targetNamespace) ?? o.namespace;
      if (ns && !created.has(ns)) rawOnly.add(ns);
    }
  }
  for (const ns of rawOnly) created.add(ns);
  // The roots' namespaces exist before the tree: bootstrap creates them.
  const rootNamespaces = new Set(ctx.model.roots.map((r) => r.split('/')[0]));
  for (const ns of rootNamespaces) created.add(ns);
  const exists = (ns: string) => created.has(ns) || BUILTIN_NAMESPACES.has(ns) || ctx.isExternal({ kind: 'Namespace', name: ns }) || ns.includes('${');
  const out: Finding[] = [];
  const reported = new Set<string>();
  const report = (o: TreeObject, ns: string, why: string) => {
    const k = `${o.file}#${o.doc}#${ns}`;
    if (reported.has(k)) return;
    reported.add(k);
    out.push({
      rule: 'namespace',
      file: o.file,
      object: o.display,
      message: `${why} "${ns}", but no stage of the tree creates Namespace ${ns} (and it is not declared external); the apply fails with "namespaces \\"${ns}\\" not found"`,
      fix: `add a Namespace ${ns} to a stage this one depends on (e.g. the base stage), or declare it external: check.external Namespace/${ns} (--external Namespace/${ns})`,
    });
  };
  // A Namespace of the tree exists for an object when a stage that creates it is the object's own
  // stage (Flux applies Namespaces first), an ancestor (it applied the object's Kustomization after
  // the Namespace), or a stage the object's stage depends on.
  const orderedAfterCreator = (o: TreeObject, ns: string): boolean => {
    const stages = creators.get(ns);
    if (!stages || stages.size === 0 || !o.stage || !dependentsOf || rootNamespaces.has(ns) || BUILTIN_NAMESPACES.has(ns) || rawOnly.has(ns)) return true;
    for (const c of stages) if (isOrderedAfter(ctx, c, o.stage, dependentsOf)) return true;
    return false;
  };
  const reportedOrder = new Set<string>();
  for (const o of ctx.model.applied) {
    if (o.namespace && isClusterScoped(o.group, o.kind, ctx.model.registry?.scopeOf(o.group, o.kind)) !== true && !exists(o.namespace)) {
      report(o, o.namespace, 'it lives in namespace');
    } else if (o.namespace && created.has(o.namespace) && !(o.group === '' && o.kind === 'Namespace') && !orderedAfterCreator(o, o.namespace) && !reportedOrder.has(`${o.stage}|${o.namespace}`)) {
      reportedOrder.add(`${o.stage}|${o.namespace}`);
      const creator = [...creators.get(o.namespace)!].sort()[0];
      const prov = ctx.model.stages.get(creator);
      out.push({
        rule: 'namespace',
        file: o.file,
        object: o.display,
        message: `it lives in namespace "${o.namespace}", which stage ${creator} creates, but its stage ${o.stage} does not depend on ${creator}: Flux may apply it before the namespace exists`,
        fix: `add {name: ${prov?.name ?? creator}, namespace: ${prov?.namespace ?? ''}} to spec.dependsOn of Kustomization ${o.stage}, or create Namespace ${o.namespace} in ${o.stage}`,
      });
    }
    if (o.group === HELM_GROUP && o.kind === 'HelmRelease') {
      const s = spec(o);
      const target = str(s.targetNamespace);
      const create = isObject(s.install) && s.install.createNamespace === true;
      if (target && !create && !exists(target)) report(o, target, 'its Helm release installs into spec.targetNamespace');
    }
  }
  return out;
}

function hostOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/i.exec(url) ?? /^[^@/]+@([^:/]+):/.exec(url);
  return m ? m[1].toLowerCase() : undefined;
}

/** Hosts the tree itself serves: in-cluster Service DNS names and Ingress/HTTPRoute hosts. */
function treeHosts(ctx: RuleContext): Map<string, TreeObject> {
  const out = new Map<string, TreeObject>();
  for (const o of ctx.model.applied) {
    const s = spec(o);
    if (o.group === '' && o.kind === 'Service' && o.namespace) {
      for (const h of [`${o.name}.${o.namespace}`, `${o.name}.${o.namespace}.svc`, `${o.name}.${o.namespace}.svc.cluster.local`]) out.set(h, o);
    } else if (o.group === 'networking.k8s.io' && o.kind === 'Ingress') {
      for (const r of asArray(s.rules)) if (isObject(r) && str(r.host)) out.set((r.host as string).toLowerCase(), o);
    } else if (o.group === 'gateway.networking.k8s.io' && o.kind === 'HTTPRoute') {
      for (const h of asArray(s.hostnames)) if (typeof h === 'string') out.set(h.toLowerCase(), o);
    }
  }
  return out;
}

/** In-cluster addresses: `<svc>.<ns>.svc[.cluster.local]`, which only exist once something in the cluster serves them. */
const IN_CLUSTER = /\.svc(\.cluster\.local)?$/;

/**
 * Rule `root-source`: the source a root Kustomization syncs from must be reachable before the
 * tree is applied. A root source that points at a host the tree itself serves (its in-cluster
 * Gitea, an Ingress of the tree) or at any in-cluster address can never bootstrap: nothing
 * serves it until the tree it would deliver is applied.
 */
export function ruleRootSource(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const hosts = treeHosts(ctx);
  const releases = ctx.model.applied.filter((o) => o.group === HELM_GROUP && o.kind === 'HelmRelease');
  for (const id of ctx.model.roots) {
    const stage = ctx.model.stages.get(id);
    if (!stage?.sourceRef) continue;
    const ref = stage.sourceRef;
    const src = ctx.model.rawObjects.find((x) => x.group === SOURCE_GROUP && refKey({ kind: x.kind, namespace: x.namespace, name: x.name }) === refKey(ref));
    if (!src) continue;
    // The credentials the root source needs must exist before the tree: created at bootstrap, never only by the tree.
    for (const field of ['secretRef', 'certSecretRef', 'proxySecretRef']) {
      const r = spec(src)[field];
      if (!isObject(r) || !str(r.name)) continue;
      const secret: ObjectRef = { kind: 'Secret', namespace: src.namespace, name: r.name as string };
      if (ctx.isExternal(secret)) continue;
      const inTree = ctx.applied.get(refKey(secret))?.[0];
      if (!inTree) continue;
      out.push({
        rule: 'root-source',
        file: src.file,
        object: src.display,
        message: `spec.${field} → ${refKey(secret)} of the root source ${src.display} is created by the tree itself (${inTree.file}), which Flux can only apply after fetching this source: the root can never bootstrap`,
        fix: `create ${refKey(secret)} at bootstrap (flux bootstrap, or kubectl), remove it from ${inTree.file}, and declare it external: check.external ${refKey(secret)}`,
      });
    }
    const url = str(spec(src).url) ?? str(spec(src).endpoint);
    const host = url ? hostOf(url) : undefined;
    if (!host) continue;
    const served = hosts.get(host);
    // An in-cluster name whose Service comes from a chart of the tree (e.g. gitea-http.kommander.svc from HelmRelease gitea).
    const chartServed = IN_CLUSTER.test(host) ? releases.find((r) => host.split('.')[0].startsWith(r.name) && host.split('.')[1] === (str(spec(r).targetNamespace) ?? r.namespace)) : undefined;
    if (!served && !chartServed && !IN_CLUSTER.test(host)) continue;
    const by = served ? `${served.display} of the tree serves it` : chartServed ? `HelmRelease ${chartServed.display} of the tree installs the service behind it` : 'it is an in-cluster address';
    out.push({
      rule: 'root-source',
      file: src.file,
      object: src.display,
      message: `root Kustomization ${id} syncs from ${src.kind} ${src.namespace}/${src.name} at ${url}, but ${by}: before the tree is applied nothing serves ${host}, so Flux can never bootstrap from it`,
      fix: `point the root ${src.kind} at a repository reachable before the tree exists (the external git.url), and let the in-tree service host a mirror for the stages that need it`,
    });
  }
  return out;
}

/**
 * True when stage `stage` is applied only after stage `first` has been applied (and is ready):
 * `stage` is `first`, depends on it (transitively), or one of its ancestors does (a child
 * Kustomization is created by its parent's apply, which waits for the parent's dependsOn).
 */
export function isOrderedAfter(ctx: RuleContext, first: string, stage: string, dependentsOf: (p: string) => ReadonlySet<string>): boolean {
  const after = dependentsOf(first);
  const seen = new Set<string>();
  for (let x: string | undefined = stage; x !== undefined && !seen.has(x); x = ctx.model.stages.get(x)?.parent) {
    if (x === first || after.has(x)) return true;
    seen.add(x);
  }
  return false;
}

function isAncestor(ctx: RuleContext, ancestor: string, of: string): boolean {
  for (let s = ctx.model.stages.get(of)?.parent; s !== undefined; s = ctx.model.stages.get(s)?.parent) if (s === ancestor) return true;
  return false;
}

/**
 * Rule `readiness`: a dependsOn target or a health check that can never become ready blocks the
 * stage forever: a suspended target, a health-checked object that no stage applies, or one that is
 * applied only by a stage that itself waits for this one (a deadlock), or a root that depends on
 * its own child.
 */
export function ruleReadiness(ctx: RuleContext, dependentsOf: (p: string) => ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  const suspended = new Map<string, TreeObject>();
  for (const o of ctx.model.applied) if ((isFluxKustomization(o) || (o.group === HELM_GROUP && o.kind === 'HelmRelease')) && spec(o).suspend === true) suspended.set(`${o.kind}/${o.namespace}/${o.name}`, o);
  const check = (o: TreeObject, field: string, ref: ObjectRef) => {
    const sus = suspended.get(`${ref.kind}/${ref.namespace}/${ref.name}`);
    if (sus) {
      out.push({
        rule: 'readiness',
        file: o.file,
        object: o.display,
        message: `${field} → ${refKey(ref)} is suspended (spec.suspend: true), so it never becomes ready and ${o.display} waits forever`,
        fix: `remove the suspend from ${sus.display}, or drop it from ${field}`,
      });
    }
  };
  for (const s of ctx.model.stages.values()) {
    for (const [i, d] of s.dependsOn.entries()) {
      check(s.object, `spec.dependsOn[${i}]`, d);
      const did = `${d.namespace}/${d.name}`;
      if (isAncestor(ctx, s.id, did)) {
        out.push({
          rule: 'readiness',
          file: s.object.file,
          object: s.object.display,
          message: `spec.dependsOn[${i}] → ${did}, a stage that ${s.id} itself applies: ${did} is created only once ${s.id} is applied, and ${s.id} waits for it (a deadlock)`,
          fix: `remove ${did} from spec.dependsOn of ${s.id}; move what needs ${did} into a stage that depends on it`,
        });
      }
    }
    const sp = spec(s.object);
    for (const [i, h] of asArray(sp.healthChecks).entries()) {
      if (!isObject(h) || !str(h.kind) || !str(h.name)) continue;
      const hGroup = (str(h.apiVersion) ?? '').includes('/') ? (h.apiVersion as string).slice(0, (h.apiVersion as string).lastIndexOf('/')) : '';
      const cluster = isClusterScoped(hGroup, h.kind as string, ctx.model.registry?.scopeOf(hGroup, h.kind as string)) === true;
      const ref: ObjectRef = { kind: h.kind as string, name: h.name as string, namespace: cluster ? undefined : str(h.namespace) ?? s.namespace };
      check(s.object, `spec.healthChecks[${i}]`, ref);
      const targets = ctx.applied.get(refKey(ref)) ?? [];
      if (targets.length === 0) {
        if (ctx.isExternal(ref)) continue;
        out.push({
          rule: 'readiness',
          file: s.object.file,
          object: s.object.display,
          message: `spec.healthChecks[${i}] → ${refKey(ref)}: no stage of the tree applies it, so the health check never passes and ${s.id} never becomes ready`,
          fix: `correct the health check (kind, name, namespace), apply ${refKey(ref)} in ${s.id}, or declare it external`,
        });
        continue;
      }
      const waiting = dependentsOf(s.id);
      if (targets.every((t) => t.stage !== undefined && t.stage !== s.id && waiting.has(t.stage))) {
        out.push({
          rule: 'readiness',
          file: s.object.file,
          object: s.object.display,
          message: `spec.healthChecks[${i}] → ${refKey(ref)} is applied only by stage ${targets[0].stage}, which depends on ${s.id}: each waits for the other (a deadlock)`,
          fix: `health-check ${refKey(ref)} in ${targets[0].stage} instead, or move it into ${s.id}`,
        });
      }
    }
  }
  return out;
}

/** `applications/<app>/<version>/…` or `services/<app>/<version>/…` (kommander-applications layouts). */
const APP_FOLDER = /^(?:.*\/)?(?:applications|services)\/([^/]+)\/([^/]+)\//;

/**
 * Rule `app-version`: every Kommander AppDeployment's `spec.appRef` (`<app>-<version>`) resolves
 * to an app the tree carries: a ClusterApp/App object of that name, or an app folder
 * `applications/<app>/<version>/` (from which Kommander creates the ClusterApp), or one declared
 * external (`ClusterApp/<name>`).
 */
export function ruleAppVersions(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const known = new Set<string>();
  const byApp = new Map<string, Set<string>>();
  const add = (app: string, version: string) => {
    known.add(`${app}-${version}`);
    if (!byApp.has(app)) byApp.set(app, new Set());
    byApp.get(app)!.add(version);
  };
  for (const f of ctx.model.files.keys()) {
    const m = APP_FOLDER.exec(f);
    if (m) add(m[1], m[2]);
  }
  for (const o of ctx.model.rawObjects) if (o.group.startsWith('apps.kommander.') && (o.kind === 'ClusterApp' || o.kind === 'App')) known.add(o.name);
  for (const o of ctx.model.applied) {
    if (!o.group.startsWith('apps.kommander.') || o.kind !== 'AppDeployment') continue;
    // configOverrides: a ConfigMap in the AppDeployment's namespace (Kommander reads it there).
    const co = isObject(spec(o).configOverrides) ? str((spec(o).configOverrides as JsonObject).name) : undefined;
    if (co && !co.includes('${')) {
      const cm: ObjectRef = { kind: 'ConfigMap', namespace: o.namespace, name: co };
      if (!ctx.applied.has(refKey(cm)) && !ctx.isExternal(cm)) {
        out.push({
          rule: 'app-version',
          file: o.file,
          object: o.display,
          message: `spec.configOverrides → ${refKey(cm)}: no stage of the tree applies it; Kommander looks for it in the AppDeployment's namespace ${o.namespace}`,
          fix: `add ConfigMap ${co} (key values.yaml) to ${o.namespace} in the same stage, or remove configOverrides`,
        });
      }
    }
    const ref = isObject(spec(o).appRef) ? (spec(o).appRef as JsonObject) : {};
    const name = str(ref.name);
    const kind = str(ref.kind) ?? 'ClusterApp';
    if (!name || name.includes('${') || known.has(name) || ctx.isExternal({ kind, name, namespace: kind === 'App' ? o.namespace : undefined })) continue;
    const m = /^(.*)-(v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$/.exec(name);
    const app = m ? m[1] : name;
    const versions = [...(byApp.get(app) ?? [])].sort();
    out.push({
      rule: 'app-version',
      file: o.file,
      object: o.display,
      message: `spec.appRef → ${kind} ${name}: the tree carries no such app (${versions.length ? `it has ${app} ${versions.join(', ')}` : `no version of ${app}`}); Kommander never deploys it`,
      fix: versions.length
        ? `set apps.${app}.version to ${versions[versions.length - 1]} (a version the release carries), or add the app folder applications/${app}/${m ? m[2] : '<version>'}`
        : `add the app (applications/${app}/<version>/ in the release tree), remove apps.${app} from the config, or declare it external: check.external ${kind}/${name}`,
    });
  }
  return out;
}

/** `version:` of a Chart.yaml text. */
function chartYamlVersion(text: string): string | undefined {
  const m = /^version:[ \t]*["']?([^"'\s#]+)["']?/m.exec(text);
  return m ? m[1] : undefined;
}

/**
 * Rule `chart-version`: a HelmRelease whose chart comes from this tree's own Git repository
 * (`chart.spec.sourceRef` a GitRepository of the tree) needs the chart folder in the tree, and
 * when it names a version, the folder's Chart.yaml must have it (source-controller builds the
 * chart from the path and ignores `version` for Git sources, so a mismatch deploys another version
 * than the one asked for).
 */
export function ruleChartVersions(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const o of [...ctx.model.applied, ...ctx.model.rawObjects]) {
    if (o.group !== HELM_GROUP || o.kind !== 'HelmRelease') continue;
    const k = `${o.file}#${o.doc}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const s = spec(o);
    const chart = isObject(s.chart) && isObject(s.chart.spec) ? s.chart.spec : undefined;
    if (!chart || !isObject(chart.sourceRef) || chart.sourceRef.kind !== 'GitRepository' || !str(chart.sourceRef.name) || !str(chart.chart)) continue;
    const ref: ObjectRef = { kind: 'GitRepository', name: chart.sourceRef.name as string, namespace: str(chart.sourceRef.namespace) ?? o.namespace };
    if (JSON.stringify(ref).includes('${') || (chart.chart as string).includes('${') || !ctx.model.treeSources.has(refKey(ref))) continue;
    const folder = (chart.chart as string).replace(/^\.\//, '').replace(/\/+$/, '');
    const chartFile = ctx.model.files.has(`${folder}/Chart.yaml`) ? `${folder}/Chart.yaml` : undefined;
    const version = str(chart.version);
    if (!chartFile) {
      out.push({
        rule: 'chart-version',
        file: o.file,
        object: o.display,
        message: `spec.chart.spec.chart "${chart.chart as string}" of ${refKey(ref)} (this tree's repository) has no Chart.yaml in the tree; source-controller fails with "no chart found"`,
        fix: `add the chart folder ${folder}/ (with Chart.yaml) to the tree, or correct spec.chart.spec.chart`,
      });
      continue;
    }
    const have = chartYamlVersion(ctx.model.files.get(chartFile) ?? '');
    if (version && version !== '*' && !version.includes('${') && have !== undefined && have.replace(/^v/, '') !== version.replace(/^v/, '')) {
      out.push({
        rule: 'chart-version',
        file: o.file,
        object: o.display,
        message: `spec.chart.spec.version is ${version}, but ${chartFile} in the tree is version ${have}; for a Git source Flux builds the chart at the path, so ${have} is deployed, not ${version}`,
        fix: `set the version to ${have}, or put chart ${version} at ${folder}/`,
      });
    }
  }
  return out;
}

/** One component of a released version set (a gardener-landscape-kit component vector). */
export interface ExpectedComponent {
  /** Component name, e.g. `github.com/gardener/gardener-extension-networking-calico`. */
  readonly component: string;
  readonly version: string;
  /** Chart names (last path segment of the chart repository) that belong to the component, e.g. `networking-calico`. */
  readonly charts: readonly string[];
  /** The config key that sets the version in the tree (named in the fix). @default - none */
  readonly configKey?: string;
}

/** Versioned chart references of the applied objects: HelmRelease charts, OCIRepository tags, `<repo>:<tag>` refs (Gardener Extensions). */
function chartRefs(ctx: RuleContext): { chart: string; version: string; object: TreeObject; field: string }[] {
  const out: { chart: string; version: string; object: TreeObject; field: string }[] = [];
  const walk = (o: TreeObject, x: unknown, p: string) => {
    if (typeof x === 'string') {
      if (!p.endsWith('.ref') || x.length > 1024) return;
      const m = /^(?:oci:\/\/)?[a-z0-9.-]+(?::\d+)?\/(?:[^:@\s]+\/)?([^/:@\s]+):(v?\d[^\s@]*)$/.exec(x);
      if (m) out.push({ chart: m[1], version: m[2], object: o, field: p });
    } else if (Array.isArray(x)) x.forEach((v, i) => walk(o, v, `${p}[${i}]`));
    else if (isObject(x)) for (const [k, v] of Object.entries(x)) walk(o, v, p ? `${p}.${k}` : k);
  };
  for (const o of ctx.model.applied) {
    const s = spec(o);
    if (o.group === HELM_GROUP && o.kind === 'HelmRelease') {
      const chart = isObject(s.chart) && isObject(s.chart.spec) ? s.chart.spec : undefined;
      if (chart && str(chart.chart) && str(chart.version)) out.push({ chart: (chart.chart as string).split('/').pop() as string, version: chart.version as string, object: o, field: 'spec.chart.spec.version' });
    } else if (o.group === SOURCE_GROUP && o.kind === 'OCIRepository' && isObject(s.ref) && str(s.ref.tag) && str(s.url)) {
      out.push({ chart: (s.url as string).split('/').pop() as string, version: s.ref.tag as string, object: o, field: 'spec.ref.tag' });
    } else if (o.group === 'operator.gardener.cloud') {
      walk(o, s, 'spec');
    }
  }
  return out;
}

/**
 * Rule `component-version`: every chart of a component of the version set is deployed at the
 * component's version (the vector is supplied by the config; check only compares).
 */
export function ruleComponentVersions(ctx: RuleContext, expected: readonly ExpectedComponent[]): Finding[] {
  if (expected.length === 0) return [];
  const byChart = new Map<string, ExpectedComponent>();
  for (const c of expected) for (const ch of c.charts) byChart.set(ch, c);
  const out: Finding[] = [];
  for (const r of chartRefs(ctx)) {
    const c = byChart.get(r.chart);
    if (!c || r.version.includes('${') || r.version.replace(/^v/, '') === c.version.replace(/^v/, '')) continue;
    out.push({
      rule: 'component-version',
      file: r.object.file,
      object: r.object.display,
      message: `${r.field} deploys ${r.chart} ${r.version}, but the component vector pins ${c.component} at ${c.version}`,
      fix: c.configKey ? `set ${c.configKey} to ${c.version} (or remove it: the vector decides the version)` : `deploy ${r.chart} ${c.version}, the version of ${c.component} in the vector`,
    });
  }
  return out;
}
