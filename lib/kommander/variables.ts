/**
 * The values of `kommander-vars` / `substitution-vars`: every `${var}` without a default that the
 * release's Kustomizations consume gets a value from the config (or one the installer computes),
 * and synth fails with the list of variables that have none.
 */
import { CERT_MANAGER_NAMESPACE, FLUX_NAMESPACE, KOMMANDER_CA, KOMMANDER_NAMESPACE, MANAGEMENT_CREDENTIALS } from '../config/defaults';
import { ConfigError } from '../config/load';
import { PlatformConfig } from '../config/types';
import { CONTROLLER_VARIABLES, ReleaseView } from './release-view';
import { byKey } from '../order';

/** The Secret names the steps create (values of the variables the release consumes). */
export const GITEA_TLS_SECRET = 'gitea-tls';
export const CHARTMUSEUM_ADMIN_SECRET = 'chartmuseum-admin-credentials';
export { KOMMANDER_CA };

/**
 * Image repositories of Kommander's own components, tagged with the release (`v2.8.3`): what the
 * installer writes into kommander-vars. Installer contract (the installer is not public): the
 * repositories follow the `mesosphere/kommander2-*` images the release's charts name elsewhere
 * (`common/kommander-operator`: `mesosphere/kommander2-core-installer`, `kommander2-kubetools`).
 * Override any of them with `kommander.variables`.
 */
const KOMMANDER_IMAGES: { readonly [prefix: string]: string } = {
  kommanderAppManagement: 'mesosphere/kommander2-appmanagement',
  kommanderAuthorizedlister: 'mesosphere/kommander2-authorizedlister',
  kommanderControllerManager: 'mesosphere/kommander2-controller-manager',
  kommanderControllerWebhook: 'mesosphere/kommander2-controller-webhook',
  kommanderFluxOperatorManager: 'mesosphere/kommander2-flux-operator',
  kommanderLicensingControllerManager: 'mesosphere/kommander2-licensing-controller-manager',
  kommanderLicensingControllerWebhook: 'mesosphere/kommander2-licensing-webhook',
};

/** Variables the release consumes without a default and nothing provides: one config error. */
export class MissingVariablesError extends ConfigError {
  constructor(
    public readonly missing: readonly { readonly name: string; readonly files: readonly string[] }[],
    release: string,
  ) {
    super([
      {
        path: 'kommander.variables',
        message:
          `kommander.variables: ${missing.length} variable(s) consumed by release ${release} have no value: ` +
          missing.map((m) => `${m.name} (${m.files.slice(0, 3).join(', ')}${m.files.length > 3 ? ', …' : ''})`).join('; ') +
          ' (set them under kommander.variables in the config)',
      },
    ]);
  }
}

/** The data of `kommander-vars` (sorted by key): computed values, then `kommander.variables`. */
export function kommanderVariables(c: PlatformConfig, r: ReleaseView, applied: readonly string[] = []): { [key: string]: string } {
  const data: { [key: string]: string } = {
    ageEncryptionSecretKey: c.sops.secretKey,
    ageEncryptionSecretName: c.sops.secretName,
    airgappedEnabled: String(c.airgapped.enabled),
    caIssuerName: KOMMANDER_CA,
    caSecretName: KOMMANDER_CA,
    caSecretNamespace: CERT_MANAGER_NAMESPACE,
    certificateIssuerKind: 'ClusterIssuer',
    certificateIssuerName: KOMMANDER_CA,
    certificatesCAIssuerName: KOMMANDER_CA,
    certificatesIssuerKind: 'ClusterIssuer',
    certificatesIssuerName: KOMMANDER_CA,
    kommanderFluxNamespace: FLUX_NAMESPACE,
    kommanderGitCredentialsSecretName: MANAGEMENT_CREDENTIALS,
    kommanderAppManagementReplicas: '1',
    kommanderAppManagementKubetoolsImageRepository: 'mesosphere/kommander2-kubetools',
    kommanderAppManagementWebhookImageRepository: 'mesosphere/kommander2-appmanagement-webhook',
    kommanderAppManagementConfigAPIImageRepository: 'mesosphere/kommander2-appmanagement-config-api',
    tfaName: 'traefik-forward-auth-mgmt',
  };
  for (const [prefix, repo] of Object.entries(KOMMANDER_IMAGES)) {
    data[`${prefix}ImageRepository`] = repo;
    data[`${prefix}ImageTag`] = r.tag;
  }
  if (r.era === 'services') {
    data.adminCredentialsSecret = c.gitea.adminSecret;
    data.tlsCertificateSecret = GITEA_TLS_SECRET;
    if (c.airgapped.enabled) data.chartmuseumAdminCredentialsSecret = CHARTMUSEUM_ADMIN_SECRET;
  }
  const ceph = r.apps.get('rook-ceph');
  if (ceph && c.apps['rook-ceph-cluster'] && c.apps['rook-ceph-cluster'].enabled !== false) data.desiredCephOperatorVersion = ceph[ceph.length - 1];
  if (c.airgapped.enabled && c.airgapped.helmMirror) data.helmMirrorURL = c.airgapped.helmMirror;
  // A variable some files use without a default takes the default the release writes for it
  // elsewhere (kubetoolsImageRepository: `:=bitnami/kubectl` ×15 in v2.8.3): the release decides.
  for (const v of r.variables.values()) {
    if (v.defaulted || v.name in data || !v.defaults.length || CONTROLLER_VARIABLES.includes(v.name as never)) continue;
    if (v.files.some((f) => inFolders(f, applied))) data[v.name] = v.defaults[0];
  }
  for (const [k, v] of Object.entries(c.kommander.variables ?? {})) data[k] = v;
  return Object.fromEntries(Object.entries(data).sort(byKey(([k]) => k)));
}

/** True when a release-relative file is in one of the folders. */
function inFolders(f: string, folders: readonly string[]): boolean {
  return folders.some((p) => f === p || f.startsWith(`${p}/`));
}

/** The data of `substitution-vars`: the namespace variables the release reads from it (plus kommander-vars). */
export function substitutionVariables(c: PlatformConfig, r: ReleaseView, applied: readonly string[] = []): { [key: string]: string } {
  const data = { ...kommanderVariables(c, r, applied), releaseNamespace: KOMMANDER_NAMESPACE, workspaceNamespace: KOMMANDER_NAMESPACE };
  return Object.fromEntries(Object.entries(data).sort(byKey(([k]) => k)));
}

/**
 * Variables (without a default) used by the release folders under `prefixes` that neither
 * ConfigMap nor the controller's inline substitution provides.
 */
export function missingVariables(c: PlatformConfig, r: ReleaseView, prefixes: readonly string[]): { name: string; files: string[] }[] {
  const provided = new Set<string>([...Object.keys(substitutionVariables(c, r, prefixes)), ...CONTROLLER_VARIABLES]);
  const out: { name: string; files: string[] }[] = [];
  for (const v of r.variables.values()) {
    if (v.defaulted || provided.has(v.name)) continue;
    const files = v.files.filter((f) => inFolders(f, prefixes));
    if (files.length) out.push({ name: v.name, files });
  }
  return out;
}
