import * as fs from 'fs';
import * as path from 'path';
import { airgapFindings } from '../airgap';
import { ruleCel, ruleDuplicateKeys, ruleHelmReleaseName, ruleMetadata, ruleNames, ruleScope, ruleVarNames } from './apiserver';
import { ruleAppVersions, ruleChartVersions, ruleComponentVersions, ruleNamespaces, ruleReadiness, ruleRootSource } from './flux';
import { formatText } from './format';
import { findKubectl, runKustomizeBuilds } from './kustomize';
import { buildsPlainly } from './kustomize-plain';
import { buildModel, TreeModel, TreeObject } from './model';
import {
  dependents,
  ruleContext,
  ruleCrdOrder,
  ruleCycles,
  ruleDuplicates,
  ruleKustomizationPaths,
  ruleReferences,
  ruleSchema,
  ruleSubstitution,
} from './rules';
import { SchemaRegistry } from './schema';
import { secretsRule } from './secrets';
import { asArray, isObject, isYamlFile, parseYamlDocs, readTree, str } from './tree';
import { CheckOptions, Finding, TreeFiles, sortFindings } from './types';

export * from './types';
export { buildModel, TreeModel, TreeObject, Stage } from './model';
export { SchemaRegistry } from './schema';
export { readTree } from './tree';
export { CHART_CRD_PROVIDERS } from './crd-providers';
export { CHECK_FORMATS, CheckFormat, formatMarkdown, formatSarif, formatText, RULE_DESCRIPTIONS } from './format';

/**
 * `check`: validates a synthesized tree offline. Entry points:
 *
 * - `checkFiles(files, opts)`: the static rules over an in-memory tree (no processes).
 * - `checkTree(dir, opts)`: the same over a directory.
 * - `checkTreeFull(dir, opts)`: plus `kubectl kustomize` of every stage folder (when kubectl exists).
 */

const registryCache = new Map<string, SchemaRegistry>();

/** Loads (once per process) the CRDs of the given directories/files; missing paths throw. */
export function loadRegistry(crdDirs: readonly string[]): SchemaRegistry {
  const key = crdDirs.map((d) => path.resolve(d)).join('\u0000');
  let reg = registryCache.get(key);
  if (!reg) {
    for (const d of crdDirs) {
      if (!fs.existsSync(d)) throw new Error(`CRD path ${d} does not exist (pass directories with CRD YAML to --crds)`);
    }
    reg = SchemaRegistry.fromPaths(crdDirs);
    registryCache.set(key, reg);
  }
  return reg;
}

/**
 * The platform config key that produced an object, from the names the synthesizer gives its
 * objects (AppDeployment `<app>` and its `<app>-overrides` ConfigMap from `apps.<app>`, catalog
 * GitRepositories from `catalog.repositories`, Gardener Extensions from `gardener.extensions`,
 * the root GitRepository from `git.url`).
 */
export function configKeyOf(model: TreeModel, f: Finding, index = objectIndex(model)): string | undefined {
  const [kind, ...rest] = f.object.split('/');
  const name = rest[rest.length - 1];
  if (!kind || !name) return undefined;
  const group = index.get(`${f.object}\u0000${f.file}`)?.group ?? '';
  if (kind === 'AppDeployment' && group.startsWith('apps.kommander.')) {
    if (f.message.startsWith('spec.configOverrides')) return `apps.${name}.values`;
    return f.rule === 'app-version' ? `apps.${name}.version` : `apps.${name}`;
  }
  if (kind === 'ConfigMap' && name.endsWith('-overrides') && f.file.includes('appdeployments/')) return `apps.${name.slice(0, -'-overrides'.length)}.values`;
  if (kind === 'GitRepository' && f.file.includes('/catalogs/')) return `catalog.repositories[name=${name}]`;
  if (kind === 'Extension' && group === 'operator.gardener.cloud') return f.rule === 'component-version' ? 'gardener.componentVector' : `gardener.extensions.${name}`;
  if (kind === 'GitRepository' && model.roots.some((r) => model.stages.get(r)?.sourceRef?.name === name)) return 'git.url';
  return undefined;
}

function objectIndex(model: TreeModel): Map<string, TreeObject> {
  const out = new Map<string, TreeObject>();
  for (const x of [...model.applied, ...model.rawObjects]) {
    const k = `${x.display}\u0000${x.file}`;
    if (!out.has(k)) out.set(k, x);
  }
  return out;
}

