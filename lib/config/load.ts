/**
 * The config loader: reads `platform.yaml`, validates it against the schema (`schema.ts`) plus the
 * rules that span sections, reports every problem at once, and returns the fully defaulted
 * `PlatformConfig`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { gardenerCrossChecks } from '../gardener/validate';
import { parsePlainYaml } from './fast-yaml';
import { boundedToJS, decodeUtf8, DEFAULT_LIMITS, InputError, parseBoundedYaml, readBoundedFile, withinLimits, YamlLimits } from '../yaml-bounds';
import { MANAGEMENT_CREDENTIALS } from './defaults';
import { applicationDefinitionsProblem, commandUrlProblem, gitRefNameProblem, ownerRepoProblem } from './paths';
import { ConfigProblem, comparePaths, formatPath, isObj, parsePath, PathSegment, problemAt, show, validateConfig } from './schema';
import {
  AcmeConfig,
  AirgappedConfig,
  AppConfig,
  CatalogConfig,
  CheckConfig,
  FluxConfig,
  GitConfig,
  GiteaConfig,
  HelmRepositoryConfig,
  IngressCertificateConfig,
  KommanderConfig,
  PlatformConfig,
  SopsConfig,
} from './types';
import { compareCodeUnits } from '../order';

export type { ConfigProblem } from './schema';

/** The configuration is invalid. `message` lists every problem, one a line, sorted by path; no stack trace. */
export class ConfigError extends Error {
  /** Every problem, sorted by path. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const sorted = sortProblems(problems);
    super(sorted.map((p) => p.message).join('\n'));
    this.name = 'ConfigError';
    this.problems = sorted;
    // A config error is the user's to fix: printing it must not print our call stack.
    this.stack = `${this.name}: ${this.message}`;
  }
}

function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return [...problems]
    .sort((a, b) => comparePaths(a.path, b.path) || compareCodeUnits(a.message, b.message))
    .filter((p) => (seen.has(p.message) ? false : (seen.add(p.message), true)));
}

type Obj = Record<string, unknown>;
const problem = problemAt;

/** Rules that span sections or need the file system. `cfg` is the validated data (possibly with invalid leaves). */
function crossChecks(cfg: Obj, baseDir: string, reported: ReadonlySet<string> = new Set()): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  // Values that end up in BOOTSTRAP.md commands or paths (lib/config/paths.ts); once per path.
  const shellChecks: [PathSegment[], unknown, (v: string) => string | undefined][] = [
    [['git', 'branch'], isObj(cfg.git) ? cfg.git.branch : undefined, gitRefNameProblem],
    [['git', 'url'], isObj(cfg.git) ? cfg.git.url : undefined, commandUrlProblem],
    [['gitea', 'repository'], isObj(cfg.gitea) ? cfg.gitea.repository : undefined, ownerRepoProblem],
  ];
  for (const [segments, value, check] of shellChecks) {
    if (typeof value !== 'string' || reported.has(formatPath(segments))) continue;
    const why = check(value);
    if (why) out.push(problem(segments, `${show(value)} ${why}`));
  }
  const git = isObj(cfg.git) ? cfg.git : {};

  // The root repository Flux bootstraps from is the user's, outside the cluster: never the
  // in-cluster management repository the tree itself deploys (Gitea / git-operator).
  if (git.credentialsSecret === MANAGEMENT_CREDENTIALS) {
    out.push(
      problem(
        ['git', 'credentialsSecret'],
        '"kommander-git-credentials" is the Secret of the in-cluster management repository (the root repository has separate credentials; use another name, e.g. root-git-credentials)',
      ),
    );
  }
  if (typeof git.url === 'string' && /:\/\/([^/@]*@)?(gitea-http\.kommander|git-operator-git\.git-operator-system)(\.|:|\/)/.test(git.url)) {
    out.push(
      problem(
        ['git', 'url'],
        `${show(git.url)} is the in-cluster management repository this tree deploys (Flux could never bootstrap from it; set git.url to the root repository outside the cluster, e.g. https://github.com/example/management.git)`,
      ),
    );
  }
  // (A missing applicationDefinitions is reported by the Kommander tree at synth: one ConfigError.)

