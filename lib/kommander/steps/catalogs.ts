import { Construct } from 'constructs';
import { GitRepository } from '../../flux/sources';
import { KOMMANDER_NAMESPACE, StepProps } from './context';

/** Labels Kommander's catalog controller reads on catalog GitRepositories. */
export const CATALOG_LABELS = {
  type: 'kommander.d2iq.io/gitapps-gitrepository-type',
  workspace: 'kommander.d2iq.io/workspace-default-catalog-repository',
  project: 'kommander.d2iq.io/project-default-catalog-repository',
} as const;

/**
 * Step Catalog Repository Loader (services era): one GitRepository per `catalog.repositories[]` in
 * `kommander`, labelled for the DefaultCatalogGitRepository controller's propagation. The
 * applications era has OCI catalog collections instead (kommander values `catalogCollections`).
 */
export class CatalogsStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    for (const r of props.ctx.config.catalog.repositories) {
      const labels: { [k: string]: string } = { [CATALOG_LABELS.type]: r.type };
      if (r.workspaceDefault) labels[CATALOG_LABELS.workspace] = 'true';
      if (r.projectDefault) labels[CATALOG_LABELS.project] = 'true';
      new GitRepository(props.stage!.folder, `Catalog-${r.name}`, {
        name: r.name,
        namespace: KOMMANDER_NAMESPACE,
        url: r.url,
        branch: r.branch,
        tag: r.tag,
        interval: r.interval,
        labels,
        fluxApi: props.ctx.fluxApi,
      });
    }
  }
}
