/**
 * Which app versions the tree deploys: the release's version of every app (the newest it ships),
 * unless `apps.<id>.version` selects another one the release ships. Every `apps.<id>` must be an
 * app of the release and every version one of its versions: otherwise one ConfigError per key,
 * naming what was found and what is available, and nothing is written.
 */
import { ConfigError } from '../config/load';
import { ConfigProblem, formatPath } from '../config/schema';
import { PlatformConfig } from '../config/types';
import { ReleaseView } from './release-view';
import { STEPS } from './steps';
import { compareCodeUnits } from '../order';

/** Apps the installer steps of each era deploy themselves (never optional AppDeployments). */
export const STEP_APPS: { readonly [era: string]: readonly string[] } = {
  services: ['cert-manager', 'chartmuseum', 'gatekeeper', 'gitea', 'kommander', 'kommander-appmanagement', 'kommander-flux', 'kubefed'],
  applications: ['cert-manager', 'gatekeeper', 'git-operator', 'kommander', 'kommander-appmanagement', 'kommander-flux', 'kubefed'],
};

export interface ResolvedApps {
  /** App id -> version, for every app of the release. */
  readonly versions: ReadonlyMap<string, string>;
  /** Enabled apps of the config that no step deploys (code-unit order). */
  readonly optional: readonly string[];
}

export function resolveApps(c: PlatformConfig, r: ReleaseView): ResolvedApps {
  const problems: ConfigProblem[] = [];
  const versions = new Map<string, string>();
  for (const [app, vs] of r.apps) versions.set(app, vs[vs.length - 1]);
  const available = [...r.apps.keys()];
  const stepApps = STEP_APPS[r.era];
  for (const [app, cfg] of Object.entries(c.apps)) {
    const vs = r.apps.get(app);
    if (!vs) {
      const p = formatPath(['apps', app]);
      problems.push({
        path: p,
        message: `${p}: "${app}" is not an app of release ${r.tag} (${r.appsDir}/ of ${c.applicationDefinitions}); available: ${available.join(', ')} (remove the key or use one of them)`,
      });
      continue;
    }
    if (cfg.version !== undefined && cfg.version !== '') {
      if (!vs.includes(cfg.version)) {
        const p = formatPath(['apps', app, 'version']);
        problems.push({
          path: p,
          message: `${p}: "${cfg.version}" is not a version of ${app} in release ${r.tag}; available: ${vs.join(', ')} (remove the key for the release's ${vs[vs.length - 1]}, or use one of them)`,
        });
        continue;
      }
      versions.set(app, cfg.version);
    }
    if (stepApps.includes(app) && cfg.enabled === false && !(app === 'chartmuseum' && !c.airgapped.enabled)) {
      const p = formatPath(['apps', app, 'enabled']);
      const step = STEPS[r.era].find((s) => s.id === app || (app === 'kommander' && s.id === 'kommander'));
      problems.push({
        path: p,
        message: `${p}: false, but ${app} is installed by the installer${step ? ` (step ${step.title})` : ''} of release ${r.tag} (remove the key or set it to true)`,
      });
    }
  }
  if (r.era === 'services' && c.gitea.enabled === false) {
    problems.push({
      path: 'gitea.enabled',
      message: `gitea.enabled: false, but release ${r.tag} installs Gitea (step Gitea: it hosts the in-cluster management repository every app Kustomization reads; remove the key or set it to true)`,
    });
  }
  if (r.era === 'services' && c.gitea.enabled !== false && c.gitea.hostsManagementRepository === false) {
    problems.push({
      path: 'gitea.hostsManagementRepository',
      message: `gitea.hostsManagementRepository: false, but release ${r.tag}'s app Kustomizations read GitRepository kommander-flux/management, which is Gitea in this era (remove the key or set it to true)`,
    });
  }
  if (r.era === 'services' && Object.keys(c.gitea.values).length) {
    problems.push({
      path: 'gitea.values',
      message: `gitea.values: ${JSON.stringify(c.gitea.values)} would be ignored: release ${r.tag}'s Gitea HelmRelease reads only its own defaults (gitea-<version>-d2iq-defaults; remove the key)`,
    });
  }
  if (r.era === 'applications' && c.catalog.repositories.length) {
    problems.push({
      path: 'catalog.repositories',
      message: `catalog.repositories: ${c.catalog.repositories.length} catalog GitRepositories, but release ${r.tag} has OCI catalog collections instead (kommander values \`catalogCollections\`; set them under apps.kommander.values.catalogCollections and remove catalog.repositories)`,
    });
  }
  if (problems.length) throw new ConfigError(problems);
  const optional = Object.entries(c.apps)
    .filter(([app, cfg]) => cfg.enabled !== false && !stepApps.includes(app))
    .map(([app]) => app)
    .sort(compareCodeUnits);
  return { versions, optional };
}
