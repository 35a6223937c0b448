import assert from 'node:assert/strict';
import { tokenize } from './tokenize';

describe('tokenize', () => {
  it('produces tokens with spans and ends with eof', () => {
    assert.deepEqual(tokenize(" .x<='a'"), [
      { kind: 'ident', name: 'x', dotted: true, span: { start: 1, end: 3 } },
      { kind: 'op', op: '<=', span: { start: 3, end: 5 } },
      { kind: 'string', value: 'a', span: { start: 5, end: 8 } },
      { kind: 'eof', span: { start: 8, end: 8 } },
    ]);
    assert.deepEqual(tokenize('').map((t) => t.kind), ['eof']);
    assert.deepEqual(
      tokenize('!a != (b, -1) > c && d || e').map((t) => t.kind),
      ['bang', 'ident', 'op', 'lparen', 'ident', 'comma', 'number', 'rparen', 'op', 'ident', 'op', 'ident', 'op', 'ident', 'eof'],
    );
  });

  it('stops at the first bad token, which ends the list', () => {
    const tokens = tokenize('a = b == c');
    assert.deepEqual(tokens.map((t) => t.kind), ['ident', 'error']);
    const last = tokens[tokens.length - 1];
    assert.ok(last?.kind === 'error');
    assert.deepEqual(last.error.span, { start: 2, end: 3 });
  });
});
