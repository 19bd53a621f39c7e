import {
  DEFAULT_GENERATED_LENGTH,
  GENERATED_ALPHABET,
  generateSecretValue,
  newSecretDocument,
  parseAssignment,
  parseGenerate,
  parseSecretRef,
  secretFilePath,
  secretKeys,
  setSecretValues,
  validateSecretDocument,
} from '../lib/sops/secret';
import { parseSingleDocument, stringifyDocument } from '../lib/sops/yaml';

describe('Secret references and paths', () => {
  it('parses <namespace>/<name> and maps it to secrets/<namespace>/<name>.sops.yaml', () => {
    // GIVEN a reference
    const ref = parseSecretRef('kommander-flux/kommander-git-credentials');
    // WHEN mapped to a path
    // THEN namespace and name form the path
    expect(ref).toEqual({ namespace: 'kommander-flux', name: 'kommander-git-credentials' });
    expect(secretFilePath('/repo/secrets', ref)).toBe('/repo/secrets/kommander-flux/kommander-git-credentials.sops.yaml');
  });

  it.each([
    ['gitea', 'expected <namespace>/<name>'],
    ['a/b/c', 'expected <namespace>/<name>'],
    ['Kommander/x', 'namespace "Kommander" is not a valid DNS-1123 label'],
    ['ns/x_y', 'name "x_y" is not a valid DNS-1123 subdomain'],
    ['../x', 'namespace ".." is not a valid DNS-1123 label'],
  ])('fails on %s', (text, message) => {
    // GIVEN an invalid reference
    // WHEN parsed
    // THEN the message explains the rule
    expect(() => parseSecretRef(text)).toThrow(message);
  });
});

describe('Secret documents', () => {
  it('creates a plain Opaque Secret', () => {
    // GIVEN a reference
    // WHEN a new document is made and a value set
    const doc = setSecretValues(newSecretDocument({ namespace: 'kommander', name: 'gitea-admin-credentials' }), new Map([['username', 'admin']]));
    // THEN it is exactly apiVersion/kind/metadata/type/stringData
    expect(stringifyDocument(doc)).toBe(
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: gitea-admin-credentials\n  namespace: kommander\ntype: Opaque\nstringData:\n  username: admin\n',
    );
  });

  it('updates in place, appends new keys, and keeps the input untouched', () => {
    // GIVEN a Secret with two keys
    const doc = parseSingleDocument('kind: Secret\nstringData:\n  a: "1"\n  b: "2"\n', 'x');
    // WHEN b is changed and c added
    const out = setSecretValues(doc, new Map([['c', '3'], ['b', 'two']]));
    // THEN order is a, b, c and the original is unchanged
    expect(out.toJS().stringData).toEqual({ a: '1', b: 'two', c: '3' });
    expect(Object.keys(out.toJS().stringData)).toEqual(['a', 'b', 'c']);
    expect(doc.toJS().stringData).toEqual({ a: '1', b: '2' });
    expect(secretKeys(out)).toEqual([
      { key: 'a', map: 'stringData' },
      { key: 'b', map: 'stringData' },
      { key: 'c', map: 'stringData' },
    ]);
  });

  it('stores non-UTF-8 bytes base64 under data and moves keys between the maps', () => {
    // GIVEN a Secret with a text key
    const doc = parseSingleDocument('kind: Secret\nstringData:\n  cert: text\n', 'x');
    // WHEN binary bytes are set for it, then text again
    const binary = setSecretValues(doc, new Map([['cert', Buffer.from([0xff, 0x00, 0xfe])]]));
    const text = setSecretValues(binary, new Map([['cert', Buffer.from('plain ✓')]]));
    // THEN binary lives under data (and the empty stringData is dropped), text under stringData
    expect(binary.toJS()).toEqual({ kind: 'Secret', data: { cert: '/wD+' } });
    expect(text.toJS()).toEqual({ kind: 'Secret', stringData: { cert: 'plain ✓' } });
  });

  it('accepts valid Secrets and non-Secrets', () => {
    // GIVEN valid documents
    // WHEN validated
    // THEN nothing is thrown
    expect(() => validateSecretDocument(parseSingleDocument('kind: Secret\ndata:\n  a: YQ==\nstringData:\n  b: ""\n  c: null\n', 'x'), 'x')).not.toThrow();
    expect(() => validateSecretDocument(parseSingleDocument('kind: ConfigMap\ndata:\n  a: 1\n', 'x'), 'x')).not.toThrow();
  });

  it.each([
    ['stringData:\n  port: 8080\n', 'x.yaml: stringData.port is a number, but Secret values must be strings: quote it'],
    ['stringData:\n  on: true\n', 'x.yaml: stringData.on is a boolean, but Secret values must be strings: quote it'],
    ['data:\n  a: not base64!\n', 'x.yaml: data.a is not base64; put text under stringData instead'],
    ['stringData:\n  "a b": x\n', 'secret key "a b" is invalid'],
    ['stringData: [a]\n', 'x.yaml: stringData must be a mapping'],
  ])('fails a Secret with %j', (body, message) => {
    // GIVEN an invalid Secret body
    // WHEN validated
    // THEN the key and the fix are named
    expect(() => validateSecretDocument(parseSingleDocument(`kind: Secret\n${body}`, 'x.yaml'), 'x.yaml')).toThrow(message);
  });
});

