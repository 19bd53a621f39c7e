import { buildModel, isSopsEncrypted, Stage, TreeModel, TreeObject } from '../check/model';
import { SchemaRegistry } from '../check/schema';
import { baseName, isObject, JsonObject } from '../check/tree';
import { TreeFiles } from '../check/types';
import { planFromModel } from '../plan';
import { canonical, diffFields, FieldChange, leaves, lineDiff, renderValue, similarity } from './fields';
import { recreateReasons } from './immutable';
import { compareCodeUnits } from '../order';

export { FieldChange } from './fields';
export { IMMUTABLE_RULES, recreateReasons } from './immutable';

/**
 * A prune-aware diff of two synthesized trees, per object and grouped by stage: what Flux will
 * create, change, delete (prune) or recreate when the new tree is committed.
 * Pure function over two in-memory trees.
 */

export type ChangeKind = 'added' | 'changed' | 'removed' | 'recreated';

export interface ObjectChange {
  readonly kind: ChangeKind;
  /** `Kind/namespace/name` (the new one; the old one for removals). */
  readonly object: string;
  readonly file: string;
  /** Stage id (`namespace/name` of the Flux Kustomization), or NO_STAGE. */
  readonly stage: string;
  /** For renames and stage moves: the old identity. */
  readonly previous?: { readonly object: string; readonly file: string; readonly stage: string };
  /** Field-level changes (empty for Secrets: values are never shown). */
  readonly fields: readonly FieldChange[];
  /** True for Secrets (and any SOPS-encrypted object): only the fact of the change is reported. */
  readonly secret: boolean;
  /** Why the object is recreated, or what the removal does. */
  readonly reasons: readonly string[];
  /** For removals and renames: true when Flux deletes the old object from the cluster (prune). */
  readonly pruned: boolean;
  /**
   * Transition rules (`x-kubernetes-validations` with `oldSelf`) of the object's CRD that the
   * change breaks: the API server REFUSES the update (empty when none, or without CRDs).
   */
  readonly refused: readonly string[];
}

export interface StageDiff {
  readonly id: string;
  readonly path: string;
  readonly changes: readonly ObjectChange[];
}

export interface FileChange {
  readonly path: string;
  readonly status: 'added' | 'removed' | 'changed';
}

export interface DiffCounts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly recreated: number;
}

export interface DiffReport {
  readonly stages: readonly StageDiff[];
  /** Files that hold no applied object (docs, vendored files), added/removed/changed. */
  readonly files: readonly FileChange[];
  readonly counts: DiffCounts;
  readonly hasChanges: boolean;
  /** Changes the API server refuses (a transition rule fails). */
  readonly refused: number;
}

export interface DiffOptions {
  /**
   * CRDs: their transition rules (`oldSelf`) are evaluated with oldSelf bound to the object at
   * the base, and an update they refuse is reported. @default - no CRD rules are evaluated
   */
  readonly registry?: SchemaRegistry;
}

/** Stage id used for objects no Kustomization of the tree applies. */
export const NO_STAGE = '(not applied by a Flux Kustomization)';

interface Entry {
  readonly o: TreeObject;
  readonly stage?: Stage;
}

function index(model: TreeModel): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const o of model.applied) {
    if (out.has(o.key)) continue;
    out.set(o.key, { o, stage: o.stage ? model.stages.get(o.stage) : undefined });
  }
  return out;
}

function isSecret(o: TreeObject): boolean {
  return (o.group === '' && o.kind === 'Secret') || isSopsEncrypted(o.obj);
}

/** The object as compared: without status and server-managed metadata. */
function comparable(o: TreeObject): JsonObject {
  const { status: _status, ...rest } = o.obj;
  void _status;
  return rest as JsonObject;
}

function similarityLeaves(o: TreeObject): string[] {
  if (isSecret(o)) {
    const keys = ['data', 'stringData'].flatMap((f) => (isObject(o.obj[f]) ? Object.keys(o.obj[f] as JsonObject).map((k) => `${f}.${k}`) : []));
    return [...keys, `type=${JSON.stringify(o.obj.type ?? 'Opaque')}`];
  }
  const c = comparable(o);
  const meta = isObject(c.metadata) ? { ...c.metadata } : {};
  delete meta.name;
  delete meta.namespace;
  return leaves({ ...c, metadata: meta });
}

