// A monotonic clock in milliseconds for measuring durations. Not `performance.now()`: Node builds its whole
// perf_hooks module (eleven internal modules, ~0.9 ms) on the first touch of that global, inside the start-up
// of every `cairn` command; process.hrtime reads the same clock with nothing to load.
const origin = process.hrtime.bigint();

/** Milliseconds since this module loaded, with sub-millisecond precision; only differences mean anything. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() - origin) / 1e6;
}
