import { diffTrees, DiffReport, IMMUTABLE_RULES, ObjectChange, renderDiffMarkdown, renderDiffText } from '../lib/diff';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { diffFields, lineDiff } from '../lib/diff/fields';
import { git, readGitTree } from '../lib/diff/git';
import { SchemaRegistry } from '../lib/check/schema';
import { addFolder, editObject, Obj, SHARED, sampleTree, tmpDir, Tree, writeTreeTo, y } from './fixtures/trees/sample';
import { describeIfShared } from './support/shared';

const GARDEN_CRDS = path.join(SHARED, 'gardener', 'v1.146.4');

/** The sample tree plus a Garden (operator.gardener.cloud/v1alpha1) in its own stage. */
function treeWithGarden(region: string, bucketName = 'garden-backup'): Tree {
  const tree = sampleTree();
  addFolder(tree, 'gardener/garden', {
    'garden-garden.yaml': y({
      apiVersion: 'operator.gardener.cloud/v1alpha1',
      kind: 'Garden',
      metadata: { name: 'garden' },
      spec: {
        runtimeCluster: { networking: { pods: ['10.1.0.0/16'], services: ['10.2.0.0/16'] }, ingress: { controller: { kind: 'nginx' } } },
        virtualCluster: {
          dns: { domains: [{ name: 'garden.example.com' }] },
          etcd: { main: { backup: { provider: 'aws', bucketName, region, secretRef: { name: 'etcd-backup', namespace: 'garden' } } } },
          gardener: { clusterIdentity: 'landscape-1' },
          kubernetes: { version: '1.31.1' },
          maintenance: { timeWindow: { begin: '220000+0100', end: '230000+0100' } },
          networking: { services: ['100.64.0.0/13'] },
        },
      },
    }),
  });
  const root = 'clusters/management';
  const files: Record<string, string> = {};
  for (const [f, c] of tree) if (f.startsWith(`${root}/`) && !f.endsWith('/kustomization.yaml')) files[f.slice(root.length + 1)] = c;
  files['kustomization-garden.yaml'] = y({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'garden', namespace: 'kommander-flux' },
    spec: { interval: '10m', path: './gardener/garden', prune: true, sourceRef: { kind: 'GitRepository', name: 'kommander-flux' } },
  });
  addFolder(tree, root, files);
  return tree;
}

function folderFiles(tree: Tree, folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [f, c] of tree) if (f.startsWith(`${folder}/`) && !f.endsWith('/kustomization.yaml')) out[f.slice(folder.length + 1)] = c;
  return out;
}

function changes(report: DiffReport): ObjectChange[] {
  return report.stages.flatMap((s) => s.changes);
}

