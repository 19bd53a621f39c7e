/**
 * What the installer steps need from a kommander-applications release, in one small interface.
 *
 * The steps never read the release tree themselves: they read this view, which `releaseView()`
 * builds from the release model of `lib/kommander/release.ts` (the reader). Keeping the steps
 * on this narrow interface means a change in the reader touches this adapter only.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/** The two release layouts: `services/` (DKP ≤ 2.15) and `applications/` (NKP ≥ 2.16). */
export type Era = 'services' | 'applications';

/** A `${var}` the release's Kustomizations consume. */
export interface ReleaseVariable {
  readonly name: string;
  /** True when every use writes a default (`${v:=x}` / `${v:-x}`): nothing has to provide it. */
  readonly defaulted: boolean;
  /** Release-relative files that use it without a default (code-unit order). */
  readonly files: readonly string[];
}

export interface ReleaseView {
  /** Absolute path of the release tree. */
  readonly root: string;
  /** The release tag, e.g. `v2.8.3` (the `${kommanderChartVersion:=…}` default of the tree). */
  readonly tag: string;
  readonly era: Era;
  /** `services` or `applications`. */
  readonly appsDir: string;
  /** App id -> versions shipped (ascending). */
  readonly apps: ReadonlyMap<string, readonly string[]>;
  /** The Flux version the release ships (the `kommander-flux` app version). */
  readonly fluxVersion: string;
  /** Release-relative folder of the Flux manifests the installer applies. */
  readonly fluxManifests: string;
  /** The apiVersion of each Flux kind, as the release's Flux serves it (the CRDs' storage versions). */
  readonly fluxApi: { readonly helmRelease: string; readonly kustomization: string; readonly gitRepository: string; readonly helmRepository: string; readonly ociRepository: string };
  /** PriorityClass names of `common/priority-classes`. */
  readonly priorityClasses: readonly string[];
  /** The variable index of the release's deployable tree. */
  readonly variables: ReadonlyMap<string, ReleaseVariable>;
  /** Every file of the release to copy (release-relative, code-unit order). */
  readonly files: readonly string[];
}

/** Release-relative folder of an app version. */
export function appFolder(r: ReleaseView, app: string, version: string): string {
  return `${r.appsDir}/${app}/${version}`;
}

/** True when the release has this release-relative path. */
export function hasPath(r: ReleaseView, rel: string): boolean {
  return fs.existsSync(path.join(r.root, rel));
}

/** The Flux variables Kommander's controllers pass inline to every app Kustomization. */
export const CONTROLLER_VARIABLES = ['releaseName', 'releaseNamespace', 'workspaceNamespace', 'appVersion'] as const;

// ---------------------------------------------------------------------------------------------
// Interim reader (replaced by the release model of lib/kommander/release.ts once it lands).
// ---------------------------------------------------------------------------------------------

const SEMVER_DIR = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => cmp(a.name, b.name));
  for (const e of entries) {
    if (e.name === '.git') continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(root, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

function semverCmp(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.replace(/^v/, '').split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return cmp(String(x), String(y));
  }
  return 0;
}

/** Files whose `${…}` are not Flux variables (controller-rendered or tooling-only content). */
function notFluxContent(rel: string): boolean {
  return /\/dynamic-helmreleases\//.test(rel) || rel.startsWith('common/build/') || /\/crds?\//.test(rel) || /\.json$/.test(rel);
}

/** Reads the facts the steps need directly from a release tree (interim). */
export function readReleaseView(root: string): ReleaseView {
  const abs = path.resolve(root);
  const era: Era = fs.existsSync(path.join(abs, 'applications')) ? 'applications' : 'services';
  const appsDir = era;
  const apps = new Map<string, string[]>();
  for (const app of fs.readdirSync(path.join(abs, appsDir), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort(cmp)) {
    const versions = fs
      .readdirSync(path.join(abs, appsDir, app), { withFileTypes: true })
      .filter((e) => e.isDirectory() && SEMVER_DIR.test(e.name))
      .map((e) => e.name)
      .sort(semverCmp);
    if (versions.length) apps.set(app, versions);
  }
  const files = walk(abs);
  const vars = new Map<string, { defaulted: boolean; files: Set<string> }>();
  let tag = '';
  for (const f of files) {
    if (!/\.ya?ml$/.test(f) || notFluxContent(f)) continue;
    if (!(f.startsWith(`${appsDir}/`) || f.startsWith('common/') || f.startsWith('clusters/'))) continue;
    const text = fs.readFileSync(path.join(abs, f), 'utf8').replace(/\$\$\{/g, '');
    for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[=-][^}]*)?\}/g)) {
      const name = m[1];
      if (name === 'NAMESPACE' || name === 'var') continue;
      const v = vars.get(name) ?? { defaulted: true, files: new Set<string>() };
      if (!m[2]) {
        v.defaulted = false;
        v.files.add(f);
      }
      vars.set(name, v);
      if (name === 'kommanderChartVersion' && m[2] && !tag) tag = m[2].replace(/^:?[=-]/, '');
    }
  }
  const variables = new Map<string, ReleaseVariable>(
    [...vars.entries()].sort(([a], [b]) => cmp(a, b)).map(([name, v]) => [name, { name, defaulted: v.defaulted, files: [...v.files].sort(cmp) }]),
  );
  const fluxVersions = apps.get('kommander-flux') ?? [];
  const fluxVersion = fluxVersions[fluxVersions.length - 1] ?? '';
  const fluxManifests = era === 'applications' ? `${appsDir}/kommander-flux` : `${appsDir}/kommander-flux/${fluxVersion}`;
  const priorityClasses: string[] = [];
  const pcDir = path.join(abs, 'common/priority-classes');
  if (fs.existsSync(pcDir)) {
    for (const f of fs.readdirSync(pcDir).sort(cmp)) {
      if (!/\.ya?ml$/.test(f) || f === 'kustomization.yaml') continue;
      for (const d of YAML.parseAllDocuments(fs.readFileSync(path.join(pcDir, f), 'utf8'))) {
        const o = d.toJS();
        if (o?.kind === 'PriorityClass') priorityClasses.push(o.metadata.name);
      }
    }
  }
  const storage: { [kind: string]: string } = {};
  for (const f of files.filter((x) => x.startsWith(`${fluxManifests}/`) && /\.ya?ml$/.test(x) && /customresourcedefinition|bootstrap-flux/.test(x))) {
    for (const d of YAML.parseAllDocuments(fs.readFileSync(path.join(abs, f), 'utf8'))) {
      const o = d.toJS();
      if (o?.kind !== 'CustomResourceDefinition' || !String(o.spec?.group).endsWith('.toolkit.fluxcd.io')) continue;
      const v = (o.spec.versions ?? []).find((x: any) => x.storage);
      if (v) storage[o.spec.names.kind] = `${o.spec.group}/${v.name}`;
    }
  }
  const fluxApi = {
    helmRelease: storage.HelmRelease ?? 'helm.toolkit.fluxcd.io/v2',
    kustomization: storage.Kustomization ?? 'kustomize.toolkit.fluxcd.io/v1',
    gitRepository: storage.GitRepository ?? 'source.toolkit.fluxcd.io/v1',
    helmRepository: storage.HelmRepository ?? 'source.toolkit.fluxcd.io/v1',
    ociRepository: storage.OCIRepository ?? 'source.toolkit.fluxcd.io/v1',
  };
  return { root: abs, tag, era, appsDir, apps, fluxVersion, fluxManifests, fluxApi, priorityClasses: priorityClasses.sort(cmp), variables, files };
}
