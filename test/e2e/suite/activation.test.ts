// The extension is installed, activates without being asked, and its language server answers.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { BROKEN, closeAllEditors, diagnosticsWhen, EXTENSION_ID, openWorkspaceFile } from './helpers';

describe('activation', () => {
  after(closeAllEditors);

  it('gives *.cairn.toml files the cairn language, with its configuration', async () => {
    const editor = await openWorkspaceFile('etl.cairn.toml');
    assert.equal(editor.document.languageId, 'cairn');
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed in this editor`);
    const languages = (extension.packageJSON as { contributes?: { languages?: { id: string }[] } }).contributes?.languages ?? [];
    assert.deepEqual(languages.map((l) => l.id), ['cairn']);
  });

  it('activates on its own (no activate() call) and starts the language server, which publishes diagnostics', async () => {
    const editor = await openWorkspaceFile(BROKEN);
    // Diagnostics only come from the language server: seeing them proves the client started it over IPC.
    await diagnosticsWhen(editor.document.uri, (d) => d.some((x) => x.source === 'cairn'), 'the language server\'s first diagnostics');
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(extension?.isActive, true);
  });
});
