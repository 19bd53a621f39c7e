import { Construct } from 'constructs';
import { AppDeployment } from '../app-deployment';
import { KOMMANDER_NAMESPACE, StepProps } from './context';

/**
 * Step Optional AppDeployments: one AppDeployment per enabled app of the config that no other step
 * deploys, `appRef` = ClusterApp `<app>-<version>` of the release (`apps.<id>.version` selects
 * among the versions it ships), with `apps.<id>.values` in `<app>-overrides`.
 */
export class OptionalAppDeploymentsStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps & { readonly apps: readonly string[] }) {
    super(scope, id);
    const { ctx } = props;
    for (const app of props.apps) {
      const cfg = ctx.config.apps[app];
      new AppDeployment(props.stage!.folder, `AppDeployment-${app}`, {
        name: app,
        namespace: KOMMANDER_NAMESPACE,
        version: ctx.versionOf(app),
        appKind: cfg.kind,
        values: cfg.values,
        clusters: cfg.clusters,
      });
    }
  }
}
