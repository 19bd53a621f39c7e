import { Testing } from 'cdk8s';
import { GitRepository, HelmRepository, OciRepository } from '../lib/flux/sources';

describe('GitRepository', () => {
  test('synthesizes source.toolkit.fluxcd.io/v1 with branch, secret and default namespace', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    const repo = new GitRepository(chart, 'Repo', { name: 'management', url: 'https://git.example.com/m.git', secretName: 'creds' });
    // THEN
    expect(Testing.synth(chart)).toStrictEqual([
      {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'management', namespace: 'kommander-flux' },
        spec: { interval: '1m', ref: { branch: 'main' }, secretRef: { name: 'creds' }, url: 'https://git.example.com/m.git' },
      },
    ]);
    expect(repo.sourceRef).toStrictEqual({ kind: 'GitRepository', name: 'management', namespace: 'kommander-flux' });
  });

  test('a tag wins over the branch', () => {
    const chart = Testing.chart();
    new GitRepository(chart, 'Repo', { name: 'cat', namespace: 'kommander', url: 'https://github.com/a/b', tag: 'v1.0.0', branch: 'dev' });
    expect(Testing.synth(chart)[0].spec.ref).toStrictEqual({ tag: 'v1.0.0' });
  });

  test('fails on a URL Flux cannot clone', () => {
    const chart = Testing.chart();
    expect(() => new GitRepository(chart, 'Repo', { name: 'x', url: 'git.example.com/m.git' })).toThrow(
      'url: "git.example.com/m.git" is not a Git URL Flux can clone (use https://…, http://… or ssh://git@host/…)',
    );
  });

  test('fails on a bad interval', () => {
    const chart = Testing.chart();
    expect(() => new GitRepository(chart, 'Repo', { name: 'x', url: 'https://a/b', interval: '5 minutes' })).toThrow(
      'interval: "5 minutes" is not a duration (use a Go duration such as 30s, 10m or 1h)',
    );
  });

  test('fails on an invalid name', () => {
    const chart = Testing.chart();
    expect(() => new GitRepository(chart, 'Repo', { name: 'Management', url: 'https://a/b' })).toThrow('name: "Management" is not a valid object name');
  });
});

describe('HelmRepository', () => {
  test('an http repository with a mirror substitution keeps the variable', () => {
    const chart = Testing.chart();
    new HelmRepository(chart, 'R', { name: 'jetstack', url: '${helmMirrorURL:=https://charts.jetstack.io}' });
    expect(Testing.synth(chart)[0]).toStrictEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'jetstack', namespace: 'kommander-flux' },
      spec: { interval: '10m', timeout: '1m', url: '${helmMirrorURL:=https://charts.jetstack.io}' },
    });
  });

  test('an oci:// URL makes an OCI HelmRepository', () => {
    const chart = Testing.chart();
    const r = new HelmRepository(chart, 'R', { name: 'ghcr', url: 'oci://ghcr.io/org/charts' });
    expect(r.type).toBe('oci');
    expect(Testing.synth(chart)[0].spec.type).toBe('oci');
  });

  test('fails on an oci type with an https URL', () => {
    const chart = Testing.chart();
    expect(() => new HelmRepository(chart, 'R', { name: 'x', url: 'https://a', type: 'oci' })).toThrow(
      'url: "https://a" must start with oci:// for an OCI HelmRepository',
    );
  });
});

describe('OciRepository', () => {
  test('synthesizes a tag ref', () => {
    const chart = Testing.chart();
    new OciRepository(chart, 'O', { name: 'podinfo', namespace: 'apps', url: 'oci://ghcr.io/stefanprodan/charts/podinfo', tag: '6.5.0' });
    expect(Testing.synth(chart)[0]).toMatchObject({
      kind: 'OCIRepository',
      metadata: { name: 'podinfo', namespace: 'apps' },
      spec: { url: 'oci://ghcr.io/stefanprodan/charts/podinfo', ref: { tag: '6.5.0' }, interval: '10m' },
    });
  });

  test('fails without exactly one ref', () => {
    const chart = Testing.chart();
    expect(() => new OciRepository(chart, 'O', { name: 'p', url: 'oci://a/b' })).toThrow('ref: exactly one of tag, semver or digest must be set');
    expect(() => new OciRepository(chart, 'P', { name: 'p', url: 'oci://a/b', tag: '1', semver: '1.x' })).toThrow('(got 2)');
  });
});
