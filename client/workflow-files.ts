// What every command that starts a run (Run, Resume, Re-run, Debug) checks first: that the workspace is trusted,
// that it was given a workflow file on disk, and that the workflow files edited in the editor are saved.
import * as vscode from 'vscode';

export const isWorkflowFile = (uri: vscode.Uri | undefined): uri is vscode.Uri => uri !== undefined && uri.scheme === 'file' && uri.path.endsWith('.cairn.toml');

/**
 * Saves every workflow file edited in the editor: a run reads the file on disk, so what the user sees is what
 * runs (as a build task saves first). False when one could not be saved.
 */
export async function saveWorkflows(): Promise<boolean> {
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && isWorkflowFile(d.uri));
  const saved = await Promise.all(dirty.map((d) => d.save()));
  return saved.every(Boolean);
}

/**
 * True when the workspace is trusted. Otherwise says what was refused (`what`: "run, resume or re-run") with a
 * way to trust it, and answers false: an untrusted workspace only edits (SPEC §6 "Trust and safety").
 */
export function trusted(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`Cairn only edits in an untrusted workspace: trust it to ${what}.`, 'Manage Workspace Trust').then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
