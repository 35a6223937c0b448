// Running from the editor (SPEC §6 "Running"): the commands start, resume and re-run runs in the language
// server's engine, and the store holds what the CLI would have written. Each run is awaited through the
// extension's API (the server's cairn/runEnded), never with sleeps; what is checked is read from the store.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CairnApi } from '../../../client/extension';
import type { RunEvent } from '../../../runner/engine/events';
import type { StartedRun } from '../../../server/run-protocol';
import { closeAllEditors, EXTENSION_ID, workspaceUri } from './helpers';

async function api(): Promise<NonNullable<CairnApi['runs']>> {
  const extension = vscode.extensions.getExtension<CairnApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  const exports = await extension.activate();
  assert.ok(exports.runs, 'the language server started, so the run commands are there');
  return exports.runs;
}

function journal(run: StartedRun): RunEvent[] {
  const file = path.join(run.store, 'runs', run.runId, 'events.ndjson');
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
}

/** Each task's attempts, in order, as [attempt, resume, status]. */
function attempts(events: readonly RunEvent[]): Map<string, [number, number, string][]> {
  const out = new Map<string, [number, number, string][]>();
  for (const e of events) {
    if (e.type !== 'attempt-ended') continue;
    const started = events.find((s) => s.type === 'attempt-started' && s.task === e.task && s.attempt === e.attempt);
    const list = out.get(e.task) ?? [];
    list.push([e.attempt, started?.type === 'attempt-started' ? started.resume : -1, e.outcome.status]);
    out.set(e.task, list);
  }
  return out;
}

