import { execFile, spawnSync } from 'child_process';
import * as path from 'path';
import { Finding } from './types';

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
}

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

/** Builds every target folder (deduplicated) with limited concurrency; returns the failures. */
export async function runKustomizeBuilds(dir: string, targets: readonly KustomizeTarget[], concurrency = 2): Promise<Finding[]> {
  const kubectl = findKubectl();
  if (!kubectl) return [];
  const byFolder = new Map<string, KustomizeTarget>();
  for (const t of targets) if (!byFolder.has(t.folder)) byFolder.set(t.folder, t);
  const queue = [...byFolder.values()];
  const out: Finding[] = [];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const f = await buildOne(kubectl, dir, t);
      if (f) out.push(f);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}
