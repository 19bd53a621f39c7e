import * as YAML from 'yaml';
import { ReleaseError } from './error';

/** One entry of a CRD's `spec.versions[]`, as far as the API version choice needs it. */
export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly deprecated: boolean;
}

/** A CustomResourceDefinition reduced to its identity and versions. */
export interface CrdSummary {
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  /** In the order the CRD lists them. */
  readonly versions: readonly CrdVersion[];
  /** The file (relative to the release root) the CRD was read from. */
  readonly file: string;
}

/** Splits a multi-document YAML text at `---` lines (document markers at column 0). */
export function splitDocuments(text: string): string[] {
  return text.split(/^---[ \t]*(?:#.*)?$/m);
}

const CRD_KIND = /^kind:[ \t]*["']?CustomResourceDefinition["']?[ \t]*$/m;

/**
 * Drops every `schema:` subtree (the OpenAPI schemas make up nearly all of a CRD's bytes) so that
 * only the skeleton (names, group, versions with served/storage/deprecated) is parsed. A CRD
 * stub without schemas passes unchanged.
 */
export function crdSkeleton(doc: string): string {
  const lines = doc.split('\n');
  const out: string[] = [];
  let skipAbove = -1;
  for (const line of lines) {
    if (skipAbove >= 0) {
      const trimmed = line.trim();
      const indent = line.length - line.trimStart().length;
      if (trimmed === '' || indent > skipAbove) continue;
      skipAbove = -1;
    }
    const m = /^(\s*)(- )?schema:\s*$/.exec(line);
    if (m) {
      out.push(`${m[1]}${m[2] ?? ''}schema: {}`);
      skipAbove = m[1].length + (m[2] ? 2 : 0);
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** Every CRD of a (multi-document) YAML text whose group passes `groupFilter`. */
export function readCrds(text: string, file: string, groupFilter: (group: string) => boolean): CrdSummary[] {
  if (!CRD_KIND.test(text)) return [];
  const out: CrdSummary[] = [];
  for (const doc of splitDocuments(text)) {
    if (!CRD_KIND.test(doc)) continue;
    let crd: any;
    try {
      crd = YAML.parse(crdSkeleton(doc));
    } catch (e) {
      throw new ReleaseError(`${file}: a CustomResourceDefinition is not valid YAML (${(e as Error).message.split('\n')[0]})`);
    }
    const spec = crd?.spec;
    if (crd?.kind !== 'CustomResourceDefinition' || typeof spec?.group !== 'string' || !groupFilter(spec.group)) continue;
    const versions: CrdVersion[] = (Array.isArray(spec.versions) ? spec.versions : []).map((v: any) => ({
      name: String(v?.name),
      served: v?.served === true,
      storage: v?.storage === true,
      deprecated: v?.deprecated === true,
    }));
    out.push({
      name: String(crd.metadata?.name ?? `${spec.names?.plural}.${spec.group}`),
      group: spec.group,
      kind: String(spec.names?.kind),
      plural: String(spec.names?.plural),
      versions,
      file,
    });
  }
  return out;
}
