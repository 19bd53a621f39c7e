/**
 * Flux's access to the virtual garden: a token that Gardener issues and rotates.
 *
 * gardener-operator creates no static credentials for the virtual garden (docs/concepts/operator.md,
 * "Virtual Garden Kubeconfig", gardener v1.146.4). A Secret in namespace `garden` of the runtime
 * cluster labelled `resources.gardener.cloud/purpose: token-requestor` and
 * `resources.gardener.cloud/class: shoot` makes the TokenRequestor controller of the virtual
 * garden's gardener-resource-manager create the ServiceAccount named in its annotations in the
 * virtual garden, request a token for it and write the token into the Secret's `kubeconfig`
 * (`pkg/controller/tokenrequestor/reconciler.go` at v1.146.4: the token goes into the kubeconfig's
 * user when the Secret has a `kubeconfig` key; `inject-ca-bundle` adds the cluster CA). It renews
 * the token before it expires. gardener-landscape-kit gives Flux the same kind of access
 * (`pkg/components/gardener/virtual-garden-access/templates/base/virtual-garden-access-flux.yaml`
 * at tag v0.3.0).
 *
 * The Secret the tree commits holds a kubeconfig without any credential (server and names only):
 * `isTokenRequestorKubeconfigSecret` recognises exactly that shape, so the plaintext guard
 * (lib/sops/guard.ts) lets it through and still refuses every other readable Secret.
 *
 * This module imports only `yaml`: the guard depends on it.
 */
import { parse } from 'yaml';

export const TOKEN_REQUESTOR_PURPOSE_LABEL = 'resources.gardener.cloud/purpose';
export const TOKEN_REQUESTOR_CLASS_LABEL = 'resources.gardener.cloud/class';
/** In-cluster address of the virtual garden API server (Service `virtual-garden-kube-apiserver` in `garden`, port 443). */
export const VIRTUAL_GARDEN_SERVER = 'https://virtual-garden-kube-apiserver.garden.svc.cluster.local';

/**
 * Annotation that makes Flux create the Secret once and never re-apply it (kustomize-controller's
 * `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`): a re-apply would replace the kubeconfig
 * holding the injected token with the credential-less one of the tree.
 */
export const FLUX_SSA_IF_NOT_PRESENT = { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } as const;

export interface TokenRequestorSecretProps {
  /** Secret name (namespace `garden` of the runtime cluster). */
  readonly name: string;
  readonly namespace: string;
  /** ServiceAccount the token is issued for (created in the virtual garden). */
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
  /** Token lifetime (renewed at 80 %). @default 3h */
  readonly tokenExpiration?: string;
  /** @default VIRTUAL_GARDEN_SERVER */
  readonly server?: string;
}

/** The manifest of a token-requestor Secret whose `kubeconfig` has no credential yet. */
export function tokenRequestorSecret(props: TokenRequestorSecretProps): Record<string, unknown> {
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: virtual-garden',
    '  cluster:',
    `    server: ${props.server ?? VIRTUAL_GARDEN_SERVER}`,
    'contexts:',
    '- name: virtual-garden',
    '  context:',
    '    cluster: virtual-garden',
    '    user: flux',
    'current-context: virtual-garden',
    'users:',
    '- name: flux',
    '',
  ].join('\n');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: props.name,
      namespace: props.namespace,
      labels: { [TOKEN_REQUESTOR_PURPOSE_LABEL]: 'token-requestor', [TOKEN_REQUESTOR_CLASS_LABEL]: 'shoot' },
      annotations: {
        'serviceaccount.resources.gardener.cloud/name': props.serviceAccount.name,
        'serviceaccount.resources.gardener.cloud/namespace': props.serviceAccount.namespace,
        'serviceaccount.resources.gardener.cloud/token-expiration-duration': props.tokenExpiration ?? '3h',
        'serviceaccount.resources.gardener.cloud/inject-ca-bundle': 'true',
        ...FLUX_SSA_IF_NOT_PRESENT,
      },
    },
    stringData: { kubeconfig },
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (o: Obj, allowed: readonly string[]): boolean => Object.keys(o).every((k) => allowed.includes(k));
const isNamedList = (v: unknown, inner: string, allowedInner: readonly string[], innerRequired: boolean): boolean =>
  Array.isArray(v) &&
  v.every(
    (e) =>
      isObj(e) &&
      typeof e.name === 'string' &&
      onlyKeys(e, ['name', inner]) &&
      (e[inner] === undefined || e[inner] === null ? !innerRequired : isObj(e[inner]) && onlyKeys(e[inner] as Obj, allowedInner) && Object.values(e[inner] as Obj).every((x) => typeof x === 'string' || typeof x === 'boolean')),
  );

/**
 * True exactly for a token-requestor Secret whose only value is a kubeconfig without any
 * credential: `v1` `Secret` labelled `resources.gardener.cloud/purpose: token-requestor`, no
 * `data`, `stringData` with the single key `kubeconfig`, which parses as a `kind: Config` whose
 * clusters carry only `server` (and CA/TLS settings), whose contexts carry only cluster, user and
 * namespace, and whose users have no fields at all (no token, client certificate or key, password,
 * exec or auth-provider). Anything else (a token already set, another key, an unknown field) is
 * not recognised, and the plaintext guard treats the Secret as any other.
 */
export function isTokenRequestorKubeconfigSecret(obj: unknown): boolean {
  if (!isObj(obj) || obj.kind !== 'Secret' || obj.apiVersion !== 'v1') return false;
  const meta = obj.metadata;
  if (!isObj(meta) || !isObj(meta.labels) || meta.labels[TOKEN_REQUESTOR_PURPOSE_LABEL] !== 'token-requestor') return false;
  if (!onlyKeys(obj, ['apiVersion', 'kind', 'type', 'metadata', 'stringData'])) return false;
  if (obj.type !== undefined && obj.type !== 'Opaque') return false;
  const sd = obj.stringData;
  if (!isObj(sd) || Object.keys(sd).length !== 1 || typeof sd.kubeconfig !== 'string' || sd.kubeconfig.length > 64 * 1024) return false;
  let kc: unknown;
  try {
    kc = parse(sd.kubeconfig, { maxAliasCount: 0, uniqueKeys: true });
  } catch {
    return false;
  }
  if (!isObj(kc) || kc.kind !== 'Config' || kc.apiVersion !== 'v1') return false;
  if (!onlyKeys(kc, ['apiVersion', 'kind', 'clusters', 'contexts', 'current-context', 'users', 'preferences'])) return false;
  if (kc.preferences !== undefined && !(isObj(kc.preferences) && Object.keys(kc.preferences).length === 0)) return false;
  if (kc['current-context'] !== undefined && typeof kc['current-context'] !== 'string') return false;
  return (
    isNamedList(kc.clusters, 'cluster', ['server', 'certificate-authority-data', 'tls-server-name'], true) &&
    isNamedList(kc.contexts ?? [], 'context', ['cluster', 'user', 'namespace'], true) &&
    isNamedList(kc.users ?? [], 'user', [], false)
  );
}
