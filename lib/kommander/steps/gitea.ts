import { Construct } from 'constructs';
import { Certificate } from '../../certmanager';
import { GITEA_TLS_SECRET } from '../variables';
import { addSopsSecret, FLUX_NAMESPACE, HandOver, KOMMANDER_CA_ISSUER, KOMMANDER_NAMESPACE, MANAGEMENT_CREDENTIALS, StepProps } from './context';

/** Gitea's in-cluster HTTPS service (release values: `service.http.port: 443`, `PROTOCOL: https`). */
export const GITEA_SERVICE = `gitea-http.${KOMMANDER_NAMESPACE}.svc`;

/** Clone URL of a repository of the Gitea the tree deploys (DKP docs: `https://gitea-http.kommander.svc/kommander/kommander.git`). */
export function giteaRepositoryUrl(repository: string): string {
  return `https://${GITEA_SERVICE}/${repository}.git`;
}

/**
 * Step Gitea: "creates a secret that holds the Gitea user credentials as well as deploys Gitea by
 * applying the HelmRelease directly": the admin credentials (SOPS files, never plaintext):
 * `kommander/<gitea.adminSecret>` for the chart (`gitea.admin.existingSecret: ${adminCredentialsSecret}`,
 * from which the chart creates the admin user) and `kommander-flux/kommander-git-credentials` for Flux
 * and Kommander's controllers (the management repository's own credentials); the TLS Certificate
 * `gitea-tls` (`${tlsCertificateSecret}`) from `kommander-ca`; then the release's `gitea/<v>` with
 * its defaults (chart, image, ingress, HTTPS on 443, memcached/postgresql).
 */
export class GiteaStep extends Construct {
  public readonly install: HandOver;

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    const stage = props.stage!;
    addSopsSecret(ctx, stage, KOMMANDER_NAMESPACE, ctx.config.gitea.adminSecret);
    addSopsSecret(ctx, stage, FLUX_NAMESPACE, MANAGEMENT_CREDENTIALS);
    new Certificate(stage.folder, 'GiteaTls', {
      name: GITEA_TLS_SECRET,
      namespace: KOMMANDER_NAMESPACE,
      secretName: GITEA_TLS_SECRET,
      commonName: GITEA_SERVICE,
      dnsNames: ['gitea-http', GITEA_SERVICE, `${GITEA_SERVICE}.cluster.local`, 'localhost'],
      issuer: KOMMANDER_CA_ISSUER,
    });
    // Gitea is not adopted by an AppDeployment in Part I (the seed's core AppDeployments are Flux,
    // AppManagement and ChartMuseum): its install stage owns it (no prune: Gitea holds the repository).
    this.install = new HandOver(this, 'Install', { ctx, after: stage, app: 'gitea', version: ctx.versionOf('gitea'), adopt: false });
  }
}
