import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../lib/config/load';
import { configJsonSchema } from '../lib/config/schema';
import { gardenerSection } from '../lib/gardener/config';
import { cidrsOverlap, normalizeSopsPath, parseSopsPath } from '../lib/gardener/validate';
import Ajv from 'ajv';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', 'gardener.yaml');

type Obj = Record<string, any>;

/** A Kommander-free platform config around a gardener section. */
const BASE: Obj = {
  clusterHostname: 'garden.example.com',
  git: { url: 'https://git.example.com/platform/garden.git' },
  kommander: { enabled: false },
  gitea: { enabled: false },
};

/** The smallest valid landscape. */
function minimal(): Obj {
  return {
    name: 'dev',
    domains: { base: 'garden.example.com' },
    dns: { provider: 'aws-route53', credentials: { secretName: 'garden-dns' } },
    issuer: { acme: { email: 'ops@example.com' } },
    baseCluster: { provider: 'aws', region: 'eu-central-1', networks: { pods: '100.96.0.0/11', services: '100.64.0.0/13' } },
    extensions: { 'provider-aws': {} },
    cloudProfiles: {
      aws: {
        type: 'aws',
        kubernetesVersions: ['1.33.5'],
        machineImages: [{ name: 'gardenlinux', versions: ['1877.5.0'] }],
        machineTypes: [{ name: 'm5.large', cpu: '2', memory: '8Gi' }],
        regions: [{ name: 'eu-central-1' }],
      },
    },
  };
}

/** Deep-merges `patch` into the minimal section (`undefined` deletes a key). */
function section(patch: Obj = {}): Obj {
  const merge = (a: Obj, b: Obj): Obj => {
    const out: Obj = { ...a };
    for (const [k, v] of Object.entries(b)) {
      if (v === undefined) delete out[k];
      else out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? merge(out[k], v) : v;
    }
    return out;
  };
  return merge(minimal(), patch);
}

