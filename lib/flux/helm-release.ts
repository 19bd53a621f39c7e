import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as helm from '../../imports/helm.toolkit.fluxcd.io';
import { FluxApi, fluxApiOf } from './api';
import { assertDuration, assertName, assertNamespace, ObjectRef } from './common';
import { requireFeature } from './features';
import { fluxL1 } from './l1';
import { HelmRepository, OciRepository } from './sources';
import { lazyValue } from '../tree/lazy';

/** A `valuesFrom` entry. Flux resolves it in the HelmRelease's own namespace. */
export interface ValuesReference {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
  /** @default values.yaml */
  readonly valuesKey?: string;
  /** @default - merged at the root */
  readonly targetPath?: string;
  /** @default false */
  readonly optional?: boolean;
}

/** Install or upgrade remediation of a HelmRelease (`spec.install.remediation` / `spec.upgrade.remediation`). */
export interface RemediationProps {
  /** Retries before giving up (-1: forever). @default 3 */
  readonly retries?: number;
  /** Roll back / uninstall the last failure too. @default true */
  readonly remediateLastFailure?: boolean;
}

/** Props of `HelmRelease`. */
export interface HelmReleaseProps {
  /** metadata.name */
  readonly name: string;
  readonly namespace: string;
  /** Chart name in the repository (HelmRepository sources). @default - required for HelmRepository sources */
  readonly chart?: string;
  /** Exact chart version (HelmRepository sources). @default - required for HelmRepository sources */
  readonly version?: string;
  /** Where the chart comes from: a HelmRepository (`chart.spec`) or an OCIRepository (`chartRef`). */
  readonly source: HelmRepository | OciRepository;
  /** Namespace the chart is installed into. @default - the HelmRelease's namespace */
  readonly targetNamespace?: string;
  /** Helm release name. @default - Flux's default (`[<targetNamespace>-]<name>`) */
  readonly releaseName?: string;
  /** @default 10m */
  readonly interval?: string;
  /** Timeout of Helm operations. @default 10m */
  readonly timeout?: string;
  /** Inline values. They take precedence over `valuesFrom` (Flux merges them last). @default {} */
  readonly values?: { readonly [key: string]: unknown };
  /** @default [] */
  readonly valuesFrom?: readonly ValuesReference[];
  /** Install remediation. @default {retries: 3} */
  readonly installRemediation?: RemediationProps;
  /** Upgrade remediation. @default {retries: 3, remediateLastFailure: true} */
  readonly upgradeRemediation?: RemediationProps;
  /** CRD policy on install and upgrade. @default CreateReplace */
  readonly crds?: 'Skip' | 'Create' | 'CreateReplace';
  /** Create the target namespace on install. @default false */
  readonly createNamespace?: boolean;
  /** HelmReleases that must be ready first. @default [] */
  readonly dependsOn?: readonly HelmRelease[];
  /** @default {} */
  readonly labels?: { readonly [key: string]: string };
  /**
   * The Flux API versions to emit (`fluxApi.helmRelease`). An OCIRepository source (`chartRef`)
   * needs a Flux that has HelmRelease `spec.chartRef` (>= 2.3; not Flux 2.2.3 of Kommander v2.8.3).
   * @default - the `fluxApi` context value of the construct tree, else FLUX_2_9_API
   */
  readonly fluxApi?: FluxApi;
}

const CRDS: Record<string, helm.HelmReleaseSpecInstallCrds> = {
  Skip: helm.HelmReleaseSpecInstallCrds.SKIP,
  Create: helm.HelmReleaseSpecInstallCrds.CREATE,
  CreateReplace: helm.HelmReleaseSpecInstallCrds.CREATE_REPLACE,
};
const UPGRADE_CRDS: Record<string, helm.HelmReleaseSpecUpgradeCrds> = {
  Skip: helm.HelmReleaseSpecUpgradeCrds.SKIP,
  Create: helm.HelmReleaseSpecUpgradeCrds.CREATE,
  CreateReplace: helm.HelmReleaseSpecUpgradeCrds.CREATE_REPLACE,
};

/**
 * A Flux HelmRelease, emitted at the apiVersion of its FluxApi (`helm.toolkit.fluxcd.io/v2` by
 * default; `v2beta2` for Flux 2.2.3) with the L1 class generated from that Flux's CRD.
 */
