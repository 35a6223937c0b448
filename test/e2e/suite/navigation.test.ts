// Hover, definition, references, rename and the outline through VS Code's provider APIs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAllEditors, hoverText, openScratchCopy, openWorkspaceFile, positionOf } from './helpers';

describe('navigation', () => {
  afterEach(closeAllEditors);

  it('hovers a task: description, command, and the status of its latest run from the store', async () => {
    const { document } = await openWorkspaceFile('etl.cairn.toml');
    const at = positionOf(document, '[tasks.fe', { offset: 0 });
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, at);
    const text = hoverText(hovers);
    assert.match(text, /\*\*task\*\* `fetch`/);
    assert.match(text, /Copies the source export into etl\/out\/raw\//);
    assert.match(text, /node etl\/scripts\/fetch\.js/);
    // The driver ran etl once with the CLI before the editor started.
    assert.match(text, /last run: ✓ succeeded/);
  });

  it('hovers a variable used in a template', async () => {
    const { document } = await openWorkspaceFile('etl.cairn.toml');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, positionOf(document, '{{ .batch_s'));
    assert.match(hoverText(hovers), /batch_size/);
    assert.match(hoverText(hovers), /Rows per transform batch/);
  });

  it('goes to a dep\'s definition and finds a task\'s references', async () => {
    const { document } = await openWorkspaceFile('etl.cairn.toml');
    const inDeps = positionOf(document, 'deps = ["tra');
    const definitions = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', document.uri, inDeps);
    assert.equal(definitions.length, 1);
    const target = definitions[0];
    assert.ok(target);
    const range = 'targetRange' in target ? (target.targetSelectionRange ?? target.targetRange) : target.range;
    assert.equal(range.start.line, positionOf(document, '[tasks.transform]').line);

    const references = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', document.uri, inDeps);
    // deps of load, target of inspect-staging, and the definition itself.
    assert.deepEqual(
      references.map((r) => document.lineAt(r.range.start.line).text.trim()).sort(),
      ['[tasks.transform]', 'deps = ["transform"]', 'target = "transform"'],
    );
  });

  it('renames a task id everywhere it is referenced', async () => {
    const editor = await openScratchCopy('etl.cairn.toml');
    const { document } = editor;
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', document.uri, positionOf(document, '[tasks.fet'), 'extract');
    const edits = edit.get(document.uri);
    assert.equal(edits.length, 3, 'the header and two deps');
    assert.equal(await vscode.workspace.applyEdit(edit), true);
    const text = document.getText();
    assert.match(text, /\[tasks\.extract\]/);
    assert.equal((text.match(/deps = \["extract"\]/g) ?? []).length, 2);
    assert.doesNotMatch(text, /"fetch"|tasks\.fetch/);
    assert.match(text, /node etl\/scripts\/fetch\.js/, 'commands are not references');
  });

  it('refuses to rename what is not an id', async () => {
    const { document } = await openWorkspaceFile('etl.cairn.toml');
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('vscode.executeDocumentRenameProvider', document.uri, positionOf(document, 'timeo', { atStart: true }), 'x')),
    );
  });

  it('outlines the workflow: its variables and one symbol per task', async () => {
    const { document } = await openWorkspaceFile('etl.cairn.toml');
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', document.uri);
    const [root] = symbols;
    assert.ok(root);
    assert.equal(root.name, 'etl');
    const tasks = root.children.filter((c) => c.kind === vscode.SymbolKind.Function);
    assert.deepEqual(tasks.map((t) => t.name), ['fetch', 'profile', 'transform', 'load', 'verify', 'report', 'inspect-staging']);
    const transform = tasks.find((t) => t.name === 'transform');
    assert.equal(transform && document.getText(transform.selectionRange), 'transform');
    const vars = root.children.find((c) => c.kind === vscode.SymbolKind.Namespace);
    assert.deepEqual(vars?.children.map((v) => v.name), ['batch_size', 'fail_after_batch']);
  });
});
