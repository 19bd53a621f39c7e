import { Construct } from 'constructs';
import { CHARTMUSEUM_ADMIN_SECRET } from '../variables';
import { addSopsSecret, HandOver, KOMMANDER_NAMESPACE, StepProps } from './context';

/**
 * Step ChartMuseum (air-gapped only, as DKP 2.7/2.8 "Object Locations": "In non-air-gapped
 * installations … ChartMuseum is not installed"): its basic-auth Secret
 * (`chartmuseum-admin-credentials`, keys `username`/`password`: a SOPS file under
 * `secrets/kommander/`, or an existing Secret; never plaintext), then the release's
 * `chartmuseum/<v>` (HelmRelease from the chart archive in GitRepository `management`, PVC,
 * Certificate `chartmuseum-tls`) with its defaults, applied once and adopted by AppDeployment
 * `chartmuseum`. It does not wait: the HelmRelease reconciles once the management repository
 * is populated (seed: "will reconcile when the Git repository is created and populated").
 */
export class ChartMuseumStep extends Construct {
  public readonly install: HandOver;

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    addSopsSecret(ctx, props.stage!, KOMMANDER_NAMESPACE, CHARTMUSEUM_ADMIN_SECRET);
    this.install = new HandOver(this, 'Install', { ctx, after: props.stage!, app: 'chartmuseum', version: ctx.versionOf('chartmuseum'), wait: false });
  }
}
