// When to validate which document: a burst of keystrokes is validated once, after a pause; an opened
// document at once. Validation is synchronous, so the result always belongs to the version it was computed
// from, and it is published with that version: a client drops diagnostics for a version it has moved past,
// and a superseded version is never validated at all (its timer is replaced).

export interface VersionedDocument {
  readonly uri: string;
  readonly version: number;
}

export interface ValidationQueueOptions<D extends VersionedDocument, R> {
  readonly delayMs: number;
  /** The document as it is now, or undefined once closed. */
  current(uri: string): D | undefined;
  validate(document: D): R;
  publish(uri: string, version: number, result: R): void;
  onError(message: string): void;
  /** For tests: a fake clock. */
  readonly timers?: { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void };
}

export class ValidationQueue<D extends VersionedDocument, R> {
  private readonly pending = new Map<string, unknown>();
  /** Last version published per document: never publish the same version twice, nor an older one. */
  private readonly published = new Map<string, number>();
  private readonly timers: NonNullable<ValidationQueueOptions<D, R>['timers']>;

  constructor(private readonly options: ValidationQueueOptions<D, R>) {
    this.timers = options.timers ?? { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };
  }

  schedule(uri: string): void {
    this.cancel(uri);
    this.pending.set(uri, this.timers.set(() => this.run(uri), this.options.delayMs));
  }

  now(uri: string): void {
    this.cancel(uri);
    this.run(uri);
  }

  forget(uri: string): void {
    this.cancel(uri);
    this.published.delete(uri);
  }

  private cancel(uri: string): void {
    const handle = this.pending.get(uri);
    if (handle !== undefined) this.timers.clear(handle);
    this.pending.delete(uri);
  }

  private run(uri: string): void {
    this.pending.delete(uri);
    const document = this.options.current(uri);
    if (document === undefined) return;
    const last = this.published.get(uri);
    if (last !== undefined && last >= document.version) return;
    try {
      const result = this.options.validate(document);
      this.published.set(uri, document.version);
      this.options.publish(uri, document.version, result);
    } catch (e) {
      this.report(`cairn: validating ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  /** run() is called from a timer: a throw here (a logger on a closed connection) would kill the server. */
  private report(message: string): void {
    try {
      this.options.onError(message);
    } catch {
      // Nowhere left to report to; the next document is validated all the same.
    }
  }
}
