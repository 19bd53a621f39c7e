import { spawnSync } from 'child_process';
import { byKey } from '../order';

/** Runs git (in `cwd`) and returns stdout; throws with git's message on failure. */
export function git(args: readonly string[], cwd?: string, input?: Buffer): Buffer {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 2 * 1024 * 1024 * 1024 });
  if (r.error) throw new Error(`git ${args.join(' ')} failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

/**
 * The files below `prefix/` at `ref` (paths relative to `prefix`), read with one
 * `git ls-tree` and one `git cat-file --batch`. Empty when the folder does not exist at `ref`;
 * throws when `ref` is not a commit.
 */
export function readGitTree(ref: string, prefix: string, cwd?: string): Map<string, string> {
  git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
  const clean = prefix.replace(/\/+$/, '');
  const listing = git(['ls-tree', '-r', '-z', ref, '--', clean ? `${clean}/` : '.'], cwd).toString('utf8');
  const entries = listing
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [, type, sha] = line.slice(0, tab).split(' ');
      return { type, sha, file: line.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob');
  const out = new Map<string, string>();
  if (entries.length === 0) return out;
  const batch = git(['cat-file', '--batch'], cwd, Buffer.from(entries.map((e) => e.sha).join('\n') + '\n'));
  let pos = 0;
  for (const e of entries) {
    const nl = batch.indexOf(0x0a, pos);
    const size = Number(batch.subarray(pos, nl).toString('utf8').split(' ')[2]);
    out.set(clean ? e.file.slice(clean.length + 1) : e.file, batch.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return new Map([...out.entries()].sort(byKey(([k]) => k)));
}
