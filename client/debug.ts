// The editor's side of the debugger (CONVENTIONS habit 12: the thin layer). It fills in a launch configuration
// (F5 on a workflow with no launch.json debugs that file; the store is the workspace folder's, as for runs from
// the editor), refuses in an untrusted workspace, starts the adapter (dist/debug-adapter.js, a process of its own
// speaking DAP) and follows its two custom events: the run it made opens in the run view, and the task it holds
// is marked paused there.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CairnPausedEventBody, CairnRunEventBody } from '../runner/debug/debug-session';
import type { RunViews } from './run-view';
import { storeOfFile } from '../runner/store/store-location';
import { isWorkflowFile, saveWorkflows, trusted } from './workflow-files';

const DEBUG_TYPE = 'cairn';

/** The configuration that debugs one workflow file (F5 with no launch.json, the Debug Workflow command and lens). */
const debugFile = (file: vscode.Uri): vscode.DebugConfiguration => ({ type: DEBUG_TYPE, request: 'launch', name: `Debug ${path.basename(file.fsPath)}`, workflow: file.fsPath, breakOnFailure: true });

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    if (!trusted('debug')) return undefined;
    // F5 with no launch.json: debug the workflow in the editor.
    if (config.type === undefined && config.request === undefined && config.name === undefined) {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc || !isWorkflowFile(doc.uri)) {
        void vscode.window.showInformationMessage('Cairn: open a *.cairn.toml workflow to debug it (or add a "cairn" configuration to launch.json).');
        return undefined;
      }
      return debugFile(doc.uri);
    }
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    const workflow = typeof config['workflow'] === 'string' ? config['workflow'] : '';
    if (!workflow.endsWith('.cairn.toml')) {
      void vscode.window.showErrorMessage(`Cairn: "workflow" must name a *.cairn.toml file (it is ${JSON.stringify(workflow)}); \${file} debugs the one in the editor.`);
      return undefined;
    }
    const file = path.resolve(folder?.uri.fsPath ?? '', workflow);
    if (!(await saveWorkflows())) return undefined;
    // The store the editor's runs of this file go to (the language server follows the same rule).
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    return { ...config, workflow: file, store: typeof config['store'] === 'string' ? config['store'] : storeOfFile(file, folders, process.env) };
  }
}

class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly adapter: string) {}

  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    // The extension host's own runtime runs it: Node in code-server, Electron as Node in the desktop editor.
    return new vscode.DebugAdapterExecutable(process.execPath, [this.adapter], { env: { ELECTRON_RUN_AS_NODE: '1' } });
  }
}

export function registerDebugger(context: vscode.ExtensionContext, runViews: RunViews): void {
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory(context.asAbsolutePath(path.join('dist', 'debug-adapter.js')))),
    vscode.commands.registerCommand('cairn.debugWorkflow', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!isWorkflowFile(target)) {
        void vscode.window.showErrorMessage('Cairn: open a *.cairn.toml workflow file (saved on disk) to debug it.');
        return false;
      }
      return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(target), debugFile(target));
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE) return;
      if (e.event === 'cairnRun') {
        const b = e.body as CairnRunEventBody;
        runViews.show({ store: b.store, runId: b.runId }, { preserveFocus: true });
      } else if (e.event === 'cairnPaused') {
        const b = e.body as CairnPausedEventBody;
        runViews.markPaused({ store: b.store, runId: b.runId }, b.task);
      }
    }),
  );
}
