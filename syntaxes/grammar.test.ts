// The TextMate grammar, tokenized by the engine VS Code uses (vscode-textmate
// on oniguruma). Tests are tables (CONVENTIONS habit 9): a row is TOML text
// and, in order, tokens it must contain with a scope each must carry.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createOnigScanner, createOnigString, loadWASM } from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar, type StateStack } from 'vscode-textmate';

const grammarFile = path.join(__dirname, 'cairn.tmLanguage.json');
const examplesDir = path.resolve(__dirname, '../examples');

/** A token's exact text and a scope it carries (a prefix, as in a theme's selector). */
type Expected = readonly [token: string, scope: string];
/** One line, or several tokenized in sequence with the rule stack carried over. */
type Row = readonly [input: string | readonly string[], expected: readonly Expected[]];

interface Token {
  readonly line: number;
  readonly text: string;
  readonly scopes: readonly string[];
}

let loaded: IGrammar | undefined;

function tokenize(lines: readonly string[]): Token[] {
  assert.ok(loaded, 'grammar not loaded');
  const grammar = loaded;
  const tokens: Token[] = [];
  let stack: StateStack = INITIAL;
  lines.forEach((text, line) => {
    const result = grammar.tokenizeLine(text, stack);
    for (const t of result.tokens) tokens.push({ line, text: text.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    stack = result.ruleStack;
  });
  return tokens;
}

/** TextMate selector semantics: `string.quoted` matches `string.quoted.double.basic.cairn`. */
const hasScope = (t: Token, selector: string): boolean => t.scopes.some((s) => s === selector || s.startsWith(`${selector}.`));

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

const show = (tokens: readonly Token[]): string =>
  tokens
    .slice(0, 80)
    .map((t) => `  ${t.line}: ${clip(JSON.stringify(t.text))} ${t.scopes.slice(1).join(' ') || '(root only)'}`)
    .join('\n');

function check([input, expected]: Row): void {
  assert.ok(expected.length > 0, 'a row must expect at least one token');
  const tokens = tokenize(typeof input === 'string' ? [input] : input);
  let from = 0;
  for (const [text, scope] of expected) {
    const at = tokens.findIndex((t, i) => i >= from && t.text === text);
    if (at === -1) assert.fail(`no token ${JSON.stringify(text)} in order; tokens:\n${show(tokens)}`);
    const token = tokens[at];
    assert.ok(token && hasScope(token, scope), `${JSON.stringify(text)} should carry ${scope}; tokens:\n${show(tokens)}`);
    from = at + 1;
  }
}

function table(title: string, rows: readonly Row[]): void {
  describe(title, () => {
    for (const row of rows) {
      const [input] = row;
      it(typeof input === 'string' ? input : input.join(' ⏎ '), () => check(row));
    }
  });
}

const KEY = 'support.type.property-name.cairn';
const TABLE_KEY = 'support.type.property-name.table.cairn';
const EQ = 'punctuation.separator.key-value.cairn';
const DOT = 'punctuation.separator.dot.cairn';
const TASK = 'entity.name.function.task.cairn';
const BASIC = 'string.quoted.double.basic.cairn';
const LITERAL = 'string.quoted.single.literal.cairn';
const ML_BASIC = 'string.quoted.triple.basic.cairn';
const ML_LITERAL = 'string.quoted.triple.literal.cairn';
const STRING_BEGIN = 'punctuation.definition.string.begin.cairn';
const STRING_END = 'punctuation.definition.string.end.cairn';
const ESCAPE = 'constant.character.escape.cairn';
const BAD_ESCAPE = 'invalid.illegal.escape.cairn';
const INVALID = 'invalid.illegal.cairn';
const TEMPLATE = 'meta.template.expression.cairn';
const T_BEGIN = 'punctuation.definition.template.begin.cairn';
const T_END = 'punctuation.definition.template.end.cairn';
const ACCESSOR = 'punctuation.accessor.cairn';
const VAR = 'variable.other.cairn';
const COMMENT = 'comment.line.number-sign.cairn';
const COMMENT_MARK = 'punctuation.definition.comment.cairn';
const INT = 'constant.numeric.integer.decimal.cairn';
const FLOAT = 'constant.numeric.float.cairn';
const BOOL = 'constant.language.boolean.cairn';
const ARRAY_BEGIN = 'punctuation.definition.array.begin.cairn';
const ARRAY_END = 'punctuation.definition.array.end.cairn';
const ARRAY_COMMA = 'punctuation.separator.array.cairn';
const INLINE_BEGIN = 'punctuation.definition.table.inline.begin.cairn';
const INLINE_END = 'punctuation.definition.table.inline.end.cairn';
const INLINE_COMMA = 'punctuation.separator.table.inline.cairn';

// One root so the grammar loads only for these tests, not for every suite in the run.
describe('cairn.tmLanguage.json', () => {
  before(async () => {
    await loadWASM(fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')));
    const registry = new Registry({
      onigLib: Promise.resolve({ createOnigScanner, createOnigString }),
      loadGrammar: (scopeName) =>
        Promise.resolve(scopeName === 'source.cairn' ? parseRawGrammar(fs.readFileSync(grammarFile, 'utf8'), grammarFile) : null),
    });
    loaded = (await registry.loadGrammar('source.cairn')) ?? undefined;
  });

  table('comments', [
    ['# a comment', [['#', COMMENT_MARK], [' a comment', COMMENT]]],
    ['  # indented', [['#', COMMENT_MARK], [' indented', COMMENT]]],
    ['retries = 2 # after a value', [['2', INT], ['#', COMMENT_MARK], [' after a value', COMMENT]]],
    ['x = "a" # after a string', [['a', BASIC], [' after a string', COMMENT]]],
    ['[tasks.build] # after a header', [['build', TASK], [' after a header', COMMENT]]],
    ['# {{ .x }} and "quotes" stay comment text', [[' {{ .x }} and "quotes" stay comment text', COMMENT]]],
    ['x = "# not a comment"', [['# not a comment', BASIC]]],
    [['deps = [', '  "a", # first', '  "b",', ']'], [['a', BASIC], [' first', COMMENT], ['b', BASIC], [']', ARRAY_END]]],
  ]);

  table('keys', [
    ['name = "release"', [['name', KEY], ['=', EQ], ['release', BASIC]]],
    ['retry_delay = "2s"', [['retry_delay', KEY]]],
    ['env_file-2 = "x"', [['env_file-2', KEY]]],
    ['a=1', [['a', KEY], ['=', EQ], ['1', INT]]],
    ['  indented = 1', [['indented', KEY]]],
    ['a.b.c = 1', [['a', KEY], ['.', DOT], ['b', KEY], ['.', DOT], ['c', KEY], ['=', EQ]]],
    ['a . b = 1', [['a', KEY], ['.', DOT], ['b', KEY]]],
    ['"my key" = 1', [['"', STRING_BEGIN], ['my key', KEY], ['"', STRING_END], ['=', EQ]]],
    ["'literal key'.x = 1", [["'", STRING_BEGIN], ['literal key', KEY], ['.', DOT], ['x', KEY]]],
    ['"a\\tb" = 1', [['\\t', ESCAPE]]],
    ['"a\\qb" = 1', [['\\q', BAD_ESCAPE]]],
    ['"{{ .x }}" = 1', [['{{ .x }}', KEY]]],
    // Bare keys may look like values; the "=" decides.
    ['true = 1', [['true', KEY], ['1', INT]]],
    ['1234 = "x"', [['1234', KEY]]],
    ['1979-05-27 = 1', [['1979-05-27', KEY]]],
    ['inf = nan', [['inf', KEY], ['nan', 'constant.numeric.float.nan.cairn']]],
  ]);

  table('tables', [
    ['[vars]', [['[', 'punctuation.definition.table.begin.cairn'], ['vars', TABLE_KEY], [']', 'punctuation.definition.table.end.cairn']]],
    ['[defaults]', [['defaults', 'meta.table.cairn']]],
    ['[a.b]', [['a', TABLE_KEY], ['.', DOT], ['b', TABLE_KEY]]],
    ['[ a . "b c" ]', [['a', TABLE_KEY], ['.', DOT], ['"', STRING_BEGIN], ['b c', TABLE_KEY], ['"', STRING_END], [']', 'meta.table.cairn']]],
    ["['x y'.z]", [['x y', TABLE_KEY], ['z', TABLE_KEY]]],
    ['  [indented]', [['indented', TABLE_KEY]]],
    ['[[servers]]', [['[[', 'punctuation.definition.table.array.begin.cairn'], ['servers', TABLE_KEY], [']]', 'punctuation.definition.table.array.end.cairn']]],
    ['[[a.b]]', [['a', 'meta.table.array.cairn'], ['.', DOT], ['b', TABLE_KEY]]],
    ['[a/b]', [['a', TABLE_KEY], ['/', INVALID], ['b', TABLE_KEY]]],
    [['[vars]', 'env = "staging"'], [['vars', TABLE_KEY], ['env', KEY], ['staging', BASIC]]],
    // An unclosed header ends with its line.
    [['[vars', 'x = 1'], [['vars', TABLE_KEY], ['x', KEY], ['1', INT]]],
  ]);

  table('task headers', [
    ['[tasks.lint]', [['[', 'punctuation.definition.table.begin.cairn'], ['tasks', TABLE_KEY], ['.', DOT], ['lint', TASK], [']', 'punctuation.definition.table.end.cairn']]],
    ['[tasks.test-integration]', [['test-integration', TASK]]],
    ['[tasks.collect_diagnostics]', [['collect_diagnostics', 'meta.table.task.cairn']]],
    ['[tasks."my task"]', [['"', STRING_BEGIN], ['my task', TASK], ['"', STRING_END], [']', 'meta.table.task.cairn']]],
    ["[tasks.'lit id']", [["'", TASK], ['lit id', TASK]]],
    ['[ tasks . build ]', [['tasks', TABLE_KEY], ['build', TASK]]],
    ['["tasks".build]', [['tasks', TABLE_KEY], ['build', TASK]]],
    ['[tasks.build.env]', [['build', TASK], ['.', DOT], ['env', TABLE_KEY]]],
    ['[tasks]', [['tasks', 'meta.table.cairn']]],
    ['[task.build]', [['build', TABLE_KEY]]],
    ['[tasksx.build]', [['build', TABLE_KEY]]],
    [['[tasks.build]', 'run = "make"', 'deps = ["test"]'], [['build', TASK], ['run', KEY], ['make', BASIC], ['deps', KEY], ['test', BASIC]]],
  ]);

  table('strings', [
    ['x = "hello"', [['"', STRING_BEGIN], ['hello', BASIC], ['"', STRING_END]]],
    ['x = ""', [['"', STRING_BEGIN], ['"', STRING_END]]],
    ["x = 'C:\\Users\\cairn'", [["'", STRING_BEGIN], ['C:\\Users\\cairn', LITERAL], ["'", STRING_END]]],
    ["x = ''", [["'", STRING_BEGIN], ["'", STRING_END]]],
    ["if = \"env == 'prod' && .x\"", [['if', KEY], ["env == 'prod' && .x", BASIC]]],
    [['run = """', 'echo one', 'echo "two"', '"""'], [['"""', STRING_BEGIN], ['echo one', ML_BASIC], ['echo "two"', ML_BASIC], ['"""', STRING_END]]],
    [['run = """echo', '[tasks.not-a-header]', 'x = 1', '"""'], [['[tasks.not-a-header]', ML_BASIC], ['x = 1', ML_BASIC], ['"""', STRING_END]]],
    ['x = """a""""', [['a', ML_BASIC], ['"', ML_BASIC], ['"""', STRING_END]]],
    ["run = '''node -p \"require('./x')\"'''", [["'''", STRING_BEGIN], ["node -p \"require('./x')\"", ML_LITERAL], ["'''", STRING_END]]],
    [["run = '''", "printf '%s\\n' x", "'''"], [["printf '%s\\n' x", ML_LITERAL], ["'''", STRING_END]]],
    ["x = '''a'''''", [['a', ML_LITERAL], ["''", ML_LITERAL], ["'''", STRING_END]]],
    // A missing quote ends the string at the line end instead of recolouring the file.
    ['x = """"""', [['"""', STRING_BEGIN], ['"""', STRING_END]]],
    [["x = ''''''", 'y = 1'], [["'''", STRING_BEGIN], ["'''", STRING_END], ['y', KEY]]],
    [['x = "abc', 'y = 1'], [['abc', BASIC], ['y', KEY], ['1', INT]]],
    [["x = 'abc", 'y = 1'], [['abc', LITERAL], ['y', KEY]]],
  ]);

  table('escapes', [
    ['x = "\\b\\t\\n\\f\\r\\"\\\\\\e"', [['\\b', ESCAPE], ['\\t', ESCAPE], ['\\n', ESCAPE], ['\\f', ESCAPE], ['\\r', ESCAPE], ['\\"', ESCAPE], ['\\\\', ESCAPE], ['\\e', ESCAPE]]],
    ['x = "\\u00E9 \\U0001F600 \\x41"', [['\\u00E9', ESCAPE], ['\\U0001F600', ESCAPE], ['\\x41', ESCAPE]]],
    ['x = "\\q"', [['\\q', BAD_ESCAPE]]],
    ['x = "C:\\path"', [['\\p', BAD_ESCAPE], ['ath', BASIC]]],
    ['x = "\\u12"', [['\\u', BAD_ESCAPE], ['12', BASIC]]],
    ['x = "\\x4"', [['\\x', BAD_ESCAPE]]],
    ['x = "a\\', [['\\', BAD_ESCAPE]]],
    [['x = """', '\\a \\n', '"""'], [['\\a', BAD_ESCAPE], ['\\n', ESCAPE]]],
    [['x = """one \\', '  two"""'], [['\\', 'constant.character.escape.line-continuation.cairn'], ['  two', ML_BASIC]]],
    ["x = 'a\\qb'", [['a\\qb', LITERAL]]],
    [["x = '''", 'a\\qb', "'''"], [['a\\qb', ML_LITERAL]]],
  ]);

  table('templates', [
    ['run = "echo {{ .version }}"', [['run', KEY], ['echo ', BASIC], ['{{', T_BEGIN], ['.', ACCESSOR], ['version', VAR], ['}}', T_END], ['"', STRING_END]]],
    ['run = "make VERSION={{.version}}"', [['{{', TEMPLATE], ['version', VAR], ['}}', T_END]]],
    // Themes colour punctuation.section.embedded (a shell's ${…}); the braces carry it too.
    ['x = "{{ .a }}"', [['{{', 'punctuation.section.embedded.begin.cairn'], ['}}', 'punctuation.section.embedded.end.cairn']]],
    ['x = "{{ .a }}{{ .b }}"', [['a', VAR], ['}}', T_END], ['{{', T_BEGIN], ['b', VAR]]],
    ["run = 'echo {{ .env }}'", [['{{', T_BEGIN], ['env', VAR], ['}}', T_END], ["'", STRING_END]]],
    [['run = """', './deploy.sh --env {{ .env }}', 'echo "url={{ .version }}"', '"""'], [['env', VAR], ['echo "url=', ML_BASIC], ['version', VAR], ['"""', STRING_END]]],
    [["run = '''", "printf '%s' {{ .release }}", "'''"], [['{{', T_BEGIN], ['release', VAR], ['}}', T_END], ["'''", STRING_END]]],
    // Cairn reads templates from the string's value, so they may span its lines.
    [['run = """', 'echo {{', '  .name', '}}', '"""'], [['{{', T_BEGIN], ['name', VAR], ['}}', T_END], ['"""', STRING_END]]],
    [["run = '''{{", ".name }}'''"], [['name', VAR], ['}}', T_END], ["'''", STRING_END]]],
    ['env = { BATCH_SIZE = "{{ .batch_size }}" }', [['BATCH_SIZE', KEY], ['batch_size', VAR], ['}', INLINE_END]]],
    ['inputs = ["{{ .dir }}/*.ts"]', [['dir', VAR], ['/*.ts', BASIC], [']', ARRAY_END]]],
    ['if = "{{ .flag }} == \'on\'"', [['flag', VAR], [" == 'on'", BASIC]]],
    ['"k" = "{{ .v }}"', [['k', KEY], ['v', VAR]]],
    // {{ "…" }} writes text as is; the literal may hold "}}".
    ["run = \"docker ps --format '{{ '{{' }}.Names}}'\"", [['{{', T_BEGIN], ["'{{'", 'string.quoted.single.template.cairn'], ['}}', T_END], [".Names}}'", BASIC]]],
    ['run = "echo {{ \\"}}\\" }}"', [['{{', T_BEGIN], ['\\"', ESCAPE], ['}}', 'string.quoted.double.template.cairn'], ['}}', T_END]]],
    ["run = '{{ \"}}\" }}'", [['"}}"', 'string.quoted.double.template.cairn'], ['}}', T_END]]],
    [['run = """', 'echo {{ "{{" }}', '"""'], [['"{{"', 'string.quoted.double.template.cairn'], ['}}', T_END]]],
    ['x = "{{ version }}"', [['{{', T_BEGIN], [' version ', TEMPLATE], ['}}', T_END]]],
    // An unclosed template ends with its string, and a single-line one with its line.
    ['x = "{{ .a" # c', [['a', VAR], ['"', STRING_END], [' c', COMMENT]]],
    ["x = '{{ .a' # c", [['a', VAR], ["'", STRING_END], [' c', COMMENT]]],
    [['x = "{{ .a', 'y = 1'], [['a', VAR], ['y', KEY]]],
    [['x = """{{ .a """', 'y = 1'], [['a', VAR], ['"""', STRING_END], ['y', KEY]]],
    ['x = "{ .a }"', [['{ .a }', BASIC]]],
  ]);

  table('numbers', [
    ['x = 42', [['42', INT]]],
    ['x = +17', [['+17', INT]]],
    ['x = -17', [['-17', INT]]],
    ['x = 0', [['0', INT]]],
    ['x = 1_000_000', [['1_000_000', INT]]],
    ['x = 0xDEAD_beef', [['0xDEAD_beef', 'constant.numeric.integer.hexadecimal.cairn']]],
    ['x = 0o755', [['0o755', 'constant.numeric.integer.octal.cairn']]],
    ['x = 0b1101_0101', [['0b1101_0101', 'constant.numeric.integer.binary.cairn']]],
    ['x = 3.1415', [['3.1415', FLOAT]]],
    ['x = -0.01', [['-0.01', FLOAT]]],
    ['x = 5e+22', [['5e+22', FLOAT]]],
    ['x = 1e06', [['1e06', FLOAT]]],
    ['x = -2E-2', [['-2E-2', FLOAT]]],
    ['x = 6.626e-34', [['6.626e-34', FLOAT]]],
    ['x = 224_617.445_991', [['224_617.445_991', FLOAT]]],
    ['x = inf', [['inf', 'constant.numeric.float.inf.cairn']]],
    ['x = +inf', [['+inf', 'constant.numeric.float.inf.cairn']]],
    ['x = -inf', [['-inf', 'constant.numeric']]],
    ['x = nan', [['nan', 'constant.numeric.float.nan.cairn']]],
    ['x = -nan', [['-nan', 'constant.numeric.float.nan.cairn']]],
    ['x = 012', [['012', INVALID]]],
    ['x = 1__0', [['1__0', INVALID]]],
    ['x = 1_', [['1_', INVALID]]],
    ['x = 0X1F', [['0X1F', INVALID]]],
    ['x = +0x1F', [['+0x1F', INVALID]]],
    ['x = 1.', [['1.', INVALID]]],
    ['x = .5', [['.5', INVALID]]],
    ['x = 1.2.3', [['1.2.3', INVALID]]],
    ['x = infinity', [['infinity', INVALID]]],
  ]);

  table('booleans', [
    ['x = true', [['true', BOOL]]],
    ['x = false', [['false', BOOL]]],
    ['x = [true,false]', [['true', BOOL], [',', ARRAY_COMMA], ['false', BOOL]]],
    ['x = True', [['True', INVALID]]],
    ['x = truex', [['truex', INVALID]]],
  ]);

  table('dates and times', [
    ['x = 1979-05-27T07:32:00Z', [['1979-05-27T07:32:00Z', 'constant.other.time.datetime.offset.cairn']]],
    ['x = 1979-05-27T00:32:00-07:00', [['1979-05-27T00:32:00-07:00', 'constant.other.time.datetime.offset.cairn']]],
    ['x = 1979-05-27T00:32:00.999999+01:30', [['1979-05-27T00:32:00.999999+01:30', 'constant.other.time.datetime.offset.cairn']]],
    ['x = 1979-05-27 07:32:00Z', [['1979-05-27 07:32:00Z', 'constant.other.time.datetime.offset.cairn']]],
    ['x = 1979-05-27t07:32:00z', [['1979-05-27t07:32:00z', 'constant.other.time.datetime.offset.cairn']]],
    ['x = 1979-05-27T07:32:00', [['1979-05-27T07:32:00', 'constant.other.time.datetime.local.cairn']]],
    ['x = 1979-05-27T00:32:00.999999', [['1979-05-27T00:32:00.999999', 'constant.other.time.datetime.local.cairn']]],
    ['x = 1979-05-27 07:32', [['1979-05-27 07:32', 'constant.other.time.datetime.local.cairn']]],
    ['x = 1979-05-27', [['1979-05-27', 'constant.other.time.date.cairn']]],
    ['x = 1979-05-27 # a date, then a comment', [['1979-05-27', 'constant.other.time.date.cairn'], [' a date, then a comment', COMMENT]]],
    ['x = 07:32:00', [['07:32:00', 'constant.other.time.time.cairn']]],
    ['x = 00:32:00.999999', [['00:32:00.999999', 'constant.other.time.time.cairn']]],
    ['x = 07:32', [['07:32', 'constant.other.time.time.cairn']]],
    ['x = [1979-05-27, 07:32:00]', [['1979-05-27', 'constant.other.time.date.cairn'], ['07:32:00', 'constant.other.time.time.cairn']]],
    ['x = 1979-05-27T', [['1979-05-27T', INVALID]]],
  ]);

  table('arrays', [
    ['deps = ["lint", "test"]', [['[', ARRAY_BEGIN], ['lint', BASIC], [',', ARRAY_COMMA], ['test', BASIC], [']', ARRAY_END]]],
    ['x = []', [['[', ARRAY_BEGIN], [']', ARRAY_END]]],
    ['x = [[1, 2], [3]]', [['[', ARRAY_BEGIN], ['[', ARRAY_BEGIN], ['1', INT], [']', ARRAY_END], ['[', 'meta.array.cairn'], ['3', INT]]],
    ["x = [1, 'a', true, 1979-05-27, { a = 1 }]", [['1', INT], ['a', LITERAL], ['true', BOOL], ['1979-05-27', 'constant.other.time.date'], ['{', INLINE_BEGIN], ['a', KEY], ['}', INLINE_END], [']', ARRAY_END]]],
    [['inputs = [', '  "src/**/*.ts",', '  "Makefile",', ']'], [['[', ARRAY_BEGIN], ['src/**/*.ts', BASIC], [',', ARRAY_COMMA], ['Makefile', BASIC], [']', ARRAY_END]]],
    ['x = [1, foo, 2]', [['1', INT], ['foo', INVALID], ['2', INT]]],
    ['x = ["a" "b"]', [['a', BASIC], ['b', BASIC], [']', ARRAY_END]]],
    [['x = [', '  [1, 2],', '  [true],', ']'], [['[', ARRAY_BEGIN], ['[', ARRAY_BEGIN], ['1', INT], ['[', ARRAY_BEGIN], ['true', BOOL], [']', ARRAY_END]]],
    // A line that can only be a header or a key ends an array left open.
    [['deps = ["a",', '[tasks.next]'], [['a', BASIC], ['next', TASK]]],
    [['deps = ["a",', 'run = "x"'], [['a', BASIC], ['run', KEY], ['=', EQ]]],
    [['x = [', '  [nan],', ']'], [['nan', 'constant.numeric.float.nan.cairn'], [']', ARRAY_END]]],
  ]);

  table('inline tables', [
    [
      'token = { env = "DEPLOY_TOKEN", secret = true, description = "deploy key" }',
      [['{', INLINE_BEGIN], ['env', KEY], ['DEPLOY_TOKEN', BASIC], [',', INLINE_COMMA], ['secret', KEY], ['true', BOOL], ['description', KEY], ['}', INLINE_END]],
    ],
    ['x = {}', [['{', INLINE_BEGIN], ['}', INLINE_END]]],
    ['x = { a = { b = 1 } }', [['a', KEY], ['{', INLINE_BEGIN], ['b', KEY], ['}', INLINE_END], ['}', INLINE_END]]],
    ['x = { a.b = 1, "c d" = 2 }', [['a', KEY], ['.', DOT], ['b', KEY], ['c d', KEY]]],
    ['x = {a=1,b=2}', [['a', KEY], ['1', INT], ['b', KEY], ['2', INT]]],
    ['x = { a = [1, 2] }', [['[', ARRAY_BEGIN], ['2', INT], [']', ARRAY_END], ['}', INLINE_END]]],
    ['x = { a = 1 b }', [['1', INT], ['b', INVALID], ['}', INLINE_END]]],
    // TOML 1.1 (and smol-toml, behind the validator) lets inline tables span lines.
    [['env = {', '  A = "1", # first', '  B = "2",', '}'], [['A', KEY], [' first', COMMENT], ['B', KEY], ['}', INLINE_END]]],
    [['x = { a = 1', '[next]'], [['a', KEY], ['next', TABLE_KEY]]],
  ]);

  table('stray text', [
    ['just words', [['just', INVALID], ['words', INVALID]]],
    ['= 1', [['=', INVALID], ['1', INT]]],
    ['a = 1 b = 2', [['a', KEY], ['b', INVALID]]],
  ]);

  describe('whole files', () => {
    /** Non-blank text that got no scope beyond the root, or an invalid one. */
    function unscoped(tokens: readonly Token[]): string[] {
      return tokens
        .filter((t) => t.text.trim() !== '' && (t.scopes.length < 2 || t.scopes.some((s) => s.startsWith('invalid.'))))
        .map((t) => `line ${t.line + 1}: ${clip(JSON.stringify(t.text))} ${t.scopes.join(' ')}`);
    }

    const examples = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.cairn.toml'));

    it('finds the example workflows', () => {
      assert.ok(examples.length >= 3, `examples: ${examples.join(', ')}`);
    });

    for (const file of examples) {
      it(`scopes every non-blank character of examples/${file}, with nothing invalid`, () => {
        const lines = fs.readFileSync(path.join(examplesDir, file), 'utf8').split(/\r?\n/);
        const tokens = tokenize(lines);
        assert.deepEqual(unscoped(tokens), []);
        const headers = lines.filter((l) => /^\[tasks\.[A-Za-z0-9_-]+\]/.test(l)).length;
        assert.ok(headers > 0);
        assert.equal(tokens.filter((t) => hasScope(t, TASK)).length, headers);
      });
    }

    it('tokenizes a generated 2,000-task workflow, still in step at the end', () => {
      const count = 2000;
      const lines = ['name = "generated"', '[vars]', 'env = "dev"'];
      for (let i = 0; i < count; i++) {
        lines.push(
          `[tasks.task-${i}]`,
          `description = "task ${i} of ${count}" # generated`,
          i === 0 ? 'deps = []' : `deps = ["task-${i - 1}", "task-${Math.floor(i / 2)}"]`,
          'run = """',
          `echo "{{ .env }} ${i}" \\`,
          `  && echo "n=${i}" >> "$CAIRN_OUTPUT"`,
          '"""',
          `env = { N = "${i}", HEX = 0x${i.toString(16)}, AT = 1979-05-27T07:32:00Z }`,
          `retries = ${i % 3}`,
          '',
        );
      }
      const tokens = tokenize(lines);
      assert.deepEqual(unscoped(tokens), []);
      const tasks = tokens.filter((t) => hasScope(t, TASK));
      assert.equal(tasks.length, count);
      assert.equal(tasks.at(-1)?.text, `task-${count - 1}`);
    });

    // Lines built to make a backtracking regex blow up; each must come back in one piece.
    const hostile: readonly (readonly [name: string, line: string, lastScope: string])[] = [
      ['a 50,000-character word', 'a'.repeat(50_000), INVALID],
      ['a long dotted bare key', `${'a-.'.repeat(10_000)}b = 1`, INT],
      ['long dotted quoted keys without "="', `${'"a".'.repeat(10_000)}"b"`, INVALID],
      ['a long dotted quoted key', `${'"a".'.repeat(10_000)}"b" = 1`, INT],
      ['an inline table of 10,000 quoted keys', `x = { ${'"a" = 1, '.repeat(10_000)}}`, INLINE_END],
      ['a long header of quoted keys', `[${'"a".'.repeat(10_000)}b]`, 'punctuation.definition.table.end.cairn'],
      ['an unterminated string of backslashes', `x = "${'\\\\'.repeat(20_000)}`, ESCAPE],
      ['a number with 20,000 underscores', `x = ${'1_'.repeat(20_000)}1`, INT],
      ['a number ending in an underscore', `x = ${'1_'.repeat(20_000)}`, INVALID],
      ['deeply nested arrays', `x = ${'['.repeat(2_000)}${']'.repeat(2_000)}`, ARRAY_END],
      ['an array of 10,000 strings', `x = [${'"a", '.repeat(10_000)}]`, ARRAY_END],
      ['an inline table of 10,000 keys', `x = { ${'a = 1, '.repeat(10_000)}}`, INLINE_END],
      ['10,000 unclosed templates', `x = "${'{{ .a '.repeat(10_000)}`, VAR],
      ['a template holding 10,000 escaped quotes', `x = "{{ ${'\\"a '.repeat(10_000)}`, TEMPLATE],
      ['a long header', `[${'a.'.repeat(20_000)}b]`, 'punctuation.definition.table.end.cairn'],
    ];
    for (const [name, line, lastScope] of hostile) {
      it(`tokenizes ${name}`, () => {
        const tokens = tokenize([line]);
        assert.equal(tokens.map((t) => t.text).join(''), line);
        const last = tokens.findLast((t) => t.text.trim() !== '');
        assert.ok(last && hasScope(last, lastScope), `last token: ${show(last ? [last] : [])}`);
      });
    }
  });
});
