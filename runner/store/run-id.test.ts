import assert from 'node:assert/strict';
import { newRunId, RUN_ID } from './run-id';

describe('run ids', () => {
  it('are 16 Crockford base32 characters', () => {
    const id = newRunId();
    assert.match(id, RUN_ID);
  });

  it('sort by creation time, and strictly increase within one millisecond', () => {
    const ids = [newRunId(1_700_000_000_000), newRunId(1_700_000_000_000), newRunId(1_700_000_000_000), newRunId(1_700_000_000_001), newRunId(1_800_000_000_000)];
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });
});
