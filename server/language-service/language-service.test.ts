// The guarded facade: every feature wired to the shared analysis, and an
// internal error answered with an empty result plus a log line.
import assert from 'node:assert/strict';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { InsertTextFormat } from 'vscode-languageserver-types';
import { cursor, document } from '../test-utils/cursor';
import { createLanguageService } from './language-service';

/** A document whose text cannot be read: the surest way to make every feature fail inside. */
function unreadable(uri = 'file:///w/broken.cairn.toml'): TextDocument {
  return {
    uri,
    languageId: 'cairn',
    version: 3,
    lineCount: 1,
    getText: () => {
      throw new Error('text unavailable');
    },
    positionAt: () => ({ line: 0, character: 0 }),
    offsetAt: () => 0,
    getLineRange: () => ({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }),
    getEOLCharacters: () => '',
  };
}

const WORKFLOW = '[vars]\nenv = "dev"\n[tasks.build]\nrun = "make {{ .env }}"\n[tasks.deploy]\ndeps = ["biuld"]\nrun = "./deploy"\n';

describe('createLanguageService', () => {
  it('answers every feature from one analysis per document version', () => {
    const ls = createLanguageService({
      runInfo: { taskStatus: () => ({ status: 'success', durationMs: 1200, runId: 'r1' }), latestValue: () => undefined },
      snippetSupport: true,
    });
    const c = cursor(WORKFLOW.replace('[tasks.build]', '[tasks.bu|ild]'));
    const analysis = ls.analyze(c.document);
    assert.ok(analysis);
    assert.equal(ls.analyze(c.document), analysis, 'the second call reuses the analysis');
    assert.deepEqual(ls.diagnostics(c.document).map((d) => d.code), ['unknown-dep']);
    const whole = { start: { line: 0, character: 0 }, end: { line: 8, character: 0 } };
    assert.deepEqual(ls.codeActions(c.document, whole).map((a) => a.title), ['Change to "build"']);
    assert.match(JSON.stringify(ls.hover(c.document, c.position)?.contents), /last run: ✓ succeeded in 1\.2s/);
    assert.equal(ls.definition(c.document, c.position).length, 1);
    assert.equal(ls.references(c.document, c.position, { includeDeclaration: true }).length, 1);
    assert.equal(ls.documentHighlights(c.document, c.position).length, 1);
    assert.equal(ls.prepareRename(c.document, c.position).ok, true);
    assert.equal(ls.rename(c.document, c.position, 'compile').ok, true);
    assert.equal(ls.documentSymbols(c.document)[0]?.children?.length, 3);
    const blank = cursor('[tasks.a]\nrun = "x"\n|');
    assert.equal(ls.completion(blank.document, blank.position).items.find((i) => i.label === 'deps')?.insertTextFormat, InsertTextFormat.Snippet);
  });

  it('passes fileExists to the validator', () => {
    const ls = createLanguageService({ fileExists: () => false });
    const doc = document('[tasks.a]\nrun = "x"\nenv_file = ".env"\n');
    assert.deepEqual(ls.diagnostics(doc).map((d) => d.code), ['env-file-missing']);
  });

  it('answers empty results, and logs, when something inside fails', () => {
    const logged: string[] = [];
    const ls = createLanguageService({ logger: { error: (m) => logged.push(m) } });
    const broken = unreadable();
    const p = { line: 0, character: 0 };
    assert.equal(ls.analyze(broken), undefined);
    assert.deepEqual(ls.diagnostics(broken), []);
    assert.deepEqual(ls.codeActions(broken, { start: p, end: p }), []);
    assert.deepEqual(ls.completion(broken, p), { isIncomplete: false, items: [] });
    assert.equal(ls.hover(broken, p), null);
    assert.deepEqual(ls.definition(broken, p), []);
    assert.deepEqual(ls.references(broken, p, { includeDeclaration: true }), []);
    assert.deepEqual(ls.documentHighlights(broken, p), []);
    assert.equal(ls.prepareRename(broken, p).ok, false);
    assert.equal(ls.rename(broken, p, 'x').ok, false);
    assert.deepEqual(ls.documentSymbols(broken), []);
    assert.equal(logged.length, 11);
    assert.match(logged[1]!, /^cairn language service: diagnostics \(file:\/\/\/w\/broken\.cairn\.toml v3\) failed: Error: text unavailable/);
  });

  it('survives a logger that throws too', () => {
    const ls = createLanguageService({
      logger: {
        error: () => {
          throw new Error('logger down');
        },
      },
    });
    assert.deepEqual(ls.diagnostics(unreadable()), []);
  });

  it('forgets a closed document', () => {
    const ls = createLanguageService();
    const doc = document('[tasks.a]\nrun = "x"\n');
    const first = ls.analyze(doc);
    ls.close(doc.uri);
    assert.notEqual(ls.analyze(doc), first);
  });
});
