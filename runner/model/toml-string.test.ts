import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { prng } from '../testing/prng';
import { decodeTomlString, decodeTomlStringAt, unescapeBasicKey } from './toml-string';

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

describe('decodeTomlStringAt', () => {
  it('decodes every string literal in place as decodeTomlString does', () => {
    const literals = [
      '""', "''", '"a"', "'a\\b'", '"a\\"b"', '"\\u00e9\\U0001F600\\x41"', '"\\q"', '"\\u12"', '"\\UFFFFFFFF"', '"\\"', '"a\\',
      '""""""', '"""\nx"""', '"""\r\nx"""', '"""\rx"""', '"""a""""', '"""a"""""', "'''\nx'''", "'''a''''", '"""a \\\n  b"""', '"""a \\  \n\n  b"""',
      '"""a \\ b"""', '"""\\\n"""', '"\\\n"', '"""', '"', "'", '"x', '"""x""', "'''x''", 'x', '',
    ];
    const random = prng(5);
    const alphabet = ['a', ' ', '\\', '"', "'", 'u', 'U', 'x', '0', 'e', 'F', '\n', '\r', '\t', 'n', 'é'];
    for (let i = 0; i < 20_000; i++) {
      const q = ['"', "'", '"""', "'''"][Math.floor(random() * 4)]!;
      let body = '';
      for (let n = Math.floor(random() * 12); n > 0; n--) body += alphabet[Math.floor(random() * alphabet.length)];
      literals.push(q + body + (random() < 0.9 ? q : ''));
    }
    for (const literal of literals) {
      // Inside other text, as the scanner sees it: the literal's span only, never the characters around it.
      const text = `x = ${literal}"\\u0041`;
      const span = { start: 4, end: 4 + literal.length };
      assert.equal(decodeTomlStringAt(text, span.start, span.end), decodeTomlString(literal)?.value, JSON.stringify(literal));
    }
  });
});

describe('unescapeBasicKey', () => {
  it('decodes a quoted key as TOML reads it, dropping escapes the parser reports', () => {
    assert.equal(unescapeBasicKey('plain'), 'plain');
    assert.equal(unescapeBasicKey('a\\tb\\"c\\u00e9\\U0001F600\\x41'), 'a\tb"cé😀A');
    assert.equal(unescapeBasicKey('bad\\q'), 'bad', 'an unknown escape is dropped');
    assert.equal(unescapeBasicKey('big\\UFFFFFFFF'), 'big', 'beyond Unicode is dropped');
  });
});
