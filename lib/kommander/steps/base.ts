import { Construct } from 'constructs';
import { k8s } from '../../k8s';
import { KOMMANDER_NAMESPACE, StepProps } from './context';

/**
 * Step Base: namespace `kommander`. `kommander-flux` exists before the tree (`flux bootstrap`
 * creates it, or the Flux manifests in manifest mode) and belongs to the release's Flux manifests
 * (labels, `ssa: Merge`), which AppDeployment `kommander-flux` applies: a second owner here would
 * fight it.
 */
export class BaseStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    for (const ns of [KOMMANDER_NAMESPACE]) {
      new k8s.KubeNamespace(props.stage!.folder, `Namespace-${ns}`, {
        metadata: {
          name: ns,
          // Never delete a namespace (and everything in it) because a file moved.
          annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
          labels: { 'kubernetes.io/metadata.name': ns },
        },
      });
    }
  }
}
