import { buildModel, HELM_GROUP, isFluxKustomization, ModelOptions, TreeModel } from '../check/model';
import { CORE_GROUPS, isObject, str } from '../check/tree';
import { TreeFiles } from '../check/types';
import { findCycles } from '../check/rules';
import { compareCodeUnits } from '../order';

/**
 * The rollout plan of a tree: its Flux Kustomizations as waves in dependency order, with the
 * HelmReleases and custom resources each one applies. A stage's wave is one more than the highest
 * wave of the stages it waits for: its `dependsOn` targets and the Kustomization that creates it.
 * Pure functions over an in-memory tree.
 */

export interface PlanHelmRelease {
  /** `namespace/name`. */
  readonly id: string;
  readonly chart: string;
  readonly version: string;
}

export interface PlanStage {
  /** `namespace/name`. */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly path: string;
  readonly wave: number;
  /** Ids of the stages it depends on (present in the tree). */
  readonly dependsOn: readonly string[];
  /** dependsOn targets that are not in the tree. */
  readonly missing: readonly string[];
  /** Id of the Kustomization that applies this one. */
  readonly parent?: string;
  readonly helmReleases: readonly PlanHelmRelease[];
  /** `Kind/namespace/name` of the custom resources applied (not HelmReleases or Kustomizations). */
  readonly customResources: readonly string[];
  /** Ids of the Flux Kustomizations it applies. */
  readonly kustomizations: readonly string[];
  /** Number of objects applied. */
  readonly objects: number;
  /** True when the stage is part of a dependsOn cycle (it never becomes ready). */
  readonly inCycle: boolean;
}

export interface RolloutPlan {
  readonly waves: readonly (readonly PlanStage[])[];
  readonly cycles: readonly string[][];
}

export function planFromModel(model: TreeModel): RolloutPlan {
  const stages = model.stages;
  const preds = new Map<string, Set<string>>();
  for (const s of stages.values()) {
    const p = new Set<string>();
    for (const d of s.dependsOn) {
      const id = `${d.namespace}/${d.name}`;
      if (stages.has(id) && id !== s.id) p.add(id);
    }
    if (s.parent && s.parent !== s.id) p.add(s.parent);
    preds.set(s.id, p);
  }
  const depGraph = new Map<string, string[]>();
  for (const s of stages.values()) depGraph.set(s.id, s.dependsOn.map((d) => `${d.namespace}/${d.name}`));
  const cycles = findCycles(depGraph);
  const inCycle = new Set(cycles.flat());
  // Longest-path layering (Kahn); stages left over sit on a cycle.
  const wave = new Map<string, number>();
  const remaining = new Map([...preds.entries()].map(([k, v]) => [k, new Set(v)]));
  let frontier = [...remaining.entries()].filter(([, v]) => v.size === 0).map(([k]) => k);
  for (const id of frontier) wave.set(id, 0);
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      remaining.delete(id);
      for (const [other, p] of remaining) {
        if (!p.delete(id)) continue;
        wave.set(other, Math.max(wave.get(other) ?? 0, (wave.get(id) ?? 0) + 1));
        if (p.size === 0) next.push(other);
      }
    }
    frontier = next.sort();
  }
  const maxWave = Math.max(-1, ...wave.values());
  for (const id of remaining.keys()) wave.set(id, maxWave + 1);

  const planStages: PlanStage[] = [...stages.values()].map((s) => {
    const helmReleases: PlanHelmRelease[] = [];
    const customResources: string[] = [];
    const kustomizations: string[] = [];
    for (const o of s.objects) {
      if (o.group === HELM_GROUP && o.kind === 'HelmRelease') {
        const spec = isObject(o.obj.spec) ? o.obj.spec : {};
        const chartSpec = isObject(spec.chart) && isObject(spec.chart.spec) ? spec.chart.spec : {};
        const chartRef = isObject(spec.chartRef) ? spec.chartRef : undefined;
        helmReleases.push({
          id: `${o.namespace}/${o.name}`,
          chart: str(chartSpec.chart) ?? (chartRef ? `${str(chartRef.kind)}/${str(chartRef.name)}` : '?'),
          version: str(chartSpec.version) ?? '',
        });
      } else if (isFluxKustomization(o)) {
        if (o.namespace !== s.namespace || o.name !== s.name) kustomizations.push(`${o.namespace}/${o.name}`);
      } else if (!CORE_GROUPS.has(o.group)) {
        customResources.push(o.display);
      }
    }
    return {
      id: s.id,
      name: s.name,
      namespace: s.namespace,
      path: s.rawPath,
      wave: wave.get(s.id) ?? 0,
      dependsOn: [...(preds.get(s.id) ?? [])].filter((p) => p !== s.parent || s.dependsOn.some((d) => `${d.namespace}/${d.name}` === p)).sort(),
      missing: s.dependsOn.map((d) => `${d.namespace}/${d.name}`).filter((id) => !stages.has(id)).sort(),
      parent: s.parent,
      helmReleases: helmReleases.sort((a, b) => compareCodeUnits(a.id, b.id)),
      customResources: [...new Set(customResources)].sort(),
      kustomizations: kustomizations.sort(),
      objects: s.objects.length,
      inCycle: inCycle.has(s.id),
    };
  });
  const waves: PlanStage[][] = [];
  for (const s of planStages) {
    while (waves.length <= s.wave) waves.push([]);
    waves[s.wave].push(s);
  }
  for (const w of waves) w.sort((a, b) => compareCodeUnits(a.id, b.id));
  return { waves: waves.filter((w) => w.length > 0), cycles };
}

