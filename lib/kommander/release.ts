/**
 * Reads a kommander-applications release tree (what the Kommander installer's
 * `--kommander-applications-repository` takes) into a typed, readonly model: its layout, apps and
 * versions (ClusterApps), the Flux it ships and the API versions that Flux serves, `common/`
 * (HelmRepositories, air-gapped patches, PriorityClasses) and the index of the `${var}`
 * variables its Flux Kustomizations substitute.
 *
 * Facts about the layout were read from mesosphere/kommander-applications at v2.8.3
 * (f8aa7feb, `services/`) and v2.17.1 (64c03972, `applications/`); see
 * ../shared/reference/kommander-releases.md §1, §2, §5, §6.
 *
 * Reading is bounded (file size, entry count, depth; see `LIMITS`), never follows a symlink,
 * parses only the YAML it needs (metadata.yaml, kustomization files, CRD skeletons,
 * `common/`), and is deterministic (code-unit order everywhere).
 */
import * as path from 'path';
import * as YAML from 'yaml';
import { compareKubeVersions, FLUX_KINDS, FluxApi, REQUIRED_FLUX_KINDS } from '../flux/api';
import { CrdSummary, CrdVersion, readCrds, splitDocuments } from './release/crd';
import { ReleaseError } from './release/error';
import { isYaml, kindOf, listDir, readText, realRoot, walkFiles, within } from './release/fs';
import { BuildResolver, BuildRoot, fluxKustomizationsIn, TreeKustomization } from './release/kustomize';
import { byCodeUnit, compareSemver, isSemver } from './release/semver';
import { buildIndex, missingVariables, scanVariables, VariableIndex, VarOccurrence } from './release/variables';

export { ReleaseError } from './release/error';
export { compareSemver, isSemver } from './release/semver';
export type { CrdSummary, CrdVersion } from './release/crd';
export type { ReleaseVariable, VariableIndex, VarOccurrence } from './release/variables';
export type { BuildRoot, TreeKustomization } from './release/kustomize';
export { missingVariables, scanVariables } from './release/variables';
export type { FluxApi } from '../flux/api';

/** `services/<app>/<semver>/` (DKP ≤ 2.15) or `applications/<app>/<semver>/` (v2.16+). */
export type ReleaseLayout = 'services' | 'applications';

/** The layouts this reader knows, with the releases that use them. */
export const KNOWN_LAYOUTS: Readonly<Record<ReleaseLayout, string>> = Object.freeze({
  services: 'services/<app>/<semver>/ with metadata.yaml per app (v2.8.x era)',
  applications: 'applications/<app>/<semver>/ with metadata.yaml per version (v2.16+)',
});

/** The typed fields of an app's `metadata.yaml` (both schemas; absent fields are empty/undefined). */
export interface AppMetadata {
  /** The file, relative to the release root. */
  readonly file: string;
  /** `catalog.nkp.nutanix.com/v1/application-metadata` (v2.17.1) or undefined (v2.8.3). */
  readonly schema?: string;
  readonly displayName?: string;
  readonly description?: string;
  /** `platform`, `internal`, `catalog`, `partner`, `nkp-core-platform`, … */
  readonly type?: string;
  /** `workspace`, `project`. */
  readonly scope: readonly string[];
  readonly category: readonly string[];
  readonly certifications: readonly string[];
  readonly licensing: readonly string[];
  readonly requiredDependencies: readonly string[];
  readonly dependencies: readonly string[];
  readonly allowMultipleInstances?: boolean;
  /** True when an `icon` is present (the base64 SVG itself is not kept). */
  readonly hasIcon: boolean;
}

/** One `<app>/<semver>/` folder: a ClusterApp. */
export interface AppVersion {
  readonly appId: string;
  readonly version: string;
  /** The ClusterApp name, `<appId>-<version>`. */
  readonly clusterAppName: string;
  /** Folder relative to the release root, e.g. `services/gatekeeper/3.14.1`. */
  readonly path: string;
  /** The version's metadata: its own `metadata.yaml` (applications layout) or the app's (services). */
  readonly metadata?: AppMetadata;
  /** `<ver>/defaults/` (services layout: applied next to the version by the controller [inferred]). */
  readonly defaultsPath?: string;
}

/** A `<app>/bootstrap/` folder (applied by the installer before app management exists; not an app). */
export interface BootstrapFolder {
  readonly appId: string;
  /** Folder relative to the release root. */
  readonly path: string;
  readonly metadata?: AppMetadata;
}

/** An app of the release and its versions. */
export interface App {
  readonly id: string;
  /** Folder relative to the release root, e.g. `applications/reloader`. */
  readonly path: string;
  /** Ascending semver order (numeric, locale-free). */
  readonly versions: readonly AppVersion[];
  /** The newest version. */
  readonly latest: AppVersion;
  /** `<app>/metadata.yaml` (services layout). */
  readonly metadata?: AppMetadata;
  readonly bootstrap?: BootstrapFolder;
}

