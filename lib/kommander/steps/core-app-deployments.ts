import { Construct } from 'constructs';
import { AppDeployment } from '../app-deployment';
import { AdoptedApp, KOMMANDER_NAMESPACE, StepContext, StepProps } from './context';

/** AppDeployments for apps the earlier steps installed: the hand-over's second half. */
export function adoptApps(scope: Construct, ctx: StepContext, apps: readonly AdoptedApp[]): void {
  for (const a of apps) {
    const cfg = ctx.config.apps[a.app];
    new AppDeployment(scope, `AppDeployment-${a.app}`, {
      name: a.app,
      namespace: KOMMANDER_NAMESPACE,
      version: a.version,
      overridesConfigMap: a.overrides,
      clusters: cfg?.clusters,
    });
  }
}

/**
 * Step Core AppDeployments: one AppDeployment (`apps.kommander.d2iq.io/v1alpha3`, name = app id,
 * `appRef` ClusterApp `<app>-<version>` of the release) per app Part I installed — kommander-flux
 * and what the install stages applied once (AppManagement, Gatekeeper, ChartMuseum; git-operator in
 * the applications era) — carrying the overrides the install used. The stage does not wait:
 * AppDeployment readiness is not known to be kstatus-compatible.
 */
export class CoreAppDeploymentsStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    const flux: AdoptedApp = { app: 'kommander-flux', version: ctx.versionOf('kommander-flux'), adoptedBy: 'core' };
    adoptApps(props.stage!.folder, ctx, [flux, ...ctx.adopted.filter((a) => a.adoptedBy === 'core')]);
  }
}
