import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { generateAgeKeyPair, parseIdentities } from '../lib/sops/age';
import { encryptManifest, openSopsFile } from '../lib/sops/file';
import { inspectSopsFile } from '../lib/sops/guard';
import { CliIo, main } from '../scripts/secrets';

const ROOT = path.resolve(__dirname, '..');
const T0 = new Date('2026-11-21T10:00:00Z');
const T1 = new Date('2026-11-21T11:30:00Z');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let tmp: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-cli-'));
  // An isolated environment: no SOPS_AGE_KEY*, no ~/.config/sops/age/keys.txt.
  env = { HOME: path.join(tmp, 'home'), XDG_CONFIG_HOME: path.join(tmp, 'xdg') };
  fs.writeFileSync(path.join(tmp, 'platform.yaml'), '# the platform\nclusterName: demo\nsops:\n  ageRecipients: []\n');
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function run(args: string[], options: { stdin?: string; now?: Date; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    readStdin: () => options.stdin ?? '',
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: options.env ?? env,
    cwd: tmp,
    now: options.now ? () => options.now! : undefined,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const secretPath = (ref: string): string => path.join(tmp, 'secrets', `${ref}.sops.yaml`);
const identity = (): string[] => parseIdentities(fs.readFileSync(path.join(tmp, '.age', 'age.agekey'), 'utf8'), 'id');
const recipients = (): string[] => parse(fs.readFileSync(path.join(tmp, 'platform.yaml'), 'utf8')).sops.ageRecipients;

describe('usage', () => {
  it.each([
    [[], 'Usage: npm run -s secrets -- <verb>'],
    [['bogus'], 'error: unknown verb "bogus"'],
    [['set', 'a/b', 'k=v', '--bogus'], 'error: unknown option --bogus'],
    [['set'], 'error: set needs <namespace>/<name>'],
    [['set', 'a/b'], 'error: set needs at least one key=value, --from-file or --generate'],
    [['set', 'a/b', 'k=v', 'k=w'], 'error: key "k" is given twice'],
    [['encrypt', 'file.yaml'], 'error: encrypt reads the manifest from stdin; it takes no file argument'],
    [['decrypt', '--identity'], 'error: --identity needs a value'],
    [['rotate', 'x'], 'error: rotate takes no arguments'],
    [['init', '--pq=1'], 'error: --pq takes no value'],
  ])('fails %j with exit code 2 and the usage text', async (args, message) => {
    // GIVEN wrong arguments
    // WHEN the CLI runs
    const r = await run(args);
    // THEN it exits 2 with the message and the usage
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage: npm run -s secrets -- <verb> [options]');
  });

  it('prints the usage on --help with exit code 0', async () => {
    // GIVEN --help
    // WHEN the CLI runs
    const r = await run(['--help']);
    // THEN usage goes to stdout
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rotate [--identity <file>]… [--new-data-key]');
  });
});

describe('init', () => {
  it('writes a git-ignored 0600 identity, records the recipient and prints the kubectl command', async () => {
    // GIVEN a config without recipients
    // WHEN init runs
    const r = await run(['init'], { now: T0 });
    // THEN the identity file exists with mode 0600 in a self-ignoring .age directory
    expect(r.code).toBe(0);
    const idFile = path.join(tmp, '.age', 'age.agekey');
    expect(fs.statSync(idFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(tmp, '.age', '.gitignore'), 'utf8')).toBe('*\n');
    // AND its recipient is in the config, comments kept
    const text = fs.readFileSync(idFile, 'utf8');
    const recipient = /# public key: (age1\S+)/.exec(text)![1];
    expect(recipients()).toEqual([recipient]);
    expect(fs.readFileSync(path.join(tmp, 'platform.yaml'), 'utf8')).toContain('# the platform\n');
    // AND the exact kubectl command is printed, never the private key
    expect(r.stdout).toContain('kubectl create secret generic sops-age --namespace kommander-flux --from-file=age.agekey=.age/age.agekey\n');
    expect(r.stdout).toContain('kubectl create secret generic sops-age --namespace kommander --from-file=age.agekey=.age/age.agekey\n');
    expect(r.stdout + r.stderr).not.toMatch(/AGE-SECRET-KEY/i);
  });

  it('is idempotent and honours --namespace and the config secret names', async () => {
    // GIVEN an initialised repo with custom secret names
    fs.writeFileSync(path.join(tmp, 'platform.yaml'), 'sops:\n  secretName: my-age\n  secretKey: id.agekey\n');
    await run(['init']);
    const before = fs.readFileSync(path.join(tmp, '.age', 'age.agekey'), 'utf8');
    // WHEN init runs again with two namespaces
    const r = await run(['init', '--namespace', 'kommander', '--namespace=kommander-flux']);
    // THEN the identity is kept, the recipient not duplicated, and one command per namespace printed
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, '.age', 'age.agekey'), 'utf8')).toBe(before);
    expect(recipients()).toHaveLength(1);
    expect(r.stderr).toContain('keeping the existing identity .age/age.agekey');
    expect(r.stdout).toContain('kubectl create secret generic my-age --namespace kommander --from-file=id.agekey=.age/age.agekey\n');
    expect(r.stdout).toContain('kubectl create secret generic my-age --namespace kommander-flux --from-file=id.agekey=.age/age.agekey\n');
  });

  it('fails without a config file', async () => {
    // GIVEN no config
    fs.rmSync(path.join(tmp, 'platform.yaml'));
    // WHEN init runs
    const r = await run(['init']);
    // THEN it fails before generating anything
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('platform.yaml: config file not found; create it, pass --config <file>, or set PLATFORM_CONFIG');
    expect(fs.existsSync(path.join(tmp, '.age'))).toBe(false);
  });
});

