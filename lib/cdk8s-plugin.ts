import * as fs from 'fs';
import * as path from 'path';
import type { Validation, ValidationContext } from 'cdk8s-cli/lib/plugins';
import { CONSTRUCT_METADATA_FILE, inferOutdir, TreeCheck, TreeCheckProps } from './check/plugin';
import { RenderedFile } from './tree/render';
import { MANIFEST_FILE, writeTree } from './tree/writer';

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
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
    await new TreeCheck(this.props).validate(context);
  }
}
