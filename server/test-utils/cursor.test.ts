// The cursor-marker helper the completion, hover and navigation tests rely on.
import assert from 'node:assert/strict';
import { cursor } from './cursor';

describe('cursor', () => {
  it('removes the marker and gives its offset and position', () => {
    const c = cursor('[tasks.a]\r\nrun = "x|"\n');
    assert.equal(c.text, '[tasks.a]\r\nrun = "x"\n');
    assert.equal(c.offset, 19);
    assert.deepEqual(c.position, { line: 1, character: 8 });
    assert.equal(c.document.getText(), c.text);
  });

  it('takes another marker for text that contains "|"', () => {
    assert.equal(cursor('if = "a || b‸"', { marker: '‸' }).offset, 12);
  });

  it('rejects a missing or repeated marker', () => {
    assert.throws(() => cursor('no marker'), /no cursor marker/);
    assert.throws(() => cursor('a || b'), /more than one cursor marker/);
  });
});
