/**
 * What the installer steps need from a kommander-applications release, in one small interface.
 *
 * The steps never read the release tree themselves: they read this view, which `releaseView()`
 * builds from the release model of `lib/kommander/release.ts` (the reader). Keeping the steps
 * on this narrow interface means a change in the reader touches this adapter only.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FluxApi } from '../flux/api';
import { KommanderRelease, readRelease, ReleaseError } from './release';
import { compareCodeUnits } from '../order';

/** The two release layouts: `services/` (DKP ≤ 2.15) and `applications/` (NKP ≥ 2.16). */
export type Era = 'services' | 'applications';

/** A `${var}` the release's Kustomizations consume. */
export interface ReleaseVariable {
  readonly name: string;
  /** True when every use writes a default (`${v:=x}` / `${v:-x}`): nothing has to provide it. */
  readonly defaulted: boolean;
  /** Release-relative files that use it without a default (code-unit order). */
  readonly files: readonly string[];
  /** The defaults the tree writes for it elsewhere (`${v:=d}`), most used first (then code-unit order). */
  readonly defaults: readonly string[];
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
  readonly fluxApi: FluxApi;
  /** Absolute paths of the files holding the release's Flux CRDs. */
  readonly fluxCrdFiles: readonly string[];
  /** True when the release's Flux serves `apiVersion` for `kind`. */
  readonly servesFlux: (apiVersion: string, kind: string) => boolean;
  /** HelmRepository names of `common/helm-repositories`. */
  readonly helmRepositories: readonly string[];
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
// The adapter over the release model (lib/kommander/release.ts).
// ---------------------------------------------------------------------------------------------

const cmp = compareCodeUnits;

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => cmp(a.name, b.name));
  for (const e of entries) {
    if (e.name === '.git') continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) {
      throw new ReleaseError(`applicationDefinitions: ${r} is a symbolic link (the release tree is copied verbatim; copy the target instead)`);
    }
    if (e.isDirectory()) out.push(...walk(root, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/**
 * Reads a release tree (through `readRelease`) into the view the steps use.
 * @throws ReleaseError naming what was found and what is available
 */
export function readReleaseView(root: string, key = 'applicationDefinitions'): ReleaseView {
  const cacheKey = `${path.resolve(root)}\u0000${key}`;
  // A view is reused only while the tree is unchanged (same files, sizes and modification times):
  // a long-lived process (tests, an extend hook) that edits the tree reads it again.
  const signature = treeSignature(root);
  const hit = VIEWS.get(cacheKey);
  if (hit && hit.signature === signature) return hit.view;
  const view = readView(root, key);
  VIEWS.set(cacheKey, { signature, view });
  return view;
}

/** Views already read in this process, with the signature of the tree they were read from. */
const VIEWS = new Map<string, { readonly signature: string; readonly view: ReleaseView }>();

/** Every file below root with its size and modification time (links and missing trees: their own entry). */
function treeSignature(root: string): string {
  const parts: string[] = [];
  const visit = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      parts.push(`?${rel}`);
      return;
    }
    for (const e of entries.sort((a, b) => cmp(a.name, b.name))) {
      if (e.name === '.git') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(r);
      else {
        const st = fs.lstatSync(path.join(root, r));
        parts.push(`${r}\u0000${st.size}\u0000${st.mtimeMs}\u0000${e.isSymbolicLink() ? 'l' : 'f'}`);
      }
    }
  };
  visit('');
  return parts.join('\n');
}

function readView(root: string, key: string): ReleaseView {
  const r: KommanderRelease = readRelease(root, { key });
  const apps = new Map<string, string[]>(r.apps.filter((a) => a.versions.length).map((a) => [a.id, a.versions.map((v) => v.version)]));
  const byUse = (name: string, defaults: readonly string[], files: readonly string[]): string[] => {
    if (defaults.length < 2) return [...defaults];
    const count = new Map<string, number>(defaults.map((d) => [d, 0]));
    for (const f of files) {
      for (const m of fs.readFileSync(path.join(r.root, f), 'utf8').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?[=-]([^}]*)\}/g)) {
        if (m[1] === name && count.has(m[2])) count.set(m[2], count.get(m[2])! + 1);
      }
    }
    return [...defaults].sort((a, b) => count.get(b)! - count.get(a)! || cmp(a, b));
  };
  // The files that use a variable without a default (the index lists every file using it).
  const bare = (name: string, files: readonly string[]): string[] =>
    files.filter((f) => new RegExp(`(^|[^$])\\$\\{${name}\\}`).test(fs.readFileSync(path.join(r.root, f), 'utf8')));
  const variables = new Map<string, ReleaseVariable>(
    r.variables.variables.map((v) => [
      v.name,
      { name: v.name, defaulted: !v.required, files: v.required ? bare(v.name, v.files) : [], defaults: v.required ? byUse(v.name, v.defaults, v.files) : [...v.defaults] },
    ]),
  );
  const fluxDir = r.flux.app.path;
  const fluxManifests = r.layout === 'applications' && fs.existsSync(path.join(r.root, r.appsDir, 'kommander-flux', 'kustomization.yaml')) ? path.posix.dirname(fluxDir) : fluxDir;
  const tag = r.kommanderChartVersion ?? `v${r.flux.version}`;
  const api = r.fluxApi;
  return {
    root: r.root,
    tag,
    era: r.layout,
    appsDir: r.appsDir,
    apps,
    fluxVersion: r.flux.version,
    fluxManifests,
    fluxCrdFiles: r.flux.crdFiles.map((f) => path.join(r.root, f)),
    fluxApi: api,
    servesFlux: (apiVersion, kind) => r.flux.serves(apiVersion, kind),
    priorityClasses: r.common.priorityClasses.map((p) => p.name),
    helmRepositories: r.common.helmRepositories.map((h) => h.name),
    variables,
    files: walk(r.root),
  };
}
