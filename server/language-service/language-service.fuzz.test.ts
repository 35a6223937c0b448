// Randomized robustness test of the whole language service: on mutated
// example workflows, every feature at random cursor positions answers without
// throwing, without logging an internal error, and with every range inside
// the document; rename edits apply cleanly.
// Reproduce a failure with the seed it prints:
// FUZZ_SEED=<n> FUZZ_CASES=<m, the "of m" in its title> npx mocha server/language-service/language-service.fuzz.test.ts
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position } from 'vscode-languageserver-types';
import { fuzzCases, fuzzChunks, fuzzSeed, Rng } from '../../runner/testing/prng';
import { document } from '../test-utils/cursor';
import { createLanguageService } from './language-service';

const SEED = fuzzSeed();
const CASES = fuzzCases(2000);
/** Cases per test: each chunk replays alone (FUZZ_SEED and FUZZ_CASES as printed). */
const CHUNK = 500;
const CURSORS_PER_CASE = 3;

/** What users type mid-edit, and what breaks parsers. */
const FRAGMENTS: readonly string[] = [
  '{{ .', '{{', '}}', '{{ .version }}', '{{.}}', '"', '"""', "'", "'''", '[', ']', '[[', '{', '}', '=', ' = ', ',', '.', '#',
  '\\', '\\u00', '\n', '\r\n', '\r', '\t', '[tasks.', '[tasks.x]\n', '[vars]\n', '[defaults]\n', 'deps = [', 'deps = ["', 'deps = ["bu',
  'target = "', 'register = "', 'outputs = ["', 'if = "', "if = \"env == '", 'type = "forensic"\n', 'run = ', 'ti', 'env.', 'tasks.a.run = "x"\n',
  '$CAIRN_VAR_', 'CAIRN_OUTPUT', 'url=', '&&', '||', '(', ')', 'contains(', 'é', '😀', '\uFEFF', '\uD800', '\u2028', '\u0000',
];

function mutate(text: string, rng: Rng): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(6)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + rng.int(6));
    case 1:
      return text.slice(0, at) + rng.pick(FRAGMENTS) + text.slice(at);
    case 2: {
      const piece = text.slice(at, at + 1 + rng.int(40));
      return text.slice(0, at) + piece + text.slice(at);
    }
    case 3: {
      const lines = text.split('\n');
      lines.splice(rng.int(lines.length), 1);
      return lines.join('\n');
    }
    case 4: {
      // Swap one word for another: the TOML often stays valid, so the model-backed features run too.
      const words = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_-]*/g)];
      if (words.length < 2) return text;
      const a = rng.pick(words);
      return text.slice(0, a.index) + rng.pick(words)[0] + text.slice(a.index + a[0].length);
    }
    default:
      return text.slice(0, at);
  }
}

/** Every Range-shaped object in a result, wherever it sits. */
function rangesIn(value: unknown, out: { start: Position; end: Position }[] = []): { start: Position; end: Position }[] {
  if (Array.isArray(value)) {
    for (const v of value) rangesIn(v, out);
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (isPosition(o['start']) && isPosition(o['end'])) out.push({ start: o['start'], end: o['end'] });
    for (const v of Object.values(o)) rangesIn(v, out);
  }
  return out;
}

function isPosition(v: unknown): v is Position {
  return typeof v === 'object' && v !== null && typeof (v as Position).line === 'number' && typeof (v as Position).character === 'number';
}

function checkRanges(doc: TextDocument, result: unknown, what: string): void {
  const text = doc.getText();
  for (const r of rangesIn(result)) {
    for (const p of [r.start, r.end]) {
      assert.ok(Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0, `${what}: bad position ${JSON.stringify(p)}`);
      assert.ok(p.line < doc.lineCount, `${what}: line ${p.line} past the last line ${doc.lineCount - 1}`);
      // positionAt(offsetAt(p)) is p exactly when p lies within its line.
      assert.deepEqual(doc.positionAt(doc.offsetAt(p)), p, `${what}: ${JSON.stringify(p)} is past the end of its line`);
    }
    assert.ok(doc.offsetAt(r.start) <= doc.offsetAt(r.end), `${what}: range ends before it starts ${JSON.stringify(r)}`);
    assert.ok(doc.offsetAt(r.end) <= text.length);
  }
}

