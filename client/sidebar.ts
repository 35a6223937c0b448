// The Cairn view container (SPEC §6 "Sidebar"): Runs (the runs of the workspace's stores, newest first → tasks →
// attempts, with Resume / Re-run / Cancel actions) and Variables (for the run selected in Runs: each variable →
// its snapshots over time; secrets come masked from the server). Both ask the language server (the same
// queries as `cairn runs`, `cairn show`, `cairn vars --history`) and refresh when a run changes, the store
// changes on disk (runs from the CLI appear too) or a workflow is saved (staleness). What each node shows is tree-model.ts.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { RunSummary, VarRow } from '../runner/engine/queries';
import type { AttemptDocument, RunDocument, TaskDocument } from '../runner/engine/run-document';
import { request } from './protocol-client';
import type { RunCommands } from './run-commands';
import { listWorkspaceRuns } from './workspace-runs';
import { attemptView, runView, snapshotView, taskView, variablesOf, variableView, type NodeView } from './tree-model';
import { trusted } from './workflow-files';

export type RunNode =
  | { readonly kind: 'run'; readonly store: string; readonly summary: RunSummary }
  | { readonly kind: 'task'; readonly store: string; readonly run: RunDocument; readonly task: TaskDocument }
  | { readonly kind: 'attempt'; readonly store: string; readonly runId: string; readonly task: string; readonly attempt: AttemptDocument }
  | { readonly kind: 'message'; readonly text: string };

export type VarNode = { readonly kind: 'variable'; readonly variable: ReturnType<typeof variablesOf>[number] } | { readonly kind: 'snapshot'; readonly row: VarRow } | { readonly kind: 'message'; readonly text: string };

const REFRESH_MS = 300;

function item(view: NodeView): vscode.TreeItem {
  const t = new vscode.TreeItem(view.label, view.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  if (view.description !== undefined) t.description = view.description;
  if (view.tooltip !== undefined) t.tooltip = view.tooltip;
  if (view.icon) t.iconPath = new vscode.ThemeIcon(view.icon.id, view.icon.color ? new vscode.ThemeColor(view.icon.color) : undefined);
  t.contextValue = view.contextValue;
  return t;
}

/** Calls `f` at most once per REFRESH_MS: a steady stream of calls (a run's events) still refreshes as it goes. */
function throttled(f: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      f();
    }, REFRESH_MS);
  };
}

export class RunsTree implements vscode.TreeDataProvider<RunNode> {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly client: LanguageClient) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run': {
        const t = item(runView(node.summary));
        t.id = `run:${node.summary.id}`;
        return t;
      }
      case 'task':
        return item(taskView(node.run, node.task));
      case 'attempt':
        return item(attemptView(node.attempt));
      case 'message':
        return new vscode.TreeItem(node.text);
      default: {
        const never: never = node;
        return never;
      }
    }
  }

  async getChildren(node?: RunNode): Promise<RunNode[]> {
    if (node === undefined) return this.runs();
    switch (node.kind) {
      case 'run': {
        const details = await request(this.client, 'cairn/getRun', { store: node.store, runId: node.summary.id });
        return details.document.tasks.map((task) => ({ kind: 'task', store: node.store, run: details.document, task }));
      }
      case 'task':
        return [...node.task.attempts].reverse().map((attempt) => ({ kind: 'attempt', store: node.store, runId: node.run.id, task: node.task.id, attempt }));
      default:
        return [];
    }
  }

  private async runs(): Promise<RunNode[]> {
    const runs = await listWorkspaceRuns(this.client);
    return runs.length > 0 ? runs.map(({ store, summary }) => ({ kind: 'run', store, summary })) : [{ kind: 'message', text: 'No runs yet: open a *.cairn.toml file and press ▶ (Cairn: Run Workflow).' }];
  }
}

export class VariablesTree implements vscode.TreeDataProvider<VarNode> {
  private readonly changed = new vscode.EventEmitter<VarNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private run: { readonly store: string; readonly runId: string } | undefined;

  constructor(private readonly client: LanguageClient) {}

  /** The run whose variables are shown. */
  get shownRun(): { readonly store: string; readonly runId: string } | undefined {
    return this.run;
  }

  /** Shows the variables of this run (the one selected in Runs). */
  show(run: { readonly store: string; readonly runId: string } | undefined): void {
    this.run = run;
    this.changed.fire(undefined);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: VarNode): vscode.TreeItem {
    switch (node.kind) {
      case 'variable':
        return item(variableView(node.variable));
      case 'snapshot':
        return item(snapshotView(node.row));
      case 'message':
        return new vscode.TreeItem(node.text);
      default: {
        const never: never = node;
        return never;
      }
    }
  }

