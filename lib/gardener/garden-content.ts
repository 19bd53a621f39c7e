/**
 * What a shoot needs in the virtual garden besides the seed: a CloudProfile per provider and at
 * least one Project (gardener `docs/deployment/setup_gardener.md` at v1.146.4: "at least one
 * CloudProfile is required"). The internal and default domains are the Seed's `dns.internal` and
 * `dns.defaults` (see the operator module).
 */
import { Construct } from 'constructs';
import { assertName } from '../flux/common';
import { CloudProfileObject, ProjectObject } from './api/core';
import { GardenerCloudProfileConfig, GardenerProjectConfig } from './config';

export class CloudProfile extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: { readonly name: string; readonly profile: GardenerCloudProfileConfig }) {
    super(scope, id);
    assertName('name', props.name, 63);
    const p = props.profile;
    for (const [what, list] of [['kubernetesVersions', p.kubernetesVersions], ['machineImages', p.machineImages], ['machineTypes', p.machineTypes], ['regions', p.regions]] as const) {
      if (!list.length) throw new Error(`CloudProfile ${props.name}: ${what} must not be empty`);
    }
    this.name = props.name;
    new CloudProfileObject(this, 'Resource', {
      metadata: { name: props.name },
      spec: {
        type: p.type,
        kubernetes: { versions: p.kubernetesVersions.map((version) => ({ version })) },
        machineImages: p.machineImages.map((m) => ({ name: m.name, versions: m.versions.map((version) => ({ version })) })),
        machineTypes: p.machineTypes.map((m) => ({ name: m.name, cpu: m.cpu, gpu: m.gpu, memory: m.memory, usable: m.usable })),
        regions: p.regions.map((r) => ({ name: r.name, zones: r.zones.length ? r.zones.map((name) => ({ name })) : undefined })),
        providerConfig: p.providerConfig,
      },
    });
  }
}

export class Project extends Construct {
  public readonly name: string;
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: { readonly name: string; readonly project: GardenerProjectConfig }) {
    super(scope, id);
    // gardener-apiserver limits project names to 10 characters (the shoot namespace `shoot--<project>--<shoot>`).
    if (!/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/.test(props.name)) {
      throw new Error(`Project name "${props.name}" must be a DNS label of at most 10 characters (e.g. dev)`);
    }
    const p = props.project;
    this.name = props.name;
    this.namespace = p.namespace ?? `garden-${props.name}`;
    assertName('namespace', this.namespace, 63);
    const rbac = 'rbac.authorization.k8s.io';
    new ProjectObject(this, 'Resource', {
      metadata: { name: props.name },
      spec: {
        namespace: this.namespace,
        description: p.description,
        owner: p.owner ? { apiGroup: rbac, kind: 'User', name: p.owner } : undefined,
        members: p.members.length
          ? p.members.map((m) => ({ apiGroup: rbac, kind: m.kind, name: m.name, role: m.role }))
          : undefined,
      },
    });
  }
}
