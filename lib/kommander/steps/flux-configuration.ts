import { Construct } from 'constructs';
import { GitRepository } from '../../flux/sources';
import { FLUX_NAMESPACE, MANAGEMENT_CREDENTIALS, MANAGEMENT_REPOSITORY, StepProps, VARS_CONFIGMAP } from './context';
import { ManagementCredentials } from './management-credentials';
import { giteaRepositoryUrl } from './gitea';

/** In-cluster URL of a git-operator repository (NKP 2.17.1 air-gap log). */
export function gitOperatorRepositoryUrl(namespace: string, claim: string): string {
  return `https://git-operator-git.git-operator-system.svc.cluster.local./repositories/${namespace}/${claim}.git`;
}

/**
 * Step Flux Configuration: GitRepository `kommander-flux/management`, the in-cluster management
 * repository every app Kustomization of the release reads (Gitea in the services era, git-operator
 * in the applications era), with its own credentials `kommander-git-credentials` (services era: the
 * SOPS file committed by the Gitea step; applications era: copied from the GitClaimUser's generated
 * Secret), completed with `ca.crt` by a Job (see ManagementCredentials).
 */
export class FluxConfigurationStep extends Construct {
  public readonly management: GitRepository;

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    const c = ctx.config;
    const services = ctx.release.era === 'services';
    new ManagementCredentials(props.stage!.folder, 'Credentials', {
      release: ctx.release,
      from: services ? { kind: 'existing' } : { kind: 'GitClaimUser', name: MANAGEMENT_CREDENTIALS },
    });
    props.stage!.addSubstitutionSource({ kind: 'ConfigMap', name: VARS_CONFIGMAP });
    this.management = new GitRepository(props.stage!.folder, 'ManagementRepository', {
      name: MANAGEMENT_REPOSITORY,
      namespace: FLUX_NAMESPACE,
      url: services ? giteaRepositoryUrl(c.gitea.repository) : gitOperatorRepositoryUrl('kommander', 'kommander'),
      branch: c.git.branch,
      secretName: MANAGEMENT_CREDENTIALS,
      interval: c.git.interval,
      fluxApi: ctx.fluxApi,
    });
  }
}
