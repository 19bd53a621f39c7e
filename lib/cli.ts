import * as path from 'path';
import { App } from 'cdk8s';
import { airgapFiles } from './airgap';
import { ConfigError, loadConfig } from './config/load';
import { PlatformConfig } from './config/types';
import { ManagementRepository } from './platform';
import { containsAgeIdentity, inspectSopsFile, plaintextSecretProblems } from './sops/guard';
import { renderRollout } from './plan';
import { RenderedFile, renderTree } from './tree/render';
import { writeTree } from './tree/writer';

/** Synthesizes the management repository of a validated config into files (nothing is written). */
export function synthesize(config: PlatformConfig): RenderedFile[] {
  const app = new App({ outdir: '.' });
  new ManagementRepository(app, 'Platform', { config, inspectSecret: inspectSopsFile });
  const rendered = renderTree(app, { checkObject: plaintextSecretProblems });
  // ROLLOUT.md: the stage graph for reviewers (the same text `npm run plan` prints into it).
  const rollout = renderRollout(new Map(rendered.map((f) => [f.path, f.content.toString()])), {
    parsed: new Map(rendered.filter((f) => f.objects).map((f) => [f.path, f.objects!])),
  });
  // AIRGAP.md / AIRGAP.json for an air-gapped config (lib/airgap.ts; hook added by issue 11).
  const files = [...rendered, { path: 'ROLLOUT.md', content: rollout }, ...airgapFiles(config, rendered)].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const leaks = files.filter((f) => containsAgeIdentity(f.content.toString()));
  if (leaks.length) {
    throw new Error(`refusing to synthesize: an age identity (AGE-SECRET-KEY-…) would be written to ${leaks.map((f) => f.path).join(', ')} (remove private keys from the inputs; only public recipients belong in Git)`);
  }
  return files;
}

export interface SynthArgs {
  readonly configFile: string;
  readonly outdir: string;
}

/** `--output <dir>` / `--output=<dir>` / `-o <dir>`, `PLATFORM_CONFIG`, `CDK8S_OUTDIR`. */
export function parseSynthArgs(argv: readonly string[], env: NodeJS.ProcessEnv): SynthArgs {
  let outdir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--output' || a === '-o') {
      outdir = argv[++i];
      if (!outdir) throw new Error(`${a} needs a directory (e.g. --output /tmp/tree)`);
    } else if (a.startsWith('--output=')) outdir = a.slice('--output='.length);
    else throw new Error(`unknown argument "${a}" (usage: synth [--output <dir>]; the config comes from PLATFORM_CONFIG or platform.yaml)`);
  }
  return { configFile: env.PLATFORM_CONFIG || 'platform.yaml', outdir: outdir ?? env.CDK8S_OUTDIR ?? 'dist' };
}

/**
 * The synth command. Validates everything (config, secrets, the rendered tree) before touching
 * the output directory, so an invalid config leaves the previous tree untouched.
 */
export function synthMain(argv: readonly string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): number {
  let args: SynthArgs;
  try {
    args = parseSynthArgs(argv, env);
  } catch (e) {
    err(`error: ${(e as Error).message}\n`);
    return 2;
  }
  let files: RenderedFile[];
  try {
    files = synthesize(loadConfig(args.configFile));
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