/** Resolves once `check` holds (checked every 50 ms); rejects after `timeoutMs` saying what it waited for. */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('running from the editor (Cairn: Run Workflow, Resume Run, Re-run Task)', function () {
  this.timeout(120_000);
  after(closeAllEditors);

  it('runs release with a failing test, resumes it after the fix, and the store holds each attempt', async () => {
    const runs = await api();
    const file = workspaceUri('release.cairn.toml');
    const views = vscode.extensions.getExtension<CairnApi>(EXTENSION_ID)!.exports.runViews!;
    const said: { runId: string; type: string }[] = [];
    const listening = views.messages((m) => said.push({ runId: m.runId, type: m.message.type }));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    const started = await vscode.commands.executeCommand<StartedRun | undefined>('cairn.runWorkflow', file, { vars: { fail_at: 'test-integration' } });
    assert.ok(started, 'the command started a run');
    // The run view opens beside the editor, and its page says it is ready (then it is sent the run).
    await until(() => said.some((m) => m.runId === started.runId && m.type === 'ready'), 'the run view to say ready');
    const panel = views.panelOf(started.runId);
    assert.ok(panel, 'a run view for the run');
    assert.equal(panel.viewColumn, vscode.ViewColumn.Two, 'beside the workflow');
    await until(() => panel.title === `release · ${started.runId}`, 'the panel to be titled after the run');
    listening.dispose();
    assert.equal(started.store, path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.cairn'), 'the workspace store, shared with the CLI');
    assert.equal((await runs.ended(started.runId)).status, 'failed');
    const failed = attempts(journal(started));
    assert.deepEqual(failed.get('test-integration'), [[1, 0, 'failed']]);
    assert.deepEqual(failed.get('lint'), [[1, 0, 'success']]);
    assert.equal(failed.get('build'), undefined, 'build never started');

    // Beside [tasks.test-integration]: a ✗, and the lens to resume from there.
    const exports = vscode.extensions.getExtension<CairnApi>(EXTENSION_ID)!.exports;
    await until(() => exports.marks?.marksOf(file)?.runId === started.runId && exports.marks.marksOf(file)?.runStatus === 'failed', 'the marks of the failed run');
    const document = await vscode.workspace.openTextDocument(file);
    const header = document.getText().split('\n').findIndex((l) => l.startsWith('[tasks.test-integration]'));
    const marked = exports.marks!.marksOf(file)!.tasks.find((m) => m.task === 'test-integration');
    assert.deepEqual([marked?.line, marked?.status], [header, 'failed']);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', file);
    const atHeader = lenses.filter((l) => l.range.start.line === header).map((l) => l.command?.title);
    assert.ok(atHeader.includes('$(debug-continue) Resume from failure'), JSON.stringify(atHeader));

    // "Fix" the test: the resume clears the injected failure, as the example's comments show.
    const resumed = await vscode.commands.executeCommand<StartedRun | undefined>('cairn.resumeRun', { store: started.store, runId: started.runId, vars: { fail_at: '' } });
    assert.equal(resumed?.runId, started.runId);
    assert.equal((await runs.ended(started.runId, 1)).status, 'success');
    const after = attempts(journal(started));
    assert.deepEqual(after.get('lint'), [[1, 0, 'success']], 'lint was kept, not run again');
    assert.deepEqual(after.get('test-integration'), [[1, 0, 'failed'], [2, 1, 'success']]);
    assert.deepEqual(after.get('deploy'), [[1, 1, 'success']]);

    // The sidebar: the run in Runs → its tasks → attempts, and its variables with their snapshots.
    const sidebar = vscode.extensions.getExtension<CairnApi>(EXTENSION_ID)!.exports.sidebar!;
    const top = await sidebar.runsTree.getChildren();
    const node = top.find((n) => n.kind === 'run' && n.summary.id === started.runId);
    assert.ok(node && node.kind === 'run', `the run is listed: ${JSON.stringify(top.map((n) => (n.kind === 'run' ? n.summary.id : n.kind)))}`);
    assert.equal(sidebar.runsTree.getTreeItem(node).label, 'release · success');
    const tasks = await sidebar.runsTree.getChildren(node);
    const ti = tasks.find((n) => n.kind === 'task' && n.task.id === 'test-integration');
    assert.ok(ti && ti.kind === 'task');
    assert.equal(sidebar.runsTree.getTreeItem(ti).contextValue, 'cairn.task.rerunnable');
    const tiAttempts = await sidebar.runsTree.getChildren(ti);
    assert.deepEqual(tiAttempts.map((a) => sidebar.runsTree.getTreeItem(a).label), ['attempt 2 · success', 'attempt 1 · failed'], 'newest first');
    sidebar.variablesTree.show({ store: started.store, runId: started.runId });
    const vars = await sidebar.variablesTree.getChildren();
    const names = vars.map((v) => (v.kind === 'variable' ? v.variable.name : v.kind));
    assert.ok(names.includes('fail_at') && names.includes('version'), JSON.stringify(names));
    const failAt = vars.find((v) => v.kind === 'variable' && v.variable.name === 'fail_at')!;
    const history = await sidebar.variablesTree.getChildren(failAt);
    assert.deepEqual(history.map((h) => (h.kind === 'snapshot' ? [h.row.value, h.row.source] : h.kind)), [['', 'override'], ['test-integration', 'cli']], 'the resume\'s override, then the run\'s --var');
  });

  it('re-runs one task with the file as it is after an edit in the editor', async () => {
    const runs = await api();
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const name = 'rerun-from-editor.cairn.toml';
    fs.writeFileSync(path.join(folder, name), '[tasks.make]\nrun = "echo first > made.txt"\n\n[tasks.ship]\ndeps = ["make"]\nrun = "cat made.txt"\n');
    const uri = workspaceUri(name);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const started = await vscode.commands.executeCommand<StartedRun | undefined>('cairn.runWorkflow', uri);
    assert.ok(started);
    assert.equal((await runs.ended(started.runId)).status, 'success');

    // The edit is made in the editor, unsaved: the command saves it, as the run reads the file on disk.
    await editor.edit((b) => {
      const text = editor.document.getText();
      const at = text.indexOf('first');
      b.replace(new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + 'first'.length)), 'second');
    });
    assert.ok(editor.document.isDirty);
    await vscode.commands.executeCommand('cairn.rerunTask', { store: started.store, runId: started.runId, task: 'make', downstream: true });
    assert.equal((await runs.ended(started.runId, 1)).status, 'success');
    assert.equal(fs.readFileSync(path.join(folder, 'made.txt'), 'utf8').trim(), 'second');
    const events = journal(started);
    const makes = events.filter((e): e is Extract<RunEvent, { type: 'attempt-started' }> => e.type === 'attempt-started' && e.task === 'make');
    assert.equal(makes.length, 2);
    assert.notEqual(makes[0]!.revision, makes[1]!.revision, 'the re-run used the edited revision');
    assert.deepEqual(attempts(events).get('ship')?.map((a) => a[2]), ['success', 'success'], 'and downstream');
  });
});
