/**
 * The trusted TLS certificate of the runtime cluster's ingress domain.
 *
 * gardener-operator serves the dashboard, plutono and the other runtime ingresses under
 * `*.<runtime ingress domain>`; it uses a Secret in namespace `garden` labelled
 * `gardener.cloud/role: garden-cert` when one exists and self-signed certificates otherwise
 * (gardener `docs/operations/trusted-tls-for-garden-runtime.md` at v1.146.4). cert-management
 * issues a wildcard certificate from the landscape's Issuer into such a Secret.
 */
import { Construct } from 'constructs';
import * as cert from '../../imports/cert.gardener.cloud';
import { assertName, assertNamespace } from '../flux/common';

/** Label of the runtime cluster's trusted certificate Secret. */
export const GARDEN_CERT_LABEL = { 'gardener.cloud/role': 'garden-cert' } as const;
/** Names of the Certificate and its Secret (API: a rename issues a new certificate). */
export const TRUSTED_CERTIFICATE_NAME = 'garden-ingress-wildcard';
export const TRUSTED_CERTIFICATE_SECRET = 'garden-ingress-wildcard-tls';

export interface TrustedCertificateProps {
  /** Namespace of the Certificate and its Secret. */
  readonly namespace: string;
  /** The runtime ingress domain: the certificate is for `*.<domain>`. */
  readonly domain: string;
  /** The cert-management Issuer. */
  readonly issuer: { readonly name: string; readonly namespace: string };
  /** `cert.gardener.cloud/class` (cert-management only acts on its class). */
  readonly certClass: string;
  /** @default garden-ingress-wildcard */
  readonly name?: string;
  /** @default garden-ingress-wildcard-tls */
  readonly secretName?: string;
}

/** A cert-management `Certificate` for `*.<domain>` into the Secret labelled `gardener.cloud/role: garden-cert`. */
export class TrustedCertificate extends Construct {
  public readonly name: string;
  public readonly secretName: string;
  public readonly resource: cert.Certificate;

  constructor(scope: Construct, id: string, props: TrustedCertificateProps) {
    super(scope, id);
    this.name = props.name ?? TRUSTED_CERTIFICATE_NAME;
    this.secretName = props.secretName ?? TRUSTED_CERTIFICATE_SECRET;
    assertName('name', this.name);
    assertName('secretName', this.secretName);
    assertNamespace('namespace', props.namespace);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(props.domain)) {
      throw new Error(`domain: "${props.domain}" is not a DNS domain (the runtime ingress domain, e.g. ingress.garden.example.com)`);
    }
    const wildcard = `*.${props.domain}`;
    this.resource = new cert.Certificate(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, annotations: { 'cert.gardener.cloud/class': props.certClass } },
      spec: {
        commonName: wildcard,
        dnsNames: [wildcard],
        issuerRef: { name: props.issuer.name, namespace: props.issuer.namespace },
        secretName: this.secretName,
        secretLabels: { ...GARDEN_CERT_LABEL },
      },
    });
  }
}
