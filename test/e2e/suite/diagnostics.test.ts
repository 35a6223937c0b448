// Diagnostics as VS Code holds them: ranges, messages, severities, codes; updated as the text changes.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { BROKEN, closeAllEditors, describeDiagnostic, diagnosticsWhen, openScratchCopy, openWorkspaceFile, positionOf } from './helpers';

describe('diagnostics', () => {
  afterEach(closeAllEditors);

  it('lists the broken workflow\'s problems with their exact ranges and messages', async () => {
    const { document } = await openWorkspaceFile(BROKEN);
    const diagnostics = await diagnosticsWhen(document.uri, (d) => d.length === 3, 'three diagnostics');
    const sorted = [...diagnostics].sort((a, b) => a.range.start.compareTo(b.range.start));
    assert.deepEqual(sorted.map(describeDiagnostic), [
      '10:9-10:16 unknown-dep unknown task "biuld" in deps of "test"; did you mean "build"?',
      '14:17-14:29 unknown-dep unknown task "nosuchtask" in deps of "deploy"',
      '16:1-16:7 unknown-key unknown key "timout" in task "deploy"; did you mean "timeout"?',
    ]);
    assert.deepEqual(sorted.map((d) => document.getText(d.range)), ['"biuld"', '"nosuchtask"', 'timout']);
    for (const d of sorted) {
      assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
      assert.equal(d.source, 'cairn');
    }
  });

  for (const example of ['etl', 'params', 'release']) {
    it(`has nothing to say about examples/${example}.cairn.toml`, async () => {
      // A clean file gets an empty publish, which fires no change: type a mistake, see it, undo, see it go.
      const editor = await openScratchCopy(`${example}.cairn.toml`);
      const uri = editor.document.uri;
      await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'nmae = "x"\n'));
      const seen = await diagnosticsWhen(uri, (d) => d.length > 0, 'the misspelt key');
      assert.deepEqual(seen.map(describeDiagnostic), ['1:1-1:5 unknown-key unknown key "nmae" at the top level of the workflow; did you mean "name"?']);
      await vscode.commands.executeCommand('undo');
      assert.equal(editor.document.getText().startsWith('nmae'), false);
      await diagnosticsWhen(uri, (d) => d.length === 0, 'no diagnostics after undo');
    });
  }

  it('follows typing: a dep that names no task appears, and goes when corrected', async () => {
    const editor = await openScratchCopy('etl.cairn.toml');
    const uri = editor.document.uri;
    const at = positionOf(editor.document, 'deps = ["fetch"]', { offset: -2 });
    await editor.edit((e) => e.insert(at, 'x'));
    const [d] = await diagnosticsWhen(uri, (ds) => ds.length === 1, 'the unknown dep');
    assert.ok(d);
    assert.equal(d.code, 'unknown-dep');
    assert.equal(editor.document.getText(d.range), '"fetchx"');
    assert.equal(d.message, 'unknown task "fetchx" in deps of "profile"; did you mean "fetch"?');
    await editor.edit((e) => e.delete(new vscode.Range(at, at.translate(0, 1))));
    await diagnosticsWhen(uri, (ds) => ds.length === 0, 'no diagnostics after the fix');
  });
});
