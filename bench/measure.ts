// Times several functions in a warm process and reports medians. Each case runs in a block of
// consecutive calls, and the blocks alternate over passes (A B C, C B A, …) so drift hits every case.
import { performance } from 'node:perf_hooks';

export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly samples: readonly number[];
}

export interface MeasureOptions {
  /** Timed calls per case, spread over the passes. */
  readonly runs: number;
  /** Untimed calls at the start of every block. */
  readonly warmup: number;
  readonly passes?: number;
}

// Why blocks and not one call of each case in turn: the garbage of an allocation-heavy case was then
// collected on the next case's clock (the scanner's median went from 4 to 11–23 ms after
// toml-eslint-parser). Why no forced gc() between calls: it shrinks V8's young generation, and the
// same cases ran 2–3× slower than they do in a long-lived process.

// Results go here so the JIT cannot drop a call whose value is unused.
let sink: unknown;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** Milliseconds per call of each function, by name. */
export function measure(cases: Readonly<Record<string, () => unknown>>, opts: MeasureOptions): Map<string, Timing> {
  const passes = opts.passes ?? 2;
  const names = Object.keys(cases);
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let pass = 0; pass < passes; pass++) {
    const order = pass % 2 === 0 ? names : [...names].reverse();
    const runs = Math.ceil(opts.runs / passes);
    for (const name of order) {
      const fn = cases[name];
      if (!fn) continue;
      const xs = samples.get(name) ?? [];
      for (let i = 0; i < opts.warmup + runs; i++) {
        const t0 = performance.now();
        sink = fn();
        const ms = performance.now() - t0;
        if (i >= opts.warmup) xs.push(ms);
      }
    }
  }
  void sink;
  const out = new Map<string, Timing>();
  for (const [name, xs] of samples) out.set(name, { median: median(xs), min: Math.min(...xs), samples: xs });
  return out;
}
