import { Yaml } from 'cdk8s';
import { k8s } from '../k8s';
import { Construct } from 'constructs';
import { assertName, assertNamespace } from '../flux/common';
import { KommanderAppDeployment, LabelSelector } from './api';

/** The label Kommander puts on every cluster: its name. */
export const CLUSTER_NAME_LABEL = 'kommander.d2iq.io/cluster-name';

/** Per-cluster configuration overrides of an AppDeployment (`spec.clusterConfigOverrides[]`). */
export interface ClusterOverride {
  /** Cluster names (label `kommander.d2iq.io/cluster-name`) this override applies to. */
  readonly clusters: readonly string[];
  /** Values for these clusters, written to ConfigMap `<name>-<first cluster>-overrides`. */
  readonly values: { readonly [key: string]: unknown };
  /** Pin another app version on these clusters. @default - the AppDeployment's version */
  readonly appVersion?: string;
}

/** Props of `AppDeployment`. */
export interface AppDeploymentProps {
  /** App id: the AppDeployment name (and so `${releaseName}`). */
  readonly name: string;
  /** Workspace namespace. @default kommander */
  readonly namespace?: string;
  /** App version: the referenced app is `<name>-<version>`. */
  readonly version: string;
  /** @default ClusterApp */
  readonly appKind?: 'ClusterApp' | 'App';
  /**
   * Helm values: written to ConfigMap `<name>-overrides` (key `values.yaml`) and referenced by
   * `spec.configOverrides`.
   * @default - no configOverrides
   */
  readonly values?: { readonly [key: string]: unknown };
  /**
   * An existing ConfigMap (same namespace) for `spec.configOverrides`, e.g. the one the installer
   * step already used; exclusive with `values`.
   * @default - the ConfigMap made from `values`, if any
   */
  readonly overridesConfigMap?: string;
  /** Deploy only to these clusters. @default - every cluster of the workspace */
  readonly clusters?: readonly string[];
  /** @default [] */
  readonly clusterOverrides?: readonly ClusterOverride[];
}

function selector(clusters: readonly string[]): LabelSelector {
  return { matchExpressions: [{ key: CLUSTER_NAME_LABEL, operator: 'In', values: [...clusters] }] };
}

/**
 * A Kommander AppDeployment, with its `configOverrides` ConfigMap (key `values.yaml`) when values
 * are given. Both live in the workspace namespace, where the AppDeployment controller reads them.
 */
export class AppDeployment extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly resource: KommanderAppDeployment;
  /** The configOverrides ConfigMap, if any. */
  public readonly overrides?: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: AppDeploymentProps) {
    super(scope, id);
    assertName('name', props.name, 63);
    assertNamespace('namespace', props.namespace);
    if (!/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(props.version)) {
      throw new Error(`AppDeployment ${props.name}: version "${props.version}" is not a version (e.g. 3.14.1)`);
    }
    this.name = props.name;
    this.namespace = props.namespace ?? 'kommander';
    const hasValues = props.values !== undefined && Object.keys(props.values).length > 0;
    if (hasValues && props.overridesConfigMap) {
      throw new Error(`AppDeployment ${props.name}: values and overridesConfigMap are exclusive (the values belong in ConfigMap ${props.overridesConfigMap})`);
    }
    if (hasValues) {
      this.overrides = new k8s.KubeConfigMap(this, 'Overrides', {
        metadata: { name: `${this.name}-overrides`, namespace: this.namespace },
        data: { 'values.yaml': Yaml.stringify(props.values) },
      });
    }
    const clusterConfigOverrides = (props.clusterOverrides ?? []).map((o, i) => {
      if (!o.clusters.length) throw new Error(`AppDeployment ${props.name}: clusterOverrides[${i}].clusters is empty (name at least one cluster)`);
      const cmName = `${this.name}-${o.clusters[0]}-overrides`;
      new k8s.KubeConfigMap(this, `ClusterOverrides${i}`, {
        metadata: { name: cmName, namespace: this.namespace },
        data: { 'values.yaml': Yaml.stringify(o.values) },
      });
      return { clusterSelector: selector(o.clusters), configMapName: cmName, appVersion: o.appVersion };
    });
    this.resource = new KommanderAppDeployment(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        appRef: { kind: props.appKind ?? 'ClusterApp', name: `${this.name}-${props.version}` },
        configOverrides: props.overridesConfigMap ? { name: props.overridesConfigMap } : hasValues ? { name: `${this.name}-overrides` } : undefined,
        clusterSelector: props.clusters?.length ? selector(props.clusters) : undefined,
        clusterConfigOverrides: clusterConfigOverrides.length ? clusterConfigOverrides : undefined,
      },
    });
  }
}
