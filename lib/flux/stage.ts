import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as kustomize from '../../imports/kustomize.toolkit.fluxcd.io';
import { DEFAULTS } from '../config/defaults';
import { Folder } from '../tree/folder';
import { lazyValue } from '../tree/lazy';
import { jsonOf } from '../tree/json';
import { FluxApi, fluxApiOf } from './api';
import { assertDuration, assertName, assertNamespace, ObjectRef, refOf, usesVariables } from './common';
import { requireFeature } from './features';
import { fluxL1 } from './l1';
import { FLUX_OBJECT_NAMESPACE, ISource } from './sources';
import { byKey } from '../order';

/** A CEL health expression set for one kind (`spec.healthCheckExprs[]`, Flux ≥ 2.5). */
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

/** A `postBuild.substituteFrom` entry. Flux resolves it in the Kustomization's own namespace. */
export interface SubstitutionSource {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
  /** @default false */
  readonly optional?: boolean;
}

/** Props of `Stage`. */
export interface StageProps {
  /** Name of the Flux Kustomization. */
  readonly name: string;
  /** Namespace of the Flux Kustomization. @default kommander-flux */
  readonly namespace?: string;
  /** Repository folder the stage applies, e.g. `kommander/root-ca`. */
  readonly path: string;
  /** The GitRepository holding the tree. */
  readonly source: ISource;
  /** Stages that must be ready first. @default [] */
  readonly dependsOn?: readonly Stage[];
  /** @default 10m */
  readonly interval?: string;
  /** @default 1m */
  readonly retryInterval?: string;
  /** Timeout of apply and health checks. @default 10m (DEFAULTS.fluxTimeout, as `flux.timeout`) */
  readonly timeout?: string;
  /** Wait for every applied object to become ready (kstatus). @default true */
  readonly wait?: boolean;
  /** Delete objects removed from the folder. @default true */
  readonly prune?: boolean;
  /** Inline `postBuild.substitute` variables (they win over `substituteFrom`). @default {} */
  readonly substitute?: { readonly [key: string]: string };
  /** `postBuild.substituteFrom` sources, in the stage's namespace. @default [] */
  readonly substituteFrom?: readonly SubstitutionSource[];
  /**
   * Name of the Secret holding the age identity, in the stage's namespace: sets
   * `decryption: {provider: sops, secretRef}`.
   * @default - no decryption
   */
  readonly decryptionSecret?: string;
  /** @default - none */
  readonly targetNamespace?: string;
  /** Human description, written as an annotation. @default - none */
  readonly description?: string;
  /**
   * Apply the folder into another cluster: `spec.kubeConfig.secretRef` (Flux reads the Secret in
   * the stage's own namespace).
   * @default - the cluster Flux runs in
   */
  readonly kubeConfig?: { readonly secretName: string; readonly key: string };
  /**
   * The Flux API versions to emit (`fluxApi.kustomization`). `addHealthCheckExprs` needs a Flux
   * with Kustomization `spec.healthCheckExprs` (>= 2.5; not Flux 2.2.3 of Kommander v2.8.3).
   * @default - the `fluxApi` context value of the construct tree, else FLUX_2_9_API
   */
  readonly fluxApi?: FluxApi;
}

/**
 * A stage of the rollout: a Flux Kustomization (`kustomize.toolkit.fluxcd.io/v1`, or its FluxApi's
 * `kustomization`) together with the folder it applies.
 *
 * The Kustomization object is written into the folder of `scope` (the root folder that the root
 * Kustomization applies); the stage's content goes into `stage.folder`. Stages are ordered by
 * `dependsOn` on other Stage objects, never on strings.
 */
