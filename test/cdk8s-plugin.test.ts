/**
 * `cdk8s synth` and dist/: the SynthCheck plugin promotes the CLI's scratch output into the
 * committed tree only when the check passes, so a failing synth leaves dist/ byte-identical.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkDeclarations } from '../lib/platform';
import { readSynthesizedTree, SynthCheck } from '../lib/cdk8s-plugin';
import { synthesize } from '../lib/cli';
import { loadConfig } from '../lib/config/load';
import { writeTree } from '../lib/tree/writer';
import { describeIfShared, sharedPath } from './support/shared';

const ROOT = path.resolve(__dirname, '..');
const CONFIG = path.join(ROOT, 'platform.yaml');

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
}

function fakeContext(outdir: string) {
  const violations: { ruleName: string; recommendation: string }[] = [];
  let status: string | undefined;
  const logs: string[] = [];
  const manifests = readSynthesizedTree(outdir).filter((f) => f.path.endsWith('.yaml')).map((f) => path.join(outdir, f.path));
  const report = {
    addViolation: (v: { ruleName: string; recommendation: string }) => violations.push(v),
    submit: (s: string) => (status = s),
    get success() {
      return status === 'success';
    },
  };
  return { ctx: { manifests, logger: { log: (m: string) => logs.push(m) }, report } as never, violations, status: () => status, logs };
}

/** Every file of a folder with its bytes. */
function snapshot(dir: string): Map<string, string> {
  return new Map(readSynthesizedTree(dir).map((f) => [f.path, f.content.toString('base64')]));
}

describeIfShared('crds')('SynthCheck (the cdk8s synth validation plugin)', () => {
  const declared = checkDeclarations(loadConfig(CONFIG));
  const props = (promote: string, stampDir: string) => ({ crdDirs: [sharedPath('crds')], kustomize: false, config: CONFIG, external: declared.external, promote, stampDir });

  test('promotes a clean tree into the committed folder with the safe writer, and stamps it', async () => {
    // GIVEN the CLI's output folder with the example tree, and a committed tree of an older synth
    const out = tmp('cdk8s-out');
    writeTree(synthesize(loadConfig(CONFIG)), out);
    fs.writeFileSync(path.join(out, 'construct-metadata.json'), '{}');
    const dist = tmp('dist');
    const stamps = tmp('stamps');
    // WHEN the plugin validates
    const f = fakeContext(out);
    await new SynthCheck(props(dist, stamps)).validate(f.ctx);
    // THEN the check passed and the committed folder now holds exactly the checked tree
    expect(f.violations).toStrictEqual([]);
    expect(f.status()).toBe('success');
    expect(snapshot(dist)).toStrictEqual(snapshot(out));
    expect(fs.existsSync(path.join(dist, 'construct-metadata.json'))).toBe(false);
    expect(fs.existsSync(path.join(dist, '.synth-manifest'))).toBe(true);
    // AND a second run of the same tree is not checked again, but still promoted
    const again = fakeContext(out);
    await new SynthCheck(props(dist, stamps)).validate(again.ctx);
    expect(again.status()).toBe('success');
    expect(again.logs.some((l) => l.includes('passed the check before'))).toBe(true);
  });

  test('fails a broken tree and leaves the committed folder byte-identical', async () => {
    // GIVEN a committed tree, and a new tree with a dependsOn cycle in the CLI's output folder
    const dist = tmp('dist');
    writeTree(synthesize(loadConfig(CONFIG)), dist);
    const before = snapshot(dist);
    const out = tmp('cdk8s-out');
    writeTree(synthesize(loadConfig(CONFIG)), out);
    const base = path.join(out, 'clusters/management/kustomization-kommander-base.yaml');
    fs.writeFileSync(base, fs.readFileSync(base, 'utf8').replace('spec:\n', 'spec:\n  dependsOn:\n    - name: kommander\n'));
    // WHEN the plugin validates
    const f = fakeContext(out);
    await new SynthCheck(props(dist, tmp('stamps'))).validate(f.ctx);
    // THEN it fails with the finding and dist/ did not change by a byte
    expect(f.status()).toBe('failure');
    expect(f.violations.map((v) => v.ruleName).join('\n')).toContain('[depends-on-cycle]');
    expect(snapshot(dist)).toStrictEqual(before);
    expect(f.logs).toContain(`${dist} was left unchanged (the check failed)`);
  });

  test('fails when the promotion target is the CLI output folder (which the CLI deletes)', async () => {
    const out = tmp('cdk8s-out');
    writeTree(synthesize(loadConfig(CONFIG)), out);
    const f = fakeContext(out);
    await new SynthCheck(props(out, '')).validate(f.ctx);
    expect(f.status()).toBe('failure');
    expect(f.violations[0].ruleName).toBe('promote');
  });

  test('real `cdk8s synth`: an invalid config fails and dist/ stays byte-identical; a valid one promotes', () => {
    // GIVEN a project with this repository's cdk8s.yaml wiring, a committed dist/ and a broken config
    const project = tmp('cdk8s-project');
    const cli = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
    fs.writeFileSync(
      path.join(project, 'cdk8s.yaml'),
      [
        'language: typescript',
        `app: ${process.execPath} ${path.join(ROOT, 'scripts', 'run.js')} main.ts`,
        'output: cdk8s.out',
        'validations:',
        `  - package: ${path.join(ROOT, 'scripts', 'cdk8s-plugin.js')}`,
        '    class: SynthCheck',
        '    version: 0.0.1',
        `    properties: { crdDirs: [${JSON.stringify(sharedPath('crds'))}], kustomize: false, promote: dist, stampDir: "" }`,
      ].join('\n') + '\n',
    );
    writeTree(synthesize(loadConfig(CONFIG)), path.join(project, 'dist'));
    const before = snapshot(path.join(project, 'dist'));
    const bad = path.join(project, 'bad.yaml');
    fs.writeFileSync(bad, fs.readFileSync(CONFIG, 'utf8').replace('clusterName: management', 'clusterName: Not_A_Name').replace('examples/kommander-applications', path.join(ROOT, 'examples/kommander-applications')));
    const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
    // WHEN cdk8s synth runs with the broken config
    const failed = spawnSync(cli, ['synth'], { cwd: project, encoding: 'utf8', env: { ...env, PLATFORM_CONFIG: bad } });
    // THEN it fails with the config problem and dist/ did not change
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('clusterName');
    expect(snapshot(path.join(project, 'dist'))).toStrictEqual(before);
    // AND with the valid config it succeeds and dist/ holds the checked tree
    const ok = spawnSync(cli, ['synth'], { cwd: project, encoding: 'utf8', env: { ...env, PLATFORM_CONFIG: CONFIG } });
    expect(ok.stderr.split('\n').filter((l) => /error|Error/.test(l))).toStrictEqual([]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('promoted');
    expect(snapshot(path.join(project, 'dist'))).toStrictEqual(snapshot(path.join(ROOT, 'dist')));
  });
});
