import assert from 'node:assert/strict';
import { OutputFileParser, type OutputRecord } from './output-file';

interface Row {
  readonly name: string;
  readonly input: string;
  readonly records: readonly OutputRecord[];
  /** A substring of the error, or undefined for none. */
  readonly error?: string;
}

const r = (name: string, value: string): OutputRecord => ({ name, value });

const rows: readonly Row[] = [
  { name: 'one line', input: 'cursor=1\n', records: [r('cursor', '1')] },
  { name: 'last line without newline', input: 'a=1\nb=2', records: [r('a', '1'), r('b', '2')] },
  { name: 'empty value', input: 'a=\n', records: [r('a', '')] },
  { name: '= inside the value', input: 'url=https://x.test/?a=1&b=2\n', records: [r('url', 'https://x.test/?a=1&b=2')] },
  { name: '<< inside a value', input: 'shift=1<<3\n', records: [r('shift', '1<<3')] },
  { name: 'CRLF line ends', input: 'a=1\r\nb=2\r\n', records: [r('a', '1'), r('b', '2')] },
  { name: 'blank lines are skipped', input: '\n\na=1\n  \n\nb=2\n', records: [r('a', '1'), r('b', '2')] },
  { name: 'the same name twice: both, in order', input: 'a=1\na=2\n', records: [r('a', '1'), r('a', '2')] },
  { name: 'underscores and digits', input: '_x9=ok\nA_B=ok\n', records: [r('_x9', 'ok'), r('A_B', 'ok')] },
  { name: 'spaces kept in the value', input: 'a= b c \n', records: [r('a', ' b c ')] },
  { name: 'heredoc', input: 'body<<EOF\nline 1\nline 2\nEOF\n', records: [r('body', 'line 1\nline 2')] },
  { name: 'heredoc, empty', input: 'body<<EOF\nEOF\n', records: [r('body', '')] },
  {
    name: 'heredoc with blank lines and = inside',
    input: 'body<<EOF\n\na=b\n\nc==d\n\nEOF\nnext=1\n',
    records: [r('body', '\na=b\n\nc==d\n'), r('next', '1')],
  },
  {
    name: 'heredoc with CRLF',
    input: 'body<<EOF\r\nline 1\r\n\r\nline 3\r\nEOF\r\n',
    records: [r('body', 'line 1\n\nline 3')],
  },
  {
    name: 'heredoc: a line that only starts with the delimiter does not close it',
    input: 'b<<END\nEND2\n END\nEND\n',
    records: [r('b', 'END2\n END')],
  },
  { name: 'heredoc: closing line without newline at the end', input: 'b<<END\nx\nEND', records: [r('b', 'x')] },
  { name: 'heredoc: delimiter with odd characters', input: 'b<<ghadelimiter_1f3e\nx=y\nghadelimiter_1f3e\n', records: [r('b', 'x=y')] },
  { name: 'heredoc: records inside are not records', input: 'b<<E\nc=1\nE\n', records: [r('b', 'c=1')] },
  { name: 'no = and no <<', input: 'a=1\ngarbage\nb=2\n', records: [r('a', '1'), r('b', '2')], error: 'line 2: expected name=value or name<<DELIMITER: garbage' },
  { name: 'empty name', input: '=1\nb=2\n', records: [r('b', '2')], error: 'line 1: invalid variable name ""' },
  { name: 'name starting with a digit', input: '1a=1\nb=2\n', records: [r('b', '2')], error: 'line 1: invalid variable name "1a"' },
  { name: 'name with a dash', input: 'a-b=1\n', records: [], error: 'invalid variable name "a-b"' },
  { name: 'name with a space', input: 'a b=1\n', records: [], error: 'invalid variable name "a b"' },
  { name: 'heredoc with a bad name: its body is skipped', input: '9x<<E\nc=1\nE\nd=2\n', records: [r('d', '2')], error: 'line 1: invalid variable name "9x"' },
  { name: 'heredoc without a delimiter', input: 'a<<\nb=1\n', records: [r('b', '1')], error: 'line 1: a heredoc needs a delimiter' },
  { name: 'unterminated heredoc', input: 'a=1\nbody<<EOF\nx\ny\n', records: [r('a', '1')], error: 'line 2: heredoc never closed by a "EOF" line: body<<EOF' },
  { name: 'several errors: the first and a count', input: 'x\ny\nz\na=1\n', records: [r('a', '1')], error: 'line 1: expected name=value or name<<DELIMITER: x (and 2 more malformed lines)' },
  { name: 'a long malformed line is quoted only in part', input: `${'x'.repeat(500)}\n`, records: [], error: `${'x'.repeat(200)}…` },
];

/** Feeds `input` cut at the given positions and gathers everything the parser returns. */
function parse(input: string, cuts: readonly number[]): { records: OutputRecord[]; error?: string } {
  const parser = new OutputFileParser();
  const records: OutputRecord[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    records.push(...parser.feed(input.slice(from, cut)));
    from = cut;
  }
  const end = parser.end();
  return end.error === undefined ? { records: [...records, ...end.records] } : { records: [...records, ...end.records], error: end.error };
}

function check(row: Row, result: { records: OutputRecord[]; error?: string }, how: string): void {
  assert.deepEqual(result.records, row.records, `${row.name} (${how})`);
  if (row.error === undefined) assert.equal(result.error, undefined, `${row.name} (${how})`);
  else assert.ok(result.error?.includes(row.error), `${row.name} (${how}): got ${result.error}`);
}

describe('OutputFileParser', () => {
  for (const row of rows) {
    it(row.name, () => {
      check(row, parse(row.input, []), 'whole');
      for (let cut = 1; cut < row.input.length; cut++) check(row, parse(row.input, [cut]), `cut at ${cut}`);
      check(row, parse(row.input, [...row.input].map((_, index) => index)), 'char by char');
    });
  }

  it('returns a line only once its newline has arrived, a block only once its delimiter line has', () => {
    const parser = new OutputFileParser();
    assert.deepEqual(parser.feed('cursor=1'), []);
    assert.deepEqual(parser.feed('2'), []);
    assert.deepEqual(parser.feed('\nbody<<E\nx\n'), [r('cursor', '12')]);
    assert.deepEqual(parser.feed('E'), [], 'E might still become E2');
    assert.deepEqual(parser.feed('\n'), [r('body', 'x')]);
    assert.deepEqual(parser.end(), { records: [] });
  });

  it('keeps a long line arriving in many small chunks linear', () => {
    const parser = new OutputFileParser();
    const piece = 'x'.repeat(100);
    parser.feed('big=');
    for (let i = 0; i < 20_000; i++) parser.feed(piece);
    const records = parser.feed('\n');
    assert.equal(records[0]?.value.length, 2_000_000);
  });
});
