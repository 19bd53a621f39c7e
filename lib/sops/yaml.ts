/**
 * YAML parsing and emission for SOPS files.
 *
 * SOPS reads YAML with go-yaml v3, whose scalar typing matches the YAML 1.2 core schema (`yes` and
 * `2001-12-14` are strings, `true` is a bool). Files are therefore parsed with the core schema, with
 * integers as `bigint` so that an int (`type:int`) and a float (`type:float`) stay distinguishable
 * and large integers keep every digit.
 *
 * Kubernetes tooling (kubectl, sigs.k8s.io/yaml) reads YAML 1.1, so emission quotes every string
 * that YAML 1.1 would read as another type (`"yes"`, `"on"`, `"0755"`), as cdk8s does. Emission
 * never folds long lines: an `ENC[…]` value or a post-quantum recipient stays on one line.
 */
import { Document, isMap, parseAllDocuments } from 'yaml';

/** Options every SOPS document is parsed with. */
const PARSE_OPTIONS = { intAsBigInt: true, prettyErrors: true } as const;

/** Raised for any SOPS problem; the message names the file, the key, the problem and the fix. */
export class SopsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SopsError';
  }
}

/**
 * Parses exactly one YAML document whose root is a mapping.
 *
 * @param text YAML text.
 * @param file Name used in error messages.
 * @throws SopsError on a syntax error, on zero or several documents, or on a non-mapping root.
 */
export function parseSingleDocument(text: string, file: string): Document {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  if (!Array.isArray(docs)) {
    throw new SopsError(`${file}: no YAML document found; expected one Kubernetes manifest`);
  }
  const real = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  if (real.length === 0) {
    throw new SopsError(`${file}: no YAML document found; expected one Kubernetes manifest`);
  }
  if (real.length > 1) {
    throw new SopsError(
      `${file}: holds ${real.length} YAML documents; SOPS files must hold exactly one (one Secret per file)`,
    );
  }
  const doc = real[0];
  if (doc.errors.length > 0) {
    throw new SopsError(`${file}: invalid YAML: ${doc.errors[0].message}`);
  }
  if (!isMap(doc.contents)) {
    throw new SopsError(`${file}: the document root must be a mapping (a Kubernetes object)`);
  }
  return doc as Document;
}

/**
 * Serialises a document the way this tool writes every SOPS file: 2-space indent, indented
 * sequences, no line folding, YAML 1.1-safe quoting, no `%YAML` directive.
 *
 * The document itself is not modified.
 */
export function stringifyDocument(doc: Document): string {
  const copy = doc.clone();
  copy.setSchema('1.1');
  return copy.toString({ indent: 2, indentSeq: true, lineWidth: 0, minContentWidth: 0 });
}
