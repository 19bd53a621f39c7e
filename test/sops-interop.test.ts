/**
 * Independent readers of the files this project writes:
 * - sops-decoder (verifies the MAC; it unwraps data keys only via AWS KMS, so a loopback KMS stub
 *   hands it the data key that the age CLI — or typage when the CLI is missing — unwrapped);
 * - sops-age (decrypts values; it does not check the MAC and has an AAD bug on all-digit keys);
 * - the Debian `age` CLI (unwraps our data key; and wraps one that our code unwraps).
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { AgeKeyPair, generateAgeKeyPair, unwrapDataKey } from '../lib/sops/age';
import { encryptManifest, openSopsFile } from '../lib/sops/file';
import { readMetadata } from '../lib/sops/metadata';

// No all-digit keys here: sops-age drops them from the AAD and sops-decoder's JS objects reorder them.
const PLAIN = [
  'apiVersion: v1',
  'kind: Secret',
  'metadata:',
  '  name: interop',
  '  namespace: apps',
  '  labels:',
  '    tier: db',
  'type: Opaque',
  'immutable: false',
  'data:',
  '  ca.crt: Y2VydGlmaWNhdGU=',
  'stringData:',
  '  unicode: ünïcödé ✓ 密码',
  '  colon: "key: value"',
  '  hash: "a # b"',
  '  multiline: |',
  '    line one',
  '    line two',
  '  empty: ""',
  '  "yes": "yes"',
  '',
].join('\n');

const EXPECTED = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'interop', namespace: 'apps', labels: { tier: 'db' } },
  type: 'Opaque',
  immutable: false,
  data: { 'ca.crt': 'Y2VydGlmaWNhdGU=' },
  stringData: { unicode: 'ünïcödé ✓ 密码', colon: 'key: value', hash: 'a # b', multiline: 'line one\nline two\n', empty: '', yes: 'yes' },
};

const ageCli = spawnSync('age', ['--version'], { encoding: 'utf8' }).status === 0;
if (!ageCli) {
  console.warn('SKIPPED: age CLI not installed; the age-CLI interop tests are skipped (CI installs it: apt-get install -y age)');
}

let alice: AgeKeyPair;
let bob: AgeKeyPair;
let text: string;
let tmp: string;
beforeAll(async () => {
  [alice, bob] = await Promise.all([generateAgeKeyPair(), generateAgeKeyPair()]);
  text = await encryptManifest(PLAIN, { recipients: [alice.recipient, bob.recipient] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sops-interop-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Unwraps one `enc` stanza with the age CLI. */
