import assert from 'node:assert/strict';
import { closest, editDistance } from './suggest';

describe('suggest', () => {
  it('counts a transposition as one edit', () => {
    assert.equal(editDistance('biuld', 'build'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests the closest name within tolerance', () => {
    assert.equal(closest('biuld', ['lint', 'build', 'deploy']), 'build');
    assert.equal(closest('timout', ['timeout', 'retries']), 'timeout');
    assert.equal(closest('Deploy', ['deploy']), 'deploy');
    assert.equal(closest('zzz', ['lint', 'build']), undefined);
    assert.equal(closest('a', ['b']), undefined);
  });

  it('prefers the earlier candidate on ties and ignores an exact match', () => {
    assert.equal(closest('tast', ['test', 'task']), 'test');
    assert.equal(closest('lint', ['lint']), undefined);
  });
});
