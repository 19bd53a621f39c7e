import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as source from '../../imports/source.toolkit.fluxcd.io';
import { FLUX_NAMESPACE } from '../config/defaults';
import { FluxApi, fluxApiOf } from './api';
import { assertDuration, assertName, assertNamespace, ObjectRef } from './common';
import { fluxL1 } from './l1';

/** Default namespace of Flux objects: the Flux namespace (one definition, lib/config/defaults.ts). */
export const FLUX_OBJECT_NAMESPACE = FLUX_NAMESPACE;

/** Something a Flux Kustomization or HelmRelease can name in `sourceRef`/`chartRef`. */
export interface ISource {
  readonly sourceRef: ObjectRef;
}

function urlIsSubstituted(url: string): boolean {
  return url.includes('${');
}

/** Props of `GitRepository`. */
export interface GitRepositoryProps {
  /** metadata.name */
  readonly name: string;
  /** @default kommander-flux */
  readonly namespace?: string;
  /** Clone URL (`https://`, `http://` or `ssh://`). */
  readonly url: string;
  /** Branch to track. @default main (unless `tag` is set) */
  readonly branch?: string;
  /** Tag to pin; wins over `branch`. @default - none */
  readonly tag?: string;
  /** Secret with the credentials, in the same namespace. @default - none (public repository) */
  readonly secretName?: string;
  /** @default 1m */
  readonly interval?: string;
  /** @default - Flux's default (60s) */
  readonly timeout?: string;
  /** @default {} */
  readonly labels?: { readonly [key: string]: string };
  /**
   * The Flux API versions to emit (`fluxApi.gitRepository`).
   * @default - the `fluxApi` context value of the construct tree, else FLUX_2_9_API
   */
  readonly fluxApi?: FluxApi;
}

/** A Flux GitRepository (`source.toolkit.fluxcd.io/v1` by default, else its FluxApi's `gitRepository`). */
export class GitRepository extends Construct implements ISource {
  public readonly name: string;
  public readonly namespace: string;
  public readonly url: string;
  /** The emitted apiVersion. */
  public readonly apiVersion: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: GitRepositoryProps) {
    super(scope, id);
    assertName('name', props.name);
    assertNamespace('namespace', props.namespace);
    assertDuration('interval', props.interval);
    assertDuration('timeout', props.timeout);
    if (!urlIsSubstituted(props.url) && !/^(https?|ssh):\/\/[^\s]+$/.test(props.url)) {
      throw new Error(`url: "${props.url}" is not a Git URL Flux can clone (use https://…, http://… or ssh://git@host/…)`);
    }
    this.name = props.name;
    this.namespace = props.namespace ?? FLUX_OBJECT_NAMESPACE;
    this.url = props.url;
    const api = fluxApiOf(this, props.fluxApi);
    this.apiVersion = api.gitRepository;
    const l1Props: source.GitRepositoryProps = {
      metadata: { name: this.name, namespace: this.namespace, labels: props.labels },
      spec: {
        interval: props.interval ?? '1m',
        timeout: props.timeout,
        url: props.url,
        ref: props.tag ? { tag: props.tag } : { branch: props.branch ?? 'main' },
        secretRef: props.secretName ? { name: props.secretName } : undefined,
      },
    };
    this.resource = new (fluxL1('GitRepository', this.apiVersion, api))(this, 'Resource', l1Props);
  }

  public get sourceRef(): ObjectRef {
    return { kind: 'GitRepository', name: this.name, namespace: this.namespace };
  }
}

/** Props of `HelmRepository`. */
export interface HelmRepositoryProps {
  readonly name: string;
  /** @default kommander-flux */
  readonly namespace?: string;
  /**
   * Repository URL: `https://…`/`http://…` for an index-based repository, `oci://…` for an OCI
   * registry (then `type` is `oci`). May be a Flux substitution such as `${helmMirrorURL:=https://…}`.
   */
  readonly url: string;
  /** @default - `oci` when the URL starts with oci://, otherwise `default` */
  readonly type?: 'default' | 'oci';
  /** @default 10m */
  readonly interval?: string;
  /** @default 1m */
  readonly timeout?: string;
  /** Secret with credentials. @default - none */
  readonly secretName?: string;
  /** Secret with a CA bundle (`ca.crt`). @default - none */
  readonly certSecretName?: string;
  /**
   * The Flux API versions to emit (`fluxApi.helmRepository`).
   * @default - the `fluxApi` context value of the construct tree, else FLUX_2_9_API
   */
  readonly fluxApi?: FluxApi;
}

