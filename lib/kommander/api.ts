/**
 * Hand-written L1 types for `apps.kommander.d2iq.io/v1alpha3` (no public CRD exists).
 *
 * Fields follow the DKP API reference and `nkp get appdeployment -o yaml` output (see
 * ../shared/reference/kommander.md §3): AppDeployment `spec.appRef {kind, name}`,
 * `spec.configOverrides {name}`, `spec.clusterSelector` (LabelSelector) and
 * `spec.clusterConfigOverrides[] {clusterSelector, configMapName, appVersion?}`.
 */
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: string[];
}

export interface LabelSelector {
  readonly matchLabels?: { readonly [key: string]: string };
  readonly matchExpressions?: LabelSelectorRequirement[];
}

/** `spec` of a Kommander AppDeployment (apps.kommander.d2iq.io/v1alpha3). */
export interface AppDeploymentSpec {
  readonly appRef: { readonly kind: 'ClusterApp' | 'App'; readonly name: string };
  readonly configOverrides?: { readonly name: string };
  readonly clusterSelector?: LabelSelector;
  readonly clusterConfigOverrides?: {
    readonly clusterSelector: LabelSelector;
    readonly configMapName: string;
    readonly appVersion?: string;
  }[];
}

/** Props of `KommanderAppDeployment`. */
export interface KommanderAppDeploymentProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: AppDeploymentSpec;
}

/** L1: `AppDeployment` of `apps.kommander.d2iq.io/v1alpha3`. */
export class KommanderAppDeployment extends ApiObject {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'apps.kommander.d2iq.io/v1alpha3', kind: 'AppDeployment' };

  constructor(scope: Construct, id: string, props: KommanderAppDeploymentProps) {
    super(scope, id, { ...KommanderAppDeployment.GVK, metadata: props.metadata, spec: props.spec });
  }
}

/** `spec` of a Kommander ClusterApp (apps.kommander.d2iq.io/v1alpha1). */
export interface ClusterAppSpec {
  readonly appId: string;
  readonly version: string;
  readonly gitRepositoryRef: { readonly kind: 'GitRepository'; readonly name: string; readonly namespace?: string };
}

/** L1: `ClusterApp` of `apps.kommander.d2iq.io/v1alpha3` (cluster-scoped). */
export class KommanderClusterApp extends ApiObject {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'apps.kommander.d2iq.io/v1alpha3', kind: 'ClusterApp' };

  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ClusterAppSpec }) {
    super(scope, id, { ...KommanderClusterApp.GVK, metadata: props.metadata, spec: props.spec });
  }
}