/** Runs every static rule on a model. */
export function runRules(model: TreeModel, options: CheckOptions): Finding[] {
  const raw = runRulesRaw(model, options);
  const index = raw.length > 0 ? objectIndex(model) : new Map<string, TreeObject>();
  return sortFindings(
    raw.map((f) => {
      const configKey = f.configKey ?? configKeyOf(model, f, index);
      return configKey ? { ...f, configKey } : f;
    }),
  );
}

function runRulesRaw(model: TreeModel, options: CheckOptions): Finding[] {
  const ctx = ruleContext(model, options);
  const dependentsOf = dependents(model);
  return [
    ...ruleKustomizationPaths(ctx),
    ...ruleReferences(ctx),
    ...ruleCycles(ctx),
    ...ruleDuplicates(ctx),
    ...ruleSubstitution(ctx),
    ...ruleCrdOrder(ctx),
    ...ruleSchema(ctx),
    ...ruleCel(ctx),
    ...ruleScope(ctx),
    ...ruleNames(ctx),
    ...ruleMetadata(ctx),
    ...ruleHelmReleaseName(ctx),
    ...ruleDuplicateKeys(ctx),
    ...ruleVarNames(ctx),
    ...ruleNamespaces(ctx, dependentsOf),
    ...ruleRootSource(ctx),
    ...ruleReadiness(ctx, dependentsOf),
    ...ruleAppVersions(ctx),
    ...ruleChartVersions(ctx),
    ...ruleComponentVersions(ctx, options.componentVector ?? []),
    ...(options.airgapMirrors ? airgapFindings(model, { mirrors: options.airgapMirrors }) : []),
    ...secretsRule(model),
  ];
}

/** The static rules over an in-memory tree. */
export function checkFiles(files: TreeFiles, options: CheckOptions = {}): Finding[] {
  const crds = [...(options.crdDirs ?? []), ...(options.crdFiles ?? [])];
  const registry = crds.length > 0 ? loadRegistry(crds) : undefined;
  return runRules(buildModel(files, { registry }), options);
}

/** The static rules over a directory (`kubectl kustomize` is not run; see checkTreeFull). */
export function checkTree(dir: string, options: CheckOptions = {}): Finding[] {
  return checkFiles(readTree(dir), options);
}

export interface CheckResult {
  readonly findings: Finding[];
  /** Things that were not checked, and why (e.g. kubectl missing). */
  readonly notes: string[];
  readonly stages: number;
  readonly objects: number;
}

/**
 * Refuses what is not a tree: a missing path, a file, an empty folder, or a folder with no Flux
 * Kustomization (nothing would be applied). Returns the problem, or undefined.
 */
export function treeInputProblem(dir: string, files?: TreeFiles): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return `${dir} does not exist (run npm run synth first, or pass the tree folder)`;
  }
  if (!stat.isDirectory()) return `${dir} is a file, not a tree folder (pass the folder synth writes, e.g. dist)`;
  const all = files ?? readTree(dir);
  if (all.size === 0) return `${dir} is an empty folder, not a tree (run npm run synth first)`;
  const kustomization = /^kind:[ \t]*["']?Kustomization["']?[ \t]*$/m;
  const hasFlux = [...all].some(([f, text]) => isYamlFile(f) && text.includes('kustomize.toolkit.fluxcd.io/') && kustomization.test(text));
  if (!hasFlux) return `${dir} holds no Flux Kustomization (kustomize.toolkit.fluxcd.io), so it is not a tree Flux can apply; pass the folder synth writes, e.g. dist`;
  return undefined;
}

