// Whole-file replacement: new content or old, never a short file, and no temp files left behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AtomicWriteError, writeFileAtomic } from './atomic-write';
import { fsErrorText } from './fs-error';
import { startChild } from './store-child.test-helper';

describe('writeFileAtomic', function () {
  let tmp = '';

  beforeEach(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-atomic-'));
  });

  afterEach(function () {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates a file, then replaces its content whole, leaving no temp files', async function () {
    const file = path.join(tmp, 'run.db');
    await writeFileAtomic(file, 'first version, the longer one');
    assert.equal(fs.readFileSync(file, 'utf8'), 'first version, the longer one');
    const before = fs.statSync(file).ino;
    // A view into a bigger buffer: only its own bytes are written.
    const backing = new Uint8Array([0x58, 0x6e, 0x65, 0x77, 0x58]);
    await writeFileAtomic(file, backing.subarray(1, 4));
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.notEqual(fs.statSync(file).ino, before, 'replaced by rename, not rewritten in place');
    assert.deepEqual(fs.readdirSync(tmp), ['run.db']);
  });

  it('lands overlapping writes to one file in call order, and keeps its permission bits', async function () {
    const file = path.join(tmp, 'run.db');
    fs.writeFileSync(file, 'v0');
    fs.chmodSync(file, 0o640);
    // The first write is the biggest, so it would finish last if the writes raced.
    await Promise.all([writeFileAtomic(file, 'v1'.repeat(500_000)), writeFileAtomic(file, 'v2'), writeFileAtomic(file, 'v3')]);
    assert.equal(fs.readFileSync(file, 'utf8'), 'v3');
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(tmp), ['run.db']);
  });

  it('fails with a plain message naming the file, and leaves no temp file behind', async function () {
    // A non-empty folder where the file should be: the temp file is written, then rename(2) fails.
    const file = path.join(tmp, 'run.db');
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, 'keep'), 'kept');
    await assert.rejects(writeFileAtomic(file, 'data'), (e: unknown) => e instanceof AtomicWriteError && e.message === `cannot write ${file}: it is a directory` && e.code === 'EISDIR');
    assert.deepEqual(fs.readdirSync(tmp), ['run.db']);
    assert.equal(fs.readFileSync(path.join(file, 'keep'), 'utf8'), 'kept');
  });

  it('keeps the old file intact when a real write fails midway (ulimit -f)', async function () {
    const file = path.join(tmp, 'run.db');
    fs.writeFileSync(file, 'old content');
    // The child writes 1 MB under a 64-block file size limit.
    const child = startChild('atomic-write', file, { fileSizeLimitBlocks: 64 });
    const { code, lines, stderr } = await child.done;
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines, [`failed cannot write ${file}: file too large (a file size limit was reached)`]);
    assert.equal(fs.readFileSync(file, 'utf8'), 'old content');
    assert.deepEqual(fs.readdirSync(tmp), ['run.db']);
  });

  it('keeps the old file intact on a real full disk (64 KB tmpfs)', async function () {
    const mnt = path.join(tmp, 'mnt');
    fs.mkdirSync(mnt);
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' }).status, 0, 'this test mounts a 64 KB tmpfs: run it as root (CI does)');
    try {
      const file = path.join(mnt, 'run.db');
      await writeFileAtomic(file, 'old content');
      await assert.rejects(writeFileAtomic(file, new Uint8Array(256 * 1024)), (e: unknown) => e instanceof AtomicWriteError && e.message === `cannot write ${file}: no space left on device`);
      assert.equal(fs.readFileSync(file, 'utf8'), 'old content');
      assert.deepEqual(fs.readdirSync(mnt), ['run.db']);
    } finally {
      spawnSync('umount', ['-l', mnt]);
    }
  });

  it('words file system errors for people, keeping unknown ones as they are', function () {
    assert.equal(fsErrorText(Object.assign(new Error('x'), { code: 'EROFS' })), 'the file system is read-only');
    assert.equal(fsErrorText(Object.assign(new Error('ESOMETHING: odd'), { code: 'ESOMETHING' })), 'ESOMETHING: odd');
    assert.equal(fsErrorText('plain'), 'plain');
  });
});
