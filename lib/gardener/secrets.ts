/**
 * The credential Secrets of the landscape, resolved against the repository's `secrets/` once.
 *
 * Claim them (`GardenerSecrets.claim`) before any tree sweeps the unclaimed SOPS files into a
 * catch-all stage: the Kommander tree does so at the end of its constructor.
 */
import { PlatformConfig } from '../config/types';
import { SecretStore, SopsSecretFile } from '../secrets/sops-secrets';
import { CredentialsRef, GardenerConfig, gardenerSection } from './config';
import { GARDEN_NAMESPACE } from './defaults';
import { normalizeSopsPath } from './validate';

/** A credential Secret: its name in its namespace, and the encrypted file when it is committed. */
export interface ResolvedSecret {
  readonly name: string;
  readonly namespace: string;
  /** The SOPS file, copied byte for byte by the stages that apply it. @default - an existing Secret */
  readonly file?: SopsSecretFile;
}

function resolve(store: SecretStore, ref: CredentialsRef, namespace: string, where: string): ResolvedSecret {
  if (ref.secretName !== undefined) return { name: ref.secretName, namespace };
  if (ref.sopsFile === undefined) throw new Error(`${where}: names no Secret (set secretName or sopsFile)`);
  const wanted = normalizeSopsPath(ref.sopsFile);
  const file = store.all.find((f) => f.file === wanted);
  if (!file) {
    throw new Error(`${where}.sopsFile: "${ref.sopsFile}" is not one of the encrypted Secrets under secrets/ (expected secrets/${namespace}/<name>.sops.yaml next to the config file)`);
  }
  if (file.namespace !== namespace) {
    throw new Error(`${where}.sopsFile: the Secret in "${ref.sopsFile}" is in namespace ${file.namespace}, but it is used in namespace ${namespace}`);
  }
  store.claim(file.namespace, file.name);
  return { name: file.name, namespace: file.namespace, file };
}

/** Every Secret the Gardener tree references. */
export class GardenerSecrets {
  /** Resolves (and claims) the credential Secrets of `config.gardener`. */
  public static claim(config: PlatformConfig, store: SecretStore): GardenerSecrets {
    const g = gardenerSection(config);
    if (!g) throw new Error('GardenerSecrets.claim: the config has no gardener section');
    return new GardenerSecrets(g, store);
  }

  /** DNS provider credentials (namespace garden). */
  public readonly dns: ResolvedSecret;
  /** MAC key of the ACME external account binding (namespace garden). */
  public readonly acmeEab?: ResolvedSecret;
  /** Object store credentials (namespace garden). */
  public readonly backup?: ResolvedSecret;
  /** The dashboard's OIDC client (namespace garden, keys client_id, client_secret). */
  public readonly oidcClient?: ResolvedSecret;

  private constructor(g: GardenerConfig, store: SecretStore) {
    this.dns = resolve(store, g.dns.credentials, GARDEN_NAMESPACE, 'gardener.dns.credentials');
    const eab = g.issuer?.acme.externalAccountBinding;
    if (eab) this.acmeEab = resolve(store, eab.keySecret, GARDEN_NAMESPACE, 'gardener.issuer.acme.externalAccountBinding.keySecret');
    if (g.backups) this.backup = resolve(store, g.backups.credentials, GARDEN_NAMESPACE, 'gardener.backups.credentials');
    const oidc = g.virtualGarden.oidc;
    if (oidc) this.oidcClient = resolve(store, oidc.clientSecret, GARDEN_NAMESPACE, 'gardener.virtualGarden.oidc.clientSecret');
  }

  /** The distinct committed files among `secrets`, in the given order. */
  public static files(...secrets: (ResolvedSecret | undefined)[]): SopsSecretFile[] {
    const out: SopsSecretFile[] = [];
    for (const s of secrets) if (s?.file && !out.includes(s.file)) out.push(s.file);
    return out;
  }
}
