import { App, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { GitRepository } from '../lib/flux/sources';
import { Stage } from '../lib/flux/stage';
import { Folder } from '../lib/tree/folder';

function setup() {
  const app = Testing.app();
  const root = new Folder(app, 'Root', { path: 'clusters/test' });
  const repo = new GitRepository(root, 'Repo', { name: 'flux-system', url: 'https://git.example.com/r.git' });
  return { app, root, repo };
}

describe('Stage', () => {
  test('writes its Kustomization into the enclosing folder and its content into its own folder', () => {
    // GIVEN
    const { root, repo } = setup();
    // WHEN
    const stage = new Stage(root, 'Base', { name: 'base', path: 'infra/base', source: repo });
    new k8s.KubeNamespace(stage.folder, 'Ns', { metadata: { name: 'apps' } });
    // THEN
    expect(root.objects.map((o) => o.kind)).toStrictEqual(['GitRepository', 'Kustomization']);
    expect(stage.folder.objects.map((o) => o.name)).toStrictEqual(['apps']);
    expect(stage.resource.toJson().spec).toStrictEqual({
      interval: '10m',
      path: './infra/base',
      prune: true,
      retryInterval: '1m',
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      timeout: '10m',
      wait: true,
    });
  });

  test('dependsOn other stages, sorted, with namespaces when they differ', () => {
    const { root, repo } = setup();
    const a = new Stage(root, 'A', { name: 'a', path: 'a', source: repo });
    const b = new Stage(root, 'B', { name: 'b', path: 'b', source: repo, namespace: 'other' });
    const c = new Stage(root, 'C', { name: 'c', path: 'c', source: repo, dependsOn: [b, a] });
    expect(c.resource.toJson().spec.dependsOn).toStrictEqual([{ name: 'a' }, { name: 'b', namespace: 'other' }]);
    expect(c.resource.toJson().spec.sourceRef).toStrictEqual({ kind: 'GitRepository', name: 'flux-system' });
    expect(b.resource.toJson().spec.sourceRef).toStrictEqual({ kind: 'GitRepository', name: 'flux-system', namespace: 'kommander-flux' });
  });

  test('health checks, substitution and decryption', () => {
    const { root, repo } = setup();
    const s = new Stage(root, 'S', {
      name: 's',
      path: 's',
      source: repo,
      substitute: { releaseNamespace: 'kommander' },
      substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }],
    });
    s.addHealthCheck({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: 'ca', namespace: 'cert-manager' });
    s.enableDecryption('sops-age');
    const spec = s.resource.toJson().spec;
    expect(spec.healthChecks).toStrictEqual([{ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: 'ca', namespace: 'cert-manager' }]);
    expect(spec.postBuild).toStrictEqual({ substitute: { releaseNamespace: 'kommander' }, substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }] });
    expect(spec.decryption).toStrictEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
  });

  test('substituteIfNeeded adds the source only when the folder uses ${var}', () => {
    const { root, repo } = setup();
    const plain = new Stage(root, 'Plain', { name: 'plain', path: 'plain', source: repo });
    const vars = new Stage(root, 'Vars', { name: 'vars', path: 'vars', source: repo });
    new k8s.KubeConfigMap(plain.folder, 'Cm', { metadata: { name: 'a' }, data: { x: 'literal $${notAVar}' } });
    new k8s.KubeConfigMap(vars.folder, 'Cm', { metadata: { name: 'b' }, data: { x: '${clusterHostname}' } });
    for (const s of [plain, vars]) s.substituteIfNeeded({ kind: 'ConfigMap', name: 'kommander-vars' });
    expect(plain.resource.toJson().spec.postBuild).toBeUndefined();
    expect(vars.resource.toJson().spec.postBuild).toStrictEqual({ substituteFrom: [{ kind: 'ConfigMap', name: 'kommander-vars' }] });
  });

  test('fails outside a Folder', () => {
    const app = new App();
    const repo = { sourceRef: { kind: 'GitRepository', name: 'r' } };
    expect(() => new Stage(app, 'S', { name: 's', path: 's', source: repo })).toThrow('a Stage must be created inside a Folder');
  });

  test('fails on a self dependency and a bad path', () => {
    const { root, repo } = setup();
    const s = new Stage(root, 'S', { name: 's', path: 's', source: repo });
    expect(() => s.addDependsOn(s)).toThrow('a stage cannot depend on itself');
    expect(() => new Stage(root, 'T', { name: 't', path: '../up', source: repo })).toThrow('path: "../up" is not a repository-relative folder path');
  });
});
