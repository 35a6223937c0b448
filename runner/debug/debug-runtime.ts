// The debugger's runtime (CONVENTIONS habit 12): a normal run of the engine, driven with the hooks that hold a
// task before it starts (breakpoints, stepping, pause) and after it fails (break on failure), and that can run a
// failed task again with the file as it is now (Restart Frame). It knows nothing of DAP: debug-session.ts
// translates. Each task is a thread while it is about to start, runs, or is held; ids stay the same per task.
// The run is an ordinary run in the store: its events are journaled as always, so it can be resumed later.
import { EventEmitter } from 'node:events';
import type { AttemptOutcome, RunEvent, RunStatus } from '../engine/events';
import { reloadForRestart, startRun, type EngineOptions, type RunHandle } from '../engine/engine';
import type { AfterFailure, AfterFailureInfo, BeforeTaskInfo } from '../engine/drive';
import { RefusedError } from '../engine/load-workflow';
import { checkOverride } from '../engine/override-var';
import { varEvent, type VarScope } from '../engine/run-vars';
import type { PreparedTask } from '../engine/task-context';
import { isTruthy } from '../expr/expression';
import { reasonWords } from '../engine/status-words';
import { RunOutput } from '../cli/run-output';
import type { PlacedBreakpoint } from './breakpoints';
import { evaluateExpr, type DebugScope } from './debug-expr';

export interface DebugLaunch {
  /** The workflow file (absolute). */
  readonly workflow: string;
  /** The store the run goes to (`.cairn` of the workspace folder). */
  readonly storeRoot: string;
  readonly vars?: Readonly<Record<string, string>>;
  /** Pause before the first task starts. */
  readonly stopOnEntry?: boolean;
  /** Pause when a task fails (the editor's "Task failure" exception breakpoint can change it). */
  readonly breakOnFailure?: boolean;
  readonly parallel?: number;
  /** For tests: the engine's IO (its environment). */
  readonly io?: EngineOptions['io'];
}

export type StopReason = 'entry' | 'breakpoint' | 'step' | 'pause' | 'exception';

/** A task held by the debugger, before it starts or after it failed. */
export interface Hold {
  readonly kind: 'before' | 'failure';
  readonly task: string;
  readonly attempt: number;
  readonly prepared: PreparedTask | undefined;
  /** A failure hold's outcome and log tail. */
  readonly outcome?: AttemptOutcome;
  readonly logTail?: string;
}

interface HoldEntry extends Hold {
  varsChanged: boolean;
  readonly release: (decision: AfterFailure) => void;
}

export interface RuntimeEvents {
  /** The run exists in the store (its id is known). */
  started: [{ readonly storeRoot: string; readonly runId: string }];
  stopped: [{ readonly reason: StopReason; readonly threadId: number; readonly task: string; readonly description: string }];
  /** Held tasks went on (all of them, or the one a step released). */
  continued: [{ readonly threadId: number; readonly all: boolean }];
  thread: [{ readonly reason: 'started' | 'exited'; readonly threadId: number }];
  output: [{ readonly category: 'stdout' | 'stderr' | 'console'; readonly text: string }];
  /** The run is over (its final status recorded), or could not start (error). */
  ended: [{ readonly status?: RunStatus; readonly error?: string }];
}

export class DebugRuntime extends EventEmitter<RuntimeEvents> {
  private handle: RunHandle | undefined;
  private readonly threadIds = new Map<string, number>();
  /** Tasks that are threads now: about to start, running or held. */
  private readonly live = new Set<string>();
  private readonly holds = new Map<number, HoldEntry>();
  private breakpoints = new Map<string, PlacedBreakpoint[]>();
  private breakOnFailure: boolean;
  /** The next task to reach its start pauses, and why (entry, a step, the pause button). */
  private pauseNext: StopReason | undefined;
  private vars: VarScope | undefined;
  private ended = false;
  /** Stop was asked: nothing pauses any more. */
  private stopping = false;

  constructor(private readonly launch: DebugLaunch) {
    super();
    this.breakOnFailure = launch.breakOnFailure !== false;
    if (launch.stopOnEntry === true) this.pauseNext = 'entry';
  }

  get runId(): string | undefined {
    return this.handle?.runId;
  }

  /** Starts the run. Refusals (an invalid workflow) reject, before anything is recorded. */
  async start(): Promise<void> {
    const output = new RunOutput({ emit: (text) => this.emit('output', { category: 'stdout', text }) });
    this.handle = await startRun({
      storeRoot: this.launch.storeRoot,
      file: this.launch.workflow,
      command: 'cairn (debugger)',
      ...(this.launch.vars ? { vars: this.launch.vars } : {}),
      ...(this.launch.parallel !== undefined ? { parallel: this.launch.parallel } : {}),
      ...(this.launch.io ? { io: this.launch.io } : {}),
      hooks: {
        onEvents: (events, state) => {
          output.onEvents(events, state);
          this.onEvents(events);
        },
        onOutput: (task, _attempt, chunk) => output.onOutput(task, chunk),
        onNote: (m) => this.emit('output', { category: 'console', text: `cairn: note: ${m}\n` }),
        beforeTask: (info) => this.beforeTask(info),
        afterFailure: (info) => this.afterFailure(info),
      },
    });
    this.emit('started', { storeRoot: this.launch.storeRoot, runId: this.handle.runId });
    void this.handle.done.then(
      (status) => {
        output.flush(true);
        this.finish({ status });
      },
      (e: unknown) => {
        output.flush(true);
        this.finish({ error: e instanceof Error ? e.message : String(e) });
      },
    );
  }

