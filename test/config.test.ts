import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';
import * as YAML from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../lib/config/load';
import { CONFIG_SCHEMA, Schema, comparePaths, configJsonSchema, configReference, formatPath, parsePath } from '../lib/config/schema';
import { AppConfig, PlatformConfig } from '../lib/config/types';
import { main as schemaMain, renderSchemaFile } from '../scripts/schema';

const FIXTURES = path.join(__dirname, 'fixtures', 'config');
const fixture = (name: string) => path.join(FIXTURES, name);
const HOST = { clusterHostname: 'kommander.example.com', git: { url: 'https://git.example.com/m.git' } };
const AGE = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

/** The ConfigError `fn` throws (fails the test if it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** The messages of the ConfigError `fn` throws, one per problem. */
const problemsOf = (fn: () => unknown): string[] => configError(fn).message.split('\n');

/**
 * The root repository every config names (`git.url` is required); added to raw configs that test
 * something else and do not set it.
 */
function withRoot(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const r = raw as { git?: unknown };
  if (r.git === undefined) return { ...r, git: { url: 'https://git.example.com/m.git' } };
  if (typeof r.git === 'object' && r.git !== null && !Array.isArray(r.git) && !('url' in r.git)) return { ...r, git: { url: 'https://git.example.com/m.git', ...r.git } };
  return raw;
}

/** The problems of a raw config (relative paths resolve against the fixture dir). */
const problems = (raw: unknown) => problemsOf(() => parseConfig(withRoot(raw), FIXTURES));

const DEFAULT_APP: Omit<AppConfig, 'version'> = { enabled: true, values: {}, kind: 'ClusterApp', clusters: [] };
const DEFAULT_APPS = {};

