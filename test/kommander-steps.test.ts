import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import { findKubectl } from '../lib/check/kustomize';
import { synthMain } from '../lib/cli';
import { ConfigError, loadConfig, parseConfig } from '../lib/config/load';
import { readReleaseView } from '../lib/kommander/release-view';
import { STEPS, stepTable, updateStepTables } from '../lib/kommander/steps';
import { GitRepository } from '../lib/flux/sources';
import { KommanderTree } from '../lib/kommander/tree';
import { ManagementRepository } from '../lib/platform';
import { SecretStore } from '../lib/secrets/sops-secrets';
import { Folder } from '../lib/tree/folder';
import { RenderedFile, renderTree } from '../lib/tree/render';
import { writeTree } from '../lib/tree/writer';

const ROOT = path.resolve(__dirname, '..');
const SHARED = path.resolve(ROOT, '..', 'shared', 'kommander-applications');
const TAGS = ['v2.8.3', 'v2.17.1'] as const;
const haveShared = fs.existsSync(path.join(SHARED, 'v2.8.3')) && fs.existsSync(path.join(SHARED, 'v2.17.1'));
const real = haveShared ? test : test.skip;
if (!haveShared) console.warn(`SKIPPED: real-tree tests need ${SHARED} (v2.8.3 and v2.17.1)`);

function example(tag: string, tree?: string): any {
  const raw = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples', `kommander-${tag}.yaml`), 'utf8'));
  if (tree) raw.applicationDefinitions = tree;
  return raw;
}

function synth(raw: object, baseDir = path.join(ROOT, 'examples')): RenderedFile[] {
  const app = new App({ outdir: '.' });
  new ManagementRepository(app, 'Platform', { config: parseConfig(raw, baseDir), inspectSecret: () => ({ problems: [] }) });
  return renderTree(app);
}

/** Every file the synthesizer writes itself: all but the copied release tree at `tree`. */
function own(files: RenderedFile[], tree: string): Map<string, string> {
  const copied = new Set(readReleaseView(tree).files);
  return new Map(files.filter((f) => !copied.has(f.path)).map((f) => [f.path, f.content.toString()]));
}

function objects(files: RenderedFile[]): any[] {
  return files
    .filter((f) => (f.path.startsWith('clusters/management/') || f.path.startsWith('kommander/')) && f.path.endsWith('.yaml') && !f.path.endsWith('/kustomization.yaml'))
    .flatMap((f) => YAML.parseAllDocuments(f.content.toString()).map((d) => d.toJS()));
}

