// Drives a set of tasks of one run to the end: conditions, attempts with
// retries, forensic tasks, cancellation, and the run's final status. Every
// state change goes through the store first (durable), then to listeners.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluate, isTruthy } from '../expr/expression';
import type { ExecResult, ExecSpec, ExecHooks } from '../exec/execute-task';
import { directArgv } from '../exec/direct-command';
import { resolveShell } from '../exec/shell';
import type { Task, Workflow } from '../model/workflow';
import type { RunStore } from '../store/run-store';
import { isDone, latestAttempt } from '../store/run-state';
import type { AttemptOutcome, ExecMode, Fingerprint, NewRunEvent, RunStatus } from './events';
import type { LoadedWorkflow } from './load-workflow';
import { createOutputsDir, removeOrphanedOutputs } from './output-dirs';
import { varEvent, type VarScope } from './run-vars';
import { schedule, type TaskOutcome } from './scheduler';
import { compared, prepareTask, resolveSettings, type PreparedTask } from './task-context';

export type ExecuteFn = (spec: ExecSpec, hooks: ExecHooks, abort?: AbortSignal) => Promise<ExecResult>;

export interface BeforeTaskInfo {
  readonly runId: string;
  readonly task: string;
  readonly attempt: number;
  readonly prepared: PreparedTask;
  readonly vars: VarScope;
}

export interface AfterFailureInfo {
  readonly runId: string;
  readonly task: string;
  readonly attempt: number;
  readonly outcome: AttemptOutcome;
  /** The attempt's log tail, as recorded (secrets masked). */
  readonly logTail: string;
  /** What ran; undefined when the attempt failed before anything was spawned (a template error). */
  readonly prepared: PreparedTask | undefined;
  readonly vars: VarScope;
}

/**
 * What to do with a failed attempt: go on as without the hook ('fail': retries, forensic tasks, dependents
 * cancelled), or run the task again at once as a new attempt that counts against no retry. A retry may bring
 * the workflow as it is now (the debugger's Restart Frame after an edit): the task's new definition runs,
 * recorded with that revision. Its tasks and deps must be the run's (engine.ts reloadForRestart checks).
 */
export type AfterFailure = { readonly action: 'fail' } | { readonly action: 'retry'; readonly loaded?: LoadedWorkflow };

export interface DriveHooks {
  /** Live output of a task (secrets masked); not durable, for progress views. */
  onOutput?(task: string, attempt: number, chunk: string, stream: 'stdout' | 'stderr'): void;
  /**
   * Awaited before each attempt starts, with the attempt as it would run: the debugger holds a task here.
   * 'vars-changed' (a variable was edited meanwhile) prepares the attempt again with the variables as they are.
   */
  beforeTask?(info: BeforeTaskInfo): Promise<void | 'vars-changed'>;
  /** Awaited once a failed attempt is durable, before anything else hears of it: the debugger's break on failure. */
  afterFailure?(info: AfterFailureInfo): Promise<AfterFailure>;
}

export interface DriveIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly execute: ExecuteFn;
  /** Waits between retries; resolves early when aborted. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told how many tasks this drive runs, once the first has been spawned (the exec host starts for several). */
  readonly expect?: (tasks: number, parallel: number) => void;
}

export interface DriveRequest {
  readonly store: RunStore;
  readonly loaded: LoadedWorkflow;
  readonly vars: VarScope;
  /** Non-forensic tasks to execute. */
  readonly run: ReadonlySet<string>;
  readonly forced?: ReadonlySet<string>;
  readonly resume: number;
  readonly mode: ExecMode;
  readonly parallel: number;
  readonly signal: AbortSignal;
  readonly hooks: DriveHooks;
  readonly io: DriveIo;
}