describe('loading a valid config', () => {
  test('a minimal config gets all defaults', () => {
    // GIVEN a config with only the required clusterHostname
    // WHEN it is loaded
    const cfg = loadConfig(fixture('minimal.yaml'));
    // THEN every other field has its default, and the core apps are present
    expect(cfg).toStrictEqual({
      baseDir: FIXTURES,
      clusterName: 'management',
      git: { url: 'https://git.example.com/platform/management.git', branch: 'main', credentialsSecret: 'root-git-credentials', interval: '1m' },
      flux: { mode: 'bootstrap', version: '2.9.4', interval: '10m', retryInterval: '1m', timeout: '10m' },
      sops: { ageRecipients: [], secretName: 'sops-age', secretKey: 'age.agekey' },
      kommander: { enabled: true, variables: {} },
      clusterHostname: 'kommander.example.com',
      airgapped: { enabled: false },
      gitea: {
        enabled: true,
        adminSecret: 'gitea-admin-credentials',
        hostsManagementRepository: true,
        repository: 'kommander/kommander',
        values: {},
      },
      apps: DEFAULT_APPS,
      catalog: { repositories: [] },
      helmRepositories: [],
      check: { external: [], externalCrds: [] },
    });
  });

  test('a full config round-trips', () => {
    // GIVEN a config that sets every key
    // WHEN it is loaded
    const cfg = loadConfig(fixture('full.yaml'));
    // THEN every value is taken as written (paths stay relative), the core apps are merged in
    const expected: PlatformConfig = {
      baseDir: FIXTURES,
      clusterName: 'mgmt-eu',
      git: { url: 'ssh://git@github.com/example/management.git', branch: 'release', credentialsSecret: 'mgmt-git', interval: '5m' },
      flux: { mode: 'manifest', version: 'v2.9.4', interval: '15m', retryInterval: '2m', timeout: '20m' },
      sops: { ageRecipients: [AGE], secretName: 'mgmt-age', secretKey: 'identity.agekey' },
      kommander: { enabled: false, variables: { kommanderAppManagementReplicas: '2' } },
      clusterHostname: 'kommander.example.com',
      applicationDefinitions: '../../../examples/kommander-applications/v2.8.3',
      acme: { email: 'ops@example.com', server: 'https://acme-staging-v02.api.letsencrypt.org/directory', ingressClass: 'traefik' },
      airgapped: { enabled: true, helmMirror: 'https://charts.mirror.internal' },
      gitea: {
        enabled: true,
        adminSecret: 'gitea-admin',
        hostsManagementRepository: false,
        repository: 'platform/management',
        values: { persistence: { size: '20Gi' } },
      },
      apps: {
        chartmuseum: { ...DEFAULT_APP, enabled: false },
        gatekeeper: { ...DEFAULT_APP, version: '3.14.1', values: { replicas: 2 } },
        traefik: { enabled: true, version: '39.0.7', values: {}, kind: 'App', clusters: ['prod-eu-1', 'prod-us-1'] },
      },
      catalog: {
        repositories: [
          {
            name: 'dkp-catalog',
            url: 'https://github.com/example/catalog.git',
            tag: 'v1.2.0',
            type: 'dkp',
            workspaceDefault: false,
            projectDefault: true,
            interval: '30m',
          },
          {
            name: 'custom',
            url: 'https://github.com/example/custom.git',
            branch: 'develop',
            type: 'catalog',
            workspaceDefault: true,
            projectDefault: false,
            interval: '1h',
          },
        ],
      },
      helmRepositories: [{ name: 'charts.example.com', url: 'https://charts.example.com' }],
      gardener: cfg.gardener,
      check: { external: ['Secret/kommander/corp-tls'], externalCrds: ['monitoring.coreos.com'] },
    };
    expect(cfg).toStrictEqual(expected);
    // AND the gardener section is validated and defaulted by its own schema (test/gardener-config.test.ts)
    expect((cfg.gardener as any).name).toBe('dev');
    expect((cfg.gardener as any).domains.api).toBe('api.garden.example.com');
    // AND the apps are sorted by id (the release decides which are core: lib/kommander/apps.ts)
    expect(Object.keys(cfg.apps)).toEqual(['chartmuseum', 'gatekeeper', 'traefik']);

    // WHEN the result (without baseDir) is dumped to YAML and loaded again
    const { baseDir, ...rest } = cfg;
    const again = parseConfig(YAML.parse(YAML.stringify(rest)), baseDir);
    // THEN nothing changes
    expect(again).toStrictEqual(cfg);
  });

  test('an app given as null is enabled with its defaults', () => {
    // GIVEN core apps given as `null`, as in the Kommander installer config, and an empty apps key
    // WHEN the config is parsed
    const cfg = parseConfig(withRoot(YAML.parse('clusterHostname: kommander.example.com\napps:\n  chartmuseum:\n  gatekeeper: null\n')), FIXTURES);
    const empty = parseConfig({ ...HOST, apps: null, sops: { ageRecipients: null }, gitea: { values: null } }, FIXTURES);
    // THEN they are enabled, versions left to the release
    expect(cfg.apps.chartmuseum).toStrictEqual(DEFAULT_APP);
    expect(cfg.apps.gatekeeper).toStrictEqual(DEFAULT_APP);
    // AND empty containers mean their defaults
    expect(empty.apps).toStrictEqual(DEFAULT_APPS);
    expect(empty.sops.ageRecipients).toEqual([]);
    expect(empty.gitea.values).toEqual({});
  });

  test('an app may be disabled, apps are sorted by id', () => {
    // GIVEN chartmuseum disabled and two apps in reverse order
    const cfg = parseConfig({ ...HOST, apps: { zeta: { version: '1.0.0' }, chartmuseum: { enabled: false }, alpha: { version: '2.0.0-rc.1' } } }, FIXTURES);
    // THEN chartmuseum is disabled and the app order does not depend on the YAML order
    expect(cfg.apps.chartmuseum.enabled).toBe(false);
    expect(Object.keys(cfg.apps)).toEqual(['alpha', 'chartmuseum', 'zeta']);
  });

  test('gitea defaults follow gitea.enabled and git.url is then used', () => {
    // GIVEN Gitea disabled and a Git URL
    const cfg = parseConfig({ ...HOST, gitea: { enabled: false }, git: { url: 'https://github.com/example/management.git' } }, FIXTURES);
    // THEN Gitea does not host the management repository
    expect(cfg.gitea.hostsManagementRepository).toBe(false);
    expect(cfg.git.url).toBe('https://github.com/example/management.git');
  });

  test('catalog branch defaults to main unless a tag is set', () => {
    // GIVEN one repository with neither branch nor tag and one with a tag
    const cfg = parseConfig(
      {
        ...HOST,
        catalog: {
          repositories: [
            { name: 'a', url: 'https://example.com/a.git' },
            { name: 'b', url: 'https://example.com/b.git', tag: 'v1.0.0' },
          ],
        },
      },
      FIXTURES,
    );
    // THEN the first tracks main and the second has no branch
    expect(cfg.catalog.repositories[0].branch).toBe('main');
    expect(cfg.catalog.repositories[0].tag).toBeUndefined();
    expect('branch' in cfg.catalog.repositories[1]).toBe(false);
    expect(cfg.catalog.repositories[1].tag).toBe('v1.0.0');
  });

  test('baseDir is absolute, the output does not alias the input', () => {
    // GIVEN raw data with free-form values and a relative base dir
    const values = { nested: { list: [1] } };
    const raw = { ...HOST, gitea: { values } };
    // WHEN it is parsed
    const cfg = parseConfig(raw, path.relative(process.cwd(), FIXTURES));
    // THEN baseDir is absolute and values are copied
    expect(cfg.baseDir).toBe(FIXTURES);
    values.nested.list.push(2);
    expect(cfg.gitea.values).toEqual({ nested: { list: [1] } });
    expect(cfg.gardener).toBeUndefined();
  });
});