describe.each(TAGS)('release %s', (tag) => {
  real('every AppDeployment names a ClusterApp of the release, and the tree carries its folder', () => {
    // GIVEN the example config pointed at the real tree WHEN synthesized
    const files = synth(example(tag, path.join(SHARED, tag)));
    const r = readReleaseView(path.join(SHARED, tag));
    const paths = new Set(files.map((f) => f.path));
    const ads = objects(files).filter((o) => o.kind === 'AppDeployment');
    // THEN
    expect(ads.length).toBeGreaterThan(3);
    for (const ad of ads) {
      const m = /^(.*)-(v?\d+\.\d+\.\d+.*)$/.exec(ad.spec.appRef.name)!;
      expect(r.apps.get(m[1])).toContain(m[2]);
      expect([...paths].some((p) => p.startsWith(`${r.appsDir}/${m[1]}/${m[2]}/`))).toBe(true);
    }
  });

  real('the era has its steps (Gitea and ChartMuseum for v2.8.3, git-operator for v2.17.1)', () => {
    const names = objects(synth(example(tag, path.join(SHARED, tag)))).filter((o) => o.kind === 'Kustomization').map((o) => o.metadata.name);
    if (tag === 'v2.8.3') expect(names).toEqual(expect.arrayContaining(['gitea', 'chartmuseum', 'kommander-install-gitea', 'kommander-install-chartmuseum']));
    else expect(names).toEqual(expect.arrayContaining(['git-operator', 'kommander-install-git-operator', 'kommander-git-claim', 'kommander-operator']));
    if (tag === 'v2.17.1') expect(names).not.toContain('gitea');
  });

  real('every file the synthesizer writes itself (stages, sources, HelmReleases, AppDeployments, variables; not the copied release) is identical for the trimmed and the real tree', () => {
    const trimmedTree = path.join(ROOT, 'examples', example(tag).applicationDefinitions);
    const trimmed = own(synth(example(tag)), trimmedTree);
    const full = own(synth(example(tag, path.join(SHARED, tag))), path.join(SHARED, tag));
    expect(trimmed.size).toBeGreaterThan(50);
    expect([...trimmed.keys()].sort()).toEqual([...full.keys()].sort());
    for (const [p, c] of trimmed) expect(`${p}\n${full.get(p)}`).toBe(`${p}\n${c}`);
  });

  real('hand-over: install stages apply once (IfNotPresent, no prune) and the AppDeployment carries the install values', () => {
    const objs = objects(synth(example(tag, path.join(SHARED, tag))));
    const gk = objs.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'kommander-install-gatekeeper');
    expect(gk.spec.prune).toBe(false);
    expect(gk.spec.commonMetadata.annotations['kustomize.toolkit.fluxcd.io/ssa']).toBe('IfNotPresent');
    // the variables are the ones the AppDeployment controller uses
    expect(gk.spec.postBuild.substitute).toMatchObject({ releaseName: 'gatekeeper', releaseNamespace: 'kommander' });
    const ad = objs.find((o) => o.kind === 'AppDeployment' && o.metadata.name === 'gatekeeper');
    expect(ad.spec.configOverrides.name).toBe('gatekeeper-overrides');
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'gatekeeper-overrides');
    expect(YAML.parse(cm.data['values.yaml'])).toEqual({ replicas: 2 });
  });
});

