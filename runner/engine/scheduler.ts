// Decides which task starts when. Pure over an injected executor: no
// processes, no store, so ordering is tested with fakes (CONVENTIONS habit 8).
// Failure mode (wireit, p-graph): dependents of a failed task are cancelled,
// independent branches go on.
import type { TaskGraph } from '../graph/task-graph';
import type { ExecMode } from './events';

export type TaskOutcome = 'success' | 'skipped' | 'failed' | 'cancelled';

export interface ScheduleOptions {
  /** Every non-forensic task of the workflow. */
  readonly graph: TaskGraph;
  /** The tasks to execute in this drive; the others are kept as they are. */
  readonly run: ReadonlySet<string>;
  /** For a dep outside `run`: may its dependents start (it succeeded or was skipped)? */
  readonly satisfied: (id: string) => boolean;
  /** Tasks that start even when a dep outside `run` is not satisfied (the target of a re-run). */
  readonly forced?: ReadonlySet<string>;
  readonly mode: ExecMode;
  readonly parallel: number;
  readonly execute: (id: string) => Promise<TaskOutcome>;
  /** Records that `id` will not run because `dep` failed or was cancelled (or was not satisfied). */
  readonly cancelUpstream: (id: string, dep: string) => Promise<void>;
  /** When aborted, nothing new starts; running tasks are the executor's to stop. */
  readonly signal?: AbortSignal;
}

/** Runs the tasks; resolves with the outcome of each one that started or was cancelled for a dependency. */
export async function schedule(opts: ScheduleOptions): Promise<Map<string, TaskOutcome>> {
  const { graph, run } = opts;
  const parallel = Math.max(1, Math.floor(opts.parallel));
  const order = new Map(graph.topoOrder().map((id, i) => [id, i]));
  const outcomes = new Map<string, TaskOutcome>();
  const cancelled = new Set<string>();
  const pendingDeps = new Map<string, number>();
  const initiallyBlocked: [string, string][] = [];

  for (const id of run) {
    let n = 0;
    for (const d of graph.deps(id)) {
      if (run.has(d)) n++;
      else if (!opts.satisfied(d) && !opts.forced?.has(id)) initiallyBlocked.push([id, d]);
    }
    pendingDeps.set(id, n);
  }

  // Cancel a task and, transitively, its dependents within `run`.
  const cancelTree = async (id: string, because: string): Promise<void> => {
    const stack: [string, string][] = [[id, because]];
    while (stack.length > 0) {
      const [t, dep] = stack.pop()!;
      if (cancelled.has(t) || outcomes.has(t)) continue;
      cancelled.add(t);
      outcomes.set(t, 'cancelled');
      await opts.cancelUpstream(t, dep);
      for (const d of graph.dependents(t)) if (run.has(d)) stack.push([d, t]);
    }
  };
  for (const [id, dep] of initiallyBlocked) await cancelTree(id, dep);

  const byOrder = (a: string, b: string): number => order.get(a)! - order.get(b)!;
  const aborted = (): boolean => opts.signal?.aborted === true;
  /** Eager mode's queue of tasks whose deps are done (levels mode leaves it unused). */
  const ready: string[] = [];

  if (opts.mode === 'levels') {
    for (const level of graph.levels()) {
      const ids = level.filter((id) => run.has(id) && !cancelled.has(id)).sort(byOrder);
      if (aborted()) break;
      await runPool(ids, parallel, aborted, async (id) => {
        if (cancelled.has(id)) return;
        await finish(id, await opts.execute(id));
      });
    }
    return outcomes;
  }

  // eager: a task starts as soon as its deps in `run` have finished well.
  ready.push(...[...run].filter((id) => pendingDeps.get(id) === 0 && !cancelled.has(id)).sort(byOrder));
  const running = new Set<Promise<void>>();
  const start = (id: string): void => {
    const p = (async () => finish(id, await opts.execute(id)))().finally(() => running.delete(p));
    running.add(p);
  };
  async function finish(id: string, outcome: TaskOutcome): Promise<void> {
    outcomes.set(id, outcome);
    if (outcome === 'success' || outcome === 'skipped') {
      for (const d of graph.dependents(id)) {
        if (!run.has(d) || cancelled.has(d)) continue;
        const left = pendingDeps.get(d)! - 1;
        pendingDeps.set(d, left);
        if (left === 0) insertSorted(ready, d, byOrder);
      }
    } else {
      for (const d of graph.dependents(id)) if (run.has(d)) await cancelTree(d, id);
    }
  }
  for (;;) {
    while (ready.length > 0 && running.size < parallel && !aborted()) start(ready.shift()!);
    if (running.size === 0) break;
    await Promise.race(running);
  }
  return outcomes;
}

/** Runs `work` over `ids` with at most `limit` at once, in order. */
async function runPool(ids: readonly string[], limit: number, aborted: () => boolean, work: (id: string) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length && !aborted()) await work(ids[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, ids.length) }, worker));
}

function insertSorted(list: string[], id: string, cmp: (a: string, b: string) => number): void {
  let i = list.length;
  while (i > 0 && cmp(list[i - 1]!, id) > 0) i--;
  list.splice(i, 0, id);
}
