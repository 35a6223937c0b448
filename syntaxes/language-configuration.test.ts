// client/language-configuration.json, checked where the grammar's tests run
// (client/ has no plain-node test run). Rows use a `|` cursor marker.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface LanguageConfiguration {
  readonly wordPattern: string;
  readonly folding: { readonly markers: { readonly start: string; readonly end: string } };
}

// Plain JSON (VS Code would accept comments) so that any tool can read it.
const config = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../client/language-configuration.json'), 'utf8'),
) as LanguageConfiguration;

/** The word VS Code picks at the cursor: the wordPattern match that touches it. */
function wordAt(marked: string): string | undefined {
  const cursor = marked.indexOf('|');
  const text = marked.slice(0, cursor) + marked.slice(cursor + 1);
  for (const m of text.matchAll(new RegExp(config.wordPattern, 'g'))) {
    if (m.index <= cursor && cursor <= m.index + m[0].length) return m[0];
  }
  return undefined;
}

describe('language configuration', () => {
  const words: readonly (readonly [marked: string, word: string])[] = [
    ['deps = ["test-|integration"]', 'test-integration'],
    ['[tasks.collect-diag|nostics]', 'collect-diagnostics'],
    ['target = "deploy|"', 'deploy'],
    ['run = "echo {{ .ver|sion }}"', 'version'],
    ['run = "echo {{.|version}}"', 'version'],
    ['retry_|delay = "2s"', 'retry_delay'],
    ['timeout = "1.|5s"', '1.5s'],
    ['npx cairn run --v|ar env=prod', 'var'],
  ];
  for (const [marked, word] of words) {
    it(`word at ${marked}`, () => assert.equal(wordAt(marked), word));
  }

  const folds: readonly (readonly [line: string, start: boolean, end: boolean])[] = [
    ['# region deploy tasks', true, false],
    ['  #region', true, false],
    ['# endregion', false, true],
    ['# regional settings', false, false],
    ['[tasks.build]', false, false],
  ];
  for (const [line, start, end] of folds) {
    it(`folding markers on ${line}`, () => {
      assert.equal(new RegExp(config.folding.markers.start).test(line), start);
      assert.equal(new RegExp(config.folding.markers.end).test(line), end);
    });
  }
});
