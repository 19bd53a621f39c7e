import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { AppDeployment } from '../lib/kommander/app-deployment';

describe('AppDeployment', () => {
  test('references <app>-<version> and writes values into a configOverrides ConfigMap (key values.yaml)', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new AppDeployment(chart, 'Kps', { name: 'kube-prometheus-stack', version: '82.13.6', values: { prometheus: { retention: '15d' } } });
    // THEN
    const [cm, ad] = Testing.synth(chart);
    expect(ad).toStrictEqual({
      apiVersion: 'apps.kommander.d2iq.io/v1alpha3',
      kind: 'AppDeployment',
      metadata: { name: 'kube-prometheus-stack', namespace: 'kommander' },
      spec: { appRef: { kind: 'ClusterApp', name: 'kube-prometheus-stack-82.13.6' }, configOverrides: { name: 'kube-prometheus-stack-overrides' } },
    });
    expect(cm.metadata).toStrictEqual({ name: 'kube-prometheus-stack-overrides', namespace: 'kommander' });
    expect(YAML.parse(cm.data['values.yaml'])).toStrictEqual({ prometheus: { retention: '15d' } });
  });

  test('without values there is no ConfigMap and no configOverrides', () => {
    const chart = Testing.chart();
    new AppDeployment(chart, 'R', { name: 'reloader', version: '2.2.11' });
    const objs = Testing.synth(chart);
    expect(objs).toHaveLength(1);
    expect(objs[0].spec).toStrictEqual({ appRef: { kind: 'ClusterApp', name: 'reloader-2.2.11' } });
  });

  test('clusterSelector and clusterConfigOverrides (v1alpha3)', () => {
    const chart = Testing.chart();
    new AppDeployment(chart, 'O', {
      name: 'kube-oidc-proxy',
      version: '0.3.2',
      appKind: 'App',
      clusters: ['management'],
      clusterOverrides: [{ clusters: ['management'], values: { a: 1 } }],
    });
    const objs = Testing.synth(chart);
    const ad = objs.find((o) => o.kind === 'AppDeployment');
    expect(ad.spec).toStrictEqual({
      appRef: { kind: 'App', name: 'kube-oidc-proxy-0.3.2' },
      clusterSelector: { matchExpressions: [{ key: 'kommander.d2iq.io/cluster-name', operator: 'In', values: ['management'] }] },
      clusterConfigOverrides: [
        {
          clusterSelector: { matchExpressions: [{ key: 'kommander.d2iq.io/cluster-name', operator: 'In', values: ['management'] }] },
          configMapName: 'kube-oidc-proxy-management-overrides',
        },
      ],
    });
    expect(objs.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name)).toStrictEqual(['kube-oidc-proxy-management-overrides']);
  });

  test('fails on a version that is not a version', () => {
    const chart = Testing.chart();
    expect(() => new AppDeployment(chart, 'G', { name: 'gatekeeper', version: '3.x' })).toThrow('AppDeployment gatekeeper: version "3.x" is not a version (e.g. 3.14.1)');
  });
});
