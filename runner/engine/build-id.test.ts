import assert from 'node:assert/strict';
import { buildId } from './build-id';

describe('buildId', () => {
  it('names the code that runs from sources too (a hash of the runner), the same on every call', () => {
    const id = buildId();
    assert.match(id ?? '', /^[0-9a-f]{16}$/);
    assert.equal(buildId(), id);
  });
});
