/**
 * The interface between the Gardener tree and its `gardener` stage module.
 *
 * The configuration and pre-gardener stages are the same whichever way Gardener itself is
 * installed; the module builds the rest. `operator` (gardener-operator, `Garden`, `Gardenlet`) is
 * the one implemented; 23KE's chart-based variant (etcd, garden-kube-apiserver,
 * gardener-controlplane and gardenlet charts) would be a second implementation of
 * `GardenerStageModule`, registered in `GARDENER_STAGE_MODULES`, without touching the other stages.
 */
import { Construct } from 'constructs';
import { PlatformConfig } from '../config/types';
import { HelmRelease } from '../flux/helm-release';
import { Stage, StageProps } from '../flux/stage';
import { GardenerConfig, GardenerValues } from './config';
import { GardenerSecrets, ResolvedSecret } from './secrets';
import { ComponentVector } from './vector';

/** A component installed by a HelmRelease in the Flux namespace. */
export interface ComponentRelease {
  /** Component id: HelmRelease and Helm release name, `<id>-base-values`, `<id>-values`. */
  readonly component: string;
  /** Chart repository URL (`https://…` or `oci://…`). */
  readonly repository: string;
  readonly chart: string;
  /** Exact chart version. */
  readonly version: string;
  /** Namespace the chart is installed into. */
  readonly targetNamespace: string;
  /** Synthesized base values; `gardener.values.<component>` is merged over them. */
  readonly values: GardenerValues;
  /** HelmReleases that must be ready first. @default [] */
  readonly dependsOn?: readonly HelmRelease[];
  /** Helm timeout. @default 10m */
  readonly timeout?: string;
}

/** The stages every module builds upon. */
export interface GardenerBaseStages {
  /** Chart sources, base values, credential Secrets. */
  readonly configuration: Stage;
  /**
   * The Issuer, the DNSProvider and the trusted wildcard certificate (Secret labelled
   * `gardener.cloud/role: garden-cert`). @default - none (no `gardener.issuer`)
   */
  readonly preGardenerResources?: Stage;
}

/** What a module may use and add to. */
export interface GardenerStageContext {
  readonly platform: PlatformConfig;
  readonly config: GardenerConfig;
  /** The released version set every version and chart reference comes from. */
  readonly vector: ComponentVector;
  /** Namespace of the tree's Flux objects in the runtime cluster. */
  readonly fluxNamespace: string;
  readonly secrets: GardenerSecrets;
  readonly stages: GardenerBaseStages;
  /** A stage of the tree: Kustomization `gardener-<id>`, folder `gardener/<id>`. */
  stage(id: string, description: string, extra?: Partial<StageProps>): Stage;
  /**
   * A HelmRelease of a component in `stage`, with its chart source and its `<component>-base-values`
   * ConfigMap in the configuration stage, and the optional `<component>-values` Secret slot.
   */
  helmRelease(stage: Stage, release: ComponentRelease): HelmRelease;
  /** Copies the committed ones among `secrets` into `stage` (SOPS decryption on). */
  applySecrets(stage: Stage, ...secrets: (ResolvedSecret | undefined)[]): void;
}

/** What a module built. */
export interface GardenerStageResult {
  /** Its stages by id. */
  readonly stages: { readonly [id: string]: Stage };
}

/** Builds the `gardener` stage(s) of the landscape. */
export interface GardenerStageModule {
  /** The `gardener.mode` it implements. */
  readonly mode: string;
  build(scope: Construct, ctx: GardenerStageContext): GardenerStageResult;
}
