import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { checkFiles, checkTreeFull, CheckOptions, Finding, formatFindings, readCheckConfig } from '../lib/check';
import { findKubectl } from '../lib/check/kustomize';
import { inferOutdir, TreeCheck } from '../lib/check/plugin';
import { SchemaRegistry } from '../lib/check/schema';
import { findVarUses, substitute } from '../lib/check/tree';
import { addFolder, editObject, fluxKs, Obj, sampleTree, SHARED_CRDS, tmpDir, Tree, writeTreeTo, y } from './fixtures/trees/sample';
import { describeIfShared } from './support/shared';

const OPTS: CheckOptions = { crdDirs: [SHARED_CRDS], external: ['Secret/*/sops-age'] };

function check(tree: Tree, opts: CheckOptions = OPTS): Finding[] {
  return checkFiles(tree, opts);
}

function only(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

function spec(o: Obj): Obj {
  return o.spec as Obj;
}

describeIfShared()('check: the sample tree', () => {
  test('passes the sample tree without findings', () => {
    // GIVEN a well-formed management tree (root, 6 stages, a SOPS Secret, vendored app files)
    const tree = sampleTree();
    // WHEN it is checked against the Flux, cert-manager, Gatekeeper and Gardener CRDs
    const findings = check(tree);
    // THEN nothing is reported
    expect(formatFindings(findings)).toBe('');
  });

  test('passes the example config synthesized by the project', () => {
    // GIVEN the tree the synthesizer writes for platform.yaml
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesize } = require('../lib/cli');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadConfig } = require('../lib/config/load');
    const files: { path: string; content: string | Buffer }[] = synthesize(loadConfig(path.resolve(__dirname, '../platform.yaml')));
    const tree: Tree = new Map(files.map((f) => [f.path, f.content.toString()]));
    // WHEN it is checked (the age key Secret is created at bootstrap, as the config says)
    const declared = readCheckConfig(path.resolve(__dirname, '../platform.yaml'));
    const findings = check(tree, { ...OPTS, external: declared.external, externalCrds: declared.externalCrds, crdFiles: declared.crdFiles });
    // THEN nothing is reported
    expect(formatFindings(findings)).toBe('');
  });
});

