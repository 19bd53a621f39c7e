import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AGE_IDENTITY_PATTERN,
  discoverIdentities,
  formatIdentityFile,
  generateAgeKeyPair,
  isAgeRecipient,
  loadAge,
  parseIdentities,
  recipientOf,
  unwrapDataKey,
  validateRecipients,
  wrapDataKey,
} from '../lib/sops/age';

const DATA_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7));

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sops-age-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('loading age-encryption', () => {
  it('loads the ESM-only package from CommonJS/jest', async () => {
    // GIVEN jest's CommonJS module registry
    // WHEN the loader runs
    const age = await loadAge();
    // THEN typage's API is there (and the second load is cached)
    expect(typeof age.Encrypter).toBe('function');
    expect(await loadAge()).toBe(age);
  });
});

describe('data key wrapping', () => {
  it('wraps to X25519 and unwraps with the identity', async () => {
    // GIVEN an X25519 key pair
    const kp = await generateAgeKeyPair();
    // WHEN the data key is wrapped and unwrapped
    const enc = await wrapDataKey(DATA_KEY, kp.recipient);
    const { dataKey, recipient } = await unwrapDataKey([{ recipient: kp.recipient, enc }], [kp.identity]);
    // THEN the 32 bytes come back and the stanza is named
    expect(dataKey.equals(DATA_KEY)).toBe(true);
    expect(recipient).toBe(kp.recipient);
    expect(kp.identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
    expect(kp.recipient).toMatch(/^age1[0-9a-z]{58}$/);
  });

  it('writes ASCII armor with 64-column lines and a final newline', async () => {
    // GIVEN a recipient
    const kp = await generateAgeKeyPair();
    // WHEN the data key is wrapped
    const enc = await wrapDataKey(DATA_KEY, kp.recipient);
    // THEN it is an armored age file
    const lines = enc.split('\n');
    expect(lines[0]).toBe('-----BEGIN AGE ENCRYPTED FILE-----');
    expect(enc.endsWith('-----END AGE ENCRYPTED FILE-----\n')).toBe(true);
    expect(lines.slice(1, -3).every((l) => l.length === 64)).toBe(true);
  });

  it('supports hybrid post-quantum recipients', async () => {
    // GIVEN a post-quantum key pair
    const kp = await generateAgeKeyPair({ postQuantum: true });
    // WHEN the data key is wrapped and unwrapped
    const enc = await wrapDataKey(DATA_KEY, kp.recipient);
    const { dataKey } = await unwrapDataKey([{ recipient: kp.recipient, enc }], [kp.identity]);
    // THEN it round-trips
    expect(kp.identity.startsWith('AGE-SECRET-KEY-PQ-1')).toBe(true);
    expect(kp.recipient.startsWith('age1pq1')).toBe(true);
    expect(dataKey.equals(DATA_KEY)).toBe(true);
  });

  it('opens whichever stanza the identity matches', async () => {
    // GIVEN two recipients and only the second identity
    const a = await generateAgeKeyPair();
    const b = await generateAgeKeyPair();
    const stanzas = [
      { recipient: a.recipient, enc: await wrapDataKey(DATA_KEY, a.recipient) },
      { recipient: b.recipient, enc: await wrapDataKey(DATA_KEY, b.recipient) },
    ];
    // WHEN unwrapped
    const got = await unwrapDataKey(stanzas, [b.identity]);
    // THEN the second stanza is used
    expect(got.recipient).toBe(b.recipient);
    expect(got.dataKey.equals(DATA_KEY)).toBe(true);
  });

  it('fails with a wrong identity, naming both recipient sets', async () => {
    // GIVEN a stanza for A and the identity of B
    const a = await generateAgeKeyPair();
    const b = await generateAgeKeyPair();
    const enc = await wrapDataKey(DATA_KEY, a.recipient);
    // WHEN unwrapping
    // THEN it fails and says which recipients were tried
    await expect(unwrapDataKey([{ recipient: a.recipient, enc }], [b.identity], 'x.yaml')).rejects.toThrow(
      `x.yaml: none of the identities can decrypt the data key (wrong identity?). File recipients: ${a.recipient}; identity recipients: ${b.recipient}`,
    );
  });

  it('fails without identities or stanzas, and on a wrapped key of the wrong size', async () => {
    // GIVEN missing inputs or a 16-byte "data key"
    const kp = await generateAgeKeyPair();
    const short = await wrapDataKey(Buffer.alloc(16), kp.recipient);
    // WHEN unwrapping
    // THEN each fails with guidance
    await expect(unwrapDataKey([{ recipient: kp.recipient, enc: short }], [], 'x.yaml')).rejects.toThrow(
      'x.yaml: no age identity available; pass --identity <file>, or set SOPS_AGE_KEY_FILE / SOPS_AGE_KEY',
    );
    await expect(unwrapDataKey([], [kp.identity], 'x.yaml')).rejects.toThrow('x.yaml: sops.age lists no recipients');
    await expect(unwrapDataKey([{ recipient: kp.recipient, enc: short }], [kp.identity], 'x.yaml')).rejects.toThrow('is 16 bytes, expected 32');
  });
});

describe('recipients and identities', () => {
  it('validates recipients', async () => {
    // GIVEN valid and invalid recipients
    const kp = await generateAgeKeyPair();
    // WHEN validated
    // THEN valid ones pass and invalid ones fail with the fix
    await expect(validateRecipients([kp.recipient])).resolves.toBeUndefined();
    expect(isAgeRecipient(kp.recipient)).toBe(true);
    await expect(validateRecipients(['age1qqqq'], '--recipient')).rejects.toThrow('--recipient "age1qqqq" is not a valid age recipient');
    await expect(validateRecipients(['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA'])).rejects.toThrow('SSH recipients are not supported');
    await expect(validateRecipients([kp.recipient.toUpperCase()])).rejects.toThrow('is not a valid age recipient');
  });

  it('parses age-keygen files and formats them the same way', async () => {
    // GIVEN a generated identity written like age-keygen
    const kp = await generateAgeKeyPair();
    const text = formatIdentityFile(kp, new Date('2026-01-02T03:04:05Z'));
    // WHEN parsed back
    // THEN comments are skipped and the identity and recipient match
    expect(text).toBe(`# created: 2026-01-02T03:04:05Z\n# public key: ${kp.recipient}\n${kp.identity}\n`);
    expect(parseIdentities(text, 'k.txt')).toEqual([kp.identity]);
    expect(await recipientOf(kp.identity)).toBe(kp.recipient);
    expect(AGE_IDENTITY_PATTERN.test(text)).toBe(true);
  });

  it('fails on files without identities or with foreign lines', async () => {
    // GIVEN broken identity files
    // WHEN parsed
    // THEN the message names the file and never echoes the line
    expect(() => parseIdentities('# only a comment\n', 'k.txt')).toThrow('k.txt: holds no age identity');
    expect(() => parseIdentities('hunter2\n', 'k.txt')).toThrow('k.txt: a line is not an age identity');
    await expect(recipientOf('AGE-SECRET-KEY-1XYZ')).rejects.toThrow('not a valid age identity');
  });

  it('discovers identities like SOPS: --identity alone, else env, env file, init file and keys.txt', async () => {
    // GIVEN identities in every place
    const [a, b, c, d, e] = await Promise.all([1, 2, 3, 4, 5].map(() => generateAgeKeyPair()));
    const write = (name: string, id: string): string => {
      const f = path.join(tmp, name);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, `${id}\n`);
      return f;
    };
    const explicit = write('explicit.txt', a.identity);
    const envFile = write('env.txt', b.identity);
    const initFile = write('.age/age.agekey', c.identity);
    write('xdg/sops/age/keys.txt', d.identity);
    const env = { SOPS_AGE_KEY: e.identity, SOPS_AGE_KEY_FILE: envFile, XDG_CONFIG_HOME: path.join(tmp, 'xdg') };
    // WHEN discovered with and without --identity
    const onlyExplicit = discoverIdentities({ files: [explicit], env, defaultFile: initFile });
    const all = discoverIdentities({ env, defaultFile: initFile });
    const none = discoverIdentities({ env: {}, homeDir: tmp });
    // THEN --identity wins alone; otherwise every source is used, in SOPS order
    expect(onlyExplicit.identities).toEqual([a.identity]);
    expect(all.identities).toEqual([e.identity, b.identity, c.identity, d.identity]);
    expect(all.sources[0]).toBe('SOPS_AGE_KEY');
    expect(none.identities).toEqual([]);
  });

  it('fails when --identity or SOPS_AGE_KEY_FILE names a missing file', () => {
    // GIVEN missing files
    // WHEN discovered
    // THEN the option is named
    expect(() => discoverIdentities({ files: [path.join(tmp, 'nope')] })).toThrow(/--identity .*nope: cannot read \(ENOENT\)/);
    expect(() => discoverIdentities({ env: { SOPS_AGE_KEY_FILE: path.join(tmp, 'nope') } })).toThrow(/SOPS_AGE_KEY_FILE=.*nope: file not found/);
  });
});
