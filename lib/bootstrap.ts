import { KOMMANDER_NAMESPACE } from './config/defaults';
import { PlatformConfig } from './config/types';
import { gardenerBootstrapLines } from './gardener/bootstrap';
import { fluxNamespaceOf } from './gardener/flux';

import { shellQuote } from './config/paths';

/**
 * `BOOTSTRAP.md`: the few objects that must be applied by hand once, with exact commands.
 * Everything else is reconciled by Flux from Git.
 */
export function bootstrapGuide(c: PlatformConfig, rootPath: string, url: string): string {
  const ns = fluxNamespaceOf(c);
  const lines: string[] = [];
  const step = (title: string, body: string[]) => lines.push(`## ${title}`, '', ...body, '');
  lines.push(
    '# Bootstrap',
    '',
    `Generated from the platform config; do not edit. Run these steps once, in order, against the`,
    `management cluster. After step 5 Flux reconciles everything else in this repository from Git,`,
    `starting at \`${rootPath}\`.`,
    '',
  );
  const kommander = c.kommander.enabled;
  step('1. Namespaces', ['```sh', `kubectl create namespace ${q(ns)}`, ...(kommander ? [`kubectl create namespace ${q(KOMMANDER_NAMESPACE)}`] : []), '```']);
  step('2. Git credentials', [
    `Flux reads the repository with Secret \`${ns}/${c.git.credentialsSecret}\` (keys \`username\`, \`password\`; for SSH \`identity\`, \`known_hosts\`).`,
    '',
    '```sh',
    `kubectl -n ${q(ns)} create secret generic ${q(c.git.credentialsSecret)} \\`,
    '  --from-literal=username="$GIT_USERNAME" --from-literal=password="$GIT_PASSWORD"',
    '```',
    '',
    `Commit the same Secret SOPS-encrypted (\`npm run -s secrets -- set ${ns}/${c.git.credentialsSecret} …\`) so Flux keeps it in sync afterwards.`,
  ]);
  step('3. The age identity (sops-age)', [
    `Flux decrypts SOPS files with Secret \`${c.sops.secretName}\` in the namespace of each Kustomization (\`${ns}\`)${kommander ? ';' : '.'}`,
    `${kommander ? `Kommander reads it in \`${KOMMANDER_NAMESPACE}\`. ` : ''}Recipients: ${c.sops.ageRecipients.length ? c.sops.ageRecipients.map((r) => `\`${r}\``).join(', ') : '(none configured)'}.`,
    '',
    '```sh',
    `kubectl -n ${q(ns)} create secret generic ${q(c.sops.secretName)} --from-file=${q(`${c.sops.secretKey}=./age.agekey`)}`,
    ...(kommander ? [`kubectl -n ${q(KOMMANDER_NAMESPACE)} create secret generic ${q(c.sops.secretName)} --from-file=${q(`${c.sops.secretKey}=./age.agekey`)}`] : []),
    '```',
  ]);
  if (c.flux.mode === 'bootstrap') {
    step('4. Flux', [
      `Install Flux ${c.flux.version} and create the root sync objects (GitRepository and Kustomization \`${ns}/${ns}\`):`,
      '',
      '```sh',
      `flux bootstrap git --url=${q(url)} --branch=${q(c.git.branch)} \\`,
      `  --namespace=${q(ns)} --path=${q(rootPath)} --secret-name=${q(c.git.credentialsSecret)} --token-auth`,
      '```',
      '',
      `\`flux bootstrap\` commits \`${rootPath}/${ns}/\` (its components and sync manifests). The tree adopts the sync`,
      `objects: \`${rootPath}/gitrepository-${ns}.yaml\` and \`${rootPath}/kustomization-${ns}.yaml\` define them with the same`,
      'names, so later changes come from this repository. Upgrade Flux by re-running the command with a newer CLI.',
    ]);
  } else {
    step('4. Flux', [
      "Apply the release's Flux manifests (with Kommander's patches), substituting their variables as Flux does",
      '(an unset `${httpProxy:-""}` becomes empty); stage `kommander-flux-controllers` applies them once, AppDeployment',
      '`kommander-flux` then owns them:',
      '',
      '```sh',
      'kubectl kustomize kommander/flux | flux envsubst | kubectl apply --server-side -f -',
      '```',
    ]);
  }
  step('5. The root sync objects', [
    'Point Flux at this repository (a no-op after `flux bootstrap`, which created the same objects):',
    '',
    '```sh',
    `kubectl apply -f ${q(`${rootPath}/gitrepository-${ns}.yaml`)} -f ${q(`${rootPath}/kustomization-${ns}.yaml`)}`,
    `flux -n ${q(ns)} get kustomizations --watch`,
    '```',
  ]);
  if (c.kommander.enabled && c.gitea.enabled && c.gitea.hostsManagementRepository) {
    step('6. Gitea as the management repository', [
      `Kommander's apps read GitRepository \`${ns}/management\`, served by Gitea (\`${c.gitea.repository}\`), with its own`,
      'credentials (`kommander-git-credentials`). Nothing to run: once stage `gitea` is ready, Job',
      '`kommander-flux/kommander-repository-init` creates the repository from this one (a one-time copy that',
      "Kommander's controllers then commit to), authenticating with the root credentials.",
    ]);
  }
  const gitea = kommander && c.gitea.enabled && c.gitea.hostsManagementRepository;
  lines.push(...gardenerBootstrapLines(c, `${gitea ? 7 : 6}. The Gardener landscape`));
  return lines.join('\n');
}

/** Shell-quotes a value of a command (`always`: quote even plain words, for JSON pieces). */
function q(value: string, always = false): string {
  return always ? `'${value.replace(/'/g, `'\\''`)}'` : shellQuote(value);
}
