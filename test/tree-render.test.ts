import { Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Folder, TreeFile } from '../lib/tree/folder';
import { renderTree } from '../lib/tree/render';

describe('renderTree', () => {
  test('one object per file, a sorted kustomization.yaml per folder, raw files verbatim', () => {
    // GIVEN
    const app = Testing.app();
    const f = new Folder(app, 'F', { path: 'infra/base' });
    new k8s.KubeNamespace(f, 'B', { metadata: { name: 'b' } });
    new k8s.KubeNamespace(f, 'A', { metadata: { name: 'a' } });
    new TreeFile(app, 'Readme', { path: 'README.md', content: '# hi\n' });
    // WHEN
    const files = renderTree(app);
    // THEN
    expect(files.map((x) => x.path)).toStrictEqual(['README.md', 'infra/base/kustomization.yaml', 'infra/base/namespace-a.yaml', 'infra/base/namespace-b.yaml']);
    expect(files[1].content).toBe('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace-a.yaml\n  - namespace-b.yaml\n');
    expect(files[2].content).toBe('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n');
  });

  test('same kind and name in two namespaces of one folder: both kept, file names carry the namespace', () => {
    const app = Testing.app();
    const f = new Folder(app, 'F', { path: 'vars' });
    new k8s.KubeConfigMap(f, 'A', { metadata: { name: 'same', namespace: 'ns-a' } });
    new k8s.KubeConfigMap(f, 'B', { metadata: { name: 'same', namespace: 'ns-b' } });
    expect(renderTree(app).map((x) => x.path)).toStrictEqual(['vars/configmap-ns-a-same.yaml', 'vars/configmap-ns-b-same.yaml', 'vars/kustomization.yaml']);
  });

  test('YAML 1.1 booleans stay quoted strings for Flux (go-yaml)', () => {
    const app = Testing.app();
    const f = new Folder(app, 'F', { path: 'x' });
    new k8s.KubeConfigMap(f, 'A', { metadata: { name: 'a' }, data: { enabled: 'on', mode: '0755' } });
    const content = renderTree(app).find((x) => x.path === 'x/configmap-a.yaml')!.content as string;
    expect(content).toContain('enabled: "on"');
    expect(content).toContain('mode: "0755"');
  });

  test('fails on the same object defined twice anywhere in the tree', () => {
    const app = Testing.app();
    new k8s.KubeNamespace(new Folder(app, 'F', { path: 'a' }), 'N', { metadata: { name: 'x' } });
    new k8s.KubeNamespace(new Folder(app, 'G', { path: 'b' }), 'N', { metadata: { name: 'x' } });
    expect(() => renderTree(app)).toThrow('duplicate object Namespace x: defined by F/N and by G/N (Flux would apply only one of them; remove one)');
  });

  test('fails on two files at one path', () => {
    const app = Testing.app();
    new TreeFile(app, 'A', { path: 'x.md', content: 'a' });
    new TreeFile(app, 'B', { path: 'x.md', content: 'b' });
    expect(() => renderTree(app)).toThrow('two files would be written to x.md: by A and by B');
  });

  test('fails when an object check reports a problem', () => {
    const app = Testing.app();
    new k8s.KubeSecret(new Folder(app, 'F', { path: 's' }), 'S', { metadata: { name: 's' }, stringData: { p: 'x' } });
    expect(() => renderTree(app, { checkObject: (o) => (o.kind === 'Secret' ? ['plaintext'] : []) })).toThrow('F/S (Secret s): plaintext');
  });

  test('fails on a plaintext Secret without any option (calling renderTree directly keeps the guard)', () => {
    // GIVEN a Secret with a stringData value, rendered with no options
    const app = Testing.app();
    new k8s.KubeSecret(new Folder(app, 'F', { path: 's' }), 'S', { metadata: { name: 's', namespace: 'n' }, stringData: { password: 'hunter2' } });
    // THEN the render refuses it, naming the object
    expect(() => renderTree(app)).toThrow(/refusing to synthesize:\n  F\/S \(Secret s\): /);
  });

  test('fails on an age identity in any rendered file', () => {
    const app = Testing.app();
    new TreeFile(app, 'K', { path: 'notes.md', content: 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n' });
    expect(() => renderTree(app)).toThrow('notes.md: holds an age identity (AGE-SECRET-KEY-…');
  });
});