describe('reporting problems', () => {
  test('fails on a bad version with the exact message', () => {
    // GIVEN an app version that is not a version
    // THEN the message names the path, the value and an example
    expect(problems({ ...HOST, apps: { gatekeeper: { version: '3.x' } } })).toEqual(['apps.gatekeeper.version: "3.x" is not a version (e.g. 3.14.1)']);
  });

  test('fails on bad versions: leading v where not allowed, numbers', () => {
    // GIVEN a leading v on an app version, a YAML number as a version, and a bad Flux version
    const raw = YAML.parse('clusterHostname: kommander.example.com\napps:\n  traefik:\n    version: v39.0.7\n  gatekeeper:\n    version: 3.14\nflux:\n  version: 2.8\n');
    // THEN each is reported with its fix
    expect(problems(raw)).toEqual([
      'apps.gatekeeper.version: 3.14 has the wrong type (expected a string, got a number; put the value in quotes)',
      'apps.traefik.version: "v39.0.7" is not a version (e.g. 3.14.1, without the leading v)',
      'flux.version: 2.8 has the wrong type (expected a string, got a number; put the value in quotes)',
    ]);
    // AND a leading v is fine for Flux
    expect(parseConfig({ ...HOST, flux: { version: 'v2.9.4' } }, FIXTURES).flux.version).toBe('v2.9.4');
  });

  test('fails on unknown keys with a did-you-mean suggestion', () => {
    // GIVEN misspelt keys at several levels
    const raw = { clusterHostName: 'kommander.example.com', git: { brnach: 'main' }, apps: { traefik: { version: '1.0.0', valeus: {} } } };
    // THEN each is reported with the closest allowed key (and the real clusterHostname is missing)
    expect(problems(raw)).toEqual([
      'apps.traefik.valeus: "valeus" is not a known key (did you mean `values`?)',
      'clusterHostName: "clusterHostName" is not a known key (did you mean `clusterHostname`?)',
      'clusterHostname: is missing (required: the DNS name the management cluster is reached at, e.g. kommander.example.com)',
      'git.brnach: "brnach" is not a known key (did you mean `branch`?)',
    ]);
  });

  test('fails on an unknown key without a close match by listing the known keys', () => {
    // GIVEN a key that resembles no allowed key
    // THEN the allowed keys are listed instead of a suggestion
    expect(problems({ ...HOST, airgapped: { mirror: 'x', enabled: false } })).toEqual([
      'airgapped.mirror: "mirror" is not a known key (known keys: enabled, helmMirror)',
    ]);
  });

  test('fails on wrong types', () => {
    // GIVEN a number for a string, a string for a boolean, a string for a list, a list for an object
    const raw = YAML.parse(
      [
        'clusterHostname: kommander.example.com',
        'clusterName: 42',
        'airgapped:',
        '  enabled: "true"',
        'sops:',
        `  ageRecipients: ${AGE}`,
        'catalog: []',
        'gardener: yes',
        'gitea:',
        '  values: [1]',
      ].join('\n'),
    );
    // THEN each names what was expected and what was found
    expect(problems(raw)).toEqual([
      'airgapped.enabled: "true" has the wrong type (expected a boolean, got a string; write true or false without quotes)',
      'catalog: [] has the wrong type (expected an object, got a list)',
      'clusterName: 42 has the wrong type (expected a string, got a number; put the value in quotes)',
      'gardener: "yes" has the wrong type (expected an object, got a string)',
      'gitea.values: [1] has the wrong type (expected an object, got a list)',
      `sops.ageRecipients: "${AGE}" has the wrong type (expected a list, got a string; wrap it in a list: ["${AGE}"])`,
    ]);
  });

  test('fails when the config is not an object', () => {
    // GIVEN a YAML document that is a plain string
    // THEN the root is reported
    expect(problems('clusterHostname')).toEqual(['(root): "clusterHostname" has the wrong type (expected an object, got a string)']);
  });

  test('fails on bad DNS names and labels', () => {
    // GIVEN an upper-case host name, an underscore in the cluster name, a bad app id and cluster names
    const raw = {
      clusterHostname: 'Kommander.Example.com',
      clusterName: 'mgmt_eu',
      acme: { email: 'ops@example.com', ingressClass: 'traefik..class' },
      apps: { My_App: { version: '1.0.0' }, traefik: { version: '1.0.0', clusters: ['prod-eu-1', '-bad-'] } },
    };
    // THEN each names the rule and an example
    expect(problems(raw)).toEqual([
      'acme.ingressClass: "traefik..class" is not a DNS name (at most 253 characters: lowercase letters, digits, \'-\' and \'.\', e.g. kommander-traefik)',
      'apps.My_App: "My_App" is not a DNS label (at most 63 lowercase letters, digits and \'-\', starting and ending with a letter or digit, e.g. my-app)',
      'apps.traefik.clusters[1]: "-bad-" is not a DNS label (at most 63 lowercase letters, digits and \'-\', starting and ending with a letter or digit, e.g. prod-eu-1)',
      'clusterHostname: "Kommander.Example.com" is not a DNS name (use lowercase: "kommander.example.com")',
      'clusterName: "mgmt_eu" is not a DNS label (at most 63 lowercase letters, digits and \'-\', starting and ending with a letter or digit, e.g. management)',
    ]);
  });

  test('fails on bad URLs, and never echoes a password', () => {
    // GIVEN an scp-style Git address, a wrong scheme, a non-URL and a URL with a password
    const raw = {
      ...HOST,
      git: { url: 'git@github.com:example/management.git' },
      acme: { email: 'ops@example.com', server: 'http://acme.example.com/directory' },
      airgapped: { enabled: true, helmMirror: 'charts.mirror.internal' },
      helmRepositories: [{ name: 'private', url: 'https://user:s3cret@charts.example.com/' }],
    };
    // WHEN it is parsed
    const out = problems(raw);
    // THEN each says what is expected, and the password is not echoed
    expect(out).toEqual([
      'acme.server: "http://acme.example.com/directory" has an unsupported scheme "http" (expected https://, e.g. https://example.com)',
      'airgapped.helmMirror: "charts.mirror.internal" is not a URL (expected https:// or http://, e.g. https://charts.mirror.internal)',
      'git.url: "git@github.com:example/management.git" is not a URL (write scp-style addresses as ssh://git@github.com/example/management.git)',
      'helmRepositories[0].url: "https://…@charts.example.com/" contains a password (put credentials in a Secret, never in the config)',
    ]);
    expect(out.join('\n')).not.toContain('s3cret');
  });

  test('fails on bad durations, emails, age recipients and Secret keys, and never echoes an age identity', () => {
    // GIVEN a bare number as a duration, prose as a duration, a bad email, bad recipients (one a secret key) and a Secret key without .agekey
    const identity = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';
    const raw = {
      ...HOST,
      git: { interval: '10' },
      flux: { timeout: '10 minutes' },
      acme: { email: 'ops.example.com' },
      sops: { ageRecipients: [AGE, 'age1BAD', identity], secretKey: 'age.key' },
    };
    const out = problems(raw);
    // THEN each is reported, and the secret key is redacted
    expect(out).toEqual([
      'acme.email: "ops.example.com" is not an email address (e.g. admin@example.com)',
      'flux.timeout: "10 minutes" is not a duration (a Go duration with units ms, s, m or h, e.g. 1m30s)',
      'git.interval: "10" is not a duration (add a unit: 10s, 10m or 10h)',
      'sops.ageRecipients[1]: "age1BAD" is not an age recipient (an age public key age1…, as printed by age-keygen -y)',
      'sops.ageRecipients[2]: "AGE-SECRET-KEY-…" is an age identity (a secret key), not a recipient (use the public key printed by age-keygen -y; remove the secret from this file and rotate it)',
      'sops.secretKey: "age.key" is not a Secret key ending in .agekey (Flux only reads keys ending in .agekey, e.g. age.agekey)',
    ]);
    expect(out.join('\n')).not.toContain('QQQQ');
    // AND post-quantum recipients are accepted
    expect(parseConfig({ ...HOST, sops: { ageRecipients: ['age1pq1qpzry9x8gf2tvdw0s3jn54khce6mua7l'] } }, FIXTURES).sops.ageRecipients).toHaveLength(1);
  });

  test('fails on enum values with a did-you-mean suggestion', () => {
    // GIVEN near-miss values of two enums
    // THEN the allowed values and the closest one are named
    expect(problems({ ...HOST, flux: { mode: 'manifests' }, apps: { traefik: { version: '1.0.0', kind: 'app' } } })).toEqual([
      'apps.traefik.kind: "app" is not a valid value (expected ClusterApp or App; did you mean `App`?)',
      'flux.mode: "manifests" is not a valid value (expected bootstrap or manifest; did you mean `manifest`?)',
    ]);
  });

  test('fails on empty strings', () => {
    // GIVEN empty strings where a value is needed
    // THEN each is reported with an example when there is one
    expect(problems({ ...HOST, git: { branch: '' }, flux: { version: '' } })).toEqual([
      'flux.version: "" is empty (expected e.g. 2.9.4)',
      'git.branch: "" is empty (expected a non-empty string)',
    ]);
  });

  test('fails on duplicate names', () => {
    // GIVEN duplicate catalog names, duplicate Helm repository names, duplicate clusters and recipients
    const raw = {
      ...HOST,
      catalog: {
        repositories: [
          { name: 'x', url: 'https://example.com/x.git' },
          { name: 'y', url: 'https://example.com/y.git' },
          { name: 'x', url: 'https://example.com/x2.git' },
        ],
      },
      helmRepositories: [
        { name: 'charts.example.com', url: 'https://charts.example.com' },
        { name: 'charts.jetstack.io', url: 'https://charts.jetstack.io' },
        { name: 'charts.example.com', url: 'https://charts2.example.com' },
      ],
      apps: { traefik: { version: '1.0.0', clusters: ['a', 'b', 'a'] } },
      sops: { ageRecipients: [AGE, AGE] },
    };
    // THEN each duplicate points at the first use (a name of the release's own repositories is refused at synth: test/kommander-steps.test.ts)
    expect(problems(raw)).toEqual([
      'apps.traefik.clusters[2]: "a" is a duplicate of apps.traefik.clusters[0]',
      'catalog.repositories[2].name: "x" is a duplicate of catalog.repositories[0].name',
      'helmRepositories[2].name: "charts.example.com" is a duplicate of helmRepositories[0].name',
      `sops.ageRecipients[1]: "${AGE}" is a duplicate of sops.ageRecipients[0]`,
    ]);
  });

  test('fails on missing required keys in list items and optional sections', () => {
    // GIVEN list items and an acme section without their required keys (and a null ingressCertificate, which means none)
    // THEN each missing key is reported
    expect(problems({ ...HOST, catalog: { repositories: [{ name: 'x' }] }, helmRepositories: [{ url: 'https://charts.example.com' }], acme: {}, ingressCertificate: null })).toEqual([
      'acme.email: is missing (required: the ACME account email, e.g. admin@example.com)',
      'catalog.repositories[0].url: is missing (required: the clone URL, e.g. https://github.com/example/catalog.git)',
      'helmRepositories[0].name: is missing (required: the HelmRepository name, e.g. charts.example.com)',
    ]);
  });

  test('manifest mode needs no file of its own: the release ships its Flux manifests (an old installManifest key is refused)', () => {
    expect(parseConfig({ ...HOST, flux: { mode: 'manifest' } }, FIXTURES).flux.mode).toBe('manifest');
    expect(problems({ ...HOST, flux: { mode: 'manifest', installManifest: 'flux-install.yaml' } })[0]).toMatch(/^flux\.installManifest: "installManifest" is not a known key/);
  });

  test('fails when the application definitions directory does not exist', () => {
    // GIVEN an applicationDefinitions path that does not exist, then one that is a file
    // THEN the resolved path is named
    expect(problems({ ...HOST, applicationDefinitions: 'nope' })).toEqual([
      `applicationDefinitions: "nope" does not exist (no directory at ${fixture('nope')}; paths are relative to the config file; a kommander-applications release tree)`,
    ]);
    expect(problems({ ...HOST, applicationDefinitions: 'minimal.yaml' })).toEqual([
      `applicationDefinitions: "minimal.yaml" is not a directory (${fixture('minimal.yaml')} is a file; expected a kommander-applications release tree)`,
    ]);
    // AND a directory that is not a release tree names what it found and the releases next to it
    expect(problems({ ...HOST, applicationDefinitions: '../../../examples' })).toEqual([
      expect.stringMatching(
        /^applicationDefinitions: "\.\.\/\.\.\/\.\.\/examples" is not a kommander-applications release tree of a known layout \(found README\.md, .*gardener\.yaml, kommander-applications, .*; expected services\/ \(DKP ≤ 2\.15\) or applications\/ \(NKP ≥ 2\.16\); available releases: /,
      ),
    ]);
    expect(problems({ ...HOST, applicationDefinitions: '../../../examples/kommander-applications' })).toEqual([
      'applicationDefinitions: "../../../examples/kommander-applications" is not a kommander-applications release tree of a known layout (found README.md, v2.17.1, v2.8.3; expected services/ (DKP ≤ 2.15) or applications/ (NKP ≥ 2.16); available releases: ../../../examples/kommander-applications/v2.17.1, ../../../examples/kommander-applications/v2.8.3)',
    ]);
  });

  test('fails when airgapped has no Helm mirror', () => {
    // GIVEN airgapped enabled without helmMirror
    // THEN helmMirror is reported missing
    expect(problems({ ...HOST, airgapped: { enabled: true } })).toEqual([
      'airgapped.helmMirror: is missing (required when airgapped.enabled is true; the URL of the Helm chart mirror, e.g. https://charts.mirror.internal)',
    ]);
  });

  test('fails when acme and ingressCertificate are both set', () => {
    // GIVEN both ways of getting the ingress certificate
    // THEN the second one is reported as a conflict
    expect(problems({ ...HOST, acme: { email: 'ops@example.com' }, ingressCertificate: { secretName: 'kommander-tls' } })).toEqual([
      'ingressCertificate: {"secretName":"kommander-tls"} conflicts with acme (use either acme (an ACME-issued certificate) or ingressCertificate (an existing Secret), not both)',
    ]);
    // AND either alone is fine
    expect(parseConfig({ ...HOST, ingressCertificate: { secretName: 'kommander-tls' } }, FIXTURES).ingressCertificate).toEqual({ secretName: 'kommander-tls' });
  });

  test('fails when catalog branch and tag are both set', () => {
    // GIVEN a catalog repository with both branch and tag
    // THEN the tag is reported as a conflict
    expect(problems({ ...HOST, catalog: { repositories: [{ name: 'x', url: 'https://example.com/x.git', branch: 'main', tag: 'v1' }] } })).toEqual([
      'catalog.repositories[0].tag: "v1" conflicts with catalog.repositories[0].branch (set either branch or tag, not both)',
    ]);
  });

  test('fails when git.url is missing: the root repository is always the user\'s', () => {
    // GIVEN no git.url (even with Gitea enabled, which hosts only the in-cluster management repository)
    // THEN git.url is required
    expect(problemsOf(() => parseConfig({ clusterHostname: 'kommander.example.com' }, FIXTURES))).toEqual([
      'git.url: is missing (required: the root repository Flux bootstraps from, outside the cluster, e.g. https://github.com/example/management.git)',
    ]);
  });

  test('fails when the root source is the in-cluster repository the tree deploys (Gitea or git-operator)', () => {
    expect(problems({ ...HOST, git: { url: 'https://gitea-http.kommander.svc/kommander/kommander.git' } })).toEqual([
      'git.url: "https://gitea-http.kommander.svc/kommander/kommander.git" is the in-cluster management repository this tree deploys (Flux could never bootstrap from it; set git.url to the root repository outside the cluster, e.g. https://github.com/example/management.git)',
    ]);
    expect(problems({ ...HOST, git: { url: 'https://git-operator-git.git-operator-system.svc.cluster.local./repositories/kommander/kommander.git' } })[0]).toMatch(
      /^git\.url: .* is the in-cluster management repository this tree deploys/,
    );
  });

  test('fails when the root repository would share the management repository\'s credentials', () => {
    expect(problems({ ...HOST, git: { url: 'https://git.example.com/m.git', credentialsSecret: 'kommander-git-credentials' } })).toEqual([
      'git.credentialsSecret: "kommander-git-credentials" is the Secret of the in-cluster management repository (the root repository has separate credentials; use another name, e.g. root-git-credentials)',
    ]);
  });

  test('an app version is optional: the release decides (checked against it at synth, test/kommander-steps.test.ts)', () => {
    const cfg = parseConfig({ ...HOST, apps: { traefik: { enabled: true }, gatekeeper: null } }, FIXTURES);
    expect(cfg.apps.traefik.version).toBeUndefined();
    expect(cfg.apps.gatekeeper).toStrictEqual(DEFAULT_APP);
  });

  test('fails with every problem at once, sorted by path', () => {
    // GIVEN problems in many sections, including list indexes beyond 9
    const repos = Array.from({ length: 11 }, (_, i) => ({ name: `r${i}`, url: 'https://example.com/r.git', interval: i === 2 || i === 10 ? 'soon' : '1h' }));
    const raw = {
      clusterHostname: 'bad host',
      flux: { mode: 'manifest' },
      acme: { email: 'nope' },
      ingressCertificate: { secretName: 'tls' },
      apps: { traefik: {} },
      catalog: { repositories: repos },
      gitea: { enabled: false },
      zzz: true,
    };
    // WHEN it is parsed
    const err = configError(() => parseConfig(raw, FIXTURES));
    // THEN all problems come at once, naturally sorted by path, one per line
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => p.path)).toEqual([
      'acme.email',
      'catalog.repositories[2].interval',
      'catalog.repositories[10].interval',
      'clusterHostname',
      'git.url',
      'ingressCertificate',
      'zzz',
    ]);
    expect(err.message.split('\n')).toEqual(err.problems.map((p) => p.message));
    expect(err.message).toContain('zzz: "zzz" is not a known key (known keys: $schema, clusterName, clusterHostname, git, flux, sops, acme, ingressCertificate, airgapped, gitea, applicationDefinitions, apps, catalog, helmRepositories, kommander, gardener, check)');
  });

  test('fails without a stack trace in the message or the stack', () => {
    // GIVEN an empty config
    const err = configError(() => parseConfig({}, FIXTURES));
    // THEN the error prints as its problems only
    expect(err.name).toBe('ConfigError');
    expect(err.message).not.toMatch(/\n\s+at /);
    expect(err.stack).toBe(`ConfigError: ${err.message}`);
    expect(String(err)).toBe(`ConfigError: ${err.message}`);
  });
});

