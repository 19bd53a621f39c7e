import { Construct } from 'constructs';
import { k8s } from '../../k8s';
import { FLUX_NAMESPACE, KOMMANDER_NAMESPACE, StepProps } from './context';

/**
 * Step Base: the namespaces `kommander` and `kommander-flux`. In manifest mode the release's Flux
 * manifests carry `kommander-flux` (with its labels and `ssa: Merge`), so only `kommander` is here.
 */
export class BaseStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const namespaces = props.ctx.config.flux.mode === 'manifest' ? [KOMMANDER_NAMESPACE] : [KOMMANDER_NAMESPACE, FLUX_NAMESPACE];
    for (const ns of namespaces) {
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
