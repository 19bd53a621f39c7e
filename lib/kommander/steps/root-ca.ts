import { Construct } from 'constructs';
import { CERT_MANAGER_NAMESPACE, KOMMANDER_CA } from '../../config/defaults';
import { appFolder } from '../release-view';
import { addReleaseFolder, StepProps } from './context';

/**
 * Step Root CA: the release's `cert-manager/<v>/root-ca` folder (ClusterIssuer `selfsigned-issuer`,
 * Certificate `cert-manager/kommander-ca`, ClusterIssuer `kommander-ca`); the stage waits for the
 * Certificate, as the installer does. cert-manager itself is a prerequisite of the cluster (NKP's
 * pre-flight check; DKP's Konvoy installs it): its release folders read GitRepository `management`,
 * which only exists after Gitea, so it cannot be a stage before Root CA.
 */
export class RootCaStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const stage = props.stage!;
    const version = props.ctx.versionOf('cert-manager');
    addReleaseFolder(props.ctx, stage.folder, `${appFolder(props.ctx.release, 'cert-manager', version)}/root-ca`, true);
    stage.addHealthCheck({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: KOMMANDER_CA, namespace: CERT_MANAGER_NAMESPACE });
  }
}
