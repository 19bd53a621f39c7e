import { compareSemver } from '../kommander/release/semver';
import { FluxApi } from './api';

/**
 * Fields of the L2 constructs that not every Flux serves. Checked against the CRDs: Flux 2.2.3
 * (kommander-applications v2.8.3, `services/kommander-flux/2.2.3/templates`) has neither
 * HelmRelease `spec.chartRef` (v2beta1, v2beta2) nor Kustomization `spec.healthCheckExprs` (v1);
 * Flux 2.7.2 (v2.17.1, `applications/kommander-flux/bootstrap-flux.yaml`) and 2.9.4 have both
 * (test/flux-api.test.ts reads the CRD schemas to keep this table honest).
 */
export const FLUX_FEATURES = {
  /** `HelmRelease.spec.chartRef` (OCIRepository/HelmChart as chart source): helm-controller v1.0.0, Flux 2.3.0. */
  helmReleaseChartRef: { kind: 'HelmRelease', field: 'spec.chartRef', since: '2.3.0', apiVersions: ['helm.toolkit.fluxcd.io/v2', 'helm.toolkit.fluxcd.io/v2beta2'] },
  /** `Kustomization.spec.healthCheckExprs` (CEL health checks): kustomize-controller v1.5.0, Flux 2.5.0. */
  kustomizationHealthCheckExprs: { kind: 'Kustomization', field: 'spec.healthCheckExprs', since: '2.5.0', apiVersions: ['kustomize.toolkit.fluxcd.io/v1'] },
} as const;

export type FluxFeature = keyof typeof FLUX_FEATURES;

/** True when the Flux that `api` describes (Flux 2.9.4 when `api.flux` is unset) has the feature at the chosen apiVersion. */
export function hasFeature(api: FluxApi, feature: FluxFeature, apiVersion: string): boolean {
  const f = FLUX_FEATURES[feature];
  if (!(f.apiVersions as readonly string[]).includes(apiVersion)) return false;
  return api.flux === undefined || compareSemver(api.flux, f.since) >= 0;
}

/**
 * Throws, naming the construct, the prop, its value and the fix, when `api`'s Flux lacks the
 * feature that prop needs.
 */
export function requireFeature(api: FluxApi, feature: FluxFeature, apiVersion: string, where: string, prop: string, value: string): void {
  if (hasFeature(api, feature, apiVersion)) return;
  const f = FLUX_FEATURES[feature];
  throw new Error(
    `${where}: ${prop}: ${value} needs ${f.kind} ${f.field}, which ${apiVersion}${api.flux ? ` of Flux ${api.flux}` : ''} does not have ` +
      `(it needs Flux >= ${f.since} with ${f.apiVersions.join(' or ')}); ` +
      (feature === 'helmReleaseChartRef'
        ? 'use a HelmRepository source (type: oci for an OCI registry) with chart and version instead'
        : 'use healthChecks on objects with kstatus conditions instead, or a release whose Flux serves it'),
  );
}
