import assert from 'node:assert/strict';
import { expressionVariables, FUNCTIONS, parseExpression, type Expr, type ExprSpan } from './expression';

function parseOk(source: string): Expr {
  const r = parseExpression(source);
  if (!r.ok) assert.fail(`expected ${JSON.stringify(source)} to parse, got: ${r.error.message}`);
  return r.expr;
}

/** Fully parenthesized form, to check grouping without spelling out spans. */
function sexpr(e: Expr): string {
  switch (e.kind) {
    case 'var':
      return e.name;
    case 'string':
      return JSON.stringify(e.value);
    case 'number':
    case 'bool':
      return String(e.value);
    case 'not':
      return `(! ${sexpr(e.operand)})`;
    case 'binary':
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case 'call':
      return `(${e.fn} ${e.args.map(sexpr).join(' ')})`;
    default: {
      const unreachable: never = e;
      return unreachable;
    }
  }
}

const sp = (start: number, end: number): ExprSpan => ({ start, end });

describe('parseExpression: constructs and spans', () => {
  it('parses variables, with or without a leading "."', () => {
    assert.deepEqual(parseOk('env'), { kind: 'var', name: 'env', span: sp(0, 3) });
    assert.deepEqual(parseOk('  .env_2 '), { kind: 'var', name: 'env_2', span: sp(2, 8) });
    assert.deepEqual(parseOk('_x9'), { kind: 'var', name: '_x9', span: sp(0, 3) });
  });

  it('parses string literals in either quote with escapes', () => {
    assert.deepEqual(parseOk(`'prod'`), { kind: 'string', value: 'prod', span: sp(0, 6) });
    assert.deepEqual(parseOk(`"it's"`), { kind: 'string', value: "it's", span: sp(0, 6) });
    assert.deepEqual(parseOk(`''`), { kind: 'string', value: '', span: sp(0, 2) });
    assert.deepEqual(parseOk(String.raw`'a\\b\'c\"d\ne\tf'`), {
      kind: 'string',
      value: 'a\\b\'c"d\ne\tf',
      span: sp(0, 18),
    });
    assert.deepEqual(parseOk(`"😀"`), { kind: 'string', value: '😀', span: sp(0, 4) });
  });

  it('parses numbers, negative and decimal', () => {
    assert.deepEqual(parseOk('42'), { kind: 'number', value: 42, span: sp(0, 2) });
    assert.deepEqual(parseOk('-2.50'), { kind: 'number', value: -2.5, span: sp(0, 5) });
    assert.deepEqual(parseOk('007'), { kind: 'number', value: 7, span: sp(0, 3) });
  });

  it('reads a qualified name (the debugger\'s vars.version, task.env.HOME) as one variable name', () => {
    assert.deepEqual(parseOk('vars.version'), { kind: 'var', name: 'vars.version', span: sp(0, 12) });
    assert.deepEqual(parseOk('task.env.HOME'), { kind: 'var', name: 'task.env.HOME', span: sp(0, 13) });
    assert.deepEqual(parseOk('.vars.x'), { kind: 'var', name: 'vars.x', span: sp(0, 7) });
    assert.equal(parseExpression('vars.').ok, false, 'a name cannot end in "."');
  });

  it('parses true and false as booleans, but .true as a variable', () => {
    assert.deepEqual(parseOk('true'), { kind: 'bool', value: true, span: sp(0, 4) });
    assert.deepEqual(parseOk('false'), { kind: 'bool', value: false, span: sp(0, 5) });
    assert.deepEqual(parseOk('.true'), { kind: 'var', name: 'true', span: sp(0, 5) });
    assert.deepEqual(parseOk('trueish'), { kind: 'var', name: 'trueish', span: sp(0, 7) });
  });

  it('parses a binary operator with both spans', () => {
    assert.deepEqual(parseOk("env == 'prod'"), {
      kind: 'binary',
      op: '==',
      left: { kind: 'var', name: 'env', span: sp(0, 3) },
      right: { kind: 'string', value: 'prod', span: sp(7, 13) },
      span: sp(0, 13),
      opSpan: sp(4, 6),
    });
    for (const op of ['==', '!=', '<', '<=', '>', '>=', '&&', '||'] as const) {
      const e = parseOk(`a ${op} b`);
      assert.ok(e.kind === 'binary' && e.op === op, op);
      assert.deepEqual(e.opSpan, sp(2, 2 + op.length));
    }
  });

  it('parses "!" with a span from the bang to the end of its operand', () => {
    assert.deepEqual(parseOk('! a'), { kind: 'not', operand: { kind: 'var', name: 'a', span: sp(2, 3) }, span: sp(0, 3) });
    assert.equal(sexpr(parseOk('!!a')), '(! (! a))');
  });

  it('keeps parentheses out of the operand span but inside the parent span', () => {
    const e = parseOk('( env ) == (1)');
    assert.ok(e.kind === 'binary');
    assert.deepEqual(e.left.span, sp(2, 5));
    assert.deepEqual(e.right.span, sp(12, 13));
    assert.deepEqual(e.span, sp(0, 14));
    const n = parseOk('!(a)');
    assert.deepEqual(n.span, sp(0, 4));
    assert.deepEqual(parseOk('((a))').span, sp(2, 3));
  });

  it('parses function calls with name and call spans', () => {
    assert.deepEqual(parseOk("contains(branch, 'rel')"), {
      kind: 'call',
      fn: 'contains',
      args: [
        { kind: 'var', name: 'branch', span: sp(9, 15) },
        { kind: 'string', value: 'rel', span: sp(17, 22) },
      ],
      span: sp(0, 23),
      nameSpan: sp(0, 8),
    });
    assert.equal(sexpr(parseOk('startsWith(a && b, !c)')), '(startsWith (&& a b) (! c))');
    assert.equal(sexpr(parseOk('endsWith((x), contains(y, z))')), '(endsWith x (contains y z))');
    assert.equal(sexpr(parseOk('contains (a,b)')), '(contains a b)');
  });

  it('describes every function', () => {
    assert.deepEqual(Object.keys(FUNCTIONS).sort(), ['contains', 'endsWith', 'startsWith']);
    for (const f of Object.values(FUNCTIONS)) {
      assert.equal(f.arity, 2);
      assert.ok(f.doc.length > 10);
    }
  });

  it('accepts tabs, newlines and no spaces at all', () => {
    assert.equal(sexpr(parseOk("a=='x'&&!b||c<=-1")), '(|| (&& (== a "x") (! b)) (<= c -1))');
    assert.equal(sexpr(parseOk('a\n&&\tb\r\n')), '(&& a b)');
  });
});

