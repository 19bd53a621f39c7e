/**
 * Secrets that a Kommander release ships in its own tree with readable values that are not secret
 * by construction, recognized exactly (name, keys and the shape of every value) so that the
 * plaintext guard (lib/sops/guard.ts) can copy the release as it is and still refuse every other
 * readable Secret.
 *
 * - `flux-oci-mirror-config` (NKP v2.17.1 `applications/kommander-flux/2.7.2/mirror/flux-oci-mirror.yaml`):
 *   `stringData.config.yaml` holds only the mirror's `listen_addr`, and `data.ca.crt` is empty (the
 *   CA is mounted from `flux-oci-mirror-ca-secret`, which the release does not ship).
 */

/** Keys of the flux-oci-mirror configuration that carry no credential. */
const OCI_MIRROR_CONFIG_LINE = /^listen_addr: *"?:?[0-9]{1,5}"?$/;

/** True for the release's flux-oci-mirror configuration Secret, and for nothing else. */
export function isReleaseOciMirrorConfig(obj: Record<string, unknown>): boolean {
  if (obj.kind !== 'Secret' || obj.apiVersion !== 'v1') return false;
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  if (metadata.name !== 'flux-oci-mirror-config') return false;
  const allowedTop = new Set(['apiVersion', 'kind', 'metadata', 'type', 'data', 'stringData']);
  if (Object.keys(obj).some((k) => !allowedTop.has(k))) return false;
  const data = (obj.data ?? {}) as Record<string, unknown>;
  const stringData = (obj.stringData ?? {}) as Record<string, unknown>;
  if (Object.keys(data).some((k) => k !== 'ca.crt') || (data['ca.crt'] !== undefined && data['ca.crt'] !== '')) return false;
  if (Object.keys(stringData).some((k) => k !== 'config.yaml')) return false;
  const config = stringData['config.yaml'];
  if (config === undefined) return true;
  if (typeof config !== 'string') return false;
  const lines = config.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every((l) => OCI_MIRROR_CONFIG_LINE.test(l));
}
