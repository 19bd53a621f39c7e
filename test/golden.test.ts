import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize } from '../lib/cli';
import { loadConfig } from '../lib/config/load';
import { MANIFEST_FILE } from '../lib/tree/writer';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

function listDir(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listDir(dir, r));
    else out.push(r);
  }
  return out.sort();
}

describe('the committed dist/ (golden tree)', () => {
  const files = synthesize(loadConfig(path.join(ROOT, 'platform.yaml')));

  test('a fresh synth of platform.yaml equals the committed dist/ byte for byte (run `npm run synth` and commit)', () => {
    // GIVEN the committed tree, WHEN synthesizing afresh, THEN every file matches and nothing is extra or missing
    const committed = listDir(DIST).filter((f) => f !== MANIFEST_FILE);
    expect(committed).toStrictEqual(files.map((f) => f.path));
    for (const f of files) {
      expect({ path: f.path, content: fs.readFileSync(path.join(DIST, f.path)).toString('utf8') }).toStrictEqual({
        path: f.path,
        content: Buffer.isBuffer(f.content) ? f.content.toString('utf8') : f.content,
      });
    }
  });

  test('the whole example tree (snapshot)', () => {
    expect(Object.fromEntries(files.map((f) => [f.path, f.content.toString()]))).toMatchSnapshot();
  });

  test('is deterministic under another time zone and locale (npm run synth\'s path, separate process)', () => {
    // GIVEN the app as npm run synth runs it (scripts/run.js bundles main.ts when a source changed)
    const run = path.join(ROOT, 'scripts', 'run.js');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-'));
    // WHEN synthesizing with a far-away time zone and a Turkish locale (dotless i)
    execFileSync(process.execPath, [run, 'main.ts', '--output', out], {
      cwd: ROOT,
      env: { ...process.env, TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8', PLATFORM_CONFIG: path.join(ROOT, 'platform.yaml') },
      stdio: 'pipe',
    });
    // THEN the files are byte-identical to the committed ones
    const got = listDir(out);
    expect(got).toStrictEqual(listDir(DIST));
    for (const f of got) expect(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(DIST, f)))).toBe(true);
  });
});