describe('parseExpression: precedence', () => {
  const cases: [string, string][] = [
    ['a || b && c', '(|| a (&& b c))'],
    ['a && b || c', '(|| (&& a b) c)'],
    ['a && b && c', '(&& (&& a b) c)'],
    ['a || b || c', '(|| (|| a b) c)'],
    ["a == 'x' && b != 'y'", '(&& (== a "x") (!= b "y"))'],
    ['a < 1 || b >= 2 && c', '(|| (< a 1) (&& (>= b 2) c))'],
    ['!a == b', '(== (! a) b)'],
    ['!(a == b)', '(! (== a b))'],
    ['!a && !b', '(&& (! a) (! b))'],
    ['(a || b) && c', '(&& (|| a b) c)'],
    ['a && (b || c)', '(&& a (|| b c))'],
    ['(a == b) == c', '(== (== a b) c)'],
    ['contains(a, b) && x == 1', '(&& (contains a b) (== x 1))'],
  ];
  for (const [source, expected] of cases) {
    it(`${source}  →  ${expected}`, () => assert.equal(sexpr(parseOk(source)), expected));
  }

  it('gives chained operators a span covering the whole chain', () => {
    const source = 'a && (b) && c';
    const e = parseOk(source);
    assert.ok(e.kind === 'binary' && e.left.kind === 'binary');
    assert.deepEqual(e.span, sp(0, source.length));
    assert.deepEqual(e.left.span, sp(0, 8));
    assert.deepEqual(e.opSpan, sp(9, 11));
  });
});

