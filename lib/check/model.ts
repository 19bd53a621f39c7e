import { SchemaRegistry } from './schema';
import {
  asArray,
  dirOf,
  displayId,
  groupOf,
  isClusterScoped,
  isKustomizeConfig,
  isObject,
  isYamlFile,
  joinRepoPath,
  Json,
  JsonObject,
  normalizeFluxPath,
  ParseResult,
  parseYamlDocs,
  str,
  substitute,
} from './tree';
import { Finding, ObjectRef, TreeFiles } from './types';
import { compareCodeUnits } from '../order';

/**
 * The Flux graph of a synthesized tree, computed offline from the files alone:
 * which Flux Kustomizations exist, which folder each applies, which objects land in the cluster
 * (after kustomize's `namespace:`, Flux's `targetNamespace` and post-build substitution), and
 * which Kustomization applies each of them.
 *
 * Resolution follows Flux: a Kustomization's `sourceRef` is looked up in `sourceRef.namespace`
 * or else the Kustomization's namespace; `dependsOn[].namespace` defaults to the object's own
 * namespace; `postBuild.substituteFrom`, `decryption.secretRef` and HelmRelease `valuesFrom` are
 * always resolved in the object's own namespace.
 */

export const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
export const HELM_GROUP = 'helm.toolkit.fluxcd.io';
export const SOURCE_GROUP = 'source.toolkit.fluxcd.io';

/** One Kubernetes object of the tree. */
export interface TreeObject {
  readonly file: string;
  /** Index of the document in its file. */
  readonly doc: number;
  readonly obj: JsonObject;
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** Effective namespace (after overrides and defaulting); undefined when cluster-scoped or unknown. */
  readonly namespace?: string;
  /** Identity in the cluster: `group/Kind/namespace/name` (the version is not part of it). */
  readonly key: string;
  /** `Kind/namespace/name` (or `Kind/name`). */
  readonly display: string;
  /** Id (`namespace/name`) of the Flux Kustomization that applies it, if any. */
  readonly stage?: string;
}

/** A Flux Kustomization of the tree ("stage"). */
export interface Stage {
  /** `namespace/name`. */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly object: TreeObject;
  /** `spec.path` as written. */
  readonly rawPath: string;
  /** Normalized folder (`kommander/base`; `''` is the repository root); undefined when invalid. */
  readonly path?: string;
  /** The resolved `spec.sourceRef`. */
  readonly sourceRef?: ObjectRef;
  /** True when the source is the tree's own repository, so `path` points into this tree. */
  readonly inTree: boolean;
  /** Id of the stage that applies this Kustomization (undefined for the roots). */
  readonly parent?: string;
  /** Resolved `dependsOn` (namespace defaulted). */
  readonly dependsOn: readonly ObjectRef[];
  readonly folderExists: boolean;
  /** Path of the folder's `kustomization.yaml`, if any. */
  readonly kustomizationFile?: string;
  /** Files the stage applies (via kustomization.yaml), sorted. */
  readonly files: readonly string[];
  /** Objects the stage applies, after substitution and namespace overrides. */
  readonly objects: readonly TreeObject[];
  /**
   * True when Flux substitutes variables: `postBuild` is set and at least one variable is defined,
   * or `postBuild.substituteStrategy` is `Always` (fluxcd/pkg kustomize_varsub.go
   * SubstituteVariables: `len(vars) > 0 || options.Always`). Unknown external sources count as
   * defining variables.
   */
  readonly substitutes: boolean;
  /** True when `postBuild` is set (even if Flux then substitutes nothing). */
  readonly hasPostBuild: boolean;
  /** Variables provided (value undefined when only the key is known, e.g. in a SOPS Secret). */
  readonly vars: ReadonlyMap<string, string | undefined>;
  /** False when a variable source could not be read (external or missing): vars may be incomplete. */
  readonly varsComplete: boolean;
  /** Problems found while resolving the folder (missing resources, parse errors). */
  readonly problems: readonly Finding[];
}

export interface TreeModel {
  readonly files: TreeFiles;
  /** Every object of every YAML file, as written (no substitution). */
  readonly rawObjects: readonly TreeObject[];
  readonly stages: ReadonlyMap<string, Stage>;
  /** Ids of the root stages (self-applying Kustomizations). */
  readonly roots: readonly string[];
  /** `Kind/namespace/name` of the sources that mean "this repository". */
  readonly treeSources: ReadonlySet<string>;
  /** Every applied object, once per applying stage. */
  readonly applied: readonly TreeObject[];
  /** Parse results per YAML file. */
  readonly parsed: ReadonlyMap<string, ParseResult>;
  readonly registry?: SchemaRegistry;
}

