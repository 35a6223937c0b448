// What the gutter and the code lenses show for a task's mark (client/run-marks.ts draws them). Pure, so it is
// tested in plain node (test/client/marks-model.test.ts).
import type { TaskMark, TaskMarksResult } from '../server/run-protocol';

export type Look = 'success' | 'failed' | 'running' | 'cancelled' | 'stale';

const RESUMABLE = new Set(['failed', 'cancelled', 'interrupted']);

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
  const driving = runStatus === 'running' || runStatus === 'resuming' || runStatus === 'pending';
  if (!driving && RESUMABLE.has(runStatus ?? '') && (mark.status === 'failed' || mark.status === 'interrupted' || (mark.status === 'cancelled' && mark.reason !== 'upstream-failed'))) {
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
