/**
 * The tree writer: puts a rendered tree into its output folder, and nowhere else.
 *
 * Confinement
 * - Every path it writes, deletes or reads back is a clean relative POSIX path (no `..`, no absolute
 *   path, no empty segment, no backslash, no NUL), resolved against the folder and checked to stay
 *   inside it.
 * - It never follows a symbolic link inside the folder: a symlinked folder or file on the way to a
 *   path is refused, naming the path. (The folder itself may be a link; it is resolved once.)
 * - `.synth-manifest` entries that would leave the folder or are not clean paths are refused.
 *
 * Atomicity (a journal, rolled forward)
 * 1. Every check runs first; nothing is changed when one fails.
 * 2. Changed files are written to `.synth-staging/<n>`; the new manifest too.
 * 3. The journal `.synth-journal` (the list of renames and deletions) is written to a temporary
 *    name, flushed, and renamed into place: that rename is the commit point.
 * 4. The journal is applied (rename each staged file over its target, delete files no longer
 *    rendered, rename the new manifest), then the journal and the staging folder are removed.
 * A crash or a full disk before the commit point leaves the old tree (the staging folder is
 * discarded by the next run); after it, the next run (or `recoverTree`) completes the journal and
 * so gives the new tree. Every journal step is idempotent, so a crash during recovery is recovered
 * too. Review tools refuse a folder with a pending journal (see lib/inputs.ts).
 *
 * One writer at a time: `.synth-lock` (pid and host) is held while the folder changes; the lock of
 * a writer that died is taken over. An unchanged tree is not touched at all (no lock either).
 */
import * as nodeFs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareCodeUnits } from '../order';
import { RenderedFile } from './render';

/** The file, at the tree root, that lists every file the writer wrote. */
export const MANIFEST_FILE = '.synth-manifest';
/** The journal of a write in progress (present only between the commit point and the end of a write). */
export const JOURNAL_FILE = '.synth-journal';
/** Where new file contents are staged before the commit point. */
export const STAGING_DIR = '.synth-staging';
/** Held while a writer changes the folder: one writer at a time. */
export const LOCK_FILE = '.synth-lock';
/** Names the writer owns at the root of the output folder; no rendered file may use them. */
export const RESERVED_NAMES: readonly string[] = [MANIFEST_FILE, JOURNAL_FILE, `${JOURNAL_FILE}.tmp`, STAGING_DIR, LOCK_FILE];

const HEADER = '# files written by the synthesizer; it deletes only files listed here\n';
const JOURNAL_HEADER = '# synth journal v1: a write in progress; the next synth completes it\n';

/**
 * The file-system calls the writer makes: a subset of `fs`, so tests can inject failures at every
 * call (crash injection) and show that the next write recovers.
 */
export interface WriterFs {
  lstatSync(p: string): nodeFs.Stats;
  realpathSync(p: string): string;
  readFileSync(p: string): Buffer;
  readdirSync(p: string): string[];
  mkdirSync(p: string): void;
  /** Creates (or truncates) `p` and writes `data`; with `sync`, also flushes it to disk. */
  writeFileSync(p: string, data: string | Buffer, sync?: boolean): void;
  /** Creates `p` only if it does not exist (EEXIST otherwise), writes `data` and syncs it. */
  createExclusiveSync(p: string, data: string): void;
  renameSync(from: string, to: string): void;
  unlinkSync(p: string): void;
  rmdirSync(p: string): void;
}

