// The extension's side of server/run-protocol.ts: the client's connection, typed by the protocol's maps.
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { CairnNotifications, CairnRequests } from '../server/run-protocol';

export function request<M extends keyof CairnRequests>(client: LanguageClient, method: M, params: CairnRequests[M]['params']): Promise<CairnRequests[M]['result']> {
  return client.sendRequest(method, params);
}

/** A client keeps one handler per notification method: subscribe once (run-commands.ts re-fires them as events). */
export function onNotification<M extends keyof CairnNotifications>(client: LanguageClient, method: M, handler: (params: CairnNotifications[M]) => void): vscode.Disposable {
  return client.onNotification(method, handler);
}
