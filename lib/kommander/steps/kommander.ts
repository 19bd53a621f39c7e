import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { k8s } from '../../k8s';
import { mergeValues } from '../values';
import { appFolder } from '../release-view';
import { adoptApps } from './core-app-deployments';
import { HandOver, KOMMANDER_CA, KOMMANDER_NAMESPACE, overridesName, StepContext, StepProps } from './context';
import { ACME_ISSUER } from './ingress-certificate';

/** `requiredDependencies` of an app's metadata.yaml (per app in the services era, per version later). */
export function requiredDependencies(ctx: StepContext, app: string, version: string): string[] {
  const r = ctx.release;
  for (const rel of [`${appFolder(r, app, version)}/metadata.yaml`, `${r.appsDir}/${app}/metadata.yaml`]) {
    const file = path.join(r.root, rel);
    if (fs.existsSync(file)) return [...((YAML.parse(fs.readFileSync(file, 'utf8'))?.requiredDependencies as string[] | undefined) ?? [])];
  }
  return [];
}

/**
 * Step Kommander (Installation Part II): the kommander chart's overrides ConfigMap (the release's
 * optional `valuesFrom`: `kommander-0.8.3-overrides` / `kommander-overrides`) with the
 * self-attached cluster's ingress settings and `apps.kommander.values`; then kommander's
 * `requiredDependencies` (metadata.yaml: `kubefed`) and kommander itself with their release
 * defaults (issuers, CA, Git and age Secrets, images; v2.17.1: OCI catalog collections), applied
 * once; then their AppDeployments (stage `kommander-appdeployments-part-ii`).
 *
 * The ingress value keys (`kommanderCluster.ingress`) are an installer contract, unverified: the
 * kommander chart is not public.
 */
export class KommanderStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    const c = ctx.config;
    const stage = props.stage!;
    const version = ctx.versionOf('kommander');
    const overrides = overridesName(ctx, 'kommander', version);
    const tls = c.acme
      ? { issuerRef: { name: ACME_ISSUER, kind: 'ClusterIssuer' } }
      : c.ingressCertificate
        ? { certificateSecretRef: { name: c.ingressCertificate.secretName } }
        : { issuerRef: { name: KOMMANDER_CA, kind: 'ClusterIssuer' } };
    const values = mergeValues({ kommanderCluster: { ingress: { hostname: c.clusterHostname, ...tls } } }, c.apps.kommander?.values ?? {});
    new k8s.KubeConfigMap(stage.folder, 'Overrides', {
      metadata: { name: overrides, namespace: KOMMANDER_NAMESPACE },
      data: { 'values.yaml': Yaml.stringify(values) },
    });
    const installs: HandOver[] = [];
    for (const dep of requiredDependencies(ctx, 'kommander', version)) {
      installs.push(new HandOver(this, `Install-${dep}`, { ctx, after: stage, app: dep, version: ctx.versionOf(dep), adoptedBy: 'kommander' }));
    }
    const kommander = new HandOver(this, 'Install-kommander', { ctx, after: stage, app: 'kommander', version, adoptedBy: 'kommander', overrides });
    for (const i of installs) kommander.stage.addDependsOn(i.stage);
    installs.push(kommander);
    const adopt = ctx.newStage(ctx.root, 'Adopt', {
      name: 'kommander-appdeployments-part-ii',
      path: 'kommander/kommander-appdeployments',
      dependsOn: installs.map((i) => i.stage),
      wait: false,
      description: 'AppDeployments adopting what Part II applied',
    });
    adoptApps(adopt.folder, ctx, ctx.adopted.filter((a) => a.adoptedBy === 'kommander'));
  }
}
