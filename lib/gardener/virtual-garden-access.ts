/**
 * Flux's own identity in the virtual garden: the token-requestor Secret in the runtime cluster
 * (token issued and rotated by Gardener, see `token-requestor.ts`) and the ClusterRoleBinding
 * that authorises its ServiceAccount in the virtual garden.
 *
 * gardener-landscape-kit grants that binding through a ManagedResource whose Secret carries the
 * ClusterRoleBinding in plain text (`pkg/components/gardener/virtual-garden-access/templates/base/
 * virtual-garden-access-flux.yaml` at tag v0.3.0). This tree commits no readable Secret, so the
 * binding is an ordinary object applied into the virtual garden by a stage of its own, with the
 * kubeconfig gardener-operator maintains for Gardener's own in-cluster access (Secret
 * `gardener-internal` in `garden`, ServiceAccount bound to cluster-admin;
 * `pkg/component/gardener/access/access.go` at gardener v1.146.4).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../k8s';
import { HealthCheckExpr } from '../flux/stage';
import { tokenRequestorSecret } from './token-requestor';

/** The token-requestor Secret of Flux in `garden` (runtime cluster), and its ServiceAccount in the virtual garden. */
export const FLUX_ACCESS_SECRET = 'shoot-access-flux';
export const FLUX_SERVICE_ACCOUNT = { name: 'flux', namespace: 'kube-system' } as const;
/** gardener-operator's own in-cluster access to the virtual garden (`v1beta1constants.SecretNameGardenerInternal`). */
export const GARDENER_INTERNAL_ACCESS_SECRET = 'gardener-internal';
/** Key of the kubeconfig in both Secrets. */
export const KUBECONFIG_KEY = 'kubeconfig';

/**
 * Healthy once the TokenRequestor wrote a token: it sets the renew timestamp annotation with every
 * token it writes (`pkg/controller/tokenrequestor/reconciler.go` at gardener v1.146.4).
 */
export const TOKEN_ISSUED_HEALTH: HealthCheckExpr = {
  apiVersion: 'v1',
  kind: 'Secret',
  current: "has(metadata.annotations) && 'serviceaccount.resources.gardener.cloud/token-renew-timestamp' in metadata.annotations",
};

export interface VirtualGardenAccessProps {
  /** Namespace of the Secret (`garden`: the TokenRequestor acts there only). */
  readonly namespace: string;
  /** @default shoot-access-flux */
  readonly secretName?: string;
}

/** The token-requestor Secret (runtime cluster). */
export class VirtualGardenAccessSecret extends Construct {
  public readonly secretName: string;
  public readonly namespace: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: VirtualGardenAccessProps) {
    super(scope, id);
    this.secretName = props.secretName ?? FLUX_ACCESS_SECRET;
    this.namespace = props.namespace;
    const manifest = tokenRequestorSecret({ name: this.secretName, namespace: this.namespace, serviceAccount: FLUX_SERVICE_ACCOUNT });
    this.resource = new ApiObject(this, 'Resource', manifest as any);
  }
}

/** The ClusterRoleBinding of Flux's ServiceAccount in the virtual garden (cluster-admin, as gardener-landscape-kit's). */
export class VirtualGardenFluxBinding extends Construct {
  public static readonly NAME = 'mgmt-synth-flux';

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new k8s.KubeClusterRoleBinding(this, 'Resource', {
      metadata: { name: VirtualGardenFluxBinding.NAME },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: FLUX_SERVICE_ACCOUNT.name, namespace: FLUX_SERVICE_ACCOUNT.namespace }],
    });
  }
}