/** The real file system. */
export const NODE_WRITER_FS: WriterFs = {
  lstatSync: (p) => nodeFs.lstatSync(p),
  realpathSync: (p) => nodeFs.realpathSync(p),
  readFileSync: (p) => nodeFs.readFileSync(p),
  readdirSync: (p) => nodeFs.readdirSync(p),
  mkdirSync: (p) => nodeFs.mkdirSync(p),
  writeFileSync: (p, data, sync) => {
    // O_NOFOLLOW: never write through a link, even one created after our checks.
    const fd = nodeFs.openSync(p, nodeFs.constants.O_WRONLY | nodeFs.constants.O_CREAT | nodeFs.constants.O_TRUNC | nodeFs.constants.O_NOFOLLOW, 0o644);
    try {
      nodeFs.writeFileSync(fd, data);
      if (sync) nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  },
  createExclusiveSync: (p, data) => {
    const fd = nodeFs.openSync(p, nodeFs.constants.O_WRONLY | nodeFs.constants.O_CREAT | nodeFs.constants.O_EXCL | nodeFs.constants.O_NOFOLLOW, 0o644);
    try {
      nodeFs.writeFileSync(fd, data);
    } finally {
      nodeFs.closeSync(fd);
    }
  },
  renameSync: (from, to) => nodeFs.renameSync(from, to),
  unlinkSync: (p) => nodeFs.unlinkSync(p),
  rmdirSync: (p) => nodeFs.rmdirSync(p),
};

export interface WriteOptions {
  /** The file system to use. @default NODE_WRITER_FS */
  readonly fs?: WriterFs;
}

/** What `writeTree` did: files written, left unchanged, and removed. */
export interface WriteResult {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: string[];
}

/** A refusal of the writer: the message names the path and the fix; nothing was changed. */
export class WriterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WriterError';
    this.stack = `${this.name}: ${message}`;
  }
}

/** Why `rel` is not a clean relative POSIX path, or undefined when it is one. */
export function unsafeRelativePath(rel: string): string | undefined {
  if (typeof rel !== 'string' || rel === '') return 'is empty';
  if (rel.includes('\0')) return 'contains a NUL byte';
  if (rel.includes('\\')) return 'contains a backslash';
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return 'is absolute';
  if (/[\u0000-\u001f\u007f]/.test(rel)) return 'contains a control character';
  const segs = rel.split('/');
  if (segs.some((s) => s === '')) return 'has an empty segment (// or a trailing /)';
  if (segs.some((s) => s === '.' || s === '..')) return 'has a "." or ".." segment';
  return undefined;
}

function isCode(e: unknown, code: string): boolean {
  return (e as NodeJS.ErrnoException)?.code === code;
}

function lstatOrUndefined(fs: WriterFs, p: string): nodeFs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if (isCode(e, 'ENOENT') || isCode(e, 'ENOTDIR')) return undefined;
    throw e;
  }
}

/** The output folder, resolved: it must be a non-empty path to a folder (created when missing). */
function resolveOutdir(fs: WriterFs, outdir: string): string {
  if (typeof outdir !== 'string' || outdir.trim() === '') {
    throw new WriterError('the output folder is empty (pass --output <dir>, e.g. --output dist)');
  }
  if (outdir.includes('\0')) throw new WriterError(`the output folder ${JSON.stringify(outdir)} contains a NUL byte (pass a plain folder path)`);
  const abs = path.resolve(outdir);
  const st = (() => {
    try {
      return nodeFs.statSync(abs);
    } catch (e) {
      if (isCode(e, 'ENOENT')) return undefined;
      throw new WriterError(`the output folder ${outdir} cannot be used (${(e as NodeJS.ErrnoException).code}: ${abs}; pass another --output)`);
    }
  })();
  if (st && !st.isDirectory()) throw new WriterError(`the output folder ${outdir} is not a folder (${abs} is a file; pass a folder to --output)`);
  if (!st) {
    try {
      nodeFs.mkdirSync(abs, { recursive: true });
    } catch (e) {
      throw new WriterError(`the output folder ${outdir} cannot be created (${(e as NodeJS.ErrnoException).code}: ${abs}; pass another --output)`);
    }
  }
  return fs.realpathSync(abs);
}

/**
 * The absolute path of `rel` inside `root`, after checking that it is clean, stays inside `root`,
 * and that no folder on the way is a symbolic link or not a folder.
 */
