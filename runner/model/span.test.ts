import assert from 'node:assert/strict';
import { LineIndex } from './span';

describe('LineIndex', () => {
  it('maps offsets to 1-based line:col across \\n, \\r\\n and \\r', () => {
    const text = 'ab\ncd\r\nef\rgh';
    const idx = new LineIndex(text);
    assert.equal(idx.lineCount, 4);
    assert.deepEqual(idx.lineCol(0), { line: 1, col: 1 });
    assert.deepEqual(idx.lineCol(3), { line: 2, col: 1 });
    assert.deepEqual(idx.lineCol(7), { line: 3, col: 1 });
    assert.deepEqual(idx.lineCol(10), { line: 4, col: 1 });
    assert.deepEqual(idx.lineCol(text.length), { line: 4, col: 3 });
  });

  it('clamps offsets and line/character pairs into the document', () => {
    const idx = new LineIndex('abc\nde');
    assert.deepEqual(idx.lineCol(-5), { line: 1, col: 1 });
    assert.deepEqual(idx.lineCol(99), { line: 2, col: 3 });
    assert.equal(idx.offsetAt(1, 1), 5);
    assert.equal(idx.offsetAt(0, 99), 3);
    assert.equal(new LineIndex('a\r\nb').offsetAt(0, 5), 1);
    assert.equal(idx.offsetAt(9, 0), 6);
  });
});
