import * as fs from 'fs';
import * as path from 'path';

/**
 * `../shared` (the upstream material some tests read: CRDs, release trees, fixtures). Tests that
 * need it run only when it exists; otherwise they are skipped LOUDLY (Jest counts them as
 * skipped, and the skip's title says what is missing), never passed.
 * `MGMT_SHARED_DIR` points elsewhere (e.g. to prove the skips: MGMT_SHARED_DIR=/nonexistent npm test).
 */
export const sharedDir = path.resolve(process.env.MGMT_SHARED_DIR ?? path.join(__dirname, '..', '..', '..', 'shared'));

/** A path under ../shared. */
export function sharedPath(...segments: string[]): string {
  return path.join(sharedDir, ...segments);
}

/** True when `sharedPath(...segments)` exists (no segments: ../shared itself). */
export function hasShared(...segments: string[]): boolean {
  return fs.existsSync(sharedPath(...segments));
}

const warned = new Set<string>();

function reason(segments: string[]): string {
  return `SKIPPED: ${sharedPath(...segments)} is missing (the tests that read ../shared need it beside the project)`;
}

/** `test` when `sharedPath(...segments)` exists, else `test.skip` with the reason in the title. */
export function itIfShared(...segments: string[]): (name: string, fn: jest.ProvidesCallback, timeout?: number) => void {
  if (hasShared(...segments)) return test;
  const why = reason(segments);
  if (!warned.has(why)) {
    warned.add(why);
    console.warn(why);
  }
  return (name, fn, timeout) => test.skip(`${name} [${why}]`, fn, timeout);
}

/** `describe` when `sharedPath(...segments)` exists, else `describe.skip` with the reason in the title. */
export function describeIfShared(...segments: string[]): (name: string, fn: () => void) => void {
  if (hasShared(...segments)) return describe;
  const why = reason(segments);
  return (name, fn) => describe.skip(`${name} [${why}]`, fn);
}
