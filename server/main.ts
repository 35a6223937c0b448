// The language server's entry (bundled as dist/server.js): wires the pure language service to an LSP
// connection. Runs under the extension (IPC) or standalone for any LSP client: `node dist/server.js --stdio`.
// Nothing here writes to stdout: under --stdio that is the protocol stream (lint forbids console).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createConnection, ErrorCodes, LSPErrorCodes, ProposedFeatures, ResponseError, TextDocuments, TextDocumentSyncKind, type InitializeResult } from 'vscode-languageserver/node';
import { createLanguageService } from './language-service';
import { RunHost, RunRequestError } from './run-host';
import { RunInfoStore } from './run-info-store';
import { checkParams, paramsProblem, type CairnRequest, type CairnRequests } from './run-protocol';
import { taskMarks } from './task-marks';
import { ValidationQueue } from './validation-queue';

declare const CAIRN_VERSION: string | undefined;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const runInfo = new RunInfoStore();
const logger = { error: (message: string) => connection.console.error(message) };
let service = createLanguageService({ logger, runInfo, fileExists: existsSync });

/** Every handler goes through here: one bad document or bug answers empty and is logged, never kills the server. */
async function guarded<T>(what: string, fallback: T, handler: () => T | Promise<T>): Promise<T> {
  try {
    return await handler();
  } catch (e) {
    connection.console.error(`cairn: ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fallback;
  }
}

const validation = new ValidationQueue({
  // The pause after a change before validating it. 75 ms, not 150: the target is didChange → publishDiagnostics
  // under 150 ms in total on a 2,000-task file, where validation and transport take ~50 ms, so 150 ms of waiting
  // alone missed it (~200 ms; bench/lsp.bench.ts). 75 ms still coalesces a burst of keystrokes (key repeat, fast
  // typing) into one validation, so the server is not busy validating every character while a user types.
  delayMs: 75,
  current: (uri) => documents.get(uri),
  validate: (document) => service.diagnostics(document),
  publish: (uri, version, diagnostics) => void connection.sendDiagnostics({ uri, version, diagnostics }),
  onError: (message) => connection.console.error(message),
});

let workspaceFolders: string[] = [];
const runs = new RunHost({
  notify: (method, params) => void connection.sendNotification(method, params),
  workspaceFolders: () => workspaceFolders,
});

/** The folders' paths, of those on disk (a virtual folder holds no store). */
const folderPaths = (uris: readonly string[]): string[] => uris.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
let folderChanges = false;

connection.onInitialize((params): InitializeResult => {
  workspaceFolders = folderPaths(params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []));
  folderChanges = params.capabilities.workspace?.workspaceFolders === true;
  const snippetSupport = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
  service = createLanguageService({ logger, runInfo, fileExists: existsSync, snippetSupport });
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: ['"', '.', '[', ' ', ','] },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentHighlightProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      // Folders added to the window later get their own stores for the runs of their files.
      ...(folderChanges ? { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } } : {}),
    },
    serverInfo: { name: 'cairn', version: typeof CAIRN_VERSION === 'string' ? CAIRN_VERSION : '0.0.0-dev' },
  };
});

connection.onInitialized(() => {
  if (!folderChanges) return;
  connection.workspace.onDidChangeWorkspaceFolders((e) => {
    const removed = new Set(folderPaths(e.removed.map((f) => f.uri)));
    workspaceFolders = [...workspaceFolders.filter((f) => !removed.has(f)), ...folderPaths(e.added.map((f) => f.uri))];
  });
});

documents.onDidOpen((e) => validation.now(e.document.uri));
documents.onDidChangeContent((e) => validation.schedule(e.document.uri));
documents.onDidClose((e) => {
  validation.forget(e.document.uri);
  service.close(e.document.uri);
  runInfo.forget(e.document.uri);
  // A closed file's problems leave the Problems panel with it.
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

const doc = (uri: string): TextDocument | undefined => documents.get(uri);

connection.onCompletion((p) => guarded('completion', null, () => {
  const d = doc(p.textDocument.uri);
  return d ? service.completion(d, p.position) : null;
}));
connection.onHover((p) => guarded('hover', null, async () => {
  const d = doc(p.textDocument.uri);
  if (!d) return null;
  await runInfo.refresh(d.uri);
  return service.hover(d, p.position);
}));
connection.onDefinition((p) => guarded('definition', [], () => {
  const d = doc(p.textDocument.uri);
  return d ? service.definition(d, p.position) : [];
}));
connection.onReferences((p) => guarded('references', [], () => {
  const d = doc(p.textDocument.uri);
  return d ? service.references(d, p.position, p.context) : [];
}));
connection.onDocumentHighlight((p) => guarded('highlights', [], () => {
  const d = doc(p.textDocument.uri);
  return d ? service.documentHighlights(d, p.position) : [];
}));
connection.onDocumentSymbol((p) => guarded('symbols', [], () => {
  const d = doc(p.textDocument.uri);
  return d ? service.documentSymbols(d) : [];
}));
connection.onCodeAction((p) => guarded('code actions', [], () => {
  const d = doc(p.textDocument.uri);
  return d ? service.codeActions(d, p.range, p.context.only ? { only: p.context.only } : {}) : [];
}));
const RENAME_FAILED = { ok: false as const, message: 'rename failed (see the Cairn language server log)' };
connection.onPrepareRename(async (p) => {
  const d = doc(p.textDocument.uri);
  if (!d) return null;
  const r = await guarded('prepare rename', RENAME_FAILED, () => service.prepareRename(d, p.position));
  // The client shows a ResponseError's message to the user ("cannot rename this"). RequestFailed is the
  // LSP code for "understood, and refused": 0 is no JSON-RPC or LSP error code at all.
  if (!r.ok) return new ResponseError(LSPErrorCodes.RequestFailed, r.message);
  return { range: r.range, placeholder: r.placeholder };
});
connection.onRenameRequest(async (p) => {
  const d = doc(p.textDocument.uri);
  if (!d) return null;
  const r = await guarded('rename', RENAME_FAILED, () => service.rename(d, p.position, p.newName));
  if (!r.ok) return new ResponseError(LSPErrorCodes.RequestFailed, r.message);
  return r.edit;
});

/**
 * A custom request (run-protocol.ts): its params are checked before use; a refusal answers with its message
 * for the user, anything else with an internal error that points at the log.
 */
function onCairnRequest<M extends CairnRequest>(method: M, handler: (params: CairnRequests[M]['params']) => Promise<CairnRequests[M]['result']>): void {
  connection.onRequest(method, async (params: unknown) => {
    if (!checkParams(method, params)) return new ResponseError(ErrorCodes.InvalidParams, paramsProblem(method, params) ?? `${method}: invalid params`);
    try {
      return await handler(params);
    } catch (e) {
      if (e instanceof RunRequestError) return new ResponseError(LSPErrorCodes.RequestFailed, e.message);
      connection.console.error(`cairn: ${method} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return new ResponseError(ErrorCodes.InternalError, `${method} failed (see the Cairn language server log)`);
    }
  });
}

