/**
 * Values that become shell commands or file paths: Git ref names, URLs, `<owner>/<repo>` paths,
 * and the application-definitions tree. Each check returns why the value is refused (naming the
 * bad part and the fix), or undefined. `shellQuote` quotes whatever ends up in BOOTSTRAP.md.
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * Why `name` is not a branch name Git accepts (`git check-ref-format --branch`), or one this tool
 * refuses because it would need quoting everywhere it is used (only letters, digits and
 * `.` `_` `-` `/` `+` are allowed), or undefined.
 *
 * Rules of git-check-ref-format (Documentation/git-check-ref-format.txt): no component starts with
 * `.` or ends with `.lock`; no `..`; no control characters, space, `~ ^ : ? * [ \`; no leading,
 * trailing or double `/`; no trailing `.`; no `@{`; not `@`.
 */
export function gitRefNameProblem(name: string): string | undefined {
  const fix = 'use letters, digits and . _ - / +, e.g. main or release/v1';
  if (name === '') return `is empty (${fix})`;
  if (name.length > 255) return `is longer than 255 characters (${fix})`;
  const bad = /[^A-Za-z0-9._\/+-]/.exec(name);
  if (bad) return `contains ${JSON.stringify(bad[0])}, which a Git branch name here may not (${fix})`;
  if (name === '@') return `is "@", which Git refuses (${fix})`;
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return `has a leading, trailing or double "/" (${fix})`;
  if (name.includes('..')) return `contains "..", which Git refuses in ref names (${fix})`;
  if (name.endsWith('.')) return `ends with ".", which Git refuses (${fix})`;
  if (name.startsWith('-')) return `starts with "-", which Git refuses for a branch (${fix})`;
  for (const c of name.split('/')) {
    if (c.startsWith('.')) return `has a component starting with "." (${JSON.stringify(c)}), which Git refuses (${fix})`;
    if (c.endsWith('.lock')) return `has a component ending in ".lock" (${JSON.stringify(c)}), which Git refuses (${fix})`;
  }
  return undefined;
}

/** Characters a URL of the config may contain (RFC 3986 without `'`, `;`, `$`, `!`, `(`, `)` and backquote). */
const URL_CHARS = /^[A-Za-z0-9._~:/?#[\]@&*+,=%-]+$/;

/** Why `url` cannot be put into a command (a character outside the URL set, or credentials), or undefined. */
export function commandUrlProblem(url: string): string | undefined {
  const bad = /[^A-Za-z0-9._~:/?#[\]@&*+,=%-]/.exec(url);
  if (bad || !URL_CHARS.test(url)) {
    const ch = bad ? JSON.stringify(bad[0]) : 'a character';
    return `contains ${ch}, which is not allowed in a URL here (percent-encode it, e.g. %3B for ";", or use a plain URL such as https://git.example.com/org/repo.git)`;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed && (parsed.password || (parsed.username && !/^(ssh|git\+ssh)$/.test(parsed.protocol.replace(/:$/, ''))))) {
    return 'contains credentials (user or token before "@"); put them in the Git credentials Secret (npm run -s secrets -- set), never in the URL';
  }
  return undefined;
}

/** Why `value` is not a confined `<owner>/<repo>` path, or undefined. */
export function ownerRepoProblem(value: string): string | undefined {
  const parts = value.split('/');
  const fix = 'write <owner>/<repo> with letters, digits, . _ -, e.g. kommander/kommander';
  if (parts.length !== 2) return `is not <owner>/<repo> (${fix})`;
  for (const p of parts) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(p) || p === '.' || p === '..' || p.includes('..')) return `has the segment ${JSON.stringify(p)}, which would leave the owner or repository (${fix})`;
  }
  return undefined;
}

/**
 * Quotes a value for a POSIX shell: unchanged when it only holds characters no shell treats
 * specially, else in single quotes (a `'` inside becomes `'\''`).
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9._\/:=@%+,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The nearest folder at or above `dir` with a `.git` entry (a Git work tree), else `dir` itself. */
function repositoryRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Why the application-definitions tree at `value` (relative to the config folder `baseDir`) may
 * not be copied, or undefined.
 *
 * The decision (README "Safety"): a relative path must stay inside the repository (the Git
 * work tree that holds the config file, or the config's folder outside Git), also after resolving
 * symbolic links; a tree outside the repository must be
 * named explicitly with an absolute path. In either case it is never the output folder, inside
 * it, or a folder that contains it (the copy would read the last output back into itself).
 *
 * @param outdirs The output folders to keep apart (absolute or relative to the working directory).
 */
export function applicationDefinitionsProblem(baseDir: string, value: string, outdirs: readonly string[] = []): string | undefined {
  const configDir = realOrResolved(baseDir);
  const base = repositoryRoot(configDir);
  const abs = path.isAbsolute(value) ? path.resolve(value) : path.resolve(configDir, value);
  const real = realOrResolved(abs);
  if (!path.isAbsolute(value) && !isInside(real, base)) {
    return `${JSON.stringify(value)} leaves the repository (${real} is outside ${base}); keep the release tree inside the repository, or name a tree outside it explicitly with an absolute path`;
  }
  if (isInside(base, real) && real !== base) {
    return `${JSON.stringify(value)} contains the repository (${real}); point it at the release tree itself`;
  }
  if (real === base) return `${JSON.stringify(value)} is the repository itself (${real}); point it at the release tree, e.g. kommander-applications`;
  for (const o of outdirs) {
    const out = realOrResolved(o);
    if (isInside(real, out) || isInside(out, real)) {
      return `${JSON.stringify(value)} is or overlaps the output folder ${out}; the tree would copy the last output into itself: point it at the release tree`;
    }
  }
  return undefined;
}