/** The Flux the release ships (`<apps>/kommander-flux/<version>`). */
export interface ReleaseFlux {
  readonly app: AppVersion;
  /** The Flux version, the version folder's name (`2.2.3`, `2.7.2`). */
  readonly version: string;
  /** YAML files of the kommander-flux app: the version folder and the app-level files (e.g. bootstrap-flux.yaml), relative paths. */
  readonly manifestFiles: readonly string[];
  /** Files holding the Flux CRDs. */
  readonly crdFiles: readonly string[];
  /** Every `*.toolkit.fluxcd.io` CRD, by kind in code-unit order. */
  readonly crds: readonly CrdSummary[];
  /** The newest served, non-deprecated API version of each Flux kind. */
  readonly api: FluxApi;
  /** Served apiVersions (`group/version`) of a kind, newest first; [] when the kind is not shipped. */
  served(kind: string): readonly string[];
  /** True when this Flux serves `apiVersion` for `kind`. */
  serves(apiVersion: string, kind: string): boolean;
}

/** A HelmRepository of `common/helm-repositories`. */
export interface ReleaseHelmRepository {
  readonly name: string;
  readonly namespace?: string;
  readonly apiVersion: string;
  /** `spec.url` as written, e.g. `${helmMirrorURL:=https://charts.jetstack.io}`. */
  readonly url: string;
  /** The variable of a `${var:=default}` url (`helmMirrorURL`); undefined for a literal url. */
  readonly urlVariable?: string;
  /** The url without substitution: the default of `${var:=…}`, or the literal url. */
  readonly defaultUrl: string;
  readonly type: 'default' | 'oci';
  readonly interval?: string;
  readonly timeout?: string;
  readonly file: string;
}

/** A PriorityClass the release applies. */
export interface ReleasePriorityClass {
  readonly name: string;
  readonly value: number;
  readonly globalDefault: boolean;
  readonly description?: string;
  readonly file: string;
  /** The folders whose build applies it (`common/base`, `clusters/kommander_host-cluster/common`, …). */
  readonly appliedBy: readonly string[];
}

/** `common/airgapped`: the build used instead of `common/base` in an air-gapped install. */
export interface ReleaseAirgapped {
  readonly path: string;
  /** Files its build reads (resources and patches). */
  readonly files: readonly string[];
  /** `spec.certSecretRef.name` its patches add to every HelmRepository (`tls-root-ca`). */
  readonly certSecretName?: string;
  /** True when its patches delete `spec.secretRef`. */
  readonly deletesSecretRef: boolean;
}

/** `common/`. */
export interface ReleaseCommon {
  /** Folder relative to the root (`common`). */
  readonly path: string;
  /** Sub-folders of common/ (e.g. airgapped, base, helm-repositories, priority-classes). */
  readonly folders: readonly string[];
  /** `common/base` when present. */
  readonly basePath?: string;
  /** Every HelmRepository of `common/helm-repositories`, by name (v2.17.1: none). */
  readonly helmRepositories: readonly ReleaseHelmRepository[];
  readonly airgapped?: ReleaseAirgapped;
  /** PriorityClasses, by name. */
  readonly priorityClasses: readonly ReleasePriorityClass[];
}

/** A kommander-applications release tree. */
export interface KommanderRelease {
  /** Absolute real path of the tree. */
  readonly root: string;
  readonly layout: ReleaseLayout;
  /** `services` or `applications`. */
  readonly appsDir: string;
  /** Every app, by id in code-unit order. */
  readonly apps: readonly App[];
  /** Every ClusterApp name (`<appId>-<version>`), code-unit order. */
  readonly clusterApps: readonly string[];
  /** The default of `${kommanderChartVersion:=…}` (the release tag, e.g. `v2.8.3`), when the tree writes one. */
  readonly kommanderChartVersion?: string;
  readonly flux: ReleaseFlux;
  /** Shorthand for `flux.api`. */
  readonly fluxApi: FluxApi;
  readonly common: ReleaseCommon;
  /** Folders applied by Flux Kustomizations or the installer, with their substitution (computed on first use). */
  readonly buildRoots: readonly BuildRoot[];
  /** Flux Kustomization objects reached from the build roots. */
  readonly kustomizations: readonly TreeKustomization[];
  /** The `${var}` index of the substituted YAML (computed on first use). */
  readonly variables: VariableIndex;
  /** An app; ReleaseError listing the available ids when the release does not ship it. */
  app(id: string): App;
  /** True when the release ships app `id`. */
  hasApp(id: string): boolean;
  /**
   * A version of an app (default: its newest); ReleaseError listing the available versions when
   * the release does not have it.
   */
  appVersion(id: string, version?: string): AppVersion;
  /** The variables without a default that `provided` lacks, code-unit order. */
  missingVariables(provided: Iterable<string>): string[];
  /**
   * The files (relative, code-unit order) that a kustomize build of folder `dir` (relative to the
   * root) reads: local resources, patches and generator files; a folder without a kustomization
   * file stands for all its YAML files. ReleaseError when `dir` is not a folder of the tree.
   */
  buildFiles(dir: string): readonly string[];
  /**
   * The YAML documents of `buildFiles(dir)` (kustomization files excluded), parsed, each with its
   * file; as written in the tree (no kustomize patches or namespace applied, no substitution).
   */
  objectsIn(dir: string): readonly TreeObject[];
}

