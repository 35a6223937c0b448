// Read-only questions about the store, shared by the CLI and (next) the
// language server: list runs, get one, variable history, log tail. They
// never lock or write, so a reader never blocks the process driving a run.
import * as fs from 'node:fs';
import type { RunStatus, TaskStatus, VarSource } from './events';
import { RefusedError } from './load-workflow';
import { computeStaleness, runDocument, type RunDocument } from './run-document';
import { latestAttempt, latestVars, shownValue } from '../store/run-state';
import { readRun, readRunsNewestFirst, StoreError } from '../store/run-store';
import { resolveRunRef } from '../store/workspace-store';

export interface RunSummary {
  readonly id: string;
  readonly workflow: string;
  readonly file: string;
  readonly status: RunStatus;
  readonly resumes: number;
  readonly createdAt: string;
  readonly endedAt: string | null;
  /** How many tasks are in each status. */
  readonly tasks: Partial<Record<TaskStatus, number>>;
}

/** Runs newest first. A run that cannot be read is passed to `onUnreadable` and left out. */
export async function listRuns(root: string, opts: { status?: RunStatus; onUnreadable?: (id: string, error: Error) => void } = {}): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for await (const { id, state } of readRunsNewestFirst(root, opts.onUnreadable)) {
    if (opts.status !== undefined && state.status !== opts.status) continue;
    const tasks: Partial<Record<TaskStatus, number>> = {};
    for (const t of state.tasks.values()) tasks[t.status] = (tasks[t.status] ?? 0) + 1;
    out.push({ id, workflow: state.workflow, file: state.file, status: state.status, resumes: state.resumes.length, createdAt: state.createdAt, endedAt: state.endedAt ?? null, tasks });
  }
  return out;
}

export interface RunDetails {
  readonly document: RunDocument;
  /** The process driving the run now, if any. */
  readonly driver?: { readonly pid: number; readonly command: string; readonly host: string };
  /** Repairs made while reading (e.g. a damaged run.db read from the journal instead). */
  readonly notes: readonly string[];
}

/** One run (by id, unique prefix or "last"), with staleness against the workflow file as it is now. */
export async function getRun(root: string, ref: string, env: Readonly<Record<string, string | undefined>>): Promise<RunDetails> {
  const snap = await readRun(root, await resolveRunRef(root, ref));
  const document = runDocument(snap.state, await computeStaleness(snap.state, root, env));
  const d = snap.driver?.alive ? snap.driver.holder : undefined;
  return { document, ...(d ? { driver: { pid: d.pid, command: d.command, host: d.host } } : {}), notes: snap.warnings };
}

export interface VarRow {
  readonly seq: number;
  readonly name: string;
  /** Secrets as ***. */
  readonly value: string;
  readonly source: VarSource;
  readonly task: string | null;
  readonly attempt: number | null;
  readonly at: string;
}

/** The latest value of each variable, or with `history` every snapshot; `task` keeps what one task set. */
export async function varHistory(root: string, ref: string, opts: { task?: string; history?: boolean } = {}): Promise<VarRow[]> {
  const { state } = await readRun(root, await resolveRunRef(root, ref));
  if (opts.task !== undefined && !state.tasks.has(opts.task)) throw new RefusedError(`run ${state.id} has no task "${opts.task}"`);
  const snapshots = opts.history ? state.vars : [...latestVars(state).values()];
  return snapshots
    .filter((s) => opts.task === undefined || s.task === opts.task)
    .map((s) => ({ seq: s.seq, name: s.name, value: shownValue(s), source: s.source, task: s.task ?? null, attempt: s.attempt ?? null, at: s.at }));
}

/** Where a task attempt's log is (its latest attempt unless `attempt`). */
export async function logPath(root: string, ref: string, task: string, attempt?: number): Promise<string> {
  const { state } = await readRun(root, await resolveRunRef(root, ref));
  const t = state.tasks.get(task);
  if (!t) throw new RefusedError(`run ${state.id} has no task "${task}"; its tasks: ${[...state.tasks.keys()].join(', ')}`);
  const a = attempt !== undefined ? t.attempts.find((x) => x.attempt === attempt) : latestAttempt(t);
  if (!a) throw new RefusedError(attempt !== undefined ? `task "${task}" has no attempt ${attempt} (it has ${t.attempts.length})` : `task "${task}" has not run in run ${state.id}`);
  return a.log;
}

/** The last `maxBytes` of a log (whole lines), for views that show a tail. */
export async function logTail(root: string, ref: string, task: string, opts: { attempt?: number; maxBytes?: number } = {}): Promise<string> {
  const file = await logPath(root, ref, task, opts.attempt);
  const max = opts.maxBytes ?? 64 * 1024;
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(file, 'r');
    const size = (await fh.stat()).size;
    const start = Math.max(0, size - max);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ''; // an attempt that printed nothing has no log file
    throw new StoreError(`cannot read the log ${file}: ${(e as Error).message}`);
  } finally {
    await fh?.close();
  }
}
