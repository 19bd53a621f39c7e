import { Document } from 'yaml';
import { FLUX_RULE, metadataNode, readMetadata, ruleSelects, SOPS_VERSION, SopsMetadata } from '../lib/sops/metadata';
import { stringifyDocument } from '../lib/sops/yaml';

const MAC = 'ENC[AES256_GCM,data:AA==,iv:AA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]';

describe('readMetadata', () => {
  it('reads a SOPS 3.9 block with empty key lists and recipient-first age entries', () => {
    // GIVEN the metadata of a file written by SOPS 3.9.0
    const raw = {
      kms: [],
      gcp_kms: [],
      azure_kv: [],
      hc_vault: [],
      age: [{ recipient: 'age1abc', enc: '-----BEGIN AGE ENCRYPTED FILE-----\nx\n-----END AGE ENCRYPTED FILE-----\n' }],
      lastmodified: '2024-11-12T13:33:42Z',
      mac: MAC,
      pgp: [],
      encrypted_regex: '^(data|stringData)$',
      version: '3.9.0',
    };
    // WHEN read
    const meta = readMetadata(raw, 'f.yaml');
    // THEN the age stanza, the rule and the other fields are there and empty lists are ignored
    expect(meta).toEqual({
      age: [{ recipient: 'age1abc', enc: raw.age[0].enc }],
      lastmodified: '2024-11-12T13:33:42Z',
      mac: MAC,
      version: '3.9.0',
      rule: { kind: 'encrypted_regex', value: '^(data|stringData)$' },
      macOnlyEncrypted: false,
      otherKeySources: [],
    });
  });

  it('defaults to unencrypted_suffix _unencrypted and reports non-age key sources', () => {
    // GIVEN a block without a rule and with a pgp entry
    // WHEN read
    const meta = readMetadata({ lastmodified: 'x', mac: MAC, pgp: [{ fp: 'F' }], mac_only_encrypted: true }, 'f.yaml');
    // THEN the SOPS default rule applies
    expect(meta.rule).toEqual({ kind: 'unencrypted_suffix', value: '_unencrypted' });
    expect(meta.otherKeySources).toEqual(['pgp']);
    expect(meta.macOnlyEncrypted).toBe(true);
    expect(meta.version).toBe(SOPS_VERSION);
  });

  it.each([
    [undefined, 'f.yaml: not SOPS-encrypted (no top-level "sops" block)'],
    ['x', 'f.yaml: the top-level "sops" key is not a mapping'],
    [{ lastmodified: 'x' }, 'f.yaml: sops.mac is missing'],
    [{ mac: MAC }, 'f.yaml: sops.lastmodified is missing'],
    [{ mac: MAC, lastmodified: 'x', encrypted_regex: 'a', unencrypted_suffix: 'b' }, 'sets several encryption rules (encrypted_regex, unencrypted_suffix); SOPS allows at most one'],
    [{ mac: MAC, lastmodified: 'x', key_groups: [] }, 'key groups / Shamir sharing are not supported'],
    [{ mac: MAC, lastmodified: 'x', age: [{ recipient: 'age1x' }] }, 'sops.age[0] needs string fields "recipient" and "enc"'],
  ])('fails on %p', (raw, message) => {
    // GIVEN a broken sops block
    // WHEN read
    // THEN it fails with the reason
    expect(() => readMetadata(raw, 'f.yaml')).toThrow(message);
  });
});

describe('ruleSelects', () => {
  it('encrypted_regex selects a leaf when any path component matches', () => {
    // GIVEN the Flux rule
    // WHEN applied to paths
    // THEN data/stringData values, and anything under a key named exactly data, are selected
    expect(ruleSelects(FLUX_RULE, ['stringData', 'password'])).toBe(true);
    expect(ruleSelects(FLUX_RULE, ['data', 'ca.crt'])).toBe(true);
    expect(ruleSelects(FLUX_RULE, ['metadata', 'labels', 'data'])).toBe(true);
    expect(ruleSelects(FLUX_RULE, ['metadata', 'name'])).toBe(false);
    expect(ruleSelects(FLUX_RULE, ['metadata', 'annotations', 'mydata'])).toBe(false);
  });

  it('implements the other three rules', () => {
    // GIVEN each rule kind
    // WHEN applied
    // THEN suffix and regex rules match path components, inverted for unencrypted_*
    expect(ruleSelects({ kind: 'unencrypted_suffix', value: '_unencrypted' }, ['a', 'b'])).toBe(true);
    expect(ruleSelects({ kind: 'unencrypted_suffix', value: '_unencrypted' }, ['a_unencrypted', 'b'])).toBe(false);
    expect(ruleSelects({ kind: 'encrypted_suffix', value: '_enc' }, ['x_enc', 'y'])).toBe(true);
    expect(ruleSelects({ kind: 'encrypted_suffix', value: '_enc' }, ['x', 'y'])).toBe(false);
    expect(ruleSelects({ kind: 'unencrypted_regex', value: '^public' }, ['publicKey'])).toBe(false);
    expect(ruleSelects({ kind: 'unencrypted_regex', value: '^public' }, ['privateKey'])).toBe(true);
  });
});

describe('metadataNode', () => {
  it('writes SOPS 3.13 order, a quoted lastmodified and literal-block enc', () => {
    // GIVEN metadata with one recipient
    const meta: SopsMetadata = {
      age: [{ recipient: 'age1abc', enc: '-----BEGIN AGE ENCRYPTED FILE-----\nQUJD\n-----END AGE ENCRYPTED FILE-----\n' }],
      lastmodified: '2026-11-21T19:03:55Z',
      mac: MAC,
      version: '3.9.0',
      rule: FLUX_RULE,
      macOnlyEncrypted: false,
      otherKeySources: [],
    };
    const doc = new Document({ kind: 'Secret' });
    // WHEN appended and serialised
    doc.set('sops', metadataNode(doc, meta));
    // THEN the block reads exactly as SOPS writes it (with 2-space indent)
    expect(stringifyDocument(doc)).toBe(
      [
        'kind: Secret',
        'sops:',
        '  age:',
        '    - enc: |',
        '        -----BEGIN AGE ENCRYPTED FILE-----',
        '        QUJD',
        '        -----END AGE ENCRYPTED FILE-----',
        '      recipient: age1abc',
        '  encrypted_regex: ^(data|stringData)$',
        '  lastmodified: "2026-11-21T19:03:55Z"',
        `  mac: ${MAC}`,
        '  version: 3.9.0',
        '',
      ].join('\n'),
    );
    // AND it reads back to the same metadata
    expect(readMetadata((doc.toJS() as { sops: unknown }).sops, 'f')).toEqual(meta);
  });

  it('writes mac_only_encrypted only when true', () => {
    // GIVEN mac_only_encrypted metadata without recipients
    const doc = new Document({});
    // WHEN built
    doc.set('sops', metadataNode(doc, { age: [], lastmodified: 'x', mac: MAC, version: '3.9.0', rule: FLUX_RULE, macOnlyEncrypted: true, otherKeySources: [] }));
    // THEN the flag is present and the empty age list is omitted
    const text = stringifyDocument(doc);
    expect(text).toContain('  mac_only_encrypted: true\n');
    expect(text).not.toContain('age:');
  });
});
