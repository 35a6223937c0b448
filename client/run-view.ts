// The run view's host side (SPEC §6 "Run view"): one webview panel per run, drawing webview/main.ts. It feeds the
// view the run's events straight from the journal (the server's cairn/runEvents, read from a byte cursor, so each
// change sends only what is new) whenever the store changes, and staleness when the run is not driven. What the
// view sends back is checked (webview/run-view-messages.ts) and mapped to the run commands, which guard trust and
// save the workflow first. A serializer restores the panels after a window reload.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { isDriven } from '../runner/engine/events';
import { revisionFile, runPaths, runWorkflowFile } from '../runner/store/run-paths';
import { applyEvent, emptyRunState, type RunState } from '../runner/store/run-state';
import type { RunRef } from '../server/run-protocol';
import { parseFromView, parseViewState, type FromView, type ToView } from '../webview/run-view-messages';
import { request } from './protocol-client';
import type { RunCommands } from './run-commands';

export const RUN_VIEW_TYPE = 'cairn.runView';

/** What a test can see of an open run view. */
export interface RunViewApi {
  /** The panel showing this run, if one is open. */
  panelOf(runId: string): vscode.WebviewPanel | undefined;
  /** Resolves with each message the view sent, checked, in order (for tests: `ready`, then intents). */
  readonly messages: vscode.Event<{ readonly runId: string; readonly message: FromView }>;
}

/** A fresh nonce per page: only the script tag carrying it runs. */
const nonce = (): string => randomBytes(18).toString('base64');

