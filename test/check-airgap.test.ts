import * as path from 'path';
import { airgapArtifacts, airgapFiles, renderAirgapMarkdown } from '../lib/airgap';
import { checkFiles, CheckOptions } from '../lib/check';
import { buildModel } from '../lib/check/model';
import { editObject, Obj, sampleTree, SHARED_CRDS } from './fixtures/trees/sample';

/** Air-gap closure (lib/airgap.ts): the artifact list synth writes, and check's `airgap` rule. */

const MIRROR = 'https://charts.mirror.internal';
const OPTS: CheckOptions = { crdDirs: [SHARED_CRDS], external: ['Secret/*/sops-age'], airgapMirrors: [MIRROR] };

function withMirror(): ReturnType<typeof sampleTree> {
  const tree = sampleTree();
  editObject(tree, 'kommander/vars/configmap-kommander-vars.yaml', (o) => ((o.data as Obj).helmMirrorURL = MIRROR));
  return tree;
}

describe('airgap', () => {
  test('lists every chart and artifact the tree pulls, after substitution', () => {
    // GIVEN the sample tree whose HelmRepository URL is ${helmMirrorURL:=https://charts.jetstack.io} and the mirror set in kommander-vars
    const model = buildModel(withMirror());
    // WHEN the closure is computed
    const artifacts = airgapArtifacts(model);
    // THEN the chart comes from the mirror, and the Git repository of the tree is listed with its users
    expect(artifacts.map((a) => [a.type, a.url, a.chart ?? '', a.version ?? '', a.source, a.usedBy.length])).toEqual([
      ['git', 'https://git.example.com/platform/management.git', '', 'branch main', 'GitRepository/kommander-flux/kommander-flux', 7],
      ['helm-chart', MIRROR, 'cert-manager', 'v1.21.1', 'HelmRepository/kommander-flux/jetstack', 1],
    ]);
    // AND the upstream the mirror is filled from is the default of ${helmMirrorURL:=…}
    expect(artifacts[1].upstream).toBe('https://charts.jetstack.io');
    expect(renderAirgapMarkdown(artifacts, MIRROR)).toContain(
      `| ${MIRROR} | https://charts.jetstack.io | cert-manager | v1.21.1 | \`HelmRepository/kommander-flux/jetstack\` | \`HelmRelease/cert-manager/cert-manager\` |`,
    );
  });

  test('lists the sources of app folders the Flux graph does not apply (Kommander applies them)', () => {
    // GIVEN an app folder with an OCIRepository chart, as kommander-applications ships them
    const tree = withMirror();
    tree.set(
      'services/reloader/1.0.65/reloader.yaml',
      [
        'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${releaseName}-chart\n  namespace: ${releaseNamespace}\nspec:\n  interval: 1h\n  url: oci://ghcr.io/stakater/charts/reloader\n  ref:\n    tag: 2.2.11\n',
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${releaseName}\n  namespace: ${releaseNamespace}\nspec:\n  interval: 15m\n  chartRef:\n    kind: OCIRepository\n    name: ${releaseName}-chart\n',
      ].join('---\n'),
    );
    // WHEN the closure is computed THEN the chart is listed with the object that pulls it
    const oci = airgapArtifacts(buildModel(tree)).filter((a) => a.type === 'oci');
    expect(oci).toEqual([
      { type: 'oci', url: 'oci://ghcr.io/stakater/charts/reloader', version: 'tag 2.2.11', source: 'OCIRepository/${releaseNamespace}/${releaseName}-chart', usedBy: ['HelmRelease/${releaseNamespace}/${releaseName}'] },
    ]);
  });

  test('lists the container images of workloads the tree holds itself', () => {
    const tree = withMirror();
    tree.set('kommander/apps/deployment-dashboard.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dashboard\n  namespace: kommander\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: init\n          image: busybox:1.36\n      containers:\n        - name: app\n          image: ghcr.io/example/dashboard:v1.0.0\n');
    tree.set('kommander/apps/kustomization.yaml', tree.get('kommander/apps/kustomization.yaml')!.replace('resources:\n', 'resources:\n  - deployment-dashboard.yaml\n'));
    const images = airgapArtifacts(buildModel(tree)).filter((a) => a.type === 'image');
    expect(images.map((a) => [a.url, a.usedBy])).toEqual([
      ['busybox:1.36', ['Deployment/kommander/dashboard']],
      ['ghcr.io/example/dashboard:v1.0.0', ['Deployment/kommander/dashboard']],
    ]);
    expect(renderAirgapMarkdown(images)).toContain('| ghcr.io/example/dashboard:v1.0.0 | `Deployment/kommander/dashboard` |');
  });

  test('fails a source outside the mirror in an air-gapped config (airgap)', () => {
    // GIVEN no helmMirrorURL in kommander-vars: the default upstream URL stays
    const tree = sampleTree();
    // WHEN checked as air-gapped
    const fs2 = checkFiles(tree, OPTS).filter((f) => f.rule === 'airgap');
    // THEN the HelmRepository is reported, with the fix
    expect(fs2).toEqual([
      {
        rule: 'airgap',
        file: 'kommander/cert-manager/helmrepository-jetstack.yaml',
        object: 'HelmRepository/kommander-flux/jetstack',
        message: `the config is air-gapped, but HelmRepository/kommander-flux/jetstack pulls from https://charts.jetstack.io (host charts.jetstack.io), which is not the mirror (${MIRROR}); used by HelmRelease/cert-manager/cert-manager`,
        fix: 'write the repository URL as ${helmMirrorURL:=https://charts.jetstack.io} so airgapped.helmMirror replaces it, or mirror it and point the source at the mirror',
      },
    ]);
    // AND with the mirror substituted, the tree is closed
    expect(checkFiles(withMirror(), OPTS).filter((f) => f.rule === 'airgap')).toEqual([]);
  });

  test('synth writes AIRGAP.md and AIRGAP.json only for an air-gapped config', () => {
    // GIVEN the rendered sample tree as synth passes it
    const files = [...withMirror()].map(([p, content]) => ({ path: p, content }));
    // WHEN the hook runs THEN it writes both forms when air-gapped, nothing otherwise
    const out = airgapFiles({ airgapped: { enabled: true, helmMirror: MIRROR } }, files);
    expect(out.map((f) => f.path)).toEqual(['AIRGAP.json', 'AIRGAP.md']);
    const json = JSON.parse(out[0].content);
    expect(json.mirror).toBe(MIRROR);
    expect(json.artifacts).toHaveLength(2);
    expect(out[1].content.startsWith('# Air-gap closure\n')).toBe(true);
    expect(airgapFiles({ airgapped: { enabled: false } }, files)).toEqual([]);
  });

  test('the synthesizer writes AIRGAP.md for the air-gapped fixture config', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesize } = require('../lib/cli') as typeof import('../lib/cli');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadConfig } = require('../lib/config/load') as typeof import('../lib/config/load');
    const files = synthesize(loadConfig(path.resolve(__dirname, 'fixtures/config/full.yaml')));
    const md = files.find((f) => f.path === 'AIRGAP.md');
    // The fixture is a Gardener-only landscape: its charts are OCI artifacts (the vector's operator chart among them).
    expect(md?.content.toString()).toContain('## OCI artifacts');
    expect(md?.content.toString()).toContain('| operator | v1.146.4 |');
    expect(files.find((f) => f.path === 'AIRGAP.json')).toBeDefined();
    // AND a config that is not air-gapped gets none
    expect(synthesize(loadConfig(path.resolve(__dirname, '../examples/kommander-v2.17.1.yaml'))).some((f) => f.path.startsWith('AIRGAP'))).toBe(false);
  });
});