function prunes(stage: Stage | undefined, o: TreeObject): boolean {
  if (!stage) return false;
  const spec = isObject(stage.object.obj.spec) ? stage.object.obj.spec : {};
  const m = isObject(o.obj.metadata) ? o.obj.metadata : {};
  const disabled = [m.annotations, m.labels].some((x) => isObject(x) && x['kustomize.toolkit.fluxcd.io/prune'] === 'disabled');
  return spec.prune === true && !disabled;
}

function forces(stage: Stage | undefined, o: TreeObject): boolean {
  const spec = stage && isObject(stage.object.obj.spec) ? stage.object.obj.spec : {};
  const m = isObject(o.obj.metadata) ? o.obj.metadata : {};
  return spec.force === true || (isObject(m.annotations) && m.annotations['kustomize.toolkit.fluxcd.io/force'] === 'enabled');
}

function removalReason(stage: Stage | undefined, o: TreeObject): string {
  if (!stage) return 'removed from Git; no Flux Kustomization of the tree applied it';
  if (prunes(stage, o)) return `Flux will PRUNE it: DELETE ${o.display} from the cluster (Kustomization ${stage.id} has prune: true)`;
  return `removed from Git, but Kustomization ${stage.id} does not prune (prune is off or disabled on the object): it stays in the cluster, unmanaged`;
}

/**
 * Why the API server refuses updating `before` into `after`: the transition rules of the CRD
 * (rules that use `oldSelf`) that fail, with oldSelf bound to `before`.
 * Flux's force (spec.force / the force annotation) treats a refused update as immutable
 * (fluxcd/pkg ssa/errors/immutable.go IsImmutableError: any "Invalid" API error) and deletes and
 * re-creates the object.
 */
export function refusedReasons(registry: SchemaRegistry | undefined, before: TreeObject, after: TreeObject, force: boolean): string[] {
  if (!registry || registry.empty || before.apiVersion !== after.apiVersion) return [];
  const { crd, violations } = registry.validateCel(after.obj, before.obj, { transitionOnly: true });
  return violations.map(
    (v) =>
      `the API server REFUSES the update: ${v.path || '(root)'}: ${v.message} (rule \`${v.rule}\` of the ${crd} CRD); ${
        force ? 'force is enabled, so Flux DELETES and RE-CREATES the object' : 'the apply fails (and with spec.force Flux would DELETE and RE-CREATE the object)'
      }`,
  );
}