function ageDecrypt(enc: string, identity: string): Buffer {
  const idFile = path.join(tmp, `id-${crypto.randomUUID()}.txt`);
  fs.writeFileSync(idFile, `${identity}\n`, { mode: 0o600 });
  const r = spawnSync('age', ['-d', '-i', idFile], { input: enc });
  if (r.status !== 0) throw new Error(`age -d failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** The data key as an independent tool unwraps it (age CLI if present, else typage directly). */
async function independentDataKey(file: string, identity: AgeKeyPair): Promise<Buffer> {
  const meta = readMetadata(parse(file).sops, 'f');
  const stanza = meta.age.find((s) => s.recipient === identity.recipient)!;
  return ageCli ? ageDecrypt(stanza.enc, identity.identity) : (await unwrapDataKey([stanza], [identity.identity])).dataKey;
}

/** Runs sops-decoder on the JSON form of a file, handing it the data key through a loopback KMS stub. */
async function sopsDecoder(file: string, dataKey: Buffer): Promise<unknown> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { CiphertextBlob } = JSON.parse(body) as { CiphertextBlob: string };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ KeyId: 'arn:aws:kms:us-east-1:000000000000:key/stub', Plaintext: CiphertextBlob, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: 'stub',
    AWS_SECRET_ACCESS_KEY: 'stub',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const decoder = require('sops-decoder') as { decrypt: (tree: unknown) => Promise<unknown> };
    const tree = parse(file);
    tree.sops.kms = [{ arn: 'arn:aws:kms:us-east-1:000000000000:key/stub', enc: dataKey.toString('base64') }];
    return await decoder.decrypt(JSON.parse(JSON.stringify(tree)));
  } finally {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('sops-decoder (independent MAC check)', () => {
  it('decrypts our file and verifies its MAC', async () => {
    // GIVEN a file we encrypted and the data key unwrapped independently
    const key = await independentDataKey(text, alice);
    // WHEN sops-decoder decrypts the JSON form (it throws "Hash mismatch" on a bad MAC)
    const out = (await sopsDecoder(text, key)) as Record<string, unknown>;
    // THEN it returns the input
    delete out.sops;
    expect(out).toEqual(EXPECTED);
  });

  it('fails with "Hash mismatch" when a cleartext label was changed', async () => {
    // GIVEN a tampered label
    const tampered = text.replace('tier: db', 'tier: dc');
    const key = await independentDataKey(text, alice);
    // WHEN sops-decoder reads it
    // THEN the MAC check fails
    await expect(sopsDecoder(tampered, key)).rejects.toThrow('Hash mismatch');
  });
});

describe('sops-age (independent value decryption)', () => {
  it.each(['alice', 'bob'])('decrypts our file with the identity of %s', async (who) => {
    // GIVEN a file for two recipients
    const id = who === 'alice' ? alice : bob;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { decryptSops } = require('sops-age') as { decryptSops: (input: string, o: object) => Promise<unknown> };
    // WHEN sops-age decrypts it
    const out = (await decryptSops(text, { secretKey: id.identity, fileType: 'yaml' })) as Record<string, unknown>;
    // THEN the values are the input
    delete out.sops;
    expect(out).toEqual(EXPECTED);
  });

  it('fails on a value moved to another key (AAD binding)', async () => {
    // GIVEN two ciphertexts swapped
    const obj = parse(text);
    const swapped = text.replace(obj.stringData.colon, 'SWAP').replace(obj.stringData.hash, obj.stringData.colon).replace('SWAP', obj.stringData.hash);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { decryptSops } = require('sops-age') as { decryptSops: (input: string, o: object) => Promise<unknown> };
    // WHEN sops-age decrypts it
    // THEN it fails
    await expect(decryptSops(swapped, { secretKey: alice.identity, fileType: 'yaml' })).rejects.toThrow();
  });
});

(ageCli ? describe : describe.skip)('Debian age CLI (SKIPPED when `age` is not installed)', () => {
  it('unwraps our data key from every stanza', async () => {
    // GIVEN our file for alice and bob
    const opened = await openSopsFile(text, [alice.identity]);
    const meta = readMetadata(parse(text).sops, 'f');
    // WHEN the age CLI decrypts each enc with its identity
    const keys = meta.age.map((s) => ageDecrypt(s.enc, (s.recipient === alice.recipient ? alice : bob).identity));
    // THEN each is exactly the 32-byte data key
    for (const k of keys) expect(k.equals(opened.dataKey)).toBe(true);
  });

  it('wraps a data key that our code unwraps', async () => {
    // GIVEN a data key wrapped by `age -e -a -r`
    const key = crypto.randomBytes(32);
    const r = spawnSync('age', ['-e', '-a', '-r', alice.recipient], { input: key });
    expect(r.status).toBe(0);
    // WHEN our code unwraps it
    const { dataKey } = await unwrapDataKey([{ recipient: alice.recipient, enc: r.stdout.toString() }], [alice.identity]);
    // THEN it is the same key
    expect(dataKey.equals(key)).toBe(true);
  });

  it('decrypts an identity written by age-keygen', async () => {
    // GIVEN an identity from age-keygen and a file encrypted to its recipient
    const idFile = path.join(tmp, 'keygen.txt');
    const r = spawnSync('age-keygen', ['-o', idFile], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const idText = fs.readFileSync(idFile, 'utf8');
    const recipient = /public key: (age1\S+)/.exec(idText)![1];
    const file = await encryptManifest(PLAIN, { recipients: [recipient] });
    // WHEN opened with that identity
    const identity = idText.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
    const opened = await openSopsFile(file, [identity]);
    // THEN the values come back
    expect(opened.document.toJS()).toEqual(EXPECTED);
  });
});
