import { Construct } from 'constructs';
import * as cm from '../../imports/cert-manager.io';
import { assertDuration, assertName, assertNamespace, ObjectRef } from '../flux/common';

/** An issuer a Certificate can reference. */
export interface IIssuer {
  readonly issuerRef: { readonly name: string; readonly kind: 'ClusterIssuer' | 'Issuer'; readonly group: 'cert-manager.io' };
}

/** How a ClusterIssuer issues. Exactly one. */
export type ClusterIssuerType =
  | { readonly selfSigned: true }
  | { readonly ca: { readonly secretName: string } }
  | {
    readonly acme: {
      readonly email: string;
      /** @default https://acme-v02.api.letsencrypt.org/directory */
      readonly server?: string;
      /** Secret (cluster resource namespace) for the ACME account key. */
      readonly privateKeySecretName: string;
      /** Ingress class of the HTTP01 solver. */
      readonly ingressClassName: string;
    };
  };

/** Props of `ClusterIssuer`. */
export interface ClusterIssuerProps {
  readonly name: string;
  readonly issuer: ClusterIssuerType;
}

/**
 * A cert-manager ClusterIssuer (`cert-manager.io/v1`). Cluster-scoped: it never gets a namespace.
 * Secrets it names (a CA's `secretName`, an ACME account key) live in cert-manager's cluster
 * resource namespace, which defaults to the namespace cert-manager runs in.
 */
export class ClusterIssuer extends Construct implements IIssuer {
  public readonly name: string;
  public readonly resource: cm.ClusterIssuer;

  constructor(scope: Construct, id: string, props: ClusterIssuerProps) {
    super(scope, id);
    assertName('name', props.name);
    this.name = props.name;
    const i = props.issuer;
    let spec: cm.ClusterIssuerSpec;
    if ('selfSigned' in i) spec = { selfSigned: {} };
    else if ('ca' in i) {
      assertName('ca.secretName', i.ca.secretName);
      spec = { ca: { secretName: i.ca.secretName } };
    } else {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(i.acme.email)) {
        throw new Error(`acme.email: "${i.acme.email}" is not an email address (the ACME account contact, e.g. ops@example.com)`);
      }
      spec = {
        acme: {
          email: i.acme.email,
          server: i.acme.server ?? 'https://acme-v02.api.letsencrypt.org/directory',
          privateKeySecretRef: { name: i.acme.privateKeySecretName },
          solvers: [{ http01: { ingress: { ingressClassName: i.acme.ingressClassName } } }],
        },
      };
    }
    this.resource = new cm.ClusterIssuer(this, 'Resource', { metadata: { name: this.name }, spec });
  }

  public get issuerRef(): IIssuer['issuerRef'] {
    return { name: this.name, kind: 'ClusterIssuer', group: 'cert-manager.io' };
  }
}

/** Props of `Certificate`. */
export interface CertificateProps {
  readonly name: string;
  readonly namespace: string;
  /** Secret the certificate is stored in (same namespace). */
  readonly secretName: string;
  readonly issuer: IIssuer;
  /** @default - none */
  readonly commonName?: string;
  /** @default [] */
  readonly dnsNames?: readonly string[];
  /** @default false */
  readonly isCA?: boolean;
  /** @default - cert-manager's default (2160h) */
  readonly duration?: string;
  /** @default - cert-manager's default (1/3 of the duration) */
  readonly renewBefore?: string;
  /** @default ECDSA 256 */
  readonly privateKey?: { readonly algorithm: 'RSA' | 'ECDSA' | 'Ed25519'; readonly size?: number };
}

const ALGORITHMS = {
  RSA: cm.CertificateSpecPrivateKeyAlgorithm.RSA,
  ECDSA: cm.CertificateSpecPrivateKeyAlgorithm.ECDSA,
  Ed25519: cm.CertificateSpecPrivateKeyAlgorithm.ED25519,
};

/** A cert-manager Certificate (`cert-manager.io/v1`). */
export class Certificate extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly secretName: string;
  public readonly resource: cm.Certificate;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    assertName('name', props.name);
    assertNamespace('namespace', props.namespace);
    assertName('secretName', props.secretName);
    assertDuration('duration', props.duration);
    assertDuration('renewBefore', props.renewBefore);
    if (!props.commonName && !(props.dnsNames ?? []).length) {
      throw new Error(`Certificate ${props.name}: set commonName or dnsNames (a certificate needs a subject)`);
    }
    this.name = props.name;
    this.namespace = props.namespace;
    this.secretName = props.secretName;
    const key = props.privateKey ?? { algorithm: 'ECDSA', size: 256 };
    this.resource = new cm.Certificate(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        secretName: props.secretName,
        isCa: props.isCA || undefined,
        commonName: props.commonName,
        dnsNames: props.dnsNames?.length ? [...props.dnsNames] : undefined,
        duration: props.duration,
        renewBefore: props.renewBefore,
        privateKey: { algorithm: ALGORITHMS[key.algorithm], size: key.size },
        issuerRef: { ...props.issuer.issuerRef },
      },
    });
  }

  /** This certificate as a health check (Ready condition). */
  public get ref(): ObjectRef {
    return { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: this.name, namespace: this.namespace };
  }
}
