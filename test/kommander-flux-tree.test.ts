/**
 * The synthesized Kommander tree, applied as Flux would apply it, against the real release trees
 * in ../shared/kommander-applications/<tag> (the example config pointed at them):
 *
 * every Flux Kustomization of the tree (our stages, the release's own Kustomizations they create,
 * and the Kustomizations the AppDeployment controller generates for each AppDeployment: the
 * version folder + defaults with releaseName/releaseNamespace/workspaceNamespace/appVersion) is
 * built with `kubectl kustomize` (a folder without kustomization.yaml gets the one Flux generates:
 * every manifest under it), substituted as Flux's postBuild does (inline `substitute`, then the
 * `substituteFrom` ConfigMaps of the tree in the Kustomization's own namespace, `${v:=d}` /
 * `${v:-d}` defaults, `$${` escapes), and then:
 * - every Flux object uses an API version the release's Flux serves and is valid against that
 *   Flux's CRDs (unknown fields are errors);
 * - every variable without a default has a value;
 * - every sourceRef / chartRef resolves to an object some Kustomization applies;
 * - every PriorityClass a chart value names is applied, and the release's are.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { synthesize } from '../lib/cli';
import { loadRegistry } from '../lib/check';
import { findKubectl } from '../lib/check/kustomize';
import { parseConfig } from '../lib/config/load';
import { readReleaseView, ReleaseView } from '../lib/kommander/release-view';
import { writeTree } from '../lib/tree/writer';

const ROOT = path.resolve(__dirname, '..');
const SHARED = path.resolve(ROOT, '..', 'shared', 'kommander-applications');
const kubectl = findKubectl();
const ready = fs.existsSync(path.join(SHARED, 'v2.8.3')) && fs.existsSync(path.join(SHARED, 'v2.17.1')) && !!kubectl;
const real = ready ? test : test.skip;
if (!ready) console.warn(`SKIPPED: kommander-flux-tree needs ${SHARED}/{v2.8.3,v2.17.1} and kubectl (found kubectl: ${kubectl || 'no'})`);

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: any; data?: any };

interface Applier {
  readonly name: string;
  readonly namespace: string;
  readonly path: string;
  readonly substitute: Record<string, string>;
  readonly substituteFrom: readonly { kind: string; name: string; optional?: boolean }[];
  /** `namespace/name` of the Kustomizations it depends on (Flux applies it after them). */
  readonly dependsOn: readonly string[];
}

interface Applied {
  readonly by: string;
  readonly obj: Obj;
}

const VAR = /(\$*)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([=-])([^}]*))?\}/g;

/** Flux postBuild substitution of one object's YAML; records variables without a value. */
function substitute(text: string, vars: Record<string, string>, missing: Set<string>): string {
  return text.replace(VAR, (all, dollars: string, name: string, op: string | undefined, dflt: string | undefined) => {
    if (dollars.length % 2 === 1) return all.slice(1); // `$${x}` -> `${x}`
    if (name in vars && vars[name] !== '') return dollars + vars[name];
    if (op !== undefined) return dollars + (dflt ?? '');
    if (name in vars) return dollars;
    missing.add(name);
    return dollars;
  });
}

