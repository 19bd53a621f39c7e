import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applicationDefinitionsProblem, commandUrlProblem, gitRefNameProblem, ownerRepoProblem, shellQuote } from '../lib/config/paths';
import { compareCodeUnits } from '../lib/order';

describe('values that become commands', () => {
  test('accepts ordinary branch names and fails on what git-check-ref-format refuses', () => {
    for (const ok of ['main', 'release/v1.2', 'feature/x-y_z', 'v1+build']) expect(gitRefNameProblem(ok)).toBeUndefined();
    for (const bad of ['', '@', '/main', 'main/', 'a//b', 'a..b', 'main.', '.hidden', 'a/.b', 'x.lock', '-x', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a;b', 'a$b', 'a@{1}']) {
      expect(gitRefNameProblem(bad)).toEqual(expect.any(String));
    }
  });
  test('fails on URLs with shell metacharacters or credentials', () => {
    expect(commandUrlProblem('https://git.example.com/org/repo.git')).toBeUndefined();
    expect(commandUrlProblem('ssh://git@git.example.com:22/org/repo.git')).toBeUndefined();
    expect(commandUrlProblem("https://x/a'b")).toMatch(/^contains "'"/);
    expect(commandUrlProblem('https://x/a;b')).toMatch(/^contains ";"/);
    expect(commandUrlProblem('https://tok@x/a')).toMatch(/^contains credentials/);
    expect(commandUrlProblem('https://u:p@x/a')).toMatch(/^contains credentials/);
  });
  test('fails on owner/repo paths that leave their place', () => {
    expect(ownerRepoProblem('kommander/kommander')).toBeUndefined();
    for (const bad of ['../..', 'a/..', 'a', 'a/b/c', '.x/y', 'a/b..c']) expect(ownerRepoProblem(bad)).toEqual(expect.any(String));
  });
  test('quotes for a POSIX shell only when needed', () => {
    expect(shellQuote('main')).toBe('main');
    expect(shellQuote('https://x/y.git')).toBe('https://x/y.git');
    expect(shellQuote("a'b;c")).toBe(`'a'\\''b;c'`);
    expect(shellQuote('$(id)')).toBe(`'$(id)'`);
  });
});

describe('applicationDefinitionsProblem', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'repo-'));
  fs.mkdirSync(path.join(repo, 'apps'));
  fs.mkdirSync(path.join(repo, 'dist'));
  test('accepts a tree inside the repository and an explicit absolute path outside it', () => {
    expect(applicationDefinitionsProblem(repo, 'apps', [path.join(repo, 'dist')])).toBeUndefined();
    expect(applicationDefinitionsProblem(repo, os.tmpdir() + '/elsewhere', [path.join(repo, 'dist')])).toBeUndefined();
  });
  test('fails on a relative path out of the repository, the repository, a parent of it, and the output', () => {
    expect(applicationDefinitionsProblem(repo, '../x')).toMatch(/leaves the repository/);
    expect(applicationDefinitionsProblem(repo, '.')).toMatch(/is the repository itself/);
    expect(applicationDefinitionsProblem(repo, path.dirname(repo))).toMatch(/contains the repository/);
    expect(applicationDefinitionsProblem(repo, 'dist', [path.join(repo, 'dist')])).toMatch(/overlaps the output folder/);
    expect(applicationDefinitionsProblem(repo, 'dist/sub', [path.join(repo, 'dist')])).toMatch(/overlaps the output folder/);
  });
});

describe('compareCodeUnits', () => {
  test('orders by UTF-16 code units, whatever the locale', () => {
    expect(['b', 'a', 'B', 'ch', 'h', 'é', 'e'].sort(compareCodeUnits)).toEqual(['B', 'a', 'b', 'ch', 'e', 'h', 'é']);
  });
});
