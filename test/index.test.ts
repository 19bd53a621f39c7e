/**
 * The construct library as a user adopts it: the public API of lib/index.ts (documented, with
 * declarations), and a user's own main.ts (examples/extend/main.ts) that adds a stage.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { addPodinfo, main } from '../examples/extend/main';
import { checkFiles } from '../lib/check';
import { readTree } from '../lib/check/tree';
import { k8s, loadConfig, synthesize, checkDeclarations } from '../lib/index';
import { hasShared, sharedPath } from './support/shared';

const ROOT = path.resolve(__dirname, '..');

describe('examples/extend/main.ts (a user main.ts that adds a Stage with a HelmRelease)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'extend-'));
  const count = main(path.join(ROOT, 'platform.yaml'), out);
  const tree = readTree(out);

  test('writes the platform tree plus the user stage, wired into the root folder', () => {
    // GIVEN the example run on platform.yaml
    // THEN the stage folder holds the namespace, the chart source and the release
    expect(count).toBe(tree.size - 1); // + .synth-manifest
    expect([...tree.keys()].filter((f) => f.startsWith('apps/podinfo/'))).toStrictEqual([
      'apps/podinfo/helmrelease-podinfo.yaml',
      'apps/podinfo/helmrepository-podinfo.yaml',
      'apps/podinfo/kustomization.yaml',
      'apps/podinfo/namespace-podinfo.yaml',
    ]);
    // AND the root folder applies its Flux Kustomization, which waits for cert-manager
    expect(tree.get('clusters/management/kustomization.yaml')).toContain('- kustomization-podinfo.yaml');
    expect(tree.get('clusters/management/kustomization-podinfo.yaml')).toContain('dependsOn:\n    - name: kommander-root-ca\n');
  });

  test('the user stage is in ROLLOUT.md', () => {
    expect(tree.get('ROLLOUT.md')).toContain('| `kommander-flux/podinfo` | `./apps/podinfo` | `kommander-flux/kommander-root-ca` | `podinfo/podinfo (podinfo@6.7.1)` |');
  });

  (hasShared('crds') ? test : test.skip)(`the tree check passes on the extended tree${hasShared('crds') ? '' : ' [SKIPPED: ../shared/crds is missing]'}`, () => {
    const findings = checkFiles(tree, { crdDirs: [sharedPath('crds')], ...checkDeclarations(loadConfig(path.join(ROOT, 'platform.yaml'))) });
    expect(findings).toStrictEqual([]);
  });

  test('fails when the user adds a plaintext Secret: the guard applies to user constructs too', () => {
    // GIVEN an extend hook that adds a Secret with a stringData password to the user stage
    const config = loadConfig(path.join(ROOT, 'platform.yaml'));
    // WHEN it is synthesized THEN it is refused, naming the object
    expect(() =>
      synthesize(config, {
        extend: (repo) => {
          const stage = addPodinfo(repo);
          new k8s.KubeSecret(stage.folder, 'Leak', { metadata: { name: 'db', namespace: 'podinfo' }, stringData: { password: 'hunter2' } });
        },
      }),
    ).toThrow(/refusing to synthesize:\n {2}Platform\/Root\/Podinfo\/Folder\/Leak \(Secret db\)/);
  });
});

describe('lib/index.ts', () => {
  test('documents every export with TSDoc', () => {
    // GIVEN the program of lib/index.ts
    const program = ts.createProgram([path.join(ROOT, 'lib/index.ts')], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, esModuleInterop: true, noEmit: true });
    const checker = program.getTypeChecker();
    const index = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, 'lib/index.ts'))!)!;
    // WHEN every exported symbol is resolved to its declaration
    const exported = checker.getExportsOfModule(index);
    const undocumented = exported
      .filter((s) => s.getName() !== 'k8s')
      .filter((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).getDocumentationComment(checker).length === 0)
      .map((s) => s.getName())
      .sort();
    // THEN each has a doc comment (k8s is the generated L1 namespace of cdk8s-plus-27)
    expect(exported.length).toBeGreaterThan(60);
    expect(undocumented).toStrictEqual([]);
  });

  test('exports the public API only (no helpers)', () => {
    const text = fs.readFileSync(path.join(ROOT, 'lib/index.ts'), 'utf8');
    expect(text).not.toMatch(/^export \* from/m);
    for (const helper of ['mergeValues', 'assertName', 'fluxManifestObjects', 'stringifyYaml', 'parseArgs']) expect(text).not.toContain(helper);
  });

  test('builds with declarations (npm run build: tsconfig.lib.json)', () => {
    // GIVEN the library build config, into a temp folder
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lib-build-'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.lib.json'), '--outDir', out, '--tsBuildInfoFile', path.join(out, '.tsbuildinfo')], { encoding: 'utf8' });
    // THEN it compiles and emits index.js with index.d.ts declaring the API
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    const dts = fs.readFileSync(path.join(out, 'lib/index.d.ts'), 'utf8');
    expect(dts).toContain('synthesize');
    expect(fs.readFileSync(path.join(out, 'lib/cli.d.ts'), 'utf8')).toContain('export declare function synthesize(config: PlatformConfig, options?: SynthesizeOptions): RenderedFile[];');
    expect(fs.existsSync(path.join(out, 'lib/index.js'))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.types).toBe('build/package/lib/index.d.ts');
  }, 120000);
});
