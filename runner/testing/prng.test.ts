import assert from 'node:assert/strict';
import { fuzzCases, fuzzChunks, fuzzSeed, Rng } from './prng';

/** Runs `body` with an environment variable set (or unset), then puts it back. */
function withEnv<T>(name: string, value: string | undefined, body: () => T): T {
  const before = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('fuzz knobs: seeds, case counts and chunks that replay', () => {
  it('replays a seed: the same FUZZ_SEED gives the same draws', () => {
    const draws = (): number[] => withEnv('FUZZ_SEED', '42', () => {
      const rng = new Rng(fuzzSeed());
      return [rng.int(1000), rng.int(1000), rng.int(1000)];
    });
    assert.deepEqual(draws(), draws());
    assert.throws(() => withEnv('FUZZ_SEED', '1e3', fuzzSeed), /FUZZ_SEED must be a non-negative safe integer, got "1e3"/);
  });

  it('takes FUZZ_CASES when set, else the suite\'s own count, and refuses what is not a positive integer', () => {
    assert.equal(withEnv('FUZZ_CASES', undefined, () => fuzzCases(5000)), 5000);
    assert.equal(withEnv('FUZZ_CASES', '50000', () => fuzzCases(5000)), 50000);
    for (const bad of ['0', '-3', '2.5', ' 7', 'lots']) assert.throws(() => withEnv('FUZZ_CASES', bad, () => fuzzCases(5000)), /FUZZ_CASES must be a positive integer/, bad);
  });

  it('splits the cases into chunks of at most the size, the last one shorter', () => {
    assert.deepEqual(fuzzChunks(2500, 1000), [[0, 1000], [1000, 1000], [2000, 500]]);
    assert.deepEqual(fuzzChunks(3, 1000), [[0, 3]]);
    assert.equal(fuzzChunks(50_000, 500).length, 100);
  });
});
