import { Construct } from 'constructs';
import { HandOver, KOMMANDER_NAMESPACE, StepProps } from './context';

/**
 * Step AppManagement. Services era: the release's `kommander-appmanagement/<v>` with its defaults
 * (`webhook.certificate.issuer {name: ${certificatesIssuerName}, kind: ${certificatesIssuerKind}}`,
 * `airgapped.enabled`, images, `priorityClassName: dkp-critical-priority`), applied once and adopted
 * by AppDeployment `kommander-appmanagement`. Applications era: kommander-operator deploys it for
 * KommanderCore; the stage waits for its HelmRelease.
 */
export class AppManagementStep extends Construct {
  public readonly install?: HandOver;

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    if (ctx.release.era === 'services') {
      this.install = new HandOver(this, 'Install', { ctx, after: props.stage!, app: 'kommander-appmanagement', version: ctx.versionOf('kommander-appmanagement') });
    } else {
      props.stage!.addHealthCheck({
        apiVersion: ctx.fluxApi.helmRelease,
        kind: 'HelmRelease',
        name: 'kommander-appmanagement',
        namespace: KOMMANDER_NAMESPACE,
      });
    }
  }
}
