import * as path from 'path';
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { airgapFiles } from './airgap';
import { CONFIG_FLAG, CommandSpec, helpText, outputFlag, parseArgs, UsageError, usageLine } from './args';
import { ConfigError, loadConfig } from './config/load';
import { applicationDefinitionsProblem } from './config/paths';
import { PlatformConfig } from './config/types';
import { ManagementRepository } from './platform';
import { availableIdentities, guardTree, inspectSopsFile } from './sops/guard';
import { renderRollout } from './plan';
import { RenderedFile, renderTree } from './tree/render';
import { writeTree } from './tree/writer';
import { byKey } from './order';

/** Options of `synthesize`. */
export interface SynthesizeOptions {
  /**
   * Adds the user's own constructs to the management repository before it is rendered (e.g. a
   * `Stage` with a `HelmRelease`, under `repo.root`). Everything it adds goes through the same
   * render as the built-in tree: the duplicate and plaintext-Secret guards, the age-identity
   * guard, ROLLOUT.md (its stages appear in the graph) and, in `cdk8s synth`, the tree check.
   * @default - the tree of the config only
   */
  readonly extend?: (repo: ManagementRepository) => void;
  /**
   * Age identities (AGE-SECRET-KEY-… texts) at hand: with them, the MAC and values of every file
   * under `secrets/` are verified too (lib/sops/verify.ts).
   * @default - none: the files' structure and recipients are checked, not their MAC
   */
  readonly identities?: readonly string[];
}

/**
 * Synthesizes the management repository of a validated config into files (nothing is written):
 * every object and file, `ROLLOUT.md`, sorted by path. Refuses (throws) a plaintext Secret value,
 * an age identity anywhere in the output, or two objects with one identity.
 */
export function synthesize(config: PlatformConfig, options: SynthesizeOptions = {}): RenderedFile[] {
  // The construct tree is garbage once rendered: ROLLOUT.md is computed from the files alone,
  // so the tree is not kept alive next to them.
  const files = withRollout(renderConfig(config, options));
  // AIRGAP.md / AIRGAP.json for an air-gapped config (lib/airgap.ts; hook added by issue 11).
  if (!config.airgapped.enabled) return files;
  const airgap = airgapFiles(config, files);
  const leaks = guardTree(airgap);
  if (leaks.length) throw new Error(`refusing to synthesize: ${leaks.length} problem(s) in the tree:\n${leaks.map((l) => `  ${l}`).join('\n')}`);
  return [...files, ...airgap].sort(byKey((x) => x.path));
}

function renderConfig(config: PlatformConfig, options: SynthesizeOptions): RenderedFile[] {
  const app = new App({ outdir: '.' });
  const inspectSecret = (file: string, text: string, recipients: readonly string[]) => inspectSopsFile(file, text, recipients, { identities: options.identities });
  const repo = new ManagementRepository(app, 'Platform', { config, inspectSecret });
  options.extend?.(repo);
  return renderTree(app);
}

/**
 * Renders a construct tree holding a `ManagementRepository` (or any tree of `Folder`s) like
 * `synthesize`: `renderTree` (with its secrets guards) plus ROLLOUT.md. Use it when composing
 * your own App.
 */
export function renderRepository(root: IConstruct): RenderedFile[] {
  return withRollout(renderTree(root));
}

/** The rendered files plus ROLLOUT.md, sorted by path. */
function withRollout(rendered: RenderedFile[]): RenderedFile[] {
  // ROLLOUT.md: the stage graph for reviewers (the same text `npm run plan` prints into it).
  const rollout = renderRollout(new Map(rendered.map((f) => [f.path, f.content.toString()])), {
    parsed: new Map(rendered.filter((f) => f.objects).map((f) => [f.path, f.objects!])),
  });
  const rolloutFile: RenderedFile = { path: 'ROLLOUT.md', content: rollout };
  const files = [...rendered, rolloutFile].sort(byKey((x) => x.path));
  // renderTree guarded every other file already (the one plaintext guard, lib/sops/guard.ts).
  const leaks = guardTree([rolloutFile]);
  if (leaks.length) throw new Error(`refusing to synthesize: ${leaks.length} problem(s) in the tree:\n${leaks.map((l) => `  ${l}`).join('\n')}`);
  return files;
}

export interface SynthArgs {
  readonly configFile: string;
  readonly outdir: string;
}

/** `npm run synth` / `node scripts/run.js main.ts` (and the app of `cdk8s synth`). */
export const SYNTH_COMMAND: CommandSpec = {
  name: 'synth',
  summary: 'synthesize the platform config into the GitOps tree (validates everything before writing anything)',
  flags: [CONFIG_FLAG, outputFlag('the tree to write (default: $CDK8S_OUTDIR, else dist)')],
  exitCodes: [
    [0, 'the tree was written (unchanged files are not rewritten)'],
    [1, 'invalid config, secrets or tree: every problem is printed and nothing was written'],
    [2, 'usage error'],
  ],
  details: 'Under `cdk8s synth` the CLI sets CDK8S_OUTDIR=cdk8s.out (its scratch folder); the validation plugin then checks that tree and promotes it into dist/ (cdk8s.yaml).',
};

/** Parses the synth command line (`--config`, `--output`); throws UsageError. */
export function parseSynthArgs(argv: readonly string[], env: NodeJS.ProcessEnv): SynthArgs & { help?: boolean } {
  const { help, args } = parseArgs(SYNTH_COMMAND, argv);
  const r = { configFile: args.config(env), outdir: args.string('output') ?? env.CDK8S_OUTDIR ?? 'dist' };
  return help ? { ...r, help } : r;
}

/**
 * The synth command. Validates everything (config, secrets, the rendered tree) before touching
 * the output directory, so an invalid config leaves the previous tree untouched.
 */
export function synthMain(argv: readonly string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): number {
  let args: SynthArgs & { help?: boolean };
  try {
    args = parseSynthArgs(argv, env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`error: ${e.message}\n${usageLine(SYNTH_COMMAND)}\n`);
    return 2;
  }
  if (args.help) {
    out(helpText(SYNTH_COMMAND));
    return 0;
  }
  let files: RenderedFile[];
  try {
    const config = loadConfig(args.configFile);
    // The output folder is known only here: the copied release tree must not overlap it.
    const overlap = config.applicationDefinitions && applicationDefinitionsProblem(config.baseDir, config.applicationDefinitions, [args.outdir]);
    if (overlap) throw new ConfigError([{ path: 'applicationDefinitions', message: `applicationDefinitions: ${overlap}` }]);
    files = synthesize(config, { identities: availableIdentities(env, config.baseDir) });
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`error: ${args.configFile} has ${e.problems.length} problem(s); nothing was written:\n${e.problems.map((p) => `  - ${p.message}`).join('\n')}\n`);
    } else {
      err(`error: ${(e as Error).message}\n(nothing was written)\n`);
    }
    return 1;
  }
  try {
    const r = writeTree(files, args.outdir);
    out(`synthesized ${files.length} files into ${path.relative(process.cwd(), path.resolve(args.outdir)) || '.'} (${r.written} written, ${r.unchanged} unchanged, ${r.removed.length} removed)\n`);
  } catch (e) {
    err(`error: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}
