import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

const FOLDER = Symbol.for('mgmt-synth.Folder');
const TREE_FILE = Symbol.for('mgmt-synth.TreeFile');

/** A repository-relative POSIX path: no leading `/` or `./`, no `..`, no empty segments. */
export function assertRepoPath(prop: string, value: string): void {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(value) || value.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error(
      `${prop}: "${value}" is not a repository-relative folder path (use letters, digits, '.', '_', '-' and '/', e.g. "kommander/root-ca")`,
    );
  }
}

/** Props of `Folder`. */
export interface FolderProps {
  /** Repository-relative path of the folder, e.g. `kommander/root-ca`. */
  readonly path: string;
  /**
   * Write a `kustomization.yaml` listing the folder's files.
   * @default true
   */
  readonly kustomization?: boolean;
}

/**
 * A folder of the output tree. Every API object whose nearest Chart is this folder is written
 * into it, one object per file, together with a `kustomization.yaml` that lists the files.
 *
 * A Folder is a cdk8s Chart without a namespace (cluster-scoped objects must not get one) and
 * without name hashes (every object sets `metadata.name` explicitly).
 */
export class Folder extends Chart {
  /** The nearest enclosing Folder, if any. */
  public static find(c: IConstruct): Folder | undefined {
    for (let node: IConstruct | undefined = c; node; node = node.node.scope) {
      if (Folder.isFolder(node)) return node;
    }
    return undefined;
  }

  public static isFolder(x: unknown): x is Folder {
    return typeof x === 'object' && x !== null && FOLDER in x;
  }

  /** Repository-relative path of the folder. */
  public readonly path: string;
  /** Whether a `kustomization.yaml` is generated. */
  public readonly kustomization: boolean;
  private readonly extraResources: string[] = [];

  constructor(scope: Construct, id: string, props: FolderProps) {
    super(scope, id, { disableResourceNameHashes: true });
    assertRepoPath('path', props.path);
    Object.defineProperty(this, FOLDER, { value: true });
    this.path = props.path;
    this.kustomization = props.kustomization ?? true;
  }

  /**
   * Lists a file that is not an API object of this folder (e.g. a copied SOPS file) in the
   * folder's `kustomization.yaml`.
   */
  public addResource(fileName: string): void {
    if (this.extraResources.includes(fileName)) {
      throw new Error(`folder ${this.path}: resource "${fileName}" is listed twice (each file is listed once)`);
    }
    this.extraResources.push(fileName);
  }

  /** Extra resources listed in the kustomization (a copy). */
  public get resources(): string[] {
    return [...this.extraResources];
  }

  /** The API objects that belong to this folder (not to a nested folder), in construct order. */
  public get objects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === this);
  }
}

/** Props of `TreeFile`. */
export interface TreeFileProps {
  /** Repository-relative path of the file, e.g. `.sops.yaml`. */
  readonly path: string;
  /** Exact bytes of the file. */
  readonly content: string | Buffer;
}

/** A file written verbatim into the output tree (docs, copied trees, encrypted Secrets). */
export class TreeFile extends Construct {
  public static isTreeFile(x: unknown): x is TreeFile {
    return typeof x === 'object' && x !== null && TREE_FILE in x;
  }

  public readonly path: string;
  public readonly content: string | Buffer;

  constructor(scope: Construct, id: string, props: TreeFileProps) {
    super(scope, id);
    assertRepoPath('path', props.path);
    Object.defineProperty(this, TREE_FILE, { value: true });
    this.path = props.path;
    this.content = props.content;
  }
}