export interface ModelOptions {
  /** CRDs, for the scope (namespaced or not) of custom kinds. */
  readonly registry?: SchemaRegistry;
  /**
   * The documents of some files, already parsed (e.g. by the synthesizer, which has them as
   * objects): those files are not parsed again. @default - every file is parsed
   */
  readonly parsed?: ReadonlyMap<string, readonly unknown[]>;
}

function meta(obj: JsonObject): JsonObject {
  return isObject(obj.metadata) ? obj.metadata : {};
}

export function refKey(ref: ObjectRef): string {
  return displayId(ref.kind, ref.namespace, ref.name);
}

export function isFluxKustomization(o: { group: string; kind: string }): boolean {
  return o.group === KUSTOMIZE_GROUP && o.kind === 'Kustomization';
}

/** True when the object carries SOPS metadata (an encrypted document). */
export function isSopsEncrypted(obj: JsonObject): boolean {
  return isObject(obj.sops);
}

function decodeBase64(s: string): string | undefined {
  try {
    return Buffer.from(s, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

interface FolderResult {
  files: { file: string; nsOverride?: string }[];
  generated: JsonObject[];
  problems: Finding[];
  kustomizationFile?: string;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export class ModelBuilder {
  private readonly parsed = new Map<string, ParseResult>();
  private readonly dirs = new Set<string>();
  private readonly rawObjects: TreeObject[] = [];
  private readonly rawByRef = new Map<string, TreeObject[]>();

  constructor(private readonly files: TreeFiles, private readonly registry?: SchemaRegistry, preParsed?: ReadonlyMap<string, readonly unknown[]>) {
    for (const f of files.keys()) {
      for (let d = dirOf(f); ; d = dirOf(d)) {
        if (this.dirs.has(d)) break;
        this.dirs.add(d);
        if (d === '') break;
      }
    }
    for (const [file, text] of files) {
      if (!isYamlFile(file)) continue;
      const given = preParsed?.get(file);
      const res: ParseResult = given ? { docs: given.map((value, index) => ({ index, value: value as Json })), errors: [] } : parseYamlDocs(text);
      this.parsed.set(file, res);
      for (const doc of res.docs) {
        const o = this.toObject(file, doc.index, doc.value, {});
        if (!o) continue;
        this.rawObjects.push(o);
        const k = displayId(o.kind, o.namespace, o.name);
        if (!this.rawByRef.has(k)) this.rawByRef.set(k, []);
        this.rawByRef.get(k)!.push(o);
      }
    }
  }

  public build(): TreeModel {
    const roots = this.findRoots();
    const treeSources = new Set<string>();
    for (const r of roots) {
      const src = this.sourceRefOf(r);
      if (src) treeSources.add(refKey(src));
    }
    const stages = new Map<string, Stage>();
    const applied: TreeObject[] = [];
    const queue: { obj: TreeObject; parent?: string }[] = roots.map((obj) => ({ obj }));
    for (let qi = 0; qi < queue.length; qi++) {
      const { obj, parent } = queue[qi];
      const id = `${obj.namespace}/${obj.name}`;
      if (stages.has(id)) continue;
      const stage = this.buildStage(obj, parent, treeSources);
      stages.set(id, stage);
      for (const o of stage.objects) {
        applied.push(o);
        if (isFluxKustomization(o) && !stages.has(`${o.namespace}/${o.name}`)) queue.push({ obj: o, parent: id });
      }
    }
    const sortedStages = new Map([...stages.entries()].sort(([a], [b]) => compareCodeUnits(a, b)));
    return {
      files: this.files,
      rawObjects: this.rawObjects,
      stages: sortedStages,
      roots: roots.map((r) => `${r.namespace}/${r.name}`).sort(),
      treeSources,
      applied,
      parsed: this.parsed,
      registry: this.registry,
    };
  }

  /** Self-applying Kustomizations (their own file lies in the folder they apply), preferring `clusters/`. */
  private findRoots(): TreeObject[] {
    const ks = this.rawObjects.filter(isFluxKustomization);
    const selfApplying = ks.filter((k) => {
      const p = normalizeFluxPath(str((k.obj.spec as JsonObject | undefined)?.path) ?? '');
      return p !== undefined && (p === '' || k.file.startsWith(`${p}/`));
    });
    const underClusters = (xs: TreeObject[]) => xs.filter((k) => k.file.startsWith('clusters/'));
    for (const candidates of [underClusters(selfApplying), selfApplying, underClusters(ks), ks]) {
      if (candidates.length > 0) {
        const seen = new Set<string>();
        return candidates.filter((k) => {
          const id = `${k.namespace}/${k.name}`;
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
      }
    }
    return [];
  }

  private sourceRefOf(k: TreeObject): ObjectRef | undefined {
    const spec = isObject(k.obj.spec) ? k.obj.spec : {};
    const ref = isObject(spec.sourceRef) ? spec.sourceRef : undefined;
    if (!ref || !str(ref.name)) return undefined;
    return { kind: str(ref.kind) ?? 'GitRepository', name: ref.name as string, namespace: str(ref.namespace) ?? k.namespace };
  }

  private buildStage(obj: TreeObject, parent: string | undefined, treeSources: ReadonlySet<string>): Stage {
    const spec = isObject(obj.obj.spec) ? obj.obj.spec : {};
    const ns = obj.namespace ?? 'default';
    const rawPath = str(spec.path) ?? '';
    const p = normalizeFluxPath(rawPath);
    const sourceRef = this.sourceRefOf(obj);
    // The tree's repository: the roots' source, or a GitRepository of the tree (e.g. a mirror of
    // the same repository) when the folder exists in the tree.
    const folderInTree = p !== undefined && this.dirs.has(p);
    const inTree =
      sourceRef !== undefined &&
      (treeSources.has(refKey(sourceRef)) || (sourceRef.kind === 'GitRepository' && folderInTree && this.findRaw('GitRepository', sourceRef.namespace, sourceRef.name) !== undefined));
    const dependsOn: ObjectRef[] = asArray(spec.dependsOn)
      .filter(isObject)
      .filter((d) => str(d.name))
      .map((d) => ({ kind: 'Kustomization', name: d.name as string, namespace: str(d.namespace) ?? ns }));
    const postBuildSpec = isObject(spec.postBuild) ? spec.postBuild : undefined;
    const { vars, complete } = this.varsOf(postBuildSpec, ns);
    // With no variable at all (and the default substituteStrategy WithVariables) Flux skips substitution.
    const postBuild = postBuildSpec && (vars.size > 0 || !complete || postBuildSpec.substituteStrategy === 'Always') ? postBuildSpec : undefined;
    const problems: Finding[] = [];
    let files: string[] = [];
    let objects: TreeObject[] = [];
    let kustomizationFile: string | undefined;
    const folderExists = folderInTree;
    if (inTree && p !== undefined && folderExists) {
      const res = this.collectFolder(p, undefined, new Set(), obj);
      problems.push(...res.problems);
      kustomizationFile = res.kustomizationFile;
      const targetNamespace = str(spec.targetNamespace);
      const id = `${ns}/${obj.name}`;
      const seenFiles = new Set<string>();
      for (const { file, nsOverride } of res.files) {
        if (seenFiles.has(file)) continue;
        seenFiles.add(file);
        files.push(file);
        objects.push(...this.objectsOfFile(file, nsOverride, targetNamespace, postBuild ? vars : undefined, id, problems));
      }
      for (const g of res.generated) {
        const o = this.toObject(res.kustomizationFile ?? p, -1, g, { targetNamespace, stage: id });
        if (o) objects.push(o);
      }
      files = files.sort();
    }
    return {
      id: `${ns}/${obj.name}`,
      name: obj.name,
      namespace: ns,
      object: obj,
      rawPath,
      path: p,
      sourceRef,
      inTree,
      parent,
      dependsOn,
      folderExists,
      kustomizationFile,
      files,
      objects,
      substitutes: postBuild !== undefined,
      hasPostBuild: postBuildSpec !== undefined,
      vars,
      varsComplete: complete,
      problems,
    };
  }

  /** Variables of a stage: substituteFrom in order (later wins), then inline substitute (wins). */
  private varsOf(postBuild: JsonObject | undefined, ns: string): { vars: Map<string, string | undefined>; complete: boolean } {
    const vars = new Map<string, string | undefined>();
    let complete = true;
    if (!postBuild) return { vars, complete };
    for (const from of asArray(postBuild.substituteFrom)) {
      if (!isObject(from) || !str(from.name)) continue;
      const kind = str(from.kind) ?? 'ConfigMap';
      const src = this.findRaw(kind, ns, from.name as string);
      if (!src) {
        if (from.optional !== true) complete = false;
        continue;
      }
      const encrypted = isSopsEncrypted(src.obj);
      for (const field of ['data', 'stringData']) {
        const data = src.obj[field];
        if (!isObject(data)) continue;
        for (const [k, v] of Object.entries(data)) {
          if (encrypted) vars.set(k, undefined);
          else if (kind === 'Secret' && field === 'data') vars.set(k, typeof v === 'string' ? decodeBase64(v) : undefined);
          else vars.set(k, typeof v === 'string' ? v : v === null ? '' : String(v));
        }
      }
    }
    if (isObject(postBuild.substitute)) {
      // kustomize-controller drops newlines from inline values (fluxcd/pkg kustomize_varsub.go SubstituteVariables).
      for (const [k, v] of Object.entries(postBuild.substitute)) vars.set(k, (typeof v === 'string' ? v : String(v)).replace(/\n/g, ''));
    }
    return { vars, complete };
  }

  /** Finds an object by kind/namespace/name among the raw objects of the tree. */
  public findRaw(kind: string, namespace: string | undefined, name: string): TreeObject | undefined {
    return this.rawByRef.get(displayId(kind, namespace, name))?.[0];
  }

  private collectFolder(folder: string, nsOverride: string | undefined, visiting: Set<string>, owner: TreeObject): FolderResult {
    const out: FolderResult = { files: [], generated: [], problems: [] };
    if (visiting.has(folder)) {
      out.problems.push({
        rule: 'kustomization-resources',
        file: folder,
        object: owner.display,
        message: `folder ${folder} includes itself through its resources (a kustomize cycle)`,
        fix: `remove the cyclic entry from ${folder}/kustomization.yaml`,
      });
      return out;
    }
    visiting.add(folder);
    const prefix = folder === '' ? '' : `${folder}/`;
    const kfile = KUSTOMIZATION_FILES.map((f) => `${prefix}${f}`).find((f) => this.files.has(f));
    out.kustomizationFile = kfile;
    if (!kfile) {
      // Flux generates a kustomization.yaml with every manifest of the folder, recursively.
      for (const f of this.files.keys()) {
        if (f.startsWith(prefix) && isYamlFile(f)) out.files.push({ file: f, nsOverride });
      }
      visiting.delete(folder);
      return out;
    }
    const parsed = this.parsed.get(kfile) ?? parseYamlDocs(this.files.get(kfile) ?? '');
    const k = parsed.docs.length > 0 && isObject(parsed.docs[0].value) ? parsed.docs[0].value : {};
    if (parsed.errors.length > 0) {
      out.problems.push({
        rule: 'yaml',
        file: kfile,
        object: '',
        message: `${kfile} is not valid YAML: ${parsed.errors[0]}`,
        fix: 'fix the YAML syntax',
      });
    }
    const ns = str(k.namespace) ?? nsOverride;
    // The outer kustomization's namespace wins over the inner one (kustomize applies it last).
    const effectiveNs = nsOverride ?? ns;
    const entries = [...asArray(k.resources), ...asArray(k.bases), ...asArray(k.components)];
    for (const entry of entries) {
      if (typeof entry !== 'string') continue;
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('github.com/') || entry.startsWith('git@')) continue;
      const target = joinRepoPath(folder, entry);
      if (target !== undefined && this.files.has(target)) {
        out.files.push({ file: target, nsOverride: effectiveNs });
      } else if (target !== undefined && this.dirs.has(target)) {
        const sub = this.collectFolder(target, effectiveNs, visiting, owner);
        out.files.push(...sub.files);
        out.generated.push(...sub.generated);
        out.problems.push(...sub.problems);
        if (!sub.kustomizationFile) {
          out.problems.push({
            rule: 'kustomization-resources',
            file: kfile,
            object: owner.display,
            message: `resource "${entry}" listed in ${kfile} is a folder without a kustomization.yaml; kustomize cannot build it`,
            fix: `add ${target}/kustomization.yaml listing its files, or list the files instead of the folder`,
          });
        }
      } else {
        out.problems.push({
          rule: 'kustomization-resources',
          file: kfile,
          object: owner.display,
          message: `resource "${entry}" listed in ${kfile} does not exist`,
          fix: `create ${target ?? entry} or remove it from the resources of ${kfile}`,
        });
      }
    }
    out.generated.push(...this.generatedObjects(k, effectiveNs));
    visiting.delete(folder);
    return out;
  }

  /** configMapGenerator / secretGenerator entries whose names kustomize keeps (no hash suffix). */
  private generatedObjects(k: JsonObject, ns: string | undefined): JsonObject[] {
    const out: JsonObject[] = [];
    const globalNoHash = isObject(k.generatorOptions) && k.generatorOptions.disableNameSuffixHash === true;
    for (const [field, kind] of [
      ['configMapGenerator', 'ConfigMap'],
      ['secretGenerator', 'Secret'],
    ] as const) {
      for (const g of asArray(k[field])) {
        if (!isObject(g) || !str(g.name)) continue;
        const noHash = globalNoHash || (isObject(g.options) && g.options.disableNameSuffixHash === true);
        if (!noHash) continue;
        const data: JsonObject = {};
        for (const lit of asArray(g.literals)) {
          if (typeof lit === 'string' && lit.includes('=')) data[lit.slice(0, lit.indexOf('='))] = lit.slice(lit.indexOf('=') + 1);
        }
        for (const f of asArray(g.files)) {
          if (typeof f === 'string') data[f.includes('=') ? f.slice(0, f.indexOf('=')) : f.split('/').pop()!] = '';
        }
        const metadata: JsonObject = { name: g.name as string };
        const gns = str(g.namespace) ?? ns;
        if (gns) metadata.namespace = gns;
        out.push({ apiVersion: 'v1', kind, metadata, [kind === 'Secret' ? 'stringData' : 'data']: data });
      }
    }
    return out;
  }

  private objectsOfFile(
    file: string,
    nsOverride: string | undefined,
    targetNamespace: string | undefined,
    vars: ReadonlyMap<string, string | undefined> | undefined,
    stage: string,
    problems: Finding[],
  ): TreeObject[] {
    let parsed = this.parsed.get(file);
    const text = this.files.get(file) ?? '';
    if (!isYamlFile(file)) parsed = parseYamlDocs(text);
    if (vars && text.includes('${')) {
      // Substitution is per object, and skipped for objects that disable it.
      const substituted = parseYamlDocs(substitute(text, vars));
      if (substituted.errors.length === 0) {
        const raw = parsed ?? parseYamlDocs(text);
        parsed = {
          errors: [],
          docs: substituted.docs.map((d, i) => {
            const before = raw.docs[i];
            return before && substitutionDisabled(before.value) ? before : d;
          }),
        };
      }
    }
    if (!parsed) return [];
    if (parsed.errors.length > 0) {
      problems.push({
        rule: 'yaml',
        file,
        object: '',
        message: `${file} is not valid YAML: ${parsed.errors[0]}`,
        fix: 'fix the YAML syntax (kustomize cannot build a folder with an invalid file)',
      });
    }
    const out: TreeObject[] = [];
    for (const doc of parsed.docs) {
      if (isObject(doc.value) && isKustomizeConfig(str(doc.value.apiVersion) ?? '')) continue;
      const o = this.toObject(file, doc.index, doc.value, { nsOverride, targetNamespace, stage });
      if (o) out.push(o);
      else {
        problems.push({
          rule: 'yaml',
          file,
          object: '',
          message: `document ${doc.index + 1} of ${file} is not a Kubernetes object (it needs apiVersion, kind and metadata.name)`,
          fix: 'complete the object, or remove the file from the kustomization resources',
        });
      }
    }
    return out;
  }

  private toObject(
    file: string,
    doc: number,
    value: unknown,
    ctx: { nsOverride?: string; targetNamespace?: string; stage?: string },
  ): TreeObject | undefined {
    if (!isObject(value)) return undefined;
    const apiVersion = str(value.apiVersion);
    const kind = str(value.kind);
    const name = str(meta(value).name);
    if (!apiVersion || !kind || !name) return undefined;
    const group = groupOf(apiVersion);
    const cluster = isClusterScoped(group, kind, this.registry?.scopeOf(group, kind));
    let namespace: string | undefined;
    if (cluster !== true) {
      namespace = ctx.targetNamespace ?? ctx.nsOverride ?? str(meta(value).namespace);
      if (namespace === undefined && cluster === false) namespace = 'default';
    }
    return {
      file,
      doc,
      obj: value,
      apiVersion,
      group,
      kind,
      name,
      namespace,
      key: `${group}/${kind}/${namespace ?? ''}/${name}`,
      display: displayId(kind, namespace, name),
      stage: ctx.stage,
    };
  }
}

function substitutionDisabled(value: unknown): boolean {
  if (!isObject(value)) return false;
  const m = meta(value);
  const check = (x: unknown) => isObject(x) && x['kustomize.toolkit.fluxcd.io/substitute'] === 'disabled';
  return check(m.annotations) || check(m.labels);
}

/** Builds the Flux graph of a tree held in memory. */
export function buildModel(files: TreeFiles, opts: ModelOptions = {}): TreeModel {
  return new ModelBuilder(files, opts.registry, opts.parsed).build();
}
