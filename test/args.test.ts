import { spawnSync } from 'child_process';
import * as path from 'path';
import { CONFIG_FLAG, CommandSpec, helpText, outputFlag, parseArgs, UsageError } from '../lib/args';

const ROOT = path.resolve(__dirname, '..');

const SPEC: CommandSpec = {
  name: 'demo',
  summary: 'a demo command',
  positional: { name: 'dir', help: 'a folder' },
  flags: [CONFIG_FLAG, outputFlag('the tree'), { name: 'crds', value: 'dir', repeatable: true, help: 'CRD folders' }, { name: 'json', help: 'JSON output' }],
  exitCodes: [
    [0, 'fine'],
    [2, 'usage error'],
  ],
};

describe('the shared argument parser', () => {
  test('reads --flag value, --flag=value, aliases, repeatable lists, booleans and one positional', () => {
    const { help, args } = parseArgs(SPEC, ['-c', 'a.yaml', '--output=out', '--crds', 'x,y', '--crds=z', '--json', 'tree']);
    expect(help).toBe(false);
    expect(args.config({})).toBe('a.yaml');
    expect(args.string('output')).toBe('out');
    expect(args.list('crds')).toStrictEqual(['x', 'y', 'z']);
    expect(args.flag('json')).toBe(true);
    expect(args.positionals).toStrictEqual(['tree']);
  });

  test('--config falls back to PLATFORM_CONFIG, then platform.yaml', () => {
    expect(parseArgs(SPEC, []).args.config({ PLATFORM_CONFIG: 'env.yaml' })).toBe('env.yaml');
    expect(parseArgs(SPEC, []).args.config({})).toBe('platform.yaml');
  });

  test('fails on an unknown flag with a suggestion, a missing value, a repeated single flag and a second positional', () => {
    expect(() => parseArgs(SPEC, ['--ouput', 'x'])).toThrow(new UsageError('unknown flag "--ouput" (did you mean --output?)'));
    expect(() => parseArgs(SPEC, ['--output'])).toThrow('--output needs a dir (--output <dir>)');
    expect(() => parseArgs(SPEC, ['--output', '--json'])).toThrow('--output needs a dir');
    expect(() => parseArgs(SPEC, ['-o', 'a', '-o', 'b'])).toThrow('--output given twice');
    expect(() => parseArgs(SPEC, ['a', 'b'])).toThrow('unexpected second dir "b"');
    expect(() => parseArgs(SPEC, ['--json=yes'])).toThrow('--json takes no value');
  });

  test('prints the usage, every flag and the exit codes', () => {
    const text = helpText(SPEC);
    expect(text).toContain('usage: npm run -s demo -- [<dir>] [--config <file>] [--output <dir>] [--crds <dir>] [--json]');
    expect(text).toContain('-c, --config <file>');
    expect(text).toContain('Exit codes:\n  0  fine\n  2  usage error\n');
  });
});

describe('every command has --help with usage and exit codes, and --config / --output', () => {
  test.each([['main.ts'], ['scripts/check.ts'], ['scripts/diff.ts'], ['scripts/plan.ts'], ['scripts/bench.ts']])('%s --help', (entry) => {
    // WHEN the command runs with --help, the way npm run runs it
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/run.js'), entry, '--help'], { cwd: ROOT, encoding: 'utf8' });
    // THEN it prints the usage with both shared flags and the exit codes, and exits 0
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage: npm run -s \w+ -- .*\[--config <file>\].*/);
    expect(r.stdout).toContain('--output <dir>');
    expect(r.stdout).toContain('Exit codes:');
  });

  test('secrets --help prints its usage (verbs) and exit codes', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/run.js'), 'scripts/secrets.ts', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toContain('Usage: npm run -s secrets -- <verb>');
    expect(r.stdout + r.stderr).toContain('--config');
    expect(r.stdout + r.stderr).toContain('Exit codes:\n  0  success');
  });

  test('a usage error exits 2 with the usage line', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/run.js'), 'scripts/plan.ts', '--bogus'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error: unknown flag "--bogus"');
    expect(r.stderr).toContain('usage: npm run -s plan --');
  });
});
