import assert from 'node:assert/strict';
import { LogTail } from './log-tail';

function tailOf(chunks: readonly string[], lines: number, maxLineChars?: number): string {
  const tail = new LogTail(lines, maxLineChars);
  for (const chunk of chunks) tail.push(chunk);
  return tail.toString();
}

describe('LogTail', () => {
  const numbered = Array.from({ length: 100 }, (_, i) => `${i + 1}\n`).join('');

  it('keeps the last N lines, however the text is chunked', () => {
    const expected = '96\n97\n98\n99\n100';
    assert.equal(tailOf([numbered], 5), expected);
    assert.equal(tailOf([...numbered], 5), expected);
    for (let cut = 1; cut < numbered.length; cut += 7) {
      assert.equal(tailOf([numbered.slice(0, cut), numbered.slice(cut)], 5), expected, `cut at ${cut}`);
    }
  });

  it('includes an unfinished last line', () => {
    assert.equal(tailOf(['a\nb\nc'], 2), 'b\nc');
    assert.equal(tailOf(['a\nb\nc', 'd'], 2), 'b\ncd');
  });

  it('fewer lines than N, empty input, and N = 0', () => {
    assert.equal(tailOf(['a\nb\n'], 5), 'a\nb');
    assert.equal(tailOf([], 5), '');
    assert.equal(tailOf(['a\nb\n'], 0), '');
  });

  it('drops the CR of CRLF line ends', () => {
    assert.equal(tailOf(['a\r\nb\r\n'], 5), 'a\nb');
  });

  it('caps each line and says how much it cut', () => {
    assert.equal(tailOf(['x'.repeat(10), 'y'.repeat(5), '\nshort\n'], 5, 8), 'xxxxxxxx… [7 more characters]\nshort');
    assert.equal(tailOf(['z'.repeat(20)], 5, 8), 'zzzzzzzz… [12 more characters]');
  });

  it('holds a huge line in bounded memory', () => {
    const tail = new LogTail(3);
    const piece = 'a'.repeat(65536);
    for (let i = 0; i < 160; i++) tail.push(piece); // 10 MB
    tail.push('\nend\n');
    const [first, second] = tail.toString().split('\n');
    assert.equal(first, `${'a'.repeat(4096)}… [${160 * 65536 - 4096} more characters]`);
    assert.equal(second, 'end');
  });
});
