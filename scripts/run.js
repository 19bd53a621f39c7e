#!/usr/bin/env node
/**
 * The fast path of every command: `node scripts/run.js <entry.ts> [args…]`.
 *
 * Bundles the TypeScript entry (with everything it imports, node_modules included) into one
 * CommonJS file under build/ with esbuild, and runs it. No type-checking: that is `npm test`'s and
 * CI's job (`tsc --noEmit`). The bundle is rebuilt only when one of its project inputs (or
 * package-lock.json) changed size or mtime since the last build, so a repeated run costs a few
 * `stat` calls; V8's code cache for the bundle is kept next to it (`<bundle>.v8`), so a repeated
 * run skips most of the parsing too.
 *
 * Layout: `main.ts` -> build/main.js, `scripts/check.ts` -> build/scripts/check.js,
 * `lib/check/plugin.ts` -> build/lib/check/plugin.js (the same paths `tsc` would emit, so
 * `__dirname` means the same thing).
 *
 * Plain JavaScript on purpose: it is what runs before anything is compiled.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, 'build');

/** Inputs whose change invalidates every bundle, besides the bundle's own project files. */
const GLOBAL_INPUTS = ['package-lock.json', 'tsconfig.json', 'scripts/run.js'];

function bundlePath(entry) {
  const rel = path.relative(ROOT, path.resolve(ROOT, entry));
  if (rel.startsWith('..') || !/\.ts$/.test(rel)) throw new Error(`run: ${entry} is not a .ts file of this project`);
  return { rel: rel.split(path.sep).join('/'), out: path.join(BUILD, rel.replace(/\.ts$/, '.js')) };
}

function stamp(file) {
  try {
    const s = fs.statSync(path.join(ROOT, file));
    return `${s.size}:${Math.trunc(s.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}

function upToDate(out) {
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(`${out}.inputs.json`, 'utf8'));
    if (!fs.existsSync(out)) return false;
  } catch {
    return false;
  }
  for (const [file, s] of Object.entries(inputs)) if (stamp(file) !== s) return false;
  return true;
}

/** Bundles `entry` unless its bundle is up to date; returns the bundle's path. */
function ensureBuilt(entry) {
  const { rel, out } = bundlePath(entry);
  if (upToDate(out)) return out;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild');
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: [rel],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // ESM-only, loaded lazily by the secrets code through Node's own loader.
    external: ['age-encryption', 'esbuild', '@swc/core'],
    metafile: true,
    logLevel: 'error',
    legalComments: 'none',
    // smaller source to load (names are kept: no identifier minification)
    minifyWhitespace: true,
    minifySyntax: true,
  });
  const inputs = {};
  for (const f of [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/')), ...GLOBAL_INPUTS]) inputs[f] = stamp(f);
  fs.rmSync(`${out}.v8`, { force: true });
  fs.writeFileSync(`${out}.inputs.json`, JSON.stringify(inputs));
  return out;
}

/** Compiles a bundle with V8's code cache for it (`<bundle>.v8`, written at exit when missing or stale). */
function compileBundle(file) {
  const vm = require('vm');
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = `${file}.v8`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // Written at exit, so that the cache holds the functions this run compiled lazily too.
    process.once('exit', () => {
      try {
        fs.writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // a read-only build folder only costs the cache
      }
    });
  }
  return script.runInThisContext({ displayErrors: true });
}

function moduleFor(file) {
  const m = new Module(file, null);
  m.filename = file;
  // Externals (age-encryption, esbuild) resolve from the project, wherever build/ is.
  m.paths = Module._nodeModulePaths(ROOT);
  return m;
}

/** Runs a bundle as the main module. */
function runBundle(file, args) {
  const fn = compileBundle(file);
  const m = moduleFor(file);
  m.id = '.';
  process.mainModule = m;
  const req = Module.createRequire(path.join(ROOT, 'package.json'));
  req.main = m;
  process.argv = [process.argv[0], file, ...args];
  fn.call(m.exports, m.exports, req, m, file, path.dirname(file));
}

/** The exports of `entry`'s bundle (built when stale), loaded with the code cache: for plugins. */
function loadBundle(entry) {
  const file = ensureBuilt(entry);
  const fn = compileBundle(file);
  const m = moduleFor(file);
  const req = Module.createRequire(path.join(ROOT, 'package.json'));
  fn.call(m.exports, m.exports, req, m, file, path.dirname(file));
  m.loaded = true;
  return m.exports;
}

module.exports = { ensureBuilt, runBundle, loadBundle, bundlePath };

if (require.main === module) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry || entry === '--help' || entry === '-h') {
    process.stderr.write('usage: node scripts/run.js <entry.ts> [args…]   bundle the entry into build/ when stale, then run it\n       node scripts/run.js --build <entry.ts>…  only bundle; print the bundles\' paths\n');
    process.exitCode = entry ? 0 : 2;
  } else if (entry === '--build') {
    try {
      for (const e of args) process.stdout.write(`${ensureBuilt(e)}\n`);
    } catch (e) {
      process.stderr.write(`error: ${e && e.message ? e.message : e}\n`);
      process.exitCode = 1;
    }
  } else {
    let file;
    try {
      file = ensureBuilt(entry);
    } catch (e) {
      // esbuild reports syntax errors with file:line; no stack trace of ours
      process.stderr.write(`error: cannot build ${entry}: ${e && e.message ? e.message : e}\n`);
      process.exitCode = 1;
    }
    if (file) runBundle(file, args);
  }
}
