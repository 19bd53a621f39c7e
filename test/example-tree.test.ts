import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { synthesize } from '../lib/cli';
import { checkFiles, checkTreeFull, loadRegistry } from '../lib/check';
import { findKubectl } from '../lib/check/kustomize';
import { loadConfig } from '../lib/config/load';
import { checkDeclarations } from '../lib/platform';
import { writeTree } from '../lib/tree/writer';
import { describeIfShared, hasShared, sharedPath } from './support/shared';

const ROOT = path.resolve(__dirname, '..');
const CRDS = sharedPath('crds');
const shared = hasShared('crds');

function treeOf(configFile: string): Map<string, string> {
  return new Map(synthesize(loadConfig(path.join(ROOT, configFile))).map((f) => [f.path, f.content.toString()]));
}

function declared(configFile: string) {
  return checkDeclarations(loadConfig(path.join(ROOT, configFile)));
}

function kustomizations(files: Map<string, string>): any[] {
  return [...files.entries()]
    .filter(([p]) => p.endsWith('.yaml') && !p.endsWith('/kustomization.yaml') && !p.endsWith('.sops.yaml'))
    .flatMap(([, c]) => YAML.parseAllDocuments(c).map((d) => d.toJS()))
    .filter((o) => o?.apiVersion === 'kustomize.toolkit.fluxcd.io/v1');
}

(shared ? describe : describe.skip).each([
  ['platform.yaml (the committed dist/)'],
  ['examples/gardener.yaml'],
  ['examples/kommander-gardener.yaml'],
])(`graph invariants of %s${shared ? '' : ` [SKIPPED: ${CRDS} is missing]`}`, (label) => {
  const configFile = label.split(' ')[0];
  const files = shared ? treeOf(configFile) : new Map<string, string>();

  test('every Kustomization path exists and has a kustomization.yaml', () => {
    for (const ks of kustomizations(files)) {
      const dir = ks.spec.path.replace(/^\.\//, '');
      expect({ ks: ks.metadata.name, hasKustomization: files.has(`${dir}/kustomization.yaml`) }).toStrictEqual({ ks: ks.metadata.name, hasKustomization: true });
    }
  });

  test('sourceRefs, dependsOn, valuesFrom, substituteFrom and decryption resolve; no cycles; every ${var} is provided; CRDs come first; every custom resource is valid against ../shared/crds (unknown fields are errors)', () => {
    // GIVEN the tree, WHEN every check rule runs (lib/check, the same code as `npm run check`)
    const findings = checkFiles(files, { crdDirs: [CRDS], ...declared(configFile) });
    // THEN there is nothing to report
    expect(findings).toStrictEqual([]);
  });
});

describeIfShared('crds')('the committed example tree', () => {
  const withKubectl = findKubectl() ? test : (name: string, fn: jest.ProvidesCallback) => test.skip(`${name} [SKIPPED: kubectl is not installed (.ci/run installs it)]`, fn);
  withKubectl('kubectl kustomize builds every stage folder (skipped loudly without kubectl)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-tree-'));
    writeTree(synthesize(loadConfig(path.join(ROOT, 'platform.yaml'))), dir);
    const result = await checkTreeFull(dir, { crdDirs: [CRDS], ...declared('platform.yaml') });
    expect(result.findings).toStrictEqual([]);
    expect(result.notes).toStrictEqual([]);
    expect(result.stages).toBeGreaterThanOrEqual(14);
  });

  test("every Flux and cert-manager object validates strictly against its CRD (Flux: the release's own CRDs)", () => {
    const registry = loadRegistry([CRDS, ...declared('platform.yaml').crdFiles]);
    const objs = [...treeOf('platform.yaml').entries()]
      .filter(([p]) => p.endsWith('.yaml') && !p.endsWith('/kustomization.yaml') && !p.endsWith('.sops.yaml') && !/^(applications|services|common|charts)\//.test(p))
      .flatMap(([, c]) => YAML.parseAllDocuments(c).map((d) => d.toJS()))
      .filter((o) => /fluxcd\.io|cert-manager\.io/.test(o?.apiVersion ?? ''));
    expect(objs.length).toBeGreaterThan(30);
    for (const o of objs) expect({ obj: `${o.kind}/${o.metadata.name}`, result: registry.validate(o) }).toStrictEqual({ obj: `${o.kind}/${o.metadata.name}`, result: { status: 'ok' } });
  });

  test('AppDeployments use only the documented v1alpha3 fields (no public CRD exists)', () => {
    const ads = [...treeOf('platform.yaml').values()]
      .flatMap((c) => YAML.parseAllDocuments(c).map((d) => d.toJS()))
      .filter((o) => o?.kind === 'AppDeployment');
    expect(ads.length).toBeGreaterThan(5);
    for (const ad of ads) {
      expect(ad.apiVersion).toBe('apps.kommander.d2iq.io/v1alpha3');
      for (const k of Object.keys(ad.spec)) expect(['appRef', 'configOverrides', 'clusterSelector', 'clusterConfigOverrides']).toContain(k);
      expect(ad.spec.appRef.name).toMatch(new RegExp(`^${ad.metadata.name}-\\d+\\.\\d+\\.\\d+`));
      expect(['ClusterApp', 'App']).toContain(ad.spec.appRef.kind);
    }
  });

  test('fails (as a seeded breakage) when a stage depends on a stage that does not exist', () => {
    const files = treeOf('platform.yaml');
    const key = 'clusters/management/kustomization-kommander-root-ca.yaml';
    expect(files.get(key)).toContain('- name: kommander-base');
    files.set(key, files.get(key)!.replace('- name: kommander-base', '- name: cert-manger'));
    const findings = checkFiles(files, { crdDirs: [CRDS], ...declared('platform.yaml') });
    expect(findings.map((f) => f.rule)).toContain('reference');
    expect(findings.map((f) => f.message).join('\n')).toContain('cert-manger');
  });
});
