import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { DEFAULT_LIMITS, formatProblem, InputError, readBoundedFile, yamlValues } from '../yaml-bounds';
import { Stage } from '../flux/stage';
import { TreeFile } from '../tree/folder';

/** A SOPS-encrypted Secret manifest found under `secrets/<namespace>/<name>.sops.yaml`. */
export interface SopsSecretFile {
  /** Path relative to the config directory, e.g. `secrets/kommander/gitea-admin-credentials.sops.yaml`. */
  readonly file: string;
  readonly namespace: string;
  readonly name: string;
  /** Exact bytes: copied through unchanged, since re-serialising would break the MAC. */
  readonly content: Buffer;
}

/** Checks one encrypted file; returns the problems (empty when fine). */
export type SopsFileInspector = (file: string, content: string, recipients: readonly string[]) => { problems: string[] };

function listSops(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listSops(full));
    else if (e.name.endsWith('.yaml') || e.name.endsWith('.yml')) out.push(full);
  }
  return out;
}

/**
 * The encrypted Secrets of a management repository, read once from `<baseDir>/secrets/`.
 * Stages claim the Secrets they apply; what no stage claims goes to a catch-all stage.
 */
export class SecretStore {
  /** Reads and checks every file; throws one error listing every problem. */
  public static load(baseDir: string, recipients: readonly string[], inspect: SopsFileInspector): SecretStore {
    const root = path.join(baseDir, 'secrets');
    const problems: string[] = [];
    const files: SopsSecretFile[] = [];
    for (const full of listSops(root)) {
      const rel = path.relative(baseDir, full).split(path.sep).join('/');
      if (fs.lstatSync(full).isSymbolicLink()) {
        problems.push(`${rel}: is a symbolic link; files under secrets/ are read only as regular files (replace the link with the encrypted file)`);
        continue;
      }
      let content: Buffer;
      let doc: any;
      try {
        // bounded like the config: regular files only (a FIFO must not hang synth), size, aliases, depth
        content = readBoundedFile(full, DEFAULT_LIMITS.maxBytes, 'the secret file');
        doc = yamlValues(content.toString('utf8'), rel)[0];
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        problems.push(...e.problems.map((p) => formatProblem({ ...p, file: rel })));
        continue;
      }
      const text = content.toString('utf8');
      for (const p of inspect(rel, text, recipients).problems) problems.push(p.startsWith(rel) ? p : `${rel}: ${p}`);
      const parts = path.relative(root, full).split(path.sep);
      const ns = doc?.metadata?.namespace;
      const name = doc?.metadata?.name;
      if (doc?.kind !== 'Secret' || !name || !ns) {
        problems.push(`${rel}: must be a Secret manifest with metadata.name and metadata.namespace`);
        continue;
      }
      if (parts.length !== 2 || parts[0] !== ns || !/^(.*)\.sops\.ya?ml$/.test(parts[1]) || parts[1].replace(/\.sops\.ya?ml$/, '') !== name) {
        problems.push(`${rel}: must be stored as secrets/${ns}/${name}.sops.yaml (namespace/name of the Secret inside)`);
        continue;
      }
      files.push({ file: rel, namespace: ns, name, content });
    }
    if (problems.length) {
      throw new Error(`refusing to synthesize: ${problems.length} problem(s) with files under secrets/:\n` + problems.map((p) => `  ${p}`).join('\n'));
    }
    return new SecretStore(files);
  }

  private readonly claimed = new Set<SopsSecretFile>();

  constructor(private readonly files: readonly SopsSecretFile[]) {}

  /** The file for Secret `namespace/name`, if present (and marks it as claimed). */
  public claim(namespace: string, name: string): SopsSecretFile | undefined {
    const f = this.files.find((x) => x.namespace === namespace && x.name === name);
    if (f) this.claimed.add(f);
    return f;
  }

  /** Files no stage has claimed yet, in path order (and marks them as claimed). */
  public claimRemaining(): SopsSecretFile[] {
    const rest = this.files.filter((f) => !this.claimed.has(f));
    rest.forEach((f) => this.claimed.add(f));
    return rest;
  }

  public get all(): readonly SopsSecretFile[] {
    return this.files;
  }
}

/** Props of `SopsSecret`. */
export interface SopsSecretProps {
  readonly secret: SopsSecretFile;
  /** The stage that applies it: it gets SOPS decryption with this Secret. */
  readonly stage: Stage;
  /** Name of the age identity Secret in the stage's namespace. */
  readonly decryptionSecret: string;
}

/**
 * Copies an encrypted Secret byte for byte into a stage folder, lists it in the folder's
 * kustomization.yaml and turns on the stage's SOPS decryption.
 */
export class SopsSecret extends Construct {
  public readonly fileName: string;

  constructor(scope: Construct, id: string, props: SopsSecretProps) {
    super(scope, id);
    this.fileName = `secret-${props.secret.namespace}-${props.secret.name}.sops.yaml`;
    new TreeFile(this, 'File', { path: `${props.stage.folder.path}/${this.fileName}`, content: props.secret.content });
    props.stage.folder.addResource(this.fileName);
    props.stage.enableDecryption(props.decryptionSecret);
  }
}