describe('parseExpression: errors point at the offending token', () => {
  const cases: [source: string, message: string, start: number, end: number][] = [
    ['', 'empty condition', 0, 0],
    ['   ', 'empty condition', 0, 3],
    ['a = b', '"=" is not an operator; use "=="', 2, 3],
    ['a === b', '"===" is not an operator; use "=="', 2, 5],
    ['a !== b', '"!==" is not an operator; use "!="', 2, 5],
    ['a & b', '"&" is not an operator; use "&&"', 2, 3],
    ['a | b', '"|" is not an operator; use "||"', 2, 3],
    ['a &&', 'expected a value after "&&"', 4, 4],
    ['a && ', 'expected a value after "&&"', 5, 5],
    ['a || )', 'expected a value after "||"', 5, 6],
    ['a == ', 'expected a value after "=="', 5, 5],
    ['!', 'expected a value after "!"', 1, 1],
    ['(', 'expected a value after "("', 1, 1],
    ['()', 'expected a value after "("', 1, 2],
    ['&& a', 'expected a value before "&&"', 0, 2],
    ['== a', 'expected a value before "=="', 0, 2],
    [")", 'unexpected ")"', 0, 1],
    ['a)', 'unexpected ")"', 1, 2],
    ['(a))', 'unexpected ")"', 3, 4],
    [',', 'unexpected ","', 0, 1],
    ['a, b', 'unexpected ","', 1, 2],
    ["'abc", 'unterminated string', 0, 4],
    ["x == 'abc", 'unterminated string', 5, 9],
    ['"abc\\', 'unterminated string', 0, 5],
    ['"a\\"', 'unterminated string', 0, 4],
    ["'\\q'", 'unknown escape "\\q"; use \\\\, \\\', \\", \\n or \\t', 1, 3],
    ['(a', 'missing ")"', 0, 1],
    ['((a) && (b', 'missing ")"', 8, 9],
    ['x && (a || (b)', 'missing ")"', 5, 6],
    ['a b', 'expected an operator between "a" and "b"', 2, 3],
    ["env 'prod'", 'expected an operator between "env" and "\'prod\'"', 4, 10],
    ['(a) (b)', 'expected an operator between ")" and "("', 4, 5],
    ['a !b', 'expected an operator between "a" and "!"', 2, 3],
    ['(a b)', 'expected an operator between "a" and "b"', 3, 4],
    ['1 2', 'expected an operator between "1" and "2"', 2, 3],
    ['a == b == c', 'comparisons cannot be chained; combine them with && or ||', 7, 9],
    ['a < b <= c', 'comparisons cannot be chained; combine them with && or ||', 6, 8],
    ['contain(a, b)', 'unknown function "contain"; did you mean "contains"?', 0, 7],
    ['Contains(a, b)', 'unknown function "Contains"; did you mean "contains"?', 0, 8],
    ['STARTSWITH(a, b)', 'unknown function "STARTSWITH"; did you mean "startsWith"?', 0, 10],
    ['endswth(a, b)', 'unknown function "endswth"; did you mean "endsWith"?', 0, 7],
    ['x && len(a)', 'unknown function "len"; functions are contains, startsWith, endsWith', 5, 8],
    ['.contains(a, b)', 'functions are called without a leading "."; write contains(…)', 0, 9],
    ['contains(a)', 'contains expects 2 arguments, got 1', 0, 11],
    ['a || startsWith()', 'startsWith expects 2 arguments, got 0', 5, 17],
    ['endsWith(a, b, c)', 'endsWith expects 2 arguments, got 3', 0, 17],
    ['contains(a,', 'expected a value after ","', 11, 11],
    ['contains(a,)', 'expected a value after ","', 11, 12],
    ['contains(, a)', 'expected a value after "("', 9, 10],
    ['contains(a, b', 'missing ")"', 8, 9],
    ['contains(a b)', 'expected "," or an operator between "a" and "b"', 11, 12],
    ['.', 'expected a variable name after "."', 0, 1],
    ['. env', 'expected a variable name after "."', 0, 1],
    ['a - 1', '"-" must be followed by a digit (there is no arithmetic)', 2, 3],
    ['v == 1.2.3', 'invalid number "1.2.3"; write \'1.2.3\' to compare it as text', 5, 10],
    ['3rd', 'invalid number "3rd"; write \'3rd\' to compare it as text', 0, 3],
    ['1' + '0'.repeat(400), 'number is too large', 0, 401],
    ['a # b', 'unexpected character "#"', 2, 3],
    ['a == 😀', 'unexpected character "😀"', 5, 7],
    ['a == \u0001', 'unexpected character "\\u0001"', 5, 6],
  ];
  for (const [source, message, start, end] of cases) {
    it(`${JSON.stringify(source).slice(0, 40)} → ${message}`, () => {
      const r = parseExpression(source);
      assert.ok(!r.ok, 'expected an error');
      assert.deepEqual(r.error, { message, span: sp(start, end) });
    });
  }

  it('reports the first problem in source order, lexical or not', () => {
    const early = parseExpression("a b = 'c");
    assert.ok(!early.ok);
    assert.equal(early.error.message, 'expected an operator between "a" and "b"');
    const late = parseExpression("a == 'c = b");
    assert.ok(!late.ok);
    assert.equal(late.error.message, 'unterminated string');
  });

  it('shortens long tokens in messages', () => {
    const r = parseExpression(`a '${'x'.repeat(100)}'`);
    assert.ok(!r.ok);
    assert.equal(r.error.message, `expected an operator between "a" and "'${'x'.repeat(22)}…"`);
    assert.deepEqual(r.error.span, sp(2, 104));
  });
});

describe('expressionVariables', () => {
  it('lists every reference in source order, duplicates kept', () => {
    const e = parseOk("!(a == 'x') || contains(.b, a) && c != a");
    assert.deepEqual(expressionVariables(e), [
      { name: 'a', span: sp(2, 3) },
      { name: 'b', span: sp(24, 26) },
      { name: 'a', span: sp(28, 29) },
      { name: 'c', span: sp(34, 35) },
      { name: 'a', span: sp(39, 40) },
    ]);
  });

  it('returns nothing for literals', () => {
    assert.deepEqual(expressionVariables(parseOk("'a' == 1 || true")), []);
  });
});
