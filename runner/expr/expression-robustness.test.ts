import assert from 'node:assert/strict';
import { evaluate, expressionVariables, parseExpression, type Expr, type ExprSpan } from './expression';
import { prng } from '../testing/prng';


const PIECES = [
  'a', 'env', '.env', '.', 'true', 'false', '0', '12', '-3.5', '-', '1.2.3',
  "'x'", '"y"', "'", '"', '\\', "'\\n'", '"\\q"',
  '==', '!=', '<', '<=', '>', '>=', '&&', '||', '!', '=', '&', '|', '===',
  '(', ')', ',', 'contains', 'startsWith', 'endsWith', 'contain', 'foo',
  '#', '✓', '😀', '\ud800', ' ', '\t', '\n',
];

function within(span: ExprSpan, source: string): boolean {
  return Number.isInteger(span.start) && Number.isInteger(span.end) && 0 <= span.start && span.start <= span.end && span.end <= source.length;
}

/** Every node's span lies in the source and inside its parent's. */
function checkSpans(e: Expr, source: string, parent: ExprSpan): void {
  assert.ok(within(e.span, source) && e.span.start >= parent.start && e.span.end <= parent.end, JSON.stringify(source));
  switch (e.kind) {
    case 'var':
      assert.ok(source.slice(e.span.start, e.span.end).replace(/^\./, '') === e.name);
      return;
    case 'string':
    case 'number':
    case 'bool':
      return;
    case 'not':
      return checkSpans(e.operand, source, e.span);
    case 'binary':
      assert.equal(source.slice(e.opSpan.start, e.opSpan.end), e.op);
      checkSpans(e.left, source, e.span);
      return checkSpans(e.right, source, e.span);
    case 'call':
      assert.equal(source.slice(e.nameSpan.start, e.nameSpan.end), e.fn);
      for (const arg of e.args) checkSpans(arg, source, e.span);
      return;
    default: {
      const unreachable: never = e;
      return unreachable;
    }
  }
}

function checkNeverThrows(source: string, rand: () => number): void {
  const r = parseExpression(source);
  if (!r.ok) {
    assert.ok(within(r.error.span, source), `${JSON.stringify(source)}: span ${JSON.stringify(r.error.span)}`);
    assert.ok(r.error.message.length > 0);
    return;
  }
  checkSpans(r.expr, source, { start: 0, end: source.length });
  for (const v of expressionVariables(r.expr)) assert.ok(within(v.span, source));
  const result = evaluate(r.expr, () => (rand() < 0.8 ? String(Math.floor(rand() * 3)) : undefined));
  if (!result.ok) assert.ok(within(result.error.span, source));
}

describe('parseExpression robustness', () => {
  it('never throws on 2,000 random token soups, and every span lies within the source', () => {
    const rand = prng(0xca1e);
    let parsedOk = 0;
    for (let n = 0; n < 2000; n++) {
      const count = 1 + Math.floor(rand() * 12);
      let source = '';
      for (let k = 0; k < count; k++) {
        source += PIECES[Math.floor(rand() * PIECES.length)] ?? '';
        if (rand() < 0.5) source += ' ';
      }
      checkNeverThrows(source, rand);
      if (parseExpression(source).ok) parsedOk++;
    }
    // The soups must exercise the happy path too, not only errors.
    assert.ok(parsedOk > 50, `only ${parsedOk} soups parsed`);
  });

  it('never throws on 2,000 random strings of arbitrary UTF-16 code units', () => {
    const rand = prng(42);
    const alphabet = "ab_.'\"\\()!=<>&|,-0123456789 ";
    for (let n = 0; n < 2000; n++) {
      const length = Math.floor(rand() * 24);
      let source = '';
      for (let k = 0; k < length; k++) {
        source +=
          rand() < 0.8
            ? (alphabet[Math.floor(rand() * alphabet.length)] ?? '')
            : String.fromCharCode(Math.floor(rand() * 0x10000));
      }
      checkNeverThrows(source, rand);
    }
  });

  it('accepts 64 levels of nesting and rejects the 65th at its token', () => {
    assert.ok(parseExpression(`${'('.repeat(64)}a${')'.repeat(64)}`).ok);
    assert.ok(parseExpression(`${'!'.repeat(64)}a`).ok);
    assert.ok(parseExpression(`${'contains('.repeat(63)}a${', b)'.repeat(63)}`).ok);
    const cases: [string, number][] = [
      [`${'('.repeat(65)}a${')'.repeat(65)}`, 64],
      [`${'!'.repeat(65)}a`, 64],
      [`${'!('.repeat(40)}a${')'.repeat(40)}`, 64],
    ];
    for (const [source, at] of cases) {
      const r = parseExpression(source);
      assert.ok(!r.ok);
      assert.equal(r.error.message, 'expression is nested too deeply (more than 64 levels)');
      assert.deepEqual(r.error.span, { start: at, end: at + 1 });
    }
  });

  it('rejects 100,000 nested parentheses, bangs or calls without overflowing', () => {
    for (const source of ['('.repeat(100_000), '!'.repeat(100_000) + 'a', 'contains('.repeat(100_000)]) {
      const r = parseExpression(source);
      assert.ok(!r.ok);
      assert.match(r.error.message, /nested too deeply/);
    }
  });

  it('parses, walks and evaluates 100,000 chained operands', () => {
    const source = `${'a && '.repeat(100_000)}a`;
    const r = parseExpression(source);
    assert.ok(r.ok);
    assert.deepEqual(r.expr.span, { start: 0, end: source.length });
    assert.equal(expressionVariables(r.expr).length, 100_001);
    assert.deepEqual(evaluate(r.expr, () => 'x'), { ok: true, value: true });

    const mixed = `${"a == '1' || b < 2 && ".repeat(20_000)}c`;
    const m = parseExpression(mixed);
    assert.ok(m.ok);
    assert.deepEqual(evaluate(m.expr, (name) => (name === 'c' ? '' : '5')), { ok: true, value: false });
  });

  it('reports a trailing operator after 100,000 operands at the end', () => {
    const source = 'a || '.repeat(100_000);
    const r = parseExpression(source);
    assert.deepEqual(r, {
      ok: false,
      error: { message: 'expected a value after "||"', span: { start: source.length, end: source.length } },
    });
  });
});