describeIfShared()('check: schema', () => {
  test('fails an unknown field, naming the file, the object and the field', () => {
    // GIVEN a HelmRelease with a field the CRD does not define
    const tree = sampleTree();
    editObject(tree, 'kommander/cert-manager/helmrelease-cert-manager.yaml', (o) => (spec(o).valuesFile = 'x'));
    // WHEN checked
    const [f] = only(check(tree), 'schema');
    // THEN the schema rule names it
    expect(f).toMatchObject({ file: 'kommander/cert-manager/helmrelease-cert-manager.yaml', object: 'HelmRelease/cert-manager/cert-manager' });
    expect(f.message).toContain('spec: unknown field "valuesFile"');
    expect(f.fix).toContain('helmreleases.helm.toolkit.fluxcd.io v2 schema');
  });

  test('fails a removed API version (Flux 2.9 serves only helm.toolkit.fluxcd.io/v2)', () => {
    // GIVEN a HelmRelease written against v2beta1
    const tree = sampleTree();
    editObject(tree, 'kommander/cert-manager/helmrelease-cert-manager.yaml', (o) => (o.apiVersion = 'helm.toolkit.fluxcd.io/v2beta1'));
    // WHEN checked
    const [f] = only(check(tree), 'schema');
    // THEN the version is reported as not served, with the served one as the fix
    expect(f.message).toContain('apiVersion helm.toolkit.fluxcd.io/v2beta1 is not served by the helmreleases.helm.toolkit.fluxcd.io CRD');
    expect(f.fix).toBe('change apiVersion to helm.toolkit.fluxcd.io/v2 and adapt the fields to that version');
  });

  test('fails an enum and a pattern violation', () => {
    // GIVEN a bad sourceRef kind and an interval that is not a Go duration
    const tree = sampleTree();
    editObject(tree, 'kommander/cert-manager/helmrelease-cert-manager.yaml', (o) => {
      spec(o).interval = '10 minutes';
      ((spec(o).chart as Obj).spec as Obj).sourceRef = { kind: 'HelmRepo', name: 'jetstack', namespace: 'kommander-flux' };
    });
    // WHEN checked
    const [f] = only(check(tree), 'schema');
    // THEN both are in the message
    expect(f.message).toContain('spec.chart.spec.sourceRef.kind: "HelmRepo" is not one of "HelmRepository", "GitRepository", "Bucket"');
    expect(f.message).toContain('spec.interval: "10 minutes" does not match pattern ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$');
  });

  test('fails a missing required field and an unknown kind of a known group', () => {
    // GIVEN a Certificate without secretName and a cert-manager kind that does not exist
    const tree = sampleTree();
    editObject(tree, 'kommander/apps/certificate-dashboard.yaml', (o) => delete spec(o).secretName);
    tree.set('kommander/apps/certificate-dashboard.yaml', tree.get('kommander/apps/certificate-dashboard.yaml') + '---\n' + y({ apiVersion: 'cert-manager.io/v1', kind: 'Certficate', metadata: { name: 'typo', namespace: 'kommander' }, spec: {} }));
    // WHEN checked
    const msgs = only(check(tree), 'schema').map((f) => `${f.object}: ${f.message}`);
    // THEN both are reported
    expect(msgs).toEqual([
      'Certficate/kommander/typo: kind Certficate is not defined in API group cert-manager.io (its CRDs define Certificate, CertificateRequest, ClusterIssuer, Issuer)',
      'Certificate/kommander/dashboard: spec: missing required field "secretName"',
    ]);
  });

  test('accepts int-or-string values and keeps preserve-unknown-fields open', () => {
    // GIVEN a CRD with an int-or-string field and a free-form field, loaded like `kubectl get crd -o yaml` output
    const dir = tmpDir('crds');
    fs.writeFileSync(
      path.join(dir, 'list.yaml'),
      y({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'apiextensions.k8s.io/v1',
            kind: 'CustomResourceDefinition',
            metadata: { name: 'widgets.example.com' },
            spec: {
              group: 'example.com',
              scope: 'Namespaced',
              names: { kind: 'Widget', plural: 'widgets' },
              versions: [
                {
                  name: 'v1',
                  served: true,
                  storage: true,
                  schema: {
                    openAPIV3Schema: {
                      type: 'object',
                      properties: {
                        spec: {
                          type: 'object',
                          properties: {
                            port: { 'x-kubernetes-int-or-string': true },
                            size: { type: 'string', format: 'quantity' },
                            values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                          },
                        },
                      },
                    },
                  },
                },
              ],
            },
          },
        ],
      }),
    );
    const reg = SchemaRegistry.fromPaths([dir]);
    const w = (s: Obj) => reg.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: s } as never);
    // WHEN objects are validated THEN int and string pass, a bool and an unknown field fail, free-form passes
    expect(w({ port: 80, size: '1Gi', values: { any: { thing: 1 } } })).toEqual({ status: 'ok' });
    expect(w({ port: 'http' })).toEqual({ status: 'ok' });
    expect(w({ port: true })).toMatchObject({ status: 'invalid', errors: ['spec.port: must match a schema in anyOf'] });
    expect(w({ colour: 'red' })).toMatchObject({ status: 'invalid', errors: ['spec: unknown field "colour"'] });
    expect(reg.validate({ apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w' } } as never)).toMatchObject({ status: 'invalid' });
  });
});

