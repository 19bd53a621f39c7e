import { PlatformConfig } from '../config/types';
import { CredentialsRef, gardenerSection } from './config';
import { GARDEN_NAMESPACE } from './defaults';
import { fluxNamespaceOf } from './flux';
import { FLUX_ACCESS_SECRET } from './virtual-garden-access';

/** Labels gardener-operator's NetworkPolicy controllers look for (gardener `docs/operations/network_policies.md` at v1.146.4). */
export const VIRTUAL_GARDEN_NAMESPACE_LABEL = 'networking.gardener.cloud/access-target-apiserver=allowed';
export const VIRTUAL_GARDEN_POD_LABEL = 'networking.resources.gardener.cloud/to-garden-virtual-garden-kube-apiserver-tcp-443';

/**
 * The BOOTSTRAP.md step of the Gardener landscape: the Secrets that are referenced, not committed,
 * the age identity in `garden` (the stages that apply into the virtual garden live there), and the
 * network-policy labels Flux needs to reach the virtual garden. Empty without an (enabled) gardener
 * section. The virtual garden kubeconfig is not a step: the tree creates a token-requestor Secret
 * and Gardener issues and rotates the token.
 */
export function gardenerBootstrapLines(c: PlatformConfig, title: string): string[] {
  const g = gardenerSection(c);
  if (!g || !g.enabled) return [];
  const ns = fluxNamespaceOf(c);
  const existing: [string, CredentialsRef | undefined][] = [
    ['DNS provider credentials', g.dns.credentials],
    ['ACME external account binding key (`hmacKey`)', g.issuer?.acme.externalAccountBinding?.keySecret],
    ['backup object store credentials', g.backups?.credentials],
    ['dashboard OIDC client (`client_id`, `client_secret`)', g.virtualGarden.oidc?.clientSecret],
  ];
  const refs = existing.filter(([, r]) => r?.secretName !== undefined) as [string, CredentialsRef][];
  const lines = [`## ${title}`, ''];
  // Stage gardener-virtual-garden (namespace garden) decrypts the SOPS files it applies into the virtual garden.
  const decrypts = [g.dns.credentials, g.backups?.credentials].some((r) => r?.sopsFile !== undefined);
  if (decrypts) {
    lines.push(
      `Stage \`gardener-virtual-garden\` is a Kustomization in namespace \`${GARDEN_NAMESPACE}\` (Flux reads its kubeconfig Secret there) and`,
      'decrypts the credentials it applies into the virtual garden, so the age identity is needed there too (the tree adopts the namespace):',
      '',
      '```sh',
      `kubectl create namespace ${GARDEN_NAMESPACE}`,
      `kubectl -n ${GARDEN_NAMESPACE} create secret generic ${c.sops.secretName} --from-file=${c.sops.secretKey}=./age.agekey`,
      '```',
      '',
    );
  }
  if (refs.length) {
    lines.push(
      `The landscape references Secrets that are not in Git. Create them in namespace \`${GARDEN_NAMESPACE}\` of the base cluster before stage`,
      '`gardener-configuration` runs; the DNS and backup ones also in namespace `garden` of the virtual garden (the seed reads them there):',
      '',
      ...refs.map(([what, r]) => `- \`${GARDEN_NAMESPACE}/${r.secretName}\`: ${what}`),
      '',
    );
  }
  lines.push(
    'Flux reaches the virtual garden with a token that Gardener issues and rotates (token-requestor Secret',
    `\`${GARDEN_NAMESPACE}/${FLUX_ACCESS_SECRET}\`, created by stage \`gardener-virtual-garden-access\`). gardener-operator's network policies let`,
    `it through once the Flux namespace and kustomize-controller carry their labels (once; later \`flux bootstrap\` runs keep them):`,
    '',
    '```sh',
    `kubectl label namespace ${ns} ${VIRTUAL_GARDEN_NAMESPACE_LABEL}`,
    `kubectl -n ${ns} patch deployment kustomize-controller --type merge \\`,
    `  -p '{"spec":{"template":{"metadata":{"labels":{"${VIRTUAL_GARDEN_POD_LABEL}":"allowed"}}}}}'`,
    '```',
    '',
    'See docs/gardener.md for the stages and how to follow the rollout.',
    '',
  );
  return lines;
}
