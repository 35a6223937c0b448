// Shared by the in-host tests: the workspace the drivers prepare (a copy of examples/ plus
// broken.cairn.toml, with one finished run of etl in its store), and waits on editor events.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'cairn-dev.cairn';
export const BROKEN = 'broken.cairn.toml';

export function workspaceUri(relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the e2e suite needs the prepared workspace folder open');
  return vscode.Uri.joinPath(folder.uri, relative);
}

/** Opens a workspace file in an editor, as a user double-clicking it would. */
export async function openWorkspaceFile(relative: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(relative));
  return vscode.window.showTextDocument(document);
}

/**
 * An untitled cairn document holding a workspace file's text: tests that edit work on it, so the files
 * every test reads stay as the driver wrote them.
 */
export async function openScratchCopy(relative: string, transform: (text: string) => string = (t) => t): Promise<vscode.TextEditor> {
  const original = await vscode.workspace.openTextDocument(workspaceUri(relative));
  const document = await vscode.workspace.openTextDocument({ language: 'cairn', content: transform(original.getText()) });
  const editor = await vscode.window.showTextDocument(document);
  await serverHas(document);
  return editor;
}

/**
 * Waits until the language server answers for `document` (its outline is not empty), at most 5 s. Untitled
 * URIs are reused once closed (Untitled-1 again): until the server has this document, the diagnostics still
 * shown may be the closed one's, and a request sent then is answered for no document.
 */
async function serverHas(document: vscode.TextDocument): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const symbols = await vscode.commands.executeCommand<unknown[] | undefined>('vscode.executeDocumentSymbolProvider', document.uri);
    if (symbols !== undefined && symbols.length > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Closes every editor; the tests' dirty documents (scratch copies, edited workspace files) are reverted first,
 * as closing them would ask to save. Only ours: the workbench may hold others of its own, such as the user
 * settings.json, which it can be opening in an editor at that very moment (showing it then fails).
 */
export async function closeAllEditors(): Promise<void> {
  const ours = (d: vscode.TextDocument): boolean => d.uri.scheme === 'untitled' || vscode.workspace.getWorkspaceFolder(d.uri) !== undefined;
  for (const document of vscode.workspace.textDocuments.filter((d) => d.isDirty && ours(d))) {
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Resolves with a document's diagnostics once `accept` holds for them: checked now, then on every
 * diagnostics change (the language server publishes after a debounce). Rejects after `timeoutMs`,
 * saying what was last seen.
 */
export function diagnosticsWhen(uri: vscode.Uri, accept: (d: readonly vscode.Diagnostic[]) => boolean, what: string, timeoutMs = 20_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const current = vscode.languages.getDiagnostics(uri);
      if (!accept(current)) return false;
      done();
      resolve(current);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      done();
      const seen = vscode.languages.getDiagnostics(uri).map(describeDiagnostic);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${uri.toString()}; last seen: ${JSON.stringify(seen)}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      subscription.dispose();
    };
    check();
  });
}

/** `line:col-line:col code message`, 1-based as the Problems panel counts. */
export function describeDiagnostic(d: vscode.Diagnostic): string {
  const code = typeof d.code === 'object' ? d.code.value : (d.code ?? '');
  return `${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.line + 1}:${d.range.end.character + 1} ${code} ${d.message}`;
}

/** The position just after the first occurrence of `needle` (or at its start with `atStart`). */
export function positionOf(document: vscode.TextDocument, needle: string, options: { atStart?: boolean; offset?: number } = {}): vscode.Position {
  const index = document.getText().indexOf(needle);
  assert.ok(index >= 0, `"${needle}" is not in ${document.uri.toString()}`);
  return document.positionAt(index + (options.atStart ? 0 : needle.length) + (options.offset ?? 0));
}

export function rangeText(document: vscode.TextDocument, range: vscode.Range): string {
  return document.getText(range);
}

export function completionLabel(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

export function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n---\n');
}
