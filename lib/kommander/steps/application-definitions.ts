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

/**
 * A release manifest without its plaintext seed Secrets (`kind: Secret` named in `seeds`, with a
 * non-empty `data`/`stringData` value and no SOPS block); the other documents keep their exact text.
 */
export function withoutPlaintextSecrets(raw: Buffer, seeds: readonly string[], withheld: (name: string) => void): Buffer {
  const text = raw.toString('utf8');
  if (!/\bkind:\s*Secret\b/.test(text)) return raw;
  const chunks = text.split(/^(?=---[ \t]*$)/m);
  let changed = false;
  const kept = chunks.filter((chunk) => {
    const body = chunk.replace(/^---[ \t]*\n?/, '');
    let obj: any;
    try {
      obj = YAML.parse(body);
    } catch {
      return true;
    }
    const plain =
      obj?.kind === 'Secret' &&
      seeds.includes(String(obj.metadata?.name)) &&
      !obj.sops &&
      ['data', 'stringData'].some((m) => obj[m] && typeof obj[m] === 'object' && Object.values(obj[m]).some((v) => v !== '' && v !== null && v !== undefined));
    if (plain) {
      changed = true;
      withheld(String(obj.metadata?.name));
    }
    return !plain;
  });
  if (!changed) return raw;
  return Buffer.from(kept.join('').replace(/^---[ \t]*\n?/, ''), 'utf8');
}

/**
 * Secrets a release folder's kustomization marks as seeds: a patch targeting `kind: Secret, name: X`
 * that sets `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent` (created once, then the cluster's).
 */
export function seedSecrets(root: string, dir: string): string[] {
  const file = path.join(root, dir, 'kustomization.yaml');
  if (!fs.existsSync(file)) return [];
  let k: any;
  try {
    k = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  return ((k?.patches ?? []) as any[])
    .filter((p) => p?.target?.kind === 'Secret' && typeof p.target.name === 'string' && /kustomize\.toolkit\.fluxcd\.io\/ssa:\s*IfNotPresent/.test(String(p.patch ?? '')))
    .map((p) => p.target.name as string);
}

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
  /** Plaintext Secrets of the release left out of the copy (`<file>: Secret <name>`). */
  public readonly withheld: string[];

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const c = props.ctx.config;
    const r = props.ctx.release;
    // The release tree, copied verbatim into the repository root (as the installer copies it into
    // the management repository; chart archives byte for byte) — except a plaintext Secret that the
    // release itself marks as a seed (its kustomization applies it with `ssa: IfNotPresent`, e.g.
    // v2.17.1's `flux-oci-mirror-config`): no plaintext Secret lands in Git; commit yours under
    // secrets/ instead (the step that applies it picks the SOPS file up). Any other plaintext
    // Secret is refused by the synth's guard.
    this.withheld = [];
    for (const rel of r.files) {
      const raw = fs.readFileSync(path.join(r.root, rel));
      const seeds = /\.ya?ml$/.test(rel) ? seedSecrets(r.root, path.posix.dirname(rel)) : [];
      const content = seeds.length ? withoutPlaintextSecrets(raw, seeds, (name) => this.withheld.push(`${rel}: Secret ${name}`)) : raw;
      new TreeFile(this, `AppDefinition-${rel.replace(/\//g, '|')}`, { path: rel, content });
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
