// The boundary that keeps every language feature total: an internal error
// becomes an empty answer plus a log line, never an exception the host must catch.

/** Where internal errors go; the host passes the LSP connection's console. */
export interface Logger {
  error(message: string): void;
}

/** Runs `fn`; on a throw, logs what failed and returns `fallback`. */
export function guard<T>(logger: Logger | undefined, what: string, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    try {
      logger?.error(`cairn language service: ${what} failed: ${detail}`);
    } catch {
      // A broken logger must not turn a handled error into an unhandled one.
    }
    return fallback;
  }
}
