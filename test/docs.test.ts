import * as fs from 'fs';
import * as path from 'path';
import { END, referenceTable, START, updateReadme } from '../scripts/docs';
import { configReference } from '../lib/config/schema';

const README = path.resolve(__dirname, '..', 'README.md');

describe('README config reference', () => {
  test('lists every config key with its default and is up to date (run `npm run docs`)', () => {
    // GIVEN the committed README WHEN regenerating the reference THEN nothing changes
    const readme = fs.readFileSync(README, 'utf8');
    expect(updateReadme(readme)).toBe(readme);
    for (const row of configReference()) expect(referenceTable()).toContain(`| \`${row.path}\` |`);
  });

  test('starts with the two commands for a fresh machine', () => {
    const readme = fs.readFileSync(README, 'utf8');
    const first = readme.indexOf('```sh');
    expect(readme.slice(first, first + 200)).toContain('npm ci && npm run synth');
    expect(readme.slice(first, first + 200)).toContain('npm ci && npm test');
  });

  test('fails without the markers', () => {
    expect(() => updateReadme('# nothing here')).toThrow(`README.md has no config reference markers (${START} … ${END})`);
  });
});
