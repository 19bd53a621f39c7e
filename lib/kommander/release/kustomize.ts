import * as YAML from 'yaml';
import { ReleaseError } from './error';
import { isYaml, kindOf, readText, rel, walkFiles, within } from './fs';
import { byCodeUnit } from './semver';
import * as path from 'path';

/** Deepest chain of kustomization folders followed (real trees: 4). */
const MAX_NESTING = 64;

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** A folder that a Flux Kustomization (or the installer) applies, and whether it is substituted. */
export interface BuildRoot {
  /** Folder relative to the release root (posix, no leading `./`). */
  readonly path: string;
  /** True when the applying Flux Kustomization has `postBuild` (Flux substitutes only then). */
  readonly substituted: boolean;
  /** Who applies it: `app <id>-<version>`, `installer`, or the Flux Kustomization `ns/name` in `file`. */
  readonly appliedBy: string;
}

/** A Flux Kustomization object written in the tree. */
export interface TreeKustomization {
  readonly name: string;
  readonly namespace?: string;
  readonly apiVersion: string;
  /** `spec.path` as written. */
  readonly path: string;
  readonly substituted: boolean;
  readonly file: string;
}

function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || entry.startsWith('git@');
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Resolves which files a `kustomize build` of a folder reads, following local `resources`,
 * `bases`, `components`, `crds`, patch files and generator files; a folder without a
 * kustomization file stands for all its YAML files, recursively (as kustomize-controller
 * generates one). Remote bases and paths that leave the tree are not followed. Memoized.
 */
export class BuildResolver {
  private readonly memo = new Map<string, readonly string[]>();
  private depth = 0;

  constructor(private readonly root: string) {}

  /** Files (relative, code-unit order) that building folder `dir` reads. */
  public filesOf(dir: string): readonly string[] {
    const key = dir.replace(/^\.\//, '').replace(/\/+$/, '');
    const hit = this.memo.get(key);
    if (hit) return hit;
    this.memo.set(key, []); // cycle guard
    if (++this.depth > MAX_NESTING) {
      throw new ReleaseError(`${key}: kustomization resources nested deeper than ${MAX_NESTING} folders`);
    }
    const out = new Set<string>();
    try {
      this.collect(key, out);
    } finally {
      this.depth--;
    }
    const files = Object.freeze([...out].sort(byCodeUnit));
    this.memo.set(key, files);
    return files;
  }

  private collect(dir: string, out: Set<string>): void {
    const abs = within(this.root, dir);
    if (!abs || kindOf(abs) !== 'dir') return;
    const kfile = KUSTOMIZATION_FILES.map((f) => (dir ? `${dir}/${f}` : f)).find((f) => kindOf(within(this.root, f)!) === 'file');
    if (!kfile) {
      for (const f of walkFiles(this.root, abs, isYaml)) out.add(f);
      return;
    }
    out.add(kfile);
    let k: any;
    try {
      k = YAML.parse(readText(this.root, kfile));
    } catch (e) {
      if (e instanceof ReleaseError) throw e;
      throw new ReleaseError(`${kfile}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
    }
    if (!k || typeof k !== 'object') return;
    const entries: string[] = [
      ...strings(k.resources),
      ...strings(k.bases),
      ...strings(k.components),
      ...strings(k.crds),
      ...strings(k.patchesStrategicMerge),
    ];
    for (const p of [...(Array.isArray(k.patches) ? k.patches : []), ...(Array.isArray(k.patchesJson6902) ? k.patchesJson6902 : [])]) {
      if (p && typeof p.path === 'string') entries.push(p.path);
    }
    for (const g of [...(Array.isArray(k.configMapGenerator) ? k.configMapGenerator : []), ...(Array.isArray(k.secretGenerator) ? k.secretGenerator : [])]) {
      for (const f of strings(g?.files)) entries.push(f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
      for (const f of [...strings(g?.envs), ...(typeof g?.env === 'string' ? [g.env] : [])]) entries.push(f);
    }
    for (const entry of entries) {
      if (isRemote(entry) || entry.includes('${')) continue;
      const target = path.posix.normalize(path.posix.join(dir, entry));
      const tabs = within(this.root, target);
      if (!tabs || target.startsWith('..')) continue;
      const kind = kindOf(tabs);
      if (kind === 'dir') {
        for (const f of this.filesOf(rel(this.root, tabs))) out.add(f);
      } else if (kind === 'file') {
        out.add(rel(this.root, tabs));
      } else if (kind === undefined) {
        // kustomize (and so Flux) fails the build on a missing local resource
        throw new ReleaseError(`${kfile} lists ${entry}, which does not exist in the release tree (${target})`);
      }
    }
  }
}

const FLUX_KUSTOMIZATION = /^apiVersion:[ \t]*["']?kustomize\.toolkit\.fluxcd\.io\//m;

/** Flux Kustomization objects in a YAML text. */
export function fluxKustomizationsIn(text: string, file: string): TreeKustomization[] {
  if (!FLUX_KUSTOMIZATION.test(text)) return [];
  const out: TreeKustomization[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) throw new ReleaseError(`${file}: not valid YAML (${doc.errors[0].message.split('\n')[0]})`);
    const o = doc.toJS() as any;
    if (!o || typeof o !== 'object' || o.kind !== 'Kustomization' || typeof o.apiVersion !== 'string') continue;
    if (!o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') || typeof o.spec?.path !== 'string') continue;
    out.push({
      name: String(o.metadata?.name),
      namespace: o.metadata?.namespace === undefined ? undefined : String(o.metadata.namespace),
      apiVersion: o.apiVersion,
      path: o.spec.path,
      substituted: o.spec.postBuild !== undefined && o.spec.postBuild !== null,
      file,
    });
  }
  return out;
}
