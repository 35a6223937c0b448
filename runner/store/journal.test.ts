// The journal's promises: durable before acknowledged, group commit, torn tails ignored and cut,
// corruption reported, write failures plain and final, and a clean prefix after kill -9.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { handleFile, Journal, JournalError, readJournal, type JournalFile } from './journal';
import { startChild } from './store-child.test-helper';

function fsError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall });
}

/** A promise and the functions that settle it: lets a test hold a sync open. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function seqs(records: readonly unknown[]): number[] {
  return records.map((r) => (r as { seq: number }).seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Mounts a tiny tmpfs (root only; CI runs as root); false where that is not allowed. */
function mountTmpfs(dir: string, options: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

describe('journal', function () {
  let tmp = '';
  let file = '';

  beforeEach(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-journal-'));
    file = path.join(tmp, 'events.ndjson');
  });

  let cleanups: (() => void)[] = [];

  afterEach(function () {
    for (const cleanup of cleanups) cleanup();
    cleanups = [];
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('append and read', function () {
    it('round-trips records appended in batches, across a reopen', async function () {
      const journal = await Journal.open(file);
      await journal.append([{ seq: 1, type: 'run-created', name: 'naïve ✓ 🚀' }]);
      await journal.append([
        { seq: 2, text: 'line\nbreak' },
        { seq: 3, nested: { a: [1, 2] } },
      ]);
      await journal.close();
      const again = await Journal.open(file);
      await again.append([{ seq: 4 }]);
      await again.close();

      const read = await readJournal(file);
      assert.deepEqual(read.records, [{ seq: 1, type: 'run-created', name: 'naïve ✓ 🚀' }, { seq: 2, text: 'line\nbreak' }, { seq: 3, nested: { a: [1, 2] } }, { seq: 4 }]);
      assert.equal(read.tornTail, false);
      assert.equal(read.corruptAt, undefined);
      assert.equal(read.endByte, fs.statSync(file).size);
      assert.equal(fs.readFileSync(file, 'utf8').split('\n').length, 5, 'one line per record');
    });

    it('reads only what follows fromByte', async function () {
      const journal = await Journal.open(file);
      await journal.append([{ seq: 1 }, { seq: 2 }]);
      const first = await readJournal(file);
      await journal.append([{ seq: 3 }]);
      await journal.close();
      const tail = await readJournal(file, first.endByte);
      assert.deepEqual(seqs(tail.records), [3]);
      assert.equal(tail.endByte, fs.statSync(file).size);
      const none = await readJournal(file, tail.endByte);
      assert.deepEqual(none, { records: [], tornTail: false, endByte: tail.endByte });
    });

    it('hands each record to a visitor in order instead of collecting them, and stops at damage the same way', async function () {
      fs.writeFileSync(file, ['{"seq":1}', '{"seq":2}', '{"seq":3', '{"seq":4}', '{"seq":5'].join('\n'));
      const visited: unknown[] = [];
      const read = await readJournal(file, 0, (r) => visited.push(r));
      assert.deepEqual(seqs(visited), [1, 2]);
      assert.deepEqual(read.records, [], 'nothing is collected beside the visitor');
      assert.equal(read.corruptAt, 3);
      assert.equal(read.endByte, Buffer.byteLength('{"seq":1}\n{"seq":2}\n'));
    });

    it('throws what a visitor throws, as it is', async function () {
      fs.writeFileSync(file, '{"seq":1}\n{"seq":2}\n');
      const boom = new RangeError('not a run event');
      await assert.rejects(
        readJournal(file, 0, (r) => {
          if ((r as { seq: number }).seq === 2) throw boom;
        }),
        (e: unknown) => e === boom,
      );
    });

    it('refuses a fromByte beyond the end, saying the journal was cut short', async function () {
      fs.writeFileSync(file, '{"seq":1}\n');
      await assert.rejects(readJournal(file, 100), (e: unknown) => e instanceof JournalError && /has 10 bytes, fewer than the 100 already read/.test(e.message));
    });

    it('says plainly when the journal does not exist', async function () {
      await assert.rejects(readJournal(file), (e: unknown) => e instanceof JournalError && e.message === `cannot read the run journal ${file}: no such file or directory` && e.code === 'ENOENT');
    });

    it('reads lines that straddle its read chunks, multi-byte characters included', async function () {
      // ~3.5 MB: lines of varied length cross the 256 KB chunk boundaries at every kind of place.
      const records = range(1, 5000).map((seq) => ({ seq, pad: 'é€😀x'.repeat((seq * 7919) % 200) }));
      fs.writeFileSync(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
      const read = await readJournal(file);
      assert.equal(read.records.length, records.length);
      assert.deepEqual(read.records, records);
      assert.equal(read.endByte, fs.statSync(file).size);
    });

    it('resolves an append only after its fdatasync', async function () {
      const gate = deferred();
      const syncStarted = deferred();
      const journal = await Journal.open(file, {
        wrapFile: (real) => ({
          ...real,
          datasync: async () => {
            syncStarted.resolve();
            await gate.promise;
            await real.datasync();
          },
        }),
      });
      let settled = false;
      const done = journal.append([{ seq: 1 }]).then(() => (settled = true));
      await syncStarted.promise;
      assert.equal(settled, false, 'append resolved before its fdatasync finished');
      gate.resolve();
      await done;
      assert.equal(settled, true);
      await journal.close();
    });

    it('rejects a record with no JSON form without failing the journal', async function () {
      const journal = await Journal.open(file);
      await assert.rejects(journal.append([{ seq: 1, big: 10n }]), (e: unknown) => e instanceof JournalError && /cannot record an event in .*: .*BigInt/.test(e.message));
      assert.equal(journal.failed, undefined);
      await journal.append([{ seq: 2 }]);
      await journal.close();
      assert.deepEqual(seqs((await readJournal(file)).records), [2]);
    });

    it('close waits for queued appends, and later appends reject', async function () {
      const journal = await Journal.open(file);
      const pending = range(1, 50).map((seq) => journal.append([{ seq }]));
      await journal.close();
      await Promise.all(pending);
      await assert.rejects(journal.append([{ seq: 51 }]), /it is closed/);
      assert.deepEqual(seqs((await readJournal(file)).records), range(1, 50));
    });
  });

  describe('where writes and syncs run', function () {
    it('writes and syncs on its own thread while syncs are quick, through the thread pool for good after a slow one', async function () {
      const handle = await fs.promises.open(file, 'w+');
      const pooled = { writes: 0, syncs: 0 };
      const poolWrite = handle.write.bind(handle);
      const poolSync = handle.datasync.bind(handle);
      handle.write = ((...args: Parameters<typeof poolWrite>) => (pooled.writes++, poolWrite(...args))) as typeof handle.write;
      handle.datasync = () => (pooled.syncs++, poolSync());
      let here = 0;
      let slow = false;
      // The sync here is a stand-in that takes no time unless `slow`: a real fdatasync can itself pass the 2 ms
      // mark on a loaded machine, and what is tested is where writes and syncs go, not the disk.
      const io = handleFile(handle, () => {
        here++;
        const until = performance.now() + 5;
        while (slow && performance.now() < until); // a disk whose sync takes 5 ms
      });
      const data = Buffer.from('{"seq":1}\n');
      assert.equal(await io.write(data, 0), data.length);
      await io.datasync();
      assert.deepEqual([here, pooled.writes, pooled.syncs], [1, 0, 0], 'quick: nothing through the pool');
      slow = true;
      await io.datasync();
      assert.equal(here, 2, 'the slow sync itself ran here');
      slow = false;
      assert.equal(await io.write(data, data.length), data.length);
      await io.datasync();
      assert.deepEqual([here, pooled.writes, pooled.syncs], [2, 1, 1], 'after a slow sync, both go through the pool');
      await io.close();
      assert.equal(fs.readFileSync(file, 'utf8'), '{"seq":1}\n{"seq":1}\n');
    });
  });

  describe('group commit', function () {
    it('gives 1,000 concurrent appends far fewer fdatasyncs, in order', async function () {
      let syncs = 0;
      const journal = await Journal.open(file, { wrapFile: (real) => ({ ...real, datasync: () => (syncs++, real.datasync()) }) });
      await Promise.all(range(1, 1000).map((seq) => journal.append([{ seq, type: 'attempt-ended' }])));
      await journal.close();
      assert.ok(syncs <= 5, `${syncs} fdatasyncs for 1,000 appends`);
      assert.deepEqual(seqs((await readJournal(file)).records), range(1, 1000));
    });

    it('groups appends made while a sync is in flight into one next write and sync', async function () {
      const gate = deferred();
      const syncStarted = deferred();
      const writes: number[] = [];
      let syncs = 0;
      const journal = await Journal.open(file, {
        wrapFile: (real): JournalFile => ({
          ...real,
          write: (data, position) => (writes.push(data.length), real.write(data, position)),
          datasync: async () => {
            syncs++;
            syncStarted.resolve();
            await gate.promise;
            await real.datasync();
          },
        }),
      });
      const first = journal.append([{ seq: 1 }]);
      await syncStarted.promise;
      // 100 appends from 100 separate turns of the event loop, all while sync 1 is held.
      const later: Promise<void>[] = [];
      for (let seq = 2; seq <= 101; seq++) {
        later.push(journal.append([{ seq }]));
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      gate.resolve();
      await Promise.all([first, ...later]);
      await journal.close();
      assert.equal(syncs, 2);
      assert.equal(writes.length, 2);
      assert.deepEqual(seqs((await readJournal(file)).records), range(1, 101));
    });
  });

  describe('torn tails', function () {
    const prefix = '{"seq":1,"type":"run-created"}\n{"seq":2,"name":"ünï ✓"}\n';
    const last = JSON.stringify({ seq: 3, type: 'var-set', value: 'snow ❄ and 🚀', n: 12.5 }) + '\n';
    const lastBytes = Buffer.from(last, 'utf8');

    it('ignores a last record cut at every byte offset, and open cuts it away before appending', async function () {
      // Offsets 1 … length-1: from one byte to the whole record without its \n (complete JSON, still torn).
      for (let cut = 1; cut < lastBytes.length; cut++) {
        fs.writeFileSync(file, Buffer.concat([Buffer.from(prefix), lastBytes.subarray(0, cut)]));
        const read = await readJournal(file);
        assert.deepEqual(seqs(read.records), [1, 2], `cut at ${cut}`);
        assert.equal(read.tornTail, true, `cut at ${cut}`);
        assert.equal(read.corruptAt, undefined, `cut at ${cut}`);
        assert.equal(read.endByte, Buffer.byteLength(prefix), `cut at ${cut}`);

        const journal = await Journal.open(file);
        assert.equal(fs.statSync(file).size, Buffer.byteLength(prefix), `open did not cut the torn tail at ${cut}`);
        await journal.append([{ seq: 3, after: cut }]);
        await journal.close();
        const repaired = await readJournal(file);
        assert.deepEqual(repaired.records.at(-1), { seq: 3, after: cut });
        assert.deepEqual(seqs(repaired.records), [1, 2, 3]);
        assert.equal(repaired.tornTail, false);
      }
    });

    it('treats a complete last line that is not JSON (zeros from a crash) as torn', async function () {
      for (const tail of ['\0\0\0\0\0\0', '\0\0\0\0\n', '{"seq":3,\n', '\n']) {
        fs.writeFileSync(file, prefix + tail);
        const read = await readJournal(file);
        assert.deepEqual(seqs(read.records), [1, 2], JSON.stringify(tail));
        assert.equal(read.tornTail, true, JSON.stringify(tail));
        assert.equal(read.corruptAt, undefined, JSON.stringify(tail));
        const journal = await Journal.open(file);
        await journal.append([{ seq: 3 }]);
        await journal.close();
        assert.equal(fs.readFileSync(file, 'utf8'), prefix + '{"seq":3}\n', JSON.stringify(tail));
      }
    });

    it('leaves a clean journal untouched on open', async function () {
      fs.writeFileSync(file, prefix);
      await (await Journal.open(file)).close();
      assert.equal(fs.readFileSync(file, 'utf8'), prefix);
    });
  });

  describe('corruption', function () {
    it('reports invalid JSON before the last line, with the records before it', async function () {
      const lines = ['{"seq":1}', '{"seq":2}', '{"seq":3', '{"seq":4}', '{"seq":5}'];
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const read = await readJournal(file);
      assert.deepEqual(seqs(read.records), [1, 2]);
      assert.equal(read.corruptAt, 3);
      assert.equal(read.tornTail, false);
      assert.equal(read.endByte, Buffer.byteLength('{"seq":1}\n{"seq":2}\n'), 'endByte is where the damage starts');

      // Counted from fromByte when reading a tail.
      const tail = await readJournal(file, Buffer.byteLength('{"seq":1}\n'));
      assert.deepEqual(seqs(tail.records), [2]);
      assert.equal(tail.corruptAt, 2);
    });

    it('finds damage anywhere in a journal of many chunks: its line, and the byte where it starts', async function () {
      const records = range(1, 3000).map((seq) => ({ seq, pad: 'é€😀x'.repeat((seq * 7919) % 200) }));
      const lines = records.map((r) => JSON.stringify(r));
      const starts: number[] = [];
      let at = 0;
      for (const l of lines) {
        starts.push(at);
        at += Buffer.byteLength(l) + 1;
      }
      // The first line of the file, lines that straddle a 256 KB chunk boundary (read with the carry) or
      // follow one (the first of a chunk), lines inside a chunk, and the line before the last.
      const boundary = (b: number): number => starts.findIndex((s, i) => s < b && (starts[i + 1] ?? Infinity) > b);
      const chosen = new Set([0, 1, 500, boundary(256 * 1024), boundary(256 * 1024) + 1, boundary(512 * 1024), boundary(768 * 1024) + 1, 2000, lines.length - 2]);
      for (const k of chosen) {
        const damaged = [...lines];
        damaged[k] = damaged[k]!.slice(0, -3);
        fs.writeFileSync(file, damaged.join('\n') + '\n');
        const read = await readJournal(file);
        assert.equal(read.corruptAt, k + 1, `line ${k + 1}`);
        assert.equal(read.endByte, starts[k], `line ${k + 1}: endByte is where it starts`);
        assert.deepEqual(seqs(read.records), range(1, k), `line ${k + 1}: the records before it`);
        assert.equal(read.tornTail, false);
      }
    });

    it('reports a bad line followed only by a torn one as corruption', async function () {
      fs.writeFileSync(file, '{"seq":1}\n{"seq":2,\n{"seq":3');
      const read = await readJournal(file);
      assert.deepEqual(seqs(read.records), [1]);
      assert.equal(read.corruptAt, 2);
    });
  });

  describe('write failures', function () {
    /** A disk that fills up after `budget` more bytes: a short write, then ENOSPC (as write(2) does). */
    function fillingDisk(budget: { bytes: number }, onFail: () => void = () => undefined): (real: JournalFile) => JournalFile {
      return (real) => ({
        ...real,
        write: async (data, position) => {
          if (budget.bytes <= 0) {
            onFail();
            throw fsError('ENOSPC', 'write');
          }
          const n = await real.write(data.subarray(0, Math.min(data.length, budget.bytes)), position);
          budget.bytes -= n;
          return n;
        },
      });
    }

    it('on ENOSPC fails the append, every later one, and leaves only durable records', async function () {
      const budget = { bytes: Number.POSITIVE_INFINITY };
      let queuedBehind: Promise<void> | undefined;
      const journal = await Journal.open(file, {
        wrapFile: fillingDisk(budget, () => {
          // Appended while the failing batch is being written: it must never reach the file.
          queuedBehind ??= journal.append([{ seq: 99 }]);
        }),
      });
      await journal.append([{ seq: 1 }, { seq: 2 }]);
      await journal.append([{ seq: 3 }]);
      const durable = fs.statSync(file).size;
      budget.bytes = 7; // the next batch gets 7 bytes in, then the disk is full

      const expected = `cannot write the run journal ${file}: no space left on device`;
      const isFull = (e: unknown): boolean => e instanceof JournalError && e.message === expected && e.code === 'ENOSPC';
      await assert.rejects(journal.append([{ seq: 4, pad: 'x'.repeat(100) }, { seq: 5 }]), isFull);
      assert.ok(queuedBehind, 'the test appended behind the failing batch');
      await assert.rejects(queuedBehind, isFull);
      assert.ok(isFull(journal.failed));
      await assert.rejects(journal.append([{ seq: 6 }]), isFull);
      budget.bytes = Number.POSITIVE_INFINITY; // space again: the journal stays failed, no holes
      await assert.rejects(journal.append([{ seq: 7 }]), isFull);
      await journal.close();

      assert.equal(fs.statSync(file).size, durable, 'the partial batch was cut off');
      const read = await readJournal(file);
      assert.deepEqual(seqs(read.records), [1, 2, 3]);
      assert.equal(read.tornTail, false);
    });

    it('on an EIO from fdatasync fails and cuts the unsynced batch', async function () {
      let syncs = 0;
      const journal = await Journal.open(file, {
        wrapFile: (real) => ({
          ...real,
          datasync: async () => {
            if (++syncs === 2) throw fsError('EIO', 'fdatasync');
            await real.datasync();
          },
        }),
      });
      await journal.append([{ seq: 1 }]);
      await assert.rejects(journal.append([{ seq: 2 }]), (e: unknown) => e instanceof JournalError && e.message === `cannot write the run journal ${file}: input/output error (the disk or its connection may be failing)`);
      await assert.rejects(journal.append([{ seq: 3 }]), /input\/output error/);
      await journal.close();
      assert.deepEqual(seqs((await readJournal(file)).records), [1]);
    });

    it('stops at a real file size limit (ulimit -f) with a plain message, records intact', async function () {
      const child = startChild('journal-fill', file, { fileSizeLimitBlocks: 256 });
      const { code, lines, stderr } = await child.done;
      assert.equal(code, 0, stderr);
      const acked = lines.filter((l) => l.startsWith('acked ')).map((l) => Number(l.slice(6)));
      assert.ok(acked.length > 10, lines.slice(0, 3).join('\n'));
      assert.deepEqual(lines.slice(-2), [`failed cannot write the run journal ${file}: file too large (a file size limit was reached)`, 'again same error']);
      const read = await readJournal(file);
      assert.deepEqual(seqs(read.records), acked);
      assert.equal(read.tornTail, false);
      assert.equal(read.endByte, fs.statSync(file).size);
    });

    it('on a real full disk (64 KB tmpfs) rejects with the plain message and keeps what was acknowledged', async function () {
      const mnt = path.join(tmp, 'mnt');
      fs.mkdirSync(mnt);
      assert.ok(mountTmpfs(mnt, 'size=64k'), 'this test mounts a 64 KB tmpfs: run it as root (CI does)');
      try {
        const small = path.join(mnt, 'events.ndjson');
        const journal = await Journal.open(small);
        let acked = 0;
        let failure: unknown;
        for (let seq = 1; seq < 10_000 && failure === undefined; seq++) {
          await journal.append([{ seq, pad: 'x'.repeat(300) }]).then(
            () => (acked = seq),
            (e: unknown) => (failure = e),
          );
        }
        assert.ok(failure instanceof JournalError);
        assert.equal(failure.message, `cannot write the run journal ${small}: no space left on device`);
        await assert.rejects(journal.append([{ seq: 0 }]), (e: unknown) => e === failure);
        await journal.close();
        const read = await readJournal(small);
        assert.deepEqual(seqs(read.records), range(1, acked));
        assert.equal(read.tornTail, false);
      } finally {
        spawnSync('umount', ['-l', mnt]);
      }
    });

    it('on a real read-only file system refuses to open, saying so', async function () {
      const mnt = path.join(tmp, 'mnt');
      fs.mkdirSync(mnt);
      assert.ok(mountTmpfs(mnt, 'size=64k'), 'this test mounts a 64 KB tmpfs: run it as root (CI does)');
      try {
        fs.writeFileSync(path.join(mnt, 'events.ndjson'), '{"seq":1}\n');
        assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
        const ro = path.join(mnt, 'events.ndjson');
        await assert.rejects(Journal.open(ro), (e: unknown) => e instanceof JournalError && e.message === `cannot open the run journal ${ro}: the file system is read-only` && e.code === 'EROFS');
        assert.deepEqual(seqs((await readJournal(ro)).records), [1], 'still readable');
      } finally {
        spawnSync('umount', ['-l', mnt]);
      }
    });
  });

  describe('kill -9', function () {
    it('leaves a clean prefix holding every acknowledged record, and reopens cleanly', async function () {
      for (let round = 1; round <= 3; round++) {
        const roundFile = path.join(tmp, `events-${round}.ndjson`);
        const child = startChild('journal-append', roundFile);
        cleanups.push(() => child.process.kill('SIGKILL'));
        // Kill at a different depth each round, while three writers keep batches in flight.
        for (let seen = 0; seen < 100 * round; seen++) await child.nextLine();
        child.process.kill('SIGKILL');
        const { signal, lines } = await child.done;
        assert.equal(signal, 'SIGKILL');
        const acked = lines.map(Number);

        const read = await readJournal(roundFile);
        assert.equal(read.corruptAt, undefined);
        const got = seqs(read.records);
        assert.deepEqual(got, range(1, got.length), 'records are a gap-free prefix, in order');
        assert.ok(Math.max(...acked) <= got.length, `acknowledged up to ${Math.max(...acked)} but only ${got.length} records survived`);

        const journal = await Journal.open(roundFile);
        await journal.append([{ seq: got.length + 1 }]);
        await journal.close();
        const reopened = await readJournal(roundFile);
        assert.deepEqual(seqs(reopened.records), range(1, got.length + 1));
        assert.equal(reopened.tornTail, false);
      }
    });
  });
});