describeIfShared()('check: Flux graph', () => {
  test('fails a Kustomization path that does not exist', () => {
    // GIVEN a stage pointing at a folder that is not in the tree
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-apps.yaml', (o) => (spec(o).path = './kommander/aps'));
    // WHEN checked
    const [f] = only(check(tree), 'kustomization-path');
    // THEN the path rule names the Kustomization
    expect(f).toMatchObject({ file: 'clusters/management/kustomization-kommander-apps.yaml', object: 'Kustomization/kommander-flux/kommander-apps' });
    expect(f.message).toBe('spec.path "./kommander/aps" does not exist in the tree; Flux fails with "kustomization path not found"');
  });

  test('fails a stage folder without kustomization.yaml', () => {
    // GIVEN the apps folder without its kustomization.yaml
    const tree = sampleTree();
    tree.delete('kommander/apps/kustomization.yaml');
    // WHEN checked
    const [f] = only(check(tree), 'kustomization-path');
    // THEN the folder is named
    expect(f.file).toBe('kommander/apps');
    expect(f.message).toContain('folder kommander/apps (spec.path of Kustomization/kommander-flux/kommander-apps) has no kustomization.yaml');
  });

  test('fails a kustomization.yaml that lists a missing file', () => {
    // GIVEN a resources entry without its file
    const tree = sampleTree();
    tree.delete('kommander/apps/configmap-dashboard.yaml');
    // WHEN checked
    const [f] = only(check(tree), 'kustomization-resources');
    // THEN the entry is named
    expect(f.message).toBe('resource "configmap-dashboard.yaml" listed in kommander/apps/kustomization.yaml does not exist');
  });

  test('fails a sourceRef that resolves in the wrong namespace, with a hint', () => {
    // GIVEN a HelmRelease whose sourceRef omits the namespace of the HelmRepository
    const tree = sampleTree();
    editObject(tree, 'kommander/cert-manager/helmrelease-cert-manager.yaml', (o) => delete (((spec(o).chart as Obj).spec as Obj).sourceRef as Obj).namespace);
    // WHEN checked
    const [f] = only(check(tree), 'reference');
    // THEN it says where Flux looked and where the object is
    expect(f.object).toBe('HelmRelease/cert-manager/cert-manager');
    expect(f.message).toBe(
      'spec.chart.spec.sourceRef → HelmRepository/cert-manager/jetstack does not resolve: Flux looks for it in the HelmRelease\'s own namespace cert-manager (sourceRef.namespace is not set) and no Kustomization of the tree applies it (an object of that kind and name exists in another namespace: HelmRepository/kommander-flux/jetstack)',
    );
    expect(f.fix).toContain('set the namespace on spec.chart.spec.sourceRef');
  });

  test('fails dependsOn, valuesFrom, substituteFrom and decryption.secretRef that do not resolve', () => {
    // GIVEN four broken references
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-apps.yaml', (o) => (spec(o).dependsOn = [{ name: 'kommander-rootca' }]));
    editObject(tree, 'kommander/cert-manager/helmrelease-cert-manager.yaml', (o) => (spec(o).valuesFrom = [{ kind: 'ConfigMap', name: 'kommander-vars' }]));
    editObject(tree, 'clusters/management/kustomization-cert-manager.yaml', (o) => ((spec(o).postBuild as Obj).substituteFrom = [{ kind: 'ConfigMap', name: 'cluster-vars' }]));
    // WHEN checked without declaring the age key Secret external
    const msgs = only(check(tree, { crdDirs: [SHARED_CRDS] }), 'reference').map((f) => `${f.object}: ${f.message.split(':')[0]}`);
    // THEN each is reported on its object
    expect(msgs).toEqual([
      'Kustomization/kommander-flux/cert-manager: spec.postBuild.substituteFrom[0] → ConfigMap/kommander-flux/cluster-vars does not resolve',
      'Kustomization/kommander-flux/kommander-apps: spec.dependsOn[0] → Kustomization/kommander-flux/kommander-rootca does not resolve',
      'Kustomization/kommander-flux/kommander-secrets: spec.decryption.secretRef → Secret/kommander-flux/sops-age does not resolve',
      'HelmRelease/cert-manager/cert-manager: spec.valuesFrom[0] → ConfigMap/cert-manager/kommander-vars does not resolve',
    ]);
    const valuesFrom = only(check(tree), 'reference').find((f) => f.message.startsWith('spec.valuesFrom'))!;
    expect(valuesFrom.message).toContain('valuesFrom is always resolved there');
    expect(valuesFrom.fix).toContain('move ConfigMap kommander-vars into namespace cert-manager (this reference cannot cross namespaces)');
  });

  test('accepts references declared external and optional substituteFrom sources', () => {
    // GIVEN an optional missing substituteFrom and a GitRepository declared external
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-cert-manager.yaml', (o) => {
      (spec(o).postBuild as Obj).substituteFrom = [{ kind: 'ConfigMap', name: 'kommander-vars' }, { kind: 'ConfigMap', name: 'extra', optional: true }];
    });
    editObject(tree, 'clusters/management/kustomization-kommander-apps.yaml', (o) => (spec(o).sourceRef = { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' }));
    // WHEN checked with the external declaration
    const findings = check(tree, { ...OPTS, external: ['Secret/*/sops-age', 'GitRepository/flux-system/flux-system'] });
    // THEN nothing is reported
    expect(formatFindings(findings)).toBe('');
  });

  test('fails a dependsOn cycle', () => {
    // GIVEN base → apps → root-ca → cert-manager → vars → base
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-base.yaml', (o) => (spec(o).dependsOn = [{ name: 'kommander-apps' }]));
    // WHEN checked
    const [f] = only(check(tree), 'depends-on-cycle');
    // THEN the cycle is spelled out
    expect(f.message).toBe(
      'dependsOn cycle between Kustomizations: kommander-flux/cert-manager → kommander-flux/kommander-vars → kommander-flux/kommander-base → kommander-flux/kommander-apps → kommander-flux/kommander-root-ca → kommander-flux/cert-manager; none of them will ever become ready',
    );
  });

  test('fails an object applied by two Kustomizations', () => {
    // GIVEN the dashboard ConfigMap also in the base stage
    const tree = sampleTree();
    addFolder(tree, 'kommander/base', {
      'namespace-kommander.yaml': tree.get('kommander/base/namespace-kommander.yaml')!,
      'namespace-cert-manager.yaml': tree.get('kommander/base/namespace-cert-manager.yaml')!,
      'configmap-dashboard.yaml': tree.get('kommander/apps/configmap-dashboard.yaml')!,
    });
    // WHEN checked
    const [f] = only(check(tree), 'duplicate-object');
    // THEN both stages are named
    expect(f.object).toBe('ConfigMap/kommander/dashboard');
    expect(f.message).toBe(
      'applied by 2 Kustomizations (kommander-flux/kommander-apps, kommander-flux/kommander-base): kommander/apps/configmap-dashboard.yaml (stage kommander-flux/kommander-apps), kommander/base/configmap-dashboard.yaml (stage kommander-flux/kommander-base); they overwrite each other and pruning in one deletes the other\'s object',
    );
  });

  test('fails a ${var} without default that no source provides, and accepts defaults and escapes', () => {
    // GIVEN a root-ca object using an unknown variable, a defaulted one and an escaped one
    const tree = sampleTree();
    editObject(tree, 'kommander/root-ca/certificate-kommander-ca.yaml', (o) => {
      spec(o).commonName = '${caCommonName}';
      (o.metadata as Obj).annotations = { a: '${missingWithDefault:=x}', b: '$${literal}' };
    });
    // WHEN checked
    const fs2 = only(check(tree), 'substitution');
    // THEN only the undefaulted variable is reported, with its sources
    expect(fs2).toHaveLength(1);
    expect(fs2[0]).toMatchObject({ file: 'kommander/root-ca/certificate-kommander-ca.yaml', object: 'Certificate/cert-manager/kommander-ca' });
    expect(fs2[0].message).toBe(
      '${caCommonName} has no default and is not provided by Kustomization kommander-flux/kommander-root-ca (variables come from ConfigMap/kommander-flux/kommander-vars, postBuild.substitute); Flux substitutes an empty string, or fails with strict substitution',
    );
  });

  test('substitutes like Flux: inline wins, defaults apply (also to EMPTY values, for every operator), escapes stay literal', () => {
    // fluxcd/pkg envsubst v1.7.0 template.go lookupFunc: `-`, `=`, `:-`, `:=` all map to toDefault,
    // which takes the default when the value is empty (unlike POSIX `${x=d}`).
    const vars = new Map<string, string | undefined>([['a', '1'], ['empty', '']]);
    expect(substitute('${a} ${b:=2} ${empty:=3} ${empty=4} ${empty-5} ${empty} $${a} ${unknown}', vars)).toBe('1 2 3 4 5  ${a} ${unknown}');
    expect(findVarUses('${a} ${b:-x} $${c}').map((u) => `${u.name}:${u.hasDefault}`)).toEqual(['a:false', 'b:true']);
  });

  test('fails a custom resource whose stage does not depend on the stage installing its CRD', () => {
    // GIVEN the apps stage (with a Certificate) depending only on base
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-apps.yaml', (o) => (spec(o).dependsOn = [{ name: 'kommander-base' }]));
    // WHEN checked
    const [f] = only(check(tree), 'crd-order');
    // THEN the missing dependsOn is the fix
    expect(f.object).toBe('Certificate/kommander/dashboard');
    expect(f.message).toBe(
      'stage kommander-flux/kommander-apps applies it but does not depend on stage kommander-flux/cert-manager, whose HelmRelease/cert-manager/cert-manager installs its CRD (cert-manager.io); Flux may apply it before the CRD exists',
    );
    expect(f.fix).toBe('add {name: cert-manager, namespace: kommander-flux} to spec.dependsOn of Kustomization kommander-flux/kommander-apps');
  });

  test('fails a custom resource in the same stage as the HelmRelease that installs its CRD', () => {
    // GIVEN an Issuer next to the cert-manager HelmRelease
    const tree = sampleTree();
    const issuer = y({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'local', namespace: 'cert-manager' }, spec: { selfSigned: {} } });
    const folder: Record<string, string> = { 'issuer-local.yaml': issuer };
    for (const [f, c] of tree) if (f.startsWith('kommander/cert-manager/') && !f.endsWith('kustomization.yaml')) folder[f.slice('kommander/cert-manager/'.length)] = c;
    addFolder(tree, 'kommander/cert-manager', folder);
    // WHEN checked
    const [f] = only(check(tree), 'crd-order');
    // THEN it says why
    expect(f.message).toContain('the same stage whose HelmRelease/cert-manager/cert-manager installs its CRD (cert-manager.io); the stage\'s dry-run fails before the CRD exists');
  });

  test('fails a group no stage installs, unless it is declared external', () => {
    // GIVEN a Gardener DNSProvider and no external-dns-management stage
    const tree = sampleTree();
    const folder: Record<string, string> = {
      'dnsprovider-aws.yaml': y({ apiVersion: 'dns.gardener.cloud/v1alpha1', kind: 'DNSProvider', metadata: { name: 'aws', namespace: 'kommander' }, spec: { type: 'aws-route53', secretRef: { name: 'aws' } } }),
    };
    for (const [f, c] of tree) if (f.startsWith('kommander/apps/') && !f.endsWith('kustomization.yaml')) folder[f.slice('kommander/apps/'.length)] = c;
    addFolder(tree, 'kommander/apps', folder);
    // WHEN checked without and with --external-crds
    const [f] = only(check(tree), 'crd-order');
    // THEN it is reported, then accepted
    expect(f.message).toContain('no stage of the tree installs the CRD of dns.gardener.cloud/v1alpha1 DNSProvider');
    expect(f.fix).toContain('--external-crds dns.gardener.cloud');
    expect(only(check(tree, { ...OPTS, externalCrds: ['*.gardener.cloud'] }), 'crd-order')).toEqual([]);
  });

  test('fails a CRD-installing stage that does not wait for its HelmRelease', () => {
    // GIVEN the cert-manager stage without wait
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-cert-manager.yaml', (o) => delete spec(o).wait);
    // WHEN checked
    const [f] = only(check(tree), 'crd-order');
    // THEN the stage is told to wait
    expect(f.object).toBe('Kustomization/kommander-flux/cert-manager');
    expect(f.fix).toBe('set spec.wait: true on Kustomization kommander-flux/cert-manager, or add {apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: cert-manager, namespace: cert-manager} to its spec.healthChecks');
  });
});