/** Compares the tree at the base (e.g. `git show HEAD:dist`) with a fresh synth. */
export function diffTrees(base: TreeFiles, head: TreeFiles, options: DiffOptions = {}): DiffReport {
  const registry = options.registry;
  const baseModel = buildModel(base, { registry });
  const headModel = buildModel(head, { registry });
  const before = index(baseModel);
  const after = index(headModel);
  const changes: ObjectChange[] = [];
  const removed: Entry[] = [];
  const added: Entry[] = [];
  for (const [key, b] of before) if (!after.has(key)) removed.push(b);
  for (const [key, a] of after) if (!before.has(key)) added.push(a);

  // Renames (and namespace moves): a removed and an added object of the same kind with (nearly) the same content.
  const pairs: { r: Entry; a: Entry; score: number }[] = [];
  const removedLeaves = new Map(removed.map((r) => [r.o.key, similarityLeaves(r.o)]));
  for (const a of added) {
    const al = similarityLeaves(a.o);
    for (const r of removed) {
      if (r.o.group !== a.o.group || r.o.kind !== a.o.kind) continue;
      const rl = removedLeaves.get(r.o.key)!;
      if (rl.length === 0 && al.length === 0 && r.o.stage !== a.o.stage) continue;
      const score = similarity(rl, al);
      if (score >= 0.8) pairs.push({ r, a, score });
    }
  }
  pairs.sort((x, y) => y.score - x.score || compareCodeUnits(x.a.o.key, y.a.o.key) || compareCodeUnits(x.r.o.key, y.r.o.key));
  const pairedR = new Set<string>();
  const pairedA = new Set<string>();
  for (const { r, a } of pairs) {
    if (pairedR.has(r.o.key) || pairedA.has(a.o.key)) continue;
    pairedR.add(r.o.key);
    pairedA.add(a.o.key);
    const pruned = prunes(r.stage, r.o);
    const secret = isSecret(a.o) || isSecret(r.o);
    changes.push({
      kind: 'recreated',
      object: a.o.display,
      file: a.o.file,
      stage: a.o.stage ?? NO_STAGE,
      previous: { object: r.o.display, file: r.o.file, stage: r.o.stage ?? NO_STAGE },
      fields: secret ? [] : diffFields(comparable(r.o), comparable(a.o), '', new Set(['metadata.name', 'metadata.namespace'])),
      secret,
      reasons: [
        `renamed from ${r.o.display}: Flux creates ${a.o.display} and ${pruned ? `PRUNES (DELETES) ${r.o.display} from the cluster` : `leaves ${r.o.display} in the cluster unmanaged (no prune)`}`,
      ],
      pruned,
      refused: [],
    });
  }
  for (const r of removed) {
    if (pairedR.has(r.o.key)) continue;
    changes.push({
      kind: 'removed',
      object: r.o.display,
      file: r.o.file,
      stage: r.o.stage ?? NO_STAGE,
      fields: [],
      secret: isSecret(r.o),
      reasons: [removalReason(r.stage, r.o)],
      pruned: prunes(r.stage, r.o),
      refused: [],
    });
  }
  for (const a of added) {
    if (pairedA.has(a.o.key)) continue;
    changes.push({ kind: 'added', object: a.o.display, file: a.o.file, stage: a.o.stage ?? NO_STAGE, fields: [], secret: isSecret(a.o), reasons: [], pruned: false, refused: [] });
  }
  for (const [key, a] of after) {
    const b = before.get(key);
    if (!b) continue;
    const sameContent = canonical(comparable(b.o)) === canonical(comparable(a.o));
    const moved = (b.o.stage ?? NO_STAGE) !== (a.o.stage ?? NO_STAGE);
    if (sameContent && !moved) continue;
    const secret = isSecret(a.o) || isSecret(b.o);
    const fields = secret || sameContent ? [] : diffFields(comparable(b.o), comparable(a.o));
    const immutable = sameContent ? [] : recreateReasons(`${a.o.group}/${a.o.kind}`, b.o.obj, a.o.obj, forces(a.stage, a.o));
    const refused = sameContent ? [] : refusedReasons(registry, b.o, a.o, forces(a.stage, a.o));
    const reasons = [...refused, ...immutable];
    if (moved) {
      reasons.push(
        `moved from stage ${b.o.stage ?? NO_STAGE} to ${a.o.stage ?? NO_STAGE}: the new stage takes it over; if the old stage reconciles first and prunes, Flux deletes it and the new stage re-creates it`,
      );
    }
    changes.push({
      kind: immutable.length > 0 || (refused.length > 0 && forces(a.stage, a.o)) ? 'recreated' : 'changed',
      object: a.o.display,
      file: a.o.file,
      stage: a.o.stage ?? NO_STAGE,
      previous: moved ? { object: b.o.display, file: b.o.file, stage: b.o.stage ?? NO_STAGE } : undefined,
      fields,
      secret,
      reasons,
      pruned: false,
      refused,
    });
  }

  // Stages in rollout order of the new tree; stages only the old tree has come after; NO_STAGE last.
  const order = new Map<string, number>();
  planFromModel(headModel)
    .waves.flat()
    .forEach((s, i) => order.set(s.id, i));
  planFromModel(baseModel)
    .waves.flat()
    .forEach((s) => order.has(s.id) || order.set(s.id, order.size));
  const paths = new Map<string, string>();
  for (const s of [...baseModel.stages.values(), ...headModel.stages.values()]) paths.set(s.id, s.rawPath);
  const byStage = new Map<string, ObjectChange[]>();
  for (const c of changes) {
    if (!byStage.has(c.stage)) byStage.set(c.stage, []);
    byStage.get(c.stage)!.push(c);
  }
  const kindOrder: Record<ChangeKind, number> = { removed: 0, recreated: 1, changed: 2, added: 3 };
  const stages: StageDiff[] = [...byStage.entries()]
    .sort(([a], [b]) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9) || compareCodeUnits(a, b))
    .map(([id, cs]) => ({
      id,
      path: paths.get(id) ?? '',
      changes: cs.sort((x, y) => kindOrder[x.kind] - kindOrder[y.kind] || compareCodeUnits(x.object, y.object)),
    }));

  // Files that hold no applied object: listed by path.
  const objectFiles = new Set([...baseModel.applied, ...headModel.applied].map((o) => o.file));
  const stageFolders = new Set([...baseModel.stages.values(), ...headModel.stages.values()].map((s) => s.kustomizationFile).filter((f): f is string => !!f));
  const files: FileChange[] = [];
  for (const p of [...new Set([...base.keys(), ...head.keys()])].sort()) {
    if (objectFiles.has(p) || stageFolders.has(p) || baseName(p) === '.synth-manifest') continue;
    const b = base.get(p);
    const h = head.get(p);
    if (b === h) continue;
    files.push({ path: p, status: b === undefined ? 'added' : h === undefined ? 'removed' : 'changed' });
  }
  const counts = {
    added: changes.filter((c) => c.kind === 'added').length,
    changed: changes.filter((c) => c.kind === 'changed').length,
    removed: changes.filter((c) => c.kind === 'removed').length,
    recreated: changes.filter((c) => c.kind === 'recreated').length,
  };
  return { stages, files, counts, hasChanges: changes.length > 0 || files.length > 0, refused: changes.filter((c) => c.refused.length > 0).length };
}

