/**
 * The Kommander installer steps, per release era: defined ONCE here.
 *
 * The stage graph (`dependsOn` of every stage), ROLLOUT.md (rendered from those stages) and the
 * README's stage tables (`stepTable()`) are generated from these lists; `test/kommander-steps.test.ts`
 * keeps the README current.
 *
 * Sources: the seed (DKP 2.8 "Kommander Resource Locations": Part I steps Base … Catalog Repository
 * Loader, Part II) for the `services` era (v2.8.3); the NKP installer output quoted in
 * ../shared/reference/kommander-releases.md §3 (Deploying Flux → Ingress certificate → Git Operator →
 * GitClaim → GitClaimUser → Flux configuration → Kommander Operator → KommanderCore → Substitution
 * variables → Gatekeeper → AppManagement → Core AppDeployments) for the `applications` era (v2.17.1).
 */
import { Era } from './release-view';

export type StepId =
  | 'base'
  | 'flux'
  | 'flux-oci-mirror'
  | 'substitution-variables'
  | 'root-ca'
  | 'chartmuseum'
  | 'helm-repositories'
  | 'ingress-certificate'
  | 'gitea'
  | 'git-operator'
  | 'application-definitions'
  | 'bootstrap-repository'
  | 'age'
  | 'flux-configuration'
  | 'kommander-operator'
  | 'gatekeeper'
  | 'app-management'
  | 'core-app-deployments'
  | 'optional-app-deployments'
  | 'catalogs'
  | 'kommander';

export interface StepDef {
  readonly id: StepId;
  /** Name of the step's Flux Kustomization (API: a rename makes Flux prune); `undefined`: the step writes files only. */
  readonly stage?: string;
  /** The installer's name of the step. */
  readonly title: string;
  /** Installation part. */
  readonly part: 'I' | 'II';
  /** What the step puts in the tree (README / ROLLOUT). */
  readonly what: string;
  /** Steps whose stages must be Ready first (skipped steps are looked through). */
  readonly after: readonly StepId[];
  /**
   * When the step is in the tree: `always`, `airgapped`, `manifest` (flux.mode manifest),
   * `bootstrap-airgapped` (air-gapped with flux.mode bootstrap), `catalogs` (catalog repositories
   * configured), `optional-apps` (optional apps configured).
   * @default always
   */
  readonly when?: 'always' | 'airgapped' | 'manifest' | 'bootstrap-airgapped' | 'catalogs' | 'optional-apps';
  /**
   * Wait for the stage's objects (kstatus). False for AppDeployments and KommanderCore, whose
   * readiness is not known to follow kstatus.
   * @default true
   */
  readonly wait?: boolean;
  /** Prune objects removed from the folder. False for Flux itself. @default true */
  readonly prune?: boolean;
}

