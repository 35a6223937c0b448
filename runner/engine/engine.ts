// The engine's API, for the CLI now and the language server later: start a
// run, plan and resume one, re-run a task, cancel. IO is injectable; events
// reach listeners only once durable.
import * as os from 'node:os';
import { sharedExecHostPool } from '../exec/exec-host';
import { newRunId } from '../store/run-id';
import type { RunState } from '../store/run-state';
import { isDone, latestAttempt } from '../store/run-state';
import { readRun, RunStore, type EventListener } from '../store/run-store';
import { ensureStore, removeStillborn } from '../store/workspace-store';
import { drive, realSleep, type DriveHooks, type DriveIo } from './drive';
import { isDriven, isResumable, type ExecMode, type NewRunEvent, type RunStatus } from './events';
import { diffStructure, loadRunWorkflow, loadWorkflow, modelCacheOf, RefusedError, type LoadedWorkflow, type StructureChange } from './load-workflow';
import { recordedFile } from '../store/run-paths';
import { baseVars, restoreVars, varEvent, type VarScope } from './run-vars';
import { staleTasks } from './task-context';

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

function envOf(opts: EngineOptions): Readonly<Record<string, string | undefined>> {
  return opts.io?.env ?? process.env;
}

/** The exec host is started for runs of two tasks or more: its start costs more than it saves on one task. */
const EXEC_HOST_MIN_TASKS = 2;

function io(opts: EngineOptions): DriveIo {
  if (opts.io?.execute !== undefined) return { env: envOf(opts), execute: opts.io.execute, sleep: opts.io.sleep ?? realSleep };
  const host = sharedExecHostPool();
  return {
    env: envOf(opts),
    execute: host.execute,
    sleep: opts.io?.sleep ?? realSleep,
    expect: (tasks, parallel) => {
      if (tasks >= EXEC_HOST_MIN_TASKS) host.warm(Math.min(parallel, tasks));
    },
  };
}

/**
 * Ends the helper processes that runs share (the exec hosts) and waits for them to exit: for a process that
 * will start no more runs, such as the CLI once its run is over. A later run starts new ones.
 */
export function releaseExecHosts(): Promise<void> {
  return sharedExecHostPool().close();
}

