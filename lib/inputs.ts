/**
 * Input validation of the review tools (`diff`, `plan`, `check`): the folder they read must be a
 * usable synthesized tree, read with the same bounds as synth (lib/yaml-bounds.ts), and the one
 * file `plan` writes (ROLLOUT.md) is written without following a link. Every refusal is an
 * InputError naming the path and the fix; the scripts print it and exit 2, never a stack trace.
 */
import * as fs from 'fs';
import * as path from 'path';
import { JOURNAL_FILE, LOCK_FILE, STAGING_DIR } from './tree/writer';
import { DEFAULT_LIMITS, InputError } from './yaml-bounds';
import { byKey } from './order';

export { InputError } from './yaml-bounds';

/** Bounds of a tree read by a review tool. */
export interface TreeLimits {
  /** @default 20,000 */
  readonly maxFiles: number;
  /** Per file. @default 16 MiB (as synth's config limit) */
  readonly maxFileBytes: number;
  /** All files together. @default 256 MiB */
  readonly maxTotalBytes: number;
}

export const DEFAULT_TREE_LIMITS: TreeLimits = { maxFiles: 20_000, maxFileBytes: DEFAULT_LIMITS.maxBytes, maxTotalBytes: 256 * 1024 * 1024 };

function refuse(file: string, message: string): never {
  throw new InputError([{ file, message }]);
}

/**
 * Checks that `dir` is a usable synthesized tree: it exists, is a folder (not a file), holds at
 * least one file, and is not in the middle of a write (a pending synth journal).
 *
 * @param what Names the folder in messages, e.g. "the tree to check".
 * @param options.writable also require that the folder can be written (for `plan`).
 */
export function requireTreeDir(dir: string, what: string, options: { readonly writable?: boolean; readonly hint?: string } = {}): string {
  const hint = options.hint ?? 'run npm run synth first, or pass the folder of a synthesized tree';
  if (typeof dir !== 'string' || dir.trim() === '') refuse(String(dir), `${what} is an empty path (${hint})`);
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return refuse(dir, code === 'ENOENT' ? `${what} does not exist (${hint})` : `${what} cannot be read (${code}; ${hint})`);
  }
  if (!st.isDirectory()) refuse(dir, `${what} is a file, not a folder (pass the folder of a synthesized tree, e.g. dist)`);
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    return refuse(dir, `${what} cannot be listed (${(e as NodeJS.ErrnoException).code}; check its permissions)`);
  }
  if (entries.includes(JOURNAL_FILE) || entries.includes(STAGING_DIR) || entries.includes(LOCK_FILE)) {
    refuse(dir, `${what} is in the middle of a write (${JOURNAL_FILE}, ${STAGING_DIR} or ${LOCK_FILE} is present); run npm run synth to complete it, then run this again`);
  }
  if (entries.filter((e) => e !== '.git').length === 0) refuse(dir, `${what} is empty (${hint})`);
  if (options.writable) {
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      refuse(dir, `${what} is read-only; pass --no-write to only print the plan, or make the folder writable`);
    }
  }
  return path.resolve(dir);
}

/**
 * Reads every regular file below `dir` (paths relative to `dir`, POSIX separators, code-unit
 * order), within the bounds; symbolic links, FIFOs and devices are never read.
 */
export function readTreeBounded(dir: string, limits: TreeLimits = DEFAULT_TREE_LIMITS): Map<string, string> {
  const out = new Map<string, string>();
  let total = 0;
  const walk = (abs: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      return refuse(abs, `cannot be listed (${(e as NodeJS.ErrnoException).code}; check its permissions)`);
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(abs, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.git' && e.name !== 'node_modules') walk(full, r);
        continue;
      }
      if (!e.isFile()) continue; // links, FIFOs, devices, sockets: never read
      if (out.size >= limits.maxFiles) refuse(dir, `holds more than ${limits.maxFiles} files (pass the folder of one synthesized tree)`);
      const size = fs.lstatSync(full).size;
      if (size > limits.maxFileBytes) refuse(full, `is ${size} bytes, more than the limit of ${limits.maxFileBytes} bytes per file (a synthesized tree has no such file)`);
      total += size;
      if (total > limits.maxTotalBytes) refuse(dir, `holds more than ${limits.maxTotalBytes} bytes (pass the folder of one synthesized tree)`);
      let fd: number;
      try {
        fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      } catch (err) {
        return refuse(full, `cannot be read (${(err as NodeJS.ErrnoException).code}; check its permissions)`);
      }
      try {
        if (!fs.fstatSync(fd).isFile()) continue;
        out.set(r, fs.readFileSync(fd, 'utf8'));
      } finally {
        fs.closeSync(fd);
      }
    }
  };
  walk(path.resolve(dir), '');
  return new Map([...out.entries()].sort(byKey(([k]) => k)));
}

/**
 * Writes `name` (a plain file name) into `dir` atomically (temporary file + rename) and never
 * through a link: an existing `name` must be a regular file. Returns false when the content was
 * already there.
 */
export function writeTreeFileSafely(dir: string, name: string, content: string): boolean {
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name === '') refuse(name, 'is not a plain file name');
  const target = path.join(dir, name);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(target);
  } catch {
    st = undefined;
  }
  if (st && st.isSymbolicLink()) refuse(target, 'is a symbolic link; it is never written through (remove the link, then run this again)');
  if (st && !st.isFile()) refuse(target, 'is not a regular file (move it away, then run this again)');
  if (st && fs.readFileSync(target, 'utf8') === content) return false;
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
  try {
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing was created
    }
    if (e instanceof InputError) throw e;
    return refuse(target, `cannot be written (${(e as NodeJS.ErrnoException).code}; make the folder writable, or pass --no-write)`);
  }
  return true;
}

/** Prints an error of a review tool: an InputError as is, anything else by its message; never a stack. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