/** `kubectl kustomize` of a tree folder; a folder without kustomization.yaml gets Flux's generated one. */
function build(dir: string, folder: string): string {
  const abs = path.join(dir, folder);
  if (!fs.existsSync(path.join(abs, 'kustomization.yaml')) && !fs.existsSync(path.join(abs, 'kustomization.yml'))) {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (/\.ya?ml$/.test(e.name)) files.push(path.relative(abs, path.join(d, e.name)));
      }
    };
    walk(abs);
    fs.writeFileSync(path.join(abs, 'kustomization.yaml'), YAML.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }));
  }
  return execFileSync(kubectl as string, ['kustomize', abs], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

interface Walk {
  readonly release: ReleaseView;
  /** The Kustomization objects of the tree by `namespace/name`. */
  readonly kustomizations: Map<string, Obj>;
  /** Each applier's dependsOn and the applier that created it (`namespace/name`). */
  readonly graph: Map<string, { dependsOn: readonly string[]; createdBy?: string }>;
  readonly applied: Applied[];
  readonly missing: Map<string, Set<string>>;
  readonly appliers: string[];
}

/** Applies the tree as Flux and the AppDeployment controller would, from the root Kustomization on. */
function applyTree(tag: string): Walk {
  const example = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples', `kommander-${tag}.yaml`), 'utf8'));
  example.applicationDefinitions = path.join(SHARED, tag);
  const config = parseConfig(example, path.join(ROOT, 'examples'));
  const release = readReleaseView(path.join(SHARED, tag));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kommander-${tag}-`));
  writeTree(synthesize(config), dir);
  const applied: Applied[] = [];
  const missing = new Map<string, Set<string>>();
  const seen = new Set<string>();
  const kustomizations = new Map<string, Obj>();
  const graph = new Map<string, { dependsOn: readonly string[]; createdBy?: string }>();
  const queue: Applier[] = [{ name: 'kommander-flux', namespace: 'kommander-flux', path: `clusters/${config.clusterName}`, substitute: {}, substituteFrom: [], dependsOn: [] }];
  const configMaps = () => applied.filter((a) => a.obj.kind === 'ConfigMap');
  let stalled = 0;
  while (queue.length) {
    const k = queue.shift()!;
    const key = `${k.namespace}/${k.name}`;
    if (seen.has(key)) continue;
    // Flux applies a Kustomization after its dependsOn are Ready: wait for them (unless nothing can progress).
    if (k.dependsOn.some((d) => !seen.has(d)) && stalled <= queue.length) {
      queue.push(k);
      stalled++;
      continue;
    }
    stalled = 0;
    seen.add(key);
    if (!graph.has(key)) graph.set(key, { dependsOn: k.dependsOn });
    const vars: Record<string, string> = {};
    for (const src of k.substituteFrom) {
      const cm = configMaps().find((c) => c.obj.metadata.name === src.name && c.obj.metadata.namespace === k.namespace);
      if (cm) Object.assign(vars, cm.obj.data ?? {});
      else if (!src.optional) (missing.get(key) ?? missing.set(key, new Set()).get(key)!).add(`ConfigMap ${k.namespace}/${src.name}`);
    }
    Object.assign(vars, k.substitute);
    const hasPostBuild = Object.keys(k.substitute).length > 0 || k.substituteFrom.length > 0;
    for (const doc of YAML.parseAllDocuments(build(dir, k.path))) {
      let obj = doc.toJS() as Obj;
      if (!obj?.kind) continue;
      if (hasPostBuild && obj.metadata.annotations?.['kustomize.toolkit.fluxcd.io/substitute'] !== 'disabled') {
        const m = new Set<string>();
        obj = YAML.parse(substitute(YAML.stringify(obj), vars, m));
        if (m.size) for (const v of m) (missing.get(key) ?? missing.set(key, new Set()).get(key)!).add(v);
      }
      applied.push({ by: key, obj });
      if (obj.kind === 'Kustomization' && obj.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) {
        kustomizations.set(`${obj.metadata.namespace}/${obj.metadata.name}`, obj);
        graph.set(`${obj.metadata.namespace}/${obj.metadata.name}`, {
          dependsOn: (obj.spec.dependsOn ?? []).map((d: { name: string; namespace?: string }) => `${d.namespace ?? obj.metadata.namespace}/${d.name}`),
          createdBy: key,
        });
        queue.push({
          name: obj.metadata.name,
          namespace: obj.metadata.namespace ?? 'default',
          path: String(obj.spec.path).replace(/^\.\//, ''),
          substitute: obj.spec.postBuild?.substitute ?? {},
          substituteFrom: obj.spec.postBuild?.substituteFrom ?? [],
          dependsOn: (obj.spec.dependsOn ?? []).map((d: { name: string; namespace?: string }) => `${d.namespace ?? obj.metadata.namespace}/${d.name}`),
        });
      }
      if (obj.kind === 'AppDeployment') {
        // The controller's Kustomization: the version folder (+ services-era defaults), inline
        // controller variables, substituteFrom kommander-vars / substitution-vars.
        const m = /^(.*)-(v?\d+\.\d+\.\d+.*)$/.exec(obj.spec.appRef.name)!;
        const folder = `${release.appsDir}/${m[1]}/${m[2]}`;
        const inline: Record<string, string> = { releaseName: obj.metadata.name, releaseNamespace: obj.metadata.namespace!, workspaceNamespace: obj.metadata.namespace! };
        if (release.era === 'applications') inline.appVersion = m[2];
        const from = [
          { kind: 'ConfigMap', name: 'kommander-vars' },
          { kind: 'ConfigMap', name: 'substitution-vars' },
        ];
        graph.set(`${obj.metadata.namespace}/appdeployment-${obj.metadata.name}`, { dependsOn: [], createdBy: key });
        graph.set(`${obj.metadata.namespace}/appdeployment-${obj.metadata.name}-defaults`, { dependsOn: [], createdBy: key });
        queue.push({ name: `appdeployment-${obj.metadata.name}`, namespace: obj.metadata.namespace!, path: folder, substitute: inline, substituteFrom: from, dependsOn: [key] });
        if (fs.existsSync(path.join(dir, folder, 'defaults'))) {
          queue.push({ name: `appdeployment-${obj.metadata.name}-defaults`, namespace: obj.metadata.namespace!, path: `${folder}/defaults`, substitute: inline, substituteFrom: from, dependsOn: [key] });
        }
      }
    }
  }
  return { release, kustomizations, graph, applied, missing, appliers: [...seen] };
}

const FLUX_GROUP = /\.toolkit\.fluxcd\.io\//;

describe.each(['v2.8.3', 'v2.17.1'])('the %s tree applied as Flux applies it', (tag) => {
  const walk = ready ? applyTree(tag) : undefined;

  real('reaches the stages, the release Kustomizations and the AppDeployments', () => {
    const { appliers, applied } = walk!;
    expect(appliers.length).toBeGreaterThan(20);
    console.log(`${tag}: ${appliers.length} Kustomizations applied, ${applied.length} objects, ${applied.filter((a) => FLUX_GROUP.test(a.obj.apiVersion)).length} Flux objects`);
    expect(appliers).toEqual(expect.arrayContaining(['kommander-flux/kommander-root-ca', 'kommander/gatekeeper-release', 'kommander/appdeployment-gatekeeper']));
    expect(applied.length).toBeGreaterThan(100);
  });

  real("every Flux object uses an API version the release's Flux serves and is valid against its CRDs (unknown fields are errors)", () => {
    const { release, applied } = walk!;
    const registry = loadRegistry(release.fluxCrdFiles);
    const flux = applied.filter((a) => FLUX_GROUP.test(`${a.obj.apiVersion}/`) || FLUX_GROUP.test(a.obj.apiVersion));
    expect(flux.length).toBeGreaterThan(40);
    const bad = flux
      .map((a) => ({ by: a.by, obj: `${a.obj.apiVersion} ${a.obj.kind} ${a.obj.metadata.namespace ?? ''}/${a.obj.metadata.name}`, served: release.servesFlux(a.obj.apiVersion, a.obj.kind), result: registry.validate(a.obj as any) }))
      .filter((r) => !r.served || r.result.status !== 'ok');
    expect(bad).toStrictEqual([]);
  });

  real('every variable without a default has a value, and every substituteFrom ConfigMap exists', () => {
    const m = [...walk!.missing.entries()].map(([k, v]) => `${k}: ${[...v].sort().join(', ')}`);
    expect(m).toStrictEqual([]);
  });

  real('every sourceRef and chartRef resolves to an applied object (or the root source)', () => {
    const { applied } = walk!;
    const have = new Set(applied.map((a) => `${a.obj.kind}/${a.obj.metadata.namespace ?? ''}/${a.obj.metadata.name}`));
    have.add('GitRepository/kommander-flux/kommander-flux'); // created by flux bootstrap, adopted by the root folder
    const refs: string[] = [];
    for (const { obj } of applied) {
      const ns = obj.metadata.namespace ?? '';
      if (obj.kind === 'Kustomization' && FLUX_GROUP.test(obj.apiVersion)) refs.push(`${obj.spec.sourceRef.kind}/${obj.spec.sourceRef.namespace ?? ns}/${obj.spec.sourceRef.name}`);
      if (obj.kind === 'HelmRelease') {
        const s = obj.spec.chart?.spec?.sourceRef ?? obj.spec.chartRef;
        refs.push(`${s.kind}/${s.namespace ?? ns}/${s.name}`);
      }
    }
    expect(refs.length).toBeGreaterThan(20);
    expect([...new Set(refs.filter((r) => !have.has(r)))]).toStrictEqual([]);
  });

  real('hand-over: an object an AppDeployment applies is applied by no stage, except once by an install stage (ssa IfNotPresent, prune false)', () => {
    const { applied, kustomizations } = walk!;
    const id = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const byApp = new Set(applied.filter((a) => a.by.includes('/appdeployment-')).map((a) => id(a.obj)));
    const shared = applied.filter((a) => !a.by.includes('/appdeployment-') && byApp.has(id(a.obj)));
    expect(shared.length).toBeGreaterThan(5); // gatekeeper, appmanagement, kommander, … were installed before adoption
    const owners = [...new Set(shared.map((a) => a.by))].sort();
    const notOnce = owners.filter((o) => {
      const k = kustomizations.get(o);
      return !(k && k.spec.prune === false && k.spec.commonMetadata?.annotations?.['kustomize.toolkit.fluxcd.io/ssa'] === 'IfNotPresent');
    });
    // the release's own sub-Kustomizations (gatekeeper-release, …) are applied once by the install stage,
    // then by the AppDeployment's: the objects they apply belong to whichever Kustomization object exists
    const releaseOwned = notOnce.filter((o) => !o.startsWith('kommander-flux/'));
    expect(notOnce.filter((o) => !releaseOwned.includes(o))).toStrictEqual([]);
    for (const o of releaseOwned) expect(byApp.has(`Kustomization/${o}`)).toBe(true);
  });

  real('what the release defines arrives as defined: AppManagement issuer values, Gatekeeper bootstrap, kommander with its defaults and kubefed', () => {
    const { applied } = walk!;
    const find = (kind: string, name: string | RegExp) => applied.find((a) => a.obj.kind === kind && (typeof name === 'string' ? a.obj.metadata.name === name : name.test(a.obj.metadata.name)))?.obj;
    const values = (cm: Obj | undefined) => YAML.parse(cm!.data['values.yaml']);
    // AppManagement (v2.8.3; in v2.17.1 kommander-operator deploys it for KommanderCore): its release
    // defaults, substituted with the tree's issuer
    if (walk!.release.era === 'services') {
      expect(values(find('ConfigMap', /^kommander-appmanagement-.*d2iq-defaults$/)).webhook.certificate.issuer).toStrictEqual({ name: 'kommander-ca', kind: 'ClusterIssuer' });
    }
    // Gatekeeper: release name, constraint templates and constraints of gatekeeper/bootstrap
    expect(find('HelmRelease', 'gatekeeper')!.spec.releaseName).toBe('kommander-gatekeeper');
    expect(find('ConstraintTemplate', 'requiredserviceaccountname')).toBeDefined();
    expect(applied.filter((a) => a.obj.kind === 'RequiredServiceAccountName').map((a) => a.obj.metadata.name).sort()).toStrictEqual(['helmrelease-must-have-sa', 'kustomization-must-have-sa']);
    // Part II: kommander after kubefed, with its release defaults and the tree's overrides
    const kommander = find('HelmRelease', 'kommander')!;
    expect(kommander.spec.dependsOn).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'kubefed' })]));
    expect(find('HelmRelease', 'kubefed')).toBeDefined();
    const from = kommander.spec.valuesFrom.map((v: { name: string }) => v.name);
    expect(from.some((n: string) => find('ConfigMap', n) && /defaults/.test(n))).toBe(true);
    expect(from.some((n: string) => /overrides$/.test(n) && find('ConfigMap', n))).toBe(true);
  });

  real('the era\'s Git server and chart store: Gitea and ChartMuseum (v2.8.3), git-operator (v2.17.1)', () => {
    const { applied, release } = walk!;
    const find = (kind: string, name: string) => applied.find((a) => a.obj.kind === kind && a.obj.metadata.name === name)?.obj;
    if (release.era === 'services') {
      const cm = find('HelmRelease', 'chartmuseum')!;
      expect(cm.spec.chart.spec.sourceRef).toStrictEqual({ kind: 'GitRepository', name: 'management', namespace: 'kommander-flux' });
      expect(cm.spec.chart.spec.chart).toMatch(/^services\/chartmuseum\/.*\.tgz$/);
      expect(find('PersistentVolumeClaim', 'chartmuseum')).toBeDefined();
      expect(find('Certificate', 'chartmuseum-tls')).toBeDefined();
      expect(YAML.parse(find('ConfigMap', 'chartmuseum-3.10.2-d2iq-defaults')!.data['values.yaml']).env.existingSecret).toBe('chartmuseum-admin-credentials');
      expect(find('HelmRelease', 'gitea')).toBeDefined();
      expect(YAML.parse(find('ConfigMap', 'gitea-8.2.1-d2iq-defaults')!.data['values.yaml']).gitea.admin.existingSecret).toBe('gitea-admin-credentials');
      expect(find('Job', 'kommander-repository-init')).toBeDefined();
      expect(find('GitRepository', 'management')!.spec.url).toBe('https://gitea-http.kommander.svc/kommander/kommander.git');
    } else {
      expect(find('Deployment', 'git-operator-controller-manager')).toBeDefined();
      expect(find('GitClaim', 'kommander')!.spec.bootstrap.url).toBe('https://git.example.com/platform/management.git');
      expect(find('GitClaimUser', 'kommander-git-credentials')!.spec).toStrictEqual({ gitClaimName: 'kommander', allowWrite: true });
      expect(find('GitRepository', 'management')!.spec.url).toBe('https://git-operator-git.git-operator-system.svc.cluster.local./repositories/kommander/kommander.git');
      expect(find('KommanderCore', 'kommander-core')!.spec.version).toBe('v2.17.1');
    }
    // the management repository and the root repository have separate credentials
    expect(find('GitRepository', 'management')!.spec.secretRef.name).toBe('kommander-git-credentials');
  });

  real('every PriorityClass a chart names is applied (the release ships and applies dkp-critical-priority, dkp-high-priority)', () => {
    const { applied, release } = walk!;
    const classes = new Set(applied.filter((a) => a.obj.kind === 'PriorityClass').map((a) => a.obj.metadata.name));
    expect([...release.priorityClasses].filter((p) => !classes.has(p))).toStrictEqual([]);
    const used = new Set<string>();
    for (const { obj } of applied) for (const m of YAML.stringify(obj).matchAll(/priorityClassName:\s*"?'?(dkp-[a-z-]+)/g)) used.add(m[1]);
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((u) => !classes.has(u))).toStrictEqual([]);
  });

  real('the PriorityClasses are applied before the first chart that uses them (dependsOn, or created by a later Kustomization)', () => {
    const { applied, graph } = walk!;
    // `a` runs after `b` when b is in a's dependsOn closure, or a was created by something after b.
    const after = (a: string, b: string, seen = new Set<string>()): boolean => {
      if (a === b) return true;
      if (seen.has(a)) return false;
      seen.add(a);
      const g = graph.get(a);
      if (!g) return false;
      return g.dependsOn.some((d) => after(d, b, seen)) || (g.createdBy !== undefined && after(g.createdBy, b, seen));
    };
    const pcBy = [...new Set(applied.filter((a) => a.obj.kind === 'PriorityClass').map((a) => a.by))];
    expect(pcBy.length).toBeGreaterThan(0);
    const users = [...new Set(applied.filter((a) => /priorityClassName:\s*"?'?dkp-/.test(YAML.stringify(a.obj))).map((a) => a.by))].sort();
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((u) => !pcBy.some((p) => after(u, p)))).toStrictEqual([]);
  });
});
