import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import { parseConfig } from '../lib/config/load';
import { ManagementRepository } from '../lib/platform';
import { RenderedFile, renderTree } from '../lib/tree/render';
import { itIfShared } from './support/shared';

const ROOT = path.resolve(__dirname, '..');
const FLUX_INSTALL = path.resolve(ROOT, '..', 'shared', 'crds', 'flux', 'flux-v2.9.4-install.yaml');

const MINIMAL = { clusterHostname: 'mgmt.example.com', git: { url: 'https://git.example.com/m.git' } };

function synth(raw: object, baseDir = ROOT): RenderedFile[] {
  const app = new App({ outdir: '.' });
  new ManagementRepository(app, 'Platform', { config: parseConfig(raw, baseDir), inspectSecret: () => ({ problems: [] }) });
  return renderTree(app);
}

function objects(files: RenderedFile[], prefix = ''): any[] {
  return files
    .filter((f) => f.path.startsWith(prefix) && f.path.endsWith('.yaml') && !f.path.endsWith('kustomization.yaml'))
    .flatMap((f) => YAML.parseAllDocuments(f.content.toString()).map((d) => d.toJS()));
}

function stages(files: RenderedFile[]): Map<string, any> {
  return new Map(
    objects(files, 'clusters/management/')
      .filter((o) => o.kind === 'Kustomization' && o.metadata.name !== 'kommander-flux')
      .map((o) => [o.metadata.name, o]),
  );
}

