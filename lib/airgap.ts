import { buildModel, TreeModel, TreeObject } from './check/model';
import { isObject, JsonObject, str } from './check/tree';
import { Finding } from './check/types';
import { compareCodeUnits } from './order';

/**
 * Air-gap closure: every chart and artifact a tree makes Flux pull (Helm charts with their
 * repository and version, OCI artifacts, Git repositories, Buckets), computed from the applied
 * objects after post-build substitution (so `${helmMirrorURL:=…}` shows the mirror when the
 * config sets one). `synth` writes it as AIRGAP.md and AIRGAP.json when the config is air-gapped,
 * so that a mirror can be filled from it; `check` (rule `airgap`) refuses a source outside the
 * mirror. Container images are listed where the tree itself holds the pod spec (e.g. the Flux
 * controllers in flux.mode manifest); images inside the charts are only known after Helm renders
 * them and are not listed.
 */

export interface AirgapArtifact {
  readonly type: 'helm-chart' | 'oci' | 'git' | 'bucket' | 'image';
  /** URL the controller fetches from (the repository URL for a Helm chart). */
  readonly url: string;
  /** Where to fetch it to fill the mirror: the default of a `${helmMirrorURL:=<upstream>}` URL, when the URL was substituted. @default - the url */
  readonly upstream?: string;
  /** Helm chart name (helm-chart), or the path in a Git/OCI source for Git-sourced charts. */
  readonly chart?: string;
  /** Chart version (or semver range), OCI tag/semver/digest, Git branch/tag/semver/commit. */
  readonly version?: string;
  /** The source object (`Kind/namespace/name`). */
  readonly source: string;
  /** Objects that make Flux pull it (HelmReleases, HelmCharts, Kustomizations). */
  readonly usedBy: readonly string[];
}

function spec(o: TreeObject): JsonObject {
  return isObject(o.obj.spec) ? o.obj.spec : {};
}

function refOf(ref: unknown): string | undefined {
  if (!isObject(ref)) return undefined;
  for (const k of ['digest', 'commit', 'tag', 'semver', 'name', 'branch']) if (str(ref[k])) return `${k === 'name' ? 'ref' : k} ${ref[k] as string}`;
  return undefined;
}

const SOURCE_KINDS = new Set(['GitRepository', 'OCIRepository', 'HelmRepository', 'Bucket']);

const WORKLOAD_KINDS = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', '/Pod']);

/** Images of a workload's pod spec (containers, initContainers, ephemeralContainers). */
function podImages(obj: JsonObject): string[] {
  let pod: unknown = obj.spec;
  if (obj.kind === 'CronJob') pod = isObject(pod) && isObject(pod.jobTemplate) && isObject(pod.jobTemplate.spec) ? pod.jobTemplate.spec.template : undefined;
  else if (obj.kind !== 'Pod') pod = isObject(pod) ? pod.template : undefined;
  const ps = isObject(pod) && obj.kind !== 'Pod' ? pod.spec : pod;
  if (!isObject(ps)) return [];
  const out: string[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of Array.isArray(ps[field]) ? (ps[field] as unknown[]) : []) if (isObject(c) && str(c.image)) out.push(c.image as string);
  }
  return out;
}

/**
 * Every artifact the objects of a model pull, sorted by type, url, chart, version: the objects the
 * tree's Flux graph applies, plus those of files it does not apply (Kommander app folders, which
 * Kommander applies from the same repository; their names may still hold `${…}`).
 */
