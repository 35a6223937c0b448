import assert from 'node:assert/strict';
import { MaskingStream, SecretMatcher, maskSecrets } from './secret-masker';

function streamed(secrets: readonly string[], chunks: readonly string[]): { out: string; emitted: string[] } {
  const matcher = SecretMatcher.create(secrets);
  assert.ok(matcher !== undefined);
  const stream = new MaskingStream(matcher);
  const emitted = chunks.map((chunk) => stream.write(chunk));
  emitted.push(stream.end());
  return { out: emitted.join(''), emitted };
}

describe('SecretMatcher / MaskingStream', () => {
  it('has nothing to do without non-empty secrets', () => {
    assert.equal(SecretMatcher.create([]), undefined);
    assert.equal(SecretMatcher.create(['', '']), undefined);
    assert.equal(maskSecrets('a hunter2', undefined), 'a hunter2');
  });

  const cases: ReadonlyArray<{ name: string; secrets: string[]; text: string; masked: string }> = [
    { name: 'one secret, twice', secrets: ['hunter2'], text: 'pw=hunter2 again hunter2.', masked: 'pw=*** again ***.' },
    { name: 'a secret inside another: the longer is masked whole', secrets: ['abc', 'abcdef'], text: 'x abcdef y abc', masked: 'x *** y ***' },
    { name: 'overlapping secrets: leftmost first', secrets: ['abc', 'cde'], text: 'abcde', masked: '***de' },
    { name: 'regex characters in a secret', secrets: ['a.b*c(d)$'], text: 'a.b*c(d)$ axbbc', masked: '*** axbbc' },
    { name: 'empty secrets are ignored', secrets: ['', 'tok'], text: 'a tok b', masked: 'a *** b' },
    { name: 'secret with a newline', secrets: ['line1\nline2'], text: 'x line1\nline2 y', masked: 'x *** y' },
    { name: 'repeated letters', secrets: ['aab'], text: 'aaab aab', masked: 'a*** ***' },
    { name: 'no secret present', secrets: ['zzz'], text: 'nothing here', masked: 'nothing here' },
    { name: 'unicode', secrets: ['пароль'], text: 'my пароль ok', masked: 'my *** ok' },
  ];

  for (const { name, secrets, text, masked } of cases) {
    it(`${name}: the same whole, split at every point, and char by char`, () => {
      const matcher = SecretMatcher.create(secrets);
      assert.equal(matcher?.maskAll(text), masked);
      assert.equal(streamed(secrets, [text]).out, masked);
      for (let cut = 1; cut < text.length; cut++) {
        assert.equal(streamed(secrets, [text.slice(0, cut), text.slice(cut)]).out, masked, `cut at ${cut}`);
      }
      assert.equal(streamed(secrets, [...text]).out, masked, 'char by char');
    });
  }

  it('never emits any part of a secret, wherever the chunks are cut', () => {
    const secret = 'Sup3rS3cret';
    const text = `start ${secret} middle S${secret}Sup end ${secret}`;
    for (let a = 1; a < text.length; a++) {
      for (let b = a + 1; b < text.length; b += 3) {
        const { emitted, out } = streamed([secret], [text.slice(0, a), text.slice(a, b), text.slice(b)]);
        assert.equal(out, 'start *** middle S***Sup end ***');
        for (const piece of emitted) assert.ok(!piece.includes('Sup3'), `leaked in ${JSON.stringify(piece)}`);
      }
    }
  });

  it('holds back only a possible secret prefix, not a fixed window', () => {
    const matcher = SecretMatcher.create(['hunter2']);
    assert.ok(matcher !== undefined);
    const stream = new MaskingStream(matcher);
    assert.equal(stream.write('plain line\n'), 'plain line\n', 'nothing here can start a secret');
    assert.equal(stream.write('a hun'), 'a ', '"hun" may become hunter2');
    assert.equal(stream.write('gry\n'), 'hungry\n');
    assert.equal(stream.write('x hunter'), 'x ');
    assert.equal(stream.end(), 'hunter', 'a prefix at the end is only a prefix');
  });
});