export class HelmRelease extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** Chart name (the OCIRepository's name for chartRef releases). */
  public readonly chart: string;
  /** The emitted apiVersion. */
  public readonly apiVersion: string;
  public readonly resource: ApiObject;
  private readonly dependencies: HelmRelease[] = [];

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id);
    assertName('name', props.name);
    assertNamespace('namespace', props.namespace);
    assertNamespace('targetNamespace', props.targetNamespace);
    assertDuration('interval', props.interval);
    assertDuration('timeout', props.timeout);
    this.name = props.name;
    this.namespace = props.namespace;
    const api = fluxApiOf(this, props.fluxApi);
    this.apiVersion = api.helmRelease;
    const src = props.source;
    let chart: helm.HelmReleaseSpecChart | undefined;
    let chartRef: helm.HelmReleaseSpecChartRef | undefined;
    if (src instanceof HelmRepository) {
      if (!props.chart || !props.version) {
        throw new Error(`HelmRelease ${props.name}: chart and version are required with a HelmRepository source (e.g. chart: "gatekeeper", version: "3.14.1")`);
      }
      if (!/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(props.version) && !props.version.includes('${')) {
        throw new Error(`HelmRelease ${props.name}: version "${props.version}" is not an exact chart version (pin it, e.g. 3.14.1)`);
      }
      this.chart = props.chart;
      chart = {
        spec: {
          chart: props.chart,
          version: props.version,
          sourceRef: {
            kind: helm.HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY,
            name: src.name,
            namespace: src.namespace === props.namespace ? undefined : src.namespace,
          },
        },
      };
    } else {
      if (props.chart !== undefined || props.version !== undefined) {
        throw new Error(`HelmRelease ${props.name}: chart and version come from the OCIRepository's ref with a chartRef source (remove them)`);
      }
      requireFeature(api, 'helmReleaseChartRef', this.apiVersion, `HelmRelease ${props.name}`, 'source', `OCIRepository ${src.name}`);
      this.chart = src.name;
      chartRef = {
        kind: helm.HelmReleaseSpecChartRefKind.OCI_REPOSITORY,
        name: src.name,
        namespace: src.namespace === props.namespace ? undefined : src.namespace,
      };
    }
    for (const d of props.dependsOn ?? []) this.addDependsOn(d);
    const crds = props.crds ?? 'CreateReplace';
    const values = props.values && Object.keys(props.values).length ? props.values : undefined;
    const L1 = fluxL1('HelmRelease', this.apiVersion, api);
    const l1Props: helm.HelmReleaseProps = {
      metadata: { name: this.name, namespace: this.namespace, labels: props.labels },
      spec: {
        interval: props.interval ?? '10m',
        timeout: props.timeout ?? '10m',
        chart,
        chartRef,
        releaseName: props.releaseName,
        targetNamespace: props.targetNamespace,
        install: {
          crds: CRDS[crds],
          createNamespace: props.createNamespace || undefined,
          remediation: { retries: props.installRemediation?.retries ?? 3 },
        },
        upgrade: {
          crds: UPGRADE_CRDS[crds],
          remediation: {
            retries: props.upgradeRemediation?.retries ?? 3,
            remediateLastFailure: props.upgradeRemediation?.remediateLastFailure ?? true,
          },
        },
        dependsOn: lazyValue<helm.HelmReleaseSpecDependsOn[]>(() =>
          this.dependencies.length ? this.dependencies.map((d) => ({ name: d.name, namespace: d.namespace === this.namespace ? undefined : d.namespace })) : undefined,
        ),
        values,
        valuesFrom: props.valuesFrom?.length
          ? props.valuesFrom.map((v) => ({
            kind: v.kind === 'Secret' ? helm.HelmReleaseSpecValuesFromKind.SECRET : helm.HelmReleaseSpecValuesFromKind.CONFIG_MAP,
            name: v.name,
            valuesKey: v.valuesKey ?? 'values.yaml',
            targetPath: v.targetPath,
            optional: v.optional || undefined,
          }))
          : undefined,
      },
    };
    this.resource = new L1(this, 'Resource', l1Props);
  }

  /** Makes this release wait for another HelmRelease to be ready. */
  public addDependsOn(release: HelmRelease): void {
    if (release === this) throw new Error(`HelmRelease ${this.name}: a release cannot depend on itself`);
    if (!this.dependencies.includes(release)) this.dependencies.push(release);
  }

  /** This release as a health check target. */
  public get ref(): ObjectRef {
    return { apiVersion: this.apiVersion, kind: 'HelmRelease', name: this.name, namespace: this.namespace };
  }
}
