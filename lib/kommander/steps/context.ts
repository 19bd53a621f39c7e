/**
 * What every installer step construct receives, and the hand-over ("applied directly, then
 * adopted") shared by the steps that install an app before its AppDeployment exists.
 */
import * as fs from 'fs';
import * as nodePath from 'path';
import { ApiObject, JsonPatch } from 'cdk8s';
import * as YAML from 'yaml';
import { Construct } from 'constructs';
import { IIssuer } from '../../certmanager';
import { FLUX_NAMESPACE, KOMMANDER_CA, KOMMANDER_NAMESPACE } from '../../config/defaults';
import { PlatformConfig } from '../../config/types';
import { ISource } from '../../flux/sources';
import { Stage, StageProps } from '../../flux/stage';
import { SecretStore, SopsSecret } from '../../secrets/sops-secrets';
import { Folder } from '../../tree/folder';
import { appFolder, hasPath, ReleaseView } from '../release-view';
import { StepDef } from '../steps';
import { compareCodeUnits } from '../../order';

/** The substitution ConfigMaps the installer creates (Kommander contract; no release file defines them). */
export const VARS_CONFIGMAP = 'kommander-vars';
export const SUBSTITUTION_VARS_CONFIGMAP = 'substitution-vars';
/** The management GitRepository every app Kustomization of the release reads (`kommander-flux/management`). */
export const MANAGEMENT_REPOSITORY = 'management';
export { MANAGEMENT_CREDENTIALS, KOMMANDER_CA } from '../../config/defaults';

/** ClusterIssuer `kommander-ca` (created by the Root CA step from the release's root-ca folder). */
export const KOMMANDER_CA_ISSUER: IIssuer = { issuerRef: { name: KOMMANDER_CA, kind: 'ClusterIssuer', group: 'cert-manager.io' } };

/** Annotations that make Flux apply an object once and never update or delete it afterwards. */
export const APPLY_ONCE_ANNOTATIONS = {
  'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
} as const;

/** An app installed by a step and adopted by an AppDeployment. */
export interface AdoptedApp {
  readonly app: string;
  readonly version: string;
  /** The configOverrides ConfigMap the install already used. @default - none */
  readonly overrides?: string;
  /** `core` (Core AppDeployments step) or `kommander` (Part II). */
  readonly adoptedBy: 'core' | 'kommander';
}

export interface StepContext {
  readonly config: PlatformConfig;
  readonly release: ReleaseView;
  /** The root GitRepository (the user's repository Flux bootstraps from). */
  readonly source: ISource;
  readonly secrets: SecretStore;
  /** The folder the stage Kustomizations are written to (the root folder). */
  readonly root: Folder;
  /** Release folders the tree applies (stages, install stages, AppDeployments): what the variables must cover. */
  readonly appliedFolders: readonly string[];
  /** The apiVersion of each Flux kind the release's Flux serves. */
  readonly fluxApi: ReleaseView['fluxApi'];
  /** The resolved version of each app the tree deploys (`apps.<id>.version`, else the release's). */
  readonly versionOf: (app: string) => string;
  /** Apps adopted by AppDeployments, registered by the steps that install them. */
  readonly adopted: AdoptedApp[];
  /** Stage factory (interval, timeout and source from the config). */
  readonly newStage: (scope: Construct, id: string, props: Omit<StageProps, 'source'> & { readonly source?: ISource }) => Stage;
}

/** Props of every step construct. */
export interface StepProps {
  readonly ctx: StepContext;
  readonly def: StepDef;
  /** The step's stage (undefined for a files-only step). */
  readonly stage?: Stage;
}

/** The inline variables Kommander's AppDeployment controller passes for an app (DKP 2.2 docs; `appVersion` from v2.16). */
export function controllerVariables(ctx: StepContext, app: string, version: string): { [k: string]: string } {
  const v: { [k: string]: string } = { releaseName: app, releaseNamespace: KOMMANDER_NAMESPACE, workspaceNamespace: KOMMANDER_NAMESPACE };
  if (ctx.release.era === 'applications') v.appVersion = version;
  return v;
}

/** Relative path from one repository folder to another (both repository-relative). */
export function relPath(from: string, to: string): string {
  const up = from.split('/').map(() => '..').join('/');
  return `${up}/${to}`;
}

/**
 * Makes a stage folder apply a release folder: listed as a kustomize base when the folder has a
 * `kustomization.yaml`; otherwise (e.g. `cert-manager/<v>/root-ca`, which Flux builds with a
 * generated kustomization) its manifests are read and emitted as they are, variables left for Flux.
 */