function loadExamples(): string[] {
  const dir = path.resolve(__dirname, '../../examples');
  return fs.readdirSync(dir).filter((n) => n.endsWith('.cairn.toml')).sort().map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
}

describe('language service (fuzz)', function () {
  const examples = loadExamples();

  it('has example workflows to mutate', () => {
    assert.ok(examples.length > 0);
  });

  for (const [chunk, [first, per]] of fuzzChunks(CASES, CHUNK).entries()) {
    it(`answers every feature on mutations ${first + 1}–${first + per} of ${CASES} (FUZZ_SEED=${SEED})`, function () {
      const rng = new Rng(SEED + chunk * 0x9e3779b9);
      const logged: string[] = [];
      const ls = createLanguageService({
        logger: { error: (m) => logged.push(m) },
        runInfo: {
          taskStatus: (_uri, id) => (id.length % 2 === 0 ? { status: 'failed', durationMs: id.length * 100, runId: 'r' } : undefined),
          latestValue: (_uri, name) => (name.length % 2 === 0 ? { value: `v-${name}`, task: 't', attempt: 1 } : undefined),
        },
        snippetSupport: rng.chance(0.5),
      });
      for (let i = 0; i < per; i++) {
        let text = rng.pick(examples);
        const steps = 1 + rng.int(4);
        for (let s = 0; s < steps; s++) text = mutate(text, rng);
        if (rng.chance(0.15)) text = text.replace(/\n/g, '\r\n');
        const doc = document(text, `file:///fuzz/case-${i}.cairn.toml`, i);
        const where = `FUZZ_SEED=${SEED} chunk ${chunk} case ${i}`;
        const fail = (what: string, e: unknown): never =>
          assert.fail(`${where}: ${what} threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\ninput: ${JSON.stringify(text.slice(0, 2000))}`);

        checkRanges(doc, ls.diagnostics(doc), `${where} diagnostics`);
        checkRanges(doc, ls.documentSymbols(doc), `${where} symbols`);
        for (let k = 0; k < CURSORS_PER_CASE; k++) {
          const offset = rng.int(text.length + 1);
          const p = doc.positionAt(offset);
          const q = doc.positionAt(Math.min(text.length, offset + rng.int(40)));
          const context = `${where} at offset ${offset}`;
          checkRanges(doc, ls.codeActions(doc, { start: p, end: q }), `${context} code actions`);
          checkRanges(doc, ls.completion(doc, p), `${context} completion`);
          checkRanges(doc, ls.hover(doc, p), `${context} hover`);
          checkRanges(doc, ls.definition(doc, p), `${context} definition`);
          checkRanges(doc, ls.references(doc, p, { includeDeclaration: rng.chance(0.5) }), `${context} references`);
          checkRanges(doc, ls.documentHighlights(doc, p), `${context} highlights`);
          const prepared = ls.prepareRename(doc, p);
          checkRanges(doc, prepared, `${context} prepare rename`);
          if (prepared.ok) {
            const renamed = ls.rename(doc, p, rng.pick(['fresh_name', 'x', 'a-b', 'bad name', '', '9']));
            checkRanges(doc, renamed, `${context} rename`);
            if (renamed.ok) {
              try {
                TextDocument.applyEdits(doc, renamed.edit.changes?.[doc.uri] ?? []);
              } catch (e) {
                fail('applying the rename edits', e);
              }
            }
          }
        }
        assert.deepEqual(logged, [], `${where}: internal errors\ninput: ${JSON.stringify(text.slice(0, 2000))}`);
      }
    });
  }
});
