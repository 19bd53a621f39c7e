/**
 * `npm run -s secrets -- <verb> …`: SOPS + age secrets for the management repository.
 *
 * Verbs: encrypt, decrypt, init, set, rotate (see USAGE). Values are never printed, except by
 * `decrypt`, whose job it is. Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  addConfigRecipient,
  discoverIdentities,
  encryptDocument,
  formatIdentityFile,
  generateAgeKeyPair,
  generateSecretValue,
  listSecretFiles,
  newSecretDocument,
  openSopsFile,
  parseAssignment,
  parseGenerate,
  parseIdentities,
  parseSecretRef,
  parseSingleDocument,
  RandomBytes,
  readSopsSettings,
  recipientOf,
  reencrypt,
  resolveConfigPath,
  rotateFile,
  secretFilePath,
  secretKeys,
  SecretValue,
  setSecretValues,
  SopsError,
  SopsSettings,
  stringifyDocument,
  validateRecipients,
  validateSecretDocument,
} from '../lib/sops';
import { FLUX_NAMESPACE, KOMMANDER_NAMESPACE } from '../lib/config/defaults';

export const USAGE = `Usage: npm run -s secrets -- <verb> [options]

Verbs:
  encrypt [--recipient age1…]…
      Encrypt the Kubernetes manifest on stdin like \`sops -e\` (data and stringData) and print it.
      Without --recipient, encrypts to the config's sops.ageRecipients.
  decrypt [--identity <file>]… [<file>]
      Print the plaintext of a SOPS file (or stdin), after verifying every value and the MAC.
  init [--pq] [--namespace <ns>]…
      Generate an age identity into .age/age.agekey (git-ignored, mode 0600), add its recipient to
      sops.ageRecipients in the config, and print the kubectl commands that give it to Flux
      (default namespaces: kommander-flux and kommander).
  set <namespace>/<name> [key=value]… [--from-file key=path]… [--generate key[:length]]…
      Create or update secrets/<namespace>/<name>.sops.yaml, encrypted to the config's recipients.
      Updating an existing file needs an identity that opens it; unchanged values keep their
      exact ciphertext.
  rotate [--identity <file>]… [--new-data-key]
      Re-wrap every file under secrets/ to the config's recipients (updatekeys). A removed
      recipient (or --new-data-key) forces a new data key.

Options:
  --config <file>     platform config (default: $PLATFORM_CONFIG, else ./platform.yaml)
  --identity <file>   age identity file (default: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, .age/age.agekey,
                      ~/.config/sops/age/keys.txt)
  -h, --help          show this text

Exit codes:
  0  success
  1  failure (the message names the file and the fix)
  2  usage error
`;

/** What the CLI reads and writes; injectable for tests. */
export interface CliIo {
  /** Reads all of stdin. */
  readonly readStdin: () => string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** @default process.env */
  readonly env: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  readonly cwd: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default crypto.randomBytes */
  readonly randomBytes?: RandomBytes;
}

class UsageError extends Error {}

interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Map<string, string[]>;
  readonly flags: Set<string>;
}

