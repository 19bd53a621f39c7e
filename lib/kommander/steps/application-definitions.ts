import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { Certificate } from '../../certmanager';
import { ConfigError } from '../../config/load';
import { k8s } from '../../k8s';
import { TreeFile } from '../../tree/folder';
import { appFolder } from '../release-view';
import { FLUX_NAMESPACE, KOMMANDER_CA_ISSUER, MANAGEMENT_CREDENTIALS, StepProps } from './context';
import { GITEA_SERVICE } from './gitea';

/** The Gitea image of the release's Gitea values (`image.registry/repository:tag`). */
export function giteaImage(props: StepProps): string {
  const r = props.ctx.release;
  const file = path.join(r.root, appFolder(r, 'gitea', props.ctx.versionOf('gitea')), 'defaults/cm.yaml');
  const cm = YAML.parse(fs.readFileSync(file, 'utf8'));
  const values = YAML.parse(cm.data['values.yaml']);
  return `${values.image.registry ? `${values.image.registry}/` : ''}${values.image.repository}:${values.image.tag}`;
}

/**
 * Step Application Definitions: the release tree is copied into this repository, file by file;
 * in the services era Job `kommander-repository-init` (namespace `kommander-flux`)
 * creates the Gitea repository `gitea.repository` from it once: Gitea's `repos/migrate` API, a
 * one-time copy (not a mirror: Kommander's controllers commit to the management repository).
 * It authenticates to Gitea with the management credentials and to the root repository with the
 * root credentials (`git.credentialsSecret`): two Secrets, never one.
 */
export class ApplicationDefinitionsStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const c = props.ctx.config;
    const r = props.ctx.release;
    // The release tree, copied verbatim into the repository root (as the installer copies it into
    // the management repository; chart archives byte for byte).
    for (const rel of r.files) {
      new TreeFile(this, `AppDefinition-${rel.replace(/\//g, '|')}`, { path: rel, content: fs.readFileSync(path.join(r.root, rel)) });
    }
    // Applications era: GitClaim `spec.bootstrap` fills the management repository (Git Operator step).
    if (!props.stage) return;
    const stage = props.stage;
    if (!/^https?:\/\//.test(c.git.url)) {
      throw new ConfigError([
        {
          path: 'git.url',
          message: `git.url: ${JSON.stringify(c.git.url)} cannot be copied into Gitea by release ${props.ctx.release.tag}'s installer steps (Gitea's migration clones over HTTP(S); use the https:// URL of the root repository)`,
        },
      ]);
    }
    const [owner, repo] = c.gitea.repository.split('/');
    new Certificate(stage.folder, 'GiteaCa', {
      name: 'kommander-repository-init-ca',
      namespace: FLUX_NAMESPACE,
      secretName: 'kommander-repository-init-ca',
      commonName: 'kommander-repository-init',
      issuer: KOMMANDER_CA_ISSUER,
    });
    const script = [
      'set -eu',
      `api=https://${GITEA_SERVICE}/api/v1`,
      `printf 'machine ${GITEA_SERVICE} login %s password %s\\n' "$(cat /management/username)" "$(cat /management/password)" > /tmp/netrc`,
      "c() { curl -fsS --cacert /ca/ca.crt --netrc-file /tmp/netrc -H 'Content-Type: application/json' \"$@\"; }",
      `if c "$api/repos/${owner}/${repo}" >/dev/null 2>&1; then echo "repository ${owner}/${repo} exists"; exit 0; fi`,
      `c "$api/orgs/${owner}" >/dev/null 2>&1 || c -X POST "$api/orgs" -d '{"username":"${owner}"}' >/dev/null`,
      // JSON string escaping of the credentials (backslash and double quote).
      "esc() { printf '%s' \"$1\" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/\"/\\\\\"/g'; }",
      'user=""; pass=""',
      '[ -f /root-git/username ] && user=$(esc "$(cat /root-git/username)")',
      '[ -f /root-git/password ] && pass=$(esc "$(cat /root-git/password)")',
      `body=$(printf '{"clone_addr":"%s","repo_owner":"${owner}","repo_name":"${repo}","mirror":false,"private":true,"auth_username":"%s","auth_password":"%s"}' "$ROOT_URL" "$user" "$pass")`,
      'c -X POST "$api/repos/migrate" -d "$body" >/dev/null',
      `echo "repository ${owner}/${repo} created from $ROOT_URL"`,
    ].join('\n');
    new k8s.KubeJob(stage.folder, 'RepositoryInit', {
      metadata: { name: 'kommander-repository-init', namespace: FLUX_NAMESPACE },
      spec: {
        backoffLimit: 30,
        template: {
          spec: {
            restartPolicy: 'OnFailure',
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'init',
                image: giteaImage(props),
                command: ['/bin/sh', '-c', script],
                env: [{ name: 'ROOT_URL', value: c.git.url }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
                volumeMounts: [
                  { name: 'management', mountPath: '/management', readOnly: true },
                  { name: 'root-git', mountPath: '/root-git', readOnly: true },
                  { name: 'ca', mountPath: '/ca', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'management', secret: { secretName: MANAGEMENT_CREDENTIALS } },
              { name: 'root-git', secret: { secretName: c.git.credentialsSecret, optional: true } },
              { name: 'ca', secret: { secretName: 'kommander-repository-init-ca' } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });
  }
}
