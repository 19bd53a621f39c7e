/**
 * Shared fixture of the hostile-input corpus: a throw-away copy of the example project (config,
 * application definitions, encrypted secrets), synthesized once, so that each case can break one
 * thing and assert the refusal: non-zero exit, a message naming the file/key/path and the fix,
 * and the output folder byte-identical to before.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthMain } from '../../lib/cli';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Project {
  readonly dir: string;
  readonly config: string;
  readonly out: string;
}

export function tmpDir(prefix = 'hostile-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyDir(path.join(from, e.name), path.join(to, e.name));
    else fs.copyFileSync(path.join(from, e.name), path.join(to, e.name));
  }
}

/** A copy of the example project with a first synth in `out`. */
export function project(): Project {
  const dir = tmpDir();
  fs.copyFileSync(path.join(ROOT, 'platform.yaml'), path.join(dir, 'platform.yaml'));
  copyDir(path.join(ROOT, 'examples', 'kommander-applications'), path.join(dir, 'examples', 'kommander-applications'));
  copyDir(path.join(ROOT, 'secrets'), path.join(dir, 'secrets'));
  const out = path.join(dir, 'out');
  const r = synth(path.join(dir, 'platform.yaml'), out);
  if (r.code !== 0) throw new Error(`the fixture does not synthesize: ${r.stderr}`);
  return { dir, config: path.join(dir, 'platform.yaml'), out };
}

export function synth(config: string, out: string, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = synthMain(['--output', out], { ...env, PLATFORM_CONFIG: config }, (s) => (stdout += s), (s) => (stderr += s));
  return { code, stdout, stderr };
}

/** Every entry below dir: files by content (base64), links by target, folders by a marker. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  const visit = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, r);
      if (e.isSymbolicLink()) out[r] = `link:${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) {
        out[`${r}/`] = 'dir';
        visit(r);
      } else if (e.isFile()) out[r] = fs.readFileSync(full).toString('base64');
      else out[r] = 'special';
    }
  };
  visit('');
  return out;
}

/** Edits the project's config text. */
export function editConfig(p: Project, edit: (text: string) => string): void {
  fs.writeFileSync(p.config, edit(fs.readFileSync(p.config, 'utf8')));
}

/** Runs synth and asserts the refusal: non-zero exit, every part in stderr, no stack trace, out unchanged. */
export function expectRefused(p: Project, parts: readonly (string | RegExp)[], env: NodeJS.ProcessEnv = {}): string {
  const before = snapshot(p.out);
  const r = synth(p.config, p.out, env);
  expect(r.code).not.toBe(0);
  for (const part of parts) {
    if (typeof part === 'string') expect(r.stderr).toContain(part);
    else expect(r.stderr).toMatch(part);
  }
  expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  expect(snapshot(p.out)).toStrictEqual(before);
  return r.stderr;
}

/**
 * How to run a project entry point (`main.ts`, `scripts/plan.ts`) in a child process: through
 * `scripts/run.js` when the project has that runner, else its tsc output under build/ when that is
 * at least as new as the sources it depends on (`npm test` compiles first). Undefined otherwise:
 * the caller skips loudly.
 */
export function entryCommand(entryTs: string, sources: readonly string[]): string[] | undefined {
  const runner = path.join(ROOT, 'scripts', 'run.js');
  if (fs.existsSync(runner)) return [runner, entryTs];
  const out = (ts: string) => path.join(ROOT, 'build', ts.replace(/\.ts$/, '.js'));
  // tsc --incremental re-emits only changed files: compare each source with its own output
  const fresh = [entryTs, ...sources].every((s) => fs.existsSync(out(s)) && fs.statSync(path.join(ROOT, s)).mtimeMs <= fs.statSync(out(s)).mtimeMs);
  return fresh ? [out(entryTs)] : undefined;
}
