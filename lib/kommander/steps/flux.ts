import { JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { APPLY_ONCE_ANNOTATIONS, relPath, StepProps, SUBSTITUTION_VARS_CONFIGMAP, VARS_CONFIGMAP } from './context';

/**
 * Step Flux (manifest mode): the release's own Flux, as the installer applies it:
 * `services/kommander-flux/<v>` (v2.8.3: `flux install --export` + the patches `allow-source`
 * NetworkPolicy, ResourceQuota `critical-pods-kommander-flux`, proxy env `${httpProxy:-""}` …) or
 * `applications/kommander-flux` (v2.17.1: rendered flux2 chart + templates + flux-oci-mirror).
 * Applied once (`ssa: IfNotPresent`, `prune: false`): AppDeployment `kommander-flux` (Core
 * AppDeployments) then applies the same manifests and owns them; the stage never deletes Flux.
 */
export class FluxStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const stage = props.stage!;
    stage.folder.addResource(relPath(stage.folder.path, props.ctx.release.fluxManifests));
    stage.addSubstitutionSource({ kind: 'ConfigMap', name: VARS_CONFIGMAP });
    stage.addSubstitutionSource({ kind: 'ConfigMap', name: SUBSTITUTION_VARS_CONFIGMAP });
    stage.resource.addJsonPatch(JsonPatch.add('/spec/commonMetadata', { annotations: { ...APPLY_ONCE_ANNOTATIONS } }));
  }
}
