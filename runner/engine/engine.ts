// The engine's API, for the CLI now and the language server later: start a
// run, plan and resume one, re-run a task, cancel. IO is injectable; events
// reach listeners only once durable.
import * as os from 'node:os';
import * as path from 'node:path';
import { executeTask } from '../exec/execute-task';
import { TaskGraph } from '../graph/task-graph';
import { newRunId } from '../store/run-id';
import type { RunState } from '../store/run-state';
import { latestAttempt } from '../store/run-state';
import { markInterruptedIfOrphaned, readRun, RunStore, type EventListener } from '../store/run-store';
import { ensureStore, removeStillborn } from '../store/workspace-store';
import { drive, realSleep, type DriveHooks, type DriveIo } from './drive';
import type { ExecMode, NewRunEvent, RunStatus } from './events';
import { diffStructure, loadWorkflow, RefusedError, type LoadedWorkflow, type StructureChange } from './load-workflow';
import { applySnapshots, baseVars, recordedSnapshots, varEvent, type VarScope } from './run-vars';
import { prepareTask, staleReasons } from './task-context';

export interface EngineOptions {
  /** The store root (`.cairn`). */
  readonly storeRoot: string;
  /** What the lock file names as the driver, e.g. the command line. */
  readonly command?: string;
  readonly hooks?: DriveHooks & { onEvents?: EventListener; onNote?: (message: string) => void };
  readonly io?: Partial<DriveIo>;
  readonly signal?: AbortSignal;
}

export interface RunHandle {
  readonly runId: string;
  readonly store: RunStore;
  /** Resolves with the final status once everything is recorded and the lock released. */
  readonly done: Promise<RunStatus>;
  cancel(): void;
}

function io(opts: EngineOptions): DriveIo {
  return { env: opts.io?.env ?? process.env, execute: opts.io?.execute ?? executeTask, sleep: opts.io?.sleep ?? realSleep };
}

function defaultParallel(): number {
  return Math.max(1, os.availableParallelism());
}

