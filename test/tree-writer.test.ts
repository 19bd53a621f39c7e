import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JOURNAL_FILE, LOCK_FILE, MANIFEST_FILE, NODE_WRITER_FS, recoverTree, writeTree, WriterFs } from '../lib/tree/writer';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'writer-'));
}

describe('writeTree', () => {
  test('writes files and a manifest of what it wrote', () => {
    // GIVEN
    const dir = tmp();
    // WHEN
    const r = writeTree([{ path: 'a/x.yaml', content: 'x: 1\n' }, { path: 'b.md', content: 'b' }], dir);
    // THEN
    expect(r).toStrictEqual({ written: 2, unchanged: 0, removed: [] });
    expect(fs.readFileSync(path.join(dir, 'a/x.yaml'), 'utf8')).toBe('x: 1\n');
    expect(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')).toContain('a/x.yaml\nb.md\n');
  });

  test('removes files it wrote before and no longer renders, and the folders they leave empty', () => {
    const dir = tmp();
    writeTree([{ path: 'old/x.yaml', content: '1' }, { path: 'keep.yaml', content: '1' }], dir);
    const r = writeTree([{ path: 'keep.yaml', content: '1' }], dir);
    expect(r).toStrictEqual({ written: 0, unchanged: 1, removed: ['old/x.yaml'] });
    expect(fs.existsSync(path.join(dir, 'old'))).toBe(false);
  });

  test('never deletes a file it did not write', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'mine.txt'), 'user file');
    writeTree([{ path: 'a.yaml', content: '1' }], dir);
    writeTree([], dir);
    expect(fs.readFileSync(path.join(dir, 'mine.txt'), 'utf8')).toBe('user file');
    expect(fs.existsSync(path.join(dir, 'a.yaml'))).toBe(false);
  });

  test('fails to overwrite a file it did not write, and changes nothing', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'hand-written');
    expect(() => writeTree([{ path: 'a.yaml', content: 'generated' }, { path: 'b.yaml', content: 'b' }], dir)).toThrow(
      'refusing to overwrite 1 file(s)',
    );
    expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('hand-written');
    expect(fs.existsSync(path.join(dir, 'b.yaml'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Crash injection: the writer's fs layer fails at call k (a crash: every later call fails too, as
// in a dead process; or a full disk: only writes fail). The folder must then hold the old tree or
// the new one once recovered, and the next write must complete.
// ---------------------------------------------------------------------------------------------

const MUTATING = ['mkdirSync', 'writeFileSync', 'createExclusiveSync', 'renameSync', 'unlinkSync', 'rmdirSync'] as const;

/** Every file under dir (relative path -> content), links and folders included as markers. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.set(`${r}/`, '<dir>');
        visit(r);
      } else if (e.isSymbolicLink()) out.set(r, `<link ${fs.readlinkSync(path.join(dir, r))}>`);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  visit('');
  return out;
}

const OLD = [
  { path: 'a/keep.yaml', content: 'keep' },
  { path: 'a/change.yaml', content: 'old' },
  { path: 'gone/deep/x.yaml', content: 'gone' },
  { path: 'top.md', content: 'old top' },
  { path: 'swap/x.yaml', content: 'a folder that becomes a file' },
  { path: 'flip', content: 'a file that becomes a folder' },
];
const NEW = [
  { path: 'a/keep.yaml', content: 'keep' },
  { path: 'a/change.yaml', content: 'new' },
  { path: 'b/new/y.yaml', content: 'added' },
  { path: 'top.md', content: 'new top' },
  { path: 'swap', content: 'now a file' },
  { path: 'flip/y.yaml', content: 'now in a folder' },
];

/** Wraps the real fs layer; `fail(name, n)` decides whether the n-th mutating call fails (and how). */
function faultyFs(fail: (name: string, n: number) => 'crash' | 'enospc' | undefined): WriterFs & { calls: number } {
  let dead = false;
  const layer: any = { calls: 0 };
  for (const [name, fn] of Object.entries(NODE_WRITER_FS)) {
    layer[name] = (...args: unknown[]) => {
      if (dead) throw Object.assign(new Error('process is dead'), { code: 'EDEAD' });
      if ((MUTATING as readonly string[]).includes(name)) {
        const how = fail(name, layer.calls++);
        if (how === 'crash') {
          dead = true;
          throw Object.assign(new Error('killed'), { code: 'EKILLED' });
        }
        if (how === 'enospc' && name === 'writeFileSync') throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC', path: args[0] });
      }
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return layer;
}

describe('writeTree under crash injection', () => {
  const oldDir = tmp();
  writeTree(OLD, oldDir);
  const oldTree = snapshot(oldDir);
  const newDir = tmp();
  writeTree(NEW, newDir);
  const newTree = snapshot(newDir);
  // How many mutating calls one write of NEW over OLD makes.
  const probeDir = tmp();
  writeTree(OLD, probeDir);
  const probe = faultyFs(() => undefined);
  writeTree(NEW, probeDir, { fs: probe });
  const total = probe.calls;

  test('a write of NEW over OLD makes a known number of mutating calls', () => {
    expect(snapshot(probeDir)).toStrictEqual(newTree);
    expect(total).toBeGreaterThanOrEqual(10);
  });

  test.each(Array.from({ length: total }, (_, k) => k))('a crash at mutating call %i leaves the old or the new tree, and the next synth completes', (k) => {
    // GIVEN the old tree
    const dir = tmp();
    writeTree(OLD, dir);
    // WHEN the write of the new tree dies at call k (the last call releases the lock: the tree is
    // complete by then, and the writer does not fail for a lock it cannot remove)
    const crash = () => writeTree(NEW, dir, { fs: faultyFs((_, n) => (n === k ? 'crash' : undefined)) });
    if (k === total - 1) crash();
    else expect(crash).toThrow();
    // THEN recovery gives exactly the old tree or exactly the new one
    recoverTree(dir);
    const after = snapshot(dir);
    expect([oldTree, newTree].some((t) => JSON.stringify([...t]) === JSON.stringify([...after]))).toBe(true);
    // AND the next synth writes the new tree
    writeTree(NEW, dir);
    expect(snapshot(dir)).toStrictEqual(newTree);
  });

  test.each(Array.from({ length: total }, (_, k) => k))('a crash at call %i, then a crash during recovery, still recovers', (k) => {
    const dir = tmp();
    writeTree(OLD, dir);
    const crash = () => writeTree(NEW, dir, { fs: faultyFs((_, n) => (n === k ? 'crash' : undefined)) });
    if (k === total - 1) crash();
    else expect(crash).toThrow();
    // the recovery itself dies at its first mutating call (if it makes any)
    try {
      recoverTree(dir, { fs: faultyFs((_, n) => (n === 0 ? 'crash' : undefined)) });
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('EKILLED');
    }
    writeTree(NEW, dir);
    expect(snapshot(dir)).toStrictEqual(newTree);
  });

  test.each(Array.from({ length: 5 }, (_, k) => k))('a full disk at file write %i leaves exactly the old tree (no staging left) and a later synth completes', (k) => {
    const dir = tmp();
    writeTree(OLD, dir);
    let writes = 0;
    const full = faultyFs((name) => (name === 'writeFileSync' && writes++ === k ? 'enospc' : undefined));
    expect(() => writeTree(NEW, dir, { fs: full })).toThrow(/ENOSPC.*free space or fix permissions, then synthesize again/);
    expect(snapshot(dir)).toStrictEqual(oldTree);
    writeTree(NEW, dir);
    expect(snapshot(dir)).toStrictEqual(newTree);
  });
});

describe('writeTree confinement', () => {
  test('keeps the mtime of unchanged files and rewrites nothing on an identical synth', () => {
    const dir = tmp();
    writeTree(NEW, dir);
    const probe = faultyFs(() => undefined);
    expect(writeTree(NEW, dir, { fs: probe })).toStrictEqual({ written: 0, unchanged: 6, removed: [] });
    expect(probe.calls).toBe(0);
  });

  test('fails on a rendered file that is also the folder of another one, before changing anything', () => {
    const dir = tmp();
    expect(() => writeTree([{ path: 'a', content: '1' }, { path: 'a/b', content: '2' }], dir)).toThrow('rendered file a is also a folder of another rendered file (a/b); rename one of them');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('fails to replace a folder that holds a file it did not write', () => {
    const dir = tmp();
    writeTree([{ path: 'x/a.yaml', content: '1' }], dir);
    fs.writeFileSync(path.join(dir, 'x', 'mine.txt'), 'user file');
    expect(() => writeTree([{ path: 'x', content: 'file now' }], dir)).toThrow('(x) is not a regular file (move it away, then synthesize again)');
    expect(fs.readFileSync(path.join(dir, 'x', 'mine.txt'), 'utf8')).toBe('user file');
  });

  test('fails on a pending journal that is incomplete, naming it', () => {
    const dir = tmp();
    writeTree(NEW, dir);
    fs.writeFileSync(path.join(dir, JOURNAL_FILE), 'garbage\n');
    expect(() => writeTree(NEW, dir)).toThrow(`${fs.realpathSync(dir)}/${JOURNAL_FILE} is not a complete synth journal (delete it, then synthesize again)`);
  });
});

describe('writeTree lock', () => {
  test('fails while another live synth holds the lock, changing nothing', () => {
    const dir = tmp();
    writeTree(OLD, dir);
    const before = snapshot(dir);
    // pid 1 is alive in every container and is not this process
    fs.writeFileSync(path.join(dir, LOCK_FILE), `pid 1 ${os.hostname()}\n`);
    expect(() => writeTree(NEW, dir)).toThrow(`another synth (pid 1 on ${os.hostname()}) is writing into ${fs.realpathSync(dir)}; wait for it to finish (if none is running, delete ${fs.realpathSync(dir)}/${LOCK_FILE})`);
    fs.rmSync(path.join(dir, LOCK_FILE));
    expect(snapshot(dir)).toStrictEqual(before);
  });

  test('takes over the lock of a synth that died, and leaves no lock behind', () => {
    const dir = tmp();
    writeTree(OLD, dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    fs.writeFileSync(path.join(dir, LOCK_FILE), `pid ${dead} ${os.hostname()}\n`);
    writeTree(NEW, dir);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'a/change.yaml'), 'utf8')).toBe('new');
  });

  test('an unchanged tree is not touched: no lock, no write (a read-only checkout of an up-to-date tree synthesizes)', () => {
    const dir = tmp();
    writeTree(NEW, dir);
    const probe = faultyFs(() => 'crash');
    expect(writeTree(NEW, dir, { fs: probe })).toStrictEqual({ written: 0, unchanged: NEW.length, removed: [] });
  });
});
