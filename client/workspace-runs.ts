// The runs of the workspace, as the sidebar, the run pickers and the recovery offer all need them: the store
// of each workspace folder (each store once, however many folders share it), its runs newest first. A folder
// whose store cannot be read is passed over rather than hiding the others'.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { RunSummary } from '../runner/engine/queries';
import { request } from './protocol-client';

export interface WorkspaceRun {
  readonly store: string;
  readonly summary: RunSummary;
}

export async function listWorkspaceRuns(client: LanguageClient): Promise<WorkspaceRun[]> {
  const out: WorkspaceRun[] = [];
  const stores = new Set<string>();
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    try {
      const listed = await request(client, 'cairn/listRuns', { uri: folder.uri.toString() });
      const store = listed.store;
      if (store === undefined || stores.has(store)) continue;
      stores.add(store);
      for (const summary of listed.runs) out.push({ store, summary });
    } catch {
      // A store being written or gone: the other folders' runs still show.
    }
  }
  return out.sort((a, b) => b.summary.createdAt.localeCompare(a.summary.createdAt));
}