/** The workflow file as the run records it: relative to the workspace (the store's parent) when inside it. */
function displayFile(storeRoot: string, file: string): string {
  const rel = path.relative(path.dirname(storeRoot), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}

/** Takes over driving: events, then the run to its end, then closes the store. */
function launch(store: RunStore, opts: EngineOptions, body: (signal: AbortSignal) => Promise<RunStatus>): RunHandle {
  const ac = new AbortController();
  if (opts.signal) {
    if (opts.signal.aborted) ac.abort();
    else opts.signal.addEventListener('abort', () => ac.abort(), { once: true });
  }
  const done = (async () => {
    try {
      return await body(ac.signal);
    } finally {
      await store.close();
    }
  })();
  return { runId: store.runId, store, done, cancel: () => ac.abort() };
}

export interface StartOptions extends EngineOptions {
  readonly file: string;
  readonly vars?: Readonly<Record<string, string>>;
  readonly mode?: ExecMode;
  readonly parallel?: number;
}

/** Validates the workflow, creates the run and starts driving it. Refusals throw before anything is written. */
export async function startRun(opts: StartOptions): Promise<RunHandle> {
  const loaded = await loadWorkflow(opts.file);
  const drv = io(opts);
  const cli = opts.vars ?? {};
  const base = baseVars(loaded.workflow, cli, drv.env);
  for (const n of base.notes) opts.hooks?.onNote?.(n);
  const mode = opts.mode ?? 'eager';
  const parallel = opts.parallel ?? defaultParallel();
  await ensureStore(opts.storeRoot);
  await removeStillborn(opts.storeRoot);
  const runId = newRunId();
  const store = await RunStore.create(opts.storeRoot, runId, opts.command ?? 'cairn run');
  if (opts.hooks?.onEvents) store.onEvents(opts.hooks.onEvents);
  const secretNames = new Set([...loaded.workflow.vars.values()].filter((v) => v.secret).map((v) => v.name));
  const shownCli = Object.fromEntries(Object.entries(cli).map(([k, v]) => [k, secretNames.has(k) ? '***' : v]));
  return launch(store, opts, async (signal) => {
    await store.writeRevision(loaded.revision, loaded.text);
    await store.append([
      { type: 'run-created', runId, workflow: loaded.workflow.name, file: displayFile(opts.storeRoot, loaded.file), revision: loaded.revision, mode, parallel, cliVars: shownCli, structure: loaded.structure },
      { type: 'revision-added', revision: loaded.revision },
      ...base.events,
      { type: 'run-status', status: 'running' },
    ]);
    const run = new Set([...loaded.workflow.tasks.values()].filter((t) => t.type !== 'forensic').map((t) => t.id));
    return drive({ store, loaded, vars: base.scope, run, resume: 0, mode, parallel, signal, hooks: opts.hooks ?? {}, io: drv });
  });
}

export interface ResumeOptions extends EngineOptions {
  readonly runId: string;
  /** --var values given to this resume (recorded as overrides). */
  readonly vars?: Readonly<Record<string, string>>;
  readonly allowStructureChange?: boolean;
  readonly rerunStale?: boolean;
  readonly mode?: ExecMode;
  readonly parallel?: number;
}

export interface KeptTask {
  readonly id: string;
  readonly stale: boolean;
  readonly reasons: readonly string[];
}

export interface ResumePlan {
  readonly runId: string;
  readonly status: RunStatus;
  readonly loaded: LoadedWorkflow;
  readonly structureChanges: readonly StructureChange[];
  /** Succeeded (or condition-skipped) tasks that stay, with staleness. */
  readonly kept: readonly KeptTask[];
  /** Tasks that will run, in declaration order. */
  readonly rerun: readonly string[];
  readonly vars: VarScope;
  readonly overrideEvents: readonly NewRunEvent[];
}

const RESUMABLE: ReadonlySet<RunStatus> = new Set(['failed', 'cancelled', 'interrupted']);

/** What a resume would do (SPEC §3.1), from a run's state: changes nothing. */
export async function planResume(state: RunState, opts: ResumeOptions): Promise<ResumePlan> {
  if (!RESUMABLE.has(state.status)) {
    const why: Record<string, string> = {
      success: `run ${state.id} already succeeded; to run a task again: cairn rerun ${state.id} --task <task>`,
      running: `run ${state.id} is running; wait for it, or stop it with cairn cancel ${state.id}`,
      resuming: `run ${state.id} is being resumed by another process`,
      pending: `run ${state.id} has not started yet`,
    };
    throw new RefusedError(why[state.status] ?? `run ${state.id} is ${state.status} and cannot be resumed`);
  }
  const file = path.resolve(path.dirname(opts.storeRoot), state.file);
  const loaded = await loadWorkflow(file);
  const wf = loaded.workflow;
  const structureChanges = diffStructure(state.structure, loaded.structure);
  if (structureChanges.length > 0 && !opts.allowStructureChange) {
    throw new RefusedError(`the workflow's structure changed since run ${state.id} last ran; resume with --allow-structure-change to drop removed tasks and run new ones`, structureChanges.map((c) => c.detail));
  }
  const drv = io(opts);
  // Variables: the run's --var values and earlier overrides, then what tasks recorded, then this resume's --var.
  // A secret given again with --var must count before the base is judged complete.
  const given = opts.vars ?? {};
  const secretNow = Object.fromEntries(Object.entries(given).filter(([k]) => wf.vars.get(k)?.secret));
  const base = baseVars(wf, { ...state.cliVars, ...secretNow }, drv.env);
  applySnapshots(base.scope, recordedSnapshots(state));
  const overrideEvents: NewRunEvent[] = [];
  for (const [name, value] of Object.entries(opts.vars ?? {})) {
    overrideEvents.push(varEvent(name, base.scope.set(name, { value, source: 'override' })));
  }

  const kept: KeptTask[] = [];
  const rerun = new Set<string>();
  const workflowDir = path.dirname(loaded.file);
  for (const t of wf.tasks.values()) {
    if (t.type === 'forensic') continue;
    const ts = state.tasks.get(t.id);
    const done = ts && (ts.status === 'success' || (ts.status === 'skipped' && ts.reason === 'condition-false'));
    if (!done) {
      rerun.add(t.id);
      continue;
    }
    let reasons: string[] = [];
    const last = latestAttempt(ts);
    if (ts.status === 'success' && last) {
      const prep = await prepareTask(wf, t, base.scope, workflowDir);
      reasons = prep.ok ? staleReasons(last.fingerprint, prep.task.fingerprint) : [prep.message];
    }
    kept.push({ id: t.id, stale: reasons.length > 0, reasons });
  }
  if (opts.rerunStale) {
    const graph = TaskGraph.build([...wf.tasks.values()].filter((t) => t.type !== 'forensic').map((t) => ({ id: t.id, deps: t.deps.map((d) => d.value) })));
    for (const k of kept.filter((k) => k.stale)) {
      rerun.add(k.id);
      for (const d of graph.descendants(k.id)) rerun.add(d);
    }
  }
  const order = [...wf.tasks.keys()];
  return {
    runId: state.id,
    status: state.status,
    loaded,
    structureChanges,
    kept: kept.filter((k) => !rerun.has(k.id)),
    rerun: order.filter((id) => rerun.has(id)),
    vars: base.scope,
    overrideEvents,
  };
}

/** Reads a run's plan without locking: what `cairn resume --dry-run` prints. */
export async function dryRunResume(opts: ResumeOptions): Promise<ResumePlan> {
  const snap = await readRun(opts.storeRoot, opts.runId);
  if (snap.driver?.alive) throw new RefusedError(`run ${opts.runId} is being driven by pid ${snap.driver.holder.pid}; wait for it or cancel it`);
  return planResume(snap.state, opts);
}

/** Marks a run whose driver died as interrupted, durably (we hold its lock now). */
async function recordInterruption(store: RunStore): Promise<void> {
  const state = store.state;
  if (!['pending', 'running', 'resuming'].includes(state.status)) return;
  const events: NewRunEvent[] = [];
  for (const t of state.tasks.values()) {
    const a = latestAttempt(t);
    if (t.status === 'running' && a && a.status === 'running') {
      events.push({ type: 'attempt-ended', task: t.id, attempt: a.attempt, outcome: { status: 'interrupted', reason: null, exitCode: null, signal: null, message: 'the process driving the run stopped' }, durationMs: Date.now() - Date.parse(a.startedAt), logTail: '' });
    }
    if (t.status === 'running') events.push({ type: 'task-status', task: t.id, status: 'interrupted' });
  }
  events.push({ type: 'run-status', status: 'interrupted', message: 'the process driving the run stopped' });
  await store.append(events);
}

/** Resumes a failed, cancelled or interrupted run (SPEC §3.1). */
export async function resumeRun(opts: ResumeOptions): Promise<RunHandle> {
  const store = await RunStore.openForWrite(opts.storeRoot, opts.runId, opts.command ?? 'cairn resume');
  let plan: ResumePlan;
  try {
    if (opts.hooks?.onEvents) store.onEvents(opts.hooks.onEvents);
    await recordInterruption(store);
    plan = await planResume(store.state, opts);
  } catch (e) {
    await store.close();
    throw e;
  }
  const state = store.state;
  const mode = opts.mode ?? state.mode;
  const parallel = opts.parallel ?? state.parallel;
  const resume = state.resumes.length + 1;
  const drv = io(opts);
  return launch(store, opts, async (signal) => {
    await store.writeRevision(plan.loaded.revision, plan.loaded.text);
    const overrides = Object.fromEntries(plan.overrideEvents.map((e) => (e.type === 'var-set' ? [e.name, e.value ?? '***'] : ['', ''])));
    await store.append([
      { type: 'run-status', status: 'resuming' },
      ...(state.revisions.includes(plan.loaded.revision) ? [] : [{ type: 'revision-added' as const, revision: plan.loaded.revision }]),
      { type: 'resume-started', resume, revision: plan.loaded.revision, mode, parallel, overrides, kept: plan.kept.map((k) => k.id), rerun: plan.rerun, structure: plan.loaded.structure },
      ...plan.overrideEvents,
      ...plan.rerun.map((id): NewRunEvent => ({ type: 'task-status', task: id, status: 'pending' })),
      { type: 'run-status', status: 'running' },
    ]);
    return drive({ store, loaded: plan.loaded, vars: plan.vars, run: new Set(plan.rerun), resume, mode, parallel, signal, hooks: opts.hooks ?? {}, io: drv });
  });
}

export interface RerunOptions extends EngineOptions {
  readonly runId: string;
  readonly task: string;
  readonly downstream?: boolean;
}

/** Runs one task again (and its descendants with downstream) with the file's current content (SPEC §3.2). */
export async function rerunTask(opts: RerunOptions): Promise<RunHandle> {
  const store = await RunStore.openForWrite(opts.storeRoot, opts.runId, opts.command ?? 'cairn rerun');
  let loaded: LoadedWorkflow;
  let vars: VarScope;
  let run: Set<string>;
  try {
    if (opts.hooks?.onEvents) store.onEvents(opts.hooks.onEvents);
    await recordInterruption(store);
    const state = store.state;
    loaded = await loadWorkflow(path.resolve(path.dirname(opts.storeRoot), state.file));
    const wf = loaded.workflow;
    const task = wf.tasks.get(opts.task);
    if (!task) throw new RefusedError(`run ${state.id} has no task "${opts.task}"; its tasks: ${[...wf.tasks.keys()].join(', ')}`);
    if (task.type === 'forensic') throw new RefusedError(`"${task.id}" is a forensic task: it runs when "${task.target?.value ?? '?'}" fails; re-run that task instead`);
    const changes = diffStructure(state.structure, loaded.structure);
    if (changes.length > 0) throw new RefusedError(`the workflow's structure changed since run ${state.id} last ran; use cairn resume ${state.id} --allow-structure-change`, changes.map((c) => c.detail));
    const graph = TaskGraph.build([...wf.tasks.values()].filter((t) => t.type !== 'forensic').map((t) => ({ id: t.id, deps: t.deps.map((d) => d.value) })));
    const downstream = opts.downstream && graph.has(task.id) ? graph.descendants(task.id) : new Set<string>();
    run = new Set([task.id, ...downstream]);
    // The variables as X last saw them: everything except what X and its descendants set.
    const excluded = new Set([task.id, ...(graph.has(task.id) ? graph.descendants(task.id) : [])]);
    const base = baseVars(wf, state.cliVars, io(opts).env);
    applySnapshots(base.scope, recordedSnapshots(state, (s) => s.task !== undefined && excluded.has(s.task)));
    vars = base.scope;
  } catch (e) {
    await store.close();
    throw e;
  }
  const state = store.state;
  const resume = state.resumes.length + 1;
  const drv = io(opts);
  return launch(store, opts, async (signal) => {
    await store.writeRevision(loaded.revision, loaded.text);
    await store.append([
      ...(state.revisions.includes(loaded.revision) ? [] : [{ type: 'revision-added' as const, revision: loaded.revision }]),
      { type: 'rerun-started', resume, revision: loaded.revision, task: opts.task, downstream: opts.downstream === true, rerun: [...run] },
      ...[...run].map((id): NewRunEvent => ({ type: 'task-status', task: id, status: 'pending' })),
      { type: 'run-status', status: 'running' },
    ]);
    return drive({ store, loaded, vars, run, forced: new Set([opts.task]), resume, mode: state.mode, parallel: state.parallel, signal, hooks: opts.hooks ?? {}, io: drv });
  });
}

export { markInterruptedIfOrphaned, readRun };