describe('set', () => {
  it('creates an encrypted Secret with a generated value that is never printed', async () => {
    // GIVEN an initialised repo
    await run(['init']);
    // WHEN a Secret is set with a literal and a generated value
    const r = await run(['set', 'kommander/gitea-admin-credentials', 'username=gitea-admin', '--generate', 'password:24']);
    // THEN the file holds them encrypted, the generated value never appears in the output
    expect(r.code).toBe(0);
    const file = secretPath('kommander/gitea-admin-credentials');
    const text = fs.readFileSync(file, 'utf8');
    const opened = await openSopsFile(text, identity(), file);
    const values = opened.document.toJS().stringData;
    expect(values.username).toBe('gitea-admin');
    expect(values.password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(r.stdout + r.stderr).not.toContain(values.password);
    expect(text).not.toContain(values.password);
    expect(r.stderr).toBe(
      'secrets/kommander/gitea-admin-credentials.sops.yaml: created with keys username, password (generated, stored only encrypted: password)\n',
    );
    // AND it is a plain Opaque Secret that passes the synth guard
    expect(opened.document.toJS()).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'gitea-admin-credentials', namespace: 'kommander' },
      type: 'Opaque',
      stringData: values,
    });
    expect(inspectSopsFile(file, text, recipients()).problems).toEqual([]);
  });

  it('updating one key keeps the other values byte-identical; only that value, lastmodified and mac change', async () => {
    // GIVEN a Secret with two values written at T0
    await run(['init']);
    await run(['set', 'kommander-flux/kommander-git-credentials', 'username=flux', 'password=first'], { now: T0 });
    const file = secretPath('kommander-flux/kommander-git-credentials');
    const before = fs.readFileSync(file, 'utf8');
    // WHEN the password is changed at T1
    const r = await run(['set', 'kommander-flux/kommander-git-credentials', 'password=second'], { now: T1 });
    // THEN exactly three lines differ
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('secrets/kommander-flux/kommander-git-credentials.sops.yaml: changed password\n');
    const after = fs.readFileSync(file, 'utf8');
    const a = before.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    expect(b.filter((l, i) => l !== a[i]).map((l) => l.trim().split(':')[0])).toEqual(['password', 'lastmodified', 'mac']);
    expect(after).toContain('lastmodified: "2026-11-21T11:30:00Z"');
    expect((await openSopsFile(after, identity())).document.toJS().stringData).toEqual({ username: 'flux', password: 'second' });
  });

  it('leaves the file byte-identical when the value is unchanged', async () => {
    // GIVEN a Secret
    await run(['init']);
    await run(['set', 'ns/s', 'a=1'], { now: T0 });
    const before = fs.readFileSync(secretPath('ns/s'), 'utf8');
    // WHEN the same value is set later
    const r = await run(['set', 'ns/s', 'a=1'], { now: T1 });
    // THEN nothing moves
    expect(r.stderr).toBe('secrets/ns/s.sops.yaml: unchanged (same values and recipients)\n');
    expect(fs.readFileSync(secretPath('ns/s'), 'utf8')).toBe(before);
  });

  it('reads --from-file values (text to stringData, binary to data)', async () => {
    // GIVEN a text and a binary file
    await run(['init']);
    fs.writeFileSync(path.join(tmp, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    fs.writeFileSync(path.join(tmp, 'blob.bin'), Buffer.from([0xff, 0xfe, 0x00]));
    // WHEN set from files
    const r = await run(['set', 'ns/tls', '--from-file', 'ca.crt', '--from-file=blob=blob.bin']);
    // THEN both are stored encrypted in the right map
    expect(r.code).toBe(0);
    const doc = (await openSopsFile(fs.readFileSync(secretPath('ns/tls'), 'utf8'), identity())).document.toJS();
    expect(doc.stringData).toEqual({ 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' });
    expect(doc.data).toEqual({ blob: '//4A' });
  });

  it('fails to update an existing file without an identity', async () => {
    // GIVEN a Secret and then no identity anywhere
    await run(['init']);
    await run(['set', 'ns/s', 'a=1']);
    fs.renameSync(path.join(tmp, '.age', 'age.agekey'), path.join(tmp, 'elsewhere.agekey'));
    // WHEN a value is set
    const r = await run(['set', 'ns/s', 'b=2']);
    // THEN it fails closed with the fix
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: secrets/ns/s.sops.yaml exists; updating it needs an age identity that opens it (to keep the other values): pass --identity <file> or set SOPS_AGE_KEY_FILE\n',
    );
    // AND works with --identity
    expect((await run(['set', 'ns/s', 'b=2', '--identity', 'elsewhere.agekey'])).code).toBe(0);
  });

  it('fails without recipients in the config', async () => {
    // GIVEN no init
    // WHEN set runs
    const r = await run(['set', 'ns/s', 'a=1']);
    // THEN it says to run init
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: platform.yaml lists no sops.ageRecipients; run: npm run -s secrets -- init\n');
  });

  it('fails on an invalid reference or a file holding another Secret', async () => {
    // GIVEN an initialised repo and a file moved to the wrong name
    await run(['init']);
    await run(['set', 'ns/a', 'k=v']);
    fs.renameSync(secretPath('ns/a'), secretPath('ns/b'));
    // WHEN set runs
    const bad = await run(['set', 'NS/a', 'k=v']);
    const moved = await run(['set', 'ns/b', 'k=w']);
    // THEN both fail with the reason
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('namespace "NS" is not a valid DNS-1123 label');
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('secrets/ns/b.sops.yaml holds Secret ns/a, not Secret ns/b; fix or move the file');
  });
});

describe('encrypt and decrypt', () => {
  const MANIFEST = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n  namespace: y\nstringData:\n  token: "abc: #1"\n  empty: ""\n';

  it('encrypts stdin to the given recipients and decrypts it back with --identity', async () => {
    // GIVEN a key pair on disk
    const kp = await generateAgeKeyPair();
    fs.writeFileSync(path.join(tmp, 'id.txt'), `${kp.identity}\n`);
    // WHEN encrypted and then decrypted through the CLI
    const enc = await run(['encrypt', '--recipient', kp.recipient], { stdin: MANIFEST, now: T0 });
    fs.writeFileSync(path.join(tmp, 's.sops.yaml'), enc.stdout);
    const dec = await run(['decrypt', '--identity', 'id.txt'], { stdin: enc.stdout });
    const decFile = await run(['decrypt', '--identity', 'id.txt', 's.sops.yaml']);
    // THEN the ciphertext hides the value, "" stays, and decrypt prints the manifest
    expect(enc.code).toBe(0);
    expect(enc.stdout).not.toContain('abc: #1');
    expect(enc.stdout).toContain('  empty: ""\n');
    expect(enc.stdout).toContain('  lastmodified: "2026-11-21T10:00:00Z"\n');
    expect(enc.stdout).toContain('  version: 3.9.0\n');
    expect(dec).toEqual({ code: 0, stdout: MANIFEST.replace('namespace: y', 'namespace: "y"'), stderr: '' });
    expect(decFile.stdout).toBe(dec.stdout);
  });

  it('encrypts to the config recipients when no --recipient is given', async () => {
    // GIVEN an initialised repo
    await run(['init']);
    // WHEN encrypt runs without --recipient
    const enc = await run(['encrypt'], { stdin: MANIFEST });
    // THEN the init identity opens it
    expect(enc.code).toBe(0);
    expect((await openSopsFile(enc.stdout, identity())).document.toJS().stringData.token).toBe('abc: #1');
  });

  it('fails on a non-string Secret value and on an invalid recipient', async () => {
    // GIVEN an int value / a bad recipient
    const kp = await generateAgeKeyPair();
    // WHEN encrypted
    const intValue = await run(['encrypt', '--recipient', kp.recipient], { stdin: 'kind: Secret\nstringData:\n  port: 8080\n' });
    const badRecipient = await run(['encrypt', '--recipient', 'age1nope'], { stdin: MANIFEST });
    // THEN each fails with the fix
    expect(intValue).toMatchObject({ code: 1, stderr: 'error: stdin: stringData.port is a number, but Secret values must be strings: quote it\n' });
    expect(badRecipient.code).toBe(1);
    expect(badRecipient.stderr).toContain('--recipient "age1nope" is not a valid age recipient');
  });

  it('fails on a tampered file and on a wrong identity, printing nothing to stdout', async () => {
    // GIVEN a file for one identity, and another identity
    const [kp, other] = await Promise.all([generateAgeKeyPair(), generateAgeKeyPair()]);
    fs.writeFileSync(path.join(tmp, 'id.txt'), `${kp.identity}\n`);
    fs.writeFileSync(path.join(tmp, 'other.txt'), `${other.identity}\n`);
    const text = await encryptManifest(MANIFEST, { recipients: [kp.recipient] });
    // WHEN decrypting a tampered copy and with the wrong identity
    const tampered = await run(['decrypt', '--identity', 'id.txt'], { stdin: text.replace('name: x', 'name: z') });
    const wrong = await run(['decrypt', '--identity', 'other.txt'], { stdin: text });
    // THEN both exit 1 with a clear message
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toBe('');
    expect(tampered.stderr).toMatch(/^error: stdin: MAC mismatch: the file was modified outside SOPS/);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain(`error: stdin: none of the identities can decrypt the data key (wrong identity?). File recipients: ${kp.recipient}; identity recipients: ${other.recipient}`);
  });
});

describe('rotate', () => {
  it('re-wraps on an added recipient and uses a new data key on a removed one', async () => {
    // GIVEN two Secrets for the init identity
    await run(['init']);
    await run(['set', 'ns/a', 'k=1']);
    await run(['set', 'ns/b', 'k=2']);
    const first = recipients()[0];
    const extra = await generateAgeKeyPair();
    const a0 = fs.readFileSync(secretPath('ns/a'), 'utf8');
    fs.writeFileSync(path.join(tmp, 'platform.yaml'), `sops:\n  ageRecipients:\n    - ${first}\n    - ${extra.recipient}\n`);
    // WHEN rotate runs after adding a recipient
    const added = await run(['rotate']);
    // THEN every file gained a stanza, values and mac unchanged
    expect(added.code).toBe(0);
    expect(added.stderr).toBe(
      `secrets/ns/a.sops.yaml: data key also wrapped to ${extra.recipient} (values, mac untouched)\n` +
        `secrets/ns/b.sops.yaml: data key also wrapped to ${extra.recipient} (values, mac untouched)\n`,
    );
    const a1 = fs.readFileSync(secretPath('ns/a'), 'utf8');
    expect(parse(a1).sops.mac).toBe(parse(a0).sops.mac);
    expect(parse(a1).stringData).toEqual(parse(a0).stringData);
    expect(inspectSopsFile('a', a1, recipients()).problems).toEqual([]);
    // WHEN the first recipient is removed and rotate runs again
    fs.writeFileSync(path.join(tmp, 'platform.yaml'), `sops:\n  ageRecipients:\n    - ${extra.recipient}\n`);
    const removed = await run(['rotate']);
    // THEN the data key is new and only the extra identity opens the files
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain(`secrets/ns/a.sops.yaml: new data key (removed: ${first})`);
    const a2 = fs.readFileSync(secretPath('ns/a'), 'utf8');
    expect(parse(a2).stringData.k).not.toBe(parse(a1).stringData.k);
    expect((await openSopsFile(a2, [extra.identity])).document.toJS().stringData).toEqual({ k: '1' });
    await expect(openSopsFile(a2, identity())).rejects.toThrow('none of the identities');
    // AND a second rotate changes nothing
    const again = await run(['rotate']);
    expect(again.stderr).toBe('secrets/ns/a.sops.yaml: unchanged\nsecrets/ns/b.sops.yaml: unchanged\n');
  });

  it('fails per file without an identity and reports the count', async () => {
    // GIVEN a Secret and no identity
    await run(['init']);
    await run(['set', 'ns/a', 'k=1']);
    fs.rmSync(path.join(tmp, '.age', 'age.agekey'));
    const extra = await generateAgeKeyPair();
    fs.writeFileSync(path.join(tmp, 'platform.yaml'), `sops:\n  ageRecipients:\n    - ${extra.recipient}\n`);
    // WHEN rotate runs
    const r = await run(['rotate']);
    // THEN it exits 1, naming the file and the fix
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: secrets/ns/a.sops.yaml: no age identity available; pass --identity <file>, or set SOPS_AGE_KEY_FILE / SOPS_AGE_KEY');
    expect(r.stderr).toContain('1 of 1 file(s) could not be rotated; pass an --identity that opens them');
  });
});

describe('bundled CLI (what npm run secrets runs: scripts/run.js, real node require of age-encryption)', () => {
  /** The bundle of scripts/secrets.ts, rebuilt by scripts/run.js when a source changed (never stale). */
  function compiledCli(): { readonly script: string; readonly env: NodeJS.ProcessEnv } {
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/run.js'), '--build', 'scripts/secrets.ts'], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`scripts/run.js --build failed: ${built.stderr}`);
    return { script: built.stdout.trim(), env: {} };
  }

  it('encrypts and decrypts through the bundle (build/scripts/secrets.js)', async () => {
    // GIVEN the compiled CLI and a key pair
    const cli = compiledCli();
    const kp = await generateAgeKeyPair();
    fs.writeFileSync(path.join(tmp, 'id.txt'), `${kp.identity}\n`);
    const childEnv = { ...env, PATH: process.env.PATH, ...cli.env };
    // WHEN it encrypts stdin and decrypts the result
    const enc = spawnSync(process.execPath, [cli.script, 'encrypt', '--recipient', kp.recipient], { cwd: tmp, env: childEnv, input: 'kind: Secret\nstringData:\n  a: b\n', encoding: 'utf8' });
    const dec = spawnSync(process.execPath, [cli.script, 'decrypt', '--identity', 'id.txt'], { cwd: tmp, env: childEnv, input: enc.stdout, encoding: 'utf8' });
    const usage = spawnSync(process.execPath, [cli.script], { cwd: tmp, env: childEnv, encoding: 'utf8' });
    // THEN both succeed, without warnings, and a usage error exits 2
    expect(enc.stderr).toBe('');
    expect(enc.status).toBe(0);
    expect(dec).toMatchObject({ status: 0, stdout: 'kind: Secret\nstringData:\n  a: b\n', stderr: '' });
    expect(usage.status).toBe(2);
  });
});