export class RunViews implements RunViewApi {
  private readonly panels = new Map<string, RunViewPanel>();
  /** Tasks debug sessions hold, by run: a view opened after the pause shows it too. */
  private readonly paused = new Map<string, string>();
  private readonly sent = new vscode.EventEmitter<{ readonly runId: string; readonly message: FromView }>();
  readonly messages = this.sent.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly runs: RunCommands,
    private readonly context: vscode.ExtensionContext,
  ) {}

  register(): void {
    this.context.subscriptions.push(
      this.sent,
      vscode.commands.registerCommand('cairn.openRunView', (ref?: RunRef) => this.openPicked(ref)),
      vscode.window.registerWebviewPanelSerializer(RUN_VIEW_TYPE, {
        deserializeWebviewPanel: (panel, state: unknown) => {
          const s = parseViewState(state);
          if (s === undefined) panel.dispose();
          else this.adopt(panel, s.run);
          return Promise.resolve();
        },
      }),
      // A started run is shown beside the editor; a resume or re-run reveals its view again.
      this.runs.onDidStartRun((ref) => this.show(ref, { preserveFocus: true })),
      {
        dispose: () => {
          for (const p of this.panels.values()) p.panel.dispose();
        },
      },
    );
  }

  /** A debug session holds `task` of the run (null: it goes on); its view, open now or later, shows it. */
  markPaused(ref: RunRef, task: string | null): void {
    const key = keyOf(ref);
    if (task === null) this.paused.delete(key);
    else this.paused.set(key, task);
    this.panels.get(key)?.sendPaused();
  }

  panelOf(runId: string): vscode.WebviewPanel | undefined {
    return [...this.panels.values()].find((p) => p.ref.runId === runId)?.panel;
  }

  /** Opens (or reveals) the view of a run. */
  show(ref: RunRef, opts: { preserveFocus?: boolean } = {}): vscode.WebviewPanel {
    const key = keyOf(ref);
    const open = this.panels.get(key);
    if (open) {
      open.panel.reveal(undefined, opts.preserveFocus === true);
      return open.panel;
    }
    const panel = vscode.window.createWebviewPanel(RUN_VIEW_TYPE, `Run ${ref.runId}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: opts.preserveFocus === true }, this.webviewOptions());
    this.adopt(panel, ref);
    return panel;
  }

  private async openPicked(ref: RunRef | undefined): Promise<vscode.WebviewPanel | undefined> {
    if (ref !== undefined) return this.show(ref);
    const pick = await this.runs.pickRun('Show which run?', () => true);
    return pick ? this.show(pick) : undefined;
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // Scripts only from the bundle; kept alive when hidden would cost memory per run: the view restores from
    // the store instead (the events are the truth), so retainContextWhenHidden stays off.
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview')] };
  }

  private adopt(panel: vscode.WebviewPanel, ref: RunRef): void {
    panel.webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'client', 'icons', 'cairn.svg');
    const key = keyOf(ref);
    const view = new RunViewPanel(panel, ref, this.client, this.runs.onDidChangeStore, this.context.extensionUri, (message) => this.sent.fire({ runId: ref.runId, message }), () => this.paused.get(key));
    this.panels.set(key, view);
    panel.onDidDispose(() => {
      view.dispose();
      if (this.panels.get(key) === view) this.panels.delete(key);
    });
  }
}

const keyOf = (ref: RunRef): string => `${path.resolve(ref.store)}\0${ref.runId}`;

/** One panel: its HTML, its feed of events, and what its messages do. */
class RunViewPanel {
  private readonly disposables: vscode.Disposable[] = [];
  /** The journal byte the view has been sent up to; undefined until the view is ready. */
  private cursor: number | undefined;
  private driverAlive = false;
  /** The run as the view was sent it, folded by the engine's reducer: where its file, logs and revisions are. */
  private state: RunState = emptyRunState();
  /** The read in flight, and whether the store changed again since it started. */
  private pulling: Promise<void> | undefined;
  private pullAgain = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly ref: RunRef,
    private readonly client: LanguageClient,
    onDidChangeStore: vscode.Event<void>,
    extensionUri: vscode.Uri,
    private readonly onMessage: (m: FromView) => void,
    /** The task a debug session holds in this run (RunViews.markPaused), sent again to a new page. */
    private readonly paused: () => string | undefined,
  ) {
    panel.webview.html = html(panel.webview, extensionUri);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      onDidChangeStore(() => void this.pull()),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (this.state.file !== '' && d.uri.scheme === 'file' && path.resolve(d.uri.fsPath) === this.file()) void this.sendStale();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.post({ type: 'trust', trusted: true })),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private post(m: ToView): void {
    void this.panel.webview.postMessage(m);
  }

  /** Sends the task a debug session holds now (null: none), once the page has been sent the run. */
  sendPaused(): void {
    if (this.cursor !== undefined) this.post({ type: 'paused', task: this.paused() ?? null });
  }

  private receive(raw: unknown): void {
    const m = parseFromView(raw);
    if (typeof m === 'string') {
      // A view sends only what its bundle builds; anything else is a bug or an attack, and does nothing.
      this.client.outputChannel.appendLine(`cairn: the run view of ${this.ref.runId} sent a message that was refused: ${m}`);
      return;
    }
    this.onMessage(m);
    void this.act(m).catch((e: unknown) => void vscode.window.showErrorMessage(`Cairn: ${e instanceof Error ? e.message : String(e)}`));
  }

  private async act(m: FromView): Promise<void> {
    const ref = { store: this.ref.store, runId: this.ref.runId };
    switch (m.type) {
      case 'ready':
        // A new page (opened, or reloaded): it starts over from the whole journal.
        this.cursor = undefined;
        await this.pull();
        if (this.paused() !== undefined) this.sendPaused();
        return;
      case 'resume':
        await vscode.commands.executeCommand('cairn.resumeRun', ref);
        return;
      case 'rerun':
        await vscode.commands.executeCommand('cairn.rerunTask', { ...ref, task: m.task, downstream: m.downstream });
        return;
      case 'cancel':
        await vscode.commands.executeCommand('cairn.cancelRun', ref);
        return;
      case 'openTask':
        await this.openTask(m.task);
        return;
      case 'openLog':
        await vscode.window.showTextDocument(vscode.Uri.file(this.attempt(m.task, m.attempt).log), { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return;
      case 'diff':
        await this.diff(m.task, m.attempt);
        return;
      default: {
        const never: never = m;
        throw new Error(`unknown message ${JSON.stringify(never)}`);
      }
    }
  }

  /** Sends what the journal holds past the cursor. One read at a time; a change during a read asks for one more. */
  private pull(): Promise<void> {
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    this.pulling = (async () => {
      try {
        do {
          this.pullAgain = false;
          await this.pullOnce();
        } while (this.pullAgain);
      } finally {
        this.pulling = undefined;
      }
    })();
    return this.pulling;
  }

  private async pullOnce(): Promise<void> {
    let read;
    try {
      read = await request(this.client, 'cairn/runEvents', { ...this.ref, ...(this.cursor !== undefined ? { fromByte: this.cursor } : {}) });
    } catch (e) {
      this.post({ type: 'problem', message: `Cannot show run ${this.ref.runId}: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    // From the start (a new page, or a journal replaced since): the view starts over too.
    const init = this.cursor === undefined || read.restarted;
    const changedDriver = read.driverAlive !== this.driverAlive;
    this.cursor = read.endByte;
    this.driverAlive = read.driverAlive;
    if (init) this.state = emptyRunState();
    for (const e of read.events) applyEvent(this.state, e);
    if (init) {
      this.post({ type: 'init', run: this.ref, events: read.events, driverAlive: read.driverAlive, trusted: vscode.workspace.isTrusted });
      this.panel.title = `${this.state.workflow || 'Run'} · ${this.ref.runId}`;
    } else if (read.events.length > 0 || changedDriver) {
      this.post({ type: 'events', events: read.events, driverAlive: read.driverAlive });
    } else {
      return;
    }
    await this.sendStale();
  }

  /** Staleness is worked out against the file on disk, only for a run nobody drives (it would change per event). */
  private async sendStale(): Promise<void> {
    if (isDriven(this.state.status) && this.driverAlive) return;
    try {
      const details = await request(this.client, 'cairn/getRun', this.ref);
      this.post({ type: 'stale', stale: details.document.tasks.filter((t) => t.staleReasons.length > 0).map((t) => [t.id, t.staleReasons] as const) });
    } catch {
      // No verdict is better than a wrong one; the view shows none.
    }
  }

  private file(): string {
    return runWorkflowFile(this.ref.store, this.state.file);
  }

  /** An attempt the view was sent: a view asks only for what it shows, so anything else is refused. */
  private attempt(task: string, attempt: number): { readonly log: string; readonly revision: string } {
    const a = this.state.tasks.get(task)?.attempts.find((x) => x.attempt === attempt);
    if (!a) throw new Error(`run ${this.ref.runId} has no attempt ${attempt} of ${task}`);
    return a;
  }

  private async openTask(task: string): Promise<void> {
    if (this.state.file === '') return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(this.file()));
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', doc.uri);
    const found = findSymbol(symbols ?? [], task);
    if (!found) {
      void vscode.window.showInformationMessage(`Cairn: ${path.basename(this.file())} has no task "${task}" now.`);
      return;
    }
    editor.selection = new vscode.Selection(found.selectionRange.start, found.selectionRange.start);
    editor.revealRange(found.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** The workflow as the attempt ran it (its revision, kept in the run's folder) against the file as it is now. */
  private async diff(task: string, attempt: number): Promise<void> {
    const a = this.attempt(task, attempt);
    const revision = vscode.Uri.file(revisionFile(runPaths(this.ref.store, this.ref.runId), a.revision));
    const name = path.basename(this.file());
    await vscode.commands.executeCommand('vscode.diff', revision, vscode.Uri.file(this.file()), `${name}: ${task} attempt ${attempt} (${a.revision.slice(0, 8)}) ↔ now`, { viewColumn: vscode.ViewColumn.One });
  }
}

function findSymbol(symbols: readonly vscode.DocumentSymbol[], task: string): vscode.DocumentSymbol | undefined {
  for (const s of symbols) {
    if (s.name === task || s.name === `tasks.${task}`) return s;
    const inner = findSymbol(s.children, task);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * The page: a nonce for the one script, styles and scripts only from the bundle's folder, nothing inline. The
 * layout worker is the one blob: it allows (webview/layout-worker-start.ts says why it is not a file).
 */
function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const asset = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${n}'`, `worker-src blob:`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('run-view.css')}">
<title>Cairn run</title>
</head>
<body>
<script nonce="${n}" src="${asset('run-view.js')}"></script>
</body>
</html>`;
}