  // Files the config points at, relative to the config file.
  if (typeof cfg.applicationDefinitions === 'string' && cfg.applicationDefinitions !== '') {
    const problemText =
      checkPath(baseDir, cfg.applicationDefinitions, 'directory', 'a kommander-applications release tree') ??
      applicationDefinitionsProblem(baseDir, cfg.applicationDefinitions, [path.join(baseDir, 'dist')]) ??
      releaseTreeProblem(baseDir, cfg.applicationDefinitions);
    if (problemText) out.push(problem(['applicationDefinitions'], problemText));
  }
  out.push(...gardenerCrossChecks(cfg, baseDir));
  return out;
}

/** A directory that is not a kommander-applications release of a known layout. */
function releaseTreeProblem(baseDir: string, p: string): string | undefined {
  const abs = path.resolve(baseDir, p);
  const isRelease = (d: string) => ['services', 'applications'].some((l) => fs.existsSync(path.join(d, l)) && fs.statSync(path.join(d, l)).isDirectory());
  if (isRelease(abs)) return undefined;
  const releasesIn = (d: string) =>
    fs.existsSync(d) ? fs.readdirSync(d).filter((n) => isRelease(path.join(d, n))).sort(compareCodeUnits) : [];
  const inside = releasesIn(abs).map((n) => `${p.replace(/\/+$/, '')}/${n}`);
  const siblings = releasesIn(path.dirname(abs)).map((n) => path.posix.join(path.posix.dirname(p.replace(/\/+$/, '')), n));
  const available = [...inside, ...siblings];
  const found = fs.readdirSync(abs).sort(compareCodeUnits).slice(0, 8).join(', ') || 'nothing';
  return `${show(p)} is not a kommander-applications release tree of a known layout (found ${found}; expected services/ (DKP ≤ 2.15) or applications/ (NKP ≥ 2.16); available releases: ${available.length ? available.join(', ') : 'none found in or next to it'})`;
}

function checkPath(baseDir: string, p: string, kind: 'file' | 'directory', hint: string): string | undefined {
  const abs = path.resolve(baseDir, p);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(abs);
  } catch {
    stat = undefined;
  }
  if (!stat) return `${show(p)} does not exist (no ${kind} at ${abs}; paths are relative to the config file; ${hint})`;
  if (kind === 'file' && !stat.isFile()) return `${show(p)} is not a file (${abs} is a directory; ${hint})`;
  if (kind === 'directory' && !stat.isDirectory()) return `${show(p)} is not a directory (${abs} is a file; expected ${hint})`;
  return undefined;
}

/** Builds the typed config from validated data (only called when there are no problems). */
function build(cfg: Obj, baseDir: string): PlatformConfig {
  // The validator already put the core apps first (CORE_APPS order), then the others sorted by id.
  const apps = cfg.apps as { readonly [id: string]: AppConfig };
  return {
    baseDir,
    clusterName: cfg.clusterName as string,
    git: cfg.git as GitConfig,
    flux: cfg.flux as FluxConfig,
    sops: cfg.sops as SopsConfig,
    kommander: cfg.kommander as KommanderConfig,
    clusterHostname: cfg.clusterHostname as string,
    ...(cfg.applicationDefinitions !== undefined ? { applicationDefinitions: cfg.applicationDefinitions as string } : {}),
    ...(cfg.acme !== undefined ? { acme: cfg.acme as AcmeConfig } : {}),
    ...(cfg.ingressCertificate !== undefined ? { ingressCertificate: cfg.ingressCertificate as IngressCertificateConfig } : {}),
    airgapped: cfg.airgapped as AirgappedConfig,
    gitea: cfg.gitea as GiteaConfig,
    apps,
    catalog: cfg.catalog as CatalogConfig,
    helmRepositories: cfg.helmRepositories as HelmRepositoryConfig[],
    check: cfg.check as CheckConfig,
    ...(cfg.gardener !== undefined ? { gardener: cfg.gardener } : {}),
  };
}

/**
 * Validates raw config data (as parsed from YAML) and returns the fully defaulted configuration.
 *
 * @param raw the parsed `platform.yaml`
 * @param baseDir directory that relative paths in the config resolve against (made absolute)
 * @throws ConfigError with every problem found
 */
export function parseConfig(raw: unknown, baseDir: string): PlatformConfig {
  const absBase = path.resolve(baseDir);
  const { value, problems } = validateConfig(raw);
  if (isObj(value)) problems.push(...crossChecks(value, absBase, new Set(problems.map((p) => p.path))));
  if (problems.length > 0 || !isObj(value)) throw new ConfigError(problems);
  return build(value, absBase);
}

