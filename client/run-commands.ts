// The run commands (SPEC §6 "Running"): Run Workflow, Resume Run, Re-run Task, Cancel Run. Each asks the
// language server, which drives runs with the same engine and store as the CLI (server/run-host.ts); its
// notifications feed one output channel per run. Nothing runs in an untrusted workspace.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ListRunsResult, RunEndedParams, RunEventParams, RunRef, StartedRun } from '../server/run-protocol';
import { recoveryOffer } from './marks-model';
import { onNotification, request } from './protocol-client';

/** What the extension exports for tests and other extensions: follow runs started through the commands. */
export interface RunsApi {
  /** Resolves when the run ends for the `nth` time (a resume or re-run ends the same run again). */
  ended(runId: string, nth?: number): Promise<RunEndedParams>;
}

const RESUMABLE = new Set(['failed', 'cancelled', 'interrupted']);

/** What a caller (code lens, test, another extension) may pass to a run or resume: --var values. */
export interface RunOptions {
  readonly vars?: Readonly<Record<string, string>>;
}

/**
 * Saves every workflow file edited in the editor: a run reads the file on disk, so what the user sees is what
 * runs (as a build task saves first). False when one could not be saved.
 */
async function saveWorkflows(): Promise<boolean> {
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file' && d.uri.path.endsWith('.cairn.toml'));
  const saved = await Promise.all(dirty.map((d) => d.save()));
  return saved.every(Boolean);
}

export class RunCommands implements RunsApi {
  private readonly channels = new Map<string, vscode.OutputChannel>();
  private readonly endings: RunEndedParams[] = [];
  private readonly waiting = new Set<() => boolean>();
  private readonly active = new Map<string, RunRef>();
  private readonly recorded = new vscode.EventEmitter<RunEventParams>();
  private readonly ends = new vscode.EventEmitter<RunEndedParams>();
  /** A run the server drives recorded events. (A client keeps one handler per notification: others subscribe here.) */
  readonly onDidRecord = this.recorded.event;
  /** A run the server drove is over. */
  readonly onDidEnd = this.ends.event;

  constructor(private readonly client: LanguageClient) {}

