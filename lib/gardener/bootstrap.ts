import { FLUX_NAMESPACE } from '../config/defaults';
import { PlatformConfig } from '../config/types';
import { CredentialsRef, gardenerSection } from './config';
import { GARDEN_NAMESPACE } from './defaults';

/**
 * The BOOTSTRAP.md step of the Gardener landscape: the Secrets that are referenced, not committed,
 * and the virtual garden kubeconfig (which exists only once the Garden is up). Empty without a
 * (enabled) gardener section.
 */
export function gardenerBootstrapLines(c: PlatformConfig, title: string): string[] {
  const g = gardenerSection(c);
  if (!g || !g.enabled) return [];
  const existing: [string, CredentialsRef | undefined][] = [
    ['DNS provider credentials', g.dns.credentials],
    ['ACME external account binding key (`hmacKey`)', g.issuer.acme.externalAccountBinding?.keySecret],
    ['backup object store credentials', g.backups?.credentials],
  ];
  const refs = existing.filter(([, r]) => r?.secretName !== undefined) as [string, CredentialsRef][];
  const lines = [`## ${title}`, ''];
  if (refs.length) {
    lines.push(
      `The landscape references Secrets that are not in Git. Create them in namespace \`${GARDEN_NAMESPACE}\` of the base cluster before stage`,
      '`gardener-pre-gardener-resources` runs; the DNS and backup ones also in namespace `garden` of the virtual garden (the seed reads them there):',
      '',
      ...refs.map(([what, r]) => `- \`${GARDEN_NAMESPACE}/${r.secretName}\`: ${what}`),
      '',
    );
  }
  lines.push(
    `Stage \`gardener-virtual-garden\` applies the Gardenlet into the virtual garden with the kubeconfig in Secret`,
    `\`${FLUX_NAMESPACE}/${g.virtualGarden.kubeconfigSecret}\` (key \`kubeconfig\`). Unless it is committed as`,
    `\`secrets/${FLUX_NAMESPACE}/${g.virtualGarden.kubeconfigSecret}.sops.yaml\`, create it once the \`Garden\` \`${g.name}\` is reconciled`,
    '(see docs/gardener.md, "The virtual garden kubeconfig"):',
    '',
    '```sh',
    `kubectl wait garden/${g.name} --for=jsonpath='{.status.lastOperation.state}'=Succeeded --timeout=60m`,
    `kubectl -n ${FLUX_NAMESPACE} create secret generic ${g.virtualGarden.kubeconfigSecret} --from-file=kubeconfig=./virtual-garden.kubeconfig`,
    '```',
    '',
  );
  return lines;
}
