import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Validation, ValidationContext } from 'cdk8s-cli/lib/plugins';
import { CONSTRUCT_METADATA_FILE, inferOutdir, TreeCheck, TreeCheckProps } from './check/plugin';
import { RenderedFile } from './tree/render';
import { MANIFEST_FILE, writeTree } from './tree/writer';
import { byKey } from './order';

/**
 * The `cdk8s synth` validation plugin of this project (cdk8s.yaml `validations:`): the tree check
 * of `npm run check` (`TreeCheck`), then, only when the check passed, the promotion of the
 * checked tree from the CLI's scratch output folder (`cdk8s.out/`, which the CLI deletes and
 * refills on every run) into the committed tree (`dist/`) by the project's safe writer.
 *
 * So a `cdk8s synth` that fails anywhere (config, secrets guard, check) leaves `dist/`
 * byte-identical, and one that succeeds leaves `dist/` exactly as `npm run synth` would.
 */
export interface SynthCheckProps extends TreeCheckProps {
  /**
   * The committed tree to update from the checked output folder, relative to the working
   * directory. Must not be the CLI's output folder.
   * @default - no promotion (the plugin only checks)
   */
  readonly promote?: string;
  /**
   * Folder of the up-to-date stamps: a tree that passed the check before, with the same check
   * code, CRD files, config and properties, is not checked again.
   * @default build/check-stamps (beside this plugin's bundle); '' turns the stamps off
   */
  readonly stampDir?: string;
}

/** Size and mtime of every file under the given paths (files or folders), sorted. */
function stampsOf(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      out.push(`${p}:missing`);
      return;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
    else out.push(`${p}:${st.size}:${Math.trunc(st.mtimeMs)}`);
  };
  for (const p of paths) walk(p);
  return out;
}

/**
 * The key of one check: the tree's bytes, the check code (this bundle), the CRD files, the
 * config's bytes and the plugin properties. Equal keys give equal findings.
 */
export function checkKey(tree: readonly RenderedFile[], props: SynthCheckProps, configFile: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ props, code: stampsOf([__filename]), crds: stampsOf([...(props.crdDirs ?? [])]) }));
  h.update(fs.existsSync(configFile) ? fs.readFileSync(configFile) : 'no config');
  for (const f of tree) {
    h.update(`\0${f.path}\0${f.content.length}\0`);
    h.update(f.content);
  }
  return h.digest('hex');
}

/** Reads every regular file of a synthesized tree (no symlinks, no construct metadata, no manifest). */
export function readSynthesizedTree(dir: string): RenderedFile[] {
  const out: RenderedFile[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else if (e.isFile() && r !== CONSTRUCT_METADATA_FILE && r !== MANIFEST_FILE) out.push({ path: r, content: fs.readFileSync(path.join(abs, e.name)) });
    }
  };
  walk(dir, '');
  return out.sort(byKey((x) => x.path));
}

/** `TreeCheck`, plus the promotion into the committed tree on success (see `SynthCheckProps.promote`). */
export class SynthCheck implements Validation {
  constructor(private readonly props: SynthCheckProps = {}) {}

  public async validate(context: ValidationContext): Promise<void> {
    const outdir = this.props.outdir ?? inferOutdir(context.manifests);
    const promote = this.props.promote;
    if (promote && path.resolve(promote) === path.resolve(outdir)) {
      context.report.addViolation({
        ruleName: 'promote',
        recommendation: `the CLI output folder ${outdir} is the promotion target ${promote}: the CLI deletes its output folder before every synth`,
        fix: 'set `output: cdk8s.out` in cdk8s.yaml (the CLI owns it) and keep `promote: dist`',
        violatingResources: [],
      });
      context.report.submit('failure');
      return;
    }
    const report = context.report;
    const submit = report.submit.bind(report);
    // Promote between the check's verdict and its submission, so a failed promotion fails the synth.
    report.submit = (status, metadata) => {
      if (status === 'success' && promote) {
        try {
          const r = writeTree(readSynthesizedTree(outdir), promote);
          context.logger.log(`promoted ${outdir} to ${promote} (${r.written} written, ${r.unchanged} unchanged, ${r.removed.length} removed)`);
        } catch (e) {
          report.addViolation({
            ruleName: 'promote',
            recommendation: `the checked tree could not be written to ${promote}: ${(e as Error).message}`,
            fix: `fix the cause, or run \`npm run synth\` to write ${promote} directly`,
            violatingResources: [],
          });
          return submit('failure', metadata);
        }
      } else if (promote) {
        context.logger.log(`${promote} was left unchanged (the check failed)`);
      }
      return submit(status, metadata);
    };
    const tree = readSynthesizedTree(outdir);
    const stampDir = this.props.stampDir ?? path.join(path.dirname(__filename), '..', 'check-stamps');
    const key = stampDir ? checkKey(tree, this.props, this.props.config ?? (process.env.PLATFORM_CONFIG || 'platform.yaml')) : '';
    const stamp = key ? path.join(stampDir, key) : '';
    if (stamp && fs.existsSync(stamp)) {
      // Passed before, unchanged: the verdict is known (an up-to-date check, like a build's).
      context.logger.log(`check: this exact tree passed the check before (stamp ${key.slice(0, 12)}); not checked again`);
      fs.rmSync(path.join(outdir, CONSTRUCT_METADATA_FILE), { force: true });
      report.submit('success', { tree: outdir, checked: 'earlier (unchanged tree)' });
      return;
    }
    await new TreeCheck(this.props).validate(context);
    if (stamp && report.success) {
      try {
        fs.mkdirSync(stampDir, { recursive: true });
        fs.writeFileSync(stamp, '');
      } catch {
        // no stamp: the next synth checks again
      }
    }
  }
}
