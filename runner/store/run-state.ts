// A run's state, folded from its events by a pure reducer. The engine decides
// from it, `cairn show` prints it; run.db holds the same events as SQL tables.
import { MASK, type AttemptOutcome, type ExecMode, type Fingerprint, type RunEvent, type RunStatus, type TaskShape, type TaskStatus, type VarSource, type CancelReason, type SkipReason } from '../engine/events';

export interface AttemptState {
  readonly attempt: number;
  readonly resume: number;
  readonly revision: string;
  readonly command: string;
  readonly dir: string;
  readonly log: string;
  readonly fingerprint: Fingerprint;
  readonly startedAt: string;
  status: 'running' | AttemptOutcome['status'];
  outcome?: AttemptOutcome;
  endedAt?: string;
  durationMs?: number;
  logTail?: string;
}

export interface TaskState {
  readonly id: string;
  status: TaskStatus;
  /** Why it is cancelled, skipped, or failed (the latest attempt's reason). */
  reason: CancelReason | SkipReason | AttemptOutcome['reason'];
  readonly attempts: AttemptState[];
  /** seq of the event that last changed this task. */
  seq: number;
}

export interface VarSnapshot {
  readonly seq: number;
  readonly name: string;
  /** null for secrets: their values are never stored. */
  readonly value: string | null;
  readonly secret: boolean;
  readonly source: VarSource;
  readonly task?: string;
  readonly attempt?: number;
  readonly at: string;
}

export interface ResumeRecord {
  readonly resume: number;
  readonly kind: 'resume' | 'rerun';
  readonly seq: number;
  readonly at: string;
  readonly revision: string;
  readonly overrides: Readonly<Record<string, string>>;
  readonly task?: string;
  readonly downstream?: boolean;
}

export interface RunState {
  id: string;
  workflow: string;
  file: string;
  status: RunStatus;
  statusMessage?: string;
  mode: ExecMode;
  parallel: number;
  createdAt: string;
  endedAt?: string;
  /** The revision the latest start, resume or rerun used. */
  revision: string;
  readonly revisions: string[];
  cliVars: Record<string, string>;
  structure: readonly TaskShape[];
  readonly tasks: Map<string, TaskState>;
  readonly vars: VarSnapshot[];
  readonly resumes: ResumeRecord[];
  /** seq of the last event applied. */
  lastSeq: number;
}

export function emptyRunState(): RunState {
  return {
    id: '',
    workflow: '',
    file: '',
    status: 'pending',
    mode: 'eager',
    parallel: 1,
    createdAt: '',
    revision: '',
    revisions: [],
    cliVars: {},
    structure: [],
    tasks: new Map(),
    vars: [],
    resumes: [],
    lastSeq: 0,
  };
}

const TERMINAL: ReadonlySet<RunStatus> = new Set(['success', 'failed', 'cancelled', 'interrupted']);

function task(state: RunState, id: string): TaskState {
  let t = state.tasks.get(id);
  if (!t) {
    t = { id, status: 'pending', reason: null, attempts: [], seq: 0 };
    state.tasks.set(id, t);
  }
  return t;
}

/** Applies one event in place. Events must arrive in seq order; a replayed (already applied) one is ignored. */
export function applyEvent(state: RunState, e: RunEvent): void {
  if (e.seq <= state.lastSeq) return;
  state.lastSeq = e.seq;
  switch (e.type) {
    case 'run-created':
      state.id = e.runId;
      state.workflow = e.workflow;
      state.file = e.file;
      state.revision = e.revision;
      state.mode = e.mode;
      state.parallel = e.parallel;
      state.createdAt = e.at;
      state.cliVars = { ...e.cliVars };
      state.structure = e.structure;
      for (const s of e.structure) task(state, s.id);
      return;
    case 'revision-added':
      if (!state.revisions.includes(e.revision)) state.revisions.push(e.revision);
      return;
    case 'run-status':
      state.status = e.status;
      if (e.message !== undefined) state.statusMessage = e.message;
      else delete state.statusMessage;
      if (TERMINAL.has(e.status)) state.endedAt = e.at;
      else delete state.endedAt;
      return;
    case 'resume-started':
      state.resumes.push({ resume: e.resume, kind: 'resume', seq: e.seq, at: e.at, revision: e.revision, overrides: e.overrides });
      state.revision = e.revision;
      state.mode = e.mode;
      state.parallel = e.parallel;
      state.structure = e.structure;
      // Tasks removed by an allowed structure change leave the run's view. (A set: 10,000 tasks each looked up
      // in a list of 10,000 was 10^8 steps, in every resume and every read of a resumed run.)
      const kept = new Set(e.structure.map((s) => s.id));
      for (const id of [...state.tasks.keys()]) if (!kept.has(id)) state.tasks.delete(id);
      for (const s of e.structure) task(state, s.id);
      return;
    case 'rerun-started':
      state.resumes.push({ resume: e.resume, kind: 'rerun', seq: e.seq, at: e.at, revision: e.revision, overrides: {}, task: e.task, downstream: e.downstream });
      state.revision = e.revision;
      return;
    case 'task-status': {
      const t = task(state, e.task);
      t.status = e.status;
      t.reason = e.reason ?? null;
      t.seq = e.seq;
      return;
    }
    case 'attempt-started': {
      const t = task(state, e.task);
      t.attempts.push({ attempt: e.attempt, resume: e.resume, revision: e.revision, command: e.command, dir: e.dir, log: e.log, fingerprint: e.fingerprint, startedAt: e.at, status: 'running' });
      t.status = 'running';
      t.reason = null;
      t.seq = e.seq;
      return;
    }
    case 'attempt-ended': {
      const t = task(state, e.task);
      const a = t.attempts.find((x) => x.attempt === e.attempt);
      if (a) {
        a.status = e.outcome.status;
        a.outcome = e.outcome;
        a.endedAt = e.at;
        a.durationMs = e.durationMs;
        a.logTail = e.logTail;
      }
      t.status = e.outcome.status;
      t.reason = e.outcome.reason;
      t.seq = e.seq;
      return;
    }
    case 'var-set':
      state.vars.push({
        seq: e.seq,
        name: e.name,
        value: e.value,
        secret: e.secret,
        source: e.source,
        ...(e.task !== undefined ? { task: e.task } : {}),
        ...(e.attempt !== undefined ? { attempt: e.attempt } : {}),
        at: e.at,
      });
      return;
    default: {
      const never: never = e;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

export function foldEvents(events: Iterable<RunEvent>, state: RunState = emptyRunState()): RunState {
  for (const e of events) applyEvent(state, e);
  return state;
}

/** Latest value of each variable (secrets as null), in first-set order. */
/** A snapshot's value as it may be shown: a secret (never stored) as ***. */
export function shownValue(s: VarSnapshot): string {
  return s.secret || s.value === null ? MASK : s.value;
}

export function latestVars(state: RunState): Map<string, VarSnapshot> {
  const out = new Map<string, VarSnapshot>();
  for (const v of state.vars) out.set(v.name, v);
  return out;
}

/** Done for its dependents and for resume: succeeded, or skipped because its condition was false (SPEC §2). */
export function isDone(t: TaskState | undefined): boolean {
  return t !== undefined && (t.status === 'success' || (t.status === 'skipped' && t.reason === 'condition-false'));
}

export function latestAttempt(t: TaskState): AttemptState | undefined {
  return t.attempts[t.attempts.length - 1];
}