function confined(fs: WriterFs, root: string, rel: string, what: string, willDelete: ReadonlySet<string> = new Set(), folders?: Set<string>): string {
  const bad = unsafeRelativePath(rel);
  if (bad) throw new WriterError(`${what} ${JSON.stringify(rel)} ${bad}; the writer only writes clean paths inside ${root}`);
  const abs = path.resolve(root, ...rel.split('/'));
  if (!abs.startsWith(root + path.sep)) throw new WriterError(`${what} ${JSON.stringify(rel)} leaves the output folder ${root}`);
  const segs = rel.split('/');
  let cur = root;
  for (let i = 0; i < segs.length - 1; i++) {
    cur = path.join(cur, segs[i]);
    if (folders?.has(cur)) continue; // checked for an earlier path of this plan
    const st = lstatOrUndefined(fs, cur);
    if (!st) break;
    if (st.isSymbolicLink()) {
      throw new WriterError(`${cur} is a symbolic link inside the output folder; the writer never follows links (remove the link, then synthesize again)`);
    }
    if (!st.isDirectory()) {
      if (willDelete.has(segs.slice(0, i + 1).join('/'))) break; // a file of ours that this write deletes first
      throw new WriterError(`${cur} is not a folder, but ${what} ${rel} needs it to be one (move it away, then synthesize again)`);
    }
    folders?.add(cur);
  }
  return abs;
}

/** True when the folder `rel` holds nothing but files this write deletes (and folders of such files; no links). */
function onlyDeletable(fs: WriterFs, root: string, rel: string, willDelete: ReadonlySet<string>): boolean {
  const entries = fs.readdirSync(path.join(root, ...rel.split('/')));
  if (entries.length === 0) return false; // an empty folder is not ours: no deletion would remove it
  for (const e of entries) {
    const r = `${rel}/${e}`;
    const st = fs.lstatSync(path.join(root, ...r.split('/')));
    if (st.isDirectory() && !st.isSymbolicLink()) {
      if (!onlyDeletable(fs, root, r, willDelete)) return false;
    } else if (!st.isFile() || !willDelete.has(r)) return false;
  }
  return true;
}

/** What is at `abs`: nothing, a regular file, or a refusal (a link, a folder, a device…). */
function fileAt(fs: WriterFs, abs: string, rel: string): 'none' | 'file' {
  const st = lstatOrUndefined(fs, abs);
  if (!st) return 'none';
  if (st.isSymbolicLink()) {
    throw new WriterError(`${abs} is a symbolic link inside the output folder; the writer never follows links (remove the link, then synthesize again)`);
  }
  if (!st.isFile()) throw new WriterError(`${abs} (${rel}) is not a regular file (move it away, then synthesize again)`);
  return 'file';
}

function readManifest(fs: WriterFs, root: string): string[] {
  const file = path.join(root, MANIFEST_FILE);
  if (fileAt(fs, file, MANIFEST_FILE) === 'none') return [];
  const lines = fs.readFileSync(file).toString('utf8').split('\n');
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (!l || l.startsWith('#') || l === MANIFEST_FILE) return;
    const bad = unsafeRelativePath(l);
    if (bad || RESERVED_NAMES.includes(l)) {
      throw new WriterError(
        `${file}:${i + 1}: entry ${JSON.stringify(l)} ${bad ?? 'is a name the writer reserves'}; the writer only deletes files inside the output folder (remove that line from ${MANIFEST_FILE})`,
      );
    }
    out.push(l);
  });
  return out;
}

type Op = { readonly op: 'put'; readonly staged: string; readonly path: string } | { readonly op: 'del'; readonly path: string };

function formatJournal(ops: readonly Op[]): string {
  return JOURNAL_HEADER + ops.map((o) => (o.op === 'put' ? `put\t${o.staged}\t${o.path}` : `del\t${o.path}`)).join('\n') + '\nend\n';
}

