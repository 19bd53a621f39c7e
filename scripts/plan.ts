/**
 * `npm run -s plan -- [--output <dir>] [--config <file>] [--no-write]` (`--help`: PLAN_COMMAND)
 *
 * Prints the rollout of a synthesized tree (default `dist/`): its Flux Kustomizations as waves in
 * dependency order, with the HelmReleases and custom resources each one applies, and writes the
 * Mermaid graph of the stages to `<dir>/ROLLOUT.md` (GitHub renders it in review).
 * With --config, plans a fresh synth of that config instead (in memory; nothing is written).
 * Exit codes: 0 ok, 1 dependsOn cycle, 2 usage error.
 */
import * as path from 'path';
import { CommandSpec, CONFIG_FLAG, outputFlag, ParsedArgs, runCommand } from '../lib/args';
import { synthesize } from '../lib/cli';
import { ConfigError, loadConfig } from '../lib/config/load';
import { errorText, readTreeBounded, requireTreeDir, writeTreeFileSafely } from '../lib/inputs';
import { planRollout, renderPlanText, renderRollout } from '../lib/plan';

export const PLAN_COMMAND: CommandSpec = {
  name: 'plan',
  summary: 'print the rollout (waves of Flux Kustomizations in dependency order) and write ROLLOUT.md',
  positional: { name: 'dir', help: 'the tree to plan (same as --output)' },
  flags: [
    CONFIG_FLAG,
    outputFlag('the synthesized tree to plan, and where ROLLOUT.md is written (default dist)'),
    { name: 'no-write', help: 'do not write ROLLOUT.md' },
  ],
  exitCodes: [
    [0, 'ok'],
    [1, 'a dependsOn cycle (those stages never become ready)'],
    [2, 'usage error, the tree does not exist, or the --config is invalid'],
  ],
  details: 'With --config, the plan is of a fresh synth of that config, in memory, and nothing is written.',
};

function main(args: ParsedArgs): number {
  let files: Map<string, string>;
  let dir: string | undefined;
  if (args.has('config')) {
    const config = args.config();
    try {
      files = new Map(synthesize(loadConfig(config)).map((f) => [f.path, f.content.toString()]));
    } catch (e) {
      const problems = e instanceof ConfigError ? `\n${e.problems.map((p) => `  - ${p.message}`).join('\n')}` : ` ${(e as Error).message}`;
      process.stderr.write(`error: cannot synthesize ${config}:${problems}\n`);
      return 2;
    }
  } else {
    dir = args.string('output') ?? args.positionals[0] ?? 'dist';
    try {
      requireTreeDir(dir, "the tree", { writable: !args.flag('no-write') });
      files = readTreeBounded(dir);
    } catch (e) {
      process.stderr.write(`error: ${errorText(e)}\n`);
      return 2;
    }
  }
  const plan = planRollout(files);
  process.stdout.write(renderPlanText(plan));
  if (dir && !args.flag('no-write')) {
    const target = path.join(dir, 'ROLLOUT.md');
    try {
      writeTreeFileSafely(dir, 'ROLLOUT.md', renderRollout(files));
    } catch (e) {
      process.stderr.write(`error: ${errorText(e)}\n`);
      return 2;
    }
    process.stdout.write(`\nwrote ${target}\n`);
  }
  return plan.cycles.length > 0 ? 1 : 0;
}

runCommand(PLAN_COMMAND, process.argv.slice(2), main).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 2;
  },
);
