import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addSopsSecret, HandOver, KOMMANDER_NAMESPACE, MANAGEMENT_CREDENTIALS, StepProps } from './context';

/** The GitClaim of the management repository (NKP: `…/repositories/kommander/kommander.git`). */
export const MANAGEMENT_GITCLAIM = 'kommander';

/**
 * Step Git Operator (applications era, where v2.8.3 has Gitea): the release's `git-operator/<v>`
 * applied once (adopted by AppDeployment `git-operator`); then (stage `kommander-git-claim`) GitClaim
 * `kommander/kommander` bootstrapped from the root repository (`spec.bootstrap {url, ref,
 * secretRef}`: the root credentials, never the management ones) and GitClaimUser
 * `kommander-git-credentials` (write access) for Flux and Kommander's controllers.
 */
export class GitOperatorStep extends Construct {
  public readonly install: HandOver;
  public readonly claim;

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    const c = ctx.config;
    this.install = new HandOver(this, 'Install', { ctx, after: props.stage!, app: 'git-operator', version: ctx.versionOf('git-operator') });
    this.claim = ctx.newStage(ctx.root, 'GitClaim', {
      name: 'kommander-git-claim',
      path: 'kommander/git-claim',
      dependsOn: [this.install.stage],
      description: 'GitClaim kommander (bootstrapped from the root repository) and GitClaimUser kommander-git-credentials',
    });
    addSopsSecret(ctx, this.claim, KOMMANDER_NAMESPACE, c.git.credentialsSecret);
    new ApiObject(this.claim.folder, 'Claim', {
      apiVersion: 'git.nutanix.com/v1alpha1',
      kind: 'GitClaim',
      metadata: { name: MANAGEMENT_GITCLAIM, namespace: KOMMANDER_NAMESPACE },
      spec: { bootstrap: { url: c.git.url, ref: `refs/heads/${c.git.branch}`, secretRef: { name: c.git.credentialsSecret } } },
    });
    new ApiObject(this.claim.folder, 'ClaimUser', {
      apiVersion: 'git.nutanix.com/v1alpha1',
      kind: 'GitClaimUser',
      metadata: { name: MANAGEMENT_CREDENTIALS, namespace: KOMMANDER_NAMESPACE },
      spec: { gitClaimName: MANAGEMENT_GITCLAIM, allowWrite: true },
    });
  }
}
