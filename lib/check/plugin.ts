import * as fs from 'fs';
import * as path from 'path';
import type { Validation, ValidationContext } from 'cdk8s-cli/lib/plugins';
import { checkTreeFull, readCheckConfig } from './index';
import { Finding } from './types';

/**
 * `check` as a cdk8s validation plugin, so that `cdk8s synth` fails on a broken tree.
 *
 * cdk8s.yaml:
 * ```yaml
 * validations:
 *   - package: ./build/lib/check/plugin.js
 *     class: TreeCheck
 *     version: 0.0.1
 *     properties: { crdDirs: [../shared/crds] }
 * ```
 *
 * The CLI makes the app record `construct-metadata.json` in the output folder whenever validations
 * are configured; Flux must not see it, so the plugin deletes it when it is done (the CLI has read
 * it before any plugin runs).
 */
export interface TreeCheckProps {
  /** CRD directories for the schema rule; missing ones are skipped with a warning. @default [] */
  readonly crdDirs?: readonly string[];
  /** API groups installed outside the tree. @default - from the config's check.externalCrds */
  readonly externalCrds?: readonly string[];
  /** Objects created outside the tree (`Kind/namespace/name`). @default - from the config's check.external */
  readonly external?: readonly string[];
  /** Run `kubectl kustomize` on every stage folder. @default true */
  readonly kustomize?: boolean;
  /** The synthesized tree. @default - the output folder the manifests lie in */
  readonly outdir?: string;
  /** Platform config with the optional `check:` section. @default - $PLATFORM_CONFIG or platform.yaml */
  readonly config?: string;
}

export const CONSTRUCT_METADATA_FILE = 'construct-metadata.json';

function commonDir(files: readonly string[]): string {
  if (files.length === 0) return '.';
  let parts = path.dirname(path.resolve(files[0])).split(path.sep);
  for (const f of files.slice(1)) {
    const other = path.dirname(path.resolve(f)).split(path.sep);
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(path.sep) || path.sep;
}

/** The output folder: the nearest folder above the manifests that holds `.synth-manifest`, else their common folder. */
export function inferOutdir(manifests: readonly string[]): string {
  const common = commonDir(manifests);
  for (let d = common; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.synth-manifest'))) return d;
    if (path.dirname(d) === d || d === process.cwd()) break;
  }
  return common;
}

export class TreeCheck implements Validation {
  constructor(private readonly props: TreeCheckProps = {}) {}

  public async validate(context: ValidationContext): Promise<void> {
    const outdir = this.props.outdir ?? inferOutdir(context.manifests);
    try {
      const config = readCheckConfig(this.props.config ?? (process.env.PLATFORM_CONFIG || 'platform.yaml'));
      const crdDirs = [...(this.props.crdDirs ?? [])].filter((d) => {
        if (fs.existsSync(d)) return true;
        context.logger.log(`WARNING: CRD directory ${d} does not exist; the schema rule skips it`);
        return false;
      });
      const result = await checkTreeFull(outdir, {
        crdDirs,
        crdFiles: config.crdFiles,
        externalCrds: [...(this.props.externalCrds ?? []), ...config.externalCrds],
        external: [...(this.props.external ?? []), ...config.external],
        kustomize: this.props.kustomize,
        airgapMirrors: config.airgapMirrors,
        componentVector: config.componentVector,
      });
      for (const n of result.notes) context.logger.log(`WARNING: ${n}`);
      for (const f of result.findings) context.report.addViolation(toViolation(f, outdir));
      context.report.submit(result.findings.length > 0 ? 'failure' : 'success', {
        tree: outdir,
        stages: String(result.stages),
        objects: String(result.objects),
        findings: String(result.findings.length),
      });
    } catch (e) {
      context.report.addViolation({
        ruleName: 'check',
        recommendation: `the tree check crashed: ${(e as Error).message}`,
        fix: 'run `npm run check` for details',
        violatingResources: [],
      });
      context.report.submit('failure');
    } finally {
      fs.rmSync(path.join(outdir, CONSTRUCT_METADATA_FILE), { force: true });
    }
  }
}

function toViolation(f: Finding, outdir: string) {
  const name = f.object ? f.object.split('/').pop()! : f.file;
  return {
    ruleName: `[${f.rule}] ${f.object || f.file}`,
    recommendation: f.configKey ? `${f.message} (config: ${f.configKey})` : f.message,
    fix: f.fix,
    violatingResources: [{ resourceName: name, locations: [f.object || f.file], manifestPath: path.join(outdir, f.file) }],
  };
}