function parseJournal(text: string, file: string): Op[] {
  const lines = text.split('\n');
  if (lines[0] + '\n' !== JOURNAL_HEADER || lines[lines.length - 2] !== 'end') {
    // Only a complete journal is ever renamed into place; anything else was not written by us.
    throw new WriterError(`${file} is not a complete synth journal (delete it, then synthesize again)`);
  }
  const ops: Op[] = [];
  for (const l of lines.slice(1, -2)) {
    const parts = l.split('\t');
    const p = parts[parts.length - 1];
    const bad = unsafeRelativePath(p) ?? (RESERVED_NAMES.includes(p) && p !== MANIFEST_FILE ? 'is reserved' : undefined);
    if (bad) throw new WriterError(`${file}: entry ${JSON.stringify(p)} ${bad} (delete the journal, then synthesize again)`);
    if (parts[0] === 'put' && parts.length === 3 && /^[0-9]+$/.test(parts[1])) ops.push({ op: 'put', staged: parts[1], path: p });
    else if (parts[0] === 'del' && parts.length === 2) ops.push({ op: 'del', path: p });
    else throw new WriterError(`${file}: unreadable line ${JSON.stringify(l)} (delete the journal, then synthesize again)`);
  }
  return ops;
}

/** Creates the folders on the way to `rel` (refusing links). */
function ensureParents(fs: WriterFs, root: string, rel: string): void {
  const segs = rel.split('/');
  let cur = root;
  for (let i = 0; i < segs.length - 1; i++) {
    cur = path.join(cur, segs[i]);
    const st = lstatOrUndefined(fs, cur);
    if (!st) fs.mkdirSync(cur);
    else if (st.isSymbolicLink()) throw new WriterError(`${cur} is a symbolic link inside the output folder; the writer never follows links (remove the link, then synthesize again)`);
    else if (!st.isDirectory()) throw new WriterError(`${cur} is not a folder (move it away, then synthesize again)`);
  }
}

/** Removes the folders a deletion left empty, up to the root. */
function pruneEmptyParents(fs: WriterFs, root: string, rel: string): void {
  const segs = rel.split('/');
  for (let n = segs.length - 1; n > 0; n--) {
    const d = path.join(root, ...segs.slice(0, n));
    const st = lstatOrUndefined(fs, d);
    if (!st) continue; // removed by an interrupted run
    if (!st.isDirectory() || st.isSymbolicLink()) return;
    if (fs.readdirSync(d).length > 0) return;
    fs.rmdirSync(d);
  }
}

function removeStaging(fs: WriterFs, root: string): void {
  const dir = path.join(root, STAGING_DIR);
  const st = lstatOrUndefined(fs, dir);
  if (!st) return;
  if (!st.isDirectory() || st.isSymbolicLink()) {
    throw new WriterError(`${dir} is not the writer's staging folder (a link or a file); remove it, then synthesize again`);
  }
  for (const e of fs.readdirSync(dir)) {
    const p = path.join(dir, e);
    const est = fs.lstatSync(p);
    if (!est.isFile() && !est.isSymbolicLink()) throw new WriterError(`${p} is not a staged file; remove ${dir}, then synthesize again`);
    fs.unlinkSync(p);
  }
  fs.rmdirSync(dir);
}

/**
 * On a replay of a journal: whether a deletion was already done and a later put of the same
 * journal has since taken its place (a folder of that name now, or a file where its folder was).
 * Links are never excused: `confined`/`fileAt` refuse them.
 */
function replacedByLaterPut(fs: WriterFs, root: string, rel: string): boolean {
  const segs = rel.split('/');
  for (let i = 1; i <= segs.length; i++) {
    const st = lstatOrUndefined(fs, path.join(root, ...segs.slice(0, i)));
    if (!st || st.isSymbolicLink()) return false;
    if (i < segs.length && !st.isDirectory()) return true; // a parent became a file
    if (i === segs.length && st.isDirectory()) return true; // the file became a folder
  }
  return false;
}

