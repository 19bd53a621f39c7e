import { Construct } from 'constructs';
import { k8s } from '../../k8s';
import { kommanderVariables, substitutionVariables } from '../variables';
import { FLUX_NAMESPACE, KOMMANDER_NAMESPACE, StepProps, SUBSTITUTION_VARS_CONFIGMAP, VARS_CONFIGMAP } from './context';

/**
 * Step Flux Configuration, its variables half: ConfigMaps `kommander-vars` and `substitution-vars`
 * in `kommander` (where the release's app Kustomizations substitute from them) and in
 * `kommander-flux` (where the stages do: Flux resolves substituteFrom in the Kustomization's own
 * namespace). Placed right after Base: every later stage substitutes from them.
 */
export class SubstitutionVariablesStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { config, release } = props.ctx;
    const vars = kommanderVariables(config, release, props.ctx.appliedFolders);
    const subst = substitutionVariables(config, release, props.ctx.appliedFolders);
    for (const ns of [KOMMANDER_NAMESPACE, FLUX_NAMESPACE]) {
      new k8s.KubeConfigMap(props.stage!.folder, `Vars-${ns}`, { metadata: { name: VARS_CONFIGMAP, namespace: ns }, data: vars });
      new k8s.KubeConfigMap(props.stage!.folder, `SubstitutionVars-${ns}`, { metadata: { name: SUBSTITUTION_VARS_CONFIGMAP, namespace: ns }, data: subst });
    }
  }
}