/** Every rule, including `kubectl kustomize` of each stage folder of the tree. Throws on a path that is not a tree (treeInputProblem). */
export async function checkTreeFull(dir: string, options: CheckOptions = {}): Promise<CheckResult> {
  const files = readTree(dir);
  const problem = treeInputProblem(dir, files);
  if (problem) throw new Error(problem);
  const notes: string[] = [];
  const crds = [...(options.crdDirs ?? []), ...(options.crdFiles ?? [])];
  const registry = crds.length > 0 ? loadRegistry(crds) : undefined;
  if (!registry) notes.push('no CRDs given (--crds): custom resources were not validated against schemas');
  const model = buildModel(files, { registry });
  const findings = runRules(model, options);
  if (options.kustomize !== false) {
    if (findKubectl()) {
      const all = [...model.stages.values()]
        .filter((s) => s.inTree && s.path !== undefined && s.folderExists && s.kustomizationFile)
        .map((s) => ({ folder: s.path as string, object: s.object.display, size: s.files.length }));
      // Folders of plain resource lists build in-process (see buildsPlainly); kubectl builds the rest.
      const targets = all.filter((t) => !buildsPlainly(t.folder, files, model.parsed));
      findings.push(...(await runKustomizeBuilds(dir, targets)));
    } else {
      notes.push('kubectl not found: `kubectl kustomize` builds of the stage folders were SKIPPED');
    }
  }
  if (model.stages.size === 0) notes.push('no Flux Kustomization found: nothing is applied, so only the secrets guards ran');
  return { findings: sortFindings(findings), notes, stages: model.stages.size, objects: model.applied.length };
}

/** Human-readable findings, one block each: `file: object [rule]`, message, fix. */
export function formatFindings(findings: readonly Finding[]): string {
  return formatText(findings);
}

export interface ConfigCheckSection {
  readonly external: string[];
  readonly externalCrds: string[];
  /** `airgapped.helmMirror` when `airgapped.enabled` (rule `airgap`). */
  readonly airgapMirrors?: string[];
  /** The version set the config selects (rule `component-version`), when checkDeclarations supplies one. */
  readonly componentVector?: CheckOptions['componentVector'];
  /** CRD files that replace same-kind CRDs of the CRD directories (the release's Flux). */
  readonly crdFiles: string[];
}

/**
 * What the platform config declares as existing outside the tree: `checkDeclarations` of the
 * loaded config (the bootstrap Secrets it implies, plus `check.external` / `check.externalCrds`).
 * When the config cannot be loaded, the raw `check:` section is read and the age key Secret
 * (`sops.secretName`, default `sops-age`) counts as external in every namespace.
 */
export function readCheckConfig(configFile: string): ConfigCheckSection {
  const out: ConfigCheckSection = { external: [], externalCrds: [], crdFiles: [] };
  if (!fs.existsSync(configFile)) return out;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { loadConfig } = require('../config/load') as typeof import('../config/load');
    const { checkDeclarations } = require('../platform') as typeof import('../platform');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const c = loadConfig(configFile);
    const d = checkDeclarations(c);
    const airgap = c.airgapped.enabled ? { airgapMirrors: c.airgapped.helmMirror ? [c.airgapped.helmMirror] : [] } : {};
    // The Gardener component vector, when the config's declarations carry it (lib/gardener/vector.ts expectedComponentVersions).
    const vector = (d as { componentVector?: CheckOptions['componentVector'] }).componentVector;
    return { external: [...d.external], externalCrds: [...d.externalCrds], crdFiles: [...d.crdFiles], ...airgap, ...(vector && vector.length > 0 ? { componentVector: vector } : {}) };
  } catch {
    // an invalid config is reported by synth; fall back to the raw section
  }
  const doc = parseYamlDocs(fs.readFileSync(configFile, 'utf8')).docs[0]?.value;
  if (!isObject(doc)) return out;
  const sops = isObject(doc.sops) ? doc.sops : {};
  out.external.push(`Secret/*/${str(sops.secretName) ?? 'sops-age'}`);
  const check = isObject(doc.check) ? doc.check : {};
  for (const x of asArray(check.external)) if (typeof x === 'string') out.external.push(x);
  for (const x of asArray(check.externalCrds)) if (typeof x === 'string') out.externalCrds.push(x);
  return out;
}

/** `properties.crdDirs` of the TreeCheck entry of cdk8s.yaml's `validations:` (the default CRDs of check and diff). */
export function pluginCrdDirs(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const doc = parseYamlDocs(fs.readFileSync(file, 'utf8')).docs[0]?.value;
  if (!isObject(doc)) return [];
  for (const v of asArray(doc.validations)) {
    if (isObject(v) && (v.class === 'TreeCheck' || v.class === 'SynthCheck') && isObject(v.properties)) {
      return asArray(v.properties.crdDirs).filter((d): d is string => typeof d === 'string');
    }
  }
  return [];
}