// ---------------------------------------------------------------------------------------------
// Rendering

function fieldLines(f: FieldChange): string[] {
  if (f.op === 'added') return [`+ ${f.path}: ${renderValue(f.after)}`];
  if (f.op === 'removed') return [`- ${f.path}: ${renderValue(f.before)}`];
  if (typeof f.before === 'string' && typeof f.after === 'string' && (f.before.includes('\n') || f.after.includes('\n'))) {
    return [`~ ${f.path}:`, ...lineDiff(f.before, f.after).map((l) => `    ${l}`)];
  }
  return [`~ ${f.path}: ${renderValue(f.before)} → ${renderValue(f.after)}`];
}

const LABEL: Record<ChangeKind, string> = { added: '+ added    ', changed: '~ changed  ', removed: '- REMOVED  ', recreated: '! RECREATED' };

function summaryLine(c: DiffCounts): string {
  return `${c.added} added, ${c.changed} changed, ${c.removed} removed (pruned), ${c.recreated} recreated`;
}

function prunedList(report: DiffReport): ObjectChange[] {
  return report.stages.flatMap((s) => s.changes.filter((c) => c.pruned));
}

export interface RenderOptions {
  /** What the tree is compared against, e.g. `HEAD`. */
  readonly base?: string;
}

/** Terminal text: a summary, the loud prune list, then every stage's changes. */
export function renderDiffText(report: DiffReport, opts: RenderOptions = {}): string {
  const base = opts.base ?? 'the base';
  if (!report.hasChanges) return `No changes: a fresh synth commits exactly the tree at ${base}.\n`;
  const out: string[] = [`Changes against ${base}: ${summaryLine(report.counts)}`];
  const refusedList = report.stages.flatMap((s) => s.changes.filter((c) => c.refused.length > 0));
  if (refusedList.length) {
    out.push('', `!!! The API server will REFUSE ${refusedList.length} update(s) (transition rules of their CRDs):`);
    for (const c of refusedList) out.push(`!!!   ${c.object}: ${c.refused.map((r) => r.split('; ')[0].replace('the API server REFUSES the update: ', '')).join('; ')}`);
  }
  const pruned = prunedList(report);
  if (pruned.length) {
    out.push('', `!!! Flux will DELETE ${pruned.length} object(s) FROM THE CLUSTER (pruned):`);
    for (const c of pruned) out.push(`!!!   ${c.previous && c.kind === 'recreated' ? c.previous.object : c.object}`);
  }
  for (const s of report.stages) {
    out.push('', s.id === NO_STAGE ? `== ${NO_STAGE} ==` : `== Stage ${s.id} (${s.path}) ==`);
    for (const c of s.changes) {
      out.push(`  ${LABEL[c.kind]}  ${c.object}${c.previous && c.previous.object !== c.object ? ` (was ${c.previous.object})` : ''}  [${c.file}]`);
      if (c.secret && (c.kind === 'changed' || c.kind === 'recreated')) out.push('      Secret changed (values are not shown)');
      for (const r of c.reasons) out.push(`      ${c.kind === 'removed' && c.pruned ? '!!! ' : ''}${r}`);
      for (const f of c.fields) for (const l of fieldLines(f)) out.push(`      ${l}`);
    }
  }
  if (report.files.length) {
    out.push('', '== Other files ==');
    for (const f of report.files) out.push(`  ${f.status === 'added' ? '+' : f.status === 'removed' ? '-' : '~'} ${f.path}`);
  }
  return out.join('\n') + '\n';
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** A pull-request comment: summary table first, loud prune warning, then details per stage. */
export function renderDiffMarkdown(report: DiffReport, opts: RenderOptions = {}): string {
  const base = opts.base ?? 'the base';
  const out: string[] = [`### Flux changes against \`${base}\``, ''];
  if (!report.hasChanges) {
    out.push(`No changes: a fresh synth commits exactly the tree at \`${base}\`.`);
    return out.join('\n') + '\n';
  }
  out.push('| Stage | Path | Added | Changed | Removed (pruned) | Recreated |', '| --- | --- | ---: | ---: | ---: | ---: |');
  for (const s of report.stages) {
    const n = (k: ChangeKind) => s.changes.filter((c) => c.kind === k).length;
    out.push(`| \`${s.id}\` | ${s.path ? `\`${s.path}\`` : '–'} | ${n('added')} | ${n('changed')} | ${n('removed') ? `**${n('removed')}**` : 0} | ${n('recreated')} |`);
  }
  const c = report.counts;
  out.push(`| **Total** | | ${c.added} | ${c.changed} | ${c.removed ? `**${c.removed}**` : 0} | ${c.recreated} |`, '');
  const refusedList = report.stages.flatMap((s) => s.changes.filter((c) => c.refused.length > 0));
  if (refusedList.length) {
    out.push('> [!CAUTION]', `> **The API server will REFUSE ${refusedList.length} update(s)** (transition rules of their CRDs):`);
    for (const c of refusedList) out.push(`> - \`${c.object}\`: ${mdEscape(c.refused.join('; '))}`);
    out.push('');
  }
  const pruned = prunedList(report);
  if (pruned.length) {
    out.push('> [!CAUTION]', `> **Flux will DELETE ${pruned.length} object(s) from the cluster** (pruned):`);
    for (const c of pruned) out.push(`> - \`${c.previous && c.kind === 'recreated' ? c.previous.object : c.object}\``);
    out.push('');
  }
  const recreated = report.stages.flatMap((s) => s.changes.filter((c) => c.kind === 'recreated'));
  if (recreated.length) {
    out.push('> [!WARNING]', `> **${recreated.length} object(s) will be recreated** (deleted and created again, or reinstalled):`);
    for (const c of recreated) out.push(`> - \`${c.object}\`: ${mdEscape(c.reasons.join('; '))}`);
    out.push('');
  }
  for (const s of report.stages) {
    const n = (k: ChangeKind) => s.changes.filter((x) => x.kind === k).length;
    out.push(
      `<details><summary><code>${s.id}</code>: ${n('added')} added, ${n('changed')} changed, ${n('removed')} removed, ${n('recreated')} recreated</summary>`,
      '',
      '```diff',
    );
    for (const ch of s.changes) {
      const sign = ch.kind === 'added' ? '+' : ch.kind === 'removed' ? '-' : '!';
      out.push(`${sign} ${ch.kind.toUpperCase()} ${ch.object}${ch.previous && ch.previous.object !== ch.object ? ` (was ${ch.previous.object})` : ''}  [${ch.file}]`);
      if (ch.secret && (ch.kind === 'changed' || ch.kind === 'recreated')) out.push('#   Secret changed (values are not shown)');
      for (const r of ch.reasons) out.push(`#   ${r}`);
      for (const f of ch.fields) {
        for (const l of fieldLines(f)) {
          const mark = l.startsWith('+') ? '+' : l.startsWith('-') ? '-' : l.trimStart().startsWith('+') ? '+' : l.trimStart().startsWith('-') ? '-' : ' ';
          out.push(`${mark}   ${l}`);
        }
      }
    }
    out.push('```', '', '</details>', '');
  }
  if (report.files.length) {
    out.push('<details><summary>Other files</summary>', '');
    for (const f of report.files) out.push(`- ${f.status}: \`${f.path}\``);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}
