/**
 * Flux Kustomization features the Stage L2 does not expose yet, set on its L1 object:
 * `spec.healthCheckExprs` (CEL health of custom resources, Flux ≥ 2.5) and `spec.kubeConfig`
 * (apply into another cluster, here the virtual garden).
 */
import { JsonPatch } from 'cdk8s';
import { Stage } from '../flux/stage';

/** A CEL health expression set for one kind (`spec.healthCheckExprs[]`). */
export interface HealthCheckExpr {
  readonly apiVersion: string;
  readonly kind: string;
  /** True when the object is healthy. */
  readonly current: string;
  /** True when it failed. @default - none */
  readonly failed?: string;
  /** True while it is reconciling. @default - none */
  readonly inProgress?: string;
}

/** Sets `spec.healthCheckExprs` of the stage's Kustomization (call once per stage). */
export function setHealthCheckExprs(stage: Stage, exprs: readonly HealthCheckExpr[]): void {
  stage.resource.addJsonPatch(
    JsonPatch.add(
      '/spec/healthCheckExprs',
      exprs.map((e) => ({
        apiVersion: e.apiVersion,
        kind: e.kind,
        ...(e.inProgress ? { inProgress: e.inProgress } : {}),
        ...(e.failed ? { failed: e.failed } : {}),
        current: e.current,
      })),
    ),
  );
}

/**
 * Makes the stage apply its folder into another cluster: `spec.kubeConfig.secretRef`. Flux reads
 * the Secret in the stage's own namespace.
 */
export function setKubeConfig(stage: Stage, secretName: string, key: string): void {
  stage.resource.addJsonPatch(JsonPatch.add('/spec/kubeConfig', { secretRef: { name: secretName, key } }));
}

/**
 * cert-management and external-dns-management report `.status.state` (no conditions). Fields are
 * guarded with `has()`: until the controller writes the status, the object counts as in progress.
 */
export function stateHealth(apiVersion: string, kind: string): HealthCheckExpr {
  return { apiVersion, kind, current: "has(status.state) && status.state == 'Ready'", failed: "has(status.state) && status.state == 'Error'" };
}