const SERVICES: readonly StepDef[] = [
  { id: 'base', stage: 'kommander-base', title: 'Base', part: 'I', what: 'Namespace `kommander` (`kommander-flux` comes with Flux: bootstrap, or the release manifests)', after: [] },
  {
    id: 'flux',
    stage: 'kommander-flux-controllers',
    title: 'Flux',
    part: 'I',
    what: "The release's Flux manifests with Kommander's patches (allow-source NetworkPolicy, quota, proxy env)",
    after: ['substitution-variables'],
    when: 'manifest',
    prune: false,
  },
  {
    id: 'substitution-variables',
    stage: 'kommander-vars',
    title: 'Flux Configuration (variables)',
    part: 'I',
    what: '`kommander-vars` and `substitution-vars` in `kommander` and `kommander-flux`',
    after: ['base'],
  },
  { id: 'root-ca', stage: 'kommander-root-ca', title: 'Root CA', part: 'I', what: "The release's cert-manager `root-ca` folder; waits for Certificate `kommander-ca`", after: ['base'] },
  {
    id: 'chartmuseum',
    stage: 'chartmuseum',
    title: 'ChartMuseum',
    part: 'I',
    what: "Basic-auth Secret, then the release's ChartMuseum (chart archive in the management repository, PVC, TLS Certificate)",
    after: ['helm-repositories', 'root-ca'],
    when: 'airgapped',
  },
  {
    id: 'helm-repositories',
    stage: 'kommander-helm-repositories',
    title: 'Helm Repositories',
    part: 'I',
    what: '`common/base` (HelmRepositories + PriorityClasses), or `common/airgapped` + `common/priority-classes` with `tls-root-ca`',
    after: ['substitution-variables', 'root-ca', 'flux'],
  },
  {
    id: 'ingress-certificate',
    stage: 'kommander-ingress',
    title: 'Ingress Certificate',
    part: 'I',
    what: 'ACME ClusterIssuer `kommander-acme-issuer` (when `acme` is set)',
    after: ['root-ca'],
  },
  {
    id: 'gitea',
    stage: 'gitea',
    title: 'Gitea',
    part: 'I',
    what: "Admin credentials (SOPS), TLS Certificate, the release's Gitea chart and values (admin user from the Secret)",
    after: ['helm-repositories', 'ingress-certificate'],
  },
  {
    id: 'application-definitions',
    stage: 'kommander-application-definitions',
    title: 'Application Definitions',
    part: 'I',
    what: 'The release tree copied into the repository; a Job creates Gitea repository `kommander/kommander` from it',
    after: ['gitea'],
  },
  {
    id: 'flux-configuration',
    stage: 'kommander-flux-configuration',
    title: 'Flux Configuration',
    part: 'I',
    what: 'GitRepository `kommander-flux/management` (Gitea) with its own credentials',
    after: ['application-definitions'],
  },
  {
    id: 'bootstrap-repository',
    stage: 'kommander-bootstrap-repository',
    title: 'Bootstrap Repository',
    part: 'I',
    what: 'Kustomization `kommander/apps-kommander` and the repository structure',
    after: ['flux-configuration'],
  },
  { id: 'age', title: 'Age', part: 'I', what: 'Age recipients committed in `.sops.yaml` (the identity stays in Secret `sops-age`)', after: [] },
  {
    id: 'gatekeeper',
    stage: 'gatekeeper',
    title: 'Gatekeeper',
    part: 'I',
    what: '`gatekeeper-overrides`, then `gatekeeper/bootstrap` applied once (adopted by AppDeployment `gatekeeper`)',
    after: ['flux-configuration', 'helm-repositories'],
  },
  {
    id: 'app-management',
    stage: 'kommander-appmanagement',
    title: 'AppManagement',
    part: 'I',
    what: '`kommander-appmanagement` with its release defaults, applied once (adopted by its AppDeployment)',
    after: ['gatekeeper'],
  },
  {
    id: 'core-app-deployments',
    stage: 'kommander-core-appdeployments',
    title: 'Core AppDeployments',
    part: 'I',
    what: 'AppDeployments adopting what Part I applied (Flux, AppManagement, Gatekeeper, ChartMuseum)',
    after: ['app-management', 'chartmuseum', 'bootstrap-repository'],
    wait: false,
  },
  {
    id: 'optional-app-deployments',
    stage: 'kommander-appdeployments',
    title: 'Optional AppDeployments',
    part: 'I',
    what: 'One AppDeployment per enabled app of the config',
    after: ['core-app-deployments'],
    when: 'optional-apps',
    wait: false,
  },
  {
    id: 'catalogs',
    stage: 'kommander-catalogs',
    title: 'Catalog Repository Loader',
    part: 'I',
    what: 'Catalog GitRepositories with their propagation labels',
    after: ['core-app-deployments'],
    when: 'catalogs',
  },
  {
    id: 'kommander',
    stage: 'kommander',
    title: 'Kommander',
    part: 'II',
    what: '`kubefed` and `kommander` with their release defaults and overrides, applied once, then AppDeployments',
    after: ['core-app-deployments', 'optional-app-deployments', 'catalogs', 'ingress-certificate'],
  },
];

const S = (id: StepId): StepDef => SERVICES.find((x) => x.id === id)!;