describe('loadConfig', () => {
  test('fails on a YAML syntax error with line and column', () => {
    // GIVEN a file with an over-indented key
    const file = fixture('bad-syntax.yaml');
    const err = configError(() => loadConfig(file));
    // THEN the problems point at the line and column the YAML parser reports (the mapping whose
    // next line is over-indented)
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual([
      { path: `${file}:3:8`, message: `${file}:3:8: Implicit keys need to be on a single line (fix the YAML syntax)`, line: 3, column: 8 },
      { path: `${file}:3:8`, message: `${file}:3:8: Nested mappings are not allowed in compact mappings (fix the YAML syntax)`, line: 3, column: 8 },
    ]);
  });

  test('fails on invalid values with the line and column of each', () => {
    // GIVEN a file with a bad host name, a misspelt key and a bad version
    const err = configError(() => loadConfig(fixture('bad-values.yaml')));
    // THEN each problem carries the position of its YAML node
    expect(err.problems).toEqual([
      { path: 'apps.gatekeeper.version', message: 'apps.gatekeeper.version: "3.x" is not a version (e.g. 3.14.1)', line: 6, column: 14 },
      {
        path: 'clusterHostname',
        message: 'clusterHostname: "Kommander.Example.com" is not a DNS name (use lowercase: "kommander.example.com")',
        line: 1,
        column: 18,
      },
      { path: 'git.brnach', message: 'git.brnach: "brnach" is not a known key (did you mean `branch`?)', line: 3, column: 11 },
      {
        path: 'git.url',
        message: 'git.url: is missing (required: the root repository Flux bootstraps from, outside the cluster, e.g. https://github.com/example/management.git)',
        line: 3,
        column: 3,
      },
    ]);
  });

  test('fails on a duplicate YAML key with its position', () => {
    // GIVEN a mapping with the same key twice
    const file = fixture('duplicate-key.yaml');
    // THEN the YAML parser's complaint is reported at the second key
    expect(problemsOf(() => loadConfig(file))).toEqual([`${file}:4:3: Map keys must be unique: "branch" is also set at line 3 (fix the YAML syntax: keep one of them)`]);
  });

  test('fails on an empty or missing file', () => {
    // GIVEN an empty file, then a path that does not exist
    // THEN the empty file lacks clusterHostname and the missing one cannot be read
    expect(problemsOf(() => loadConfig(fixture('empty.yaml')))).toEqual([
      'clusterHostname: is missing (required: the DNS name the management cluster is reached at, e.g. kommander.example.com)',
      'git.url: is missing (required: the root repository Flux bootstraps from, outside the cluster, e.g. https://github.com/example/management.git)',
    ]);
    const missing = fixture('does-not-exist.yaml');
    expect(problemsOf(() => loadConfig(missing))).toEqual([`${missing}: cannot be read (ENOENT: ${missing}; check the path to the config file)`]);
  });
});

