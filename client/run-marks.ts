// Beside each `[tasks.X]` header (SPEC §6 "Gutter"): an icon with X's status in the latest run of the file
// (✓ ✗ ● cancelled, ⚠ stale), and code lenses to act on it: Resume from failure on a failed task, Re-run task
// on every task of a finished run, "changed since success: …" on a stale one, Run workflow and Debug workflow. The marks come
// from the language server (cairn/taskMarks); they are asked again when the store changes (a run's events, or
// the journal on disk: runs from the CLI too) and when a file is saved, at most every REFRESH_MS per file, and
// moved with unsaved edits in between.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { TaskMark, TaskMarksResult } from '../server/run-protocol';
import { isDriven } from '../runner/engine/events';
import { lensesOf, lookOf, shiftMarks, type Look } from './marks-model';
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
  /** The request for each file, chained: answers are applied in the order they were asked, never overlapping. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly looks: Record<Look, vscode.TextEditorDecorationType>;

  constructor(
    private readonly client: LanguageClient,
    private readonly runs: Pick<RunCommands, 'onDidChangeStore'>,
    private readonly context: vscode.ExtensionContext,
  ) {
    const icon = (name: Look): vscode.TextEditorDecorationType => vscode.window.createTextEditorDecorationType({ gutterIconPath: context.asAbsolutePath(`client/icons/${name}.svg`), gutterIconSize: '80%' });
    this.looks = { success: icon('success'), failed: icon('failed'), running: icon('running'), cancelled: icon('cancelled'), stale: icon('stale') };
  }

  register(): void {
    const all = (): void => this.refreshVisible();
    this.context.subscriptions.push(
      ...Object.values(this.looks),
      this.changed,
      vscode.languages.registerCodeLensProvider({ language: 'cairn', scheme: 'file' }, this),
      // A tab shown again is drawn from what is known; only a file never asked about is asked.
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const e of editors.filter(isWorkflowEditor)) {
          const known = this.marks.get(e.document.uri.toString());
          if (known) this.draw(e, known);
          else this.schedule(e.document.uri);
        }
      }),
      vscode.workspace.onDidChangeTextDocument((e) => this.shift(e)),
      // A saved workflow, or a saved input of one of its tasks, can change what is stale.
      vscode.workspace.onDidSaveTextDocument(all),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
      this.runs.onDidChangeStore(all),
      { dispose: () => this.pending.forEach((t) => clearTimeout(t)) },
    );
    all();
  }

  /** The marks last drawn for a file (tests read them: decorations have no getter). */
  marksOf(uri: vscode.Uri): TaskMarksResult | undefined {
    return this.marks.get(uri.toString());
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    // Every lens acts on runs, which an untrusted workspace does not start.
    if (!vscode.workspace.isTrusted) return [];
    const marks = this.marks.get(document.uri.toString());
    const out: vscode.CodeLens[] = [];
    for (const mark of marks?.tasks ?? []) {
      if (mark.line >= document.lineCount) continue;
      const range = document.lineAt(mark.line).range;
      for (const l of lensesOf(marks!, mark)) out.push(new vscode.CodeLens(range, { title: l.title, command: l.command, arguments: l.args }));
    }
    // Run workflow and Debug workflow, once, at the first task (or the top of a file that never ran).
    if (!isDriven(marks?.runStatus)) {
      const first = marks?.tasks[0]?.line ?? 0;
      const range = document.lineAt(Math.min(first, Math.max(0, document.lineCount - 1))).range;
      out.unshift(
        new vscode.CodeLens(range, { title: '$(play) Run workflow', command: 'cairn.runWorkflow', arguments: [document.uri] }),
        new vscode.CodeLens(range, { title: '$(debug-alt) Debug workflow', command: 'cairn.debugWorkflow', arguments: [document.uri] }),
      );
    }
    return out;
  }

  /** An unsaved edit: the lenses follow their task's line (the gutter icons move with the text by themselves). */
  private shift(e: vscode.TextDocumentChangeEvent): void {
    const key = e.document.uri.toString();
    const known = this.marks.get(key);
    if (!known || e.contentChanges.length === 0) return;
    const shifted = shiftMarks(known, e.contentChanges.map((c) => ({ startLine: c.range.start.line, endLine: c.range.end.line, text: c.text })));
    if (shifted === known) return;
    this.marks.set(key, shifted);
    this.changed.fire();
  }

  private refreshVisible(): void {
    for (const editor of vscode.window.visibleTextEditors.filter(isWorkflowEditor)) this.schedule(editor.document.uri);
  }

  private schedule(uri: vscode.Uri): void {
    const key = uri.toString();
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        const next = (this.inFlight.get(key) ?? Promise.resolve()).then(() => this.refresh(uri));
        this.inFlight.set(key, next);
        void next.finally(() => {
          if (this.inFlight.get(key) === next) this.inFlight.delete(key);
        });
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

/** A workflow file on disk in an editor: what has marks. */
function isWorkflowEditor(editor: vscode.TextEditor): boolean {
  return editor.document.languageId === 'cairn' && editor.document.uri.scheme === 'file';
}