  /** The run's end: resolves with its status once everything is recorded (undefined if it never started). */
  async done(): Promise<RunStatus | undefined> {
    return this.handle?.done.catch(() => undefined);
  }

  // ── what the editor sets ────────────────────────────────────────────────────────────────────────────────

  /** The workflow file's breakpoints (all of them, placed by breakpoints.ts against the text the editor has). */
  useBreakpoints(placed: readonly PlacedBreakpoint[]): void {
    const byTask = new Map<string, PlacedBreakpoint[]>();
    for (const b of placed) if (b.verified && b.task !== undefined) byTask.set(b.task, [...(byTask.get(b.task) ?? []), b]);
    this.breakpoints = byTask;
  }

  setBreakOnFailure(on: boolean): void {
    this.breakOnFailure = on;
  }

  // ── what the editor asks ────────────────────────────────────────────────────────────────────────────────

  /** Tasks that are threads now, with their ids, in the order they started. */
  threads(): { readonly id: number; readonly task: string }[] {
    return [...this.live].map((task) => ({ id: this.threadOf(task), task }));
  }

  holdOf(threadId: number): Hold | undefined {
    return this.holds.get(threadId);
  }

  /** The run's variables, as shown (secrets as ***). */
  variables(): { readonly name: string; readonly value: string; readonly secret: boolean }[] {
    const vars = this.vars;
    if (!vars) return [];
    return vars.entries().map(([name, v]) => ({ name, value: vars.shown(name) ?? '', secret: v.secret }));
  }

  /** What expressions see at a held task (or, without one, the run's variables only). */
  scopeAt(threadId: number | undefined): DebugScope {
    const hold = threadId !== undefined ? this.holds.get(threadId) : undefined;
    return {
      variable: (name) => this.vars?.shown(name),
      ...(hold ? { task: { id: hold.task, attempt: hold.attempt, ...(hold.prepared ? { prepared: hold.prepared } : {}) } } : {}),
    };
  }

  /**
   * Sets a run variable while the run is paused: recorded in the run (a var-set from the editor) before it is
   * used, and every held task is prepared again with it. Refused for a secret, a name the run has no variable
   * of, or a value too long.
   */
  async setVariable(name: string, value: string): Promise<string> {
    const vars = this.vars;
    const store = this.handle?.store;
    if (!vars || !store || this.holds.size === 0) throw new RefusedError('variables can be changed while the run is paused');
    const entries = vars.entries();
    checkOverride(store.runId, name, value, entries.find(([n]) => n === name)?.[1], entries.map(([n]) => n));
    await store.append([varEvent(name, vars.set(name, { value, source: 'editor' }), vars.secrets())]);
    for (const h of this.holds.values()) h.varsChanged = true;
    return value;
  }

  // ── what the editor does ────────────────────────────────────────────────────────────────────────────────

  /** Continue: every held task goes on (a failed one fails as usual). */
  continueAll(): void {
    this.pauseNext = undefined;
    for (const id of [...this.holds.keys()]) this.release(id, { action: 'fail' }, true);
    this.emit('continued', { threadId: 0, all: true });
  }

  /** Step Over: the held task goes on, and the next task to start pauses. */
  step(threadId: number): void {
    if (!this.holds.has(threadId)) return;
    this.pauseNext = 'step';
    this.release(threadId, { action: 'fail' }, false);
  }

  /** Pause: the next task to start pauses (a running command is not stopped midway). */
  pause(): void {
    this.pauseNext ??= 'pause';
  }

  /**
   * Restart Frame on a failed task: it runs again as a new attempt, with the workflow file as it is now (saved),
   * unless its tasks or deps changed (refused: the run stays paused).
   */
  async restart(threadId: number): Promise<void> {
    const hold = this.holds.get(threadId);
    if (!hold) throw new RefusedError('nothing is paused on this task');
    if (hold.kind !== 'failure') throw new RefusedError(`"${hold.task}" has not run yet: Restart Frame runs a failed task again; Continue or Step Over runs this one`);
    const loaded = await reloadForRestart(this.handle!.store, this.launch.storeRoot);
    this.release(threadId, { action: 'retry', loaded }, false);
  }

