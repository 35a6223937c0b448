import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { decodeTomlString } from './toml-string';

/** Decodes the literal with smol-toml too, so both decoders must agree on the value. */
function check(literal: string): { value: string; offsets: number[] } {
  const expected = (parse(`x = ${literal}`) as { x: string }).x;
  const d = decodeTomlString(literal);
  assert.ok(d, `could not decode ${literal}`);
  assert.equal(d.value, expected);
  assert.equal(d.offsets.length, d.value.length + 1);
  return d;
}

describe('decodeTomlString', () => {
  it('maps plain basic and literal strings one to one after the quote', () => {
    assert.deepEqual(check('"ab"').offsets, [1, 2, 3]);
    assert.deepEqual(check("'a\\b'").offsets, [1, 2, 3, 4]);
  });

  it('maps escapes to where they start in the source', () => {
    const d = check('"a\\"b\\u00e9c"');
    assert.equal(d.value, 'a"béc');
    assert.deepEqual(d.offsets, [1, 2, 4, 5, 11, 12]);
    assert.equal(check('"\\U0001F600!"').offsets[2], 11, 'astral escape spans two UTF-16 units');
  });

  it('drops the newline after """ and folds line-ending backslashes', () => {
    const lit = '"""\nab \\\n   cd"""';
    const d = check(lit);
    assert.equal(d.value, 'ab cd');
    assert.equal(lit[d.offsets[0]!], 'a');
    assert.equal(lit[d.offsets[3]!], 'c');
    assert.equal(d.offsets[5], lit.length - 3);
    const crlf = check("'''\r\nx'''");
    assert.equal(crlf.offsets[0], 5);
  });

  it('refuses what is not a string literal', () => {
    assert.equal(decodeTomlString('42'), undefined);
    assert.equal(decodeTomlString('"open'), undefined);
    assert.equal(decodeTomlString('"bad \\q"'), undefined);
  });
});
