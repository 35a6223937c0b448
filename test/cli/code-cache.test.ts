// The CLI's V8 code cache (runner/cli/code-cache.ts), seen from outside: the built `cairn` in a copy of bin/
// and dist/, with its own cache folder. What must hold: a cache is written once and then used; a damaged,
// foreign or shared-writable cache is never what runs; an edited bundle never runs an old bundle's code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, TempDirs, assertBuilt } from './cli-harness';

interface Install {
  readonly bin: string;
  readonly bundle: string;
  readonly cacheHome: string;
  readonly cacheDir: string;
}

/** bin/cairn.js and the two bundles it loads, copied to a temp folder, with an empty cache home. */
function install(temp: TempDirs): Install {
  const root = temp.make('code-cache');
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'dist'));
  fs.copyFileSync(path.join(REPO_ROOT, 'bin', 'cairn.js'), path.join(root, 'bin', 'cairn.js'));
  for (const f of ['cli.js', 'launch.js']) fs.copyFileSync(path.join(REPO_ROOT, 'dist', f), path.join(root, 'dist', f));
  const cacheHome = path.join(root, 'cache-home');
  return { bin: path.join(root, 'bin', 'cairn.js'), bundle: path.join(root, 'dist', 'cli.js'), cacheHome, cacheDir: path.join(cacheHome, 'cairn', 'v8') };
}

function cairn(inst: Install, args: readonly string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: inst.cacheHome, NO_COLOR: '1', ...env };
  delete childEnv.NODE_OPTIONS; // tsx's loader: the CLI stands on its bundle
  const r = spawnSync(process.execPath, [inst.bin, ...args], { env: childEnv, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cacheFiles(inst: Install): string[] {
  return fs.existsSync(inst.cacheDir) ? fs.readdirSync(inst.cacheDir).sort() : [];
}

function only(inst: Install, prefix: string): string {
  const files = cacheFiles(inst).filter((f) => f.startsWith(prefix));
  assert.equal(files.length, 1, `one ${prefix}* cache file, found: ${cacheFiles(inst).join(', ') || 'none'}`);
  return path.join(inst.cacheDir, files[0]!);
}

/** `cairn graph` reads a workflow: a command that compiles a fair part of the bundle. */
function workflow(inst: Install): string {
  const file = path.join(path.dirname(inst.cacheHome), 'w.cairn.toml');
  fs.writeFileSync(file, 'name = "w"\n[tasks.a]\nrun = "true"\n[tasks.b]\nrun = "true"\ndeps = ["a"]\n');
  return file;
}

describe('cairn CLI: V8 code cache', function () {
  this.timeout(60_000);
  const temp = new TempDirs();
  before(assertBuilt);
  after(() => temp.cleanup());

  it('writes one private cache per command on first use, then uses it as it is', () => {
    const inst = install(temp);
    const file = workflow(inst);
    const first = cairn(inst, ['graph', file]);
    assert.equal(first.code, 0, first.stderr);
    const cache = only(inst, 'cli-graph-');
    assert.equal(fs.statSync(cache).mode & 0o777, 0o600);
    assert.equal(fs.statSync(inst.cacheDir).mode & 0o777, 0o700);
    const before = fs.statSync(cache);
    const second = cairn(inst, ['graph', file]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    const after = fs.statSync(cache);
    // Accepted, so not written again: same inode, same mtime.
    assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs]);
    assert.equal(cairn(inst, ['--version']).code, 0);
    only(inst, 'cli-other-');
  });

  it('replaces a damaged cache, and the command runs as if there were none', () => {
    const inst = install(temp);
    const file = workflow(inst);
    const clean = cairn(inst, ['graph', file]);
    const cache = only(inst, 'cli-graph-');
    const good = fs.readFileSync(cache);
    const rerun = (what: string, bytes: Buffer): void => {
      fs.writeFileSync(cache, bytes, { mode: 0o600 });
      const damaged = fs.statSync(cache);
      const r = cairn(inst, ['graph', file]);
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assert.equal(r.stdout, clean.stdout, what);
      assert.notEqual(fs.statSync(cache).ino, damaged.ino, `${what}: a new cache was written in its place`);
    };
    // Bytes flipped on disk: V8 would crash on them (it does not checksum in release builds); the file's own
    // SHA-1 keeps them from it.
    const flipped = Buffer.from(good);
    for (let i = 64; i < flipped.length; i += 97) flipped[i] = flipped[i]! ^ 0xff;
    rerun('flipped bytes', flipped);
    // A cache V8 refuses (here: another V8 version hash in its header) behind a valid digest.
    const payload = Buffer.from(good.subarray(20));
    payload[4] = payload[4]! ^ 0xff;
    rerun('refused by V8', Buffer.concat([createHash('sha1').update(payload).digest(), payload]));
    rerun('cut short', good.subarray(0, good.length >> 1));
  });

  it('never runs an old cache against an edited bundle of the same length', () => {
    const inst = install(temp);
    const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(cairn(inst, ['--version']).stdout.trim(), version);
    const old = only(inst, 'cli-other-');
    // V8 itself compares only a source's length: edit the version the bundle prints, keeping every byte count.
    const other = version.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    const text = fs.readFileSync(inst.bundle, 'utf8');
    const edited = text.replaceAll(`"${version}"`, `"${other}"`);
    assert.notEqual(edited, text, 'found the version string in dist/cli.js');
    assert.equal(edited.length, text.length);
    fs.writeFileSync(inst.bundle, edited);
    const r = cairn(inst, ['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), other, 'the edited bundle is what runs');
    assert.ok(!fs.existsSync(old), "the old bundle's cache is removed");
    only(inst, 'cli-other-');
  });

  it('ignores a cache folder others can write, and writes nothing with CAIRN_CODE_CACHE=off', () => {
    const inst = install(temp);
    const file = workflow(inst);
    assert.equal(cairn(inst, ['graph', file], { CAIRN_CODE_CACHE: 'off' }).code, 0);
    assert.deepEqual(cacheFiles(inst), []);
    fs.mkdirSync(inst.cacheDir, { recursive: true });
    fs.chmodSync(inst.cacheDir, 0o777);
    const r = cairn(inst, ['graph', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cacheFiles(inst), [], 'nothing written to (or read from) a folder anyone can write');
  });

  it('does not read a cache file owned by another user', function () {
    if (process.getuid?.() !== 0) this.skip(); // only root can give a file away
    const inst = install(temp);
    const file = workflow(inst);
    cairn(inst, ['graph', file]);
    const cache = only(inst, 'cli-graph-');
    fs.chownSync(cache, 65534, 65534);
    const r = cairn(inst, ['graph', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.statSync(only(inst, 'cli-graph-')).uid, 0, 'replaced by one of our own');
  });
});
