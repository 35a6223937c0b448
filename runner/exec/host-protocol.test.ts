import assert from 'node:assert/strict';
import { prng } from '../testing/prng';
import { applyEnvDelta, envDelta } from './host-protocol';

describe('host protocol: environments sent as changes to a base', () => {
  it('a delta applied to its base gives the environment back, for random bases and changes', () => {
    const rand = prng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const keys = Array.from({ length: 30 }, (_, i) => `K${i}`);
    for (let round = 0; round < 500; round++) {
      const base: Record<string, string> = {};
      for (const k of keys) if (rand() < 0.7) base[k] = pick(['a', 'b', '', 'x=y', 'ü']);
      const env: Record<string, string> = { ...base };
      for (let i = Math.floor(rand() * 6); i > 0; i--) {
        const k = pick(keys);
        if (rand() < 0.3) delete env[k];
        else env[k] = pick(['a', 'c', '', 'new']);
      }
      const delta = envDelta(base, env);
      if (delta === undefined) continue; // too different: the caller sends a new base
      assert.deepEqual(applyEnvDelta(base, delta), env);
    }
  });

  it('says "send a new base" when most of the environment changed', () => {
    assert.equal(envDelta({}, { A: '1', B: '2', C: '3', D: '4', E: '5', F: '6' }), undefined);
    assert.deepEqual(envDelta({ A: '1', B: '2' }, { A: '1', B: '2' }), { set: {}, unset: [] });
  });
});
