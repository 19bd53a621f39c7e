/** Flux facts of the Gardener tree: its namespace and health expressions (`Stage.addHealthCheckExprs`). */
import { FLUX_NAMESPACE } from '../config/defaults';
import { HealthCheckExpr } from '../flux/stage';
import { GARDEN_NAMESPACE } from './defaults';
import { ExpectedComponentVersion, expectedComponentVersions, resolveComponentVector } from './vector';
import { GARDENER_INTERNAL_ACCESS_SECRET } from './virtual-garden-access';

/** What `flux bootstrap` creates by default: the namespace of a Gardener-only tree's Flux objects. */
export const FLUX_SYSTEM_NAMESPACE = 'flux-system';

/**
 * The namespace of the tree's Flux objects (root sync objects, stages, sources): `flux-system` for
 * a Gardener-only config (what `flux bootstrap` creates), the Kommander Flux namespace when the
 * Kommander tree is enabled too (both trees share one Flux).
 */
export function fluxNamespaceOf(c: { readonly kommander: { readonly enabled: boolean } }): string {
  return c.kommander.enabled ? FLUX_NAMESPACE : FLUX_SYSTEM_NAMESPACE;
}

/**
 * cert-management and external-dns-management report `.status.state` (no conditions). Fields are
 * guarded with `has()`: until the controller writes the status, the object counts as in progress.
 */
export function stateHealth(apiVersion: string, kind: string): HealthCheckExpr {
  return { apiVersion, kind, current: "has(status.state) && status.state == 'Ready'", failed: "has(status.state) && status.state == 'Error'" };
}

/**
 * Objects outside the tree that a Gardener tree relies on, for `check`: gardener-operator's own
 * in-cluster kubeconfig of the virtual garden (Secret `garden/gardener-internal`), which stage
 * `gardener-virtual-garden-rbac` applies with. Empty without an enabled gardener section.
 */
export function gardenerExternals(c: { readonly gardener?: unknown }): string[] {
  const g = c.gardener as { readonly enabled?: boolean } | undefined;
  return g && g.enabled !== false ? [`Secret/${GARDEN_NAMESPACE}/${GARDENER_INTERNAL_ACCESS_SECRET}`] : [];
}

/** API groups gardener-apiserver serves in the virtual garden (no CRDs): the Gardenlet, CloudProfiles, Projects. */
export function gardenerExternalApis(c: { readonly gardener?: unknown }): string[] {
  return c.gardener ? ['seedmanagement.gardener.cloud', 'core.gardener.cloud'] : [];
}

/** The version set of an enabled gardener section, as `check` compares it (rule component-version). */
export function gardenerComponentVersions(c: { readonly baseDir: string; readonly gardener?: unknown }): ExpectedComponentVersion[] {
  const g = c.gardener as { readonly enabled?: boolean; readonly componentVector?: string } | undefined;
  return g && g.enabled !== false ? expectedComponentVersions(resolveComponentVector(c.baseDir, g.componentVector)) : [];
}
