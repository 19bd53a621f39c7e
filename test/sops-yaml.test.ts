import { parseSingleDocument, SopsError, stringifyDocument } from '../lib/sops/yaml';

describe('parseSingleDocument', () => {
  it('parses one mapping with YAML 1.2 core typing and integers as bigint', () => {
    // GIVEN scalars that YAML 1.1 and 1.2 type differently
    const doc = parseSingleDocument('a: yes\nb: 2001-12-14\nc: 42\nd: 1.0\ne: true\n', 'x.yaml');
    // WHEN read
    // THEN yes/dates stay strings (as in go-yaml v3), ints are bigint, floats numbers
    expect(doc.toJS()).toEqual({ a: 'yes', b: '2001-12-14', c: 42n, d: 1, e: true });
  });

  it('accepts a single document with a leading --- and comments', () => {
    // GIVEN a document marker and a comment
    // WHEN parsed
    // THEN it is one document
    expect(parseSingleDocument('# c\n---\na: 1\n', 'x.yaml').get('a')).toBe(1n);
  });

  it('fails on several documents', () => {
    // GIVEN two documents
    // WHEN parsed
    // THEN it fails and asks for one Secret per file
    expect(() => parseSingleDocument('a: 1\n---\nb: 2\n', 'x.yaml')).toThrow(
      'x.yaml: holds 2 YAML documents; SOPS files must hold exactly one (one Secret per file)',
    );
  });

  it('fails on a non-mapping root, empty input and syntax errors', () => {
    // GIVEN bad inputs
    // WHEN parsed
    // THEN each fails naming the file
    expect(() => parseSingleDocument('- a\n', 'x.yaml')).toThrow('x.yaml: the document root must be a mapping');
    expect(() => parseSingleDocument('', 'x.yaml')).toThrow('x.yaml: no YAML document found');
    expect(() => parseSingleDocument('a: [\n', 'x.yaml')).toThrow(SopsError);
    expect(() => parseSingleDocument('a: [\n', 'x.yaml')).toThrow(/^x\.yaml: invalid YAML/);
  });
});

describe('stringifyDocument', () => {
  it('quotes strings YAML 1.1 would retype, never folds, and writes no directive', () => {
    // GIVEN strings that kubectl (YAML 1.1) would read as bool/number/date, and a long value
    const long = 'x'.repeat(300);
    const doc = parseSingleDocument(`a: "yes"\nb: "on"\nc: "0755"\nd: "2001-12-14"\ne: ${long}\n`, 'x.yaml');
    for (const k of ['a', 'b', 'c', 'd']) (doc.get(k, true) as { type?: string }).type = undefined;
    // WHEN serialised
    const text = stringifyDocument(doc);
    // THEN they are quoted, the long value stays on one line, and there is no %YAML line
    expect(text).toBe(`a: "yes"\nb: "on"\nc: "0755"\nd: "2001-12-14"\ne: ${long}\n`);
  });

  it('does not modify the document', () => {
    // GIVEN a document
    const doc = parseSingleDocument('a: b\n', 'x.yaml');
    // WHEN serialised
    stringifyDocument(doc);
    // THEN its schema is untouched
    expect(doc.schema.name).toBe('core');
  });
});
