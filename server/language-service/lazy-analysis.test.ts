// Features compute only the parts of a version's analysis they read: completion right after a keystroke
// scans and sketches the new text, never validates it nor indexes its symbols. And what the lazy path answers
// is what the full analysis answers, on the examples and on a generated 300-task workflow, fresh or typed into.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position } from 'vscode-languageserver-types';
import { generateWorkflow } from '../../runner/testing/generate-workflow';
import { Rng } from '../../runner/testing/prng';
import { document } from '../test-utils/cursor';
import { getCompletions } from './completion';
import { DocumentAnalysis, type AnalysisPart } from './document-analysis';
import { getHover } from './hover';
import { createLanguageService, type LanguageService } from './language-service';
import { getDefinition, getDocumentHighlights, getReferences } from './navigation';
import { keyAt, namesSymbol } from './symbol-index';

const EXAMPLES = path.resolve(__dirname, '../../examples');

function examples(): { name: string; text: string }[] {
  return fs
    .readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.cairn.toml'))
    .sort()
    .map((f) => ({ name: f, text: fs.readFileSync(path.join(EXAMPLES, f), 'utf8') }));
}

const GENERATED = { name: 'generated 300 tasks', text: generateWorkflow({ tasks: 300, seed: 7 }) };

/** A service that logs which parts of which version it computes. */
function observed(): { ls: LanguageService; computed: string[] } {
  const computed: string[] = [];
  const ls = createLanguageService({ onCompute: (part, a) => computed.push(`v${a.version}:${part}`) });
  return { ls, computed };
}

/** An analysis with every part computed, validation first: what every feature read before parts were lazy. */
function full(doc: TextDocument): DocumentAnalysis {
  const a = new DocumentAnalysis(doc);
  void a.diagnostics;
  void a.symbols;
  void a.sketch;
  return a;
}

/** Where completion is asked in practice (right after a trigger or inside a word), plus every `step`-th offset. */
function cursorOffsets(text: string, step: number): number[] {
  const out = new Set<number>();
  for (let i = 0; i <= text.length; i += step) out.add(i);
  for (const m of text.matchAll(/deps = \["?|target = "|\{\{ ?\.|\[tasks\.|if = "|type = "|^[a-z_]+/gm)) {
    out.add(m.index + m[0].length);
    out.add(m.index + m[0].length + 2);
  }
  return [...out].filter((o) => o <= text.length).sort((a, b) => a - b);
}

/** Edits a user could make: type a character or a trigger, delete a few, retype a task's command or description. */
function edit(text: string, rng: Rng): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(5)) {
    case 0:
      return text.slice(0, at) + rng.pick(['x', '"', ' ', '.', '[', ',', '{{ .', '\n', 'deps = ["', 'a-1']) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + rng.int(4));
    case 2: {
      // A run or description string changes: its task's completion item must change with it.
      const strings = [...text.matchAll(/^(run|description) = "([^"\\\n]*)"/gm)];
      if (strings.length === 0) return text;
      const m = rng.pick(strings);
      const start = m.index + m[1]!.length + 4;
      return text.slice(0, start) + rng.pick(['', 'new ', '`x` ', '# not a heading\n']) + text.slice(start);
    }
    case 3: {
      // A task becomes forensic, or stops being one.
      const forensic = text.indexOf('type = "forensic"');
      if (forensic !== -1 && rng.chance(0.5)) return text.slice(0, forensic) + text.slice(forensic + 'type = "forensic"'.length);
      const header = [...text.matchAll(/^\[tasks\.[^\]\n]+\]\n/gm)];
      if (header.length === 0) return text;
      const h = rng.pick(header);
      return text.slice(0, h.index + h[0].length) + 'type = "forensic"\n' + text.slice(h.index + h[0].length);
    }
    default: {
      // A task is renamed.
      const ids = [...text.matchAll(/^\[tasks\.([a-z_-]+[0-9]*)\]/gm)];
      if (ids.length === 0) return text;
      const m = rng.pick(ids);
      const start = m.index + '[tasks.'.length;
      return text.slice(0, start) + 'r' + text.slice(start);
    }
  }
}

