/**
 * Measurements for README "Safety" (not a test; run after `npx tsc -p .`):
 *   node build/test/hostile/measure.js <case>
 * Cases: valid10mb, refusedBig, refusedHuge, unknown <n>. Prints wall time and peak RSS.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthMain } from '../../lib/cli';
import { ConfigError, loadConfig } from '../../lib/config/load';
import { DEFAULT_LIMITS } from '../../lib/yaml-bounds';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'measure-'));
fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
fs.cpSync(path.join(ROOT, 'secrets'), path.join(dir, 'secrets'), { recursive: true });
const base = fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8');
const file = path.join(dir, 'platform.yaml');

function report(what: string, started: bigint, extra = ''): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  process.stdout.write(`${what}: ${(size / 1024 / 1024).toFixed(1)} MiB, ${ms.toFixed(0)} ms, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB ${extra}\n`);
}

const [what, arg] = process.argv.slice(2);
if (what === 'valid10mb') {
  // A valid config of 10 MB: large Helm values of one app (an open section), as a real values file would be.
  const rows: string[] = [];
  for (let i = 0; rows.length * 100 < Number(process.env.MB ?? 10) * 1024 * 1024 && i < 1_000_000; i++) rows.push(`          key${i}: "${'v'.repeat(80)}"`);
  fs.writeFileSync(file, base.replace('      replicas: 2', `      replicas: 2\n      big:\n${Array.from({ length: Math.ceil(rows.length / 50_000) }, (_, g) => `        g${g}:\n${rows.slice(g * 50_000, (g + 1) * 50_000).join('\n')}`).join('\n')}`));
  const t = process.hrtime.bigint();
  let err = '';
  const code = synthMain(['--output', path.join(dir, 'out')], { PLATFORM_CONFIG: file }, () => undefined, (s) => (err += s));
  report('valid 10 MB config, full synth', t, `exit ${code} ${err.slice(0, 200)}`);
} else if (what === 'refusedBig') {
  // The largest input that is read and then refused: just under the size limit, 99,990 unknown keys.
  const rows: string[] = [];
  const pad = 'x'.repeat(Math.floor(DEFAULT_LIMITS.maxBytes / 100_000) - 30);
  for (let i = 0; i < 99_990; i++) rows.push(`unknown${i}: "${pad}"`);
  fs.writeFileSync(file, `${base}\n${rows.join('\n')}\n`);
  const t = process.hrtime.bigint();
  let problems = 0;
  try {
    loadConfig(file);
  } catch (e) {
    problems = (e as ConfigError).problems.length;
  }
  report('largest refused input (read, parsed, every key reported)', t, `${problems} problems`);
} else if (what === 'refusedHuge') {
  fs.writeFileSync(file, '');
  fs.truncateSync(file, 1024 * 1024 * 1024);
  const t = process.hrtime.bigint();
  let msg = '';
  try {
    loadConfig(file);
  } catch (e) {
    msg = (e as Error).message;
  }
  report('1 GiB config (refused before reading)', t, msg.slice(msg.indexOf(': ') + 2, msg.indexOf(' (')));
} else if (what === 'unknown') {
  const n = Number(arg);
  fs.writeFileSync(file, `${base}\n${Array.from({ length: n }, (_, i) => `unknown${i}: ${i}`).join('\n')}\n`);
  const t = process.hrtime.bigint();
  let problems = 0;
  try {
    loadConfig(file, { ...DEFAULT_LIMITS, maxKeys: 200_000 });
  } catch (e) {
    problems = (e as ConfigError).problems.length;
  }
  report(`${n} unknown keys`, t, `${problems} problems`);
}
fs.rmSync(dir, { recursive: true, force: true });
