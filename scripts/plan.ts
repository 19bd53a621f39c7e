/**
 * `npm run plan [-- [<dir>] [--no-write]]`
 *
 * Prints the rollout of a synthesized tree (default `dist/`): its Flux Kustomizations as waves in
 * dependency order, with the HelmReleases and custom resources each one applies, and writes the
 * Mermaid graph of the stages to `<dir>/ROLLOUT.md` (GitHub renders it in review).
 * Exit codes: 0 ok, 1 dependsOn cycle, 2 usage error.
 */
import * as path from 'path';
import { errorText, readTreeBounded, requireTreeDir, writeTreeFileSafely } from '../lib/inputs';
import { planRollout, renderPlanText, renderRollout } from '../lib/plan';

function main(argv: readonly string[]): number {
  let dir = 'dist';
  let write = true;
  for (const a of argv) {
    if (a === '--no-write') write = false;
    else if (!a.startsWith('--')) dir = a;
    else {
      process.stderr.write(`error: unknown argument "${a}"\nusage: npm run plan -- [<dir>] [--no-write]\n`);
      return 2;
    }
  }
  let files: Map<string, string>;
  try {
    requireTreeDir(dir, "the tree", { writable: write });
    files = readTreeBounded(dir);
  } catch (e) {
    process.stderr.write(`error: ${errorText(e)}\n`);
    return 2;
  }
  const plan = planRollout(files);
  process.stdout.write(renderPlanText(plan));
  if (write) {
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

process.exitCode = main(process.argv.slice(2));