onCairnRequest('cairn/run', runs.run);
onCairnRequest('cairn/resume', runs.resume);
onCairnRequest('cairn/rerun', runs.rerun);
onCairnRequest('cairn/cancel', runs.cancel);
onCairnRequest('cairn/listRuns', runs.listRuns);
onCairnRequest('cairn/getRun', runs.getRun);
onCairnRequest('cairn/varHistory', runs.varHistory);
onCairnRequest('cairn/runEvents', runs.runEvents);
onCairnRequest('cairn/overrideVar', runs.overrideVar);
onCairnRequest('cairn/taskMarks', async ({ uri }) => {
  const d = doc(uri);
  if (!d) return { tasks: [] }; // the lines come from the document as edited: an editor has it open
  await runInfo.refresh(uri);
  return taskMarks(runInfo.latestRun(uri), service.analyze(d)?.workflow, (offset) => d.positionAt(offset).line, process.env);
});
// Runs this server drives end with it, recorded as cancelled (resumable), not left to read as interrupted.
connection.onShutdown(() => runs.shutdown());
// `cairn cancel <run>` sends SIGINT to the process holding the run's lock. Node's default would end the server
// (and every editor feature) with the run left interrupted: the runs are cancelled instead, and it goes on.
process.on('SIGINT', () => void runs.cancelAll());

documents.listen(connection);
connection.listen();
