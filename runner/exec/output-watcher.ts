// Follows $CAIRN_OUTPUT while its task runs: on each change reads only the new bytes, parses complete records
// and hands each to the engine in order, awaiting it before the next (each one is a durable snapshot).
// Reads are synchronous: the file is small and in the page cache (it lives in the temp folder), and a read
// through the thread pool costs more in hand-offs than the read itself — on every attempt.
import { closeSync, readSync, watch, type FSWatcher } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { OutputFileParser, type OutputRecord } from './output-file';

/** Used only where fs.watch is unavailable (some network and container file systems). */
const POLL_MS = 100;
const READ_BYTES = 64 * 1024;

export type DeliverRecord = (name: string, value: string) => Promise<void>;

export class OutputWatcher {
  private readonly parser = new OutputFileParser();
  private readonly decoder = new StringDecoder('utf8');
  private position = 0;
  private buffer: Buffer | undefined;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  /** A change arrived that the current read may have missed: read again after it. */
  private dirty = false;
  private reading: Promise<void> | undefined;
  private finished = false;
  /** A read or delivery failure; nothing more is delivered after one, since order would be broken. */
  private failure: string | undefined;

  /** `fd` is open for reading and owned from here on: finish() closes it. */
  constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly deliver: DeliverRecord | undefined,
  ) {}

  start(): void {
    // Without a listener nobody needs records early: finish() still reads the whole file, for outputError.
    if (this.deliver === undefined) return;
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.changed());
      this.watcher.on('error', () => this.fallBackToPolling());
    } catch {
      this.fallBackToPolling();
    }
  }

  /** Call once the task's processes are gone: reads the rest, including a last line without `\n`. */
  async finish(): Promise<string | undefined> {
    this.finished = true;
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.poll);
    await this.reading;
    await this.readNew();
    await this.handle(this.parser.feed(this.decoder.end()));
    const { records, error } = this.parser.end();
    await this.handle(records);
    try {
      closeSync(this.fd);
    } catch {
      // Nothing was written through it; a failed close loses nothing.
    }
    return [this.failure, error].filter((text) => text !== undefined).join('; ') || undefined;
  }

  private fallBackToPolling(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.poll === undefined && !this.finished) {
      this.poll = setInterval(() => this.changed(), POLL_MS);
      this.poll.unref();
    }
  }

  private changed(): void {
    this.dirty = true;
    this.reading ??= this.catchUp();
  }

  private async catchUp(): Promise<void> {
    while (this.dirty && !this.finished) {
      this.dirty = false;
      await this.readNew();
    }
    this.reading = undefined;
  }

  private async readNew(): Promise<void> {
    if (this.failure !== undefined) return;
    const buffer = (this.buffer ??= Buffer.allocUnsafe(READ_BYTES));
    for (;;) {
      let bytesRead: number;
      try {
        bytesRead = readSync(this.fd, buffer, 0, buffer.length, this.position);
      } catch (error) {
        this.failure = `cannot read $CAIRN_OUTPUT: ${error instanceof Error ? error.message : String(error)}`;
        return;
      }
      if (bytesRead === 0) return;
      this.position += bytesRead;
      await this.handle(this.parser.feed(this.decoder.write(buffer.subarray(0, bytesRead))));
    }
  }

  private async handle(records: readonly OutputRecord[]): Promise<void> {
    for (const record of records) {
      if (this.failure !== undefined || this.deliver === undefined) return;
      try {
        await this.deliver(record.name, record.value);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.failure = `recording output variable "${record.name}" failed (${reason}); later $CAIRN_OUTPUT records were not delivered`;
      }
    }
  }
}
