// Randomized robustness test of the whole language service: on mutated
// example workflows, every feature at random cursor positions answers without
// throwing, without logging an internal error, and with every range inside
// the document; rename edits apply cleanly.
// Reproduce a failure with the seed it prints:
// FUZZ_SEED=<n> FUZZ_CASES=<m, the "of m" in its title> npx mocha server/language-service/language-service.fuzz.test.ts
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fuzzCases, fuzzChunks, fuzzSeed, Rng } from '../../runner/testing/prng';
import { document } from '../test-utils/cursor';
import { checkRanges, loadExamples, mutate } from '../test-utils/fuzz-input';
import { createLanguageService } from './language-service';

const SEED = fuzzSeed();
const CASES = fuzzCases(2000);
/** Cases per test: each chunk replays alone (FUZZ_SEED and FUZZ_CASES as printed). */
const CHUNK = 500;
const CURSORS_PER_CASE = 3;

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
