import { Testing } from 'cdk8s';
import { KommanderAppDeployment, KommanderClusterApp } from '../lib/kommander/api';

describe('apps.kommander.d2iq.io/v1alpha3 L1 types', () => {
  test('ClusterApp is cluster-scoped and references the management GitRepository with its namespace', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new KommanderClusterApp(chart, 'App', {
      metadata: { name: 'gatekeeper-3.23.0' },
      spec: { appId: 'gatekeeper', version: '3.23.0', gitRepositoryRef: { kind: 'GitRepository', name: 'management', namespace: 'kommander-flux' } },
    });
    // THEN
    expect(Testing.synth(chart)).toStrictEqual([
      {
        apiVersion: 'apps.kommander.d2iq.io/v1alpha3',
        kind: 'ClusterApp',
        metadata: { name: 'gatekeeper-3.23.0' },
        spec: { appId: 'gatekeeper', version: '3.23.0', gitRepositoryRef: { kind: 'GitRepository', name: 'management', namespace: 'kommander-flux' } },
      },
    ]);
  });

  test('AppDeployment carries appRef, configOverrides and clusterConfigOverrides as documented', () => {
    const chart = Testing.chart();
    new KommanderAppDeployment(chart, 'Ad', {
      metadata: { name: 'kube-oidc-proxy', namespace: 'kommander' },
      spec: {
        appRef: { kind: 'ClusterApp', name: 'kube-oidc-proxy-0.3.2' },
        configOverrides: { name: 'kube-oidc-proxy-overrides' },
        clusterConfigOverrides: [{ clusterSelector: { matchLabels: { 'kommander.d2iq.io/cluster-name': 'management' } }, configMapName: 'x', appVersion: '0.3.3' }],
      },
    });
    const [ad] = Testing.synth(chart);
    expect(ad.spec.clusterConfigOverrides[0]).toStrictEqual({
      appVersion: '0.3.3',
      clusterSelector: { matchLabels: { 'kommander.d2iq.io/cluster-name': 'management' } },
      configMapName: 'x',
    });
    expect(ad.spec.configOverrides).toStrictEqual({ name: 'kube-oidc-proxy-overrides' });
  });
});