describeIfShared()('check: secrets', () => {
  test('fails a plaintext Secret anywhere in the tree (also in files no Kustomization applies)', () => {
    // GIVEN a plaintext Secret among the vendored application files
    const tree = sampleTree();
    tree.set('applications/demo/1.0.0/secret.yaml', y({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'demo' }, stringData: { password: 'hunter2' } }));
    // WHEN checked
    const [f] = only(check(tree), 'secrets');
    // THEN it is reported without the value
    expect(f).toMatchObject({ file: 'applications/demo/1.0.0/secret.yaml', object: 'Secret/demo/db' });
    expect(f.message).toContain('Secret demo/db: stringData.password holds a plaintext value and the Secret is not SOPS-encrypted');
    expect(JSON.stringify(f)).not.toContain('hunter2');
  });

  test('fails an age identity in any file', () => {
    // GIVEN a private key pasted into the README
    const tree = sampleTree();
    tree.set('BOOTSTRAP.md', '# Bootstrap\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n');
    // WHEN checked
    const [f] = only(check(tree), 'secrets');
    // THEN it is reported, and the key is not repeated
    expect(f.message).toBe('BOOTSTRAP.md contains an age identity (AGE-SECRET-KEY-…): a private key is committed');
    expect(JSON.stringify(f)).not.toContain('QQQQ');
  });

  test('fails an encrypted Secret applied by a stage that does not decrypt', () => {
    // GIVEN the secrets stage without decryption
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-secrets.yaml', (o) => delete spec(o).decryption);
    // WHEN checked
    const [f] = only(check(tree), 'secrets');
    // THEN the stage is told to decrypt
    expect(f.object).toBe('Secret/default/global-age-secret');
    expect(f.message).toContain('stage kommander-flux/kommander-secrets applies this SOPS-encrypted object but does not decrypt');
  });

  test('fails a *.sops.yaml file without a sops block', () => {
    // GIVEN a .sops.yaml-named file that was never encrypted
    const tree = sampleTree();
    tree.set('kommander/secrets/secret-global-age-secret.sops.yaml', y({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } }));
    // WHEN checked
    const [f] = only(check(tree), 'secrets');
    // THEN it is reported
    expect(f.message).toBe('kommander/secrets/secret-global-age-secret.sops.yaml is named *.sops.yaml but has no sops block: it is not encrypted');
  });
});

