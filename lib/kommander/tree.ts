import * as path from 'path';
import { Construct } from 'constructs';
import { FLUX_NAMESPACE } from '../config/defaults';
import { ConfigError } from '../config/load';
import { PlatformConfig } from '../config/types';
import { GitRepository, ISource } from '../flux/sources';
import { Stage } from '../flux/stage';
import { SecretStore, SopsSecret } from '../secrets/sops-secrets';
import { Folder } from '../tree/folder';
import { resolveApps, STEP_APPS } from './apps';
import { ReleaseError } from './release';
import { readReleaseView, ReleaseView } from './release-view';
import { StepDef, StepId, STEPS } from './steps';
import { AgeStep } from './steps/age';
import { AppManagementStep } from './steps/app-management';
import { ApplicationDefinitionsStep } from './steps/application-definitions';
import { BaseStep } from './steps/base';
import { BootstrapRepositoryStep } from './steps/bootstrap-repository';
import { CatalogsStep } from './steps/catalogs';
import { ChartMuseumStep } from './steps/chartmuseum';
import { AdoptedApp, StepContext, StepProps } from './steps/context';
import { CoreAppDeploymentsStep } from './steps/core-app-deployments';
import { FluxStep } from './steps/flux';
import { FluxConfigurationStep } from './steps/flux-configuration';
import { FluxOciMirrorStep } from './steps/flux-oci-mirror';
import { GatekeeperStep } from './steps/gatekeeper';
import { GiteaStep } from './steps/gitea';
import { GitOperatorStep } from './steps/git-operator';
import { HelmRepositoriesStep } from './steps/helm-repositories';
import { IngressCertificateStep } from './steps/ingress-certificate';
import { KommanderStep } from './steps/kommander';
import { KommanderOperatorStep } from './steps/kommander-operator';
import { OptionalAppDeploymentsStep } from './steps/optional-app-deployments';
import { RootCaStep } from './steps/root-ca';
import { SubstitutionVariablesStep } from './steps/substitution-variables';
import { MissingVariablesError, missingVariables } from './variables';

export { mergeValues } from './values';
export { STEPS, stepTable } from './steps';
export type { StepDef, StepId } from './steps';
export { readReleaseView } from './release-view';
export type { Era, ReleaseView } from './release-view';
export { VARS_CONFIGMAP, MANAGEMENT_REPOSITORY } from './steps/context';
export { CATALOG_LABELS } from './steps/catalogs';
export { giteaRepositoryUrl } from './steps/gitea';

/** Props of `KommanderTree`. */
export interface KommanderTreeProps {
  readonly config: PlatformConfig;
  /** The GitRepository the stage Kustomizations read (the root sync source). */
  readonly source: ISource;
  /** Encrypted Secrets available to the stages. */
  readonly secrets: SecretStore;
  /** The release, when already read. @default - read from `config.applicationDefinitions` */
  readonly release?: ReleaseView;
}

type StepClass = new (scope: Construct, id: string, props: StepProps & { readonly apps: readonly string[] }) => Construct;

/** The construct of each step (one file per step in ./steps). */
const STEP_CONSTRUCTS: { readonly [S in StepId]: StepClass } = {
  base: BaseStep,
  flux: FluxStep,
  'flux-oci-mirror': FluxOciMirrorStep,
  'substitution-variables': SubstitutionVariablesStep,
  'root-ca': RootCaStep,
  chartmuseum: ChartMuseumStep,
  'helm-repositories': HelmRepositoriesStep,
  'ingress-certificate': IngressCertificateStep,
  gitea: GiteaStep,
  'git-operator': GitOperatorStep,
  'application-definitions': ApplicationDefinitionsStep,
  'bootstrap-repository': BootstrapRepositoryStep,
  age: AgeStep,
  'flux-configuration': FluxConfigurationStep,
  'kommander-operator': KommanderOperatorStep,
  gatekeeper: GatekeeperStep,
  'app-management': AppManagementStep,
  'core-app-deployments': CoreAppDeploymentsStep,
  'optional-app-deployments': OptionalAppDeploymentsStep,
  catalogs: CatalogsStep,
  kommander: KommanderStep,
};

/**
 * The steps in an order where each comes after the steps it depends on (the installer's order
 * where it allows; e.g. ChartMuseum, step 4, waits for Helm Repositories, step 5, whose
 * PriorityClasses its chart uses). A cycle in the step list is a programming error.
 */
function topological(defs: readonly StepDef[], deps: (d: StepDef) => StepId[]): StepDef[] {
  const out: StepDef[] = [];
  const placed = new Set<StepId>();
  const visiting = new Set<StepId>();
  const byId = new Map(defs.map((d) => [d.id, d]));
  const visit = (d: StepDef) => {
    if (placed.has(d.id)) return;
    if (visiting.has(d.id)) throw new Error(`steps: cycle through ${d.id} in lib/kommander/steps.ts`);
    visiting.add(d.id);
    for (const a of deps(d)) visit(byId.get(a)!);
    visiting.delete(d.id);
    placed.add(d.id);
    out.push(d);
  };
  for (const d of defs) visit(d);
  return out;
}

/**
 * The Kommander management tree for one kommander-applications release: every installer step of
 * the release's era (`STEPS`), each a Flux stage chained by `dependsOn` as the step list says,
 * plus the release tree itself copied into the repository root.
 *
 * Create it inside the root Folder: the stage Kustomizations are written there.
 */