  async getChildren(node?: VarNode): Promise<VarNode[]> {
    if (node?.kind === 'variable') return node.variable.history.map((row) => ({ kind: 'snapshot', row }));
    if (node !== undefined) return [];
    if (this.run === undefined) return [{ kind: 'message', text: 'Select a run in Runs to see its variables.' }];
    const rows = await request(this.client, 'cairn/varHistory', this.run);
    const vars = variablesOf(rows);
    return vars.length > 0 ? vars.map((variable) => ({ kind: 'variable', variable })) : [{ kind: 'message', text: `Run ${this.run.runId} has no variables.` }];
  }
}

/** Registers both views, their refreshes and their context actions. */
export function registerSidebar(context: vscode.ExtensionContext, client: LanguageClient, runs: Pick<RunCommands, 'onDidChangeStore'>): { runsTree: RunsTree; variablesTree: VariablesTree } {
  const runsTree = new RunsTree(client);
  const variablesTree = new VariablesTree(client);
  const runsView = vscode.window.createTreeView('cairn.runs', { treeDataProvider: runsTree, showCollapseAll: true });
  const varsView = vscode.window.createTreeView('cairn.variables', { treeDataProvider: variablesTree });
  const refresh = throttled(() => {
    runsTree.refresh();
    variablesTree.refresh();
  });
  const runRef = (node: RunNode | undefined): { store: string; runId: string } | undefined =>
    node?.kind === 'run' ? { store: node.store, runId: node.summary.id } : node?.kind === 'task' ? { store: node.store, runId: node.run.id } : node?.kind === 'attempt' ? { store: node.store, runId: node.runId } : undefined;
  const rerun = (node: RunNode | undefined, downstream: boolean): Thenable<unknown> | undefined =>
    node?.kind === 'task' ? vscode.commands.executeCommand('cairn.rerunTask', { store: node.store, runId: node.run.id, task: node.task.id, downstream }) : undefined;
  context.subscriptions.push(
    runsView,
    varsView,
    runs.onDidChangeStore(refresh),
    // Staleness is judged against the file on disk: a saved workflow may make tasks stale.
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (d.uri.path.endsWith('.cairn.toml')) refresh();
    }),
    runsView.onDidChangeSelection((e) => {
      const ref = runRef(e.selection[0]);
      if (ref) variablesTree.show(ref);
    }),
    vscode.commands.registerCommand('cairn.refreshRuns', refresh),
    vscode.commands.registerCommand('cairn.sidebar.resume', (node?: RunNode) => vscode.commands.executeCommand('cairn.resumeRun', runRef(node))),
    vscode.commands.registerCommand('cairn.sidebar.openRunView', (node?: RunNode) => vscode.commands.executeCommand('cairn.openRunView', runRef(node))),
    vscode.commands.registerCommand('cairn.sidebar.cancel', (node?: RunNode) => vscode.commands.executeCommand('cairn.cancelRun', runRef(node))),
    // A view's context action gets (node, selected nodes): only the node is read.
    vscode.commands.registerCommand('cairn.sidebar.rerun', (node?: RunNode) => rerun(node, false)),
    vscode.commands.registerCommand('cairn.sidebar.rerunDownstream', (node?: RunNode) => rerun(node, true)),
    vscode.commands.registerCommand('cairn.overrideVariable', (node?: VarNode) => overrideVariable(client, variablesTree, node)),
    vscode.commands.registerCommand('cairn.copyValue', async (node?: VarNode) => {
      const value = node?.kind === 'variable' ? node.variable.latest.value : node?.kind === 'snapshot' ? node.row.value : undefined;
      if (value !== undefined) await vscode.env.clipboard.writeText(value);
    }),
  );
  return { runsTree, variablesTree };
}

/**
 * Asks for a new value of a variable and records it for the run's next resume or re-run (the server refuses a
 * secret, a run going on, or a run another process holds). The Variables view then shows it as a snapshot.
 */
async function overrideVariable(client: LanguageClient, tree: VariablesTree, node: VarNode | undefined): Promise<void> {
  const run = tree.shownRun;
  if (node?.kind !== 'variable' || run === undefined) return;
  if (!trusted('override a variable')) return;
  const { name, latest } = node.variable;
  const value = await vscode.window.showInputBox({
    title: `Override ${name} for the next resume of run ${run.runId}`,
    prompt: 'The next resume or re-run of this run uses this value (recorded in the run; a task that runs again may register a new one).',
    value: latest.value,
  });
  if (value === undefined) return;
  try {
    await request(client, 'cairn/overrideVar', { ...run, name, value });
    tree.refresh();
    void vscode.window.showInformationMessage(`Cairn: ${name} = ${JSON.stringify(value)} for the next resume of run ${run.runId}.`);
  } catch (e) {
    void vscode.window.showErrorMessage(`Cairn: ${e instanceof Error ? e.message : String(e)}`);
  }
}