describeIfShared()('check: kustomize', () => {
  const kubectl = findKubectl();
  if (!kubectl) console.warn('SKIPPING kubectl kustomize tests LOUDLY: kubectl is not on PATH (install kubernetes-client)');
  const itK = kubectl ? test : test.skip;

  itK('fails a stage folder kustomize cannot build (two files with the same object)', async () => {
    // GIVEN the apps folder with the dashboard ConfigMap twice
    const tree = sampleTree();
    const folder: Record<string, string> = {};
    for (const [f, c] of tree) if (f.startsWith('kommander/apps/') && !f.endsWith('kustomization.yaml')) folder[f.slice('kommander/apps/'.length)] = c;
    folder['configmap-dashboard-copy.yaml'] = folder['configmap-dashboard.yaml'];
    addFolder(tree, 'kommander/apps', folder);
    const dir = writeTreeTo(tmpDir('check-kustomize'), tree);
    // WHEN the full check runs
    const result = await checkTreeFull(dir, OPTS);
    // THEN kustomize's error is a finding on the stage
    const [f] = only(result.findings, 'kustomize');
    expect(f).toMatchObject({ file: 'kommander/apps', object: 'Kustomization/kommander-flux/kommander-apps' });
    expect(f.message).toContain('kubectl kustomize kommander/apps fails:');
    expect(f.message).toContain('already registered id');
  });

  itK('builds every stage folder of the sample tree', async () => {
    const dir = writeTreeTo(tmpDir('check-kustomize'), sampleTree());
    const result = await checkTreeFull(dir, OPTS);
    expect(formatFindings(result.findings)).toBe('');
    expect(result).toMatchObject({ notes: [], stages: 7 });
  });
});

