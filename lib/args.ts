/**
 * The one argument parser of every command (`synth`, `check`, `diff`, `plan`, `secrets`, `bench`):
 * the same `--config` and `--output` flags, `--help` with the usage and the exit codes, and the
 * same usage errors (exit 2).
 */

/** A flag: `--name <value>` / `--name=<value>` (or a boolean `--name` when `value` is absent). */
export interface Flag {
  readonly name: string;
  /** The value's placeholder in the usage (`dir`, `file`, …). @default - a boolean flag */
  readonly value?: string;
  /** One-letter alias (`-o`). @default - none */
  readonly alias?: string;
  /** May be given more than once (and as a comma-separated list). @default false */
  readonly repeatable?: boolean;
  readonly help: string;
}

/** What `--help` prints and the parser accepts. */
export interface CommandSpec {
  /** `npm run -s <name> --` in the usage line. */
  readonly name: string;
  /** One line: what the command does. */
  readonly summary: string;
  readonly flags: readonly Flag[];
  /** A positional argument. @default - none accepted */
  readonly positional?: { readonly name: string; readonly help: string };
  /** Exit code, meaning. */
  readonly exitCodes: readonly (readonly [number, string])[];
  /** Paragraphs after the flags. @default - none */
  readonly details?: string;
}

/** The config file flag, the same for every command. */
export const CONFIG_FLAG: Flag = { name: 'config', value: 'file', alias: 'c', help: 'the platform config (default: $PLATFORM_CONFIG, else platform.yaml)' };

/** The synthesized-tree flag, the same for every command; `help` says what the command does with it. */
export function outputFlag(help: string): Flag {
  return { name: 'output', value: 'dir', alias: 'o', help };
}

/** A usage error: printed with the usage line, exit code 2. */
export class UsageError extends Error {}

/** The parsed command line. */
export class ParsedArgs {
  constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    private readonly flags: ReadonlySet<string>,
    /** Positional arguments, in order. */
    public readonly positionals: readonly string[],
  ) {}

  /** The last value of a value flag. */
  public string(name: string): string | undefined {
    const v = this.values.get(name);
    return v && v.length ? v[v.length - 1] : undefined;
  }

  /** Every value of a repeatable flag (comma-separated lists split). */
  public list(name: string): string[] {
    return (this.values.get(name) ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  }

  /** True when a boolean flag was given. */
  public flag(name: string): boolean {
    return this.flags.has(name);
  }

  /** True when the flag (of either kind) was given. */
  public has(name: string): boolean {
    return this.flags.has(name) || this.values.has(name);
  }

  /** `--config`, else `$PLATFORM_CONFIG`, else `platform.yaml`. */
  public config(env: NodeJS.ProcessEnv = process.env): string {
    return this.string('config') ?? (env.PLATFORM_CONFIG || 'platform.yaml');
  }
}

/** Parses `argv` by `spec`; throws UsageError. `--help` / `-h` is reported as `help: true`. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): { help: boolean; args: ParsedArgs } {
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const byAlias = new Map(spec.flags.filter((f) => f.alias).map((f) => [f.alias!, f]));
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let flag: Flag | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
      flag = byName.get(name);
      if (!flag) throw new UsageError(`unknown flag "${a}"${suggest(name, [...byName.keys()])}`);
    } else if (/^-[A-Za-z]$/.test(a)) {
      flag = byAlias.get(a.slice(1));
      if (!flag) throw new UsageError(`unknown flag "${a}"`);
    }
    if (!flag) {
      if (!spec.positional) throw new UsageError(`unexpected argument "${a}"`);
      if (positionals.length > 0) throw new UsageError(`unexpected second ${spec.positional.name} "${a}"`);
      positionals.push(a);
      continue;
    }
    if (flag.value === undefined) {
      if (inline !== undefined) throw new UsageError(`--${flag.name} takes no value`);
      flags.add(flag.name);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined || v === '' || (inline === undefined && v.startsWith('-') && v.length > 1)) {
      throw new UsageError(`--${flag.name} needs a ${flag.value} (--${flag.name} <${flag.value}>)`);
    }
    if (!flag.repeatable && values.has(flag.name)) throw new UsageError(`--${flag.name} given twice`);
    values.set(flag.name, [...(values.get(flag.name) ?? []), v]);
  }
  return { help, args: new ParsedArgs(values, flags, positionals) };
}

function suggest(name: string, known: readonly string[]): string {
  const close = known.find((k) => k.startsWith(name.slice(0, 3)) || distance(k, name) <= 2);
  return close ? ` (did you mean --${close}?)` : '';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

/** The one-line usage. */
export function usageLine(spec: CommandSpec): string {
  const parts = spec.flags.map((f) => `[--${f.name}${f.value ? ` <${f.value}>` : ''}]`);
  if (spec.positional) parts.unshift(`[<${spec.positional.name}>]`);
  return `usage: npm run -s ${spec.name} -- ${parts.join(' ')}`;
}

/** What `--help` prints. */
export function helpText(spec: CommandSpec): string {
  const rows: [string, string][] = spec.flags.map((f) => [`${f.alias ? `-${f.alias}, ` : '    '}--${f.name}${f.value ? ` <${f.value}>` : ''}`, f.help + (f.repeatable ? ' (repeatable; or a comma-separated list)' : '')]);
  rows.push(['-h, --help', 'print this help and exit 0']);
  if (spec.positional) rows.unshift([`<${spec.positional.name}>`, spec.positional.help]);
  const width = Math.max(...rows.map(([l]) => l.length));
  const out = [`${spec.name}: ${spec.summary}`, '', usageLine(spec), '', ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`)];
  if (spec.details) out.push('', spec.details.trimEnd());
  out.push('', 'Exit codes:', ...spec.exitCodes.map(([c, m]) => `  ${c}  ${m}`));
  return out.join('\n') + '\n';
}

/**
 * Runs a command: `--help` prints the help (exit 0), a usage error prints `error: …` and the
 * usage line (exit 2), otherwise `body` decides the exit code.
 */
export async function runCommand(
  spec: CommandSpec,
  argv: readonly string[],
  body: (args: ParsedArgs) => number | Promise<number>,
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  let parsed: { help: boolean; args: ParsedArgs };
  try {
    parsed = parseArgs(spec, argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`error: ${e.message}\n${usageLine(spec)}\n(npm run -s ${spec.name} -- --help for more)\n`);
    return 2;
  }
  if (parsed.help) {
    io.out(helpText(spec));
    return 0;
  }
  try {
    return await body(parsed.args);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n${usageLine(spec)}\n`);
      return 2;
    }
    throw e;
  }
}