const VALUE_OPTIONS: Record<string, readonly string[]> = {
  encrypt: ['--recipient', '--config'],
  decrypt: ['--identity', '--config'],
  init: ['--namespace', '--config'],
  set: ['--from-file', '--generate', '--identity', '--config'],
  rotate: ['--identity', '--config'],
};
const FLAG_OPTIONS: Record<string, readonly string[]> = {
  encrypt: [],
  decrypt: [],
  init: ['--pq'],
  set: [],
  rotate: ['--new-data-key'],
};

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '-h' || verb === '--help' || verb === 'help') {
    (verb === undefined ? io.stderr : io.stdout)(USAGE);
    return verb === undefined ? 2 : 0;
  }
  try {
    if (!(verb in VALUE_OPTIONS)) throw new UsageError(`unknown verb "${verb}"`);
    const args = parseArgs(rest, VALUE_OPTIONS[verb], FLAG_OPTIONS[verb]);
    if (args.flags.has('--help')) {
      io.stdout(USAGE);
      return 0;
    }
    switch (verb) {
      case 'encrypt':
        return await encryptCommand(args, io);
      case 'decrypt':
        return await decryptCommand(args, io);
      case 'init':
        return await initCommand(args, io);
      case 'set':
        return await setCommand(args, io);
      default:
        return await rotateCommand(args, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

function parseArgs(argv: readonly string[], valueOptions: readonly string[], flagOptions: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      flags.add('--help');
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (flagOptions.includes(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flags.add(name);
    } else if (valueOptions.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
      options.set(name, [...(options.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  return { positionals, options, flags };
}

function single(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  if (v && v.length > 1) throw new UsageError(`${name} may be given once`);
  return v?.[0];
}

function settingsFor(args: ParsedArgs, io: CliIo): SopsSettings {
  return readSopsSettings(resolveConfigPath({ config: single(args, '--config'), env: io.env, cwd: io.cwd }));
}

function display(io: CliIo, file: string): string {
  const rel = path.relative(io.cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function identitiesFor(args: ParsedArgs, io: CliIo, settings?: SopsSettings): readonly string[] {
  const files = (args.options.get('--identity') ?? []).map((f) => path.resolve(io.cwd, f));
  return discoverIdentities({ files, env: io.env, defaultFile: settings?.identityFile }).identities;
}

async function encryptCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('encrypt reads the manifest from stdin; it takes no file argument');
  let recipients = args.options.get('--recipient') ?? [];
  if (recipients.length === 0) {
    const configPath = resolveConfigPath({ config: single(args, '--config'), env: io.env, cwd: io.cwd });
    if (!fs.existsSync(configPath)) throw new UsageError(`no --recipient given and no config at ${configPath}`);
    recipients = [...readSopsSettings(configPath).recipients];
    if (recipients.length === 0) throw new UsageError(`no --recipient given and ${configPath} lists no sops.ageRecipients`);
  }
  await validateRecipients(recipients, '--recipient');
  const doc = parseSingleDocument(io.readStdin(), 'stdin');
  if (doc.has('sops')) throw new SopsError('stdin: already has a top-level "sops" key (already encrypted?)');
  validateSecretDocument(doc, 'stdin');
  io.stdout(
    await encryptDocument(doc, {
      recipients,
      file: 'stdin',
      now: io.now,
      randomBytes: io.randomBytes,
      warn: (m) => io.stderr(`warning: ${m}\n`),
    }),
  );
  return 0;
}

async function decryptCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 1) throw new UsageError('decrypt takes at most one file');
  const configPath = resolveConfigPath({ config: single(args, '--config'), env: io.env, cwd: io.cwd });
  const settings = fs.existsSync(configPath) ? readSopsSettings(configPath) : undefined;
  const file = args.positionals[0];
  const text = file ? readFile(path.resolve(io.cwd, file)) : io.readStdin();
  const opened = await openSopsFile(text, identitiesFor(args, io, settings), file ?? 'stdin');
  io.stdout(stringifyDocument(opened.document));
  return 0;
}

async function initCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('init takes no arguments');
  const settings = settingsFor(args, io);
  const idFile = settings.identityFile;
  let recipient: string;
  if (fs.existsSync(idFile)) {
    const ids = parseIdentities(readFile(idFile), display(io, idFile));
    recipient = await recipientOf(ids[0]);
    io.stderr(`keeping the existing identity ${display(io, idFile)}\n`);
  } else {
    const dir = path.dirname(idFile);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The directory ignores itself, whatever the repository's .gitignore says.
    const ignore = path.join(dir, '.gitignore');
    if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n');
    if (gitTracksPath(idFile, settings.baseDir)) {
      throw new SopsError(`${display(io, idFile)} would not be git-ignored; add ${path.relative(settings.baseDir, dir)}/ to .gitignore first`);
    }
    const pair = await generateAgeKeyPair({ postQuantum: args.flags.has('--pq') });
    fs.writeFileSync(idFile, formatIdentityFile(pair, (io.now ?? (() => new Date()))()), { mode: 0o600, flag: 'wx' });
    fs.chmodSync(idFile, 0o600);
    recipient = pair.recipient;
    io.stderr(`generated ${args.flags.has('--pq') ? 'a post-quantum (age1pq1…, needs Flux kustomize-controller >= v1.9.0)' : 'an X25519'} age identity in ${display(io, idFile)} (mode 0600, git-ignored)\n`);
  }
  const added = addConfigRecipient(settings.configPath, recipient);
  io.stderr(
    added
      ? `added ${recipient} to sops.ageRecipients in ${display(io, settings.configPath)}\n`
      : `${display(io, settings.configPath)} already lists ${recipient}\n`,
  );
  if (added && listSecretFiles(settings.secretsDir).length > 0) {
    io.stderr('existing files under secrets/ are not encrypted to it yet: run npm run -s secrets -- rotate\n');
  }
  // Flux resolves `decryption.secretRef` in each Kustomization's namespace; Kommander reads it in `kommander`.
  const namespaces = args.options.get('--namespace') ?? [FLUX_NAMESPACE, KOMMANDER_NAMESPACE];
  const lines = [
    `# recipient: ${recipient}`,
    `# Give Flux the identity out of band (never commit it), in every namespace whose Kustomizations decrypt:`,
    ...namespaces.map(
      (ns) => `kubectl create secret generic ${settings.secretName} --namespace ${ns} --from-file=${settings.secretKey}=${display(io, idFile)}`,
    ),
    `# Back up ${display(io, idFile)} (password manager or vault): without it nobody can change the committed secrets.`,
  ];
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

async function setCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const [refText, ...assignments] = args.positionals;
  if (refText === undefined) throw new UsageError('set needs <namespace>/<name>');
  const ref = parseSecretRef(refText);
  const random = io.randomBytes ?? crypto.randomBytes;
  const values = new Map<string, SecretValue>();
  const generated: string[] = [];
  const put = (key: string, value: SecretValue): void => {
    if (values.has(key)) throw new UsageError(`key "${key}" is given twice`);
    values.set(key, value);
  };
  for (const a of assignments) {
    const { key, value } = parseAssignment(a);
    put(key, value);
  }
  for (const spec of args.options.get('--from-file') ?? []) {
    const eq = spec.indexOf('=');
    const key = eq > 0 ? spec.slice(0, eq) : path.basename(spec);
    const file = path.resolve(io.cwd, eq > 0 ? spec.slice(eq + 1) : spec);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      throw new SopsError(`--from-file ${spec}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    put(parseAssignment(`${key}=x`, '--from-file key=path').key, bytes);
  }
  for (const spec of args.options.get('--generate') ?? []) {
    const { key, length } = parseGenerate(spec);
    put(key, generateSecretValue(length, random));
    generated.push(key);
  }
  if (values.size === 0) throw new UsageError('set needs at least one key=value, --from-file or --generate');

  const settings = settingsFor(args, io);
  if (settings.recipients.length === 0) {
    throw new SopsError(`${display(io, settings.configPath)} lists no sops.ageRecipients; run: npm run -s secrets -- init`);
  }
  await validateRecipients(settings.recipients, `${display(io, settings.configPath)}: sops.ageRecipients`);
  const file = secretFilePath(settings.secretsDir, ref);
  const shown = display(io, file);
  const common = { recipients: settings.recipients, now: io.now, randomBytes: io.randomBytes };

  if (!fs.existsSync(file)) {
    const doc = setSecretValues(newSecretDocument(ref), values);
    validateSecretDocument(doc, shown);
    const text = await encryptDocument(doc, { ...common, file: shown });
    writeAtomic(file, text);
    io.stderr(`${shown}: created with keys ${[...values.keys()].join(', ')}${generatedNote(generated)}\n`);
    return 0;
  }

  const source = readFile(file);
  const identities = identitiesFor(args, io, settings);
  if (identities.length === 0) {
    throw new SopsError(
      `${shown} exists; updating it needs an age identity that opens it (to keep the other values): pass --identity <file> or set SOPS_AGE_KEY_FILE`,
    );
  }
  const opened = await openSopsFile(source, identities, shown);
  const meta = opened.document.get('metadata', true) as { get?: (k: string) => unknown } | undefined;
  const fileNs = meta?.get?.('namespace');
  const fileName = meta?.get?.('name');
  if (opened.document.get('kind') !== 'Secret' || fileNs !== ref.namespace || fileName !== ref.name) {
    throw new SopsError(`${shown} holds ${String(opened.document.get('kind'))} ${String(fileNs)}/${String(fileName)}, not Secret ${ref.namespace}/${ref.name}; fix or move the file`);
  }
  const before = new Map(secretKeys(opened.document).map(({ key, map }) => [key, String((opened.document.getIn([map, key]) as unknown) ?? '')]));
  const doc = setSecretValues(opened.document, values);
  validateSecretDocument(doc, shown);
  const result = await reencrypt(opened, doc, common);
  if (result.text !== source) writeAtomic(file, result.text);
  const changed = [...values.keys()].filter((k) => {
    const v = values.get(k)!;
    return !before.has(k) || before.get(k) !== (typeof v === 'string' ? v : v.toString('utf8'));
  });
  const notes: string[] = [];
  if (result.action === 'unchanged') notes.push('unchanged (same values and recipients)');
  else {
    notes.push(changed.length > 0 ? `changed ${changed.join(', ')}` : 'values unchanged');
    if (result.added.length > 0) notes.push(`now also encrypted to ${result.added.join(', ')}`);
    if (result.action === 'rotated') notes.push(`new data key (recipients removed: ${result.removed.join(', ')})`);
  }
  io.stderr(`${shown}: ${notes.join('; ')}${generatedNote(generated)}\n`);
  return 0;
}

async function rotateCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('rotate takes no arguments; it processes every file under secrets/');
  const settings = settingsFor(args, io);
  if (settings.recipients.length === 0) {
    throw new SopsError(`${display(io, settings.configPath)} lists no sops.ageRecipients; add them (or run init) first`);
  }
  await validateRecipients(settings.recipients, `${display(io, settings.configPath)}: sops.ageRecipients`);
  const files = listSecretFiles(settings.secretsDir);
  if (files.length === 0) {
    io.stderr(`no files under ${display(io, settings.secretsDir)}; nothing to rotate\n`);
    return 0;
  }
  const identities = identitiesFor(args, io, settings);
  let failures = 0;
  for (const file of files) {
    const shown = display(io, file);
    try {
      const source = readFile(file);
      const result = await rotateFile(
        source,
        identities,
        { recipients: settings.recipients, now: io.now, randomBytes: io.randomBytes, rotateDataKey: args.flags.has('--new-data-key') },
        shown,
      );
      if (result.text !== source) writeAtomic(file, result.text);
      const what =
        result.action === 'unchanged'
          ? 'unchanged'
          : result.action === 'rewrapped'
            ? `data key also wrapped to ${result.added.join(', ')} (values, mac untouched)`
            : `new data key${result.removed.length > 0 ? ` (removed: ${result.removed.join(', ')})` : ''}${result.added.length > 0 ? ` (added: ${result.added.join(', ')})` : ''}`;
      io.stderr(`${shown}: ${what}\n`);
    } catch (err) {
      failures += 1;
      io.stderr(`error: ${(err as Error).message}\n`);
    }
  }
  if (failures > 0) {
    io.stderr(`${failures} of ${files.length} file(s) could not be rotated; pass an --identity that opens them\n`);
    return 1;
  }
  return 0;
}

function generatedNote(keys: readonly string[]): string {
  return keys.length > 0 ? ` (generated, stored only encrypted: ${keys.join(', ')})` : '';
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SopsError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** True only when Git positively says it would track `file` (false when git is missing or not a repo). */
function gitTracksPath(file: string, cwd: string): boolean {
  const r = spawnSync('git', ['check-ignore', '-q', file], { cwd, stdio: 'ignore' });
  return r.status === 1;
}

function processIo(): CliIo {
  return {
    readStdin: () => {
      if (process.stdin.isTTY) throw new UsageError('pipe the input into stdin (… < file.yaml)');
      return fs.readFileSync(0, 'utf8');
    },
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
  };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
