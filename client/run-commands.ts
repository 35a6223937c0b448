// The run commands (SPEC §6 "Running"): Run Workflow, Resume Run, Re-run Task, Cancel Run. Each asks the
// language server, which drives runs with the same engine and store as the CLI (server/run-host.ts); its
// notifications feed one terminal per run (client/run-terminals.ts). Nothing runs in an untrusted workspace.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { RunEndedParams, RunRef, StartedRun } from '../server/run-protocol';
import { isDriven, isResumable } from '../runner/engine/events';
import * as path from 'node:path';
import type { RunSummary } from '../runner/engine/queries';
import { recoveryOffer } from './marks-model';
import { listWorkspaceRuns } from './workspace-runs';
import { onNotification, request } from './protocol-client';
import { RunTerminals } from './run-terminals';
import { isWorkflowFile, saveWorkflows, trusted } from './workflow-files';

/** What the extension exports for tests and other extensions: follow runs started through the commands. */
export interface RunsApi {
  /** Resolves when the run ends for the `nth` time (a resume or re-run ends the same run again). */
  ended(runId: string, nth?: number): Promise<RunEndedParams>;
}

/** What a caller (code lens, test, another extension) may pass to a run or resume: --var values. */
export interface RunOptions {
  readonly vars?: Readonly<Record<string, string>>;
}


export class RunCommands implements RunsApi {
  private readonly terminals = new RunTerminals((ref) => void this.guard(() => this.cancel(ref)));
  private readonly endings: RunEndedParams[] = [];
  private readonly waiting = new Set<() => boolean>();
  private readonly storeChanged = new vscode.EventEmitter<void>();
  /**
   * A store of the workspace changed: a run this window drives recorded events or ended, or a journal changed
   * on disk (runs from the CLI or another window). One watcher and one handler per notification serve every
   * view: a language client keeps one handler per notification method.
   */
  readonly onDidChangeStore = this.storeChanged.event;
  private readonly runStarted = new vscode.EventEmitter<StartedRun>();
  /** A run, resume or re-run started from this window (the run view opens or comes forward). */
  readonly onDidStartRun = this.runStarted.event;

  /**
   * Whether the run is on screen elsewhere (its run view, visible): then its end needs no notification, which
   * would stay up, stale, after a resume from that view.
   */
  isShown: (runId: string) => boolean = () => false;

  constructor(private readonly client: LanguageClient) {}

