// A seeded PRNG (mulberry32) for reproducible random tests, fuzzing and
// benchmark inputs: tiny, fast, the same sequence on every machine.
import { randomInt } from 'node:crypto';

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The fuzz tests' view of `prng`. Every method draws exactly one number, so a
 * seed replays the same run as long as the test makes the same calls.
 */
export class Rng {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = prng(seed);
  }

  next(): number {
    return this.random();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    // In range by construction; the cast only restores what indexing widened.
    return items[this.int(items.length)] as T;
  }
}

/**
 * The seed from FUZZ_SEED, so a failure's printed seed replays it; a fresh one
 * when unset, so each run explores new inputs. A malformed value throws rather
 * than silently running some other seed.
 */
export function fuzzSeed(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return randomInt(2 ** 31);
  // Decimal digits only: Number() would also take ' ', '1e3' or '0x10'.
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be a non-negative safe integer, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * How many fuzz cases a suite runs: `fallback` in `npm test`, or FUZZ_CASES (`npm run test:reliability` asks for
 * 50,000). Split into chunks of `chunk`, each a test of its own that replays alone: a chunk's generator derives
 * from the seed and its index, so a failing chunk's title names what to replay.
 */
export function fuzzCases(fallback: number): number {
  const raw = process.env.FUZZ_CASES;
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`FUZZ_CASES must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** The chunks of `cases`: [first, count] each, of at most `size` cases. */
export function fuzzChunks(cases: number, size: number): [first: number, count: number][] {
  const out: [number, number][] = [];
  for (let first = 0; first < cases; first += size) out.push([first, Math.min(size, cases - first)]);
  return out;
}
