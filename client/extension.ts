// The extension's entry (bundled as dist/extension.js, `vscode` external): starts the Cairn language server
// and keeps it running, and registers the run commands (run-commands.ts), whose runs the server drives.
// Activation comes from the language, a workspace holding *.cairn.toml files, or a command — never `*`. In
// untrusted workspaces (declared "limited") editing features work; the run commands refuse with a message.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { RunCommands, type RunsApi } from './run-commands';
import { RunMarks } from './run-marks';
import { registerDebugger } from './debug';
import { RunViews, type RunViewApi } from './run-view';
import { registerSidebar, type RunsTree, type VariablesTree } from './sidebar';

/** What `vscode.extensions.getExtension('cairn-dev.cairn').exports` gives: runs started by the commands, and the marks drawn beside tasks. */
export interface CairnApi {
  readonly runs?: RunsApi;
  readonly marks?: Pick<RunMarks, 'marksOf'>;
  readonly sidebar?: { readonly runsTree: RunsTree; readonly variablesTree: VariablesTree };
  readonly runViews?: RunViewApi;
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<CairnApi> {
  const output = vscode.window.createOutputChannel('Cairn Language Server', { log: true });
  context.subscriptions.push(output);
  try {
    const module = context.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'cairn' }],
      outputChannel: output,
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.cairn.toml') },
    };
    client = new LanguageClient('cairn', 'Cairn', serverOptions, clientOptions);
    context.subscriptions.push({ dispose: () => void client?.stop() });
    // The commands and views first, the server after: a ▶ pressed while the server starts waits for it
    // (the client holds requests until it runs) instead of finding no command.
    const runs = new RunCommands(client);
    runs.register(context);
    const marks = new RunMarks(client, runs, context);
    marks.register();
    const sidebar = registerSidebar(context, client, runs);
    const runViews = new RunViews(client, runs, context);
    runs.isShown = (runId) => runViews.panelOf(runId)?.visible === true;
    runViews.register();
    registerDebugger(context, runViews);
    await client.start();
    void runs.offerRecovery();
    return { runs, marks, sidebar, runViews };
  } catch (e) {
    // A silent failure leaves a user wondering why nothing works: say it, with where to look.
    const message = e instanceof Error ? e.message : String(e);
    output.error(`Cairn failed to start: ${e instanceof Error ? (e.stack ?? message) : message}`);
    void vscode.window.showErrorMessage(`Cairn could not start its language server: ${message}`, 'Show Log').then((pick) => {
      if (pick === 'Show Log') output.show();
    });
    return {};
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