  register(context: vscode.ExtensionContext): void {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.cairn/runs/*/events.ndjson');
    const changed = (): void => this.storeChanged.fire();
    context.subscriptions.push(
      vscode.commands.registerCommand('cairn.runWorkflow', (uri?: vscode.Uri, options?: RunOptions) => this.guard(() => this.runWorkflow(uri, options))),
      vscode.commands.registerCommand('cairn.resumeRun', (ref?: RunRef & RunOptions) => this.guard(() => this.resume(ref))),
      vscode.commands.registerCommand('cairn.rerunTask', (ref?: RunRef & { task?: string; downstream?: boolean }) => this.guard(() => this.rerun(ref))),
      vscode.commands.registerCommand('cairn.cancelRun', (ref?: RunRef) => this.guard(() => this.cancel(ref))),
      this.storeChanged,
      this.runStarted,
      watcher,
      watcher.onDidChange(changed),
      watcher.onDidCreate(changed),
      watcher.onDidDelete(changed),
      onNotification(this.client, 'cairn/runOutput', (p) => this.terminals.write(p, p.text)),
      onNotification(this.client, 'cairn/runEvent', changed),
      onNotification(this.client, 'cairn/runEnded', (p) => this.onEnded(p)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.offerRecovery()),
      this.terminals,
    );
  }

  /**
   * Offers to resume the interrupted runs of each workspace folder (a crash, a closed window mid-run): a
   * notification, not a modal, and only in a trusted workspace. Never throws.
   */
  async offerRecovery(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    const byStore = new Map<string, RunSummary[]>();
    for (const { store, summary } of await listWorkspaceRuns(this.client)) byStore.set(store, [...(byStore.get(store) ?? []), summary]);
    for (const [store, runs] of byStore) {
      const offer = recoveryOffer(path.basename(path.dirname(store)), runs);
      if (offer === undefined) continue;
      const action = offer.runIds.length === 1 ? 'Resume' : 'Resume All';
      void vscode.window.showInformationMessage(offer.message, action).then(async (pick) => {
        if (pick !== action) return;
        for (const runId of offer.runIds) await vscode.commands.executeCommand('cairn.resumeRun', { store, runId });
      });
    }
  }

  ended(runId: string, nth = 0): Promise<RunEndedParams> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const hit = this.endings.filter((e) => e.runId === runId)[nth];
        if (hit) resolve(hit);
        return hit !== undefined;
      };
      if (!check()) this.waiting.add(check);
    });
  }

  private async runWorkflow(uri: vscode.Uri | undefined, options: RunOptions | undefined): Promise<StartedRun | undefined> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!isWorkflowFile(target)) {
      void vscode.window.showErrorMessage('Cairn: open a *.cairn.toml workflow file (saved on disk) to run it.');
      return undefined;
    }
    if (!(await saveWorkflows())) return undefined;
    const started = await request(this.client, 'cairn/run', { uri: target.toString(), ...(options?.vars ? { vars: options.vars } : {}) });
    return this.started(started, `${vscode.workspace.asRelativePath(target)}`);
  }

  private async resume(given: (RunRef & RunOptions) | undefined): Promise<StartedRun | undefined> {
    const ref = given ?? (await this.pickRun('Resume which run?', isResumable));
    if (!ref || !(await saveWorkflows())) return undefined;
    return this.started(await request(this.client, 'cairn/resume', { store: ref.store, runId: ref.runId, ...(given?.vars ? { vars: given.vars } : {}) }), 'resume');
  }

  private async rerun(given: (RunRef & { task?: string; downstream?: boolean }) | undefined): Promise<StartedRun | undefined> {
    const ref = given ?? (await this.pickRun('Re-run a task of which run?', (status) => !isDriven(status)));
    if (!ref) return undefined;
    let task = given?.task;
    if (task === undefined) {
      const details = await request(this.client, 'cairn/getRun', ref);
      task = await vscode.window.showQuickPick(
        details.document.tasks.filter((t) => t.type !== 'forensic' && t.attempts.length > 0).map((t) => t.id),
        { placeHolder: 'Re-run which task?' },
      );
      if (task === undefined) return undefined;
    }
    let downstream = given?.downstream;
    if (downstream === undefined) {
      const how = await vscode.window.showQuickPick(['Re-run task', 'Re-run task and downstream'], { placeHolder: `Re-run ${task}` });
      if (how === undefined) return undefined;
      downstream = how.endsWith('downstream');
    }
    if (!(await saveWorkflows())) return undefined;
    return this.started(await request(this.client, 'cairn/rerun', { store: ref.store, runId: ref.runId, task, downstream }), `rerun ${task}`);
  }

  private async cancel(given: RunRef | undefined): Promise<boolean> {
    const ref = given ?? (await this.pickRun('Cancel which run?', isDriven));
    if (!ref) return false;
    const { cancelled } = await request(this.client, 'cairn/cancel', ref);
    // The server drives only the runs started from this window; the others' process is another.
    if (!cancelled) void vscode.window.showInformationMessage(`Cairn: run ${ref.runId} is not driven by this window: stop it where it runs, or with \`cairn cancel ${ref.runId}\` in a terminal.`);
    return cancelled;
  }

  /** The workspace's runs that `accept` their status, newest first, to pick one. */
  async pickRun(placeHolder: string, accept: (status: string) => boolean): Promise<RunRef | undefined> {
    const runs = (await listWorkspaceRuns(this.client)).filter((r) => accept(r.summary.status));
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('Cairn: no run of this workspace can take that action.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      runs.map(({ store, summary: r }) => ({ label: `${r.workflow} · ${r.status}`, description: r.id, detail: `${r.file} · started ${r.createdAt}`, ref: { store, runId: r.id } })),
      { placeHolder },
    );
    return pick?.ref;
  }

  private started(run: StartedRun, what: string): StartedRun {
    this.terminals.show(run);
    this.terminals.write(run, `── ${what}: run ${run.runId} (Ctrl+C here cancels it) ──\n`);
    this.runStarted.fire(run);
    return run;
  }

  private onEnded(p: RunEndedParams): void {
    this.endings.push(p);
    for (const w of [...this.waiting]) if (w()) this.waiting.delete(w);
    this.storeChanged.fire();
    if (p.error !== undefined) {
      void vscode.window.showErrorMessage(`Cairn: run ${p.runId} stopped: ${p.error}`);
    } else if (isResumable(p.status) && !this.isShown(p.runId)) {
      void vscode.window.showWarningMessage(`Cairn: run ${p.runId} ${p.status}.`, 'Resume', 'Show Output').then((pick) => {
        if (pick === 'Resume') void vscode.commands.executeCommand('cairn.resumeRun', { store: p.store, runId: p.runId });
        if (pick === 'Show Output') this.terminals.show(p);
      });
    }
  }

  /** Runs a command's body: refused in an untrusted workspace, and a refusal shown as the server said it. */
  private async guard<T>(body: () => Promise<T>): Promise<T | undefined> {
    if (!trusted('run, resume or re-run')) return undefined;
    try {
      return await body();
    } catch (e) {
      void vscode.window.showErrorMessage(`Cairn: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }
}
