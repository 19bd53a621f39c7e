import { Construct } from 'constructs';
import { Certificate } from '../../certmanager';
import { ConfigError } from '../../config/load';
import { HelmRepository } from '../../flux/sources';
import { addReleaseFolder, FLUX_NAMESPACE, KOMMANDER_CA_ISSUER, StepProps, VARS_CONFIGMAP } from './context';

/**
 * Step Helm Repositories: the release's `common/base` (every HelmRepository of
 * `common/helm-repositories`, URL `${helmMirrorURL:=<upstream>}`, and the PriorityClasses of
 * `common/priority-classes`). Air-gapped: `common/airgapped` (the same repositories with
 * `certSecretRef: tls-root-ca`) + `common/priority-classes`, and Secret `kommander-flux/tls-root-ca`
 * (a Certificate from `kommander-ca`, whose `ca.crt` is the root CA the in-cluster mirror is signed
 * with). Extra repositories of the config (`helmRepositories`) are added the same way.
 */
export class HelmRepositoriesStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    const { ctx } = props;
    const stage = props.stage!;
    if (ctx.config.airgapped.enabled) {
      addReleaseFolder(ctx, stage.folder, 'common/airgapped');
      addReleaseFolder(ctx, stage.folder, 'common/priority-classes');
      new Certificate(stage.folder, 'TlsRootCa', {
        name: 'tls-root-ca',
        namespace: FLUX_NAMESPACE,
        secretName: 'tls-root-ca',
        commonName: 'tls-root-ca',
        dnsNames: ['tls-root-ca.kommander-flux.svc'],
        issuer: KOMMANDER_CA_ISSUER,
      });
    } else {
      addReleaseFolder(ctx, stage.folder, 'common/base');
    }
    const clash = ctx.config.helmRepositories
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => ctx.release.helmRepositories.includes(r.name))
      .map(({ r, i }) => ({
        path: `helmRepositories[${i}].name`,
        message: `helmRepositories[${i}].name: ${JSON.stringify(r.name)} is a HelmRepository of release ${ctx.release.tag} (common/helm-repositories applies it already; remove the entry or choose another name)`,
      }));
    if (clash.length) throw new ConfigError(clash);
    for (const r of ctx.config.helmRepositories) {
      new HelmRepository(stage.folder, `HelmRepository-${r.name}`, { name: r.name, namespace: FLUX_NAMESPACE, url: `\${helmMirrorURL:=${r.url}}`, fluxApi: ctx.fluxApi });
    }
    stage.addSubstitutionSource({ kind: 'ConfigMap', name: VARS_CONFIGMAP });
  }
}