describe('config against the release', () => {
  real('fails on an app the release does not ship, naming the key and the available apps; nothing is built', () => {
    const raw = example('v2.8.3', path.join(SHARED, 'v2.8.3'));
    raw.apps['not-an-app'] = {};
    expect(() => synth(raw)).toThrow(ConfigError);
    expect(() => synth(raw)).toThrow(/apps\.not-an-app: "not-an-app" is not an app of release v2\.8\.3.*available: .*gatekeeper/);
  });

  real('fails on a version the release does not have, listing the versions it has', () => {
    const raw = example('v2.8.3', path.join(SHARED, 'v2.8.3'));
    raw.apps.gatekeeper.version = '3.23.0';
    expect(() => synth(raw)).toThrow(/apps\.gatekeeper\.version: "3\.23\.0" is not a version of gatekeeper in release v2\.8\.3; available: 3\.14\.1/);
  });

  real('fails when an app the installer deploys is disabled, or Gitea in the Gitea era', () => {
    const raw = example('v2.8.3', path.join(SHARED, 'v2.8.3'));
    raw.apps.gatekeeper.enabled = false;
    raw.gitea = { enabled: false };
    const err = (() => {
      try {
        synth(raw);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => p.message)).toEqual([
      'apps.gatekeeper.enabled: false, but gatekeeper is installed by the installer (step Gatekeeper) of release v2.8.3 (remove the key or set it to true)',
      'gitea.enabled: false, but release v2.8.3 installs Gitea (step Gitea: it hosts the in-cluster management repository every app Kustomization reads; remove the key or set it to true)',
    ]);
  });

  real('fails when a variable the release consumes has no value, listing it with its files; nothing is built', () => {
    // GIVEN the release with one more consumed variable than the config provides
    const r = readReleaseView(path.join(SHARED, 'v2.8.3'));
    const variables = new Map(r.variables);
    variables.set('someInstallerValue', { name: 'someInstallerValue', defaulted: false, files: ['services/gatekeeper/3.14.1/release.yaml'], defaults: [] });
    const config = parseConfig(example('v2.8.3', path.join(SHARED, 'v2.8.3')), path.join(ROOT, 'examples'));
    // WHEN the tree is built THEN one config error names the variable, where it is used and the fix
    const build = () => {
      const root = new Folder(new App({ outdir: '.' }), 'Root', { path: 'clusters/management' });
      const source = new GitRepository(root, 'Src', { name: 'kommander-flux', url: 'https://git.example.com/m.git' });
      return new KommanderTree(root, 'K', { config, source, secrets: SecretStore.load(ROOT, [], () => ({ problems: [] })), release: { ...r, variables } });
    };
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      'kommander.variables: 1 variable(s) consumed by release v2.8.3 have no value: someInstallerValue (services/gatekeeper/3.14.1/release.yaml) (set them under kommander.variables in the config)',
    );
  });

  real("fails on settings the release's era does not have (Gitea values, a management repository outside Gitea, catalog GitRepositories with OCI collections)", () => {
    const old = example('v2.8.3', path.join(SHARED, 'v2.8.3'));
    old.gitea = { values: { replicaCount: 2 }, hostsManagementRepository: false };
    expect(() => synth(old)).toThrow(/gitea\.hostsManagementRepository: false, but release v2\.8\.3's app Kustomizations read .*\ngitea\.values: \{"replicaCount":2\} would be ignored/);
    const nkp = example('v2.17.1', path.join(SHARED, 'v2.17.1'));
    nkp.catalog = { repositories: [{ name: 'c', url: 'https://example.com/c.git' }] };
    expect(() => synth(nkp)).toThrow(/catalog\.repositories: 1 catalog GitRepositories, but release v2\.17\.1 has OCI catalog collections instead/);
  });

  real("fails on an extra Helm repository named like one of the release's", () => {
    const raw = example('v2.8.3', path.join(SHARED, 'v2.8.3'));
    raw.helmRepositories = [{ name: 'charts.jetstack.io', url: 'https://charts.jetstack.io' }];
    expect(() => synth(raw)).toThrow(
      'helmRepositories[0].name: "charts.jetstack.io" is a HelmRepository of release v2.8.3 (common/helm-repositories applies it already; remove the entry or choose another name)',
    );
  });

  test('fails through the synth command with one config error and writes nothing', () => {
    // GIVEN the example with a version the trimmed v2.8.3 release does not have
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-release-'));
    const raw = example('v2.8.3');
    raw.applicationDefinitions = path.join(ROOT, 'examples', raw.applicationDefinitions);
    raw.apps.gatekeeper.version = '3.23.0';
    fs.writeFileSync(path.join(dir, 'platform.yaml'), YAML.stringify(raw));
    const out = path.join(dir, 'out');
    let stderr = '';
    // WHEN synth runs
    const code = synthMain(['--output', out], { PLATFORM_CONFIG: path.join(dir, 'platform.yaml') }, () => undefined, (t) => (stderr += t));
    // THEN it fails with the key, what was found, what is available, and nothing is written
    expect(code).toBe(1);
    expect(stderr).toContain('has 1 problem(s); nothing was written:\n  - apps.gatekeeper.version: "3.23.0" is not a version of gatekeeper in release v2.8.3; available: 3.14.1');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('fails on an incomplete release tree with the reader\'s error as one config error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incomplete-release-'));
    fs.mkdirSync(path.join(dir, 'services', 'foo', '1.0.0'), { recursive: true });
    const raw = { clusterHostname: 'a.example.com', git: { url: 'https://g.example.com/r.git' }, applicationDefinitions: dir };
    const err = (() => {
      try {
        synth(raw, fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')));
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].path).toBe('applicationDefinitions');
    expect(err.problems[0].message).toMatch(/^applicationDefinitions: .* has services\/ but no common\/.*\(point applicationDefinitions at a release tree/);
  });

  test('fails on a path that is not a release tree, listing the releases next to it', () => {
    const raw = example('v2.8.3');
    raw.applicationDefinitions = 'kommander-applications';
    expect(() => parseConfig(raw, path.join(ROOT, 'examples'))).toThrow(
      /applicationDefinitions: "kommander-applications" is not a kommander-applications release tree.*available releases: kommander-applications\/v2\.17\.1, kommander-applications\/v2\.8\.3\)/,
    );
  });

  test('fails when the root source is the Gitea the tree deploys', () => {
    const raw = example('v2.8.3');
    raw.git.url = 'https://gitea-http.kommander.svc/kommander/kommander.git';
    expect(() => parseConfig(raw, path.join(ROOT, 'examples'))).toThrow(/git\.url: .* is the in-cluster management repository this tree deploys/);
  });
});

describe('examples', () => {
  test('platform.yaml and examples/kommander-v2.8.3.yaml are the same config (the same release tree)', () => {
    const a = loadConfig(path.join(ROOT, 'platform.yaml'));
    const b = loadConfig(path.join(ROOT, 'examples', 'kommander-v2.8.3.yaml'));
    const norm = (c: any) => ({ ...c, baseDir: undefined, applicationDefinitions: path.resolve(c.baseDir, c.applicationDefinitions) });
    expect(norm(b)).toStrictEqual(norm(a));
    expect(a.airgapped.enabled).toBe(true);
    expect(readReleaseView(norm(a).applicationDefinitions).tag).toBe('v2.8.3');
    expect(readReleaseView(path.join(ROOT, 'examples', loadConfig(path.join(ROOT, 'examples', 'kommander-v2.17.1.yaml')).applicationDefinitions!)).tag).toBe('v2.17.1');
  });
});

describe('step list', () => {
  test.each(['v2.8.3', 'v2.17.1'])("%s: the stage graph is the era's step list: every stage depends on the stages of the steps it comes after", (tag) => {
    // GIVEN the example (trimmed tree) WHEN synthesized
    const files = synth(example(tag));
    const stages = new Map(
      objects(files)
        .filter((o) => o.kind === 'Kustomization' && o.metadata.namespace === 'kommander-flux')
        .map((o) => [o.metadata.name, (o.spec.dependsOn ?? []).map((d: { name: string }) => d.name) as string[]]),
    );
    const era = readReleaseView(path.join(ROOT, 'examples', YAML.parse(fs.readFileSync(path.join(ROOT, 'examples', `kommander-${tag}.yaml`), 'utf8')).applicationDefinitions)).era;
    const defs = STEPS[era];
    const present = defs.filter((d) => d.stage && stages.has(d.stage));
    expect(present.length).toBeGreaterThan(10);
    // THEN each present step's stage depends on the present stages of its `after` steps
    for (const d of present) {
      const expected = d.after.map((a) => defs.find((x) => x.id === a)!).filter((x) => x.stage && stages.has(x.stage)).map((x) => x.stage!);
      expect({ step: d.id, dependsOn: stages.get(d.stage!)!.filter((n) => expected.includes(n)).sort() }).toStrictEqual({ step: d.id, dependsOn: [...expected].sort() });
    }
  });

  test('the README stage tables are generated from STEPS and current (run `npm run docs`)', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const era of ['services', 'applications'] as const) expect(readme).toContain(stepTable(era));
    expect(updateStepTables(readme)).toBe(readme);
    expect(STEPS.services.map((s) => s.title)).toContain('Gitea');
  });
});

