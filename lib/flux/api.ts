import { Construct } from 'constructs';
import { compareCodeUnits } from '../order';

/**
 * The API version (`group/version`) in which each Flux kind is emitted.
 *
 * A Kommander release runs on the Flux it ships, so a tree synthesized for that release must
 * use the versions that Flux serves: `readRelease(path).fluxApi` derives them from the release's
 * own CRDs (e.g. v2.8.3 / Flux 2.2.3: HelmRelease `helm.toolkit.fluxcd.io/v2beta2`, HelmRepository
 * and OCIRepository `source.toolkit.fluxcd.io/v1beta2`; v2.17.1 / Flux 2.7.2: `v2` / `v1` / `v1`).
 *
 * The L2 constructs of `lib/flux` take it in one of two ways (the prop wins):
 * - the `fluxApi` prop of the construct;
 * - the construct-tree context value {@link FLUX_API_CONTEXT} (`'fluxApi'`), set once on the chart
 *   (or app) before any Flux construct is added: `chart.node.setContext(FLUX_API_CONTEXT, release.fluxApi)`.
 * Without either they emit {@link FLUX_2_9_API}.
 */
export interface FluxApi {
  /**
   * The Flux version these API versions were read from (`2.2.3`); feature checks that one
   * apiVersion alone cannot decide (e.g. Kustomization v1 `healthCheckExprs`, Flux >= 2.5) use it.
   * @default - Flux 2.9.4 (the project's CRDs)
   */
  readonly flux?: string;
  /** `helm.toolkit.fluxcd.io/<v>` of HelmRelease. */
  readonly helmRelease: string;
  /** `kustomize.toolkit.fluxcd.io/<v>` of Kustomization. */
  readonly kustomization: string;
  /** `source.toolkit.fluxcd.io/<v>` of GitRepository. */
  readonly gitRepository: string;
  /** `source.toolkit.fluxcd.io/<v>` of HelmRepository. */
  readonly helmRepository: string;
  /** `source.toolkit.fluxcd.io/<v>` of OCIRepository. */
  readonly ociRepository: string;
  /** `source.toolkit.fluxcd.io/<v>` of HelmChart. */
  readonly helmChart: string;
  /** `source.toolkit.fluxcd.io/<v>` of Bucket. */
  readonly bucket: string;
  /** `notification.toolkit.fluxcd.io/<v>` of Alert. @default - not served by that Flux */
  readonly alert?: string;
  /** `notification.toolkit.fluxcd.io/<v>` of Provider. @default - not served by that Flux */
  readonly provider?: string;
  /** `notification.toolkit.fluxcd.io/<v>` of Receiver. @default - not served by that Flux */
  readonly receiver?: string;
}

/** The FluxApi field of each Flux kind (`kind` as the CRD's `spec.names.kind` spells it). */
export const FLUX_KINDS = {
  HelmRelease: 'helmRelease',
  Kustomization: 'kustomization',
  GitRepository: 'gitRepository',
  HelmRepository: 'helmRepository',
  OCIRepository: 'ociRepository',
  HelmChart: 'helmChart',
  Bucket: 'bucket',
  Alert: 'alert',
  Provider: 'provider',
  Receiver: 'receiver',
} as const satisfies Record<string, keyof FluxApi>;

/** The kinds every FluxApi must name (the notification kinds are optional). */
export const REQUIRED_FLUX_KINDS = ['HelmRelease', 'Kustomization', 'GitRepository', 'HelmRepository', 'OCIRepository', 'HelmChart', 'Bucket'] as const;

/** Flux 2.9 (the CRDs in ../shared/crds/flux, which `imports/*.toolkit.fluxcd.io.ts` are generated from). */
export const FLUX_2_9_API: FluxApi = Object.freeze({
  flux: '2.9.4',
  helmRelease: 'helm.toolkit.fluxcd.io/v2',
  kustomization: 'kustomize.toolkit.fluxcd.io/v1',
  gitRepository: 'source.toolkit.fluxcd.io/v1',
  helmRepository: 'source.toolkit.fluxcd.io/v1',
  ociRepository: 'source.toolkit.fluxcd.io/v1',
  helmChart: 'source.toolkit.fluxcd.io/v1',
  bucket: 'source.toolkit.fluxcd.io/v1',
  alert: 'notification.toolkit.fluxcd.io/v1beta3',
  provider: 'notification.toolkit.fluxcd.io/v1beta3',
  receiver: 'notification.toolkit.fluxcd.io/v1',
});

/** Construct-tree context key holding a {@link FluxApi} (see FluxApi). */
export const FLUX_API_CONTEXT = 'fluxApi';

/**
 * The FluxApi a Flux construct under `scope` emits: `override` when given, else the
 * {@link FLUX_API_CONTEXT} context value, else {@link FLUX_2_9_API}.
 */
export function fluxApiOf(scope: Construct, override?: FluxApi): FluxApi {
  if (override) return override;
  const ctx = scope.node.tryGetContext(FLUX_API_CONTEXT) as FluxApi | undefined;
  if (ctx === undefined) return FLUX_2_9_API;
  if (typeof ctx !== 'object' || ctx === null || typeof (ctx as FluxApi).helmRelease !== 'string') {
    throw new Error(`context ${FLUX_API_CONTEXT}: ${JSON.stringify(ctx)} is not a FluxApi (set it to readRelease(path).fluxApi)`);
  }
  return ctx;
}

/** The version part of an apiVersion (`helm.toolkit.fluxcd.io/v2beta2` -> `v2beta2`). */
export function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}

/**
 * Kubernetes version priority (GA > beta > alpha; then major, then minor, descending), as
 * apimachinery's `CompareKubeAwareVersionStrings`. Returns < 0 when `a` is the newer.
 */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return [Number(m[1]), m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, m[3] === undefined ? 0 : Number(m[3])];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) {
    if (pa) return -1;
    if (pb) return 1;
    return compareCodeUnits(a, b);
  }
  if (pa[1] !== pb[1]) return pb[1] - pa[1];
  if (pa[0] !== pb[0]) return pb[0] - pa[0];
  return pb[2] - pa[2];
}
