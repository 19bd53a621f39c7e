/**
 * Shared types of the offline tree checker (`npm run check`), the diff and the rollout plan.
 */
import { compareCodeUnits } from '../order';

/** A synthesized tree in memory: repository-relative POSIX path → file content. */
export type TreeFiles = ReadonlyMap<string, string>;

/** The rules `check` knows. Every finding names exactly one. */
export type RuleName =
  | 'yaml'
  | 'schema'
  | 'kustomization-path'
  | 'kustomization-resources'
  | 'reference'
  | 'depends-on-cycle'
  | 'duplicate-object'
  | 'substitution'
  | 'crd-order'
  | 'secrets'
  | 'kustomize'
  | 'cel'
  | 'scope'
  | 'name'
  | 'metadata'
  | 'helm-release-name'
  | 'namespace'
  | 'root-source'
  | 'readiness'
  | 'app-version'
  | 'chart-version'
  | 'component-version'
  | 'airgap';

/** One problem found in a tree. */
export interface Finding {
  readonly rule: RuleName;
  /** Repository-relative path of the file (or folder) at fault. */
  readonly file: string;
  /** `Kind/namespace/name` (or `Kind/name` when cluster-scoped); empty for file-level findings. */
  readonly object: string;
  /** What is wrong. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
  /** The platform config key that produced the object, when known (e.g. `apps.gatekeeper.version`). */
  readonly configKey?: string;
}

/** A reference to an object, as written in a Flux spec after namespace defaulting. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** Options shared by the model, the rules and the commands. */
export interface CheckOptions {
  /** Directories (or files) with CRDs: CRD YAML or `kubectl get crd -o yaml` output. @default [] */
  readonly crdDirs?: readonly string[];
  /**
   * CRD files loaded after `crdDirs`, replacing the kinds they define (the Kommander release's own
   * Flux CRDs, from `checkDeclarations`). @default []
   */
  readonly crdFiles?: readonly string[];
  /**
   * API groups whose CRDs are installed outside the tree (pre-installed, or by bootstrap).
   * `*.example.com` matches every subgroup. @default []
   */
  readonly externalCrds?: readonly string[];
  /**
   * Objects that exist outside the tree, as `Kind/namespace/name` (or `Kind/name`); any segment
   * may be `*`. References to them are not errors. @default []
   */
  readonly external?: readonly string[];
  /**
   * Air-gapped config: every source must pull from one of these mirror URLs (rule `airgap`).
   * @default - not air-gapped: the rule does not run
   */
  readonly airgapMirrors?: readonly string[];
  /**
   * The released version set (e.g. Gardener's component vector): every chart of a component
   * must be deployed at its version (rule `component-version`). @default []
   */
  readonly componentVector?: readonly { readonly component: string; readonly version: string; readonly charts: readonly string[]; readonly configKey?: string }[];
  /** Run `kubectl kustomize` on every stage folder (only in the async entry points). @default true */
  readonly kustomize?: boolean;
}


/** Sorts findings by file, object, rule and message (the output order of every command). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = `${f.file}\u0000${f.object}\u0000${f.rule}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.sort(
    (a, b) =>
      compareCodeUnits(a.file, b.file) ||
      compareCodeUnits(a.object, b.object) ||
      compareCodeUnits(a.rule, b.rule) ||
      compareCodeUnits(a.message, b.message),
  );
}
