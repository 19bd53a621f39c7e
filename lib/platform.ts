import * as path from 'path';
import { Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import * as kustomize from '../imports/kustomize.toolkit.fluxcd.io';
import { bootstrapGuide } from './bootstrap';
import { FLUX_NAMESPACE, KOMMANDER_NAMESPACE } from './config/defaults';
import { PlatformConfig } from './config/types';
import { GitRepository } from './flux/sources';
import { gardenerSection } from './gardener/config';
import { fluxNamespaceOf, gardenerComponentVersions, gardenerExternalApis, gardenerExternals } from './gardener/flux';
import { ExpectedComponentVersion } from './gardener/vector';
import { GardenerSecrets } from './gardener/secrets';
import { GardenerTree } from './gardener/tree';
import { FLUX_API_CONTEXT } from './flux/api';
import { readReleaseView, ReleaseView } from './kommander/release-view';
import { KommanderTree } from './kommander/tree';
import { SecretStore, SopsFileInspector } from './secrets/sops-secrets';
import { Folder, TreeFile } from './tree/folder';

/** Name of the root sync objects: `flux bootstrap` names them after the Flux namespace. */
export const ROOT_SYNC_NAME = FLUX_NAMESPACE;

/** Props of `ManagementRepository`. */
export interface ManagementRepositoryProps {
  readonly config: PlatformConfig;
  /** Checks each encrypted file under `secrets/`. */
  readonly inspectSecret: SopsFileInspector;
}

/**
 * What `npm run check` must treat as existing outside the tree, as the config implies it: the
 * Secrets created by hand at bootstrap (BOOTSTRAP.md: the age identity in every namespace that
 * decrypts, the Git credentials), the Gardenlet API (served by gardener-apiserver in the virtual
 * garden, not by a CRD), plus the config's own `check` declarations.
 */
export function checkDeclarations(c: PlatformConfig): { external: string[]; externalCrds: string[]; crdFiles: string[]; componentVector: ExpectedComponentVersion[] } {
  return {
    // A Kommander tree runs on its release's Flux: validate against that Flux's CRDs.
    crdFiles: c.kommander.enabled && c.applicationDefinitions ? releaseFluxCrdFiles(path.resolve(c.baseDir, c.applicationDefinitions)) : [],
    external: [
      `Secret/*/${c.sops.secretName}`,
      `Secret/${fluxNamespaceOf(c)}/${c.git.credentialsSecret}`,
      // applications era: kommander-operator (not a stage) deploys AppManagement's HelmRelease, which
      // the AppManagement stage health-checks (rule readiness).
      ...(c.kommander.enabled && releaseEra(c) === 'applications' ? [`HelmRelease/${KOMMANDER_NAMESPACE}/kommander-appmanagement`] : []),
      ...gardenerExternals(c),
      ...c.check.external,
    ],
    externalCrds: [
      ...gardenerExternalApis(c),
      // Kommander: cert-manager is a prerequisite of the cluster (NKP pre-flight; Konvoy installs it).
      ...(c.kommander.enabled ? KOMMANDER_EXTERNAL_CRDS : []),
      // applications era: kommander-operator (chart from Git) installs KommanderCore's CRD and,
      // for it, AppManagement with the AppDeployment CRDs.
      ...(c.kommander.enabled && releaseEra(c) === 'applications' ? ['apps.kommander.d2iq.io', 'dkp.d2iq.io'] : []),
      ...c.check.externalCrds,
    ],
    componentVector: gardenerComponentVersions(c),
  };
}

/** API groups whose CRDs a Kommander cluster has before the tree: cert-manager's. */
export const KOMMANDER_EXTERNAL_CRDS = ['cert-manager.io'];

/** The config's release; undefined when it cannot be read (the Kommander tree reports why). */
function tryReadRelease(c: PlatformConfig): ReleaseView | undefined {
  try {
    return c.applicationDefinitions ? readReleaseView(path.resolve(c.baseDir, c.applicationDefinitions)) : undefined;
  } catch {
    return undefined;
  }
}

/** The era of the config's release, when it can be read. */
function releaseEra(c: PlatformConfig): string | undefined {
  try {
    return c.applicationDefinitions ? readReleaseView(path.resolve(c.baseDir, c.applicationDefinitions)).era : undefined;
  } catch {
    return undefined;
  }
}

/** The release's Flux CRD files; [] when the tree cannot be read (synth reports that). */
function releaseFluxCrdFiles(root: string): string[] {
  try {
    return [...readReleaseView(root).fluxCrdFiles];
  } catch {
    return [];
  }
}

/** The `.sops.yaml` creation rules: public age recipients only. */
export function sopsCreationRules(recipients: readonly string[]): string {
  return Yaml.stringify({
    creation_rules: [
      {
        path_regex: '.*\\.ya?ml$',
        encrypted_regex: '^(data|stringData)$',
        age: [...recipients].join(','),
      },
    ],
  });
}

/**
 * The whole management repository: the root folder `clusters/<clusterName>` with the sync objects
 * and one Kustomization per stage, the stage folders, `.sops.yaml` and `BOOTSTRAP.md`.
 */
export class ManagementRepository extends Construct {
  public readonly root: Folder;
  public readonly rootSource: GitRepository;
  public readonly kommander?: KommanderTree;
  public readonly gardener?: GardenerTree;

  constructor(scope: Construct, id: string, props: ManagementRepositoryProps) {
    super(scope, id);
    const c = props.config;
    // A Kommander tree runs on its release's Flux: every Flux object of the repository (the
    // Gardener tree's too) uses the API versions that Flux serves.
    const release = c.kommander.enabled ? tryReadRelease(c) : undefined;
    if (release) this.node.setContext(FLUX_API_CONTEXT, release.fluxApi);
    this.root = new Folder(this, 'Root', { path: `clusters/${c.clusterName}` });
    const url = c.git.url;
    // The sync objects `flux bootstrap --namespace kommander-flux --path clusters/<name>` creates,
    // adopted by the tree so that Git manages them from then on.
    const ns = fluxNamespaceOf(c); // flux-system for a Gardener-only tree
    this.rootSource = new GitRepository(this.root, 'RootSource', {
      name: ns,
      namespace: ns,
      url,
      branch: c.git.branch,
      secretName: c.git.credentialsSecret,
      interval: c.git.interval,
    });
    new kustomize.Kustomization(this.root, 'RootKustomization', {
      metadata: { name: ns, namespace: ns },
      spec: {
        interval: c.flux.interval,
        path: `./${this.root.path}`,
        prune: true,
        sourceRef: { kind: kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: ns },
      },
    });
    const secrets = SecretStore.load(c.baseDir, c.sops.ageRecipients, props.inspectSecret);
    // The landscape's Secrets are claimed first: the Kommander tree sweeps the unclaimed ones.
    const gardenerSecrets = gardenerSection(c)?.enabled ? GardenerSecrets.claim(c, secrets) : undefined;
    if (c.kommander.enabled) {
      this.kommander = new KommanderTree(this.root, 'Kommander', { config: c, source: this.rootSource, secrets, release });
    }
    if (gardenerSecrets) {
      // One cert-manager: the Kommander tree's when it exists.
      this.gardener = new GardenerTree(this.root, 'Gardener', {
        config: c,
        source: this.rootSource,
        secrets: gardenerSecrets,
        otherSecrets: this.kommander ? [] : secrets.claimRemaining(),
      });
    }
    if (c.sops.ageRecipients.length) {
      new TreeFile(this, 'SopsConfig', { path: '.sops.yaml', content: sopsCreationRules(c.sops.ageRecipients) });
    }
    // Flux is the release's: BOOTSTRAP.md installs that version.
    const fluxVersion = this.kommander?.release.fluxVersion ?? c.flux.version;
    // Gitea hosts the management repository only in the services era (v2.17.1: git-operator).
    const gitea = this.kommander ? { ...c.gitea, enabled: this.kommander.release.era === 'services' } : c.gitea;
    new TreeFile(this, 'Bootstrap', { path: 'BOOTSTRAP.md', content: bootstrapGuide({ ...c, gitea, flux: { ...c.flux, version: fluxVersion } }, this.root.path, url) });
  }
}
