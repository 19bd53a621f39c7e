import { isObject } from '../check/tree';
import { deepEqual, getPath } from './fields';

/**
 * Changes that make Flux (or the controller behind the object) delete and re-create something
 * instead of updating it in place, that NO CRD declares: immutability a CRD declares (a transition
 * rule such as the Garden's `self == oldSelf` on spec.virtualCluster.etcd.main.backup.region) is
 * evaluated from the CRD itself (diff `refusedReasons`), so it is not repeated here.
 * What is left: controller behaviour (helm-controller, cert-manager, cert-management) and the
 * built-in API's immutable fields, validated in Go code of the API server, not by a schema.
 * Every entry names its source.
 */
export interface ImmutableRule {
  /** `group/Kind` (`''` group for the core API, e.g. `/Service`). */
  readonly kind: string;
  /** Dotted field paths (no list indices); the whole subtree counts. */
  readonly fields: readonly string[];
  /** What happens when one changes. `{field}` is replaced by the field path. */
  readonly effect: string;
  /** True for API-server-immutable fields: the apply fails unless Flux is allowed to force. */
  readonly apiServer?: boolean;
  /** Optional condition on the new object: the rule applies only when it returns true. */
  readonly when?: (after: unknown) => boolean;
  /** Where the behaviour is defined (upstream file at a tag). */
  readonly source: string;
}

const K8S_APPS = 'kubernetes v1.31 pkg/apis/apps/validation/validation.go (ValidateDeploymentUpdate, ValidateDaemonSetUpdate, ValidateStatefulSetUpdate)';
const K8S_CORE = 'kubernetes v1.31 pkg/apis/core/validation/validation.go';

export const IMMUTABLE_RULES: readonly ImmutableRule[] = [
  {
    kind: 'helm.toolkit.fluxcd.io/HelmRelease',
    fields: ['spec.chart.spec.chart'],
    effect: 'the chart name changed: helm-controller UNINSTALLS the release and installs the new chart (chartNameChangeStrategy Reinstall)',
    when: (after) => getPath(after, 'spec.upgrade.chartNameChangeStrategy') !== 'InPlaceUpdate',
    source: 'fluxcd/helm-controller internal/action/verify.go ReleaseTargetChanged (the chart name is part of the release target; a changed target is uninstalled first)',
  },
  {
    kind: 'helm.toolkit.fluxcd.io/HelmRelease',
    fields: ['spec.releaseName', 'spec.targetNamespace', 'spec.storageNamespace'],
    effect: '{field} changed: helm-controller UNINSTALLS the old Helm release (deleting its resources) and installs a new one',
    source: 'fluxcd/helm-controller internal/action/verify.go ReleaseTargetChanged (storage namespace, release namespace and ShortenName(GetReleaseName()) form the release target)',
  },
  {
    kind: 'cert-manager.io/Certificate',
    fields: ['spec.secretName'],
    effect: 'spec.secretName changed: cert-manager issues a NEW certificate into a new Secret; consumers of the old Secret must switch, and the old Secret is left behind',
    source: 'cert-manager v1.21.1 behaviour (no CRD rule): the certificates controller issues into the Secret that spec.secretName names',
  },
  {
    kind: 'cert.gardener.cloud/Certificate',
    fields: ['spec.secretName', 'spec.secretRef'],
    effect: '{field} changed: cert-management issues a NEW certificate into another Secret',
    source: 'gardener/cert-management behaviour (no CRD rule): the certificate is issued into the Secret that secretName/secretRef names',
  },
  { kind: 'apps/Deployment', fields: ['spec.selector'], effect: '{field} is immutable', apiServer: true, source: K8S_APPS },
  { kind: 'apps/DaemonSet', fields: ['spec.selector'], effect: '{field} is immutable', apiServer: true, source: K8S_APPS },
  { kind: 'apps/StatefulSet', fields: ['spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'], effect: '{field} is immutable', apiServer: true, source: K8S_APPS },
  { kind: 'batch/Job', fields: ['spec.selector', 'spec.template', 'spec.completionMode'], effect: '{field} is immutable', apiServer: true, source: 'kubernetes v1.31 pkg/apis/batch/validation/validation.go ValidateJobSpecUpdate' },
  { kind: '/Service', fields: ['spec.clusterIP', 'spec.clusterIPs'], effect: '{field} is immutable', apiServer: true, source: K8S_CORE },
  { kind: '/PersistentVolumeClaim', fields: ['spec.storageClassName', 'spec.accessModes', 'spec.volumeName', 'spec.volumeMode', 'spec.selector'], effect: '{field} is immutable', apiServer: true, source: K8S_CORE },
  { kind: 'rbac.authorization.k8s.io/RoleBinding', fields: ['roleRef'], effect: '{field} is immutable', apiServer: true, source: 'kubernetes v1.31 pkg/apis/rbac/validation/validation.go (roleRef is immutable)' },
  { kind: 'rbac.authorization.k8s.io/ClusterRoleBinding', fields: ['roleRef'], effect: '{field} is immutable', apiServer: true, source: 'kubernetes v1.31 pkg/apis/rbac/validation/validation.go (roleRef is immutable)' },
  { kind: 'storage.k8s.io/StorageClass', fields: ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'], effect: '{field} is immutable', apiServer: true, source: 'kubernetes v1.31 pkg/apis/storage/validation/validation.go ValidateStorageClassUpdate' },
  { kind: '/ConfigMap', fields: ['data', 'binaryData'], effect: '{field} of an immutable ConfigMap changed', apiServer: true, when: (after) => isObject(after) && after.immutable === true, source: K8S_CORE },
  { kind: '/Secret', fields: ['data', 'stringData'], effect: '{field} of an immutable Secret changed', apiServer: true, when: (after) => isObject(after) && after.immutable === true, source: K8S_CORE },
];

/**
 * Why changing `before` into `after` recreates the object (empty when it is an in-place update).
 * `force` says whether Flux may delete and re-create on an immutable-field error
 * (Kustomization `spec.force`, or the object's `kustomize.toolkit.fluxcd.io/force: enabled`).
 */
export function recreateReasons(groupKind: string, before: unknown, after: unknown, force: boolean, rules: readonly ImmutableRule[] = IMMUTABLE_RULES): string[] {
  const out: string[] = [];
  for (const r of rules) {
    if (r.kind !== groupKind || (r.when && !r.when(after))) continue;
    for (const f of r.fields) {
      if (deepEqual(getPath(before, f), getPath(after, f))) continue;
      let msg = r.effect.replace('{field}', f);
      if (r.apiServer) {
        msg += force
          ? '; Flux DELETES and RE-CREATES the object (force is enabled)'
          : '; the apply FAILS unless Flux may force it (spec.force: true on the Kustomization, or the annotation kustomize.toolkit.fluxcd.io/force: enabled), which deletes and re-creates the object';
      }
      out.push(msg);
    }
  }
  return out;
}