export function airgapArtifacts(model: TreeModel): AirgapArtifact[] {
  const appliedFiles = new Set(model.applied.map((o) => o.file));
  const objects = [...model.applied, ...model.rawObjects.filter((o) => !appliedFiles.has(o.file))];
  const sources = new Map<string, TreeObject>();
  for (const o of objects) if (o.group === 'source.toolkit.fluxcd.io' && SOURCE_KINDS.has(o.kind) && !sources.has(o.display)) sources.set(o.display, o);
  const out = new Map<string, { a: Omit<AirgapArtifact, 'usedBy'>; usedBy: Set<string> }>();
  const add = (a: Omit<AirgapArtifact, 'usedBy'>, by?: string) => {
    const k = `${a.type}\u0000${a.url}\u0000${a.chart ?? ''}\u0000${a.version ?? ''}`;
    if (!out.has(k)) out.set(k, { a, usedBy: new Set() });
    if (by) out.get(k)!.usedBy.add(by);
  };
  // The URL as written (before substitution): `${helmMirrorURL:=https://charts.jetstack.io}` names the upstream.
  const rawByDoc = new Map(model.rawObjects.map((r) => [`${r.file}#${r.doc}`, r]));
  const upstreamOf = (src: TreeObject): string | undefined => {
    const raw = rawByDoc.get(`${src.file}#${src.doc}`);
    const written = raw && isObject(raw.obj.spec) ? str(raw.obj.spec.url) : undefined;
    const m = written ? /^\$\{[_A-Za-z][_A-Za-z0-9]*:?[=-](.*)\}$/.exec(written) : null;
    const url = str(spec(src).url);
    return m && m[1] !== url ? m[1] : undefined;
  };
  const addFrom = (src: TreeObject, a: Omit<AirgapArtifact, 'usedBy' | 'upstream'>, by?: string) => {
    const upstream = upstreamOf(src);
    add(upstream ? { ...a, upstream } : a, by);
  };
  const chartPulls = new Set<string>();
  for (const o of objects) {
    const s = spec(o);
    if (o.group === 'helm.toolkit.fluxcd.io' && o.kind === 'HelmRelease') {
      const chart = isObject(s.chart) && isObject(s.chart.spec) ? s.chart.spec : undefined;
      if (chart && isObject(chart.sourceRef) && str(chart.sourceRef.name)) {
        const kind = str(chart.sourceRef.kind) ?? 'HelmRepository';
        const src = sources.get(`${kind}/${str(chart.sourceRef.namespace) ?? o.namespace}/${chart.sourceRef.name as string}`);
        if (src) {
          chartPulls.add(src.display);
          const url = str(spec(src).url) ?? '';
          if (kind === 'HelmRepository') addFrom(src, { type: spec(src).type === 'oci' || url.startsWith('oci://') ? 'oci' : 'helm-chart', url, chart: str(chart.chart), version: str(chart.version) ?? '*', source: src.display }, o.display);
          else addFrom(src, { type: kind === 'GitRepository' ? 'git' : kind === 'OCIRepository' ? 'oci' : 'bucket', url, chart: str(chart.chart), version: refOf(spec(src).ref), source: src.display }, o.display);
        }
      }
      if (isObject(s.chartRef) && str(s.chartRef.name)) {
        const src = sources.get(`${str(s.chartRef.kind) ?? 'OCIRepository'}/${str(s.chartRef.namespace) ?? o.namespace}/${s.chartRef.name as string}`);
        if (src) {
          chartPulls.add(src.display);
          addFrom(src, { type: 'oci', url: str(spec(src).url) ?? '', version: refOf(spec(src).ref), source: src.display }, o.display);
        }
      }
    } else if (o.group === 'kustomize.toolkit.fluxcd.io' && o.kind === 'Kustomization' && isObject(s.sourceRef) && str(s.sourceRef.name)) {
      const src = sources.get(`${str(s.sourceRef.kind) ?? 'GitRepository'}/${str(s.sourceRef.namespace) ?? o.namespace}/${s.sourceRef.name as string}`);
      if (src) {
        chartPulls.add(src.display);
        addFrom(src, { type: src.kind === 'GitRepository' ? 'git' : src.kind === 'OCIRepository' ? 'oci' : 'bucket', url: str(spec(src).url) ?? str(spec(src).endpoint) ?? '', version: refOf(spec(src).ref), source: src.display }, o.display);
      }
    }
  }
  // Container images of the workloads the tree holds itself (not those inside charts).
  for (const o of objects) {
    if (!WORKLOAD_KINDS.has(`${o.group}/${o.kind}`)) continue;
    for (const image of podImages(o.obj)) add({ type: 'image', url: image, source: o.display }, o.display);
  }
  // Sources nothing in the tree pulls from yet (e.g. catalog GitRepositories Kommander reads) are still fetched by source-controller.
  for (const src of sources.values()) {
    if (chartPulls.has(src.display) || src.kind === 'HelmRepository') continue;
    addFrom(src, { type: src.kind === 'GitRepository' ? 'git' : src.kind === 'OCIRepository' ? 'oci' : 'bucket', url: str(spec(src).url) ?? str(spec(src).endpoint) ?? '', version: refOf(spec(src).ref), source: src.display });
  }
  return [...out.values()]
    .map(({ a, usedBy }) => ({ ...a, usedBy: [...usedBy].sort() }))
    .sort((x, y) => compareCodeUnits(x.type, y.type) || compareCodeUnits(x.url, y.url) || compareCodeUnits(x.chart ?? '', y.chart ?? '') || compareCodeUnits(x.version ?? '', y.version ?? ''));
}

function hostOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/i.exec(url) ?? /^[^@/]+@([^:/]+):/.exec(url);
  return m ? m[1].toLowerCase() : undefined;
}

export interface AirgapOptions {
  /** Mirror URLs (the config's `airgapped.helmMirror`); every source must be on one of their hosts. */
  readonly mirrors: readonly string[];
  /** Hosts that are inside the air gap anyway (the management repository's own Git host). @default - the roots' Git hosts */
  readonly internalHosts?: readonly string[];
}

