import * as fs from 'fs';
import * as path from 'path';
import { findKubectl, runKustomizeBuilds } from './kustomize';
import { buildsPlainly } from './kustomize-plain';
import { buildModel, TreeModel } from './model';
import {
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
import { asArray, isObject, parseYamlDocs, readTree, str } from './tree';
import { CheckOptions, Finding, TreeFiles, sortFindings } from './types';

export * from './types';
export { buildModel, TreeModel, TreeObject, Stage } from './model';
export { SchemaRegistry } from './schema';
export { readTree } from './tree';
export { CHART_CRD_PROVIDERS } from './crd-providers';

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

/** Runs every static rule on a model. */
export function runRules(model: TreeModel, options: CheckOptions): Finding[] {
  const ctx = ruleContext(model, options);
  return sortFindings([
    ...ruleKustomizationPaths(ctx),
    ...ruleReferences(ctx),
    ...ruleCycles(ctx),
    ...ruleDuplicates(ctx),
    ...ruleSubstitution(ctx),
    ...ruleCrdOrder(ctx),
    ...ruleSchema(ctx),
    ...secretsRule(model),
  ]);
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

/** Every rule, including `kubectl kustomize` of each stage folder of the tree. */
export async function checkTreeFull(dir: string, options: CheckOptions = {}): Promise<CheckResult> {
  const files = readTree(dir);
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
  return findings
    .map((f) => `${f.file}${f.object ? `: ${f.object}` : ''} [${f.rule}]\n  ${f.message}\n  fix: ${f.fix}\n`)
    .join('');
}

export interface ConfigCheckSection {
  readonly external: string[];
  readonly externalCrds: string[];
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
    const d = checkDeclarations(loadConfig(configFile));
    return { external: [...d.external], externalCrds: [...d.externalCrds], crdFiles: [...d.crdFiles] };
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
