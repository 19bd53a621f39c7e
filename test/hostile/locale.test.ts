/**
 * Locale-free output: synth under several collations gives dist/ byte for byte. Node's ICU takes
 * the default locale (Intl, localeCompare) from LANG / LC_ALL, so each synth runs in a child
 * process with that environment. Under these collations localeCompare orders differently
 * (Hawaiian, Czech "ch", Danish "aa", Lithuanian "y"), which reordered Stage.dependsOn before.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { compareCodeUnits } from '../../lib/order';
import { entryCommand, ROOT, snapshot, tmpDir } from './harness';

const MAIN = entryCommand('main.ts', ['lib/order.ts', 'lib/cli.ts', 'lib/tree/writer.ts']);
if (!MAIN) console.warn('SKIPPED: build/main.js is missing or stale and there is no scripts/run.js (run `npm test`, which compiles first)');
const maybe = MAIN ? test : test.skip;

const LOCALES = ['haw_US.UTF-8', 'cs_CZ.UTF-8', 'da_DK.UTF-8', 'lt_LT.UTF-8'];

describe('synth under other collations', () => {
  const dist = snapshot(path.join(ROOT, 'dist'));

  test.each(LOCALES)('the locale %s is in effect in the child (the test has teeth)', (locale) => {
    const r = spawnSync(process.execPath, ['-e', "console.log(Intl.Collator().resolvedOptions().locale + ' ' + ['ch','h','aa','z','y','j','i'].sort((a,b)=>a.localeCompare(b)).join(','))"], {
      env: { ...process.env, LANG: locale, LC_ALL: locale },
      encoding: 'utf8',
    });
    const [resolved, order] = r.stdout.trim().split(' ');
    expect(resolved).toBe(locale.split('.')[0].replace('_', '-'));
    // localeCompare disagrees with code-unit order under this collation
    expect(order).not.toBe(['ch', 'h', 'aa', 'z', 'y', 'j', 'i'].sort(compareCodeUnits).join(','));
  });

  maybe.each(LOCALES)('synth under LANG=LC_ALL=%s writes dist/ byte for byte', (locale) => {
    const out = path.join(tmpDir('locale-'), 'dist');
    const r = spawnSync(process.execPath, [...MAIN!, '--output', out], { cwd: ROOT, env: { ...process.env, LANG: locale, LC_ALL: locale, PLATFORM_CONFIG: 'platform.yaml' }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(snapshot(out)).toStrictEqual(dist);
  });
});