/** A YAML document of the tree. */
export interface TreeObject {
  readonly file: string;
  readonly object: { readonly apiVersion?: string; readonly kind?: string; readonly metadata?: any; readonly [key: string]: any };
}

/** Options of {@link readRelease}. */
export interface ReadReleaseOptions {
  /** Prefix of error messages (the config key that named the tree). @default - none */
  readonly key?: string;
}

const FLUX_APP = 'kommander-flux';

function freezeAll<T>(items: T[]): readonly T[] {
  return Object.freeze(items.map((i) => (typeof i === 'object' && i !== null ? Object.freeze(i) : i)));
}

function strList(v: unknown): readonly string[] {
  if (Array.isArray(v)) return Object.freeze(v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String));
  if (typeof v === 'string') return Object.freeze([v]);
  return Object.freeze([]);
}

function parseAll(root: string, file: string): any[] {
  const text = readText(root, file);
  try {
    const docs = YAML.parseAllDocuments(text);
    const bad = docs.find((d) => d.errors.length);
    if (bad) throw new Error(bad.errors[0].message);
    return docs.map((d) => d.toJS()).filter((o) => o && typeof o === 'object');
  } catch (e) {
    throw new ReleaseError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * The metadata text with the top-level `icon:` value (a base64 SVG of up to ~100 KB, most of a
 * metadata.yaml) replaced by a placeholder, so that only the fields the model keeps are parsed.
 * A top-level key's value continues on the following indented (or blank) lines.
 */
export function withoutIcon(text: string): { text: string; hasIcon: boolean } {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^icon:/.test(l));
  if (i < 0) return { text, hasIcon: false };
  let j = i + 1;
  while (j < lines.length && (lines[j].trim() === '' || /^[ \t]/.test(lines[j]))) j++;
  const hasIcon = lines.slice(i, j).join('\n').replace(/^icon:/, '').trim() !== '';
  return { text: [...lines.slice(0, i), 'icon: x', ...lines.slice(j)].join('\n'), hasIcon };
}

function readMetadata(root: string, file: string): AppMetadata | undefined {
  if (kindOf(within(root, file)!) !== 'file') return undefined;
  const stripped = withoutIcon(readText(root, file));
  let parsed: unknown;
  try {
    parsed = YAML.parse(stripped.text);
  } catch (e) {
    throw new ReleaseError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  const m = (parsed ?? {}) as Record<string, unknown>;
  if (typeof m !== 'object') throw new ReleaseError(`${file}: metadata.yaml must be a mapping`);
  const str = (k: string) => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
  return Object.freeze({
    file,
    schema: str('schema'),
    displayName: str('displayName'),
    description: str('description'),
    type: str('type'),
    scope: strList(m.scope),
    category: strList(m.category),
    certifications: strList(m.certifications),
    licensing: strList(m.licensing),
    requiredDependencies: strList(m.requiredDependencies),
    dependencies: strList(m.dependencies),
    allowMultipleInstances: typeof m.allowMultipleInstances === 'boolean' ? m.allowMultipleInstances : undefined,
    hasIcon: stripped.hasIcon,
  });
}

function summarize(names: readonly string[], max = 12): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (${names.length} in all)`;
}

/** listDir, or [] for a folder that cannot be read (used only to word an error). */
function safeList(abs: string): ReturnType<typeof listDir> {
  try {
    return listDir(abs);
  } catch {
    return [];
  }
}

/**
 * Runs `fn`, turning a file-system error (permissions, a file removed while reading) into a
 * ReleaseError naming the path, so that no input ends in a stack trace; every ReleaseError gets
 * the config key prefix.
 */
function guarded<T>(pre: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ReleaseError) {
      if (pre && !e.message.startsWith(pre)) throw new ReleaseError(`${pre}${e.message}`, e.available);
      throw e;
    }
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code === 'string') {
      throw new ReleaseError(`${pre}cannot read ${err.path ?? 'the release tree'} (${err.code}: ${err.message.split('\n')[0]})`);
    }
    throw e;
  }
}

/** Detects the layout, or throws a ReleaseError naming what was found and what is expected. */
export function detectLayout(rootPath: string, key?: string): ReleaseLayout {
  const pre = key ? `${key}: ` : '';
  // The root itself may be a symlink (the user's choice); nothing inside the tree is followed.
  let abs = path.resolve(rootPath);
  if (kindOf(abs) === 'other') {
    try {
      abs = realRoot(abs);
    } catch {
      // a dangling link: reported as missing below
    }
  }
  const kind = kindOf(abs);
  if (kind === undefined) {
    throw new ReleaseError(`${pre}${rootPath} does not exist (expected a kommander-applications release tree with services/ or applications/ and common/)`);
  }
  if (kind !== 'dir') {
    throw new ReleaseError(`${pre}${rootPath} is not a folder (expected a kommander-applications release tree with services/ or applications/ and common/)`);
  }
  const entries = listDir(abs);
  const dirs = entries.filter((e) => e.kind === 'dir').map((e) => e.name);
  const has = (d: string) => dirs.includes(d);
  const found = entries.length ? entries.map((e) => (e.kind === 'dir' ? `${e.name}/` : e.name)) : ['(empty folder)'];
  const expected = `expected one of the layouts ${Object.entries(KNOWN_LAYOUTS).map(([k, v]) => `${k} (${v})`).join(', ')}`;
  if (has('services') && has('applications')) {
    throw new ReleaseError(`${pre}${rootPath} has both services/ and applications/: not a layout this tool knows; ${expected}`, Object.keys(KNOWN_LAYOUTS));
  }
  const appsDir = has('applications') ? 'applications' : has('services') ? 'services' : undefined;
  if (!appsDir) {
    // A tree with common/ or <x>/<app>/<semver>/ folders is a release of an unknown layout;
    // anything else is not a release tree at all.
    const looksLikeRelease = has('common') || dirs.slice(0, 100).some((d) => {
      const sub = path.join(abs, d);
      return safeList(sub).slice(0, 500).some((a) => a.kind === 'dir' && safeList(path.join(sub, a.name)).some((v) => v.kind === 'dir' && isSemver(v.name)));
    });
    if (looksLikeRelease) {
      throw new ReleaseError(
        `${pre}${rootPath} is a release of a layout this tool does not know (found ${summarize(found)}); ${expected}`,
        Object.keys(KNOWN_LAYOUTS),
      );
    }
    throw new ReleaseError(
      `${pre}${rootPath} is not a kommander-applications release tree (found ${summarize(found)}; expected services/ or applications/ next to common/)`,
      Object.keys(KNOWN_LAYOUTS),
    );
  }
  if (!has('common')) {
    throw new ReleaseError(`${pre}${rootPath} has ${appsDir}/ but no common/: not a complete kommander-applications release tree (found ${summarize(found)})`);
  }
  return appsDir;
}

/** Most app folders a release may have (real releases: 49 and 57). */
const MAX_APPS = 5000;

function readApps(root: string, layout: ReleaseLayout): App[] {
  const appsDir = layout;
  const apps: App[] = [];
  const entries = listDir(path.join(root, appsDir));
  if (entries.length > MAX_APPS) throw new ReleaseError(`${appsDir}/ has ${entries.length} entries; a release tree has at most ${MAX_APPS} apps`);
  for (const e of entries) {
    if (e.kind !== 'dir') continue;
    const appPath = `${appsDir}/${e.name}`;
    const entries = listDir(path.join(root, appsDir, e.name));
    const appMeta = layout === 'services' ? readMetadata(root, `${appPath}/metadata.yaml`) : undefined;
    const versions: AppVersion[] = entries
      .filter((v) => v.kind === 'dir' && isSemver(v.name))
      .map((v) => v.name)
      .sort(compareSemver)
      .map((version) => {
        const vPath = `${appPath}/${version}`;
        const own = readMetadata(root, `${vPath}/metadata.yaml`);
        return Object.freeze({
          appId: e.name,
          version,
          clusterAppName: `${e.name}-${version}`,
          path: vPath,
          metadata: own ?? appMeta,
          defaultsPath: kindOf(path.join(root, vPath, 'defaults')) === 'dir' ? `${vPath}/defaults` : undefined,
        });
      });
    const bootstrap: BootstrapFolder | undefined = entries.some((b) => b.kind === 'dir' && b.name === 'bootstrap')
      ? Object.freeze({ appId: e.name, path: `${appPath}/bootstrap`, metadata: readMetadata(root, `${appPath}/bootstrap/metadata.yaml`) })
      : undefined;
    if (!versions.length) continue; // e.g. a folder holding only charts/ or docs: not an app
    apps.push(Object.freeze({
      id: e.name,
      path: appPath,
      versions: Object.freeze(versions),
      latest: versions[versions.length - 1],
      metadata: appMeta,
      bootstrap,
    }));
  }
  return apps;
}

const FLUX_GROUP = /\.toolkit\.fluxcd\.io$/;

/** Chooses the newest served, non-deprecated version (newest served deprecated one if all are). */
export function chooseVersion(versions: readonly CrdVersion[]): string | undefined {
  const served = versions.filter((v) => v.served).map((v) => v);
  const pick = (vs: CrdVersion[]) => [...vs].sort((a, b) => compareKubeVersions(a.name, b.name))[0]?.name;
  return pick(served.filter((v) => !v.deprecated)) ?? pick(served);
}

/** Builds a FluxApi from CRD summaries; a ReleaseError names the kinds that no CRD serves. */
export function fluxApiFromCrds(crds: readonly CrdSummary[], where: string, fluxVersion?: string): FluxApi {
  const api: Record<string, string> = {};
  if (fluxVersion !== undefined) api.flux = fluxVersion.replace(/^v/, '');
  const missing: string[] = [];
  for (const [kind, field] of Object.entries(FLUX_KINDS)) {
    const crd = crds.find((c) => c.kind === kind && FLUX_GROUP.test(c.group));
    const v = crd ? chooseVersion(crd.versions) : undefined;
    if (v) api[field] = `${crd!.group}/${v}`;
    else if ((REQUIRED_FLUX_KINDS as readonly string[]).includes(kind)) missing.push(kind);
  }
  if (missing.length) {
    throw new ReleaseError(
      `${where}: no served version of ${missing.join(', ')} in the Flux CRDs found (${crds.length ? crds.map((c) => `${c.kind} (${c.file})`).join(', ') : 'none'}); ` +
        'the kommander-flux app must carry the CustomResourceDefinitions of its Flux',
    );
  }
  return Object.freeze(api) as unknown as FluxApi;
}

function readFlux(root: string, appsDir: string, app: App): ReleaseFlux {
  const v = app.latest;
  const appLevel = listDir(path.join(root, app.path)).filter((e) => e.kind === 'file' && isYaml(e.name)).map((e) => `${app.path}/${e.name}`);
  const manifestFiles = Object.freeze([...walkFiles(root, path.join(root, v.path), isYaml), ...appLevel].sort(byCodeUnit));
  const crds: CrdSummary[] = [];
  const seen = new Set<string>();
  for (const f of manifestFiles) {
    for (const c of readCrds(readText(root, f), f, (g) => FLUX_GROUP.test(g))) {
      if (seen.has(c.name)) continue; // first file in code-unit order wins
      seen.add(c.name);
      crds.push(Object.freeze({ ...c, versions: freezeAll([...c.versions]) }));
    }
  }
  crds.sort((a, b) => byCodeUnit(a.kind, b.kind) || byCodeUnit(a.group, b.group));
  const api = fluxApiFromCrds(crds, `${appsDir}/${FLUX_APP}/${v.version}`, v.version);
  const servedOf = (kind: string) => {
    const c = crds.find((x) => x.kind === kind);
    if (!c) return [] as string[];
    return c.versions.filter((x) => x.served).map((x) => x.name).sort(compareKubeVersions).map((n) => `${c.group}/${n}`);
  };
  return Object.freeze({
    app: v,
    version: v.version,
    manifestFiles,
    crdFiles: Object.freeze([...new Set(crds.map((c) => c.file))].sort(byCodeUnit)),
    crds: Object.freeze(crds),
    api,
    served: (kind: string) => Object.freeze(servedOf(kind)),
    serves: (apiVersion: string, kind: string) => servedOf(kind).includes(apiVersion),
  });
}

const SUBST_URL = /^\$\{([_a-zA-Z][_a-zA-Z0-9]*)(?::=|:-|=)([^}]*)\}$/;

function readCommon(root: string, resolver: BuildResolver, roots: readonly BuildRoot[]): ReleaseCommon {
  const commonAbs = path.join(root, 'common');
  const folders = Object.freeze(listDir(commonAbs).filter((e) => e.kind === 'dir').map((e) => e.name));
  const helmRepositories: ReleaseHelmRepository[] = [];
  if (folders.includes('helm-repositories')) {
    for (const file of resolver.filesOf('common/helm-repositories').filter((f) => !/(^|\/)kustomization\.ya?ml$/.test(f))) {
      for (const o of parseAll(root, file)) {
        if (o.kind !== 'HelmRepository' || !String(o.apiVersion ?? '').startsWith('source.toolkit.fluxcd.io/')) continue;
        const url = String(o.spec?.url ?? '');
        const m = SUBST_URL.exec(url);
        helmRepositories.push(Object.freeze({
          name: String(o.metadata?.name),
          namespace: o.metadata?.namespace === undefined ? undefined : String(o.metadata.namespace),
          apiVersion: String(o.apiVersion),
          url,
          urlVariable: m?.[1],
          defaultUrl: m ? m[2] : url,
          type: o.spec?.type === 'oci' ? 'oci' : 'default',
          interval: o.spec?.interval === undefined ? undefined : String(o.spec.interval),
          timeout: o.spec?.timeout === undefined ? undefined : String(o.spec.timeout),
          file,
        }));
      }
    }
  }
  helmRepositories.sort((a, b) => byCodeUnit(a.name, b.name));

  let airgapped: ReleaseAirgapped | undefined;
  if (folders.includes('airgapped')) {
    const files = resolver.filesOf('common/airgapped');
    let certSecretName: string | undefined;
    let deletesSecretRef = false;
    for (const f of files.filter((x) => x.startsWith('common/airgapped/') && !/kustomization\.ya?ml$/.test(x))) {
      for (const o of parseAll(root, f)) {
        if (typeof o.spec?.certSecretRef?.name === 'string') certSecretName = o.spec.certSecretRef.name;
        if (o.spec?.secretRef?.$patch === 'delete') deletesSecretRef = true;
      }
    }
    airgapped = Object.freeze({ path: 'common/airgapped', files, certSecretName, deletesSecretRef });
  }

  // PriorityClasses: every file that an installer-applied root builds (common/base, clusters/*).
  const pcs = new Map<string, { pc: Omit<ReleasePriorityClass, 'appliedBy'>; by: Set<string> }>();
  const pcRoots = roots.filter((r) => r.appliedBy === 'installer');
  for (const r of pcRoots) {
    for (const f of resolver.filesOf(r.path)) {
      const text = readText(root, f);
      if (!/^kind:[ \t]*PriorityClass[ \t]*$/m.test(text)) continue;
      for (const o of parseAll(root, f)) {
        if (o.kind !== 'PriorityClass') continue;
        const name = String(o.metadata?.name);
        let e = pcs.get(name);
        if (!e) {
          e = {
            pc: { name, value: Number(o.value), globalDefault: o.globalDefault === true, description: o.description === undefined ? undefined : String(o.description), file: f },
            by: new Set(),
          };
          pcs.set(name, e);
        }
        e.by.add(r.path);
      }
    }
  }
  const priorityClasses = [...pcs.values()]
    .map((e) => Object.freeze({ ...e.pc, appliedBy: Object.freeze([...e.by].sort(byCodeUnit)) }))
    .sort((a, b) => byCodeUnit(a.name, b.name));

  return Object.freeze({
    path: 'common',
    folders,
    basePath: folders.includes('base') ? 'common/base' : undefined,
    helmRepositories: Object.freeze(helmRepositories),
    airgapped,
    priorityClasses: Object.freeze(priorityClasses),
  });
}

/**
 * The folders applied with substitution: every app version folder (its AppDeployment's
 * Kustomization [inferred, kommander-releases.md §1.4]), every `<app>/bootstrap`, the app-level
 * kustomization of kommander-flux (v2.16+), `common/base`, `common/airgapped` and each
 * `clusters/<cluster>` (installer [inferred]).
 */
function installerRoots(root: string, appsDir: string, apps: readonly App[]): BuildRoot[] {
  const out: BuildRoot[] = [];
  for (const a of apps) {
    for (const v of a.versions) {
      out.push({ path: v.path, substituted: true, appliedBy: `app ${v.clusterAppName}` });
      // services layout: `<ver>/defaults/` is not listed by `<ver>/kustomization.yaml` (0 of 49 @v2.8.3);
      // the bootstrap folders add `../<ver>/defaults/` themselves, so the controller applies it too [inferred].
      if (v.defaultsPath) out.push({ path: v.defaultsPath, substituted: true, appliedBy: `app ${v.clusterAppName}` });
    }
    if (a.bootstrap) out.push({ path: a.bootstrap.path, substituted: true, appliedBy: 'installer' });
  }
  if (kindOf(path.join(root, appsDir, FLUX_APP, 'kustomization.yaml')) === 'file') {
    out.push({ path: `${appsDir}/${FLUX_APP}`, substituted: true, appliedBy: 'installer' });
  }
  for (const c of ['common/base', 'common/airgapped']) {
    if (kindOf(path.join(root, c)) === 'dir') out.push({ path: c, substituted: true, appliedBy: 'installer' });
  }
  if (kindOf(path.join(root, 'clusters')) === 'dir') {
    for (const e of listDir(path.join(root, 'clusters'))) {
      if (e.kind === 'dir') out.push({ path: `clusters/${e.name}`, substituted: true, appliedBy: 'installer' });
    }
  }
  return out;
}

function consumerOf(file: string, appsDir: string): string {
  const parts = file.split('/');
  if (parts[0] === appsDir && parts.length > 2) return parts[1];
  return parts.slice(0, Math.min(2, parts.length - 1)).join('/') || file;
}

const CRD_DOC = /^kind:[ \t]*["']?CustomResourceDefinition["']?[ \t]*$/m;

/**
 * The text without its CustomResourceDefinition documents: the Flux CRDs' descriptions spell
 * the substitution syntax (`${var:=default}`, `${var:position}`) as documentation, which is not
 * a variable the release consumes.
 */
function withoutCrds(text: string): string {
  if (!CRD_DOC.test(text)) return text;
  return splitDocuments(text).filter((d) => !CRD_DOC.test(d)).join('\n---\n');
}

class Release implements KommanderRelease {
  public readonly appsDir: string;
  public readonly clusterApps: readonly string[];
  public readonly flux: ReleaseFlux;
  public readonly fluxApi: FluxApi;
  public readonly kommanderChartVersion?: string;
  private readonly resolver: BuildResolver;
  private readonly byId: ReadonlyMap<string, App>;
  private graph?: { roots: readonly BuildRoot[]; kustomizations: readonly TreeKustomization[]; substituted: readonly string[] };
  private index?: VariableIndex;
  private commonModel?: ReleaseCommon;

  constructor(public readonly root: string, public readonly layout: ReleaseLayout, public readonly apps: readonly App[], private readonly key?: string) {
    this.appsDir = layout;
    this.byId = new Map(apps.map((a) => [a.id, a]));
    this.clusterApps = Object.freeze(apps.flatMap((a) => a.versions.map((v) => v.clusterAppName)).sort(byCodeUnit));
    this.resolver = new BuildResolver(root);
    const fluxApp = this.byId.get(FLUX_APP);
    if (!fluxApp) {
      throw new ReleaseError(
        `${this.pre}${layout}/ has no ${FLUX_APP} app (found apps: ${summarize(apps.map((a) => a.id)) || 'none'}); a release tree ships the Flux it runs on as ${layout}/${FLUX_APP}/<version>/`,
        apps.map((a) => a.id),
      );
    }
    this.flux = readFlux(root, layout, fluxApp);
    this.fluxApi = this.flux.api;
    this.kommanderChartVersion = this.readChartVersion();
    Object.freeze(this.apps);
  }

  private get pre(): string {
    return this.key ? `${this.key}: ` : '';
  }

  /** `${kommanderChartVersion:=vX}` of the kommander app's version folder (first default found). */
  private readChartVersion(): string | undefined {
    const k = this.byId.get('kommander');
    if (!k) return undefined;
    for (const f of walkFiles(this.root, path.join(this.root, k.latest.path), isYaml)) {
      const hit = scanVariables(readText(this.root, f)).find((v) => v.name === 'kommanderChartVersion' && v.default !== undefined);
      if (hit) return hit.default;
    }
    return undefined;
  }

  public get common(): ReleaseCommon {
    return (this.commonModel ??= guarded(this.pre, () => readCommon(this.root, this.resolver, this.buildGraph().roots)));
  }

  public get buildRoots(): readonly BuildRoot[] {
    return guarded(this.pre, () => this.buildGraph().roots);
  }

  public get kustomizations(): readonly TreeKustomization[] {
    return guarded(this.pre, () => this.buildGraph().kustomizations);
  }

  /** Follows the build roots and the Flux Kustomizations their builds contain, to a fixed point. */
  private buildGraph() {
    if (this.graph) return this.graph;
    const roots: BuildRoot[] = [];
    const rootKeys = new Map<string, number>();
    const addRoot = (r: BuildRoot) => {
      const i = rootKeys.get(r.path);
      if (i === undefined) {
        rootKeys.set(r.path, roots.length);
        roots.push(Object.freeze(r));
      } else if (r.substituted && !roots[i].substituted) {
        roots[i] = Object.freeze({ ...r });
      }
    };
    for (const r of installerRoots(this.root, this.appsDir, this.apps)) addRoot(r);
    const kustomizations: TreeKustomization[] = [];
    const scanned = new Set<string>();
    const substituted = new Set<string>();
    for (let i = 0; i < roots.length; i++) {
      for (const f of this.resolver.filesOf(roots[i].path)) {
        if (scanned.has(f)) continue;
        scanned.add(f);
        for (const k of fluxKustomizationsIn(readText(this.root, f), f)) {
          kustomizations.push(Object.freeze(k));
          const p = k.path.replace(/^\.\//, '').replace(/\/+$/, '');
          if (p.includes('${') || !within(this.root, p) || kindOf(within(this.root, p)!) !== 'dir') continue;
          addRoot({ path: p, substituted: k.substituted, appliedBy: `${k.namespace ?? ''}/${k.name} (${f})` });
        }
      }
    }
    // Flux substitutes a file when any Kustomization with postBuild builds it.
    for (const r of roots) if (r.substituted) for (const f of this.resolver.filesOf(r.path)) substituted.add(f);
    kustomizations.sort((a, b) => byCodeUnit(a.file, b.file) || byCodeUnit(a.name, b.name));
    this.graph = {
      roots: Object.freeze([...roots].sort((a, b) => byCodeUnit(a.path, b.path))),
      kustomizations: Object.freeze(kustomizations),
      substituted: Object.freeze([...substituted].sort(byCodeUnit)),
    };
    return this.graph;
  }

  public get variables(): VariableIndex {
    return (this.index ??= guarded(this.pre, () => this.computeVariables()));
  }

  private computeVariables(): VariableIndex {
    const perFile = new Map<string, { consumer: string; yaml: boolean; vars: readonly VarOccurrence[] }>();
    for (const f of this.buildGraph().substituted) {
      perFile.set(f, { consumer: consumerOf(f, this.appsDir), yaml: isYaml(f), vars: scanVariables(withoutCrds(readText(this.root, f))) });
    }
    return buildIndex(perFile);
  }

  public app(id: string): App {
    const a = this.byId.get(id);
    if (!a) {
      const ids = this.apps.map((x) => x.id);
      throw new ReleaseError(`${this.pre}app "${id}" is not in this release (${this.layout}/ ships ${ids.length} apps: ${ids.join(', ')})`, ids);
    }
    return a;
  }

  public hasApp(id: string): boolean {
    return this.byId.has(id);
  }

  public appVersion(id: string, version?: string): AppVersion {
    const a = this.app(id);
    if (version === undefined) return a.latest;
    const v = a.versions.find((x) => x.version === version || x.version === `v${version}` || `v${x.version}` === version);
    if (!v) {
      const vs = a.versions.map((x) => x.version);
      throw new ReleaseError(
        `${this.pre}app "${id}" has no version "${version}" in this release (available: ${vs.join(', ')}; ClusterApps: ${a.versions.map((x) => x.clusterAppName).join(', ')})`,
        vs,
      );
    }
    return v;
  }

  public missingVariables(provided: Iterable<string>): string[] {
    return missingVariables(this.variables.required, provided);
  }

  public buildFiles(dir: string): readonly string[] {
    return guarded(this.pre, () => this.filesIn(dir));
  }

  private filesIn(dir: string): readonly string[] {
    const d = dir.replace(/^\.\//, '').replace(/\/+$/, '');
    const abs = within(this.root, d);
    if (!abs || kindOf(abs) !== 'dir') {
      throw new ReleaseError(`${this.pre}${dir} is not a folder of the release tree ${this.root}`);
    }
    return this.resolver.filesOf(d);
  }

  public objectsIn(dir: string): readonly TreeObject[] {
    return guarded(this.pre, () => this.parseObjects(dir));
  }

  private parseObjects(dir: string): readonly TreeObject[] {
    const out: TreeObject[] = [];
    for (const file of this.buildFiles(dir)) {
      if (!isYaml(file) || /(^|\/)kustomization\.ya?ml$/.test(file)) continue;
      for (const object of parseAll(this.root, file)) out.push(Object.freeze({ file, object }));
    }
    return Object.freeze(out);
  }
}

/**
 * Reads the release tree at `treePath`. Throws a {@link ReleaseError} when the path is not a
 * release tree, its layout is unknown, or it has no kommander-flux app with Flux CRDs.
 * `common`, `buildRoots`, `kustomizations` and `variables` are computed on first use.
 */
export function readRelease(treePath: string, options: ReadReleaseOptions = {}): KommanderRelease {
  const pre = options.key ? `${options.key}: ` : '';
  return guarded(pre, () => {
    const layout = detectLayout(treePath, options.key);
    const root = realRoot(treePath);
    const apps = readApps(root, layout);
    return new Release(root, layout, Object.freeze(apps), options.key);
  });
}

/** A FluxApi's served-version check for emitted objects: the kinds whose apiVersion `flux` does not serve. */
export function unservedKinds(flux: ReleaseFlux, api: FluxApi): string[] {
  const out: string[] = [];
  for (const [kind, field] of Object.entries(FLUX_KINDS)) {
    const v = api[field];
    if (v !== undefined && flux.served(kind).length && !flux.serves(v, kind)) out.push(`${kind} ${v}`);
  }
  return out;
}
