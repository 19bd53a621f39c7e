import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { Certificate } from '../../certmanager';
import { k8s } from '../../k8s';
import { ReleaseView } from '../release-view';
import { FLUX_NAMESPACE, KOMMANDER_CA_ISSUER, KOMMANDER_NAMESPACE, MANAGEMENT_CREDENTIALS } from './context';

/** The Secret holding kommander-ca's certificate (`ca.crt`) next to the management credentials. */
export const MANAGEMENT_CA_SECRET = 'kommander-git-ca';

/**
 * The kubectl image the release's own jobs use, as they write it
 * (`${kubetoolsImageRepository:=…}:${kubetoolsImageTag:=…}`, with the release's defaults; the
 * repository from an image written `<repo>:${kubetoolsImageTag…}` when no default names it).
 */
export function kubetoolsImage(r: ReleaseView): string {
  let repo = r.variables.get('kubetoolsImageRepository')?.defaults[0];
  const tag = r.variables.get('kubetoolsImageTag')?.defaults[0];
  for (const f of r.files) {
    if (repo) break;
    if (!/\.ya?ml$/.test(f)) continue;
    const m = /image:\s*"?([^\s"$]+kubectl):\$\{kubetoolsImageTag/.exec(fs.readFileSync(path.join(r.root, f), 'utf8'));
    if (m) repo = m[1];
  }
  if (!repo || !tag) throw new Error(`release ${r.tag}: no default for \${kubetoolsImageRepository} / \${kubetoolsImageTag} (the kubectl image its jobs use)`);
  return `\${kubetoolsImageRepository:=${repo}}:\${kubetoolsImageTag:=${tag}}`;
}

export interface ManagementCredentialsProps {
  readonly release: ReleaseView;
  /**
   * Where the credentials come from: `existing` (the Gitea step's SOPS Secret; the Job adds
   * `ca.crt`) or the GitClaimUser whose generated Secret (`status.secretName`, namespace
   * `kommander`) the Job copies, with `ca.crt`.
   */
  readonly from: { readonly kind: 'existing' } | { readonly kind: 'GitClaimUser'; readonly name: string };
}

/**
 * The management repository's credentials for Flux: Secret `kommander-flux/kommander-git-credentials`
 * with `username`, `password` and `ca.crt` (source-controller's key for an HTTPS server's CA since
 * Flux 2.1, fluxcd/flux2#4147): the in-cluster Git server's certificate is issued by `kommander-ca`,
 * which only exists in the cluster, so a Job (the release's kubetools image) writes its `ca.crt`
 * from Certificate `kommander-git-ca` (issued by the same CA) into the Secret, and in the
 * applications era copies the GitClaimUser's generated credentials first. Fields Flux does not
 * apply stay: the Job's keys survive Flux's server-side apply of the SOPS Secret.
 */
export class ManagementCredentials extends Construct {
  constructor(scope: Construct, id: string, props: ManagementCredentialsProps) {
    super(scope, id);
    new Certificate(this, 'Ca', {
      name: MANAGEMENT_CA_SECRET,
      namespace: FLUX_NAMESPACE,
      secretName: MANAGEMENT_CA_SECRET,
      commonName: MANAGEMENT_CA_SECRET,
      issuer: KOMMANDER_CA_ISSUER,
    });
    const name = 'kommander-git-credentials-writer';
    new k8s.KubeServiceAccount(this, 'Account', { metadata: { name, namespace: FLUX_NAMESPACE } });
    new k8s.KubeRole(this, 'Role', {
      metadata: { name, namespace: FLUX_NAMESPACE },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: [MANAGEMENT_CREDENTIALS], verbs: ['get', 'patch'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'Binding', {
      metadata: { name, namespace: FLUX_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: FLUX_NAMESPACE }],
    });
    const lines = ['set -eu', 'ca=$(base64 < /ca/ca.crt | tr -d "\\n")'];
    if (props.from.kind === 'GitClaimUser') {
      // Reading the GitClaimUser and its generated Secret in `kommander`.
      new k8s.KubeRole(this, 'ClaimRole', {
        metadata: { name, namespace: KOMMANDER_NAMESPACE },
        rules: [
          { apiGroups: ['git.nutanix.com'], resources: ['gitclaimusers'], resourceNames: [props.from.name], verbs: ['get'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
        ],
      });
      new k8s.KubeRoleBinding(this, 'ClaimBinding', {
        metadata: { name, namespace: KOMMANDER_NAMESPACE },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: FLUX_NAMESPACE }],
      });
      lines.push(
        `secret=$(kubectl -n ${KOMMANDER_NAMESPACE} get gitclaimuser ${props.from.name} -o jsonpath='{.status.secretName}')`,
        '[ -n "$secret" ] || { echo "GitClaimUser has no status.secretName yet"; exit 1; }',
        `user=$(kubectl -n ${KOMMANDER_NAMESPACE} get secret "$secret" -o jsonpath='{.data.username}')`,
        `pass=$(kubectl -n ${KOMMANDER_NAMESPACE} get secret "$secret" -o jsonpath='{.data.password}')`,
        `kubectl -n ${FLUX_NAMESPACE} create secret generic ${MANAGEMENT_CREDENTIALS} --dry-run=client -o yaml | kubectl apply -f - >/dev/null 2>&1 || true`,
        `kubectl -n ${FLUX_NAMESPACE} patch secret ${MANAGEMENT_CREDENTIALS} --type merge -p "{\\"data\\":{\\"username\\":\\"$user\\",\\"password\\":\\"$pass\\",\\"ca.crt\\":\\"$ca\\"}}"`,
      );
    } else {
      lines.push(`kubectl -n ${FLUX_NAMESPACE} patch secret ${MANAGEMENT_CREDENTIALS} --type merge -p "{\\"data\\":{\\"ca.crt\\":\\"$ca\\"}}"`);
    }
    new k8s.KubeJob(this, 'Job', {
      metadata: { name, namespace: FLUX_NAMESPACE },
      spec: {
        backoffLimit: 30,
        template: {
          spec: {
            serviceAccountName: name,
            restartPolicy: 'OnFailure',
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'write',
                image: kubetoolsImage(props.release),
                command: ['/bin/sh', '-c', lines.join('\n')],
                env: [{ name: 'HOME', value: '/tmp' }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
                volumeMounts: [
                  { name: 'ca', mountPath: '/ca', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'ca', secret: { secretName: MANAGEMENT_CA_SECRET } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });
  }
}