/** Applies a committed journal (idempotent), then removes it and the staging folder. */
function applyJournal(fs: WriterFs, root: string, ops: readonly Op[]): void {
  const staging = path.join(root, STAGING_DIR);
  for (const o of ops) {
    if (o.op === 'put') {
      const target = confined(fs, root, o.path, 'journal entry');
      const src = path.join(staging, o.staged);
      if (!lstatOrUndefined(fs, src)) continue; // already moved by an interrupted run
      ensureParents(fs, root, o.path);
      if (lstatOrUndefined(fs, target)) fileAt(fs, target, o.path); // refuse a link or a folder in the way
      fs.renameSync(src, target);
    } else if (!replacedByLaterPut(fs, root, o.path)) {
      const target = confined(fs, root, o.path, 'journal entry');
      if (fileAt(fs, target, o.path) === 'file') fs.unlinkSync(target);
      // also when an interrupted run already deleted the file: its folders may still be there
      pruneEmptyParents(fs, root, o.path);
    }
  }
  fs.unlinkSync(path.join(root, JOURNAL_FILE));
  removeStaging(fs, root);
}

/** Whether an interrupted write left something to complete or discard (or a lock to take over). */
function pending(fs: WriterFs, root: string): boolean {
  return [JOURNAL_FILE, `${JOURNAL_FILE}.tmp`, STAGING_DIR, LOCK_FILE].some((n) => lstatOrUndefined(fs, path.join(root, n)) !== undefined);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `.synth-lock` (one writer at a time). A lock left by a writer that died (its process is
 * gone, or it is this process: writes are synchronous) is taken over; a live one is refused.
 * Returns the release function.
 */
function acquire(fs: WriterFs, root: string): () => void {
  const file = path.join(root, LOCK_FILE);
  const mine = `pid ${process.pid} ${os.hostname()}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.createExclusiveSync(file, mine);
      return () => {
        try {
          fs.unlinkSync(file);
        } catch {
          // a lock that cannot be removed is stale for the next writer (this process is done)
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    fileAt(fs, file, LOCK_FILE); // refuse a link
    const held = /^pid (\d+) (\S+)$/.exec(fs.readFileSync(file).toString('utf8').trim());
    const stale = !held || (held[2] === os.hostname() && (Number(held[1]) === process.pid || !alive(Number(held[1]))));
    if (!stale) {
      throw new WriterError(`another synth (pid ${held![1]} on ${held![2]}) is writing into ${root}; wait for it to finish (if none is running, delete ${file})`);
    }
    fs.unlinkSync(file);
  }
  throw new WriterError(`another synth keeps taking ${file}; run one synth at a time into ${root}`);
}

/**
 * Completes or discards an interrupted write in `outdir`: a committed journal is applied (the new
 * tree), an uncommitted staging folder is removed (the old tree). Returns what it did.
 */
export function recoverTree(outdir: string, options: WriteOptions = {}): 'clean' | 'completed' | 'discarded' {
  const fs = options.fs ?? NODE_WRITER_FS;
  const root = resolveOutdir(fs, outdir);
  if (!pending(fs, root)) return 'clean';
  const release = acquire(fs, root);
  try {
    return recover(fs, root);
  } finally {
    release();
  }
}

function recover(fs: WriterFs, root: string): 'clean' | 'completed' | 'discarded' {
  const journal = path.join(root, JOURNAL_FILE);
  const tmpJournal = `${journal}.tmp`;
  if (fileAt(fs, journal, JOURNAL_FILE) === 'file') {
    applyJournal(fs, root, parseJournal(fs.readFileSync(journal).toString('utf8'), journal));
    if (fileAt(fs, tmpJournal, `${JOURNAL_FILE}.tmp`) === 'file') fs.unlinkSync(tmpJournal);
    return 'completed';
  }
  let discarded = false;
  if (fileAt(fs, tmpJournal, `${JOURNAL_FILE}.tmp`) === 'file') {
    fs.unlinkSync(tmpJournal);
    discarded = true;
  }
  if (lstatOrUndefined(fs, path.join(root, STAGING_DIR))) {
    removeStaging(fs, root);
    discarded = true;
  }
  return discarded ? 'discarded' : 'clean';
}

function sameContent(fs: WriterFs, abs: string, content: string | Buffer): boolean {
  const old = fs.readFileSync(abs);
  return old.equals(Buffer.isBuffer(content) ? content : Buffer.from(content));
}

/**
 * Writes a rendered tree into `outdir` (see the module comment for confinement and atomicity).
 *
 * - Files listed in the previous `.synth-manifest` that are no longer rendered are deleted (and
 *   folders they leave empty); nothing else is ever deleted.
 * - A rendered file would overwrite a file the writer did not write: refused with an error, before
 *   anything is changed.
 * - Unchanged files are not rewritten, so mtimes of unchanged files stay.
 *
 * @throws WriterError naming the path and the fix; the folder is then left as it was.
 */
export function writeTree(files: readonly RenderedFile[], outdir: string, options: WriteOptions = {}): WriteResult {
  const fs = options.fs ?? NODE_WRITER_FS;
  const root = resolveOutdir(fs, outdir);
  try {
    return write(fs, root, files);
  } catch (e) {
    if (e instanceof WriterError) throw e;
    const err = e as NodeJS.ErrnoException;
    const where = err.path ? ` at ${err.path}` : '';
    throw new WriterError(
      `cannot write the tree into ${root} (${err.code ?? err.message}${where}); the previous tree is kept or completed by the next synth: free space or fix permissions, then synthesize again`,
    );
  }
}

function write(fs: WriterFs, root: string, files: readonly RenderedFile[]): WriteResult {
  // The lock is taken only when something changes, so an unchanged tree is not touched at all
  // (and a read-only checkout of an up-to-date tree still synthesizes).
  let release: (() => void) | undefined;
  try {
    if (pending(fs, root)) {
      // 0. Finish (or discard) what an interrupted run left.
      release = acquire(fs, root);
      recover(fs, root);
    }
    let plan = planWrite(fs, root, files);
    if (plan === 'unchanged') return { written: 0, unchanged: files.length, removed: [] };
    if (!release) {
      release = acquire(fs, root);
      // another writer may have crashed between our plan and our lock
      if (pending(fs, root)) {
        recover(fs, root);
        plan = planWrite(fs, root, files);
        if (plan === 'unchanged') return { written: 0, unchanged: files.length, removed: [] };
      }
    }
    return commit(fs, root, files, plan);
  } finally {
    release?.();
  }
}

interface Plan {
  readonly changed: readonly { rel: string; content: string | Buffer }[];
  readonly deletions: readonly string[];
  readonly manifest?: string;
}

/** Every check, before any change; the changes to make, or 'unchanged'. */
function planWrite(fs: WriterFs, root: string, files: readonly RenderedFile[]): Plan | 'unchanged' {
  // 1. Every check before any change.
  const previous = new Set(readManifest(fs, root));
  const seen = new Set<string>();
  for (const f of files) {
    if (RESERVED_NAMES.includes(f.path.split('/')[0])) throw new WriterError(`rendered file ${f.path} uses a name the writer reserves (${RESERVED_NAMES.join(', ')}); rename it`);
    if (seen.has(f.path)) throw new WriterError(`rendered file ${f.path} is listed twice (each path is written once)`);
    seen.add(f.path);
  }
  // A rendered path that is also a folder of another rendered path could never be written.
  const folders = new Set<string>();
  for (const p of seen) {
    const segs = p.split('/');
    for (let i = 1; i < segs.length; i++) folders.add(segs.slice(0, i).join('/'));
  }
  for (const p of seen) {
    if (folders.has(p)) throw new WriterError(`rendered file ${p} is also a folder of another rendered file (${[...seen].find((q) => q.startsWith(`${p}/`))}); rename one of them`);
  }
  const deletions: string[] = [];
  for (const old of [...previous].sort(compareCodeUnits)) {
    if (seen.has(old)) continue;
    const abs = confined(fs, root, old, `${MANIFEST_FILE} entry`);
    if (fileAt(fs, abs, old) === 'file') deletions.push(old);
  }
  const willDelete = new Set(deletions);
  const plan: { rel: string; abs: string; content: string | Buffer; exists: boolean }[] = [];
  const foreign: string[] = [];
  const checkedFolders = new Set<string>();
  for (const f of files) {
    const abs = confined(fs, root, f.path, 'rendered file', willDelete, checkedFolders);
    const segs = f.path.split('/');
    // under a file of ours that this write deletes first (x → x/…): nothing there yet
    const underDeleted = willDelete.size > 0 && segs.slice(0, -1).some((_, i) => willDelete.has(segs.slice(0, i + 1).join('/')));
    const st = underDeleted ? undefined : lstatOrUndefined(fs, abs);
    // a folder of ours that this write empties (x/… → x) is removed before the file is put
    const replacesFolder = st !== undefined && st.isDirectory() && onlyDeletable(fs, root, f.path, willDelete);
    if (st && !replacesFolder && !st.isFile()) fileAt(fs, abs, f.path); // refuses a link, a folder, a FIFO…
    const exists = st !== undefined && st.isFile();
    if (exists && !previous.has(f.path) && !sameContent(fs, abs, f.content)) foreign.push(f.path);
    plan.push({ rel: f.path, abs, content: f.content, exists });
  }
  if (foreign.length) {
    throw new WriterError(
      `refusing to overwrite ${foreign.length} file(s) in ${root} that the synthesizer did not write: ` +
        foreign.slice(0, 5).join(', ') +
        (foreign.length > 5 ? ', …' : '') +
        ' (move them away, or synthesize into an empty --output directory)',
    );
  }
  const changed = plan.filter((p) => !p.exists || !sameContent(fs, p.abs, p.content));
  const manifest = HEADER + [...seen, MANIFEST_FILE].sort(compareCodeUnits).join('\n') + '\n';
  const manifestAbs = path.join(root, MANIFEST_FILE);
  const manifestChanged = fileAt(fs, manifestAbs, MANIFEST_FILE) === 'none' || !sameContent(fs, manifestAbs, manifest);
  if (changed.length === 0 && deletions.length === 0 && !manifestChanged) return 'unchanged';
  return { changed, deletions, ...(manifestChanged ? { manifest } : {}) };
}

/** Stages, commits and applies a plan (under the lock). */
function commit(fs: WriterFs, root: string, files: readonly RenderedFile[], plan: Plan): WriteResult {
  const { changed, deletions, manifest } = plan;
  // 2. Stage the new contents (before the commit point: a failure here leaves the old tree).
  const staging = path.join(root, STAGING_DIR);
  const ops: Op[] = [];
  try {
    fs.mkdirSync(staging);
    // deletions first: a file of ours may stand where a new folder goes (x → x/…)
    for (const d of deletions) ops.push({ op: 'del', path: d });
    changed.forEach((p, i) => {
      fs.writeFileSync(path.join(staging, String(i)), p.content);
      ops.push({ op: 'put', staged: String(i), path: p.rel });
    });
    if (manifest !== undefined) {
      fs.writeFileSync(path.join(staging, String(changed.length)), manifest);
      ops.push({ op: 'put', staged: String(changed.length), path: MANIFEST_FILE });
    }
    // 3. The commit point: a complete journal, renamed into place.
    const journal = path.join(root, JOURNAL_FILE);
    // Only the journal is flushed: staged files need no fsync against a crash of the process or a
    // full disk (the page cache outlives the process); after a power loss a replayed journal may
    // put stale bytes, which the next synth rewrites, as it rewrites every listed file that differs.
    fs.writeFileSync(`${journal}.tmp`, formatJournal(ops), true);
    fs.renameSync(`${journal}.tmp`, journal);
  } catch (e) {
    try {
      recover(fs, root);
    } catch {
      // the next run discards the staging folder
    }
    throw e;
  }
  // 4. Apply it.
  applyJournal(fs, root, ops);
  return { written: changed.length, unchanged: files.length - changed.length, removed: [...deletions] };
}
