/** Health expressions for Gardener's custom resources (`Stage.addHealthCheckExprs`). */
import { HealthCheckExpr } from '../flux/stage';

/**
 * cert-management and external-dns-management report `.status.state` (no conditions). Fields are
 * guarded with `has()`: until the controller writes the status, the object counts as in progress.
 */
export function stateHealth(apiVersion: string, kind: string): HealthCheckExpr {
  return { apiVersion, kind, current: "has(status.state) && status.state == 'Ready'", failed: "has(status.state) && status.state == 'Error'" };
}