describe('v2.8.3 not air-gapped', () => {
  test('has no ChartMuseum (DKP 2.7/2.8: air-gapped only) and applies common/base, the HelmRepositories with their upstream defaults', () => {
    // GIVEN the example without air-gap
    const raw = example('v2.8.3');
    delete raw.airgapped;
    const files = synth(raw);
    const names = objects(files).filter((o) => o.kind === 'Kustomization').map((o) => o.metadata.name);
    // THEN there is no ChartMuseum step and no AppDeployment for it
    expect(names).not.toContain('chartmuseum');
    expect(names).not.toContain('kommander-install-chartmuseum');
    expect(objects(files).filter((o) => o.kind === 'AppDeployment').map((o) => o.metadata.name)).not.toContain('chartmuseum');
    // AND the Helm repositories step applies the release's common/base (repositories + PriorityClasses), no tls-root-ca
    const k = YAML.parse(files.find((f) => f.path === 'kommander/helm-repositories/kustomization.yaml')!.content.toString());
    expect(k.resources).toStrictEqual(['../../common/base']);
    // AND no helmMirrorURL is set: every HelmRepository falls back to its upstream URL
    const vars = objects(files).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kommander-vars');
    expect(vars.data.helmMirrorURL).toBeUndefined();
    expect(vars.data.chartmuseumAdminCredentialsSecret).toBeUndefined();
  });
});