/** The four kinds of change in one commit: an added, a changed, a removed and a renamed object. */
function fourChanges(): { base: Tree; head: Tree } {
  const base = sampleTree();
  const head = sampleTree();
  const apps = folderFiles(head, 'kommander/apps');
  // added
  apps['configmap-new.yaml'] = y({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new', namespace: 'kommander' }, data: { a: 'b' } });
  // removed
  delete apps['configmap-dashboard.yaml'];
  // renamed
  apps['certificate-dashboard-v2.yaml'] = apps['certificate-dashboard.yaml'].replace('name: dashboard\n', 'name: dashboard-v2\n');
  delete apps['certificate-dashboard.yaml'];
  for (const f of [...head.keys()]) if (f.startsWith('kommander/apps/')) head.delete(f);
  addFolder(head, 'kommander/apps', apps);
  // changed
  editObject(head, 'kommander/cert-manager/helmrelease-cert-manager.yaml', (o) => {
    ((o.spec as Obj).values as Obj).replicaCount = 2;
    ((o.spec as Obj).chart as Obj).spec = { ...(((o.spec as Obj).chart as Obj).spec as Obj), version: 'v1.22.0' };
  });
  return { base, head };
}

describeIfShared()('diff', () => {
  test('reports an added, a changed, a removed (pruned) and a renamed (recreated) object, grouped by stage', () => {
    // GIVEN a base tree and a new synth with one change of each kind
    const { base, head } = fourChanges();
    // WHEN diffed
    const report = diffTrees(base, head);
    // THEN each object is classified in its stage, in rollout order
    expect(report.counts).toEqual({ added: 1, changed: 1, removed: 1, recreated: 1 });
    expect(report.stages.map((s) => s.id)).toEqual(['kommander-flux/cert-manager', 'kommander-flux/kommander-apps']);
    expect(changes(report).map((c) => `${c.kind} ${c.object}${c.previous ? ` (was ${c.previous.object})` : ''}${c.pruned ? ' PRUNED' : ''}`)).toEqual([
      'changed HelmRelease/cert-manager/cert-manager',
      'removed ConfigMap/kommander/dashboard PRUNED',
      'recreated Certificate/kommander/dashboard-v2 (was Certificate/kommander/dashboard) PRUNED',
      'added ConfigMap/kommander/new',
    ]);
    // AND the change is field-level (the chart version shows through the substituted ${certManagerVersion})
    const hr = changes(report)[0];
    expect(hr.fields).toEqual([
      { path: 'spec.chart.spec.version', op: 'changed', before: 'v1.21.1', after: 'v1.22.0' },
      { path: 'spec.values.replicaCount', op: 'added', after: 2 },
    ]);
    expect(report.hasChanges).toBe(true);
  });

  test('renders the text format with the prune warning in capitals', () => {
    const { base, head } = fourChanges();
    const text = renderDiffText(diffTrees(base, head), { base: 'HEAD' });
    expect(text).toBe(
      [
        'Changes against HEAD: 1 added, 1 changed, 1 removed (pruned), 1 recreated',
        '',
        '!!! Flux will DELETE 2 object(s) FROM THE CLUSTER (pruned):',
        '!!!   ConfigMap/kommander/dashboard',
        '!!!   Certificate/kommander/dashboard',
        '',
        '== Stage kommander-flux/cert-manager (./kommander/cert-manager) ==',
        '  ~ changed    HelmRelease/cert-manager/cert-manager  [kommander/cert-manager/helmrelease-cert-manager.yaml]',
        '      ~ spec.chart.spec.version: "v1.21.1" → "v1.22.0"',
        '      + spec.values.replicaCount: 2',
        '',
        '== Stage kommander-flux/kommander-apps (./kommander/apps) ==',
        '  - REMOVED    ConfigMap/kommander/dashboard  [kommander/apps/configmap-dashboard.yaml]',
        '      !!! Flux will PRUNE it: DELETE ConfigMap/kommander/dashboard from the cluster (Kustomization kommander-flux/kommander-apps has prune: true)',
        '  ! RECREATED  Certificate/kommander/dashboard-v2 (was Certificate/kommander/dashboard)  [kommander/apps/certificate-dashboard-v2.yaml]',
        '      renamed from Certificate/kommander/dashboard: Flux creates Certificate/kommander/dashboard-v2 and PRUNES (DELETES) Certificate/kommander/dashboard from the cluster',
        '  + added      ConfigMap/kommander/new  [kommander/apps/configmap-new.yaml]',
        '',
      ].join('\n'),
    );
  });

  test('renders the markdown format: summary table first, then the caution box and details', () => {
    const { base, head } = fourChanges();
    const md = renderDiffMarkdown(diffTrees(base, head), { base: 'origin/main' });
    // THEN the comment starts with the summary table, then the loud prune box
    expect(md.startsWith(
      [
        '### Flux changes against `origin/main`',
        '',
        '| Stage | Path | Added | Changed | Removed (pruned) | Recreated |',
        '| --- | --- | ---: | ---: | ---: | ---: |',
        '| `kommander-flux/cert-manager` | `./kommander/cert-manager` | 0 | 1 | 0 | 0 |',
        '| `kommander-flux/kommander-apps` | `./kommander/apps` | 1 | 0 | **1** | 1 |',
        '| **Total** | | 1 | 1 | **1** | 1 |',
        '',
        '> [!CAUTION]',
        '> **Flux will DELETE 2 object(s) from the cluster** (pruned):',
        '> - `ConfigMap/kommander/dashboard`',
        '> - `Certificate/kommander/dashboard`',
      ].join('\n'),
    )).toBe(true);
    expect(md).toContain('> **1 object(s) will be recreated** (deleted and created again, or reinstalled):\n> - `Certificate/kommander/dashboard-v2`: renamed from Certificate/kommander/dashboard');
    expect(md).toContain('```diff\n! CHANGED HelmRelease/cert-manager/cert-manager  [kommander/cert-manager/helmrelease-cert-manager.yaml]\n    ~ spec.chart.spec.version: "v1.21.1" → "v1.22.0"\n+   + spec.values.replicaCount: 2\n```');
    expect(md).toContain('- REMOVED ConfigMap/kommander/dashboard  [kommander/apps/configmap-dashboard.yaml]\n#   Flux will PRUNE it: DELETE ConfigMap/kommander/dashboard from the cluster');
    expect(md).toContain('+ ADDED ConfigMap/kommander/new  [kommander/apps/configmap-new.yaml]');
  });

  test('reports immutable-field changes as recreated: HelmRelease chart/release name, Certificate secretName', () => {
    // GIVEN a chart rename, a release name change and a Certificate secretName change
    const base = sampleTree();
    const head = sampleTree();
    editObject(head, 'kommander/cert-manager/helmrelease-cert-manager.yaml', (o) => {
      const spec = o.spec as Obj;
      (spec.chart as Obj).spec = { ...((spec.chart as Obj).spec as Obj), chart: 'cert-manager-fork' };
      spec.releaseName = 'cm';
    });
    editObject(head, 'kommander/apps/certificate-dashboard.yaml', (o) => ((o.spec as Obj).secretName = 'dashboard-tls-2'));
    // WHEN diffed
    const cs = changes(diffTrees(base, head));
    // THEN both are recreated, with the reason
    expect(cs.map((c) => [c.kind, c.object])).toEqual([
      ['recreated', 'HelmRelease/cert-manager/cert-manager'],
      ['recreated', 'Certificate/kommander/dashboard'],
    ]);
    expect(cs[0].reasons).toEqual([
      'the chart name changed: helm-controller UNINSTALLS the release and installs the new chart (chartNameChangeStrategy Reinstall)',
      'spec.releaseName changed: helm-controller UNINSTALLS the old Helm release (deleting its resources) and installs a new one',
    ]);
    expect(cs[1].reasons[0]).toContain('spec.secretName changed: cert-manager issues a NEW certificate into a new Secret');
  });

  test('reports that a Secret changed, never its values', () => {
    // GIVEN a re-encrypted SOPS Secret (other ciphertext) and a new plaintext-free Secret key
    const base = sampleTree();
    const head = sampleTree();
    const file = 'kommander/secrets/secret-global-age-secret.sops.yaml';
    head.set(file, head.get(file)!.replace('data:5d9WYyV8eyrOhF/m', 'data:AAAAAAAAAAAAAAAA'));
    // WHEN diffed and rendered
    const report = diffTrees(base, head);
    const text = renderDiffText(report, { base: 'HEAD' });
    const md = renderDiffMarkdown(report, { base: 'HEAD' });
    // THEN only the fact of the change is shown
    const [c] = changes(report);
    expect(c).toMatchObject({ kind: 'changed', object: 'Secret/default/global-age-secret', secret: true, fields: [] });
    expect(text).toContain('Secret changed (values are not shown)');
    for (const out of [text, md]) {
      expect(out).not.toContain('AAAAAAAA');
      expect(out).not.toContain('5d9WYyV8');
    }
  });

  test('says a removed object stays in the cluster when its stage does not prune', () => {
    // GIVEN the apps stage with prune: false, and the dashboard ConfigMap removed
    const base = sampleTree();
    editObject(base, 'clusters/management/kustomization-kommander-apps.yaml', (o) => ((o.spec as Obj).prune = false));
    const head = new Map(base);
    const apps = folderFiles(head, 'kommander/apps');
    delete apps['configmap-dashboard.yaml'];
    head.delete('kommander/apps/configmap-dashboard.yaml');
    addFolder(head, 'kommander/apps', apps);
    // WHEN diffed
    const [c] = changes(diffTrees(base, head));
    // THEN it is removed but not pruned
    expect(c).toMatchObject({ kind: 'removed', pruned: false });
    expect(c.reasons[0]).toBe('removed from Git, but Kustomization kommander-flux/kommander-apps does not prune (prune is off or disabled on the object): it stays in the cluster, unmanaged');
  });

  test('reports no changes (exit code 0 in the CLI) for identical trees, and lists other files', () => {
    const base = sampleTree();
    expect(diffTrees(base, sampleTree()).hasChanges).toBe(false);
    expect(renderDiffText(diffTrees(base, sampleTree()), { base: 'HEAD' })).toBe('No changes: a fresh synth commits exactly the tree at HEAD.\n');
    const head = sampleTree();
    head.set('BOOTSTRAP.md', '# Bootstrap v2\n');
    const report = diffTrees(base, head);
    expect(report.files).toEqual([{ path: 'BOOTSTRAP.md', status: 'changed' }]);
    expect(report.hasChanges).toBe(true);
  });

  test('diffs fields by name in named lists and lines in multi-line strings', () => {
    expect(diffFields({ l: [{ name: 'a', v: 1 }, { name: 'b' }] }, { l: [{ name: 'b' }, { name: 'a', v: 2 }] })).toEqual([{ path: 'l[name=a].v', op: 'changed', before: 1, after: 2 }]);
    expect(lineDiff('a\nb\nc\nd\n', 'a\nB\nc\nd\n')).toEqual(['  a', '- b', '+ B', '  c']);
  });

  const haveGardenCrds = fs.existsSync(GARDEN_CRDS);
  if (!haveGardenCrds) console.warn(`SKIPPING the Garden transition-rule tests LOUDLY: ${GARDEN_CRDS} is missing`);
  const gardenTest = haveGardenCrds ? test : test.skip;

  gardenTest('fails a Garden whose backup region changes: the CRD\'s transition rule (self == oldSelf) refuses the update', () => {
    // GIVEN the Gardener v1.146.4 CRDs and a Garden whose etcd backup region changes
    const registry = SchemaRegistry.fromPaths([GARDEN_CRDS]);
    const base = treeWithGarden('eu-west-1');
    const head = treeWithGarden('eu-central-1');
    // WHEN diffed with the CRDs
    const report = diffTrees(base, head, { registry });
    // THEN the update is refused, with the CRD's own message, and counted
    const [c] = changes(report);
    expect(c).toMatchObject({ kind: 'changed', object: 'Garden/garden' });
    expect(c.refused).toEqual([
      'the API server REFUSES the update: spec.virtualCluster.etcd.main.backup.region: Region is immutable (rule `self == oldSelf` of the gardens.operator.gardener.cloud v1alpha1 CRD); the apply fails (and with spec.force Flux would DELETE and RE-CREATE the object)',
    ]);
    expect(report.refused).toBe(1);
    expect(renderDiffText(report, { base: 'HEAD' })).toContain(
      '!!! The API server will REFUSE 1 update(s) (transition rules of their CRDs):\n!!!   Garden/garden: spec.virtualCluster.etcd.main.backup.region: Region is immutable',
    );
    expect(renderDiffMarkdown(report, { base: 'HEAD' })).toContain('**The API server will REFUSE 1 update(s)**');
  });

  gardenTest('accepts a Garden change that no transition rule forbids, and a new Garden (no oldSelf on create)', () => {
    const registry = SchemaRegistry.fromPaths([GARDEN_CRDS]);
    const base = treeWithGarden('eu-west-1');
    const head = treeWithGarden('eu-west-1');
    editObject(head, 'gardener/garden/garden-garden.yaml', (o) => ((((o.spec as Obj).virtualCluster as Obj).kubernetes as Obj).version = '1.31.2'));
    expect(changes(diffTrees(base, head, { registry })).map((c) => [c.object, c.refused])).toEqual([['Garden/garden', []]]);
    expect(diffTrees(sampleTree(), treeWithGarden('eu-central-1', 'other'), { registry }).refused).toBe(0);
  });

  gardenTest('keeps in the hand-written immutable table only what no CRD declares, each entry with its source', () => {
    // GIVEN the Flux, cert-manager, Gatekeeper and Gardener CRDs
    const registry = SchemaRegistry.fromPaths([path.join(SHARED, 'crds'), GARDEN_CRDS]);
    for (const r of IMMUTABLE_RULES) {
      // THEN every entry says where the behaviour comes from
      expect(r.source.length).toBeGreaterThan(10);
      const [group, kind] = r.kind.split('/');
      if (!registry.hasKind(group, kind)) continue;
      // AND no field of a CRD kind is already covered by a transition rule of that CRD
      const obj = { apiVersion: `${group}/v1`, kind, metadata: { name: 'x' } };
      const cel = registry.celFor(obj as never);
      const transitionPaths = (cel?.schema.sites ?? []).filter((s2) => s2.transition).map((s2) => s2.path);
      for (const f of r.fields) expect(transitionPaths.filter((p) => p === f || p.startsWith(`${f}.`))).toEqual([]);
    }
  });

  describe('against Git', () => {
    function repoWithDist(tree: Tree): string {
      const repo = tmpDir('diff-repo');
      git(['init', '-q', '-b', 'main'], repo);
      writeTreeTo(path.join(repo, 'dist'), tree);
      fs.writeFileSync(path.join(repo, 'README.md'), 'not part of dist\n');
      git(['add', '.'], repo);
      git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'tree'], repo);
      return repo;
    }

    test('reads dist/ at a ref with one cat-file batch', () => {
      // GIVEN a repository with the sample tree committed under dist/
      const tree = sampleTree();
      const repo = repoWithDist(tree);
      // WHEN the tree at HEAD is read
      const read = readGitTree('HEAD', 'dist', repo);
      // THEN it is byte-identical, and a missing folder is empty, and a bad ref fails
      expect(read).toEqual(tree);
      expect(readGitTree('HEAD', 'nothing', repo).size).toBe(0);
      expect(() => readGitTree('no-such-ref', 'dist', repo)).toThrow('git rev-parse --verify --quiet no-such-ref^{commit} failed');
    });

    test('`npm run diff -- --head <dir> --format markdown` exits 1 on changes and 0 without', () => {
      // (bundled by scripts/run.js when stale: never a stale build)
      const built = spawnSync(process.execPath, [path.resolve(__dirname, '../scripts/run.js'), '--build', 'scripts/diff.ts'], { encoding: 'utf8' });
      expect(built.stderr).toBe('');
      const script = built.stdout.trim();
      // GIVEN the committed sample tree and a new tree with four changes
      const { base, head } = fourChanges();
      const repo = repoWithDist(base);
      const headDir = writeTreeTo(tmpDir('diff-head'), head);
      // WHEN the CLI compares them
      const r = spawnSync(process.execPath, [script, '--head', headDir, '--format', 'markdown'], { cwd: repo, encoding: 'utf8' });
      // THEN it prints the PR comment and exits 1
      expect(r.stderr).toBe('');
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('**Flux will DELETE 2 object(s) from the cluster** (pruned)');
      // AND identical trees exit 0
      const same = spawnSync(process.execPath, [script, '--head', path.join(repo, 'dist')], { cwd: repo, encoding: 'utf8' });
      expect(same.stdout).toBe('No changes: a fresh synth commits exactly the tree at HEAD.\n');
      expect(same.status).toBe(0);
    });
  });
});