/** A Flux HelmRepository, HTTP or OCI (`source.toolkit.fluxcd.io/v1` by default, else its FluxApi's `helmRepository`). */
export class HelmRepository extends Construct implements ISource {
  public readonly name: string;
  public readonly namespace: string;
  public readonly url: string;
  public readonly type: 'default' | 'oci';
  /** The emitted apiVersion. */
  public readonly apiVersion: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: HelmRepositoryProps) {
    super(scope, id);
    assertName('name', props.name);
    assertNamespace('namespace', props.namespace);
    assertDuration('interval', props.interval);
    assertDuration('timeout', props.timeout);
    const type = props.type ?? (props.url.startsWith('oci://') ? 'oci' : 'default');
    if (!urlIsSubstituted(props.url)) {
      if (type === 'oci' && !props.url.startsWith('oci://')) {
        throw new Error(`url: "${props.url}" must start with oci:// for an OCI HelmRepository (or set type: 'default')`);
      }
      if (type === 'default' && !/^https?:\/\/\S+$/.test(props.url)) {
        throw new Error(`url: "${props.url}" is not an http(s) URL (use https://…, or oci://… with type 'oci')`);
      }
    }
    this.name = props.name;
    this.namespace = props.namespace ?? FLUX_OBJECT_NAMESPACE;
    this.url = props.url;
    this.type = type;
    const api = fluxApiOf(this, props.fluxApi);
    this.apiVersion = api.helmRepository;
    const l1Props: source.HelmRepositoryProps = {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        interval: props.interval ?? '10m',
        timeout: props.timeout ?? '1m',
        url: props.url,
        type: type === 'oci' ? source.HelmRepositorySpecType.OCI : undefined,
        secretRef: props.secretName ? { name: props.secretName } : undefined,
        certSecretRef: props.certSecretName ? { name: props.certSecretName } : undefined,
      },
    };
    this.resource = new (fluxL1('HelmRepository', this.apiVersion, api))(this, 'Resource', l1Props);
  }

  public get sourceRef(): ObjectRef {
    return { kind: 'HelmRepository', name: this.name, namespace: this.namespace };
  }
}

/** Props of `OciRepository`. */
export interface OciRepositoryProps {
  readonly name: string;
  /** @default kommander-flux */
  readonly namespace?: string;
  /** `oci://registry/repo` */
  readonly url: string;
  /** Tag to pull. @default - `semver` or `digest` must be set */
  readonly tag?: string;
  /** Semver range. @default - none */
  readonly semver?: string;
  /** Digest (`sha256:…`). @default - none */
  readonly digest?: string;
  /** @default 10m */
  readonly interval?: string;
  /** @default - none */
  readonly secretName?: string;
  /**
   * The Flux API versions to emit (`fluxApi.ociRepository`).
   * @default - the `fluxApi` context value of the construct tree, else FLUX_2_9_API
   */
  readonly fluxApi?: FluxApi;
}

/**
 * A Flux OCIRepository (`source.toolkit.fluxcd.io/v1` by default, else its FluxApi's `ociRepository`),
 * usable as a HelmRelease `chartRef` where that Flux has it.
 */
export class OciRepository extends Construct implements ISource {
  public readonly name: string;
  public readonly namespace: string;
  /** The emitted apiVersion. */
  public readonly apiVersion: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: OciRepositoryProps) {
    super(scope, id);
    assertName('name', props.name);
    assertNamespace('namespace', props.namespace);
    assertDuration('interval', props.interval);
    if (!urlIsSubstituted(props.url) && !/^oci:\/\/\S+$/.test(props.url)) {
      throw new Error(`url: "${props.url}" must start with oci:// (e.g. oci://ghcr.io/org/charts/app)`);
    }
    const refs = [props.tag, props.semver, props.digest].filter((x) => x !== undefined).length;
    if (refs !== 1) {
      throw new Error(`ref: exactly one of tag, semver or digest must be set for OCIRepository ${props.name} (got ${refs})`);
    }
    this.name = props.name;
    this.namespace = props.namespace ?? FLUX_OBJECT_NAMESPACE;
    const api = fluxApiOf(this, props.fluxApi);
    this.apiVersion = api.ociRepository;
    const l1Props: source.OciRepositoryProps = {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        interval: props.interval ?? '10m',
        url: props.url,
        ref: { tag: props.tag, semver: props.semver, digest: props.digest },
        secretRef: props.secretName ? { name: props.secretName } : undefined,
      },
    };
    this.resource = new (fluxL1('OCIRepository', this.apiVersion, api))(this, 'Resource', l1Props);
  }

  public get sourceRef(): ObjectRef {
    return { kind: 'OCIRepository', name: this.name, namespace: this.namespace };
  }
}