const APPLICATIONS: readonly StepDef[] = [
  S('base'),
  {
    ...S('flux'),
    what: "The release's `kommander-flux` bootstrap (Flux manifests, flux-oci-mirror, Kommander's patches)",
  },
  S('substitution-variables'),
  S('root-ca'),
  {
    id: 'flux-oci-mirror',
    stage: 'kommander-flux-oci-mirror',
    title: 'Flux OCI mirror',
    part: 'I',
    what: "The release's flux-oci-mirror for source-controller (air-gapped; in manifest mode it comes with Flux)",
    after: ['root-ca', 'substitution-variables'],
    when: 'bootstrap-airgapped',
  },
  S('ingress-certificate'),
  {
    id: 'git-operator',
    stage: 'git-operator',
    title: 'Git Operator',
    part: 'I',
    what: 'git-operator applied once (adopted by its AppDeployment), GitClaim `kommander` bootstrapped from the root repository, GitClaimUser',
    after: ['root-ca', 'ingress-certificate'],
  },
  {
    id: 'application-definitions',
    title: 'Application Definitions',
    part: 'I',
    what: 'The release tree copied into the repository (GitClaim `kommander` is bootstrapped from it)',
    after: [],
  },
  {
    ...S('flux-configuration'),
    what: 'GitRepository `kommander-flux/management` (git-operator) with the GitClaimUser credentials',
    after: ['git-operator'],
  },
  {
    ...S('bootstrap-repository'),
    what: "The release's `clusters/kommander_host-cluster` (common/base, kommander-operator, apps-kommander)",
    after: ['flux-configuration', 'substitution-variables'],
  },
  S('age'),
  {
    id: 'kommander-operator',
    stage: 'kommander-operator',
    title: 'Kommander Operator',
    part: 'I',
    what: 'KommanderCore `kommander-core` for the release (the operator deploys AppManagement)',
    after: ['bootstrap-repository'],
    wait: false,
  },
  { ...S('gatekeeper'), after: ['flux-configuration', 'bootstrap-repository'] },
  {
    ...S('app-management'),
    what: 'Waits for `kommander-appmanagement`, deployed by kommander-operator',
    after: ['kommander-operator', 'gatekeeper'],
  },
  {
    ...S('core-app-deployments'),
    what: 'AppDeployments adopting what Part I applied (Flux, Gatekeeper, git-operator)',
    after: ['app-management'],
  },
  S('optional-app-deployments'),
  {
    ...S('kommander'),
    what: '`kubefed` and `kommander` (OCI catalog collections in its values), applied once, then AppDeployments',
    after: ['core-app-deployments', 'optional-app-deployments', 'ingress-certificate'],
  },
];

/** The steps of each release era, in the installer's order. */
export const STEPS: { readonly [E in Era]: readonly StepDef[] } = { services: SERVICES, applications: APPLICATIONS };

/** README markers around the generated step table of an era. */
export function stepTableMarkers(era: Era): [string, string] {
  return [`<!-- kommander-steps:${era}:start (generated from lib/kommander/steps.ts by scripts/docs.ts; do not edit) -->`, `<!-- kommander-steps:${era}:end -->`];
}

/** README text with both eras' step tables regenerated between their markers. */
export function updateStepTables(readme: string): string {
  let out = readme;
  for (const era of ['services', 'applications'] as const) {
    const [start, end] = stepTableMarkers(era);
    const a = out.indexOf(start);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README.md has no step table markers for ${era} (${start} … ${end})`);
    out = out.slice(0, a + start.length) + '\n' + stepTable(era) + '\n' + out.slice(b);
  }
  return out;
}

/** A Markdown table of an era's steps (README "Rollout"). */
export function stepTable(era: Era): string {
  const rows = STEPS[era].map((s, i) => {
    const when = s.when && s.when !== 'always' ? ` (${s.when})` : '';
    const after = s.after.length ? s.after.map((a) => `\`${a}\``).join(', ') : '–';
    return `| ${i + 1} | ${s.part} | ${s.title}${when} | ${s.stage ? `\`${s.stage}\`` : '(files only)'} | ${after} | ${s.what} |`;
  });
  return ['| # | Part | Step | Stage | After | What |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
