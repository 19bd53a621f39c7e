import { Construct } from 'constructs';
import { ClusterIssuer } from '../../certmanager';
import { StepProps } from './context';

/** The ACME ClusterIssuer name and account key Kommander expects (DKP custom-domain docs). */
export const ACME_ISSUER = 'kommander-acme-issuer';

/**
 * Step Ingress Certificate: the ACME ClusterIssuer `kommander-acme-issuer` (account key
 * `kommander-acme-issuer-account`, HTTP01 through the `kommander-traefik` ingress class) when
 * `acme` is set. The custom-domain values for the self-attached KommanderCluster go to the kommander
 * chart through its overrides ConfigMap (Part II step).
 */
export class IngressCertificateStep extends Construct {
  public readonly issuer?: ClusterIssuer;

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const c = props.ctx.config;
    if (c.acme) {
      this.issuer = new ClusterIssuer(props.stage!.folder, 'AcmeIssuer', {
        name: ACME_ISSUER,
        issuer: {
          acme: { email: c.acme.email, server: c.acme.server, privateKeySecretName: `${ACME_ISSUER}-account`, ingressClassName: c.acme.ingressClass },
        },
      });
    }
  }
}
