// Completion through VS Code's completion API: task ids in deps, keys in a task table.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAllEditors, completionLabel, openScratchCopy } from './helpers';

async function completeAtEnd(editor: vscode.TextEditor, typed: string, trigger?: string): Promise<vscode.CompletionList> {
  const end = editor.document.positionAt(editor.document.getText().length);
  await editor.edit((e) => e.insert(end, typed));
  const at = editor.document.positionAt(editor.document.getText().length);
  return vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, at, trigger);
}

describe('completion', () => {
  afterEach(closeAllEditors);

  it('lists the workflow\'s task ids after deps = [" (not the task itself, nor forensic tasks)', async () => {
    const editor = await openScratchCopy('etl.cairn.toml');
    const list = await completeAtEnd(editor, '\n[tasks.archive]\nrun = "tar czf out.tgz etl/out"\ndeps = ["', '"');
    const labels = list.items.map(completionLabel);
    assert.deepEqual([...labels].sort(), ['fetch', 'load', 'profile', 'report', 'transform', 'verify']);
    const load = list.items.find((i) => completionLabel(i) === 'load');
    assert.equal(load?.kind, vscode.CompletionItemKind.Function);
  });

  it('inserts the chosen id so that the workflow validates', async () => {
    const editor = await openScratchCopy('etl.cairn.toml');
    const list = await completeAtEnd(editor, '\n[tasks.archive]\nrun = "tar czf out.tgz etl/out"\ndeps = ["rep', '"');
    const report = list.items.find((i) => completionLabel(i) === 'report');
    assert.ok(report, `no "report" among ${list.items.map(completionLabel).join(', ')}`);
    const range = report.range instanceof vscode.Range ? report.range : report.range?.replacing;
    assert.ok(range, 'the item says what it replaces');
    if (report.insertText instanceof vscode.SnippetString) await editor.insertSnippet(report.insertText, range);
    else await editor.edit((e) => e.replace(range, typeof report.insertText === 'string' ? report.insertText : completionLabel(report)));
    assert.match(editor.document.getText(), /deps = \["report"?$/);
  });

  it('offers task keys on an empty line of a task table', async () => {
    const editor = await openScratchCopy('etl.cairn.toml');
    const list = await completeAtEnd(editor, '\n[tasks.archive]\n');
    const labels = list.items.map(completionLabel);
    for (const key of ['run', 'deps', 'timeout', 'retries']) assert.ok(labels.includes(key), `no "${key}" among ${labels.join(', ')}`);
  });
});
