/**
 * The token-requestor Secret that gives Flux access to the virtual garden, and the plaintext
 * guard's exception for exactly that shape (a kubeconfig with no credential).
 */
import * as YAML from 'yaml';
import { isTokenRequestorKubeconfigSecret, tokenRequestorSecret } from '../lib/gardener/token-requestor';
import { plaintextSecretProblems } from '../lib/sops/guard';

type Obj = Record<string, any>;

const secret = (): Obj => tokenRequestorSecret({ name: 'shoot-access-flux', namespace: 'garden', serviceAccount: { name: 'flux', namespace: 'kube-system' } });

/** The Secret with its kubeconfig changed by `edit`. */
function withKubeconfig(edit: (kc: Obj) => void): Obj {
  const s = secret();
  const kc = YAML.parse(s.stringData.kubeconfig);
  edit(kc);
  return { ...s, stringData: { kubeconfig: YAML.stringify(kc) } };
}

describe('tokenRequestorSecret', () => {
  test('labels and annotations the TokenRequestor acts on, a kubeconfig without credentials, created once by Flux', () => {
    // GIVEN the Secret WHEN rendered THEN it has the token-requestor contract (gardener v1.146.4 docs/concepts/operator.md)
    const s = secret();
    expect(s.metadata.labels).toStrictEqual({ 'resources.gardener.cloud/purpose': 'token-requestor', 'resources.gardener.cloud/class': 'shoot' });
    expect(s.metadata.annotations).toStrictEqual({
      'serviceaccount.resources.gardener.cloud/name': 'flux',
      'serviceaccount.resources.gardener.cloud/namespace': 'kube-system',
      'serviceaccount.resources.gardener.cloud/token-expiration-duration': '3h',
      'serviceaccount.resources.gardener.cloud/inject-ca-bundle': 'true',
      'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent',
    });
    const kc = YAML.parse(s.stringData.kubeconfig);
    expect(kc).toStrictEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'virtual-garden', cluster: { server: 'https://virtual-garden-kube-apiserver.garden.svc.cluster.local' } }],
      contexts: [{ name: 'virtual-garden', context: { cluster: 'virtual-garden', user: 'flux' } }],
      'current-context': 'virtual-garden',
      users: [{ name: 'flux' }],
    });
  });
});

describe('the plaintext guard and token-requestor Secrets', () => {
  test('accepts exactly the token-requestor shape', () => {
    expect(isTokenRequestorKubeconfigSecret(secret())).toBe(true);
    expect(plaintextSecretProblems(secret())).toStrictEqual([]);
    // An empty user entry and a CA are no credentials either.
    expect(isTokenRequestorKubeconfigSecret(withKubeconfig((kc) => { kc.users = [{ name: 'flux', user: {} }]; }))).toBe(true);
    expect(isTokenRequestorKubeconfigSecret(withKubeconfig((kc) => { kc.clusters[0].cluster['certificate-authority-data'] = 'LS0tLS1CRUdJTi=='; }))).toBe(true);
  });

  const refused: [string, () => Obj][] = [
    ['a token in the kubeconfig', () => withKubeconfig((kc) => { kc.users[0].user = { token: 'eyJhbGciOi' }; })],
    ['a client key in the kubeconfig', () => withKubeconfig((kc) => { kc.users[0].user = { 'client-key-data': 'a2V5' }; })],
    ['a password in the kubeconfig', () => withKubeconfig((kc) => { kc.users[0].user = { username: 'admin', password: 'hunter2' }; })],
    ['an exec plugin in the kubeconfig', () => withKubeconfig((kc) => { kc.users[0].user = { exec: { command: 'cat', args: ['/secret'] } }; })],
    ['an unknown cluster field', () => withKubeconfig((kc) => { kc.clusters[0].cluster.extensions = [{ name: 'x', extension: { token: 'abc' } }]; })],
    ['a second key next to the kubeconfig', () => ({ ...secret(), stringData: { ...secret().stringData, token: 'abc' } })],
    ['a data field', () => ({ ...secret(), data: { token: 'YWJj' } })],
    ['no token-requestor label', () => ({ ...secret(), metadata: { ...secret().metadata, labels: { 'resources.gardener.cloud/class': 'shoot' } } })],
    ['a kubeconfig that is not a kubeconfig', () => ({ ...secret(), stringData: { kubeconfig: 'password: hunter2' } })],
    ['a kubeconfig that does not parse', () => ({ ...secret(), stringData: { kubeconfig: 'users: [' } })],
    ['a non-Opaque type', () => ({ ...secret(), type: 'kubernetes.io/basic-auth' })],
  ];
  for (const [what, make] of refused) {
    test(`fails on a token-requestor-like Secret with ${what}`, () => {
      const s = make();
      expect(isTokenRequestorKubeconfigSecret(s)).toBe(false);
      expect(plaintextSecretProblems(s)).toHaveLength(1);
    });
  }

  test('fails on any other readable Secret, as before', () => {
    const other = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'garden' }, stringData: { kubeconfig: secret().stringData.kubeconfig } };
    expect(plaintextSecretProblems(other)).toStrictEqual([
      'Secret garden/x: stringData.kubeconfig holds a plaintext value and the Secret is not SOPS-encrypted; Secrets must come from secrets/ (npm run -s secrets -- set garden/x key=value), never in plaintext',
    ]);
  });
});