  /** Stop: the run is cancelled (recorded as such, resumable later) and every held task let go. */
  async stop(): Promise<void> {
    this.pauseNext = undefined;
    this.stopping = true;
    this.handle?.cancel();
    for (const id of [...this.holds.keys()]) this.release(id, { action: 'fail' }, true);
    await this.done();
  }

  // ── the engine's hooks ──────────────────────────────────────────────────────────────────────────────────

  private beforeTask(info: BeforeTaskInfo): Promise<void | 'vars-changed'> {
    this.vars = info.vars;
    this.startThread(info.task);
    const why = this.pauseReason(info);
    if (why === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const threadId = this.threadOf(info.task);
      const entry: HoldEntry = {
        kind: 'before',
        task: info.task,
        attempt: info.attempt,
        prepared: info.prepared,
        varsChanged: false,
        release: () => resolve(entry.varsChanged ? 'vars-changed' : undefined),
      };
      this.holds.set(threadId, entry);
      this.emit('stopped', { reason: why.reason, threadId, task: info.task, description: why.description });
    });
  }

  private afterFailure(info: AfterFailureInfo): Promise<AfterFailure> {
    this.vars = info.vars;
    if (!this.breakOnFailure || this.ended || this.stopping) {
      this.endThread(info.task);
      return Promise.resolve({ action: 'fail' });
    }
    return new Promise((resolve) => {
      const threadId = this.threadOf(info.task);
      const failure = describeFailure(info.outcome);
      const entry: HoldEntry = {
        kind: 'failure',
        task: info.task,
        attempt: info.attempt,
        prepared: info.prepared,
        outcome: info.outcome,
        logTail: info.logTail,
        varsChanged: false,
        release: (decision) => {
          if (decision.action === 'fail') this.endThread(info.task);
          resolve(decision);
        },
      };
      this.holds.set(threadId, entry);
      this.emit('stopped', { reason: 'exception', threadId, task: info.task, description: `${info.task} failed: ${failure}` });
    });
  }

  private pauseReason(info: BeforeTaskInfo): { reason: StopReason; description: string } | undefined {
    if (this.ended || this.stopping) return undefined;
    if (this.pauseNext !== undefined) {
      const reason = this.pauseNext;
      this.pauseNext = undefined;
      return { reason, description: `paused before ${info.task}` };
    }
    for (const b of this.breakpoints.get(info.task) ?? []) {
      if (b.condition === undefined) return { reason: 'breakpoint', description: `paused before ${info.task}` };
      const r = evaluateExpr(b.condition, { variable: (n) => info.vars.shown(n), task: { id: info.task, attempt: info.attempt, prepared: info.prepared } });
      if (r.ok && isTruthy(r.value)) return { reason: 'breakpoint', description: `paused before ${info.task}: ${b.conditionText ?? ''} is true` };
      if (!r.ok) {
        // A condition that cannot be evaluated pauses, as debuggers do: better to stop than to miss it.
        this.emit('output', { category: 'console', text: `cairn: the breakpoint condition on ${info.task} (${b.conditionText ?? ''}) could not be evaluated: ${r.message}; paused\n` });
        return { reason: 'breakpoint', description: `paused before ${info.task}: its condition could not be evaluated` };
      }
    }
    return undefined;
  }

  private onEvents(events: readonly RunEvent[]): void {
    for (const e of events) {
      if (e.type === 'attempt-started') this.startThread(e.task);
      // A failure goes to afterFailure, which ends the thread (or holds it); anything else ends it here.
      if (e.type === 'attempt-ended' && e.outcome.status !== 'failed') this.endThread(e.task);
      if (e.type === 'task-status' && (e.status === 'cancelled' || e.status === 'skipped')) this.endThread(e.task);
    }
  }

  private release(threadId: number, decision: AfterFailure, all: boolean): void {
    const hold = this.holds.get(threadId);
    if (!hold) return;
    this.holds.delete(threadId);
    if (!all) this.emit('continued', { threadId, all: false });
    hold.release(decision);
  }

  private finish(result: { status?: RunStatus; error?: string }): void {
    if (this.ended) return;
    this.ended = true;
    for (const task of [...this.live]) this.endThread(task);
    this.emit('ended', result);
  }

  private threadOf(task: string): number {
    let id = this.threadIds.get(task);
    if (id === undefined) {
      id = this.threadIds.size + 1;
      this.threadIds.set(task, id);
    }
    return id;
  }

  private startThread(task: string): void {
    if (this.live.has(task)) return;
    this.live.add(task);
    this.emit('thread', { reason: 'started', threadId: this.threadOf(task) });
  }

  private endThread(task: string): void {
    if (!this.live.delete(task)) return;
    this.emit('thread', { reason: 'exited', threadId: this.threadOf(task) });
  }
}

/** A failure in words: "exit 1", "timed out", "killed by SIGTERM" (the run view says it the same way). */
export function describeFailure(o: AttemptOutcome): string {
  return reasonWords(o.reason, o) ?? 'failed';
}
