/**
 * Writes `platform.schema.json` (repository root) from the config schema.
 *
 *   tsc -p . && node build/scripts/schema.js           # (re)write the file
 *   tsc -p . && node build/scripts/schema.js --check   # exit 1 if the committed file is stale
 *
 * The output is pretty JSON with a trailing newline; key order follows the schema definition, so
 * the same schema always gives the same bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { configJsonSchema } from '../lib/config/schema';

/** The file's name, relative to the repository root. */
export const SCHEMA_FILE_NAME = 'platform.schema.json';

/** The text of `platform.schema.json`. */
export function renderSchemaFile(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** The repository root: the nearest directory above this script with a package.json (else the cwd). */
export function repoRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** Runs the script; returns the exit code. */
export function main(argv: readonly string[], root: string = repoRoot()): number {
  const file = path.join(root, SCHEMA_FILE_NAME);
  const want = renderSchemaFile();
  if (argv.includes('--check')) {
    const have = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (have === want) {
      process.stdout.write(`${SCHEMA_FILE_NAME} is up to date\n`);
      return 0;
    }
    process.stderr.write(`${SCHEMA_FILE_NAME} is ${have === undefined ? 'missing' : 'stale'} (run: node build/scripts/schema.js)\n`);
    return 1;
  }
  fs.writeFileSync(file, want);
  process.stdout.write(`wrote ${file}\n`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
