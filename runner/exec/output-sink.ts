// Where a task's stdout and stderr go: decoded, masked, then into the log file (honouring its backpressure),
// the log tail and the live hook, in arrival order. Owns the log stream it is given until close().
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import type { LogTail } from './log-tail';
import { MaskingStream, type SecretMatcher } from './secret-masker';
import { monotonicMs } from './monotonic';

export type StreamName = 'stdout' | 'stderr';

interface Source {
  readonly name: StreamName;
  readonly stream: Readable;
  readonly decoder: StringDecoder;
  readonly masker: MaskingStream | undefined;
  closed: boolean;
}

export class OutputSink {
  private readonly sources: Source[] = [];
  private readonly closeWaiters = new Set<() => void>();
  /** Set while the log's buffer is full: the pipes are not read, so the task blocks instead of our memory growing. */
  private paused = false;
  private lastData = 0;
  private logError: string | undefined;

  /** `log` (the log file's stream, opened for appending) is owned from here on: close() ends it. */
  constructor(
    private readonly log: Writable,
    private readonly matcher: SecretMatcher | undefined,
    private readonly tail: LogTail,
    private readonly onOutput: ((chunk: string, stream: StreamName) => void) | undefined,
  ) {
    this.log.on('drain', () => this.resume());
    this.log.on('error', (error) => {
      // Keep reading the pipes (and discarding) so the task is not blocked by a log we cannot write.
      this.logError ??= `cannot write the log: ${error.message}`;
      this.resume();
    });
  }

  attach(stream: Readable, name: StreamName): void {
    const source: Source = {
      name,
      stream,
      decoder: new StringDecoder('utf8'),
      masker: this.matcher === undefined ? undefined : new MaskingStream(this.matcher),
      closed: false,
    };
    this.sources.push(source);
    stream.on('data', (chunk: Buffer) => {
      this.lastData = monotonicMs();
      const text = source.decoder.write(chunk);
      this.emit(source.masker === undefined ? text : source.masker.write(text), name);
    });
    // A read error ends the stream as EOF would; 'close' follows either way.
    stream.on('error', () => undefined);
    stream.once('close', () => {
      const text = source.decoder.end();
      this.emit(source.masker === undefined ? text : source.masker.write(text) + source.masker.end(), name);
      source.closed = true;
      if (this.sources.every((each) => each.closed)) for (const wake of this.closeWaiters) wake();
    });
  }

  /** A line of Cairn's own (already masked), e.g. why the task could not start: into the log and the tail. */
  note(text: string): void {
    this.tail.push(text);
    this.writeLog(text);
  }

  /** Resolves true once every attached stream has closed, or false after `ms`. */
  closedWithin(ms: number): Promise<boolean> {
    if (this.sources.every((source) => source.closed)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.closeWaiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.closeWaiters.delete(wake);
        resolve(false);
      }, ms);
      this.closeWaiters.add(wake);
    });
  }

  /**
   * Waits until every stream has closed: reads what is left in the pipes. A stream that stays open with no data
   * for `idleMs` (and not because we paused it) is held by a process outside the task's group (`setsid x &`),
   * which would keep it open forever: it is destroyed.
   */
  async settle(idleMs: number): Promise<void> {
    while (!(await this.closedWithin(idleMs))) {
      if (this.paused || monotonicMs() - this.lastData < idleMs) continue;
      for (const source of this.sources) if (!source.closed) source.stream.destroy();
    }
  }

  /** Ends the log file; resolves once it is closed, with the write error if there was one. */
  close(): Promise<string | undefined> {
    // After a write error the stream may already be destroyed and closed; 'close' would not come again.
    if (this.log.closed) return Promise.resolve(this.logError);
    return new Promise((resolve) => {
      this.log.once('close', () => resolve(this.logError));
      this.log.end();
    });
  }

  private emit(text: string, name: StreamName): void {
    if (text === '') return;
    this.tail.push(text);
    if (this.onOutput !== undefined) {
      try {
        this.onOutput(text, name);
      } catch {
        // A progress UI's failure must not change the task's outcome or its log.
      }
    }
    this.writeLog(text);
  }

  private writeLog(text: string): void {
    if (this.logError !== undefined || this.log.write(text)) return;
    if (this.paused) return;
    this.paused = true;
    for (const source of this.sources) source.stream.pause();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const source of this.sources) source.stream.resume();
  }
}
