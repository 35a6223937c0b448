// Beside each `[tasks.X]` header (SPEC §6 "Gutter"): an icon with X's status in the latest run of the file
// (✓ ✗ ● cancelled, ⚠ stale), and code lenses to act on it: Resume from failure on a failed task, Re-run task
// on every task of a finished run, "changed since success: …" on a stale one, Run workflow. The marks come
// from the language server (cairn/taskMarks); they are asked again when a run changes, when the file is saved
// and when the store changes on disk (runs from the CLI too), at most every REFRESH_MS per file.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { TaskMark, TaskMarksResult } from '../server/run-protocol';
import { lensesOf, lookOf, type Look } from './marks-model';
import { request } from './protocol-client';
import type { RunCommands } from './run-commands';

const REFRESH_MS = 200;

function describe(mark: TaskMark, marks: TaskMarksResult): string {
  const why = mark.stale.length > 0 ? ` · stale: ${mark.stale.join(', ')}` : mark.reason ? ` (${mark.reason})` : '';
  return `${mark.task}: ${mark.status}${why} · attempt ${mark.attempts} of run ${marks.runId ?? '?'}`;
}

export class RunMarks implements vscode.CodeLensProvider {
  private readonly marks = new Map<string, TaskMarksResult>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly looks: Record<Look, vscode.TextEditorDecorationType>;

  constructor(
    private readonly client: LanguageClient,
    private readonly runs: Pick<RunCommands, 'onDidRecord' | 'onDidEnd'>,
    context: vscode.ExtensionContext,
  ) {
    const icon = (name: Look): vscode.TextEditorDecorationType => vscode.window.createTextEditorDecorationType({ gutterIconPath: context.asAbsolutePath(`client/icons/${name}.svg`), gutterIconSize: '80%' });
    this.looks = { success: icon('success'), failed: icon('failed'), running: icon('running'), cancelled: icon('cancelled'), stale: icon('stale') };
  }

  register(context: vscode.ExtensionContext): void {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.cairn/runs/*/events.ndjson');
    const all = (): void => this.refreshVisible();
    context.subscriptions.push(
      ...Object.values(this.looks),
      this.changed,
      watcher,
      watcher.onDidChange(all),
      watcher.onDidCreate(all),
      watcher.onDidDelete(all),
      vscode.languages.registerCodeLensProvider({ language: 'cairn' }, this),
      vscode.window.onDidChangeVisibleTextEditors(all),
      vscode.workspace.onDidSaveTextDocument((d) => this.schedule(d.uri)),
      this.runs.onDidRecord(all),
      this.runs.onDidEnd(all),
      { dispose: () => this.pending.forEach((t) => clearTimeout(t)) },
    );
    all();
  }

  /** The marks last drawn for a file (tests read them: decorations have no getter). */
  marksOf(uri: vscode.Uri): TaskMarksResult | undefined {
    return this.marks.get(uri.toString());
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const marks = this.marks.get(document.uri.toString());
    const out: vscode.CodeLens[] = [];
    const runnable = marks?.runStatus !== 'running' && marks?.runStatus !== 'resuming';
    const lines = new Set<number>();
    for (const mark of marks?.tasks ?? []) {
      if (mark.line >= document.lineCount) continue;
      const range = document.lineAt(mark.line).range;
      lines.add(mark.line);
      for (const l of lensesOf(marks!, mark)) out.push(new vscode.CodeLens(range, { title: l.title, command: l.command, arguments: l.args }));
    }
    // Run workflow, once, at the first task (or the top of a file that never ran).
    if (runnable) {
      const first = marks?.tasks[0]?.line ?? 0;
      out.unshift(new vscode.CodeLens(document.lineAt(Math.min(first, Math.max(0, document.lineCount - 1))).range, { title: '$(play) Run workflow', command: 'cairn.runWorkflow', arguments: [document.uri] }));
    }
    return out;
  }

  private refreshVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) if (editor.document.languageId === 'cairn' && editor.document.uri.scheme === 'file') this.schedule(editor.document.uri);
  }

  private schedule(uri: vscode.Uri): void {
    const key = uri.toString();
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        void this.refresh(uri);
      }, REFRESH_MS),
    );
  }

  private async refresh(uri: vscode.Uri): Promise<void> {
    let marks: TaskMarksResult;
    try {
      marks = await request(this.client, 'cairn/taskMarks', { uri: uri.toString() });
    } catch {
      return; // The server is restarting or the file is gone: keep what is drawn.
    }
    this.marks.set(uri.toString(), marks);
    for (const editor of vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === uri.toString())) this.draw(editor, marks);
    this.changed.fire();
  }

  private draw(editor: vscode.TextEditor, marks: TaskMarksResult): void {
    const byLook = new Map<Look, vscode.DecorationOptions[]>();
    for (const mark of marks.tasks) {
      const look = lookOf(mark);
      if (look === undefined || mark.line >= editor.document.lineCount) continue;
      const list = byLook.get(look) ?? [];
      list.push({ range: editor.document.lineAt(mark.line).range, hoverMessage: describe(mark, marks) });
      byLook.set(look, list);
    }
    for (const [look, type] of Object.entries(this.looks) as [Look, vscode.TextEditorDecorationType][]) editor.setDecorations(type, byLook.get(look) ?? []);
  }
}