describeIfShared()('check: cdk8s validation plugin', () => {
  function fakeContext(manifests: string[]) {
    const violations: { ruleName: string; recommendation: string; fix: string }[] = [];
    let status: string | undefined;
    const logs: string[] = [];
    return {
      ctx: {
        manifests,
        logger: { log: (m: string) => logs.push(m) },
        report: {
          addViolation: (v: { ruleName: string; recommendation: string; fix: string }) => violations.push(v),
          submit: (s: string) => (status = s),
        },
      },
      violations,
      status: () => status,
      logs,
    };
  }

  function manifestsOf(dir: string, tree: Tree): string[] {
    return [...tree.keys()].filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f));
  }

  test('fails a broken tree, reports each finding, and deletes construct-metadata.json', async () => {
    // GIVEN a synthesized tree with a cycle, and the metadata file the CLI makes the app write
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-base.yaml', (o) => (spec(o).dependsOn = [{ name: 'kommander-apps' }]));
    tree.set('.synth-manifest', '');
    const dir = writeTreeTo(tmpDir('plugin'), tree);
    fs.writeFileSync(path.join(dir, 'construct-metadata.json'), '{"version":"1.0.0","resources":{}}');
    const f = fakeContext(manifestsOf(dir, tree));
    // WHEN the plugin validates
    await new TreeCheck({ crdDirs: [SHARED_CRDS], external: ['Secret/*/sops-age'], kustomize: false, config: '/nonexistent' }).validate(f.ctx as never);
    // THEN it fails with the cycle, and the metadata file is gone
    expect(f.status()).toBe('failure');
    expect(f.violations.map((v) => v.ruleName)).toEqual(['[depends-on-cycle] Kustomization/kommander-flux/cert-manager']);
    expect(fs.existsSync(path.join(dir, 'construct-metadata.json'))).toBe(false);
  });

  test('passes a clean tree and finds the tree root from the manifests', async () => {
    const tree = sampleTree();
    tree.set('.synth-manifest', '');
    const dir = writeTreeTo(tmpDir('plugin'), tree);
    const manifests = manifestsOf(dir, tree).filter((m) => m.includes('/kommander/'));
    expect(inferOutdir(manifests)).toBe(dir);
    const f = fakeContext(manifests);
    await new TreeCheck({ crdDirs: [SHARED_CRDS, '/nonexistent-crds'], external: ['Secret/*/sops-age'], kustomize: false, config: '/nonexistent' }).validate(f.ctx as never);
    expect(f.violations).toEqual([]);
    expect(f.status()).toBe('success');
    expect(f.logs).toEqual(['WARNING: CRD directory /nonexistent-crds does not exist; the schema rule skips it']);
  });

  test('makes `cdk8s synth` fail on a broken tree (real CLI, bundled plugin)', () => {
    // GIVEN a cdk8s project whose app writes a tree with a cycle, and the plugin bundled by scripts/run.js
    const built = spawnSync(process.execPath, [path.resolve(__dirname, '../scripts/run.js'), '--build', 'lib/check/plugin.ts'], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    const plugin = built.stdout.trim();
    const cli = path.resolve(__dirname, '../node_modules/.bin/cdk8s');
    const project = tmpDir('cdk8s-project');
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-base.yaml', (o) => (spec(o).dependsOn = [{ name: 'kommander-apps' }]));
    tree.set('.synth-manifest', '');
    writeTreeTo(path.join(project, 'fixture'), tree);
    fs.writeFileSync(
      path.join(project, 'app.js'),
      `const fs = require('fs'); const out = process.env.CDK8S_OUTDIR;
       fs.cpSync(${JSON.stringify(path.join(project, 'fixture'))}, out, { recursive: true });
       if (process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true') fs.writeFileSync(out + '/construct-metadata.json', '{"version":"1.0.0","resources":{}}');`,
    );
    fs.writeFileSync(
      path.join(project, 'cdk8s.yaml'),
      y({
        language: 'typescript',
        app: 'node app.js',
        output: 'dist',
        validations: [{ package: plugin, class: 'TreeCheck', version: '0.0.1', properties: { crdDirs: [SHARED_CRDS], external: ['Secret/*/sops-age'], kustomize: false } }],
      }),
    );
    // WHEN `cdk8s synth` runs
    const r = spawnSync(cli, ['synth', '--no-check-upgrade'], { cwd: project, encoding: 'utf8', env: { ...process.env, PLATFORM_CONFIG: '/nonexistent' } });
    // THEN it fails with the finding, and dist/ has no construct-metadata.json
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('[depends-on-cycle] Kustomization/kommander-flux/cert-manager');
    expect(fs.existsSync(path.join(project, 'dist', 'clusters'))).toBe(true);
    expect(fs.existsSync(path.join(project, 'dist', 'construct-metadata.json'))).toBe(false);
  });
});

// keep the helper referenced for readers of the fixture module
void fluxKs;
