import { Construct } from 'constructs';
import { addReleaseFolder, StepProps, SUBSTITUTION_VARS_CONFIGMAP, VARS_CONFIGMAP } from './context';

/**
 * Step Flux OCI mirror (applications era, air-gapped, flux.mode bootstrap): the release's
 * `kommander-flux/<v>/mirror` (flux-oci-mirror Deployment/Service, its CA Issuer and Certificate,
 * NetworkPolicy `allow-source-controller-oci-mirror`), where v2.8.3 has ChartMuseum. In manifest
 * mode the Flux step's `applications/kommander-flux` already contains it.
 */
export class FluxOciMirrorStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const r = props.ctx.release;
    addReleaseFolder(props.ctx, props.stage!.folder, `${r.appsDir}/kommander-flux/${r.fluxVersion}/mirror`);
    props.stage!.addSubstitutionSource({ kind: 'ConfigMap', name: VARS_CONFIGMAP });
    props.stage!.addSubstitutionSource({ kind: 'ConfigMap', name: SUBSTITUTION_VARS_CONFIGMAP });
  }
}
