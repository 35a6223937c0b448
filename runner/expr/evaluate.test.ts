import assert from 'node:assert/strict';
import { evaluate, isTruthy, parseExpression, type Value } from './expression';

const VARS: Readonly<Record<string, string>> = {
  env: 'prod',
  empty: '',
  version: '2.0',
  padded: ' 10 ',
  ten: '10',
  nine: '9',
  zero: '0',
  no: 'False',
  yes: 'yes',
  word: 'abc',
  hex: '0x10',
  branch: 'release/1.4',
};

function run(source: string, vars: Readonly<Record<string, string>> = VARS) {
  const parsed = parseExpression(source);
  if (!parsed.ok) assert.fail(`${source}: ${parsed.error.message}`);
  return evaluate(parsed.expr, (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined));
}

describe('evaluate', () => {
  const cases: [source: string, expected: Value][] = [
    // Leaves
    ['env', 'prod'],
    ['.env', 'prod'],
    ["'x'", 'x'],
    ['-1.5', -1.5],
    ['true', true],
    // The spec's example
    ["env == 'prod' && version != ''", true],
    ["env == 'dev' || version == ''", false],
    // Equality: numeric when a number meets a number or numeric text
    ['version == 2', true],
    ['2 == version', true],
    ['padded == 10', true],
    ['1 == 1.0', true],
    ['-0 == 0', true],
    ["version == '2'", false],
    ["ten == '10'", true],
    ["'1.0' == '1'", false],
    ['empty == 0', false],
    ["' ' == 0", false],
    ['hex == 16', false],
    ["hex == '0x10'", true],
    ['word != 1', true],
    // Booleans compare as "true"/"false" text
    ["true == 'true'", true],
    ['false != no', true],
    ['true == 1', false],
    ['(env == env) == true', true],
    // Ordering: numeric when both sides are numeric, else text
    ['nine < ten', true],
    ["nine < '10'", true],
    ['nine > 10', false],
    ['ten >= 10', true],
    ['ten <= 9.5', false],
    ['padded > 9', true],
    ["'b' > 'a'", true],
    ["word < 'abd'", true],
    ["word < 10", false],
    ["'10' < 'abc'", true],
    ['1 <= 1', true],
    ['-3 < -2.5', true],
    // Logic yields booleans via truthiness
    ["env && 'x'", true],
    ['empty || zero', false],
    ['no || yes', true],
    ['!env', false],
    ['!empty', true],
    ['!zero', true],
    ['!no', true],
    ['!0', true],
    ['!!1', true],
    ['!(nine < ten)', false],
    // Functions compare as text
    ["contains(branch, 'release')", true],
    ["contains(branch, '')", true],
    ["contains(env, 'x')", false],
    ["startsWith(branch, 'release/')", true],
    ["startsWith(branch, '1.4')", false],
    ["endsWith(branch, '1.4')", true],
    ['endsWith(branch, 1.4)', true],
    ["contains(true, 'ru')", true],
    ['startsWith(-1.50, -1.5)', true],
    ["contains(startsWith(env, 'p'), 'true')", true],
  ];
  for (const [source, expected] of cases) {
    it(`${source}  →  ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(run(source), { ok: true, value: expected });
    });
  }

  it('fails on an unset variable, naming it at its span', () => {
    assert.deepEqual(run("env == 'prod' && missing == 'x'"), {
      ok: false,
      error: { message: 'variable "missing" is not set', span: { start: 17, end: 24 } },
    });
    assert.deepEqual(run('contains(env, .nope)'), {
      ok: false,
      error: { message: 'variable "nope" is not set', span: { start: 14, end: 19 } },
    });
    assert.deepEqual(run('!nope'), {
      ok: false,
      error: { message: 'variable "nope" is not set', span: { start: 1, end: 5 } },
    });
  });

  it('treats an empty value as set', () => {
    assert.deepEqual(run("empty == ''"), { ok: true, value: true });
  });

  it('short-circuits: the right side of a decided && or || is never looked up', () => {
    const seen: string[] = [];
    const parsed = parseExpression("env == 'dev' && missing || env == 'prod' || other");
    assert.ok(parsed.ok);
    const result = evaluate(parsed.expr, (name) => {
      seen.push(name);
      return VARS[name];
    });
    assert.deepEqual(result, { ok: true, value: true });
    assert.deepEqual(seen, ['env', 'env']);
    assert.deepEqual(run('zero && missing'), { ok: true, value: false });
    assert.deepEqual(run('yes || missing'), { ok: true, value: true });
    assert.deepEqual(run('(yes || a) && (empty && b || !zero)'), { ok: true, value: true });
  });

  it('evaluates both sides of a comparison and both arguments of a call', () => {
    assert.equal(run('empty == missing').ok, false);
    assert.equal(run('contains(missing, env)').ok, false);
  });
});

describe('isTruthy', () => {
  const cases: [Value, boolean][] = [
    [true, true],
    [false, false],
    [1, true],
    [-0.5, true],
    [0, false],
    [-0, false],
    [Number.NaN, false],
    ['x', true],
    [' ', true],
    ['00', true],
    ['no', true],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['False', false],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value) ?? String(value)} is ${expected ? 'truthy' : 'falsy'}`, () => {
      assert.equal(isTruthy(value), expected);
    });
  }
});