export function addReleaseFolder(ctx: StepContext, folder: Folder, rel: string, inline = false): void {
  const hasKustomization = hasPath(ctx.release, `${rel}/kustomization.yaml`);
  if (hasKustomization && !inline) {
    folder.addResource(relPath(folder.path, rel));
    return;
  }
  const dir = nodePath.join(ctx.release.root, rel);
  const files = hasKustomization
    ? ((YAML.parse(fs.readFileSync(nodePath.join(dir, 'kustomization.yaml'), 'utf8'))?.resources ?? []) as string[])
    : fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort(compareCodeUnits);
  for (const f of files) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(nodePath.join(dir, f), 'utf8'))) {
      const obj = doc.toJS();
      if (!obj || !obj.kind) continue;
      const ns = obj.metadata?.namespace ?? '';
      new ApiObject(folder, `Release-${obj.kind}-${ns}-${obj.metadata.name}`, obj);
    }
  }
}

/** Adds an encrypted Secret from `secrets/` to a stage, when there is one. */
export function addSopsSecret(ctx: StepContext, stage: Stage, namespace: string, name: string): boolean {
  const file = ctx.secrets.claim(namespace, name);
  if (file) new SopsSecret(stage, `Secret-${namespace}-${name}`, { secret: file, stage, decryptionSecret: ctx.config.sops.secretName });
  return file !== undefined;
}

export interface HandOverProps {
  readonly ctx: StepContext;
  /** The step stage this install follows (its objects, e.g. overrides or Secrets, exist first). */
  readonly after: Stage;
  readonly app: string;
  readonly version: string;
  /**
   * Release-relative folders to apply. @default - the app version folder and, when the release
   * has one, its `defaults/` (what the AppDeployment controller applies)
   */
  readonly folders?: readonly string[];
  /** Wait for the applied objects. @default true */
  readonly wait?: boolean;
  /** Who adopts it. @default core */
  readonly adoptedBy?: 'core' | 'kommander';
  /** The configOverrides ConfigMap the install used. @default - none */
  readonly overrides?: string;
  /** Register for adoption by an AppDeployment. @default true */
  readonly adopt?: boolean;
}

/**
 * "Applied directly, then adopted": a stage of its own (`kommander-install-<app>`) applies the
 * app's release folders once, with the variables the AppDeployment controller will use
 * (`releaseName` = app id, `releaseNamespace`/`workspaceNamespace` = kommander, `appVersion`), so
 * that the objects are the ones the controller generates. Every object gets
 * `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent` and `prune: disabled` (`spec.commonMetadata`)
 * and the stage has `prune: false`: Flux creates the objects once and never updates or deletes
 * them; the AppDeployment's Kustomization then applies the same objects and owns them alone.
 */
export class HandOver extends Construct {
  public readonly stage: Stage;

  constructor(scope: Construct, id: string, props: HandOverProps) {
    super(scope, id);
    const { ctx, app, version } = props;
    const r = ctx.release;
    const versionDir = appFolder(r, app, version);
    const folders = props.folders ?? [versionDir, ...(hasPath(r, `${versionDir}/defaults/kustomization.yaml`) ? [`${versionDir}/defaults`] : [])];
    const path = `kommander/install/${app}`;
    this.stage = ctx.newStage(ctx.root, `Install-${app}`, {
      name: `kommander-install-${app}`,
      path,
      dependsOn: [props.after],
      prune: false,
      wait: props.wait ?? true,
      substitute: controllerVariables(ctx, app, version),
      substituteFrom: [
        { kind: 'ConfigMap', name: VARS_CONFIGMAP },
        { kind: 'ConfigMap', name: SUBSTITUTION_VARS_CONFIGMAP },
      ],
      description: `Applies ${folders.join(' + ')} once; adopted by AppDeployment ${app}`,
    });
    for (const f of folders) addReleaseFolder(ctx, this.stage.folder, f);
    if (props.adopt ?? true) this.stage.resource.addJsonPatch(JsonPatch.add('/spec/commonMetadata', { annotations: { ...APPLY_ONCE_ANNOTATIONS } }));
    if (props.adopt ?? true) ctx.adopted.push({ app, version, overrides: props.overrides, adoptedBy: props.adoptedBy ?? 'core' });
  }
}

/** The name of the optional overrides ConfigMap an app's HelmRelease lists (`<app>-overrides` unless the release names another). */
export function overridesName(ctx: StepContext, app: string, version: string): string {
  const names = overridesNames(ctx, app, version);
  return names.find((n) => n === `${app}-overrides`) ?? names[0] ?? `${app}-overrides`;
}

function overridesNames(ctx: StepContext, app: string, version: string): string[] {
  const dir = `${appFolder(ctx.release, app, version)}/`;
  const out: string[] = [];
  const re = /name:\s*["']?([A-Za-z0-9${}._-]+-overrides)["']?\s*\n\s*optional:\s*true/g;
  for (const f of ctx.release.files) {
    if (!f.startsWith(dir) || !/\.ya?ml$/.test(f)) continue;
    const text = fs.readFileSync(nodePath.join(ctx.release.root, f), 'utf8');
    for (const m of text.matchAll(re)) {
      const n = m[1].replace(/\$\{releaseName\}/g, app).replace(/\$\{appVersion\}/g, version);
      if (!n.includes('${') && !out.includes(n)) out.push(n);
    }
  }
  return out;
}

export { FLUX_NAMESPACE, KOMMANDER_NAMESPACE };
