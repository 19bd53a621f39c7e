/**
 * The readable Secrets a Kommander release ships that the plaintext guard lets through, recognized
 * exactly: the real v2.17.1 file passes, every variant that could carry a credential is refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { isReleaseOciMirrorConfig } from '../lib/kommander/benign-secrets';
import { guardFile } from '../lib/sops/guard';

// NKP v2.17.1 applications/kommander-flux/2.7.2/mirror/flux-oci-mirror.yaml (../shared/kommander-applications/SOURCES.md)
const REAL = path.resolve(__dirname, '..', '..', 'shared', 'kommander-applications', 'v2.17.1', 'applications', 'kommander-flux', '2.7.2', 'mirror', 'flux-oci-mirror.yaml');
const real = fs.existsSync(REAL);
const MIRROR_CONFIG = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'flux-oci-mirror-config' }, data: { 'ca.crt': '' }, stringData: { 'config.yaml': 'listen_addr: ":8443"\n' }, type: 'Opaque' };

describe('the flux-oci-mirror configuration Secret of the release', () => {
  (real ? test : test.skip)(`the real v2.17.1 Secret is recognized and passes the guard${real ? '' : ` [SKIPPED: ${REAL} is missing]`}`, () => {
    // GIVEN the Secret documents of the release's own file
    const secrets = YAML.parseAllDocuments(fs.readFileSync(REAL, 'utf8')).map((d) => d.toJS()).filter((o) => o?.kind === 'Secret');
    // THEN there is exactly the mirror configuration, and the guard has nothing to say about it
    expect(secrets.map((s) => s.metadata.name)).toStrictEqual(['flux-oci-mirror-config']);
    expect(isReleaseOciMirrorConfig(secrets[0])).toBe(true);
    // AND the one guard every copied file passes accepts the release's file as it is
    expect(guardFile({ path: 'applications/kommander-flux/2.7.2/mirror/flux-oci-mirror.yaml', content: fs.readFileSync(REAL, 'utf8') })).toStrictEqual([]);
  });

  test('the same shape written out is recognized', () => {
    expect(isReleaseOciMirrorConfig(MIRROR_CONFIG)).toBe(true);
  });

  test.each([
    ['a credential line in config.yaml', { ...MIRROR_CONFIG, stringData: { 'config.yaml': 'listen_addr: ":8443"\npassword: hunter2\n' } }],
    ['another key in stringData', { ...MIRROR_CONFIG, stringData: { ...MIRROR_CONFIG.stringData, token: 'hunter2' } }],
    ['a non-empty ca.crt', { ...MIRROR_CONFIG, data: { 'ca.crt': 'aHVudGVyMg==' } }],
    ['another name', { ...MIRROR_CONFIG, metadata: { name: 'registry-credentials' } }],
    ['an extra top-level key', { ...MIRROR_CONFIG, immutable: true }],
  ])('fails to recognize %s, and the guard refuses it', (_label, obj) => {
    // GIVEN a variant that could carry a secret
    // THEN it is not the release's configuration, and the guard reports its readable values
    expect(isReleaseOciMirrorConfig(obj as Record<string, unknown>)).toBe(false);
    expect(guardFile({ path: 'mirror.yaml', content: YAML.stringify(obj) }).length).toBeGreaterThan(0);
  });
});
