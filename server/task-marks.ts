// What the editor marks beside each task of a workflow (SPEC §6 "Gutter"): the task's status in the latest run
// of that file, and, for a task that succeeded, why it is stale (its command, env or inputs changed since).
// The client draws the gutter icons and code lenses from it (client/run-marks.ts).
import { isDriven } from '../runner/engine/events';
import { computeStaleness } from '../runner/engine/run-document';
import type { RunState } from '../runner/store/run-state';
import type { Workflow } from '../runner/model/workflow';
import type { TaskMark, TaskMarksResult } from './run-protocol';

/**
 * Marks for the tasks of `workflow` (the document as it is in the editor, for the lines), from the latest
 * run of its file. A task the run does not have (added since) gets no mark. Staleness compares against the
 * file on disk, as a resume would.
 */
export async function taskMarks(latest: { readonly store: string; readonly state: RunState } | undefined, workflow: Workflow | undefined, lineOf: (offset: number) => number, env: Readonly<Record<string, string | undefined>>): Promise<TaskMarksResult> {
  if (latest === undefined || workflow === undefined) return { tasks: [] };
  const { store, state } = latest;
  // While a run is driven the marks change with each event, and staleness (the workflow read again, every kept
  // task rendered, its inputs hashed) would be judged once per event: it waits for the run's end.
  const stale = isDriven(state.status) ? new Map<string, string[]>() : await computeStaleness(state, store, env);
  const tasks: TaskMark[] = [];
  for (const task of workflow.tasks.values()) {
    const t = state.tasks.get(task.id);
    if (t === undefined) continue;
    tasks.push({ task: task.id, line: lineOf(task.idSpan.start), status: t.status, reason: t.reason, attempts: t.attempts.length, stale: stale.get(task.id) ?? [] });
  }
  return { store, runId: state.id, runStatus: state.status, tasks };
}
