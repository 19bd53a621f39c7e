import { Construct } from 'constructs';
import * as kustomize from '../../../imports/kustomize.toolkit.fluxcd.io';
import { Folder, TreeFile } from '../../tree/folder';
import { FLUX_NAMESPACE, KOMMANDER_NAMESPACE, MANAGEMENT_REPOSITORY, StepProps, SUBSTITUTION_VARS_CONFIGMAP, VARS_CONFIGMAP } from './context';

/** The host cluster's folder of the management repository (Kommander: `<workspace-ns>_<cluster>`). */
export const HOST_CLUSTER_DIR = 'clusters/kommander_host-cluster';

/**
 * Step Bootstrap Repository. Services era (v2.8.3 has no `clusters/`): the installer's content,
 * Kustomization `kommander/apps-kommander` (as later releases ship it in
 * `clusters/kommander_host-cluster/apps/kommander.yaml`) and the `clusters/`, `workspaces/`,
 * `projects/` structure. Applications era: the release ships `clusters/kommander_host-cluster`
 * (common/base, kommander-operator, apps-kommander); the stage applies it from the management
 * repository, as the installer's bootstrap does.
 */
export class BootstrapRepositoryStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const stage = props.stage!;
    if (props.ctx.release.era === 'applications') {
      stage.folder.addResource(`../../${HOST_CLUSTER_DIR}`);
      stage.addSubstitutionSource({ kind: 'ConfigMap', name: VARS_CONFIGMAP });
      stage.addSubstitutionSource({ kind: 'ConfigMap', name: SUBSTITUTION_VARS_CONFIGMAP });
      return;
    }
    // The host cluster's app folder (Kommander's controllers fill it; `apps-kommander` applies it).
    new Folder(this, 'HostClusterApps', { path: `${HOST_CLUSTER_DIR}/apps/kommander` });
    new kustomize.Kustomization(stage.folder, 'AppsKommander', {
      metadata: { name: 'apps-kommander', namespace: KOMMANDER_NAMESPACE },
      spec: {
        interval: '6h',
        retryInterval: '1m',
        timeout: '1m',
        path: `./${HOST_CLUSTER_DIR}/apps/kommander`,
        prune: true,
        wait: true,
        sourceRef: { kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: MANAGEMENT_REPOSITORY, namespace: FLUX_NAMESPACE },
        postBuild: { substitute: { releaseNamespace: KOMMANDER_NAMESPACE, workspaceNamespace: KOMMANDER_NAMESPACE } },
      },
    });
    for (const dir of ['workspaces', 'projects']) {
      new TreeFile(this, `Readme-${dir}`, {
        path: `${dir}/README.md`,
        content: `# ${dir}\n\nOne directory per ${dir.slice(0, -1)}, each with a kustomization.yaml; Kommander's controllers fill it.\n`,
      });
    }
  }
}