describe('air-gapped v2.17.1 (flux-oci-mirror where v2.8.3 has ChartMuseum)', () => {
  const kubectl = findKubectl();
  const run = haveShared && kubectl ? test : test.skip;

  run("the flux-oci-mirror stage applies the release's mirror, and no ChartMuseum or Helm repository step exists", () => {
    const raw = example('v2.17.1', path.join(SHARED, 'v2.17.1'));
    raw.airgapped = { enabled: true, helmMirror: 'https://registry.mirror.internal' };
    const files = synth(raw);
    const names = objects(files).filter((o) => o.kind === 'Kustomization').map((o) => o.metadata.name);
    expect(names).toContain('kommander-flux-oci-mirror');
    expect(names).not.toContain('chartmuseum');
    expect(names).not.toContain('kommander-helm-repositories');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-mirror-'));
    writeTree(files, dir);
    const built = YAML.parseAllDocuments(execFileSync(kubectl as string, ['kustomize', path.join(dir, 'kommander/flux-oci-mirror')], { encoding: 'utf8' })).map((d) => d.toJS());
    expect(built.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining(['Deployment/flux-oci-mirror', 'Service/flux-oci-mirror', 'NetworkPolicy/allow-source-controller-oci-mirror']));
  });
});

describe('manifest mode', () => {
  const kubectl = findKubectl();
  const run = haveShared && kubectl ? test : test.skip;
  if (haveShared && !kubectl) console.warn('SKIPPED: manifest-mode build needs kubectl');

  run.each(TAGS)("%s: the Flux stage applies the release's Flux with Kommander's patches, once", (tag) => {
    // GIVEN the example in manifest mode on the real tree
    const raw = example(tag, path.join(SHARED, tag));
    raw.flux = { mode: 'manifest' };
    const files = synth(raw);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `manifest-${tag}-`));
    writeTree(files, dir);
    // WHEN its folder is built
    const stage = YAML.parse(files.find((f) => f.path === 'clusters/management/kustomization-kommander-flux-controllers.yaml')!.content.toString());
    const objs = YAML.parseAllDocuments(execFileSync(kubectl as string, ['kustomize', path.join(dir, 'kommander/flux')], { encoding: 'utf8', maxBuffer: 1 << 26 })).map((d) => d.toJS());
    // THEN it is applied once and never pruned (AppDeployment kommander-flux adopts it)
    expect(stage.spec.prune).toBe(false);
    expect(stage.spec.commonMetadata.annotations['kustomize.toolkit.fluxcd.io/ssa']).toBe('IfNotPresent');
    // AND it carries Kommander's patches: allow-source open to the labelled pods, the quota, the proxy env
    const np = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-source');
    expect(JSON.stringify(np.spec)).toContain('kommander.mesosphere.io/flux-source-controller-ingress-access');
    expect(objs.some((o) => o.kind === 'ResourceQuota' && o.metadata.name === 'critical-pods-kommander-flux')).toBe(true);
    const sc = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'source-controller');
    expect(sc.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']));
    // AND the base stage leaves the kommander-flux namespace to those manifests
    expect(files.some((f) => f.path === 'kommander/base/namespace-kommander-flux.yaml')).toBe(false);
  });
});