export function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs the request's tasks and records the run's final status; resolves with it. */
export async function drive(req: DriveRequest): Promise<RunStatus> {
  const { store, loaded, vars, io } = req;
  const wf = loaded.workflow;
  const workflowDir = path.dirname(loaded.file);
  const state = store.state;
  const forensicsOf = new Map<string, Task[]>();
  for (const t of wf.tasks.values()) {
    if (t.type === 'forensic' && t.target) forensicsOf.set(t.target.value, [...(forensicsOf.get(t.target.value) ?? []), t]);
  }
  let expected = false;
  /** The environment every task starts from (io.env without unset entries), built once. */
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined) baseEnv[k] = v;
  const outputsDir = await createOutputsDir(io.env);
  const orphansRemoved = removeOrphanedOutputs(io.env);
  const forensicsRan = new Set<string>();

  // A store that cannot record stops the run: nothing may be reported that is not durable.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  req.signal.addEventListener('abort', onAbort, { once: true });
  // A cancel that came while the run was being set up (before this listener) stops it all the same.
  if (req.signal.aborted) stop.abort();
  const record = async (events: NewRunEvent[]): Promise<void> => {
    try {
      await store.append(events);
    } catch (e) {
      stop.abort();
      throw e;
    }
  };

  const nextAttempt = (id: string): number => (state.tasks.get(id)?.attempts.length ?? 0) + 1;
  /** Records not awaited by their task (successes): the run ends only after all are durable. */
  const inFlight = new Set<Promise<void>>();

  /** The definition an attempt runs: the run's, or the workflow as reloaded by a restart (AfterFailure). */
  interface Source {
    readonly wf: Workflow;
    readonly revision: string;
  }
  const original: Source = { wf, revision: loaded.revision };

  /** An attempt that fails before anything is spawned (SPEC §2: reason template), recorded with a log all the same. */
  async function failUnspawned(task: Task, reason: 'template' | 'spawn', message: string, src: Source = original): Promise<AttemptOutcome> {
    const n = nextAttempt(task.id);
    const log = store.logPath(task.id, n);
    await fs.promises.writeFile(log, `cairn: ${message}\n`).catch(() => undefined);
    const outcome: AttemptOutcome = { status: 'failed', reason, exitCode: null, signal: null, message };
    const fingerprint: Fingerprint = { command: '', template: compared(task.run?.value ?? ''), dir: '', shell: '', env: {}, vars: {}, inputs: {} };
    await record([
      { type: 'attempt-started', task: task.id, attempt: n, resume: req.resume, revision: src.revision, command: task.run?.value ?? '', dir: workflowDir, log, fingerprint },
      { type: 'attempt-ended', task: task.id, attempt: n, outcome, durationMs: 0, logTail: message },
    ]);
    return outcome;
  }

  /**
   * One attempt, and what it ran (none when it failed before anything was spawned); the outcome is durable when
   * this resolves (a success's, by the end of the run).
   */
  async function attempt(task: Task, extraEnv: Record<string, string>, src: Source): Promise<{ outcome: AttemptOutcome; prepared?: PreparedTask }> {
    let prep = await prepareTask(src.wf, task, vars, workflowDir);
    if (!prep.ok) return { outcome: await failUnspawned(task, prep.reason, prep.message, src) };
    const n = nextAttempt(task.id);
    const log = store.logPath(task.id, n);
    const held = await req.hooks.beforeTask?.({ runId: store.runId, task: task.id, attempt: n, prepared: prep.task, vars });
    if (stop.signal.aborted) {
      // Held until the run was cancelled (the debugger's Stop): it never started, and says so.
      await record([{ type: 'task-status', task: task.id, status: 'cancelled', reason: 'user' }]).catch(() => undefined);
      return { outcome: { status: 'cancelled', reason: 'user', exitCode: null, signal: null } };
    }
    if (held === 'vars-changed') {
      prep = await prepareTask(src.wf, task, vars, workflowDir);
      if (!prep.ok) return { outcome: await failUnspawned(task, prep.reason, prep.message, src) };
    }
    const p = prep.task;
    // Write-ahead: no task starts before its attempt-started is durable, so every execution that may have had
    // effects is in the journal, even after kill -9. (The log file is created by the exec at the first byte.)
    await record([{ type: 'attempt-started', task: task.id, attempt: n, resume: req.resume, revision: src.revision, command: p.shownCommand, dir: p.dir, log, fingerprint: p.fingerprint }]);

    const shell = resolveShell(p.settings.shell, io.env);
    const outputFile = path.join(outputsDir, `${task.id}.${n}.env`);
    const env: Record<string, string> = { ...baseEnv };
    Object.assign(env, p.ownEnv, vars.toEnv(), extraEnv, {
      CAIRN_OUTPUT: outputFile,
      CAIRN_RUN_ID: store.runId,
      CAIRN_TASK: task.id,
      CAIRN_ATTEMPT: String(n),
      CAIRN_WORKFLOW: loaded.file,
    });
    // Only with the default shell: a task that names its shell gets it.
    const argv = p.settings.shell === undefined ? directArgv(p.command, p.dir, env['PATH'] ?? '') : undefined;
    let result: ExecResult;
    if ('error' in shell && !argv) {
      await fs.promises.writeFile(log, `cairn: ${shell.error}\n`).catch(() => undefined);
      result = { outcome: 'spawn', message: shell.error, durationMs: 0, logTail: shell.error };
    } else {
      const executing = io.execute(
        {
          command: p.command,
          shell: 'error' in shell ? '' : shell.path,
          ...(argv ? { argv } : {}),
          cwd: p.dir,
          env,
          ...(p.settings.timeoutMs !== undefined ? { timeoutMs: p.settings.timeoutMs } : {}),
          logFile: log,
          outputFile,
          secrets: vars.secrets(),
          captureStdout: task.register !== undefined,
        },
        {
          onOutputVar: async (name, value) => {
            await record([varEvent(name, vars.set(name, { value, source: 'output', task: task.id, attempt: n }), vars.secrets())]);
          },
          // Only when someone listens: an exec host then need not send every chunk across.
          ...(req.hooks.onOutput ? { onOutput: (chunk: string, stream: 'stdout' | 'stderr') => req.hooks.onOutput?.(task.id, n, chunk, stream) } : {}),
        },
        stop.signal,
      );
      if (!expected) {
        // Told once the first task has been spawned: starting the exec host forks this process, which blocks
        // it for a while; the first task (run inline meanwhile) should not wait for that, nor a resume's decision.
        expected = true;
        io.expect?.(req.run.size, req.parallel);
      }
      result = await executing;
    }
    const outcome = outcomeOf(result);
    const events: NewRunEvent[] = [];
    if (outcome.status === 'success' && task.register) {
      events.push(varEvent(task.register.value, vars.set(task.register.value, { value: (result.stdout ?? '').trim(), source: 'register', task: task.id, attempt: n }), vars.secrets()));
    }
    events.push({ type: 'attempt-ended', task: task.id, attempt: n, outcome, durationMs: Math.round(result.durationMs), logTail: result.logTail });
    if (outcome.status === 'success') {
      // The scheduler may start dependents now: each one's attempt-started is journaled after this
      // attempt-ended, so no dependent spawns before this success is durable, and both share one
      // fsync (one per task on a chain, not two). Listeners still hear it only once durable.
      // A failed record already stopped the run (record aborts); store.failed is checked at the end.
      const durable: Promise<void> = record(events)
        .catch(() => undefined)
        .finally(() => inFlight.delete(durable));
      inFlight.add(durable);
      return { outcome, prepared: p };
    }
    await record(events);
    return { outcome, prepared: p };
  }

  /** A task with its condition and retries. Forensic tasks of a failed task run right after it. */
  async function runTask(task: Task, extraEnv: Record<string, string> = {}): Promise<TaskOutcome> {
    if (task.condition?.expr) {
      const r = evaluate(task.condition.expr, (n) => vars.get(n));
      if (!r.ok || !isTruthy(r.value)) {
        if (!r.ok) {
          await failUnspawned(task, 'template', `condition of "${task.id}" cannot be evaluated: ${r.error.message}`);
          await runForensics(task);
          return 'failed';
        }
        await record([{ type: 'task-status', task: task.id, status: 'skipped', reason: 'condition-false' }]);
        return 'skipped';
      }
    }
    const { retries, retryDelayMs } = resolveSettings(wf, task);
    let delay = retryDelayMs;
    let src = original;
    let def = task;
    for (let i = 0; ; i++) {
      const { outcome, prepared } = await attempt(def, extraEnv, src);
      if (outcome.status === 'success') return 'success';
      if (outcome.status === 'cancelled' || stop.signal.aborted) return 'cancelled';
      const decided = await afterFailure(def, outcome, prepared);
      if (stop.signal.aborted) return 'cancelled';
      if (decided.action === 'retry') {
        if (decided.loaded) {
          src = { wf: decided.loaded.workflow, revision: decided.loaded.revision };
          def = decided.loaded.workflow.tasks.get(task.id) ?? def;
        }
        i--; // a restart is the user's, not one of the task's retries
        continue;
      }
      // A template error fails the same way every time: retrying it only wastes the delay.
      if (i >= retries || outcome.reason === 'template') break;
      await io.sleep(delay, stop.signal);
      delay *= 2;
      if (stop.signal.aborted) return 'cancelled';
    }
    if (task.type !== 'forensic') await runForensics(task);
    return 'failed';
  }

  /** The hook's decision on a failed attempt (durable by now); without a hook, 'fail'. */
  async function afterFailure(task: Task, outcome: AttemptOutcome, prepared: PreparedTask | undefined): Promise<AfterFailure> {
    if (!req.hooks.afterFailure) return { action: 'fail' };
    const last = latestAttempt(state.tasks.get(task.id)!);
    return req.hooks.afterFailure({ runId: store.runId, task: task.id, attempt: last?.attempt ?? 0, outcome, logTail: last?.logTail ?? '', prepared, vars });
  }

  async function runForensics(target: Task): Promise<void> {
    for (const f of forensicsOf.get(target.id) ?? []) {
      if (stop.signal.aborted) return;
      forensicsRan.add(f.id);
      const last = latestAttempt(state.tasks.get(target.id)!);
      // Logs are created at the first byte; a forensic task reads its target's, so a silent target gets an empty one.
      if (last?.log) await fs.promises.appendFile(last.log, '').catch(() => undefined);
      await runTask(f, { CAIRN_TARGET_LOG: last?.log ?? '' });
    }
  }

  try {
    const outcomes = await schedule({
      graph: loaded.graph,
      run: req.run,
      satisfied: (id) => isDone(state.tasks.get(id)),
      ...(req.forced ? { forced: req.forced } : {}),
      mode: req.mode,
      parallel: req.parallel,
      signal: stop.signal,
      execute: async (id) => {
        try {
          return await runTask(wf.tasks.get(id)!);
        } catch (e) {
          if (store.failed) return 'cancelled';
          throw e;
        }
      },
      // Once the user cancels, tasks left waiting are cancelled by the user, not by a failure.
      cancelUpstream: (id) => record([{ type: 'task-status', task: id, status: 'cancelled', reason: req.signal.aborted ? 'user' : 'upstream-failed' }]).catch(() => undefined),
    });
    const closing: NewRunEvent[] = [];
    for (const id of req.run) if (!outcomes.has(id)) closing.push({ type: 'task-status', task: id, status: 'cancelled', reason: 'user' });
    for (const t of wf.tasks.values()) {
      if (t.type === 'forensic' && !forensicsRan.has(t.id) && state.tasks.get(t.id)?.status === 'pending') {
        closing.push({ type: 'task-status', task: t.id, status: 'skipped', reason: 'target-not-failed' });
      }
    }
    // Recorded in the turn the last task ended, so its success and the run's end share one fsync. A success
    // still in flight is not in the state yet: its outcome stands for it (if its record fails, so does this one).
    const statusOf = (id: string): string | undefined => (outcomes.get(id) === 'success' ? 'success' : state.tasks.get(id)?.status);
    const status = finalStatus(req.signal.aborted, [...wf.tasks.values()].filter((t) => t.type !== 'forensic').map((t) => statusOf(t.id)));
    const ended = record([...closing, { type: 'run-status', status }]);
    await Promise.allSettled([ended, ...inFlight]);
    if (store.failed) throw store.failed;
    await ended;
    return status;
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    await Promise.allSettled([...inFlight]);
    await fs.promises.rm(outputsDir, { recursive: true, force: true }).catch(() => undefined);
    await orphansRemoved;
  }
}

