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
import { ConfigProblem, comparePaths, isObj, parsePath, problemAt, show, validateConfig } from './schema';
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
    .sort((a, b) => comparePaths(a.path, b.path) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
    .filter((p) => (seen.has(p.message) ? false : (seen.add(p.message), true)));
}

type Obj = Record<string, unknown>;
const problem = problemAt;

/** Rules that span sections or need the file system. `cfg` is the validated data (possibly with invalid leaves). */
function crossChecks(cfg: Obj, baseDir: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const git = isObj(cfg.git) ? cfg.git : {};
  const flux = isObj(cfg.flux) ? cfg.flux : {};
  const gitea = isObj(cfg.gitea) ? cfg.gitea : {};

  // Gitea hosting the management repository needs Gitea; otherwise Flux needs git.url.
  // (Skipped when those flags are themselves invalid: that is already reported.)
  const giteaValid = typeof gitea.enabled === 'boolean' && typeof gitea.hostsManagementRepository === 'boolean';
  const giteaHosts = gitea.enabled === true && gitea.hostsManagementRepository === true;
  if (giteaValid && gitea.enabled === false && gitea.hostsManagementRepository === true) {
    out.push(
      problem(
        ['gitea', 'hostsManagementRepository'],
        'true requires gitea.enabled (set gitea.enabled: true, or set gitea.hostsManagementRepository: false and git.url)',
      ),
    );
  } else if (giteaValid && isObj(cfg.git) && !giteaHosts && git.url === undefined) {
    out.push(
      problem(
        ['git', 'url'],
        'is missing (required unless gitea.enabled and gitea.hostsManagementRepository are true, e.g. https://github.com/example/management.git)',
      ),
    );
  }

  // Files the config points at, relative to the config file.
  if (typeof flux.installManifest === 'string' && flux.installManifest !== '') {
    if (flux.mode === 'bootstrap') {
      out.push(
        problem(
          ['flux', 'installManifest'],
          `${show(flux.installManifest)} is only used when flux.mode is "manifest" (set flux.mode: manifest, or remove flux.installManifest)`,
        ),
      );
    } else {
      const problemText = checkPath(baseDir, flux.installManifest, 'file', 'generate it with flux install --export');
      if (problemText) out.push(problem(['flux', 'installManifest'], problemText));
    }
  }
  if (typeof cfg.applicationDefinitions === 'string' && cfg.applicationDefinitions !== '') {
    const problemText = checkPath(baseDir, cfg.applicationDefinitions, 'directory', 'a kommander-applications-style directory');
    if (problemText) out.push(problem(['applicationDefinitions'], problemText));
  }
  out.push(...gardenerCrossChecks(cfg, baseDir));
  return out;
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
  if (isObj(value)) problems.push(...crossChecks(value, absBase));
  if (problems.length > 0 || !isObj(value)) throw new ConfigError(problems);
  return build(value, absBase);
}

/**
 * Reads, validates and defaults a `platform.yaml`. Problems carry the line and column of the
 * offending YAML node where it can be found.
 *
 * @throws ConfigError for an unreadable file, YAML syntax errors, or invalid configuration
 */
export function loadConfig(file: string): PlatformConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError([{ path: file, message: `${file}: cannot be read (${code}: ${abs}; check the path to the config file)` }]);
  }
  // The plain subset configs are written in is read without the yaml library's document model;
  // anything else, and any invalid config (for the line numbers of its problems), goes through it.
  const plain = parsePlainYaml(text);
  if (plain !== undefined) {
    try {
      return parseConfig(plain, path.dirname(abs));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
    }
  }
  const lineCounter = new YAML.LineCounter();
  // uniqueKeys: false: the library's own duplicate-key check scans the map for every key
  // (quadratic in a big `apps:` map); duplicateKeyErrors does the same check in linear time.
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length === 0) doc.errors.push(...duplicateKeyErrors(doc));
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((err) => {
        const { line, col } = lineCounter.linePos(err.pos[0]);
        const where = `${file}:${line}:${col}`;
        const what = err.message.replace(/\s+/g, ' ').trim();
        return { path: where, message: `${where}: ${what} (fix the YAML syntax)`, line, column: col };
      }),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  try {
    return parseConfig(raw, path.dirname(abs));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(e.problems.map((p) => withPosition(p, doc, lineCounter)));
  }
}

/** A `Map keys must be unique` error (as the yaml library words it) for every repeated key of every map. */
function duplicateKeyErrors(doc: YAML.Document): YAML.YAMLParseError[] {
  const out: YAML.YAMLParseError[] = [];
  YAML.visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const k = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(k)) {
          const pos = YAML.isNode(pair.key) && pair.key.range ? pair.key.range[0] : 0;
          out.push(new YAML.YAMLParseError([pos, pos + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
        } else seen.add(k);
      }
    },
  });
  return out;
}

/** Adds the line and column of the YAML node at (or nearest above) the problem's path. */
function withPosition(p: ConfigProblem, doc: YAML.Document, lineCounter: YAML.LineCounter): ConfigProblem {
  const segments = parsePath(p.path);
  if (!segments) return p;
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
    if (YAML.isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { ...p, line, column: col };
    }
  }
  return p;
}