describe('KommanderTree', () => {
  test('every installer step of Part I and II is a stage, chained by dependsOn in the installer order', () => {
    // GIVEN the minimal config WHEN synthesized
    const st = stages(synth(MINIMAL));
    const deps = (n: string) => (st.get(n).spec.dependsOn ?? []).map((d: any) => d.name);
    // THEN
    expect([...st.keys()].sort()).toStrictEqual([
      'cert-manager',
      'chartmuseum',
      'gatekeeper',
      'gitea',
      'kommander',
      'kommander-appmanagement',
      'kommander-base',
      'kommander-bootstrap-repository',
      'kommander-core-appdeployments',
      'kommander-flux-configuration',
      'kommander-helm-repositories',
      'kommander-ingress',
      'kommander-root-ca',
      'kommander-vars',
    ]);
    expect(deps('kommander-base')).toStrictEqual([]);
    expect(deps('kommander-vars')).toStrictEqual(['kommander-base']);
    expect(deps('kommander-root-ca')).toStrictEqual(['cert-manager']);
    expect(deps('chartmuseum')).toStrictEqual(['kommander-helm-repositories', 'kommander-root-ca']);
    expect(deps('gitea')).toStrictEqual(['kommander-helm-repositories', 'kommander-ingress']);
    expect(deps('kommander-flux-configuration')).toStrictEqual(['gitea', 'kommander-vars']);
    expect(deps('kommander-appmanagement')).toStrictEqual(['gatekeeper']);
    expect(deps('kommander-core-appdeployments')).toStrictEqual(['kommander-appmanagement']);
    expect(deps('kommander')).toStrictEqual(['kommander-core-appdeployments', 'kommander-ingress']);
  });

  test('root CA: the CA Certificate and its Secret live in cert-manager\'s cluster resource namespace, and the stage waits for it', () => {
    const files = synth(MINIMAL);
    const rootCa = objects(files, 'kommander/root-ca/');
    const cert = rootCa.find((o) => o.kind === 'Certificate');
    expect(cert.metadata).toStrictEqual({ name: 'kommander-ca', namespace: 'cert-manager' });
    expect(cert.spec.isCA).toBe(true);
    expect(cert.spec.issuerRef).toStrictEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'selfsigned-issuer' });
    const ca = rootCa.find((o) => o.kind === 'ClusterIssuer' && o.metadata.name === 'kommander-ca');
    expect(ca).toStrictEqual({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'kommander-ca' }, spec: { ca: { secretName: 'kommander-ca' } } });
    expect(stages(files).get('kommander-root-ca').spec.healthChecks).toStrictEqual([
      { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: 'kommander-ca', namespace: 'cert-manager' },
    ]);
  });

  test('Helm repositories use ${helmMirrorURL:=<upstream>} and substitute from kommander-vars in their own namespace', () => {
    const files = synth(MINIMAL);
    const repos = objects(files, 'kommander/helm-repositories/');
    expect(repos.map((r) => r.spec.url)).toContain('${helmMirrorURL:=https://charts.jetstack.io}');
    for (const r of repos) expect(r.metadata.namespace).toBe('kommander-flux');
    const stage = stages(files).get('kommander-helm-repositories');
    expect(stage.metadata.namespace).toBe('kommander-flux');
    expect(stage.spec.postBuild).toStrictEqual({ substituteFrom: [{ kind: 'ConfigMap', name: 'kommander-vars' }] });
    const vars = objects(files, 'kommander/vars/');
    expect(vars.map((v) => v.metadata.namespace).sort()).toStrictEqual(['kommander', 'kommander-flux']);
    expect(vars[0].data.helmMirrorURL).toBeUndefined();
  });

  test('an air-gapped Helm mirror flows into kommander-vars', () => {
    const files = synth({ ...MINIMAL, airgapped: { enabled: true, helmMirror: 'https://mirror.internal/charts' } });
    for (const v of objects(files, 'kommander/vars/')) {
      expect(v.data.helmMirrorURL).toBe('https://mirror.internal/charts');
      expect(v.data.airgappedEnabled).toBe('true');
    }
  });

  test('ingress: ACME ClusterIssuer with HTTP01 when acme is set, custom certificate by Secret otherwise', () => {
    const acme = objects(synth({ ...MINIMAL, acme: { email: 'ops@example.com' } }), 'kommander/ingress/');
    expect(acme.find((o) => o.kind === 'ClusterIssuer').spec.acme.solvers).toStrictEqual([{ http01: { ingress: { ingressClassName: 'kommander-traefik' } } }]);
    const custom = objects(synth({ ...MINIMAL, ingressCertificate: { secretName: 'my-tls' } }), 'kommander/ingress/');
    expect(custom.some((o) => o.kind === 'ClusterIssuer')).toBe(false);
    const values = YAML.parse(custom.find((o) => o.kind === 'ConfigMap').data['values.yaml']);
    expect(values).toStrictEqual({ kommanderCluster: { ingress: { hostname: 'mgmt.example.com', certificateSecretRef: { name: 'my-tls' } } } });
  });

  test('Gitea uses existingSecret (no password in values) and hosts the management repository', () => {
    const files = synth({ ...MINIMAL, gitea: { hostsManagementRepository: true } });
    const hr = objects(files, 'kommander/gitea/').find((o) => o.kind === 'HelmRelease');
    expect(hr.spec.values).toStrictEqual({ gitea: { admin: { existingSecret: 'gitea-admin-credentials' } } });
    const mgmt = objects(files, 'kommander/flux-configuration/').find((o) => o.kind === 'GitRepository');
    expect(mgmt.metadata).toStrictEqual({ name: 'management', namespace: 'kommander-flux' });
    expect(mgmt.spec.url).toBe('http://gitea-http.kommander.svc.cluster.local:3000/kommander/kommander.git');
    expect(mgmt.spec.secretRef).toStrictEqual({ name: 'kommander-git-credentials' });
  });

  test('without Gitea the management GitRepository points at git.url and no gitea stage exists', () => {
    const files = synth({ ...MINIMAL, gitea: { enabled: false, hostsManagementRepository: false } });
    expect(stages(files).has('gitea')).toBe(false);
    expect(objects(files, 'kommander/flux-configuration/')[0].spec.url).toBe('https://git.example.com/m.git');
    expect(stages(files).get('kommander-flux-configuration').spec.dependsOn).toStrictEqual([{ name: 'kommander-vars' }]);
  });

  test('optional AppDeployments with configOverrides, and catalog GitRepositories labelled for propagation', () => {
    const files = synth({
      ...MINIMAL,
      apps: { 'kube-prometheus-stack': { version: '82.13.6', values: { a: 1 } }, velero: { enabled: false, version: '12.0.0' } },
      catalog: { repositories: [{ name: 'my-catalog', url: 'https://github.com/org/catalog', projectDefault: true }] },
    });
    const ads = objects(files, 'kommander/appdeployments/');
    expect(ads.filter((o) => o.kind === 'AppDeployment').map((o) => o.metadata.name)).toStrictEqual(['kube-prometheus-stack']);
    expect(ads.find((o) => o.kind === 'ConfigMap').metadata.name).toBe('kube-prometheus-stack-overrides');
    const cat = objects(files, 'kommander/catalogs/')[0];
    expect(cat.metadata.labels).toStrictEqual({
      'kommander.d2iq.io/gitapps-gitrepository-type': 'catalog',
      'kommander.d2iq.io/project-default-catalog-repository': 'true',
      'kommander.d2iq.io/workspace-default-catalog-repository': 'true',
    });
    expect(cat.metadata.namespace).toBe('kommander');
  });

  test('core AppDeployments adopt the installer releases; their stage depends on appmanagement (CRDs) and does not wait', () => {
    const files = synth(MINIMAL);
    const core = objects(files, 'kommander/core-appdeployments/');
    expect(core.map((o) => o.spec.appRef.name).sort()).toStrictEqual([
      'cert-manager-1.21.1',
      'chartmuseum-3.10.3',
      'gatekeeper-3.23.0',
      'kommander-appmanagement-0.8.3',
      'kommander-flux-2.9.4',
    ]);
    expect(stages(files).get('kommander-core-appdeployments').spec.wait).toBe(false);
  });

  itIfShared('crds', 'flux', 'flux-v2.9.4-install.yaml')('manifest mode includes the flux install manifest in kommander-flux, never pruned', () => {
    const files = synth({ ...MINIMAL, flux: { mode: 'manifest', installManifest: path.relative(ROOT, FLUX_INSTALL) } });
    const flux = objects(files, 'kommander/flux/');
    expect(flux.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort()).toStrictEqual([
      'helm-controller',
      'kustomize-controller',
      'notification-controller',
      'source-controller',
    ]);
    for (const o of flux) {
      if (o.metadata.namespace) expect(o.metadata.namespace).toBe('kommander-flux');
      expect(o.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
    }
    expect(flux.some((o) => o.kind === 'Namespace')).toBe(false);
    const crb = flux.filter((o) => o.kind === 'ClusterRoleBinding').flatMap((o) => o.subjects);
    expect(crb.every((s: any) => !s.namespace || s.namespace === 'kommander-flux')).toBe(true);
    expect(stages(files).get('kommander-flux-controllers').spec.prune).toBe(false);
  });

  test('application definitions are copied verbatim and deterministically', () => {
    // GIVEN a small fixture tree with a binary file
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'appdefs-'));
    fs.mkdirSync(path.join(dir, 'applications/app/1.0.0'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'applications/app/1.0.0/kustomization.yaml'), '# kept as is\nresources: []\n');
    fs.writeFileSync(path.join(dir, 'applications/app/1.0.0/icon.bin'), Buffer.from([0, 255, 10]));
    // WHEN
    const files = synth({ ...MINIMAL, applicationDefinitions: dir });
    // THEN
    const copied = files.filter((f) => f.path.startsWith('applications/'));
    expect(copied.map((f) => f.path)).toStrictEqual(['applications/app/1.0.0/icon.bin', 'applications/app/1.0.0/kustomization.yaml']);
    expect(Buffer.from(copied[0].content as Buffer).equals(Buffer.from([0, 255, 10]))).toBe(true);
    expect(copied[1].content.toString()).toBe('# kept as is\nresources: []\n');
  });

  test('bootstrap repository: apps-kommander Kustomization deploying into kommander from the management repository', () => {
    const files = synth(MINIMAL);
    const ks = objects(files, 'kommander/bootstrap-repository/')[0];
    expect(ks.metadata).toStrictEqual({ name: 'apps-kommander', namespace: 'kommander' });
    expect(ks.spec.sourceRef).toStrictEqual({ kind: 'GitRepository', name: 'management', namespace: 'kommander-flux' });
    expect(ks.spec.postBuild.substitute).toStrictEqual({ releaseNamespace: 'kommander', workspaceNamespace: 'kommander' });
    expect(files.map((f) => f.path)).toContain('clusters/kommander_host-cluster/apps/kommander/kustomization.yaml');
  });

  test('.sops.yaml holds the recipients (public keys only) and encrypted_regex', () => {
    const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
    const files = synth({ ...MINIMAL, sops: { ageRecipients: [recipient] } });
    const sops = YAML.parse(files.find((f) => f.path === '.sops.yaml')!.content.toString());
    expect(sops).toStrictEqual({ creation_rules: [{ path_regex: '.*\\.ya?ml$', encrypted_regex: '^(data|stringData)$', age: recipient }] });
  });

  test('BOOTSTRAP.md gives the exact commands for the hand-applied objects', () => {
    const md = synth(MINIMAL).find((f) => f.path === 'BOOTSTRAP.md')!.content.toString();
    expect(md).toContain('flux bootstrap git --url=https://git.example.com/m.git --branch=main');
    expect(md).toContain('--namespace=kommander-flux --path=clusters/management');
    expect(md).toContain('kubectl -n kommander-flux create secret generic kommander-git-credentials');
    expect(md).toContain('kubectl -n kommander-flux create secret generic sops-age --from-file=age.agekey=./age.agekey');
  });
});
