// Output flows from pipes to the log at the log's pace; large outputs stream through in bounded memory.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { scratch, type Scratch } from './exec-test-fixture';
import { executeTask, type ExecHooks } from './execute-task';
import { LogTail } from './log-tail';
import { OutputSink } from './output-sink';
import { SecretMatcher } from './secret-masker';

/** Samples this process's RSS as output flows, to bound how much of it was held at once. */
function rssWatch(): ExecHooks & { growthMb(): number } {
  const before = process.memoryUsage.rss();
  let peak = before;
  let chunks = 0;
  return {
    onOutput: () => {
      if (++chunks % 16 === 0) peak = Math.max(peak, process.memoryUsage.rss());
    },
    growthMb: () => (Math.max(peak, process.memoryUsage.rss()) - before) / 2 ** 20,
  };
}

describe('large output', () => {
  let box: Scratch;
  beforeEach(() => {
    box = scratch();
  });
  afterEach(() => box.remove());

  it('streams 50 MB to the log without holding it, masking as it goes', async () => {
    const watch = rssWatch();
    // One secret keeps the masking path in play; the stream never contains it, so sizes stay exact.
    const spec = box.spec("head -c 50000000 /dev/zero | tr '\\0' a; echo; echo end", { secrets: ['not-in-output'], captureStdout: true });
    const result = await executeTask(spec, watch);
    assert.equal(result.outcome === 'exit' && result.exitCode, 0);
    assert.equal(statSync(spec.logFile).size, 50_000_000 + 1 + 4);
    assert.ok(watch.growthMb() < 100, `RSS grew by ${watch.growthMb().toFixed(0)} MB`);
    assert.equal(result.stdout?.length, 1024 * 1024, 'capture stops at its limit');
    assert.equal(result.stdoutTruncated, true);
    const [longLine, last] = result.logTail.split('\n');
    assert.equal(longLine, `${'a'.repeat(4096)}… [${50_000_000 - 4096} more characters]`);
    assert.equal(last, 'end');
  });

  it('streams a single 10 MB line', async () => {
    const watch = rssWatch();
    const spec = box.spec("head -c 10000000 /dev/zero | tr '\\0' b", { secrets: ['bbbbc'] });
    const result = await executeTask(spec, watch);
    assert.equal(statSync(spec.logFile).size, 10_000_000);
    assert.equal(result.logTail, `${'b'.repeat(4096)}… [${10_000_000 - 4096} more characters]`);
    assert.ok(watch.growthMb() < 100, `RSS grew by ${watch.growthMb().toFixed(0)} MB`);
  });

  it('streams many short lines', async () => {
    const watch = rssWatch();
    const spec = box.spec('seq 1 2000000', { tailLines: 3 });
    const result = await executeTask(spec, watch);
    assert.equal(result.logTail, '1999998\n1999999\n2000000');
    assert.equal(statSync(spec.logFile).size, 14_888_896);
    assert.ok(watch.growthMb() < 100, `RSS grew by ${watch.growthMb().toFixed(0)} MB`);
  });
});

/** A log whose writes complete only when the test lets them: a disk slower than the task. */
class SlowLog extends Writable {
  readonly written: string[] = [];
  private pending: Array<() => void> = [];
  private fast = false;

  constructor() {
    super({ highWaterMark: 1024, decodeStrings: false });
  }

  override _write(chunk: string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.written.push(chunk);
    if (this.fast) done();
    else this.pending.push(done);
  }

  /** Completes the writes waiting now. */
  release(): void {
    const pending = this.pending;
    this.pending = [];
    for (const done of pending) done();
  }

  /** From now on writes complete at once. */
  speedUp(): void {
    this.fast = true;
    this.release();
  }
}

/** Live chunks, and a way to wait for the n-th. */
function chunkLog(): { chunks: string[]; onOutput: (chunk: string) => void; count(n: number): Promise<void> } {
  const chunks: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  return {
    chunks,
    onOutput: (chunk) => {
      chunks.push(chunk);
      for (const waiter of waiters) if (chunks.length >= waiter.n) waiter.resolve();
    },
    count: (n) => (chunks.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

async function closeSink(sink: OutputSink, log: SlowLog): Promise<string | undefined> {
  log.speedUp();
  await sink.settle(1000);
  return sink.close();
}

describe('OutputSink', () => {
  it('stops reading the pipes while the log is behind, and reads on once it drains', async () => {
    const log = new SlowLog();
    const live = chunkLog();
    const sink = new OutputSink(log, undefined, new LogTail(5), live.onOutput);
    const pipe = new PassThrough();
    sink.attach(pipe, 'stdout');

    pipe.write('a'.repeat(4096));
    await live.count(1);
    assert.ok(pipe.isPaused(), 'the log is full: the pipe is paused');
    pipe.write('b'.repeat(4096));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(live.chunks, ['a'.repeat(4096)], 'nothing more is read while the log is full');

    log.release();
    await live.count(2);
    assert.deepEqual(live.chunks, ['a'.repeat(4096), 'b'.repeat(4096)]);
    pipe.end();
    assert.equal(await closeSink(sink, log), undefined);
    assert.equal(log.written.join(''), 'a'.repeat(4096) + 'b'.repeat(4096));
  });

  it('decodes characters split across chunks and masks per stream', async () => {
    const log = new SlowLog();
    const byStream = { stdout: '', stderr: '' };
    const sink = new OutputSink(log, SecretMatcher.create(['clé']), new LogTail(5), (chunk, stream) => (byStream[stream] += chunk));
    const out = new PassThrough();
    const err = new PassThrough();
    sink.attach(out, 'stdout');
    sink.attach(err, 'stderr');
    const bytes = Buffer.from('la clé\n');
    out.write(bytes.subarray(0, 6)); // ends inside "é"
    err.write('x\n');
    out.end(bytes.subarray(6));
    err.end();
    await closeSink(sink, log);
    assert.deepEqual(byStream, { stdout: 'la ***\n', stderr: 'x\n' });
    // "cl" could have begun the secret, so it waited for the rest of stdout while stderr went on.
    assert.equal(log.written.join(''), 'la x\n***\n');
  });

  it('goes on reading (and says why) when the log cannot be written', async () => {
    const broken = new Writable({ write: (_chunk, _encoding, done) => done(new Error('ENOSPC: no space left on device')) });
    const tail = new LogTail(5);
    const sink = new OutputSink(broken, undefined, tail, undefined);
    const pipe = new PassThrough();
    sink.attach(pipe, 'stdout');
    for (let i = 0; i < 100; i++) pipe.write(`line ${i}\n`);
    pipe.end();
    await sink.settle(1000);
    assert.equal(await sink.close(), 'cannot write the log: ENOSPC: no space left on device');
    assert.equal(tail.toString().split('\n').at(-1), 'line 99');
  });

  it('stops waiting for a pipe that stays open and idle', async () => {
    const log = new SlowLog();
    log.speedUp();
    const sink = new OutputSink(log, undefined, new LogTail(5), undefined);
    const pipe = new PassThrough();
    sink.attach(pipe, 'stdout');
    pipe.write('held open\n');
    await sink.settle(20);
    assert.ok(pipe.destroyed);
    await sink.close();
    assert.equal(log.written.join(''), 'held open\n');
  });
});
