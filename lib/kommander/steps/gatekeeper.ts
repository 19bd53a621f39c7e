import { Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../../k8s';
import { HandOver, KOMMANDER_NAMESPACE, overridesName, StepProps } from './context';

/**
 * Step Gatekeeper: `gatekeeper-overrides` (the config's `apps.gatekeeper.values`, e.g. replicas),
 * then the release's `gatekeeper/bootstrap` applied once — HelmRelease `gatekeeper` with
 * `releaseName: kommander-gatekeeper`, the `gatekeeper-release` → `gatekeeper-constraint-templates`
 * → `gatekeeper-constraints` Kustomizations — with the names the AppDeployment controller
 * generates; AppDeployment `gatekeeper` adopts it with the same overrides.
 */
export class GatekeeperStep extends Construct {
  public readonly install: HandOver;

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    const version = ctx.versionOf('gatekeeper');
    const values = ctx.config.apps.gatekeeper?.values ?? {};
    const overrides = overridesName(ctx, 'gatekeeper', version);
    const hasValues = Object.keys(values).length > 0;
    if (hasValues) {
      new k8s.KubeConfigMap(props.stage!.folder, 'Overrides', {
        metadata: { name: overrides, namespace: KOMMANDER_NAMESPACE },
        data: { 'values.yaml': Yaml.stringify(values) },
      });
    }
    this.install = new HandOver(this, 'Install', {
      ctx,
      after: props.stage!,
      app: 'gatekeeper',
      version,
      folders: [`${ctx.release.appsDir}/gatekeeper/bootstrap`],
      overrides: hasValues ? overrides : undefined,
    });
  }
}