/** Rule `airgap`: artifacts whose URL is outside the mirror hosts and the internal hosts. */
export function airgapFindings(model: TreeModel, opts: AirgapOptions): Finding[] {
  const allowed = new Set<string>([...opts.mirrors.map(hostOf).filter((h): h is string => !!h), ...(opts.internalHosts ?? [])]);
  for (const id of model.roots) {
    const ref = model.stages.get(id)?.sourceRef;
    const src = ref && model.rawObjects.find((x) => x.kind === ref.kind && x.namespace === ref.namespace && x.name === ref.name);
    const h = src && hostOf(str(spec(src).url) ?? '');
    if (h && !opts.internalHosts) allowed.add(h);
  }
  const bySource = new Map([...model.rawObjects, ...model.applied].map((o) => [o.display, o]));
  // One finding per source object, naming everything pulled through it.
  const outside = new Map<string, { a: AirgapArtifact; host: string; usedBy: Set<string> }>();
  for (const a of airgapArtifacts(model)) {
    // Images need an image registry mirror, which the config does not declare: listed, not judged.
    if (a.type === 'image') continue;
    const host = hostOf(a.url);
    if (!host || allowed.has(host) || /\.svc(\.cluster\.local)?$/.test(host)) continue;
    if (!outside.has(a.source)) outside.set(a.source, { a, host, usedBy: new Set() });
    for (const u of a.usedBy) outside.get(a.source)!.usedBy.add(u);
  }
  const out: Finding[] = [];
  for (const { a, host, usedBy } of outside.values()) {
    const src = bySource.get(a.source);
    const users = [...usedBy].sort();
    out.push({
      rule: 'airgap',
      file: src?.file ?? '',
      object: a.source,
      message: `the config is air-gapped, but ${a.source} pulls from ${a.url} (host ${host}), which is not the mirror (${opts.mirrors.join(', ') || 'none set'})${users.length ? `; used by ${users.join(', ')}` : ''}`,
      fix: a.type === 'helm-chart' ? `write the repository URL as \${helmMirrorURL:=${a.url}} so airgapped.helmMirror replaces it, or mirror it and point the source at the mirror` : `mirror ${a.url} inside the air gap and point ${a.source} at the mirror (AIRGAP.md lists everything to mirror)`,
    });
  }
  return out;
}

/** AIRGAP.md: what a mirror must hold, as tables per artifact type. */
export function renderAirgapMarkdown(artifacts: readonly AirgapArtifact[], mirror?: string): string {
  const out = ['# Air-gap closure', '', `Everything Flux pulls when this tree is applied${mirror ? ` (mirror: ${mirror})` : ''}. Fill the mirror from this list (AIRGAP.json has the same data).`, 'Container images inside the charts are not listed: they are known only once Helm renders the charts.', ''];
  const section = (title: string, type: AirgapArtifact['type'], cols: string[], row: (a: AirgapArtifact) => string[]) => {
    const xs = artifacts.filter((a) => a.type === type);
    if (xs.length === 0) return;
    out.push(`## ${title}`, '', `| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`);
    for (const a of xs) out.push(`| ${row(a).map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
    out.push('');
  };
  const used = (a: AirgapArtifact) => (a.usedBy.length ? a.usedBy.map((u) => `\`${u}\``).join(', ') : '–');
  section('Helm charts', 'helm-chart', ['Repository', 'Upstream', 'Chart', 'Version', 'Source', 'Used by'], (a) => [a.url, a.upstream ?? '–', a.chart ?? '', a.version ?? '', `\`${a.source}\``, used(a)]);
  section('OCI artifacts', 'oci', ['URL', 'Upstream', 'Chart', 'Reference', 'Source', 'Used by'], (a) => [a.url, a.upstream ?? '–', a.chart ?? '–', a.version ?? '–', `\`${a.source}\``, used(a)]);
  section('Git repositories', 'git', ['URL', 'Path (chart)', 'Reference', 'Source', 'Used by'], (a) => [a.url, a.chart ?? '–', a.version ?? '–', `\`${a.source}\``, used(a)]);
  section('Container images (of the workloads the tree holds; images inside charts are not listed)', 'image', ['Image', 'Used by'], (a) => [a.url, used(a)]);
  section('Buckets', 'bucket', ['Endpoint', 'Path', 'Reference', 'Source', 'Used by'], (a) => [a.url, a.chart ?? '–', a.version ?? '–', `\`${a.source}\``, used(a)]);
  if (artifacts.length === 0) out.push('Nothing is pulled.', '');
  return out.join('\n');
}

/**
 * The synth hook: AIRGAP.md and AIRGAP.json for an air-gapped config (nothing otherwise).
 * `files` are the rendered tree files (objects pre-parsed where available).
 */
export function airgapFiles(config: { readonly airgapped: { readonly enabled: boolean; readonly helmMirror?: string } }, files: readonly { path: string; content: string | Buffer; objects?: readonly unknown[] }[]): { path: string; content: string }[] {
  if (!config.airgapped.enabled) return [];
  const model = buildModel(new Map(files.map((f) => [f.path, f.content.toString()])), { parsed: new Map(files.filter((f) => f.objects).map((f) => [f.path, f.objects!])) });
  const artifacts = airgapArtifacts(model);
  return [
    { path: 'AIRGAP.json', content: JSON.stringify({ mirror: config.airgapped.helmMirror ?? null, artifacts }, null, 2) + '\n' },
    { path: 'AIRGAP.md', content: renderAirgapMarkdown(artifacts, config.airgapped.helmMirror) },
  ];
}