describe('lazy analysis', () => {
  it('answers completion on a fresh version from a skim and the sketch only: no scan kept, no validation, no symbol index', () => {
    const { ls, computed } = observed();
    const doc = document(GENERATED.text, 'file:///w/generated.cairn.toml', 1);
    ls.diagnostics(doc);
    ls.hover(doc, doc.positionAt(GENERATED.text.indexOf('[tasks.') + 8));
    assert.deepEqual(computed, ['v1:validation', 'v1:scan', 'v1:symbols']);

    const deps = GENERATED.text.indexOf('deps = ["') + 'deps = ["'.length;
    const template = GENERATED.text.indexOf('{{ .') + '{{ .'.length;
    const start = { line: 0, character: 0 };
    // Keystrokes at the top: a space typed, then deleted; each makes a new version whose first request is a completion.
    for (const [version, change, offset] of [
      [2, { range: { start, end: start }, text: ' ' }, deps + 1],
      [3, { range: { start, end: { line: 0, character: 1 } }, text: '' }, template],
    ] as const) {
      computed.length = 0;
      TextDocument.update(doc, [change], version);
      assert.ok(ls.completion(doc, doc.positionAt(offset)).items.length > 0);
      assert.deepEqual(computed, [`v${version}:skim`, `v${version}:sketch`]);
      // The same version asked again computes nothing more.
      ls.completion(doc, doc.positionAt(offset));
      assert.deepEqual(computed, [`v${version}:skim`, `v${version}:sketch`]);
    }
  });

  it('answers hover and navigation on a key that names no task or variable without validating', () => {
    const { ls, computed } = observed();
    const text = '[defaults]\ntimeout = "5m"\n[tasks.build]\nrun = "make"\n[tasks.test]\ndeps = ["build"]\nrun = "make test"\n';
    const doc = document(text);
    const onTimeout = doc.positionAt(text.indexOf('timeout') + 2);
    assert.match(JSON.stringify(ls.hover(doc, onTimeout)), /timeout/);
    assert.deepEqual(ls.definition(doc, onTimeout), []);
    assert.deepEqual(ls.references(doc, onTimeout, { includeDeclaration: true }), []);
    assert.deepEqual(ls.documentHighlights(doc, onTimeout), []);
    assert.deepEqual(computed, ['v1:scan']);
    // On a task id the model is needed, and computed.
    assert.equal(ls.definition(doc, doc.positionAt(text.indexOf('"build"') + 2)).length, 1);
    assert.deepEqual(computed, ['v1:scan', 'v1:validation', 'v1:symbols']);
  });

  for (const { name, text } of [...examples(), GENERATED]) {
    it(`completes as the full analysis does at every cursor of ${name}, without validating`, () => {
      const step = text.length > 20_000 ? 13 : 1;
      for (const snippetSupport of [false, true]) {
        const doc = document(text);
        const reference = full(doc);
        const computed: AnalysisPart[] = [];
        const ls = createLanguageService({ snippetSupport, onCompute: (part) => computed.push(part) });
        for (const offset of cursorOffsets(text, step)) {
          const position = doc.positionAt(offset);
          assert.deepEqual(ls.completion(doc, position), getCompletions(reference, position, { snippetSupport }), `${name} at offset ${offset}`);
        }
        // Key completions read every key (the full scan); the others only the skim.
        assert.deepEqual(computed.sort(), ['scan', 'sketch', 'skim']);
      }
    });

    it(`answers hover and navigation as the full analysis does at every cursor of ${name}`, () => {
      const step = text.length > 20_000 ? 7 : 1;
      const doc = document(text);
      const reference = full(doc);
      // Positions on keys that name nothing are answered from an analysis never validated; the others from one that is.
      const unvalidated = new DocumentAnalysis(doc);
      const validated = new DocumentAnalysis(doc);
      let shortcuts = 0;
      for (let offset = 0; offset <= text.length; offset += step) {
        const position: Position = doc.positionAt(offset);
        const where = `${name} at offset ${offset}`;
        const key = keyAt(unvalidated.scan, offset);
        const plain = key !== undefined && !namesSymbol(key);
        if (plain) shortcuts++;
        const a = plain ? unvalidated : validated;
        assert.deepEqual(getHover(a, position), getHover(reference, position), `${where}: hover`);
        assert.deepEqual(getDefinition(a, position), getDefinition(reference, position), `${where}: definition`);
        assert.deepEqual(getReferences(a, position, { includeDeclaration: true }), getReferences(reference, position, { includeDeclaration: true }), `${where}: references`);
        assert.deepEqual(getDocumentHighlights(a, position), getDocumentHighlights(reference, position), `${where}: highlights`);
      }
      assert.ok(shortcuts > 0, 'no position took the shortcut');
      assert.equal(unvalidated.has('validation'), false, 'a shortcut validated the document');
    });
  }

  for (const { name, text } of [examples()[0]!, GENERATED]) {
    it(`completes as the full analysis does while ${name} is typed into, version after version`, () => {
      const rng = new Rng(name.length);
      const ls = createLanguageService();
      const doc = document(text, 'file:///w/typed.cairn.toml', 1);
      let current = text;
      for (let version = 2; version <= 60; version++) {
        current = edit(current, rng);
        TextDocument.update(doc, [{ text: current }], version);
        const where = `${name} v${version}`;
        // A few completions per version, the first one on the fresh version; the reference is analysed from scratch.
        const reference = full(document(current, doc.uri, version));
        const offsets = cursorOffsets(current, Math.max(1, Math.floor(current.length / 50)));
        // Task ids first (after a deps = [): the items a new version rebuilds only for the tasks that changed.
        const depsAt = [...current.matchAll(/deps = \["/g)].map((m) => m.index + m[0].length);
        for (let k = 0; k < 4; k++) {
          const choices = k === 0 && depsAt.length > 0 ? depsAt : offsets;
          const offset = rng.pick(choices);
          const position = doc.positionAt(offset);
          assert.deepEqual(ls.completion(doc, position), getCompletions(reference, position), `${where} at offset ${offset}`);
        }
      }
    });
  }
});
