import { Testing } from 'cdk8s';
import { HelmRelease } from '../lib/flux/helm-release';
import { HelmRepository, OciRepository } from '../lib/flux/sources';

describe('HelmRelease', () => {
  test('references a HelmRepository in another namespace with its namespace, and sets remediation', () => {
    // GIVEN
    const chart = Testing.chart();
    const repo = new HelmRepository(chart, 'Repo', { name: 'gatekeeper', url: 'https://open-policy-agent.github.io/gatekeeper/charts' });
    // WHEN
    new HelmRelease(chart, 'Release', {
      name: 'gatekeeper',
      namespace: 'kommander',
      chart: 'gatekeeper',
      version: '3.23.0',
      source: repo,
      values: { replicas: 2 },
      valuesFrom: [{ kind: 'ConfigMap', name: 'gatekeeper-overrides', optional: true }],
    });
    // THEN
    const hr = Testing.synth(chart)[1];
    expect(hr.apiVersion).toBe('helm.toolkit.fluxcd.io/v2');
    expect(hr.spec.chart.spec).toStrictEqual({
      chart: 'gatekeeper',
      version: '3.23.0',
      sourceRef: { kind: 'HelmRepository', name: 'gatekeeper', namespace: 'kommander-flux' },
    });
    expect(hr.spec.install).toStrictEqual({ crds: 'CreateReplace', remediation: { retries: 3 } });
    expect(hr.spec.upgrade).toStrictEqual({ crds: 'CreateReplace', remediation: { retries: 3, remediateLastFailure: true } });
    expect(hr.spec.values).toStrictEqual({ replicas: 2 });
    expect(hr.spec.valuesFrom).toStrictEqual([{ kind: 'ConfigMap', name: 'gatekeeper-overrides', valuesKey: 'values.yaml', optional: true }]);
  });

  test('an OCIRepository source becomes chartRef', () => {
    const chart = Testing.chart();
    const oci = new OciRepository(chart, 'Oci', { name: 'podinfo', namespace: 'apps', url: 'oci://ghcr.io/x/podinfo', tag: '6.5.0' });
    new HelmRelease(chart, 'Release', { name: 'podinfo', namespace: 'apps', source: oci });
    const hr = Testing.synth(chart)[1];
    expect(hr.spec.chartRef).toStrictEqual({ kind: 'OCIRepository', name: 'podinfo' });
    expect(hr.spec.chart).toBeUndefined();
  });

  test('dependsOn other HelmReleases, with the namespace when it differs', () => {
    const chart = Testing.chart();
    const repo = new HelmRepository(chart, 'Repo', { name: 'r', url: 'https://r.example.com' });
    const a = new HelmRelease(chart, 'A', { name: 'a', namespace: 'x', chart: 'a', version: '1.0.0', source: repo });
    const b = new HelmRelease(chart, 'B', { name: 'b', namespace: 'y', chart: 'b', version: '1.0.0', source: repo, dependsOn: [a] });
    b.addDependsOn(a);
    expect(Testing.synth(chart)[2].spec.dependsOn).toStrictEqual([{ name: 'a', namespace: 'x' }]);
  });

  test('fails without a pinned chart version', () => {
    const chart = Testing.chart();
    const repo = new HelmRepository(chart, 'Repo', { name: 'r', url: 'https://r.example.com' });
    expect(() => new HelmRelease(chart, 'R', { name: 'r', namespace: 'x', chart: 'r', version: '>=1.0', source: repo })).toThrow(
      'HelmRelease r: version ">=1.0" is not an exact chart version (pin it, e.g. 3.14.1)',
    );
    expect(() => new HelmRelease(chart, 'S', { name: 's', namespace: 'x', source: repo })).toThrow('chart and version are required');
  });

  test('fails on a release depending on itself', () => {
    const chart = Testing.chart();
    const repo = new HelmRepository(chart, 'Repo', { name: 'r', url: 'https://r.example.com' });
    const a = new HelmRelease(chart, 'A', { name: 'a', namespace: 'x', chart: 'a', version: '1.0.0', source: repo });
    expect(() => a.addDependsOn(a)).toThrow('a release cannot depend on itself');
  });
});
