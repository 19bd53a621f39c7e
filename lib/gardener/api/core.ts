/**
 * Hand-written L1 types for `core.gardener.cloud/v1beta1` `CloudProfile` and `Project`.
 *
 * Like the Gardenlet API, core.gardener.cloud is served by gardener-apiserver in the virtual
 * garden (no CRD to import). The fields are those of Gardener v1.146.4
 * (`pkg/apis/core/v1beta1/types_cloudprofile.go`, `types_project.go` at tag v1.146.4; examples
 * `example/30-cloudprofile.yaml`, `example/05-project-dev.yaml`), restricted to what the landscape
 * config sets.
 */
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';

export interface CloudProfileSpec {
  readonly type: string;
  readonly kubernetes: { readonly versions: readonly { readonly version: string }[] };
  readonly machineImages: readonly { readonly name: string; readonly versions: readonly { readonly version: string }[] }[];
  readonly machineTypes: readonly { readonly name: string; readonly cpu: string; readonly gpu: string; readonly memory: string; readonly usable?: boolean }[];
  readonly regions: readonly { readonly name: string; readonly zones?: readonly { readonly name: string }[] }[];
  readonly providerConfig?: { readonly [key: string]: unknown };
}

/** L1: cluster-scoped `CloudProfile`. */
export class CloudProfileObject extends ApiObject {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'core.gardener.cloud/v1beta1', kind: 'CloudProfile' };

  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: CloudProfileSpec }) {
    super(scope, id, { ...CloudProfileObject.GVK, metadata: props.metadata, spec: props.spec });
  }
}

/** An RBAC subject (`rbacv1.Subject`). */
export interface ProjectSubject {
  readonly apiGroup?: string;
  readonly kind: 'User' | 'Group';
  readonly name: string;
  readonly namespace?: string;
}

export interface ProjectSpec {
  readonly namespace?: string;
  readonly description?: string;
  readonly owner?: ProjectSubject;
  readonly members?: readonly (ProjectSubject & { readonly role: string })[];
}

/** L1: cluster-scoped `Project`. */
export class ProjectObject extends ApiObject {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'core.gardener.cloud/v1beta1', kind: 'Project' };

  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ProjectSpec }) {
    super(scope, id, { ...ProjectObject.GVK, metadata: props.metadata, spec: props.spec });
  }
}