describe('generated values', () => {
  it('draws alphanumerics from the CSPRNG with the requested length', () => {
    // GIVEN lengths
    // WHEN generated
    const a = generateSecretValue();
    const b = generateSecretValue();
    const long = generateSecretValue(200);
    // THEN lengths and alphabet are right and values differ
    expect(a).toHaveLength(DEFAULT_GENERATED_LENGTH);
    expect(long).toHaveLength(200);
    expect(a).not.toBe(b);
    expect([...long].every((c) => GENERATED_ALPHABET.includes(c))).toBe(true);
  });

  it('rejects biased bytes (no modulo bias) with an injected source', () => {
    // GIVEN a source that yields 255 (above the 248 limit), then 0, 1, 61, 62
    let call = 0;
    const source = (n: number): Buffer => Buffer.from(call++ === 0 ? [255, 0, 1, 61, 62, 248].slice(0, Math.max(n, 6)) : Array(n).fill(2));
    // WHEN 4 characters are generated
    // THEN 255 and 248 are skipped and 62 wraps to the first letter
    expect(generateSecretValue(4, source)).toBe('AB9A');
  });

  it('fails on an invalid length', () => {
    // GIVEN out-of-range lengths
    // WHEN generated
    // THEN it fails
    expect(() => generateSecretValue(0)).toThrow('generated length 0 is invalid: use 1 to 4096');
    expect(() => generateSecretValue(5000)).toThrow('use 1 to 4096');
  });
});

describe('argument parsing', () => {
  it('parses key=value and key[:length]', () => {
    // GIVEN CLI arguments
    // WHEN parsed
    // THEN values may contain "=", lengths default to 32
    expect(parseAssignment('url=https://x/?a=b')).toEqual({ key: 'url', value: 'https://x/?a=b' });
    expect(parseAssignment('empty=')).toEqual({ key: 'empty', value: '' });
    expect(parseGenerate('password')).toEqual({ key: 'password', length: 32 });
    expect(parseGenerate('token:64')).toEqual({ key: 'token', length: 64 });
  });

  it('fails on malformed arguments', () => {
    // GIVEN malformed arguments
    // WHEN parsed
    // THEN each fails with the expected form
    expect(() => parseAssignment('novalue')).toThrow('"novalue": expected key=value');
    expect(() => parseAssignment('=x')).toThrow('expected key=value');
    expect(() => parseGenerate('a:b:c')).toThrow('--generate "a:b:c": expected key or key:length');
    expect(() => parseGenerate('a:0')).toThrow('length must be 1 to 4096');
    expect(() => parseGenerate('bad key')).toThrow('secret key "bad key" is invalid');
  });
});
