import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { StepProps } from './context';

/**
 * Step Kommander Operator (applications era): the operator's HelmRelease comes with the release's
 * `clusters/kommander_host-cluster/common` (Bootstrap Repository step); this step creates
 * KommanderCore `kommander-core` (`dkp.d2iq.io/v1alpha1`, spec `{version, airgapped.enabled}`, the
 * CRD of `common/kommander-operator/chart`), for which the operator deploys AppManagement and the
 * platform version artifact. Readiness is the operator's: the stage does not wait.
 */
export class KommanderOperatorStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    new ApiObject(props.stage!.folder, 'KommanderCore', {
      apiVersion: 'dkp.d2iq.io/v1alpha1',
      kind: 'KommanderCore',
      metadata: { name: 'kommander-core' },
      spec: { version: ctx.release.tag, airgapped: { enabled: ctx.config.airgapped.enabled } },
    });
  }
}
