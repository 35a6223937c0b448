// What the gutter and the code lenses show for a task's mark (client/run-marks.ts draws them), and what a window
// offers for interrupted runs (run-commands.ts). Pure, so it is
// tested in plain node (test/client/marks-model.test.ts).
import { isDriven, isResumable } from '../runner/engine/events';
import type { TaskMark, TaskMarksResult } from '../server/run-protocol';

export type Look = 'success' | 'failed' | 'running' | 'cancelled' | 'stale';


/** The icon for a mark: a success whose command, env or inputs changed since shows as stale. */
export function lookOf(mark: TaskMark): Look | undefined {
  switch (mark.status) {
    case 'success':
      return mark.stale.length > 0 ? 'stale' : 'success';
    case 'failed':
    case 'interrupted':
      return 'failed';
    case 'running':
      return 'running';
    case 'cancelled':
      return 'cancelled';
    case 'skipped':
    case 'pending':
      return undefined;
    default: {
      const never: never = mark.status;
      return never;
    }
  }
}

/** The code lenses for one task's mark, as [title, command, args] (pure: tested without an editor). */
export function lensesOf(marks: TaskMarksResult, mark: TaskMark): { title: string; command: string; args: unknown[] }[] {
  const out: { title: string; command: string; args: unknown[] }[] = [];
  const { store, runId, runStatus } = marks;
  if (store === undefined || runId === undefined) return out;
  const ref = { store, runId };
  const driving = isDriven(runStatus);
  if (isResumable(runStatus) && (mark.status === 'failed' || mark.status === 'interrupted' || (mark.status === 'cancelled' && mark.reason !== 'upstream-failed'))) {
    out.push({ title: '$(debug-continue) Resume from failure', command: 'cairn.resumeRun', args: [ref] });
  }
  if (!driving && mark.stale.length > 0) {
    out.push({ title: `$(warning) changed since success: ${mark.stale.join(', ')}`, command: 'cairn.rerunTask', args: [{ ...ref, task: mark.task, downstream: false }] });
  }
  if (!driving && mark.attempts > 0) {
    out.push({ title: 'Re-run task', command: 'cairn.rerunTask', args: [{ ...ref, task: mark.task, downstream: false }] });
    out.push({ title: 'and downstream', command: 'cairn.rerunTask', args: [{ ...ref, task: mark.task, downstream: true }] });
  }
  return out;
}

/** What the window offers at start for the interrupted runs of a workspace folder (SPEC §6 "Crash recovery"). */
export function recoveryOffer(folder: string, runs: readonly { readonly id: string; readonly workflow: string; readonly status: string }[]): { message: string; runIds: string[] } | undefined {
  const interrupted = runs.filter((r) => r.status === 'interrupted');
  if (interrupted.length === 0) return undefined;
  const one = interrupted.length === 1 ? interrupted[0] : undefined;
  const message = one
    ? `Cairn: run ${one.id} of ${one.workflow} in ${folder} was interrupted (its process stopped). Resume it from where it stopped?`
    : `Cairn: ${interrupted.length} runs in ${folder} were interrupted (their process stopped): ${interrupted.map((r) => r.workflow).join(', ')}. Resume them?`;
  return { message, runIds: interrupted.map((r) => r.id) };
}

/** One edit of a document, as VS Code reports it: the lines it replaced and the text it put there. */
export interface LineEdit {
  readonly startLine: number;
  readonly endLine: number;
  readonly text: string;
}

/**
 * Marks moved with an edit not yet saved (the server drew them on the text before it): a mark below the edit
 * moves by the lines it added or removed, one inside it stays at its start. Gutter icons move with the text
 * by themselves; code lenses are placed from these lines.
 */
export function shiftMarks(marks: TaskMarksResult, edits: readonly LineEdit[]): TaskMarksResult {
  let tasks = marks.tasks;
  for (const e of edits) {
    const delta = (e.text.match(/\n/g)?.length ?? 0) - (e.endLine - e.startLine);
    if (delta === 0) continue;
    tasks = tasks.map((m) => (m.line > e.endLine ? { ...m, line: m.line + delta } : m.line > e.startLine ? { ...m, line: e.startLine } : m));
  }
  return tasks === marks.tasks ? marks : { ...marks, tasks };
}
