import { planRollout, renderMermaid, renderPlanText, renderRollout } from '../lib/plan';
import { editObject, Obj, sampleTree, Tree } from './fixtures/trees/sample';
import { describeIfShared } from './support/shared';

function waveIds(tree: Tree): string[][] {
  return planRollout(tree).waves.map((w) => w.map((s) => s.name));
}

describeIfShared()('plan', () => {
  test('orders the stages topologically, in waves', () => {
    // GIVEN the sample tree: root creates the stages; base ← vars ← cert-manager ← root-ca ← apps, base ← secrets
    const tree = sampleTree();
    // WHEN planned
    const plan = planRollout(tree);
    // THEN every stage comes after the stages it depends on, and after its creator
    expect(waveIds(tree)).toEqual([
      ['kommander-flux'],
      ['kommander-base'],
      ['kommander-secrets', 'kommander-vars'],
      ['cert-manager'],
      ['kommander-root-ca'],
      ['kommander-apps'],
    ]);
    const waveOf = new Map(plan.waves.flat().map((s) => [s.id, s.wave]));
    for (const s of plan.waves.flat()) {
      for (const d of s.dependsOn) expect(waveOf.get(d)!).toBeLessThan(s.wave);
      if (s.parent && s.parent !== s.id) expect(waveOf.get(s.parent)!).toBeLessThan(s.wave);
    }
    expect(plan.cycles).toEqual([]);
  });

  test('lists the HelmReleases and custom resources each stage applies', () => {
    // GIVEN the sample tree WHEN planned
    const stages = new Map(planRollout(sampleTree()).waves.flat().map((s) => [s.name, s]));
    // THEN cert-manager carries its chart (version substituted from kommander-vars) and root-ca its cert-manager objects
    expect(stages.get('cert-manager')!.helmReleases).toEqual([{ id: 'cert-manager/cert-manager', chart: 'cert-manager', version: 'v1.21.1' }]);
    expect(stages.get('cert-manager')!.customResources).toEqual(['HelmRepository/kommander-flux/jetstack']);
    expect(stages.get('kommander-root-ca')!.customResources).toEqual([
      'Certificate/cert-manager/kommander-ca',
      'ClusterIssuer/kommander-ca',
      'ClusterIssuer/selfsigned-issuer',
    ]);
    expect(stages.get('kommander-flux')!.kustomizations).toHaveLength(6);
  });

  test('puts stages on a dependsOn cycle last and flags them', () => {
    // GIVEN base depending on apps (a cycle through five stages)
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-base.yaml', (o) => ((o.spec as Obj).dependsOn = [{ name: 'kommander-apps' }]));
    // WHEN planned
    const plan = planRollout(tree);
    // THEN the cycle is reported and its stages sit in the last wave
    expect(plan.cycles).toHaveLength(1);
    const last = plan.waves[plan.waves.length - 1];
    expect(last.map((s) => s.name).sort()).toEqual(['cert-manager', 'kommander-apps', 'kommander-base', 'kommander-root-ca', 'kommander-secrets', 'kommander-vars']);
    expect(last.filter((s) => s.inCycle).map((s) => s.name).sort()).toEqual(['cert-manager', 'kommander-apps', 'kommander-base', 'kommander-root-ca', 'kommander-vars']);
    expect(renderPlanText(plan)).toContain('WARNING: dependsOn cycle kommander-flux/cert-manager → ');
  });

  test('fails to order a stage on a missing dependency and says so', () => {
    // GIVEN apps depending on a stage that does not exist
    const tree = sampleTree();
    editObject(tree, 'clusters/management/kustomization-kommander-apps.yaml', (o) => ((o.spec as Obj).dependsOn = [{ name: 'ghost' }]));
    // WHEN planned
    const apps = planRollout(tree).waves.flat().find((s) => s.name === 'kommander-apps')!;
    // THEN the missing stage is listed
    expect(apps.missing).toEqual(['kommander-flux/ghost']);
    expect(renderPlanText(planRollout(tree))).toContain('kommander-flux/kommander-apps  ./kommander/apps  after: kommander-flux/ghost (MISSING)');
  });

  test('renders ROLLOUT.md with a Mermaid graph, deterministically', () => {
    // GIVEN the sample tree, and the same files in reverse order
    const tree = sampleTree();
    const reversed: Tree = new Map([...tree.entries()].reverse());
    // WHEN rendered
    const md = renderRollout(tree);
    // THEN the graph has one subgraph per wave, dependsOn arrows and creation arrows, and the order of files does not matter
    expect(md).toBe(renderRollout(reversed));
    expect(md).toContain('```mermaid\nflowchart TD\n  subgraph wave0["Wave 0"]\n    s0["kommander-flux<br/>./clusters/management<br/>1 custom resource"]\n  end\n');
    const mermaid = renderMermaid(planRollout(tree));
    expect(mermaid).toContain('    s4["cert-manager<br/>./kommander/cert-manager<br/>helm: cert-manager<br/>1 custom resource"]');
    expect(mermaid).toContain('  s0 -.-> s1\n'); // root creates base (no dependsOn)
    expect(mermaid).toContain('  s1 --> s2\n'); // base → secrets
    expect(md).toContain('| 3 | `kommander-flux/cert-manager` | `./kommander/cert-manager` | `kommander-flux/kommander-vars` | `cert-manager/cert-manager (cert-manager@v1.21.1)` | `HelmRepository/kommander-flux/jetstack` |');
  });
});