function problems(gardener: unknown, extra: Obj = {}, baseDir = ROOT): string[] {
  try {
    parseConfig({ ...BASE, ...extra, gardener }, baseDir);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('the gardener section: valid configs', () => {
  test('a minimal section gets every default, derived from the keys given', () => {
    // GIVEN the smallest landscape WHEN it is parsed
    const g = gardenerSection(parseConfig({ ...BASE, gardener: minimal() }, ROOT))!;
    // THEN domains, identity and the rest are filled in
    expect(g.clusterIdentity).toBe('dev');
    expect(g.domains).toStrictEqual({
      base: 'garden.example.com',
      api: 'api.garden.example.com',
      ingress: 'ingress.garden.example.com',
      dashboard: 'dashboard.ingress.garden.example.com',
      seedIngress: 'seed.garden.example.com',
      internal: 'internal.garden.example.com',
      shoots: 'shoot.garden.example.com',
    });
    expect(g.issuer!.acme).toStrictEqual({ email: 'ops@example.com', server: 'https://acme-v02.api.letsencrypt.org/directory' });
    expect(g.virtualGarden).toStrictEqual({
      kubernetesVersion: '1.33.0',
      servicesCidr: '100.64.0.0/13',
      maintenance: { begin: '220000+0000', end: '230000+0000' },
      highAvailability: false,
      dashboard: true,
    });
    expect(g.seed).toStrictEqual({ name: 'initial-seed', schedulingVisible: true, protected: false });
    // No version anywhere in the config: the component vector (built in by default) pins them.
    expect(g.componentVector).toBeUndefined();
    expect(g.extensions).toStrictEqual({ 'provider-aws': { enabled: true, values: {} } });
    expect(g.cloudProfiles.aws.machineTypes).toStrictEqual([{ name: 'm5.large', cpu: '2', gpu: '0', memory: '8Gi', usable: true }]);
    expect(g.cloudProfiles.aws.regions).toStrictEqual([{ name: 'eu-central-1', zones: [] }]);
    // At least one Project by default: the operators' project in namespace garden.
    expect(Object.keys(g.projects)).toStrictEqual(['garden']);
    expect(g.projects.garden.namespace).toBe('garden');
    expect(g.values).toStrictEqual({ 'cert-management': {}, 'external-dns-management': {}, 'gardener-operator': {} });
    expect(g.backups).toBeUndefined();
    expect('shootDefaults' in g.seed).toBe(false);
  });

  test('explicit domains win over the derived ones', () => {
    const g = gardenerSection(parseConfig({ ...BASE, gardener: section({ domains: { ingress: 'apps.garden.example.com', api: 'api.vg.example.com' } }) }, ROOT))!;
    expect(g.domains.dashboard).toBe('dashboard.apps.garden.example.com');
    expect(g.domains.api).toBe('api.vg.example.com');
  });

  test('the example loads, and a config without the section has none', () => {
    expect(gardenerSection(loadConfig(EXAMPLE))!.name).toBe('example-landscape');
    expect(parseConfig({ ...BASE, kommander: { enabled: true }, gitea: { enabled: true } }, ROOT).gardener).toBeUndefined();
  });

  test('the published JSON Schema describes the section (unknown keys rejected, the example accepted)', () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(configJsonSchema());
    expect(validate(YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')))).toBe(true);
    expect(validate({ ...BASE, gardener: section({ dsn: {} }) })).toBe(false);
  });
});

describe('the gardener section: reporting problems', () => {
  test('fails on missing required keys, naming each with its path', () => {
    expect(problems({})).toStrictEqual([
      "gardener.baseCluster: is missing (required: provider, region and networks)",
      'gardener.dns: is missing (required: provider and credentials)',
      "gardener.domains: is missing (required: at least domains.base)",
      'gardener.name: is missing (required: the landscape name, e.g. my-landscape)',
    ]);
  });

  test('fails on unknown keys with a did-you-mean suggestion', () => {
    expect(problems(section({ dsn: {}, domains: { bsae: 'x' } }))).toStrictEqual([
      'gardener.domains.bsae: "bsae" is not a known key (did you mean `base`?)',
      'gardener.dsn: "dsn" is not a known key (did you mean `dns`?)',
    ]);
  });

  test('fails on bad values: DNS type, email, domain, CIDR, time window, version, URL scheme', () => {
    expect(
      problems(
        section({
          dns: { provider: 'aws-route35' },
          issuer: { acme: { email: 'ops', server: 'http://acme.example.com/dir' } },
          domains: { base: 'Garden.Example.com' },
          baseCluster: { networks: { pods: '100.96.0.0/33' } },
          virtualGarden: { maintenance: { begin: '25:00' }, oidc: { issuerURL: 'http://dex.example.com', clientID: 'gardener', clientSecret: { secretName: 'oidc' } } },
        }),
      ),
    ).toStrictEqual([
      'gardener.baseCluster.networks.pods: "100.96.0.0/33" is not an IPv4 CIDR (e.g. 100.96.0.0/11)',
      'gardener.dns.provider: "aws-route35" is not a valid value (expected alicloud-dns, aws-route53, azure-dns, azure-private-dns, cloudflare-dns, google-clouddns, infoblox-dns, netlify-dns, openstack-designate, powerdns or rfc2136; did you mean `aws-route53`?)',
      'gardener.domains.base: "Garden.Example.com" is not a DNS name (use lowercase: "garden.example.com")',
      'gardener.issuer.acme.email: "ops" is not an email address (e.g. ops@example.com)',
      'gardener.issuer.acme.server: "http://acme.example.com/dir" has an unsupported scheme "http" (expected https://, e.g. https://example.com)',
      "gardener.virtualGarden.maintenance.begin: \"25:00\" is not a time of day in Gardener's HHMMSS±ZZZZ format (e.g. 220000+0100)",
      'gardener.virtualGarden.oidc.issuerURL: "http://dex.example.com" has an unsupported scheme "http" (expected https://, e.g. https://dex.example.com)',
    ]);
  });

  test('fails when credentials name no Secret, or both an existing Secret and a SOPS file', () => {
    expect(problems(section({ dns: { credentials: { secretName: undefined } } }))).toStrictEqual([
      'gardener.dns.credentials: names no Secret (set secretName: <an existing Secret in namespace garden>, or sopsFile: secrets/garden/<name>.sops.yaml written by npm run -s secrets -- set garden/<name> key=value)',
    ]);
    expect(problems(section({ dns: { credentials: { sopsFile: 'secrets/garden/dns.sops.yaml' } } }))[0]).toBe(
      'gardener.dns.credentials.sopsFile: "secrets/garden/dns.sops.yaml" conflicts with gardener.dns.credentials.secretName (reference an existing Secret or a SOPS file, not both)',
    );
    expect(problems(section({ dns: { credentials: undefined } }))).toStrictEqual(['gardener.dns.credentials: is missing (required: secretName (an existing Secret) or sopsFile)']);
  });

  test('fails when a SOPS file is outside secrets/garden/ or does not exist', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gardener-cfg-'));
    try {
      expect(problems(section({ dns: { credentials: { secretName: undefined, sopsFile: 'secrets/kommander/dns.sops.yaml' } } }), {}, dir)).toStrictEqual([
        'gardener.dns.credentials.sopsFile: "secrets/kommander/dns.sops.yaml" is not a Secret of namespace garden under secrets/ (expected secrets/garden/<name>.sops.yaml, relative to the config file)',
      ]);
      const p = problems(section({ backups: { provider: 'aws', region: 'eu-central-1', credentials: { sopsFile: './secrets/garden/backup.sops.yaml' } } }), {}, dir);
      expect(p).toStrictEqual([
        `gardener.backups.credentials.sopsFile: "./secrets/garden/backup.sops.yaml" does not exist (no file at ${path.join(dir, 'secrets/garden/backup.sops.yaml')}; create it with npm run -s secrets -- set garden/backup key=value)`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails when no enabled extension serves the DNS type or the backup provider, suggesting the one that does', () => {
    expect(
      problems(
        section({
          extensions: { 'provider-aws': { enabled: false } },
          backups: { provider: 'gcp', region: 'europe-west1', credentials: { secretName: 'backup' } },
        }),
      ),
    ).toStrictEqual([
      'gardener.backups.provider: "gcp" is served by no enabled extension (the etcd backup needs an extension with a BackupBucket of this type)',
      'gardener.cloudProfiles.aws.type: "aws" is served by no enabled provider extension (enable one with a ControlPlane of this type, or remove the CloudProfile)',
      "gardener.dns.provider: \"aws-route53\" is served by no enabled extension (the Garden's DNS records need an extension with a DNSRecord of this type: enable provider-aws under gardener.extensions)",
    ]);
  });

  test('fails when an extension that is not built in does not say what it serves, or asks for admission charts the vector lacks', () => {
    expect(problems(section({ extensions: { 'shoot-oidc-service': { admission: true } } }))).toStrictEqual([
      'gardener.extensions.shoot-oidc-service.admission: true, but the component vector pins no admission charts for shoot-oidc-service (remove it)',
      'gardener.extensions.shoot-oidc-service.resources: is missing (required for an extension that is not built in; built in: provider-aws, networking-calico, os-gardenlinux, shoot-dns-service, shoot-cert-service; e.g. [{kind: Extension, type: shoot-oidc-service}])',
    ]);
  });

  test('fails when a provider extension has no CloudProfile, or a CloudProfile no provider; when there is no Project', () => {
    expect(problems(section({ cloudProfiles: undefined, projects: {} }))).toStrictEqual([
      'gardener.cloudProfiles: has no CloudProfile of type aws (an enabled extension serves provider aws; shoots need one: add gardener.cloudProfiles.aws: {type: aws, kubernetesVersions, machineImages, machineTypes, regions})',
      'gardener.projects: is empty (shoots live in projects: keep at least one, e.g. garden: {namespace: garden})',
    ]);
    const gcp = { ...minimal().cloudProfiles.aws, type: 'gcp' };
    expect(problems({ ...minimal(), cloudProfiles: { gcp }, projects: { 'a-long-name': {} } })).toStrictEqual([
      'gardener.cloudProfiles: has no CloudProfile of type aws (an enabled extension serves provider aws; shoots need one: add gardener.cloudProfiles.aws: {type: aws, kubernetesVersions, machineImages, machineTypes, regions})',
      'gardener.cloudProfiles.gcp.type: "gcp" is served by no enabled provider extension (enable one with a ControlPlane of this type, or remove the CloudProfile)',
      'gardener.projects.a-long-name: "a-long-name" is longer than 10 characters (gardener-apiserver limits project names; e.g. dev)',
    ]);
  });

  test('fails when networks overlap', () => {
    expect(
      problems(section({ baseCluster: { networks: { nodes: '100.64.0.0/16' } }, seed: { shootDefaults: { pods: '100.100.0.0/16', services: '100.80.0.0/13' } } })),
    ).toStrictEqual([
      'gardener.baseCluster.networks.services: "100.64.0.0/13" overlaps gardener.baseCluster.networks.nodes (100.64.0.0/16); the networks must be disjoint',
      'gardener.seed.shootDefaults.pods: "100.100.0.0/16" overlaps gardener.baseCluster.networks.pods (100.96.0.0/11); the networks must be disjoint',
    ]);
  });

  test('fails when the API host does not start with api. or two domains are the same', () => {
    expect(problems(section({ domains: { api: 'vg.garden.example.com', seedIngress: 'ingress.garden.example.com' } }))).toStrictEqual([
      'gardener.domains.api: "vg.garden.example.com" must start with "api." (gardener-operator serves the virtual garden at api.<domain>; e.g. api.garden.example.com)',
      'gardener.domains.seedIngress: "ingress.garden.example.com" is also gardener.domains.ingress (each needs its own DNS name)',
    ]);
  });

  test('fails when Gitea should host the repository without the Kommander tree', () => {
    expect(problems(minimal(), { gitea: { enabled: true } })).toStrictEqual([
      'gitea.hostsManagementRepository: true needs the Kommander tree, which deploys Gitea (with kommander.enabled: false, set gitea.enabled: false and git.url to the management repository)',
    ]);
  });

  test('fails with the line and column of the offending YAML node', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gardener-cfg-'));
    try {
      const raw = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
      raw.gardener.baseCluster.networks.pods = '10.250.0.0/17';
      const file = path.join(dir, 'platform.yaml');
      fs.writeFileSync(file, YAML.stringify(raw));
      let err: ConfigError | undefined;
      try {
        loadConfig(file);
      } catch (e) {
        err = e as ConfigError;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const [p] = err!.problems;
      expect(p.message).toBe('gardener.baseCluster.networks.pods: "10.250.0.0/17" overlaps gardener.baseCluster.networks.nodes (10.250.0.0/16); the networks must be disjoint');
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      expect(lines[p.line! - 1]).toContain('pods: 10.250.0.0/17');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('helpers', () => {
  test('CIDR overlap and SOPS paths', () => {
    expect(cidrsOverlap('10.0.0.0/8', '10.250.0.0/16')).toBe(true);
    expect(cidrsOverlap('100.64.0.0/13', '100.72.0.0/13')).toBe(false);
    expect(cidrsOverlap('0.0.0.0/0', '192.168.1.0/24')).toBe(true);
    expect(normalizeSopsPath('./secrets//garden/x.sops.yaml')).toBe('secrets/garden/x.sops.yaml');
    expect(parseSopsPath('secrets/garden/dns.sops.yml')).toStrictEqual({ namespace: 'garden', name: 'dns' });
    expect(parseSopsPath('secrets/garden/sub/dns.sops.yaml')).toBeUndefined();
  });
});

describe('the gardener section: Kubernetes versions of the modelled release', () => {
  test('fails on a virtual garden or CloudProfile version Gardener v1.146 does not support', () => {
    const profile = { ...minimal().cloudProfiles.aws, kubernetesVersions: ['1.33.5', '1.31.9'] };
    expect(problems(section({ virtualGarden: { kubernetesVersion: '1.30.4' }, cloudProfiles: { aws: profile } }))).toStrictEqual([
      'gardener.cloudProfiles.aws.kubernetesVersions[1]: "1.31.9" is not supported (Gardener 1.146 supports Kubernetes 1.32 to 1.36; remove it or use e.g. 1.33.5)',
      'gardener.virtualGarden.kubernetesVersion: "1.30.4" is not supported (Gardener 1.146 supports Kubernetes 1.32 to 1.36; e.g. 1.33.5)',
    ]);
  });
});