/** The rollout plan of an in-memory tree. */
export function planRollout(files: TreeFiles, opts: ModelOptions = {}): RolloutPlan {
  return planFromModel(buildModel(files, opts));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The plan as terminal text. */
export function renderPlanText(plan: RolloutPlan): string {
  const lines: string[] = [];
  const count = plan.waves.reduce((n, w) => n + w.length, 0);
  lines.push(`Rollout: ${plural(count, 'Flux Kustomization')} in ${plural(plan.waves.length, 'wave')}`);
  for (const c of plan.cycles) lines.push(`WARNING: dependsOn cycle ${c.join(' → ')}: these stages never become ready`);
  plan.waves.forEach((w, i) => {
    lines.push('', `Wave ${i}${w.some((s) => s.inCycle) ? ' (dependsOn cycle: never ready)' : ''}`);
    for (const s of w) {
      const after = [...s.dependsOn, ...s.missing.map((m) => `${m} (MISSING)`)];
      lines.push(`  ${s.id}  ${s.path}${after.length ? `  after: ${after.join(', ')}` : ''}`);
      for (const hr of s.helmReleases) lines.push(`    HelmRelease ${hr.id}  chart ${hr.chart}${hr.version ? `@${hr.version}` : ''}`);
      for (const cr of s.customResources) lines.push(`    ${cr}`);
      if (s.kustomizations.length) lines.push(`    creates Kustomizations: ${s.kustomizations.join(', ')}`);
      const other = s.objects - s.helmReleases.length - s.customResources.length - s.kustomizations.length;
      if (other > 0) lines.push(`    + ${plural(other, 'other object')}`);
    }
  });
  return lines.join('\n') + '\n';
}

function mermaidLabel(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** A Mermaid flowchart: one subgraph per wave; solid arrows = dependsOn, dotted = creates. */
export function renderMermaid(plan: RolloutPlan): string {
  const ids = new Map<string, string>();
  plan.waves.flat().forEach((s, i) => ids.set(s.id, `s${i}`));
  const lines = ['flowchart TD'];
  plan.waves.forEach((w, i) => {
    lines.push(`  subgraph wave${i}["Wave ${i}"]`);
    for (const s of w) {
      const extra: string[] = [];
      if (s.helmReleases.length) extra.push(`helm: ${s.helmReleases.map((h) => h.chart).join(', ')}`);
      if (s.customResources.length) extra.push(plural(s.customResources.length, 'custom resource'));
      const label = [s.name, s.path, ...extra].map(mermaidLabel).join('<br/>');
      lines.push(`    ${ids.get(s.id)}["${label}"]`);
    }
    lines.push('  end');
  });
  for (const s of plan.waves.flat()) {
    for (const d of s.dependsOn) if (ids.has(d)) lines.push(`  ${ids.get(d)} --> ${ids.get(s.id)}`);
    // "creates" edges only where nothing else orders the stage, to keep the graph readable
    if (s.parent && ids.has(s.parent) && s.dependsOn.length === 0 && s.parent !== s.id) lines.push(`  ${ids.get(s.parent)} -.-> ${ids.get(s.id)}`);
  }
  for (const s of plan.waves.flat()) if (s.inCycle) lines.push(`  style ${ids.get(s.id)} stroke:#d00,stroke-width:3px`);
  return lines.join('\n') + '\n';
}

/** `ROLLOUT.md` for the tree root: the Mermaid graph of the stages and a table of the waves. */
export function renderRollout(files: TreeFiles, opts: ModelOptions = {}): string {
  const plan = planRollout(files, opts);
  const out: string[] = [
    '# Rollout',
    '',
    'Generated by the synthesizer (and `npm run plan`) from the Flux Kustomizations of this tree; do not edit.',
    'Solid arrows are `dependsOn` (a stage starts when the stages it points from are Ready);',
    'dotted arrows lead from the Kustomization that creates a stage with no other dependency.',
    '',
  ];
  for (const c of plan.cycles) out.push(`> [!CAUTION]\n> dependsOn cycle ${c.join(' → ')}: these stages never become ready.\n`);
  out.push('```mermaid', renderMermaid(plan).trimEnd(), '```', '', '## Waves', '');
  out.push('| Wave | Kustomization | Path | After | HelmReleases | Custom resources |', '| --- | --- | --- | --- | --- | --- |');
  plan.waves.forEach((w, i) => {
    for (const s of w) {
      const cell = (xs: readonly string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join('<br>') : '–');
      out.push(
        `| ${i} | \`${s.id}\` | \`${s.path}\` | ${cell([...s.dependsOn, ...s.missing.map((m) => `${m} (missing)`)])} | ${cell(s.helmReleases.map((h) => `${h.id} (${h.chart}${h.version ? `@${h.version}` : ''})`))} | ${cell(s.customResources)} |`,
      );
    }
  });
  return out.join('\n') + '\n';
}
