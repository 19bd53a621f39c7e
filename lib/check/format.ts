import { Finding, RuleName, TreeFiles } from './types';
import { byKey } from '../order';

/**
 * Output formats of `check`: text (terminal), JSON, SARIF 2.1.0 (GitHub code scanning shows the
 * findings on the pull request) and Markdown (a PR comment).
 */

export type CheckFormat = 'text' | 'json' | 'sarif' | 'markdown';
export const CHECK_FORMATS: readonly CheckFormat[] = ['text', 'json', 'sarif', 'markdown'];

/** One line per rule: what it checks (SARIF rule descriptions, Markdown legend). */
export const RULE_DESCRIPTIONS: Readonly<Record<RuleName, string>> = {
  yaml: 'YAML files parse, hold Kubernetes objects and have no duplicate mapping keys',
  schema: 'custom resources match the OpenAPI schema of their CRD (strict fields, served apiVersion)',
  cel: 'custom resources satisfy the x-kubernetes-validations (CEL) rules of their CRD',
  scope: 'cluster-scoped objects carry no namespace',
  name: 'metadata.name and metadata.namespace follow the API server rules of the kind',
  metadata: 'label keys and values, annotation keys and annotation size are valid',
  'helm-release-name': 'the Helm release name helm-controller computes is valid and at most 53 characters',
  'kustomization-path': 'every Flux Kustomization path exists in the tree and has a kustomization.yaml',
  'kustomization-resources': 'every kustomization.yaml resource exists',
  reference: 'sourceRef, dependsOn, valuesFrom, substituteFrom and decryption references resolve where Flux looks',
  'depends-on-cycle': 'dependsOn has no cycles',
  'duplicate-object': 'no object is applied twice',
  substitution: 'post-build variables are defined (and validly named) where Flux substitutes',
  'crd-order': 'custom resources are applied after the stage that installs their CRD',
  namespace: 'every namespace an object needs is created by the tree or declared external',
  'root-source': 'the source of the root Kustomization is reachable before the tree is applied',
  readiness: 'dependsOn targets and health checks can become ready',
  'app-version': 'every AppDeployment resolves to an app version the tree carries',
  'chart-version': 'every chart version of a Git-sourced chart exists',
  'component-version': 'every Gardener component matches the component vector',
  airgap: 'in an air-gapped config, every source goes through the mirror',
  secrets: 'no plaintext secret or private key is committed',
  kustomize: '`kubectl kustomize` builds every stage folder',
};

/** The line of an object in its file (its `name:` line), 1 when unknown. */
export function lineOf(files: TreeFiles | undefined, f: Finding): number {
  const text = files?.get(f.file);
  if (!text || !f.object) return 1;
  const name = f.object.split('/').pop() ?? '';
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^[ \\t]*name:[ \\t]*["']?${esc}["']?[ \\t]*$`, 'm').exec(text);
  return m ? text.slice(0, m.index).split('\n').length : 1;
}

export interface FormatOptions {
  /** The tree's folder relative to the repository root (SARIF locations), e.g. `dist`. @default '' */
  readonly root?: string;
  /** The tree's files (for line numbers). @default - line 1 */
  readonly files?: TreeFiles;
  /** Notes (things not checked). @default [] */
  readonly notes?: readonly string[];
}

function repoPath(root: string | undefined, file: string): string {
  const r = (root ?? '').replace(/\\/g, '/').replace(/^\.(\/|$)/, '').replace(/\/+$/, '');
  return r ? `${r}/${file}` : file;
}

/** Human-readable findings, one block each: `file: object [rule]`, message, fix. */
export function formatText(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.file}${f.object ? `: ${f.object}` : ''} [${f.rule}]\n  ${f.message}\n${f.configKey ? `  config: ${f.configKey}\n` : ''}  fix: ${f.fix}\n`).join('');
}

/** A repository-relative location (GitHub code scanning resolves it against the checkout), or a file URI. */
function artifactLocation(p: string): { uri: string; uriBaseId?: string } {
  return p.startsWith('/') ? { uri: `file://${encodeURI(p)}` } : { uri: encodeURI(p), uriBaseId: '%SRCROOT%' };
}

/** SARIF 2.1.0 log (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html). */
export function formatSarif(findings: readonly Finding[], opts: FormatOptions = {}): string {
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort();
  const index = new Map(ruleIds.map((r, i) => [r, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mgmt-cluster-synth check',
            rules: ruleIds.map((id) => ({ id, shortDescription: { text: RULE_DESCRIPTIONS[id] ?? id }, defaultConfiguration: { level: 'error' } })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule),
          level: 'error',
          message: { text: `${f.object ? `${f.object}: ` : ''}${f.message}${f.configKey ? `\nconfig: ${f.configKey}` : ''}\nfix: ${f.fix}` },
          locations: [
            {
              physicalLocation: { artifactLocation: artifactLocation(repoPath(opts.root, f.file)), region: { startLine: lineOf(opts.files, f) } },
              ...(f.object ? { logicalLocations: [{ fullyQualifiedName: f.object, kind: 'object' }] } : {}),
            },
          ],
        })),
        ...(opts.notes && opts.notes.length > 0 ? { invocations: [{ executionSuccessful: true, toolExecutionNotifications: opts.notes.map((n) => ({ level: 'warning', message: { text: n } })) }] } : {}),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A pull-request comment: counts per rule, then one table row per finding. */
export function formatMarkdown(findings: readonly Finding[], opts: FormatOptions & { readonly tree?: string } = {}): string {
  const out: string[] = [`### \`check\` of \`${opts.tree ?? 'dist'}\``, ''];
  for (const n of opts.notes ?? []) out.push(`> [!WARNING]`, `> ${md(n)}`, '');
  if (findings.length === 0) {
    out.push('No findings: the tree is clean.');
    return out.join('\n') + '\n';
  }
  const byRule = new Map<string, number>();
  for (const f of findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  out.push(`**${findings.length} finding(s)**: ${[...byRule.entries()].sort(byKey(([k]) => k)).map(([r, n]) => `\`${r}\` ${n}`).join(', ')}`, '');
  out.push('| Rule | File | Object | Problem | Config key | Fix |', '| --- | --- | --- | --- | --- | --- |');
  for (const f of findings) {
    out.push(`| \`${f.rule}\` | \`${md(repoPath(opts.root, f.file))}\` | ${f.object ? `\`${md(f.object)}\`` : '–'} | ${md(f.message)} | ${f.configKey ? `\`${md(f.configKey)}\`` : '–'} | ${md(f.fix)} |`);
  }
  return out.join('\n') + '\n';
}
