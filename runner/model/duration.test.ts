import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration';

describe('durations', () => {
  it('parses units and compounds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('10m'), 600_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
  });

  it('rejects what is not a duration', () => {
    for (const s of ['', '10', 'ten minutes', '10 m', '-1s', '1d', 's', '1.s', '10M']) assert.equal(parseDuration(s), undefined, s);
  });

  it('formats for people', () => {
    assert.equal(formatDuration(412), '412ms');
    assert.equal(formatDuration(1234), '1.2s');
    assert.equal(formatDuration(184_000), '3m04s');
    assert.equal(formatDuration(3_720_000), '1h02m');
  });
});