  register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(
      vscode.commands.registerCommand('cairn.runWorkflow', (uri?: vscode.Uri, options?: RunOptions) => this.guard(() => this.runWorkflow(uri, options))),
      vscode.commands.registerCommand('cairn.resumeRun', (ref?: RunRef & RunOptions) => this.guard(() => this.resume(ref))),
      vscode.commands.registerCommand('cairn.rerunTask', (ref?: RunRef & { task?: string; downstream?: boolean }) => this.guard(() => this.rerun(ref))),
      vscode.commands.registerCommand('cairn.cancelRun', (ref?: RunRef) => this.guard(() => this.cancel(ref))),
      this.recorded,
      this.ends,
      onNotification(this.client, 'cairn/runOutput', (p) => this.channel(p).append(p.text)),
      onNotification(this.client, 'cairn/runEvent', (p) => this.recorded.fire(p)),
      onNotification(this.client, 'cairn/runEnded', (p) => this.onEnded(p)),
      { dispose: () => this.channels.forEach((c) => c.dispose()) },
    );
  }

  /**
   * Offers to resume the interrupted runs of each workspace folder (a crash, a closed window mid-run): a
   * notification, not a modal, and only in a trusted workspace. Never throws.
   */
  async offerRecovery(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      let listed: ListRunsResult;
      try {
        listed = await request(this.client, 'cairn/listRuns', { uri: folder.uri.toString() });
      } catch {
        continue;
      }
      const store = listed.store;
      const offer = recoveryOffer(folder.name, listed.runs);
      if (store === undefined || offer === undefined) continue;
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
    if (!target || !target.path.endsWith('.cairn.toml')) {
      void vscode.window.showErrorMessage('Cairn: open a *.cairn.toml workflow to run it.');
      return undefined;
    }
    if (!(await saveWorkflows())) return undefined;
    const started = await request(this.client, 'cairn/run', { uri: target.toString(), ...(options?.vars ? { vars: options.vars } : {}) });
    return this.started(started, `${vscode.workspace.asRelativePath(target)}`);
  }

  private async resume(given: (RunRef & RunOptions) | undefined): Promise<StartedRun | undefined> {
    const ref = given ?? (await this.pickRun('Resume which run?', (status) => RESUMABLE.has(status)));
    if (!ref || !(await saveWorkflows())) return undefined;
    return this.started(await request(this.client, 'cairn/resume', { store: ref.store, runId: ref.runId, ...(given?.vars ? { vars: given.vars } : {}) }), 'resume');
  }

  private async rerun(given: (RunRef & { task?: string; downstream?: boolean }) | undefined): Promise<StartedRun | undefined> {
    const ref = given ?? (await this.pickRun('Re-run a task of which run?', (status) => status !== 'running' && status !== 'resuming'));
    if (!ref) return undefined;
    let task = given?.task;
    if (task === undefined) {
      const details = await request(this.client, 'cairn/getRun', ref);
      task = await vscode.window.showQuickPick(
        details.document.tasks.filter((t) => t.type !== 'forensic').map((t) => t.id),
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
    let ref = given;
    if (!ref) {
      const runs = [...this.active.values()];
      if (runs.length === 0) {
        void vscode.window.showInformationMessage('Cairn: no run is going on in this window.');
        return false;
      }
      const pick = runs.length === 1 ? runs[0] : (await vscode.window.showQuickPick(runs.map((r) => ({ label: r.runId, ref: r })), { placeHolder: 'Cancel which run?' }))?.ref;
      if (!pick) return false;
      ref = pick;
    }
    return (await request(this.client, 'cairn/cancel', ref)).cancelled;
  }

  /** The runs of the active workflow's store that `accept` their status, newest first, to pick one. */
  private async pickRun(placeHolder: string, accept: (status: string) => boolean): Promise<RunRef | undefined> {
    const uri = vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!uri) return undefined;
    const listed = await request(this.client, 'cairn/listRuns', { uri: uri.toString() });
    const runs = listed.runs.filter((r) => accept(r.status));
    if (listed.store === undefined || runs.length === 0) {
      void vscode.window.showInformationMessage('Cairn: no run of this workspace can take that action.');
      return undefined;
    }
    const store = listed.store;
    const pick = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: `${r.workflow} · ${r.status}`, description: r.id, detail: `${r.file} · started ${r.createdAt}`, ref: { store, runId: r.id } })),
      { placeHolder },
    );
    return pick?.ref;
  }

  private started(run: StartedRun, what: string): StartedRun {
    this.active.set(run.runId, run);
    const channel = this.channel(run);
    channel.appendLine(`── ${what}: run ${run.runId} ──`);
    channel.show(true);
    return run;
  }

  private channel(ref: RunRef): vscode.OutputChannel {
    let c = this.channels.get(ref.runId);
    if (!c) {
      c = vscode.window.createOutputChannel(`Cairn run ${ref.runId}`);
      this.channels.set(ref.runId, c);
    }
    return c;
  }

  private onEnded(p: RunEndedParams): void {
    this.active.delete(p.runId);
    this.endings.push(p);
    for (const w of [...this.waiting]) if (w()) this.waiting.delete(w);
    this.ends.fire(p);
    if (p.error !== undefined) {
      void vscode.window.showErrorMessage(`Cairn: run ${p.runId} stopped: ${p.error}`);
    } else if (RESUMABLE.has(p.status)) {
      void vscode.window.showWarningMessage(`Cairn: run ${p.runId} ${p.status}.`, 'Resume', 'Show Output').then((pick) => {
        if (pick === 'Resume') void vscode.commands.executeCommand('cairn.resumeRun', { store: p.store, runId: p.runId });
        if (pick === 'Show Output') this.channel(p).show();
      });
    }
  }

  /** Runs a command's body: refused in an untrusted workspace, and a refusal shown as the server said it. */
  private async guard<T>(body: () => Promise<T>): Promise<T | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Cairn does not run workflows in an untrusted workspace: trust it to run, resume or re-run.', 'Manage Workspace Trust').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return undefined;
    }
    try {
      return await body();
    } catch (e) {
      void vscode.window.showErrorMessage(`Cairn: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }
}
