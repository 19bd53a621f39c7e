import * as path from 'path';
import { isObject, isYamlFile, parseYamlDocs, ParseResult } from './tree';
import { TreeFiles } from './types';

/** The keys of a kustomization.yaml that is a plain list of resources. */
const PLAIN_KEYS = new Set(['apiVersion', 'kind', 'resources']);

const dirCache = new WeakMap<TreeFiles, Set<string>>();

/** Every folder of the tree (memoized per tree). */
function dirsOf(files: TreeFiles): Set<string> {
  let dirs = dirCache.get(files);
  if (!dirs) {
    dirs = new Set();
    for (const f of files.keys()) for (let i = f.lastIndexOf('/'); i > 0; i = f.lastIndexOf('/', i - 1)) dirs.add(f.slice(0, i));
    dirCache.set(files, dirs);
  }
  return dirs;
}

/**
 * True when `kustomize build <folder>` is certain to succeed with nothing but plain resource
 * lists: every kustomization.yaml it reaches has only `apiVersion`, `kind` and `resources`; every
 * resource is a YAML file of the tree or a folder with such a kustomization.yaml (no cycle, no
 * path outside the tree, no URL); every document is an object with apiVersion, kind and
 * metadata.name; no object id (apiVersion, kind, namespace, name) is added twice. This is all
 * kustomize does for such a folder, so `check` skips `kubectl kustomize` there: the synthesizer's
 * own folders are all like this, and kubectl needs minutes for a folder of thousands of files.
 * Anything else (patches, generators, components, a failure) is left to `kubectl kustomize`,
 * whose error message is the one reported.
 *
 * @param parsed documents already parsed (the check model's), by file; others are parsed here
 */
export function buildsPlainly(folder: string, files: TreeFiles, parsed: ReadonlyMap<string, ParseResult> = new Map()): boolean {
  const ids = new Set<string>();
  const visited = new Set<string>();
  const docsOf = (file: string): ParseResult => parsed.get(file) ?? parseYamlDocs(files.get(file) ?? '');
  const isDir = (dir: string): boolean => dirsOf(files).has(dir);
  const visit = (dir: string): boolean => {
    if (visited.has(dir)) return false;
    visited.add(dir);
    const kfile = dir ? `${dir}/kustomization.yaml` : 'kustomization.yaml';
    if (!files.has(kfile) || files.has(dir ? `${dir}/kustomization.yml` : 'kustomization.yml') || files.has(dir ? `${dir}/Kustomization` : 'Kustomization')) return false;
    const res = docsOf(kfile);
    if (res.errors.length > 0 || res.docs.length !== 1) return false;
    const k = res.docs[0].value;
    if (!isObject(k) || Object.keys(k).some((key) => !PLAIN_KEYS.has(key))) return false;
    if (k.apiVersion !== undefined && k.apiVersion !== 'kustomize.config.k8s.io/v1beta1') return false;
    if (k.kind !== undefined && k.kind !== 'Kustomization') return false;
    const resources = k.resources ?? [];
    if (!Array.isArray(resources)) return false;
    for (const r of resources) {
      if (typeof r !== 'string' || r === '' || r.includes('://') || r.startsWith('/')) return false;
      const p = path.posix.normalize(dir ? `${dir}/${r}` : r).replace(/\/$/, '');
      if (p === '..' || p.startsWith('../')) return false;
      if (files.has(p)) {
        if (!isYamlFile(p)) return false;
        const d = docsOf(p);
        if (d.errors.length > 0) return false;
        for (const doc of d.docs) {
          const o = doc.value;
          if (o === null) continue;
          if (!isObject(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || o.kind.endsWith('List')) return false;
          const meta = o.metadata;
          if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') return false;
          const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
          // Conservative: '' and 'default' count as one namespace, so a collision either way defers to kubectl.
          const id = `${o.apiVersion}|${o.kind}|${ns === 'default' ? '' : ns}|${meta.name}`;
          if (ids.has(id)) return false;
          ids.add(id);
        }
      } else if (isDir(p)) {
        if (!visit(p)) return false;
      } else return false;
    }
    return true;
  };
  return visit(folder.replace(/^\.\//, '').replace(/\/$/, '').replace(/^\.$/, ''));
}