export class Stage extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The folder this stage applies. */
  public readonly folder: Folder;
  /** The emitted apiVersion. */
  public readonly apiVersion: string;
  public readonly resource: ApiObject;
  private readonly api: FluxApi;
  private readonly dependencies: Stage[] = [];
  private readonly checks: ObjectRef[] = [];
  private readonly substitutionSources: SubstitutionSource[];
  private decryption?: string;
  private readonly autoSources: SubstitutionSource[] = [];
  private readonly exprs: HealthCheckExpr[] = [];

  constructor(scope: Construct, id: string, props: StageProps) {
    super(scope, id);
    assertName('name', props.name);
    assertNamespace('namespace', props.namespace);
    for (const p of ['interval', 'retryInterval', 'timeout'] as const) assertDuration(p, props[p]);
    if (!Folder.find(this)) {
      throw new Error(`Stage ${props.name}: a Stage must be created inside a Folder (the folder its Kustomization is written to)`);
    }
    this.name = props.name;
    this.namespace = props.namespace ?? FLUX_OBJECT_NAMESPACE;
    this.folder = new Folder(this, 'Folder', { path: props.path });
    this.substitutionSources = [...(props.substituteFrom ?? [])];
    this.decryption = props.decryptionSecret;
    for (const d of props.dependsOn ?? []) this.addDependsOn(d);
    const src = props.source.sourceRef;
    this.api = fluxApiOf(this, props.fluxApi);
    this.apiVersion = this.api.kustomization;
    const l1Props: kustomize.KustomizationProps = {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        annotations: props.description ? { 'mgmt-synth/description': props.description } : undefined,
      },
      spec: {
        interval: props.interval ?? DEFAULTS.fluxInterval,
        retryInterval: props.retryInterval ?? DEFAULTS.fluxRetryInterval,
        timeout: props.timeout ?? DEFAULTS.fluxTimeout,
        path: `./${props.path}`,
        prune: props.prune ?? true,
        wait: props.wait ?? true,
        targetNamespace: props.targetNamespace,
        sourceRef: {
          kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY,
          name: src.name,
          namespace: src.namespace === this.namespace ? undefined : src.namespace,
        },
        dependsOn: lazyValue<kustomize.KustomizationSpecDependsOn[]>(() =>
          this.dependencies.length
            ? [...this.dependencies]
              // code-unit order, never locale-aware (byte-identical output on every machine)
              .sort(byKey((x) => x.name))
              .map((d) => ({ name: d.name, namespace: d.namespace === this.namespace ? undefined : d.namespace }))
            : undefined,
        ),
        healthChecks: lazyValue<kustomize.KustomizationSpecHealthChecks[]>(() => (this.checks.length ? this.checks.map((c) => ({ ...c })) : undefined)),
        healthCheckExprs: lazyValue<kustomize.KustomizationSpecHealthCheckExprs[]>(() =>
          this.exprs.length
            ? this.exprs.map((e) => ({ apiVersion: e.apiVersion, kind: e.kind, inProgress: e.inProgress, failed: e.failed, current: e.current }))
            : undefined,
        ),
        kubeConfig: props.kubeConfig ? { secretRef: { name: props.kubeConfig.secretName, key: props.kubeConfig.key } } : undefined,
        postBuild: lazyValue<kustomize.KustomizationSpecPostBuild>(() => {
          const sources = [...this.substitutionSources];
          if (this.autoSources.length && this.folderUsesVariables()) {
            for (const a of this.autoSources) if (!sources.some((s) => s.kind === a.kind && s.name === a.name)) sources.push(a);
          }
          const substitute = props.substitute && Object.keys(props.substitute).length ? { ...props.substitute } : undefined;
          if (!substitute && !sources.length) return undefined;
          return {
            substitute,
            substituteFrom: sources.length
              ? sources.map((s) => ({
                kind: s.kind === 'Secret' ? kustomize.KustomizationSpecPostBuildSubstituteFromKind.SECRET : kustomize.KustomizationSpecPostBuildSubstituteFromKind.CONFIG_MAP,
                name: s.name,
                optional: s.optional || undefined,
              }))
              : undefined,
          };
        }),
        decryption: lazyValue<kustomize.KustomizationSpecDecryption>(() =>
          this.decryption ? { provider: kustomize.KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: this.decryption } } : undefined,
        ),
      },
    };
    this.resource = new (fluxL1('Kustomization', this.apiVersion, this.api))(this, 'Resource', l1Props);
  }

  /** Makes this stage wait for `stage` to be ready. */
  public addDependsOn(...stages: Stage[]): void {
    for (const stage of stages) {
      if (stage === this) throw new Error(`Stage ${this.name}: a stage cannot depend on itself`);
      if (!this.dependencies.includes(stage)) this.dependencies.push(stage);
    }
  }

  /** Stages this one depends on (a copy). */
  public get dependsOn(): Stage[] {
    return [...this.dependencies];
  }

  /** Adds objects whose readiness gates the stage (`spec.healthChecks`). */
  public addHealthCheck(...targets: (ApiObject | ObjectRef)[]): void {
    for (const t of targets) {
      const ref = t instanceof ApiObject ? refOf(t) : t;
      if (!ref.apiVersion) throw new Error(`Stage ${this.name}: health check ${ref.kind}/${ref.name} needs an apiVersion`);
      this.checks.push({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace: ref.namespace });
    }
  }

  /** Adds CEL health expressions for kinds that have no kstatus conditions (`spec.healthCheckExprs`). */
  public addHealthCheckExprs(...exprs: HealthCheckExpr[]): void {
    for (const e of exprs) {
      requireFeature(this.api, 'kustomizationHealthCheckExprs', this.apiVersion, `Stage ${this.name}`, 'healthCheckExprs', `${e.apiVersion} ${e.kind}`);
      if (this.exprs.some((x) => x.apiVersion === e.apiVersion && x.kind === e.kind)) {
        throw new Error(`Stage ${this.name}: healthCheckExprs for ${e.apiVersion} ${e.kind} are set twice (one entry per kind)`);
      }
      this.exprs.push(e);
    }
  }

  /** Adds a `postBuild.substituteFrom` source (resolved in this stage's namespace). */
  public addSubstitutionSource(src: SubstitutionSource): void {
    if (!this.substitutionSources.some((s) => s.kind === src.kind && s.name === src.name)) this.substitutionSources.push(src);
  }

  /**
   * Adds a `postBuild.substituteFrom` source only if the stage's folder uses `${var}` variables
   * (decided at synth, after every object was added).
   */
  public substituteIfNeeded(src: SubstitutionSource): void {
    this.autoSources.push(src);
  }

  private folderUsesVariables(): boolean {
    return this.folder.objects.some((o) => jsonUsesVariables(jsonOf(o)));
  }

  /** Turns on SOPS decryption with the age identity in Secret `secretName` of this stage's namespace. */
  public enableDecryption(secretName: string): void {
    this.decryption = secretName;
  }

  /** This stage as a `dependsOn`/health-check reference. */
  public get ref(): ObjectRef {
    return { apiVersion: this.apiVersion, kind: 'Kustomization', name: this.name, namespace: this.namespace };
  }
}

/** True when a key or string anywhere in the JSON value uses a `${var}` (without serializing it). */
function jsonUsesVariables(v: unknown): boolean {
  if (typeof v === 'string') return usesVariables(v);
  if (Array.isArray(v)) {
    for (const x of v) if (jsonUsesVariables(x)) return true;
    return false;
  }
  if (v !== null && typeof v === 'object') {
    for (const k in v) if (usesVariables(k) || jsonUsesVariables((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}