/** The run's status from the latest status of each (non-forensic) task. */
function finalStatus(cancelledByUser: boolean, statuses: readonly (string | undefined)[]): RunStatus {
  if (cancelledByUser) return 'cancelled';
  if (statuses.some((s) => s === 'failed' || s === 'cancelled' || s === 'interrupted' || s === 'pending' || s === 'running' || s === undefined)) return 'failed';
  return 'success';
}

function outcomeOf(r: ExecResult): AttemptOutcome {
  switch (r.outcome) {
    case 'exit':
      return r.exitCode === 0
        ? { status: 'success', reason: null, exitCode: 0, signal: null }
        : { status: 'failed', reason: 'exit', exitCode: r.exitCode, signal: null, ...(r.outputError ? { message: r.outputError } : {}) };
    case 'signal':
      return { status: 'failed', reason: 'signal', exitCode: null, signal: r.signal };
    case 'timeout':
      return { status: 'failed', reason: 'timeout', exitCode: null, signal: null };
    case 'spawn':
      return { status: 'failed', reason: 'spawn', exitCode: null, signal: null, message: r.message };
    case 'cancelled':
      return { status: 'cancelled', reason: 'user', exitCode: null, signal: null };
    default: {
      const never: never = r;
      throw new Error(`unknown exec result ${JSON.stringify(never)}`);
    }
  }
}