describe('JSON Schema and reference', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(configJsonSchema());

  test('the JSON Schema accepts the minimal and the full config', () => {
    // GIVEN the minimal and full fixtures
    for (const name of ['minimal.yaml', 'full.yaml']) {
      const raw: unknown = YAML.parse(fs.readFileSync(fixture(name), 'utf8'));
      // THEN ajv accepts it against the published schema
      expect({ name, ok: validate(raw), errors: validate.errors }).toEqual({ name, ok: true, errors: null });
    }
  });

  test('the JSON Schema accepts a loaded config (without baseDir)', () => {
    // GIVEN the output of the loader
    const { baseDir: _, ...rest } = loadConfig(fixture('full.yaml'));
    // THEN it is itself a valid config
    expect(validate(JSON.parse(JSON.stringify(rest)))).toBe(true);
  });

  test('the JSON Schema rejects a bad config', () => {
    // GIVEN an unknown key, a bad version, a missing host name and root repository, acme with ingressCertificate, air-gap without mirror
    const raw = {
      git: { brnach: 'main' },
      apps: { gatekeeper: { version: '3.x', enabled: false }, traefik: {} },
      acme: { email: 'ops@example.com' },
      ingressCertificate: { secretName: 'x' },
      flux: { mode: 'manifest' },
      airgapped: { enabled: true },
    };
    // THEN ajv rejects it, naming each violation
    expect(validate(raw)).toBe(false);
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
    expect(errors).toEqual(
      expect.arrayContaining([
        ' required', // clusterHostname
        '/git additionalProperties',
        '/git required', // git.url
        '/apps/gatekeeper/version pattern',
        ' not',
        '/airgapped required',
      ]),
    );
  });

  test('the committed platform.schema.json equals a fresh generation', () => {
    // GIVEN the committed file
    const committed = fs.readFileSync(path.join(__dirname, '..', 'platform.schema.json'), 'utf8');
    // THEN it equals what scripts/schema.ts generates now
    expect(committed).toBe(renderSchemaFile());
    expect(committed.endsWith('}\n')).toBe(true);
  });

  test('the schema script writes the file and --check detects a stale one', () => {
    // GIVEN an empty directory as the repository root (output silenced)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-'));
    const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const quietErr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // THEN --check fails, a run writes the file, --check passes, and fails again once the file is edited
      expect(schemaMain(['--check'], dir)).toBe(1);
      expect(schemaMain([], dir)).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'platform.schema.json'), 'utf8')).toBe(renderSchemaFile());
      expect(schemaMain(['--check'], dir)).toBe(0);
      fs.writeFileSync(path.join(dir, 'platform.schema.json'), '{}\n');
      expect(schemaMain(['--check'], dir)).toBe(1);
    } finally {
      quiet.mockRestore();
      quietErr.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the reference lists every key with type, default and description', () => {
    // GIVEN the reference rows
    const rows = configReference();
    const byPath = new Map(rows.map((r) => [r.path, r]));
    // every key of every object in the schema has a row
    const missing: string[] = [];
    const walk = (schema: Schema, p: string) => {
      if (schema.kind === 'object') for (const [k, c] of Object.entries(schema.properties)) walk(c, p ? `${p}.${k}` : k);
      if (schema.kind === 'array' && schema.items.kind === 'object') for (const [k, c] of Object.entries(schema.items.properties)) walk(c, `${p}[].${k}`);
      if (schema.kind === 'map') walk(schema.values, `${p}.${schema.keyName}`);
      if (p && !byPath.has(p)) missing.push(p);
    };
    walk(CONFIG_SCHEMA, '');
    // THEN every key of the schema has a complete row
    expect(missing).toEqual([]);
    expect(rows.every((r) => r.description.length > 0 && r.type.length > 0 && r.default.length > 0)).toBe(true);
    expect(byPath.get('git.url')).toEqual({
      path: 'git.url',
      type: 'string (URL: https, http, ssh)',
      default: 'required',
      description: 'Clone URL of the root repository Flux bootstraps from (yours, outside the cluster). The in-cluster management repository is created from it; it must not be that repository.',
    });
    expect(byPath.get('apps.<id>.version')).toMatchObject({ type: 'string (version)', default: "- the release's version of the app" });
    // no per-app rows: which apps are core, and their versions, come from the release
    expect([...byPath.keys()].filter((k) => /^apps\.(gatekeeper|chartmuseum)\./.test(k))).toEqual([]);
    expect(byPath.get('catalog.repositories[].branch')).toMatchObject({ default: 'main (none when `tag` is set)' });
    expect(byPath.get('flux.timeout')).toMatchObject({ type: 'string (duration)', default: '10m' });
    // deterministic
    expect(configReference()).toEqual(rows);
  });

  test('the schema covers exactly the fields of PlatformConfig', () => {
    // GIVEN the full config and one with ingressCertificate (acme excludes it)
    const cfg = { ...loadConfig(fixture('full.yaml')), ...parseConfig({ ...HOST, ingressCertificate: { secretName: 'tls' } }, FIXTURES) };
    // THEN together they have every schema key (but $schema) and nothing else
    expect(Object.keys(cfg).filter((k) => k !== 'baseDir').sort()).toEqual(Object.keys(CONFIG_SCHEMA.properties).filter((k) => k !== '$schema').sort());
  });
});

describe('paths', () => {
  test('format, parse and compare naturally', () => {
    // GIVEN a path with a dotted key and an index
    const segs = ['apps', 'cert-manager', 'values', 'a.b', 3];
    // THEN it formats, parses back, and sorts indexes numerically
    expect(formatPath(segs)).toBe('apps.cert-manager.values["a.b"][3]');
    expect(parsePath(formatPath(segs))).toEqual(segs);
    expect(['x[10]', 'x[2]', 'w'].sort(comparePaths)).toEqual(['w', 'x[2]', 'x[10]']);
  });
});
