// The tolerant scanner: on valid TOML it finds what the runner's position
// index finds; on half-typed TOML it still finds the tables and keys around.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexPositions } from '../../runner/model/toml-positions';
import { TOML_EDGE_CASES } from '../../runner/testing/toml-edge-cases';
import { allEntries, ARRAY_ELEMENT, scanTable, scanToml, skimToml, tableAt, type KeyOccurrence, type TomlScan } from './toml-scan';

const slice = (text: string, s: { start: number; end: number }): string => text.slice(s.start, s.end);
const keysAt = (scan: TomlScan, ...path: string[]): KeyOccurrence[] => scan.keys.filter((k) => k.path.join('.') === path.join('.'));

describe('scanToml', () => {
  it('finds every key segment of headers, dotted keys and inline tables with its full path', () => {
    const text = '[tasks."build"]\nrun = "x"\n[tasks.build.env]\nCI = "1"\n[tasks]\ntest.run = "y"\nlint = { run = "z", deps = ["build"] }\n';
    const scan = scanToml(text);
    assert.deepEqual(keysAt(scan, 'tasks', 'build').map((k) => slice(text, k.span)), ['"build"', 'build']);
    assert.deepEqual(keysAt(scan, 'tasks', 'test', 'run').map((k) => slice(text, k.span)), ['run']);
    assert.deepEqual(keysAt(scan, 'tasks', 'lint', 'deps').map((k) => slice(text, k.span)), ['deps']);
    assert.equal(keysAt(scan, 'tasks', 'build')[0]!.quoted, true);
  });

  it('agrees with the runner position index on the example workflows and the TOML edge cases', () => {
    const dir = path.resolve(__dirname, '../../examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cairn.toml'));
    assert.ok(files.length > 0);
    // The scan does not number [[arrays of tables]] (no workflow key is one), so those paths differ by design.
    const edgeCases = TOML_EDGE_CASES.filter((c) => !c.text.includes('[['));
    const cases = [...files.map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') })), ...edgeCases];
    for (const { name: f, text } of cases) {
      const index = indexPositions(text);
      const scan = scanToml(text);
      for (const k of scan.keys) {
        if (k.path.includes(ARRAY_ELEMENT)) continue;
        const first = keysAt(scan, ...k.path)[0]!;
        assert.deepEqual(index.get(k.path)?.key, first.span, `${f}: ${k.path.join('.')}`);
      }
      for (const table of scan.tables) {
        for (const e of allEntries(table.entries)) if (!e.path.includes(ARRAY_ELEMENT)) assert.deepEqual(e.value?.span, index.get(e.path)?.value, `${f}: value of ${e.path.join('.')}`);
      }
    }
  });

  it('lists the keys of one depth as filtering all keys does, before and after they are all made', () => {
    const texts = [
      '[tasks."build"]\nrun = "x"\n[tasks.build.env]\nCI = "1"\n[tasks]\ntest.run = "y"\nlint = { run = "z", env = { A = "1" } }\na.b.c.d = 1\n[tasks.\n',
      ...fs.readdirSync(path.resolve(__dirname, '../../examples')).filter((f) => f.endsWith('.cairn.toml')).map((f) => fs.readFileSync(path.resolve(__dirname, '../../examples', f), 'utf8')),
    ];
    for (const text of texts) {
      const lazy = scanToml(text);
      const byDepth = [0, 1, 2, 3, 4, 5].map((d) => lazy.keysOfDepth(d));
      const all = lazy.keys;
      for (let d = 0; d <= 5; d++) {
        const expected = all.filter((k) => k.path.length === d);
        assert.deepEqual(byDepth[d], expected, `depth ${d}, before`);
        assert.deepEqual(lazy.keysOfDepth(d), expected, `depth ${d}, after`);
      }
      assert.equal(lazy.keys, all, 'made once');
      assert.deepEqual(all.map((k) => k.path.join('.')), scanToml(text).keys.map((k) => k.path.join('.')));
    }
  });

  it('reads each table alone as the whole scan does, where a skim says the tables start', () => {
    const texts = [
      '[tasks.a]\nrun = "x\n[tasks.b]\ndeps = ["a", "bu\nrun = "y"\n[tasks.c]\nrun = """\n[not.a.header]\n"""\n',
      '\uFEFF[tasks.a]\nrun = "x"\n',
      'name = "w"\n[[tasks]]\nx = { a = [ { b = 1 } ] }\n[tasks.\n',
      '',
      'x = 1',
      ...fs.readdirSync(path.resolve(__dirname, '../../examples')).filter((f) => f.endsWith('.cairn.toml')).map((f) => fs.readFileSync(path.resolve(__dirname, '../../examples', f), 'utf8')),
      ...TOML_EDGE_CASES.map((c) => c.text),
    ];
    for (const text of texts) {
      const scan = scanToml(text);
      const seen = { tables: 0, entries: 0, keys: 0 };
      const starts = skimToml(text, { table: () => seen.tables++, entry: () => seen.entries++, key: () => seen.keys++ });
      assert.deepEqual(starts, scan.tables.slice(1).map((t) => t.header?.span.start), JSON.stringify(text));
      assert.equal(seen.tables, scan.tables.length);
      assert.equal(seen.entries, scan.tables.reduce((n, t) => n + [...allEntries(t.entries)].length, 0));
      scan.tables.forEach((table, k) => {
        assert.deepEqual(scanTable(text, k === 0 ? undefined : starts[k - 1]), table, `${JSON.stringify(text)}: table ${k}`);
      });
      for (let offset = 0; offset <= text.length; offset++) {
        const k = starts.filter((s) => s < offset).length;
        assert.equal(tableAt(scan, offset), scan.tables[k]);
      }
    }
  });

  it('keeps the table structure around an unclosed string and an unclosed array', () => {
    const text = '[tasks.a]\nrun = "x\n[tasks.b]\ndeps = ["a", "bu\nrun = "y"\n[tasks.c]\nrun = "z"\n';
    const scan = scanToml(text);
    assert.deepEqual(scan.tables.map((t) => t.path.join('.')), ['', 'tasks.a', 'tasks.b', 'tasks.c']);
    const b = scan.tables[2]!;
    assert.deepEqual(b.entries.map((e) => e.path.join('.')), ['tasks.b.deps', 'tasks.b.run']);
    const deps = b.entries[0]!.value;
    assert.ok(deps?.kind === 'array');
    assert.equal(deps.closed, false);
    assert.deepEqual(deps.items.map((i) => slice(text, i.span)), ['"a"', '"bu']);
  });

  it('records a key being typed (no "=" yet) and a dot waiting for its next segment', () => {
    const text = '[tasks.a]\nti\nenv.\n[tasks.\n';
    const scan = scanToml(text);
    const entries = scan.tables[1]!.entries;
    assert.deepEqual(entries.map((e) => [e.path.join('.'), e.equals]), [
      ['tasks.a.ti', undefined],
      ['tasks.a.env.', undefined],
    ]);
    assert.deepEqual(scan.tables[2]!.path, ['tasks', '']);
  });

  it('ends an inline table left open at the end of its line', () => {
    const text = '[vars]\ntoken = { env = "X"\nregion = "eu"\n';
    const scan = scanToml(text);
    assert.deepEqual(scan.tables[1]!.entries.map((e) => e.path.join('.')), ['vars.token', 'vars.region']);
  });

  it('reads multi-line strings, CRLF line breaks, a BOM and comments', () => {
    const text = '\uFEFF# c\r\n[tasks.a] # header comment\r\nrun = """\r\nline {{ .x }}\r\n"""\r\nregister = \'v\' # trailing\r\n';
    const scan = scanToml(text);
    const [run, register] = scan.tables[1]!.entries;
    assert.ok(run?.value?.kind === 'string' && run.value.multiline && run.value.closed);
    assert.equal(slice(text, run.value.content), '\r\nline {{ .x }}\r\n');
    assert.equal(slice(text, register!.value!.span), "'v'");
  });

  it('decodes escapes in quoted keys', () => {
    const scan = scanToml('[tasks."bu\\u0069ld"]\nrun = "x"\n');
    assert.deepEqual(scan.tables[1]!.path, ['tasks', 'build']);
  });

  it('ends on any text, however broken', () => {
    for (const text of ['', '[', '[[', '"', '"""', "'''", '= = =', '{', 'a = [[[[', 'a = {{{{', 'a = [\n[b]\n', 'x = { a = [ { b = ', '\r\r\n\n', ']]]', 'a."b', '[a."b']) {
      const scan = scanToml(text);
      for (const k of scan.keys) assert.ok(k.span.start >= 0 && k.span.end <= text.length && k.span.start <= k.span.end, JSON.stringify(text));
    }
  });

  it('stays off the stack on deeply nested values', () => {
    const text = `a = ${'['.repeat(50_000)}`;
    const scan = scanToml(text);
    assert.equal(scan.tables[0]!.entries.length, 1);
  });
});
