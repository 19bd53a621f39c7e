import { IConstruct } from 'constructs';
import { guardTree, plaintextSecretProblems } from '../sops/guard';
import { Folder, TreeFile } from './folder';
import { jsonOf, withJsonCache } from './json';
import { stringifyYaml } from './yaml';
import { byKey } from '../order';

/** One file of the rendered tree. */
export interface RenderedFile {
  /** Repository-relative POSIX path. */
  readonly path: string;
  readonly content: string | Buffer;
  /**
   * For files rendered from objects (API objects, and the `kustomization.yaml` of a Folder): the
   * file's documents as plain JSON (saves re-parsing the YAML).
   */
  readonly objects?: readonly unknown[];
}

/** The identity Flux and Kubernetes use for an object: group/kind/namespace/name. */
export function objectKey(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  const group = (obj.apiVersion ?? '').includes('/') ? obj.apiVersion!.split('/')[0] : '';
  return `${group}/${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
}

function fileStem(obj: any, withNamespace: boolean): string {
  const kind = String(obj.kind).toLowerCase();
  const ns = obj.metadata?.namespace;
  return withNamespace && ns ? `${kind}-${ns}-${obj.metadata.name}` : `${kind}-${obj.metadata.name}`;
}

/** Renders a folder's `kustomization.yaml`. */
export function renderKustomization(resources: readonly string[]): string {
  return stringifyYaml(kustomizationObject(resources));
}

/** The document of a folder's `kustomization.yaml`. */
export function kustomizationObject(resources: readonly string[]): { apiVersion: string; kind: string; resources: string[] } {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources].sort() };
}

function collect(root: IConstruct): { folders: Folder[]; files: TreeFile[] } {
  const folders: Folder[] = [];
  const files: TreeFile[] = [];
  for (const c of root.node.findAll()) {
    if (Folder.isFolder(c)) folders.push(c);
    else if (TreeFile.isTreeFile(c)) files.push(c);
  }
  return { folders, files };
}

/**
 * Renders the construct tree under `root` into files: every Folder's API objects (one object per
 * file, `<kind>-<name>.yaml`, with the namespace added where two objects of a folder would
 * collide), a `kustomization.yaml` per Folder, and every TreeFile.
 *
 * Throws when two objects share group/kind/namespace/name anywhere in the tree, or two files share
 * a path: Flux would apply only one of them. The result is sorted by path and deterministic.
 */
/** Options of `renderTree`. */
export interface RenderOptions {
  /**
   * Called for every object besides the built-in guard; returned problems abort the render.
   * @default - only the built-in guard
   */
  readonly checkObject?: (obj: any) => string[];
}

/**
 * Renders a construct tree into files (see above). The secrets guards always apply, whatever the
 * options: a Secret with a plaintext value (`stringData`, or `data` that is not SOPS-encrypted)
 * and every file failing the plaintext guard (`guardTree`: age identities in any encoding, credentials in URLs, readable Secrets in copied files) abort the render with every problem.
 * `synthesize` / `renderRepository` add ROLLOUT.md on top.
 */
export function renderTree(root: IConstruct, options: RenderOptions = {}): RenderedFile[] {
  const extra = options.checkObject;
  const checkObject = (obj: any): string[] => [...plaintextSecretProblems(obj), ...(extra && extra !== plaintextSecretProblems ? extra(obj) : [])];
  const files = withJsonCache(() => render(root, { checkObject }));
  // The one plaintext guard every file of the tree passes (lib/sops/guard.ts, README "Safety").
  const leaks = guardTree(files);
  if (leaks.length) throw new Error(`refusing to synthesize: ${leaks.length} problem(s) in the tree:\n${leaks.map((l) => `  ${l}`).join('\n')}`);
  return files;
}

function render(root: IConstruct, options: RenderOptions): RenderedFile[] {
  const { folders, files } = collect(root);
  const out = new Map<string, { content: string | Buffer; origin: string; objects?: unknown[] }>();
  const add = (path: string, content: string | Buffer, origin: string, objects?: unknown[]) => {
    const prev = out.get(path);
    if (prev) {
      throw new Error(`two files would be written to ${path}: by ${prev.origin} and by ${origin} (give one of them another name or folder)`);
    }
    out.set(path, { content, origin, objects });
  };

  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const folder of folders) {
    const objs = folder.objects.map((o) => ({ json: jsonOf(o), origin: o.node.path }));
    for (const { json, origin } of objs) {
      if (!json.metadata?.name) throw new Error(`${origin}: object of kind ${json.kind} has no metadata.name (set it explicitly)`);
      const key = objectKey(json);
      const prev = seen.get(key);
      if (prev) {
        throw new Error(
          `duplicate object ${json.kind} ${json.metadata.namespace ? json.metadata.namespace + '/' : ''}${json.metadata.name}: ` +
            `defined by ${prev} and by ${origin} (Flux would apply only one of them; remove one)`,
        );
      }
      seen.set(key, origin);
      if (options.checkObject) for (const p of options.checkObject(json)) problems.push(`${origin} (${json.kind} ${json.metadata.name}): ${p}`);
    }
    const stemCount = new Map<string, number>();
    for (const { json } of objs) {
      const s = fileStem(json, false);
      stemCount.set(s, (stemCount.get(s) ?? 0) + 1);
    }
    const names: string[] = [];
    for (const { json, origin } of objs) {
      const name = `${fileStem(json, (stemCount.get(fileStem(json, false)) ?? 0) > 1)}.yaml`;
      names.push(name);
      add(`${folder.path}/${name}`, stringifyYaml(json), origin, [json]);
    }
    if (folder.kustomization) {
      const k = kustomizationObject([...names, ...folder.resources]);
      add(`${folder.path}/kustomization.yaml`, stringifyYaml(k), folder.node.path, [k]);
    }
  }
  for (const f of files) add(f.path, f.content, f.node.path);
  if (problems.length) throw new Error(`refusing to synthesize:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return [...out.entries()].sort(byKey(([k]) => k)).map(([path, v]) => (v.objects ? { path, content: v.content, objects: v.objects } : { path, content: v.content }));
}
