// events.ndjson, a run's source of truth: one JSON record per line, appended and fdatasync'd before
// anyone is told (group commit), read back in chunks with a torn last line ignored, never fatal.
import { fdatasyncSync, writeSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDir } from './atomic-write';
import { errorCode, fsErrorText } from './fs-error';
import { monotonicMs } from '../exec/monotonic';

export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The file operations the journal uses: a seam where tests count syncs and inject ENOSPC or EIO. */
export interface JournalFile {
  /** Reads into `buffer` from `position`; resolves to the number of bytes read (0 at the end). */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /** Writes `data` at `position`; resolves to the number of bytes written (may be fewer). */
  write(data: Uint8Array, position: number): Promise<number>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface JournalOptions {
  /** Wraps the real file (tests only). */
  readonly wrapFile?: (file: JournalFile) => JournalFile;
  /** The caller fsyncs the folder itself before anyone can see it (a new run's birth, run-store.ts). */
  readonly folderSyncedByCaller?: boolean;
}

const NEWLINE = 0x0a;
/** Big enough that a 500 MB journal is ~2,000 reads, small enough to never matter for memory. */
const CHUNK_BYTES = 256 * 1024;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class Journal {
  readonly #path: string;
  readonly #file: JournalFile;
  /** Bytes written and fdatasync'd: where the next batch starts. Writes go to explicit offsets so a failed batch can be cut off. */
  #durable: number;
  /** Serialised records waiting for the next batch, and who waits for them. */
  #queued: string[] = [];
  #waiters: Waiter[] = [];
  #draining: Promise<void> | undefined;
  #failed: JournalError | undefined;
  #closing: Promise<void> | undefined;
  #commits = 0;

  private constructor(file: string, handle: JournalFile, size: number) {
    this.#path = file;
    this.#file = handle;
    this.#durable = size;
  }

  /** Opens (creating if absent) for appending, after cutting away a torn last line (see `readJournal`). */
  static async open(file: string, options: JournalOptions = {}): Promise<Journal> {
    let handle: fs.FileHandle | undefined;
    try {
      let created = true;
      try {
        handle = await fs.open(file, 'wx+');
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
        created = false;
        handle = await fs.open(file, 'r+');
      }
      // The new file's name lives in the folder: without this a power loss can lose the whole journal.
      if (created && options.folderSyncedByCaller !== true) await fsyncDir(path.dirname(file));
      const real = handleFile(handle);
      const io = options.wrapFile ? options.wrapFile(real) : real;
      const size = await io.size();
      const end = await cleanEnd(io, size);
      if (end < size) {
        await io.truncate(end);
        await io.datasync();
      }
      return new Journal(file, io, end);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw new JournalError(`cannot open the run journal ${file}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
    }
  }

  /** Bytes written and synced so far. */
  get size(): number {
    return this.#durable;
  }

  /** Batches written and synced so far: one fdatasync each. */
  get commits(): number {
    return this.#commits;
  }

  /** The error that failed the journal; once set, every append rejects with it. */
  get failed(): Error | undefined {
    return this.#failed;
  }

  /**
   * Appends records, one JSON line each, and resolves once they are written and fdatasync'd.
   * Records appended while a sync is in flight share the next write + sync; order is preserved.
   */
  append(records: readonly object[]): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing) return Promise.reject(new JournalError(`cannot write the run journal ${this.#path}: it is closed`, undefined));
    let text = '';
    try {
      for (const record of records) {
        const line: unknown = JSON.stringify(record);
        if (typeof line !== 'string') throw new TypeError('the record has no JSON form');
        text += line + '\n';
      }
    } catch (error) {
      // A record that cannot be serialised is the caller's bug, not the disk's: the journal stays usable.
      const why = error instanceof Error ? error.message : String(error);
      return Promise.reject(new JournalError(`cannot record an event in ${this.#path}: ${why}`, undefined, { cause: error }));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queued.push(text);
      this.#waiters.push({ resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Waits for queued appends, then closes the file. Later appends reject. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#draining;
      try {
        await this.#file.close();
      } catch (error) {
        throw new JournalError(`cannot close the run journal ${this.#path}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
      }
    })();
    return this.#closing;
  }

  /** Writes batches until the queue is empty. Never rejects: failures go to the waiters. */
  async #drain(): Promise<void> {
    // Wait for the end of this turn of the event loop, so appends made in the same turn share the
    // batch: a task's attempt-ended and its dependent's attempt-started (prepared in microtasks)
    // then cost one fsync, not two.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#queued.length > 0) {
      const batch = Buffer.from(this.#queued.join(''), 'utf8');
      const waiters = this.#waiters;
      this.#queued = [];
      this.#waiters = [];
      try {
        await this.#commit(batch);
      } catch (error) {
        await this.#fail(error, waiters);
        break;
      }
      for (const waiter of waiters) waiter.resolve();
    }
    this.#draining = undefined;
  }

  async #commit(batch: Uint8Array): Promise<void> {
    if (batch.length === 0) return;
    let done = 0;
    while (done < batch.length) {
      const n = await this.#file.write(batch.subarray(done), this.#durable + done);
      if (n <= 0) throw Object.assign(new Error('the disk accepted no bytes'), { code: 'EIO' });
      done += n;
    }
    await this.#file.datasync();
    this.#durable += batch.length;
    this.#commits++;
  }

  async #fail(error: unknown, batch: readonly Waiter[]): Promise<void> {
    const failure = new JournalError(`cannot write the run journal ${this.#path}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
    this.#failed = failure;
    const waiters = [...batch, ...this.#waiters];
    this.#queued = [];
    this.#waiters = [];
    // Cut off whatever part of the failed batch reached the file, so nobody reads a record that was
    // never acknowledged. Best effort: if this fails too, those records stay (the last usually torn).
    try {
      await this.#file.truncate(this.#durable);
      await this.#file.datasync();
    } catch {
      // The journal is already failed with the first, more telling, error.
    }
    for (const waiter of waiters) waiter.reject(failure);
  }
}

export interface JournalContents {
  readonly records: unknown[];
  /** The last line was incomplete (no \n) or not JSON: a crash mid-write. Ignored, never fatal. */
  readonly tornTail: boolean;
  /** 1-based line number (counted from `fromByte`) of invalid JSON before the last line; `records` stop before it. */
  readonly corruptAt?: number;
  /** The byte just after the last record read: pass it as `fromByte` to read only what comes later. */
  readonly endByte: number;
}

/**
 * Reads every complete record after `fromByte` (a line start, e.g. an earlier `endByte`), in chunks,
 * so a 500 MB journal is never one string. Invalid JSON before the last line stops the read there
 * and is reported as `corruptAt`, leaving the decision to the caller.
 *
 * With `visit`, each record goes to it as soon as it is read and `records` stays empty: a fold then never
 * holds a whole journal's records at once (a 10,000-task run's journal is ~5 MB of them), and each dies young.
 * What `visit` throws is thrown as it is.
 */
export async function readJournal(file: string, fromByte = 0, visit?: (record: unknown) => void): Promise<JournalContents> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    throw new JournalError(`cannot read the run journal ${file}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
  }
  try {
    const size = (await handle.stat()).size;
    if (fromByte > size) {
      throw new JournalError(`cannot read the run journal ${file}: it has ${size} bytes, fewer than the ${fromByte} already read; it was replaced or cut short`, undefined);
    }
    return await scan(handleFile(handle), fromByte, visit);
  } catch (error) {
    if (error instanceof JournalError || error instanceof VisitError) throw error instanceof VisitError ? error.cause : error;
    throw new JournalError(`cannot read the run journal ${file}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function isJsonLine(bytes: Uint8Array): boolean {
  try {
    JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** Carries what a `visit` callback threw through the reader's own error handling. */
class VisitError extends Error {
  constructor(override readonly cause: unknown) {
    super('visit failed');
  }
}

/** The offset in `bytes` just after its `k`-th newline (k >= 1). */
function afterNewline(bytes: Uint8Array, k: number): number {
  let at = 0;
  for (let i = 0; i < k; i++) at = bytes.indexOf(NEWLINE, at) + 1;
  return at;
}

/**
 * Reads the lines of `file` after `fromByte`. The complete lines of each chunk are decoded as one string and
 * split: a string and a Buffer view per line cost more than parsing it (a 1,000-task resume folds ~2,000
 * lines before its first task). A newline byte is always a line end in UTF-8, so the split lines are the
 * byte lines, and byte offsets are only counted out where a line is invalid (rare).
 */
async function scan(file: JournalFile, fromByte: number, visit?: (record: unknown) => void): Promise<JournalContents> {
  const records: unknown[] = [];
  const take = (record: unknown): void => {
    if (visit === undefined) {
      records.push(record);
      return;
    }
    try {
      visit(record);
    } catch (error) {
      throw new VisitError(error);
    }
  };
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Bytes of the line that started in an earlier chunk. */
  let carry: Uint8Array[] = [];
  /** Where the next line starts: just after the last newline read. */
  let lineStart = fromByte;
  let position = fromByte;
  let line = 0;
  /** An invalid line is corruption only if another line follows it; if it is the last, it is the torn tail. */
  let invalid: { readonly line: number; readonly start: number } | undefined;
  for (;;) {
    const n = await file.read(chunk, position);
    if (n === 0) break;
    const view = chunk.subarray(0, n);
    const first = view.indexOf(NEWLINE);
    if (first === -1) {
      // The chunk buffer is reused, so the unfinished line's bytes are copied out (Buffer.from copies).
      carry.push(Buffer.from(view));
      position += n;
      continue;
    }
    // The line that began in an earlier chunk (or at this one's start), then those wholly inside this one.
    const head = carry.length === 0 ? view.subarray(0, first) : Buffer.concat([...carry, view.subarray(0, first)]);
    carry = [];
    const last = view.lastIndexOf(NEWLINE);
    const lines = [head.toString('utf8'), ...(last > first ? view.toString('utf8', first + 1, last).split('\n') : [])];
    for (let i = 0; i < lines.length; i++) {
      line++;
      if (invalid) return { records, tornTail: false, corruptAt: invalid.line, endByte: invalid.start };
      let value: unknown;
      try {
        value = JSON.parse(lines[i]!);
      } catch {
        invalid = { line, start: i === 0 ? lineStart : position + afterNewline(view, i) };
        continue;
      }
      take(value);
    }
    lineStart = position + last + 1;
    if (last + 1 < n) carry.push(Buffer.from(view.subarray(last + 1)));
    position += n;
  }
  const unterminated = carry.length > 0;
  if (invalid && unterminated) return { records, tornTail: false, corruptAt: invalid.line, endByte: invalid.start };
  if (invalid) return { records, tornTail: true, endByte: invalid.start };
  return { records, tornTail: unterminated, endByte: lineStart };
}

/**
 * Where the journal's clean part ends: `size`, or the start of a torn last line (no trailing \n,
 * or not JSON), read backwards so opening a big journal does not read all of it.
 */
async function cleanEnd(file: JournalFile, size: number): Promise<number> {
  if (size === 0) return 0;
  const terminated = (await readAt(file, size - 1, 1))[0] === NEWLINE;
  const lineEnd = terminated ? size - 1 : size;
  const start = await lastLineStart(file, lineEnd);
  if (!terminated) return start;
  return isJsonLine(await readAt(file, start, lineEnd - start)) ? size : start;
}

/** The offset just after the last \n before `end`, or 0. */
async function lastLineStart(file: JournalFile, end: number): Promise<number> {
  let to = end;
  while (to > 0) {
    const from = Math.max(0, to - CHUNK_BYTES);
    const bytes = await readAt(file, from, to - from);
    const nl = bytes.lastIndexOf(NEWLINE);
    if (nl !== -1) return from + nl + 1;
    to = from;
  }
  return 0;
}

async function readAt(file: JournalFile, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = await file.read(buffer.subarray(done), position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/** A sync slower than this sends the journal's writes back to the thread pool for good (see handleFile). */
const SLOW_SYNC_MS = 2;

/**
 * Appends are written and synced from this thread while syncs are quick, through the thread pool once one
 * is slow. Why: a commit waits for both anyway, and each trip through the pool costs a worker's wake-up and
 * then this loop's (0.2-0.4 ms a commit on 2 busy cores, more than the 0.1 ms sync itself; a tenth of a short
 * task's whole cost on a chain). On a disk whose sync takes milliseconds (some laptops, network shares),
 * blocking the loop that long would hold up everything else the process does (the language server hosts
 * runs), so there the pool's latency is the lesser cost.
 */
export function handleFile(handle: fs.FileHandle, syncHere: (fd: number) => void = fdatasyncSync): JournalFile {
  let direct = true;
  return {
    read: async (buffer, position) => (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
    write: async (data, position) => (direct ? writeSync(handle.fd, data, 0, data.length, position) : (await handle.write(data, 0, data.length, position)).bytesWritten),
    datasync: async () => {
      if (!direct) return handle.datasync();
      const started = monotonicMs();
      syncHere(handle.fd);
      if (monotonicMs() - started > SLOW_SYNC_MS) direct = false;
    },
    truncate: (length) => handle.truncate(length),
    size: async () => (await handle.stat()).size,
    close: () => handle.close(),
  };
}
