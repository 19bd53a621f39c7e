import * as fs from 'fs';
import * as path from 'path';
import { RenderedFile } from './render';

/** The file, at the tree root, that lists every file the writer wrote. */
export const MANIFEST_FILE = '.synth-manifest';

const HEADER = '# files written by the synthesizer; it deletes only files listed here\n';

function readManifest(outdir: string): string[] {
  const file = path.join(outdir, MANIFEST_FILE);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#') && l !== MANIFEST_FILE);
}

function sameContent(file: string, content: string | Buffer): boolean {
  try {
    const old = fs.readFileSync(file);
    return Buffer.isBuffer(content) ? old.equals(content) : old.equals(Buffer.from(content));
  } catch {
    return false;
  }
}

/** What `writeTree` did: files written, left unchanged, and removed. */
export interface WriteResult {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: string[];
}

/**
 * Writes a rendered tree into `outdir`.
 *
 * - Files listed in the previous `.synth-manifest` that are no longer rendered are deleted (and
 *   folders they leave empty); nothing else is ever deleted.
 * - A rendered file would overwrite a file the writer did not write: refused with an error, before
 *   anything is changed.
 * - Unchanged files are not rewritten, so mtimes of unchanged files stay.
 */
export function writeTree(files: readonly RenderedFile[], outdir: string): WriteResult {
  const previous = new Set(readManifest(outdir));
  const foreign = files.filter((f) => !previous.has(f.path) && fs.existsSync(path.join(outdir, f.path)) && !sameContent(path.join(outdir, f.path), f.content));
  if (foreign.length) {
    throw new Error(
      `refusing to overwrite ${foreign.length} file(s) in ${outdir} that the synthesizer did not write: ` +
        foreign.slice(0, 5).map((f) => f.path).join(', ') +
        (foreign.length > 5 ? ', …' : '') +
        ' (move them away, or synthesize into an empty --output directory)',
    );
  }
  const next = new Set(files.map((f) => f.path));
  let written = 0;
  let unchanged = 0;
  const dirs = new Set<string>();
  for (const f of files) {
    const target = path.join(outdir, f.path);
    const dir = path.dirname(target);
    if (!dirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
    if (previous.has(f.path) && sameContent(target, f.content)) {
      unchanged++;
      continue;
    }
    fs.writeFileSync(target, f.content);
    written++;
  }
  const removed: string[] = [];
  for (const old of [...previous].sort()) {
    if (next.has(old)) continue;
    const target = path.join(outdir, old);
    if (fs.existsSync(target)) {
      fs.rmSync(target);
      removed.push(old);
      // remove folders the deletion left empty, up to outdir
      for (let d = path.dirname(target); path.resolve(d) !== path.resolve(outdir); d = path.dirname(d)) {
        if (fs.existsSync(d) && fs.readdirSync(d).length === 0) fs.rmdirSync(d);
        else break;
      }
    }
  }
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, MANIFEST_FILE), HEADER + [...next, MANIFEST_FILE].sort().join('\n') + '\n');
  return { written, unchanged, removed };
}
