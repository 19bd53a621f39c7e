/**
 * Review of a landscape change: the check and diff see the operator API of the pinned Gardener
 * (v1.146.4), and a change of an immutable Garden field (a `self == oldSelf` rule in that CRD) is
 * reported as one the API server refuses.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { SchemaRegistry } from '../lib/check/schema';
import { synthesize } from '../lib/cli';
import { parseConfig } from '../lib/config/load';
import { diffTrees } from '../lib/diff';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', 'gardener.yaml');
const V146 = path.resolve(ROOT, '..', 'shared', 'gardener', 'v1.146.4');
/** `test`, or a loud skip naming what is missing when ../shared is not beside the project. */
const testShared = (name: string, fn: () => void) => (fs.existsSync(V146) ? test(name, fn) : test.skip(`${name} [SKIPPED: ${V146} is missing]`, fn));

type Obj = Record<string, any>;

/** The CRD directories of the check plugin in cdk8s.yaml (what `check` and the synth use by default), absolute. */
function checkCrdDirs(): string[] {
  const cdk8s = YAML.parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
  const v = cdk8s.validations.find((x: Obj) => Array.isArray(x.properties?.crdDirs));
  return (v.properties.crdDirs as string[]).map((d) => path.resolve(ROOT, d));
}

function tree(edit: (g: Obj) => void = () => undefined): Map<string, string> {
  const raw = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
  edit(raw.gardener);
  return new Map(synthesize(parseConfig(raw, path.dirname(EXAMPLE))).map((f) => [f.path, f.content.toString()]));
}

describe('the operator API the review uses', () => {
  testShared('the check\'s CRD directories include ../shared/gardener/v1.146.4, whose Garden CRD wins over the newer one', () => {
    // GIVEN the check's default CRD directories
    const dirs = checkCrdDirs();
    expect(dirs).toContain(V146);
    // WHEN a Garden uses a field that only the newer operator API has (persistentVolumeClaimAutoscaler, v1.149 line)
    const garden = YAML.parse(tree().get('gardener/garden/garden-example-landscape.yaml')!);
    garden.spec.runtimeCluster.settings.persistentVolumeClaimAutoscaler = { enabled: true };
    // THEN the check refuses it: the v1.146.4 CRD is the one in use
    const result = SchemaRegistry.fromPaths(dirs).validate(garden);
    expect(result.status).toBe('invalid');
    expect(JSON.stringify(result)).toContain('persistentVolumeClaimAutoscaler');
    // AND the Garden the tree emits is valid against it
    expect(SchemaRegistry.fromPaths(dirs).validate(YAML.parse(tree().get('gardener/garden/garden-example-landscape.yaml')!))).toStrictEqual({ status: 'ok' });
  });

  testShared('the v1.146.4 Garden CRD marks the etcd backup region, provider and bucket and the cluster identity immutable', () => {
    const crd = YAML.parse(fs.readFileSync(path.join(V146, '10-crd-operator.gardener.cloud_gardens.yaml'), 'utf8'));
    const vc = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.virtualCluster.properties;
    const backup = vc.etcd.properties.main.properties.backup.properties;
    for (const f of ['region', 'provider', 'bucketName']) expect(backup[f]['x-kubernetes-validations']).toContainEqual(expect.objectContaining({ rule: 'self == oldSelf' }));
    expect(vc.gardener.properties.clusterIdentity['x-kubernetes-validations']).toContainEqual(expect.objectContaining({ rule: 'self == oldSelf' }));
  });
});

describe('diff of a landscape change', () => {
  // The generic oldSelf detection (CEL transition rules of the CRDs in use) is lib/diff's; this
  // test checks that the Garden CRD it evaluates is the pinned one and that the change is refused.
  testShared('reports a change of gardener.backups.region as a Garden update the API server refuses', () => {
    // GIVEN the example tree and the same config with another backup region
    const base = tree();
    const head = tree((g) => {
      g.backups.region = 'eu-west-1';
    });
    // WHEN the trees are diffed with the CRDs the check uses
    const report = diffTrees(base, head, { registry: SchemaRegistry.fromPaths(checkCrdDirs()) });
    // THEN the Garden's update is refused by its transition rule on the region
    const garden = report.stages.flatMap((s) => s.changes).find((c) => c.object.startsWith('Garden/'))!;
    expect(garden).toBeDefined();
    expect(garden.refused.join('\n')).toMatch(/REFUSES.*region/s);
    expect(garden.refused.join('\n')).toContain('Region is immutable');
    expect(report.refused).toBeGreaterThanOrEqual(1);
    // AND without a change nothing is refused
    expect(diffTrees(base, base, { registry: SchemaRegistry.fromPaths(checkCrdDirs()) }).refused).toBe(0);
  });

  test('reports the region change as a field change of the Garden (and of the seed)', () => {
    const base = tree();
    const head = tree((g) => {
      g.backups.region = 'eu-west-1';
    });
    const changes = diffTrees(base, head).stages.flatMap((s) => s.changes);
    const garden = changes.find((c) => c.object.startsWith('Garden/'))!;
    expect(garden.fields.map((f) => f.path)).toContain('spec.virtualCluster.etcd.main.backup.region');
    expect(changes.some((c) => c.object.startsWith('Gardenlet/'))).toBe(true);
  });
});
