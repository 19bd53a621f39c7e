import * as fs from 'fs';
import * as path from 'path';
import { ReleaseError } from './error';
import { byKey } from '../../order';

/** Bounds on what the reader accepts (a real release is ~700 files and ~5 MB). */
export const LIMITS = {
  /** Largest single file read (the biggest real one, bootstrap-flux.yaml @v2.17.1, is 568 KB). */
  maxFileBytes: 8 * 1024 * 1024,
  /** Most directory entries visited in one walk. */
  maxEntries: 50_000,
  /** Deepest folder nesting. */
  maxDepth: 32,
};

/** The real, absolute path of a tree root. */
export function realRoot(p: string): string {
  return fs.realpathSync(path.resolve(p));
}

/** Posix relative path from the root. */
export function rel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/** Joins a posix relative path onto the root, refusing any path that leaves the tree. */
export function within(root: string, relPath: string): string | undefined {
  const abs = path.resolve(root, ...relPath.split('/'));
  const r = path.relative(root, abs);
  if (r === '' ) return abs;
  if (r.startsWith('..') || path.isAbsolute(r)) return undefined;
  return abs;
}

export type EntryKind = 'dir' | 'file' | 'other';

/** lstat-based kind: a symlink is never followed ('other'). */
export function kindOf(abs: string): EntryKind | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch {
    return undefined;
  }
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

/** Entries of a folder in code-unit order, symlinks and special files excluded. */
export function listDir(abs: string): { readonly name: string; readonly kind: 'dir' | 'file' }[] {
  const out: { name: string; kind: 'dir' | 'file' }[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    if (e.isDirectory()) out.push({ name: e.name, kind: 'dir' });
    else if (e.isFile()) out.push({ name: e.name, kind: 'file' });
  }
  return out.sort(byKey((x) => x.name));
}

/** Every regular file under `abs` (posix paths relative to `root`), code-unit order, symlinks skipped. */
export function walkFiles(root: string, abs: string, filter: (name: string) => boolean = () => true): string[] {
  const out: string[] = [];
  let seen = 0;
  const visit = (dir: string, depth: number) => {
    if (depth > LIMITS.maxDepth) throw new ReleaseError(`${rel(root, dir)}: folders nested deeper than ${LIMITS.maxDepth} levels`);
    for (const e of listDir(dir)) {
      if (++seen > LIMITS.maxEntries) throw new ReleaseError(`${rel(root, abs)}: more than ${LIMITS.maxEntries} entries`);
      const full = path.join(dir, e.name);
      if (e.kind === 'dir') visit(full, depth + 1);
      else if (filter(e.name)) out.push(rel(root, full));
    }
  };
  visit(abs, 0);
  return out;
}

export const isYaml = (name: string): boolean => /\.ya?ml$/.test(name);

/** Reads a regular file of the tree (never through a symlink), bounded in size. */
export function readText(root: string, relPath: string): string {
  const abs = within(root, relPath);
  if (!abs) throw new ReleaseError(`${relPath}: path leaves the release tree`);
  const st = fs.lstatSync(abs);
  if (!st.isFile()) throw new ReleaseError(`${relPath}: not a regular file`);
  if (st.size > LIMITS.maxFileBytes) {
    throw new ReleaseError(`${relPath}: ${st.size} bytes is larger than the ${LIMITS.maxFileBytes} bytes a release file may have`);
  }
  return fs.readFileSync(abs, 'utf8');
}
