/**
 * Which Helm chart installs the CRDs of which API groups.
 *
 * `check` uses this table to find, for every custom resource, the stage (Flux Kustomization)
 * that installs its CRD: the stage that applies a HelmRelease of one of these charts. The CR's own
 * stage must depend on it (directly or transitively). Extend the table when a new chart brings
 * CRDs; groups installed outside the tree are declared with `--external-crds` / `check.externalCrds`.
 *
 * A group pattern `*.example.com` matches every subgroup of example.com.
 */
export interface ChartCrdProvider {
  /** Chart name (`spec.chart.spec.chart`); also matched against the HelmRelease name and `releaseName`. */
  readonly chart: string;
  readonly groups: readonly string[];
}

export const CHART_CRD_PROVIDERS: readonly ChartCrdProvider[] = [
  { chart: 'cert-manager', groups: ['cert-manager.io', 'acme.cert-manager.io'] },
  { chart: 'gatekeeper', groups: ['*.gatekeeper.sh'] },
  { chart: 'kommander-appmanagement', groups: ['apps.kommander.d2iq.io'] },
  // the kubefed chart of the Kommander releases (services/kubefed/0.10.5, applications/kubefed/0.11.3)
  { chart: 'kubefed', groups: ['core.kubefed.io', 'types.kubefed.io', 'scheduling.kubefed.io'] },
  { chart: 'gardener-operator', groups: ['operator.gardener.cloud'] },
  { chart: 'cert-management', groups: ['cert.gardener.cloud'] },
  { chart: 'external-dns-management', groups: ['dns.gardener.cloud'] },
  { chart: 'flux2', groups: ['*.toolkit.fluxcd.io'] },
];

/**
 * Groups every Flux-managed cluster already serves: Flux's own CRDs are installed by
 * `flux bootstrap` (or by the stage that applies the Flux install manifest, which then counts as
 * the provider instead).
 */
export const FLUX_GROUPS: readonly string[] = ['*.toolkit.fluxcd.io'];

/** True when `group` matches `pattern` (`a.b`, or `*.b` for any subgroup of b). */
export function groupMatches(pattern: string, group: string): boolean {
  if (pattern === group) return true;
  if (pattern.startsWith('*.')) return group.endsWith(pattern.slice(1));
  return false;
}

/** The groups whose CRDs a chart installs (by chart name, HelmRelease name or release name). */
export function groupsOfChart(names: readonly (string | undefined)[], table: readonly ChartCrdProvider[] = CHART_CRD_PROVIDERS): string[] {
  const out = new Set<string>();
  for (const p of table) if (names.includes(p.chart)) p.groups.forEach((g) => out.add(g));
  return [...out].sort();
}
