// Loads the CLI bundle with a V8 code cache. Why: compiling dist/cli.js (570 KB) and then, lazily, every
// function a command calls is a fifth of a one-task `cairn run`'s CPU (Node 20 has no compile cache of its
// own; Node 22's module.enableCompileCache is the same idea). Measured with `perf stat -r 20`: 110–119 ms of
// CPU without, 81–98 ms with, the same on wall time.
//
// Safety, because a cache is code that V8 runs unchecked:
// - It lives in the user's own cache folder (XDG), never a shared one like /tmp, and is read only when that
//   folder and file belong to this user and nobody else can write them.
// - Its name carries a hash of the bundle's content: V8 itself only compares a source's length, so an edited
//   bundle of the same length would otherwise run the old code.
// - V8 rejects a cache from another V8 version or other flags (which is why launch.ts sets the heap flags
//   before loading), and then it is written again. But V8 does not checksum what it deserializes in release
//   builds: a damaged cache crashes the process (seen in the tests). So the file starts with a SHA-1 of the
//   rest, checked before V8 sees it. Writes are atomic (temp file + rename); losing one costs only the next
//   start-up its speed.
// A cache is written when there was none or V8 rejected it, as the process exits, so it holds every function
// the command compiled; one per command (run, show, …), since each command compiles different code.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

/** $CAIRN_CODE_CACHE=off loads the bundle the plain way (to measure, or to rule the cache out). */
function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.CAIRN_CODE_CACHE === 'off') return undefined;
  const base = env.XDG_CACHE_HOME !== undefined && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'cairn', 'v8');
}

/**
 * require() for a CommonJS bundle, compiled with the cache named `tag` when there is a valid one. Anything
 * that goes wrong with the cache (no home folder, a read-only disk, a foreign owner) falls back to a plain
 * compile: the cache only ever makes start-up faster.
 */
export function requireWithCodeCache(file: string, tag: string): unknown {
  const bytes = fs.readFileSync(file);
  const dir = codeCacheDir(process.env);
  const cacheFile = dir === undefined ? undefined : path.join(dir, cacheName(file, tag, bytes));
  const cached = cacheFile === undefined ? undefined : readPrivate(cacheFile);
  const script = new vm.Script(Module.wrap(bytes.toString('utf8')), { filename: file, ...(cached !== undefined && { cachedData: cached }) });
  if (cacheFile !== undefined && (cached === undefined || script.cachedDataRejected)) {
    // At exit: by then the script holds the functions this command compiled too, not only the top level.
    process.once('exit', () => writePrivate(cacheFile, () => script.createCachedData()));
  }
  const mod = new Module(file, module);
  mod.filename = file;
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}

/** `<tag>-<where>-<what>.v8`: one file per bundle location and command, replaced when the bundle changes. */
function cacheName(file: string, tag: string, bytes: Buffer): string {
  const where = createHash('sha1').update(path.resolve(file)).digest('hex').slice(0, 12);
  const what = createHash('sha1').update(bytes).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 16);
  return `${tag}-${where}-${what}.v8`;
}

const DIGEST_BYTES = 20;

function digest(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest();
}

const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Ours and written by nobody else (on systems with owners). */
function isPrivate(st: fs.Stats): boolean {
  return uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);
}

function readPrivate(file: string): Buffer | undefined {
  try {
    if (!isPrivate(fs.lstatSync(path.dirname(file)))) return undefined;
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || !isPrivate(st)) return undefined;
      const file = fs.readFileSync(fd);
      const data = file.subarray(DIGEST_BYTES);
      return file.length > DIGEST_BYTES && digest(data).equals(file.subarray(0, DIGEST_BYTES)) ? data : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Writes the cache and removes the ones this bundle location had before (older builds). Best effort. */
function writePrivate(file: string, data: () => Buffer): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || !isPrivate(st)) return;
    const tmp = `${file}.${process.pid}.tmp`;
    const bytes = data();
    fs.writeFileSync(tmp, Buffer.concat([digest(bytes), bytes]), { mode: 0o600 });
    fs.renameSync(tmp, file);
    const name = path.basename(file);
    const sameBundle = name.slice(0, name.lastIndexOf('-') + 1);
    for (const other of fs.readdirSync(dir)) {
      if (other !== name && other.startsWith(sameBundle) && other.endsWith('.v8')) fs.rmSync(path.join(dir, other), { force: true });
    }
  } catch {
    // No cache this time: the next start compiles again.
  }
}
