import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Finding } from './types';
import { byKey } from '../order';

/**
 * Runs `kubectl kustomize` on stage folders, the way kustomize-controller builds them
 * (load restrictions off, as Flux does), and turns failures into findings.
 */

let kubectlCache: string | false | undefined;

/** The kubectl binary to use, or false when none is on PATH (`KUBECTL` overrides). */
export function findKubectl(): string | false {
  if (kubectlCache !== undefined) return kubectlCache;
  const bin = process.env.KUBECTL || 'kubectl';
  const r = spawnSync(bin, ['version', '--client=true', '-o', 'json'], { encoding: 'utf8', timeout: 20000 });
  kubectlCache = r.status === 0 ? bin : false;
  return kubectlCache;
}

/** The interesting part of kubectl's error output (the `err="…"` of klog, or the first lines). */
export function summarizeKustomizeError(stderr: string): string {
  const m = /err="((?:[^"\\]|\\.)*)"/.exec(stderr);
  const text = m ? m[1].replace(/\\"/g, '"').replace(/\\'/g, "'") : stderr.trim().split('\n').slice(0, 3).join(' ');
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

export interface KustomizeTarget {
  /** Repository-relative folder. */
  readonly folder: string;
  /** `Kind/namespace/name` of the Flux Kustomization that builds it. */
  readonly object: string;
  /** Number of files the folder applies (for batching). @default 1 */
  readonly size?: number;
}

/** Files per batched build: kustomize gets slower than linear on large builds (kustomize#5084). */
const BATCH_FILES = 250;

function buildOne(kubectl: string, dir: string, t: KustomizeTarget): Promise<Finding | undefined> {
  return new Promise((resolve) => {
    execFile(
      kubectl,
      ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', path.join(dir, t.folder)],
      { maxBuffer: 512 * 1024 * 1024, timeout: 120000 },
      (error, _stdout, stderr) => {
        if (!error) return resolve(undefined);
        resolve({
          rule: 'kustomize',
          file: t.folder || '.',
          object: t.object,
          message: `kubectl kustomize ${t.folder || '.'} fails: ${summarizeKustomizeError(String(stderr) || error.message)}`,
          fix: `run \`kubectl kustomize --load-restrictor LoadRestrictionsNone ${t.folder || '.'}\` in the tree and fix the kustomization.yaml or the files it names`,
        });
      },
    );
  });
}

/** One build of every folder at once (through a kustomization.yaml outside the tree); true when it succeeds. */
function buildAll(kubectl: string, dir: string, folders: readonly string[]): Promise<boolean> {
  const agg = fs.mkdtempSync(path.join(os.tmpdir(), 'check-kustomize-'));
  const resources = folders.map((f) => path.relative(agg, path.join(path.resolve(dir), f)) || '.');
  fs.writeFileSync(path.join(agg, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `- ${JSON.stringify(r)}`).join('\n')}\n`);
  return new Promise((resolve) => {
    execFile(kubectl, ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', agg], { maxBuffer: 1024 * 1024 * 1024, timeout: 300000 }, (error) => {
      fs.rmSync(agg, { recursive: true, force: true });
      resolve(!error);
    });
  });
}

/**
 * Builds every target folder (deduplicated); returns the failures. Small folders are built
 * together, a batch of up to BATCH_FILES files per kubectl process (through a kustomization.yaml
 * outside the tree); only when a batch fails is each of its folders built on its own, to name the
 * folders at fault. Batches run `concurrency` at a time.
 */
export async function runKustomizeBuilds(dir: string, targets: readonly KustomizeTarget[], concurrency = 2): Promise<Finding[]> {
  const kubectl = findKubectl();
  if (!kubectl) return [];
  const byFolder = new Map<string, KustomizeTarget>();
  for (const t of targets) if (!byFolder.has(t.folder)) byFolder.set(t.folder, t);
  const batches: KustomizeTarget[][] = [];
  let current: KustomizeTarget[] = [];
  let size = 0;
  for (const t of [...byFolder.values()].sort(byKey((x) => x.folder))) {
    const n = Math.max(1, t.size ?? 1);
    if (current.length > 0 && size + n > BATCH_FILES) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(t);
    size += n;
  }
  if (current.length > 0) batches.push(current);
  const out: Finding[] = [];
  const run = async (batch: KustomizeTarget[]) => {
    if (batch.length > 1 && (await buildAll(kubectl, dir, batch.map((t) => t.folder)))) return;
    for (const t of batch) {
      const f = await buildOne(kubectl, dir, t);
      if (f) out.push(f);
    }
  };
  const queue = [...batches];
  const worker = async () => {
    for (let b = queue.shift(); b; b = queue.shift()) await run(b);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}