function defaultParallel(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Drives `body` and closes the store when it is over. `alongside` registers work that goes on beside the run
 * (off its critical path) and that the run's end waits for, so that nothing is left in flight when `done`
 * resolves: the CLI exits at once then (bin/cairn.js).
 */
function launch(store: RunStore, opts: EngineOptions, body: (signal: AbortSignal, alongside: (work: Promise<void>) => void) => Promise<RunStatus>): RunHandle {
  const ac = new AbortController();
  const pending: Promise<void>[] = [];
  if (opts.signal) {
    if (opts.signal.aborted) ac.abort();
    else opts.signal.addEventListener('abort', () => ac.abort(), { once: true });
  }
  const done = (async () => {
    try {
      return await body(ac.signal, (work) => pending.push(work));
    } finally {
      await Promise.all(pending);
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
  const drv = io(opts);
  const loaded = await loadWorkflow(opts.file, { modelCache: modelCacheOf(opts.storeRoot) });
  const cli = opts.vars ?? {};
  const base = baseVars(loaded.workflow, cli, drv.env);
  for (const n of base.notes) opts.hooks?.onNote?.(n);
  const mode = opts.mode ?? 'eager';
  const parallel = opts.parallel ?? defaultParallel();
  await ensureStore(opts.storeRoot);
  const runId = newRunId();
  const store = await RunStore.create(opts.storeRoot, runId, opts.command ?? 'cairn run');
  if (opts.hooks?.onEvents) store.onEvents(opts.hooks.onEvents);
  const secretNames = new Set([...loaded.workflow.vars.values()].filter((v) => v.secret).map((v) => v.name));
  const shownCli = Object.fromEntries(Object.entries(cli).map(([k, v]) => [k, secretNames.has(k) ? '***' : v]));
  return launch(store, opts, async (signal, alongside) => {
    // Neither is needed before the first task: the leftovers of dead births, and the model cache. Neither rejects.
    alongside(removeStillborn(opts.storeRoot));
    await store.writeRevision(loaded.revision, loaded.text);
    alongside(loaded.saveModel());
    await store.append([
      { type: 'run-created', runId, workflow: loaded.workflow.name, file: recordedFile(opts.storeRoot, loaded.file), revision: loaded.revision, mode, parallel, cliVars: shownCli, structure: loaded.structure },
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
  /** Only judged when the plan is to be shown (dry run) or acted on (--rerun-stale); false otherwise. */
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

/** What a resume would do (SPEC §3.1), from a run's state: changes nothing. */
export async function planResume(state: RunState, opts: ResumeOptions, judgeStaleness = opts.rerunStale === true): Promise<ResumePlan> {
  if (!isResumable(state.status)) {
    const why: Record<string, string> = {
      success: `run ${state.id} already succeeded; to run a task again: cairn rerun ${state.id} --task <task>`,
      running: `run ${state.id} is running; wait for it, or stop it with cairn cancel ${state.id}`,
      resuming: `run ${state.id} is being resumed by another process`,
      pending: `run ${state.id} has not started yet`,
    };
    throw new RefusedError(why[state.status] ?? `run ${state.id} is ${state.status} and cannot be resumed`);
  }
  const loaded = await loadRunWorkflow(opts.storeRoot, state);
  const wf = loaded.workflow;
  const structureChanges = diffStructure(state.structure, loaded.structure);
  if (structureChanges.length > 0 && !opts.allowStructureChange) {
    throw new RefusedError(`the workflow's structure changed since run ${state.id} last ran; resume with --allow-structure-change to drop removed tasks and run new ones`, structureChanges.map((c) => c.detail));
  }
  // Variables: the run's --var values, what tasks recorded, then this resume's --var (recorded as
  // overrides). A secret given again with --var counts before the base is judged complete.
  const given = opts.vars ?? {};
  const secretsNow = Object.fromEntries(Object.entries(given).filter(([k]) => wf.vars.get(k)?.secret));
  const vars = restoreVars(wf, state, envOf(opts), { secretsNow });
  const overrideEvents: NewRunEvent[] = Object.entries(given).map(([name, value]) => varEvent(name, vars.set(name, { value, source: 'override' })));

  // Judging staleness renders and fingerprints every kept task (and hashes their inputs): a resume that does
  // not act on it leaves it out of the time before its first task.
  const stale = judgeStaleness ? await staleTasks(loaded, state, vars) : new Map<string, string[]>();
  const kept: KeptTask[] = [];
  const rerun = new Set<string>();
  for (const id of loaded.graph.ids) {
    if (!isDone(state.tasks.get(id))) {
      rerun.add(id);
      continue;
    }
    const reasons = stale.get(id) ?? [];
    kept.push({ id, stale: reasons.length > 0, reasons });
  }
  if (opts.rerunStale) {
    for (const k of kept.filter((k) => k.stale)) {
      rerun.add(k.id);
      for (const d of loaded.graph.descendants(k.id)) rerun.add(d);
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
    vars,
    overrideEvents,
  };
}

/** Reads a run's plan without locking: what `cairn resume --dry-run` prints. */
export async function dryRunResume(opts: ResumeOptions): Promise<ResumePlan> {
  const snap = await readRun(opts.storeRoot, opts.runId);
  if (snap.driver?.alive) throw new RefusedError(`run ${opts.runId} is being driven by pid ${snap.driver.holder.pid}; wait for it or cancel it`);
  return planResume(snap.state, opts, true);
}

/** Marks a run whose driver died as interrupted, durably (we hold its lock now). */
async function recordInterruption(store: RunStore): Promise<void> {
  const state = store.state;
  if (!isDriven(state.status)) return;
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
  const drv = io(opts);
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
  return launch(store, opts, async (signal, alongside) => {
    await store.writeRevision(plan.loaded.revision, plan.loaded.text);
    alongside(plan.loaded.saveModel()); // it never rejects
    const overrides = Object.fromEntries(plan.overrideEvents.map((e) => (e.type === 'var-set' ? [e.name, e.value ?? '***'] : ['', ''])));
    await store.append([
      { type: 'run-status', status: 'resuming' },
      ...revisionAdded(state, plan.loaded.revision),
      { type: 'resume-started', resume, revision: plan.loaded.revision, mode, parallel, overrides, kept: plan.kept.map((k) => k.id), rerun: plan.rerun, structure: plan.loaded.structure },
      ...plan.overrideEvents,
      ...plan.rerun.map((id): NewRunEvent => ({ type: 'task-status', task: id, status: 'pending' })),
      { type: 'run-status', status: 'running' },
    ]);
    return drive({ store, loaded: plan.loaded, vars: plan.vars, run: new Set(plan.rerun), resume, mode, parallel, signal, hooks: opts.hooks ?? {}, io: drv });
  });
}

/** The revision-added event for a revision the run has not recorded yet (none when it has). */
function revisionAdded(state: RunState, revision: string): NewRunEvent[] {
  return state.revisions.includes(revision) ? [] : [{ type: 'revision-added', revision }];
}

/**
 * The run's workflow file as it is now, for a task restarted mid-run (the debugger's Restart Frame after an
 * edit): its revision saved and recorded, so the new attempt names what it ran. Refused when its tasks or deps
 * changed: the run's graph is fixed while it is driven (stop, then resume the run).
 */
export async function reloadForRestart(store: RunStore, storeRoot: string): Promise<LoadedWorkflow> {
  const state = store.state;
  const loaded = await loadRunWorkflow(storeRoot, state);
  const changes = diffStructure(state.structure, loaded.structure);
  if (changes.length > 0) throw new RefusedError(`the workflow's tasks or deps changed since run ${state.id} started; stop the run and resume it to take them`, changes.map((c) => c.detail));
  await store.writeRevision(loaded.revision, loaded.text);
  const added = revisionAdded(state, loaded.revision);
  if (added.length > 0) await store.append(added);
  return loaded;
}

export interface RerunOptions extends EngineOptions {
  readonly runId: string;
  readonly task: string;
  readonly downstream?: boolean;
}

/** Runs one task again (and its descendants with downstream) with the file's current content (SPEC §3.2). */
export async function rerunTask(opts: RerunOptions): Promise<RunHandle> {
  const drv = io(opts);
  const store = await RunStore.openForWrite(opts.storeRoot, opts.runId, opts.command ?? 'cairn rerun');
  let loaded: LoadedWorkflow;
  let vars: VarScope;
  let run: Set<string>;
  try {
    if (opts.hooks?.onEvents) store.onEvents(opts.hooks.onEvents);
    await recordInterruption(store);
    const state = store.state;
    loaded = await loadRunWorkflow(opts.storeRoot, state);
    const wf = loaded.workflow;
    const task = wf.tasks.get(opts.task);
    if (!task) throw new RefusedError(`run ${state.id} has no task "${opts.task}"; its tasks: ${[...wf.tasks.keys()].join(', ')}`);
    if (task.type === 'forensic') throw new RefusedError(`"${task.id}" is a forensic task: it runs when "${task.target?.value ?? '?'}" fails; re-run that task instead`);
    const changes = diffStructure(state.structure, loaded.structure);
    if (changes.length > 0) throw new RefusedError(`the workflow's structure changed since run ${state.id} last ran; use cairn resume ${state.id} --allow-structure-change`, changes.map((c) => c.detail));
    const descendants = loaded.graph.descendants(task.id);
    run = new Set([task.id, ...(opts.downstream ? descendants : [])]);
    // The variables as X last saw them: everything except what X and its descendants set.
    const excluded = new Set([task.id, ...descendants]);
    vars = restoreVars(wf, state, envOf(opts), { exclude: (s) => s.task !== undefined && excluded.has(s.task) });
  } catch (e) {
    await store.close();
    throw e;
  }
  const state = store.state;
  const resume = state.resumes.length + 1;
  return launch(store, opts, async (signal, alongside) => {
    await store.writeRevision(loaded.revision, loaded.text);
    alongside(loaded.saveModel()); // it never rejects
    await store.append([
      ...revisionAdded(state, loaded.revision),
      { type: 'rerun-started', resume, revision: loaded.revision, task: opts.task, downstream: opts.downstream === true, rerun: [...run] },
      ...[...run].map((id): NewRunEvent => ({ type: 'task-status', task: id, status: 'pending' })),
      { type: 'run-status', status: 'running' },
    ]);
    return drive({ store, loaded, vars, run, forced: new Set([opts.task]), resume, mode: state.mode, parallel: state.parallel, signal, hooks: opts.hooks ?? {}, io: drv });
  });
}