export class KommanderTree extends Construct {
  /** Stages by step id (and `install-<app>` for the hand-over stages), in creation order. */
  public readonly stages: { [id: string]: Stage } = {};
  public readonly release: ReleaseView;
  /** The `management` GitRepository. */
  public readonly management: GitRepository;

  constructor(scope: Construct, id: string, props: KommanderTreeProps) {
    super(scope, id);
    const c = props.config;
    const root = Folder.find(this)!;
    if (!c.applicationDefinitions) {
      throw new ConfigError([{ path: 'applicationDefinitions', message: 'applicationDefinitions: is missing (the kommander-applications release tree to install, e.g. kommander-applications/v2.8.3)' }]);
    }
    let release: ReleaseView;
    try {
      release = props.release ?? readReleaseView(path.resolve(c.baseDir, c.applicationDefinitions));
    } catch (e) {
      if (!(e instanceof ReleaseError)) throw e;
      const available = e.available.length && !e.message.includes('available') ? ` (available: ${e.available.join(', ')})` : '';
      const fix = ' (point applicationDefinitions at a release tree: a mesosphere/kommander-applications tag, e.g. its release tarball)';
      throw new ConfigError([{ path: 'applicationDefinitions', message: `${e.message.startsWith('applicationDefinitions') ? '' : 'applicationDefinitions: '}${e.message}${available}${fix}` }]);
    }
    this.release = release;
    const resolved = resolveApps(c, release);
    // The release folders the tree applies (the variables must cover them).
    const prefixes = [
      ...[...STEP_APPS[release.era], ...resolved.optional]
        .filter((a) => resolved.versions.has(a) && (a !== 'chartmuseum' || c.airgapped.enabled)).map((a) => `${release.appsDir}/${a}/${resolved.versions.get(a)}`),
      `${release.appsDir}/gatekeeper/bootstrap`,
      'common',
      'clusters',
    ];
    const adopted: AdoptedApp[] = [];
    const ctx: StepContext = {
      config: c,
      release,
      source: props.source,
      secrets: props.secrets,
      root,
      adopted,
      appliedFolders: prefixes,
      fluxApi: release.fluxApi,
      versionOf: (app) => {
        const v = resolved.versions.get(app);
        if (!v) throw new Error(`applicationDefinitions: release ${release.tag} has no app ${app} (apps: ${[...release.apps.keys()].join(', ')})`);
        return v;
      },
      newStage: (s, sid, p) => {
        const stage = new Stage(s, sid, {
          namespace: FLUX_NAMESPACE,
          interval: c.flux.interval,
          retryInterval: c.flux.retryInterval,
          timeout: c.flux.timeout,
          ...p,
          source: p.source ?? props.source,
        });
        this.stages[p.name] = stage;
        return stage;
      },
    };

    // The step list of the release's era, minus the steps this config does not have.
    const defs = STEPS[release.era].filter((d) => this.included(d, c, resolved.optional));
    const byId = new Map<StepId, StepDef>(defs.map((d) => [d.id, d]));
    const all = new Map(STEPS[release.era].map((d) => [d.id, d]));
    // A skipped step's dependents wait for what the skipped step waited for.
    const deps = (d: StepDef): StepId[] => d.after.flatMap((a) => (byId.has(a) ? [a] : all.has(a) ? deps(all.get(a)!) : []));
    const done = new Map<StepId, Stage[]>();
    const constructs: { [id: string]: Construct } = {};
    for (const def of topological(defs, deps)) {
      const stage = def.stage
        ? ctx.newStage(root, `Stage-${def.id}`, {
            name: def.stage,
            path: `kommander/${def.id}`,
            description: `${def.title}: ${def.what}`,
            prune: def.prune ?? true,
            wait: def.wait ?? true,
            dependsOn: [...new Set(deps(def).flatMap((a) => done.get(a) ?? []))],
          })
        : undefined;
      const before = new Set(Object.values(this.stages));
      constructs[def.id] = new STEP_CONSTRUCTS[def.id](this, `Step-${def.id}`, { ctx, def, stage, apps: resolved.optional });
      // Dependents wait for every stage the step created (its own, its install stages, …).
      done.set(def.id, Object.values(this.stages).filter((s) => !before.has(s) || s === stage));
    }
    this.management = (constructs['flux-configuration'] as FluxConfigurationStep).management;

    // Every variable the applied release folders consume has a value.
    const missing = missingVariables(c, release, prefixes);
    if (missing.length) throw new MissingVariablesError(missing, release.tag);

    // Remaining encrypted Secrets: a stage of their own.
    const rest = props.secrets.claimRemaining();
    if (rest.length) {
      const secrets = ctx.newStage(root, 'Stage-secrets', {
        name: 'kommander-secrets',
        path: 'kommander/secrets',
        description: 'Other SOPS-encrypted Secrets from secrets/',
        dependsOn: [this.stages['kommander-base']],
      });
      for (const s of rest) new SopsSecret(secrets, `Secret-${s.namespace}-${s.name}`, { secret: s, stage: secrets, decryptionSecret: c.sops.secretName });
    }
  }

  private included(d: StepDef, c: PlatformConfig, optional: readonly string[]): boolean {
    switch (d.when ?? 'always') {
      case 'airgapped':
        return c.airgapped.enabled;
      case 'manifest':
        return c.flux.mode === 'manifest';
      case 'bootstrap-airgapped':
        return c.airgapped.enabled && c.flux.mode === 'bootstrap';
      case 'catalogs':
        return c.catalog.repositories.length > 0;
      case 'optional-apps':
        return optional.length > 0;
      default:
        return true;
    }
  }
}