/**
 * Reads, validates and defaults a `platform.yaml`. Problems carry the line and column of the
 * offending YAML node where it can be found.
 *
 * @throws ConfigError for an unreadable file, YAML syntax errors, or invalid configuration
 */
export function loadConfig(file: string, limits: YamlLimits = DEFAULT_LIMITS): PlatformConfig {
  const abs = path.resolve(file);
  const asConfigError = (e: InputError): ConfigError =>
    new ConfigError(
      e.problems.map((p) => {
        const where = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
        return { path: where, message: `${where}: ${p.message}`, ...(p.line !== undefined ? { line: p.line, column: p.column ?? 1 } : {}) };
      }),
    );
  let text: string;
  try {
    text = decodeUtf8(readBoundedFile(abs, limits.maxBytes, 'the config file'), file, 'the config file');
  } catch (e) {
    if (e instanceof InputError) throw asConfigError(new InputError(e.problems.map((p) => ({ ...p, file }))));
    throw e;
  }
  // The plain subset configs are written in is read without the yaml library's document model
  // (lib/config/fast-yaml.ts), when it stays within the same bounds; anything else, and any invalid
  // config (for the line numbers of its problems), goes through the bounded parser.
  const plain = parsePlainYaml(text);
  let invalid: ConfigError | undefined;
  if (plain !== undefined && withinLimits(plain, limits)) {
    try {
      return parseConfig(plain, path.dirname(abs));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // the same data as the parser below gives (test/config-fast-yaml.test.ts): only positions are missing
      invalid = e;
    }
  }
  const parsed = parseBoundedYaml(text, file, limits);
  if (parsed.problems.length > 0) throw asConfigError(new InputError(parsed.problems));
  const docs = parsed.docs.filter((d) => d.contents !== null);
  if (docs.length > 1) {
    const { line, col } = parsed.lineCounter.linePos(docs[1].range[0]);
    throw asConfigError(new InputError([{ file, line, column: col, message: `holds ${docs.length} YAML documents; the config is one document (remove the --- separators)` }]));
  }
  const doc = docs[0] ?? parsed.docs[0];
  let raw: unknown;
  try {
    raw = doc && !invalid ? boundedToJS(doc, limits) : null;
  } catch (e) {
    // the bounds above make this unreachable; never let it surface as a stack trace
    throw asConfigError(new InputError([{ file, message: `cannot be read as YAML (${(e as Error).message.split('\n')[0]})` }]));
  }
  try {
    if (invalid) throw invalid;
    return parseConfig(raw, path.dirname(abs));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const positions = doc ? positionIndex(doc) : new Map<string, number>();
    throw new ConfigError(e.problems.map((p) => withPosition(p, positions, parsed.lineCounter)));
  }
}

/** The offset of every node of the document, by its path (JSON of the segments): one linear walk. */
function positionIndex(doc: YAML.Document): Map<string, number> {
  const out = new Map<string, number>();
  const stack: { node: unknown; path: PathSegment[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length) {
    const { node, path: p } = stack.pop()!;
    if (!YAML.isNode(node)) continue;
    if (node.range) out.set(JSON.stringify(p), node.range[0]);
    if (YAML.isMap(node)) {
      for (const pair of node.items) {
        const k = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof k !== 'string' && typeof k !== 'number') continue;
        const childPath = [...p, String(k)];
        if (YAML.isNode(pair.value)) stack.push({ node: pair.value, path: childPath });
        else if (YAML.isNode(pair.key) && pair.key.range) out.set(JSON.stringify(childPath), pair.key.range[0]);
      }
    } else if (YAML.isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...p, i] }));
    }
  }
  return out;
}

/** Adds the line and column of the YAML node at (or nearest above) the problem's path. */
function withPosition(p: ConfigProblem, positions: ReadonlyMap<string, number>, lineCounter: YAML.LineCounter): ConfigProblem {
  const segments = parsePath(p.path);
  if (!segments) return p;
  for (let n = segments.length; n >= 0; n--) {
    const offset = positions.get(JSON.stringify(segments.slice(0, n)));
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      return { ...p, line, column: col };
    }
  }
  return p;
}
