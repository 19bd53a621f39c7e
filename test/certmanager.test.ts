import { Testing } from 'cdk8s';
import { Certificate, ClusterIssuer } from '../lib/certmanager';

describe('cert-manager constructs', () => {
  test('ClusterIssuers are cluster-scoped: no namespace, even in a chart with one', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new ClusterIssuer(chart, 'SelfSigned', { name: 'selfsigned-issuer', issuer: { selfSigned: true } });
    new ClusterIssuer(chart, 'Ca', { name: 'kommander-ca', issuer: { ca: { secretName: 'kommander-ca' } } });
    // THEN
    expect(Testing.synth(chart)).toStrictEqual([
      { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'selfsigned-issuer' }, spec: { selfSigned: {} } },
      { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'kommander-ca' }, spec: { ca: { secretName: 'kommander-ca' } } },
    ]);
  });

  test('an ACME ClusterIssuer with an HTTP01 ingress solver', () => {
    const chart = Testing.chart();
    new ClusterIssuer(chart, 'Acme', {
      name: 'kommander-acme-issuer',
      issuer: { acme: { email: 'ops@example.com', privateKeySecretName: 'acct', ingressClassName: 'traefik' } },
    });
    expect(Testing.synth(chart)[0].spec).toStrictEqual({
      acme: {
        email: 'ops@example.com',
        server: 'https://acme-v02.api.letsencrypt.org/directory',
        privateKeySecretRef: { name: 'acct' },
        solvers: [{ http01: { ingress: { ingressClassName: 'traefik' } } }],
      },
    });
  });

  test('a CA Certificate issued by a ClusterIssuer', () => {
    const chart = Testing.chart();
    const issuer = new ClusterIssuer(chart, 'SelfSigned', { name: 'selfsigned-issuer', issuer: { selfSigned: true } });
    const cert = new Certificate(chart, 'Ca', { name: 'kommander-ca', namespace: 'cert-manager', secretName: 'kommander-ca', commonName: 'kommander-ca', isCA: true, issuer });
    expect(Testing.synth(chart)[1]).toStrictEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'kommander-ca', namespace: 'cert-manager' },
      spec: {
        commonName: 'kommander-ca',
        isCA: true,
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'selfsigned-issuer' },
        privateKey: { algorithm: 'ECDSA', size: 256 },
        secretName: 'kommander-ca',
      },
    });
    expect(cert.ref).toStrictEqual({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: 'kommander-ca', namespace: 'cert-manager' });
  });

  test('fails on a bad ACME email', () => {
    const chart = Testing.chart();
    expect(
      () => new ClusterIssuer(chart, 'A', { name: 'a', issuer: { acme: { email: 'ops', privateKeySecretName: 'x', ingressClassName: 'y' } } }),
    ).toThrow('acme.email: "ops" is not an email address');
  });

  test('fails on a Certificate without a subject', () => {
    const chart = Testing.chart();
    const issuer = new ClusterIssuer(chart, 'S', { name: 's', issuer: { selfSigned: true } });
    expect(() => new Certificate(chart, 'C', { name: 'c', namespace: 'x', secretName: 'c', issuer })).toThrow('set commonName or dnsNames');
  });
});
