// The run journal's vocabulary. Events are the truth (CONVENTIONS habit 7):
// the store appends them durably, projects them into tables, and nothing is
// reported (printed, sent to the editor) before it is durable.

export type RunStatus = 'pending' | 'running' | 'resuming' | 'success' | 'failed' | 'cancelled' | 'interrupted';

/** What a resume can take up (SPEC §3.1): a run that failed, was cancelled or was interrupted. */
export function isResumable(status: string | undefined): boolean {
  return status === 'failed' || status === 'cancelled' || status === 'interrupted';
}

/** A run a process is driving now (or about to): nothing else may act on it. */
export function isDriven(status: string | undefined): boolean {
  return status === 'pending' || status === 'running' || status === 'resuming';
}

export type TaskStatus = 'pending' | 'running' | 'success' | 'failed' | 'cancelled' | 'interrupted' | 'skipped';

/** Why an attempt failed (SPEC §2). */
export type FailReason = 'exit' | 'signal' | 'timeout' | 'spawn' | 'template';

/** Why a task was cancelled without running. */
export type CancelReason = 'upstream-failed' | 'user';

/** Why a task was skipped. */
export type SkipReason = 'condition-false' | 'target-not-failed';

export type ExecMode = 'eager' | 'levels';

/**
 * Where a variable's value came from. `override`: --var given to a resume; `editor`: overridden in the editor
 * (or through the language server) for the run's next resume or re-run.
 */
export type VarSource = 'default' | 'env' | 'cli' | 'override' | 'editor' | 'register' | 'output';

export interface AttemptOutcome {
  readonly status: 'success' | 'failed' | 'cancelled' | 'interrupted';
  readonly reason: FailReason | CancelReason | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** A person-readable detail: the spawn error, the missing variable, … */
  readonly message?: string;
}

/** Everything that decides whether a succeeded attempt is stale (SPEC §3.6). */
export interface Fingerprint {
  /** The rendered command, secrets masked (past 4 KB, its sha256: see task-context.ts). */
  readonly command: string;
  /** The command as written (templates unexpanded; past 4 KB, its sha256): tells "command changed" from "variable changed". */
  readonly template: string;
  readonly dir: string;
  readonly shell: string;
  /** Env the task set itself (defaults + task + env_file), secrets masked; not the inherited environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Variables the task's templates and condition used, secrets masked. */
  readonly vars: Readonly<Record<string, string>>;
  /** Content hash of every file its `inputs` matched, by path relative to its dir. */
  readonly inputs: Readonly<Record<string, string>>;
}

interface Base {
  /** 1, 2, 3… within the run, gap-free: the projection uses it to know what it has applied. */
  readonly seq: number;
  /** ISO-8601 time the event was made. */
  readonly at: string;
}

export type RunEvent =
  | (Base & {
      readonly type: 'run-created';
      readonly runId: string;
      readonly workflow: string;
      /** The workflow file, relative to the store's parent folder (the workspace) when inside it. */
      readonly file: string;
      readonly revision: string;
      readonly mode: ExecMode;
      readonly parallel: number;
      /** The --var values given, secrets as "***" (they are asked for again on resume). */
      readonly cliVars: Readonly<Record<string, string>>;
      /** Task ids in declaration order with their deps and types: the structure resume compares. */
      readonly structure: readonly TaskShape[];
    })
  | (Base & { readonly type: 'revision-added'; readonly revision: string })
  | (Base & { readonly type: 'run-status'; readonly status: RunStatus; readonly message?: string })
  | (Base & {
      readonly type: 'resume-started';
      /** 1 for the first resume. */
      readonly resume: number;
      readonly revision: string;
      readonly mode: ExecMode;
      readonly parallel: number;
      /** --var values given to this resume, secrets as "***". */
      readonly overrides: Readonly<Record<string, string>>;
      readonly kept: readonly string[];
      readonly rerun: readonly string[];
      readonly structure: readonly TaskShape[];
    })
  | (Base & {
      readonly type: 'rerun-started';
      readonly resume: number;
      readonly revision: string;
      readonly task: string;
      readonly downstream: boolean;
      readonly rerun: readonly string[];
    })
  | (Base & { readonly type: 'task-status'; readonly task: string; readonly status: 'pending' | 'cancelled' | 'skipped' | 'interrupted'; readonly reason?: CancelReason | SkipReason })
  | (Base & {
      readonly type: 'attempt-started';
      readonly task: string;
      /** 1-based, per task, across the run's whole history. */
      readonly attempt: number;
      /** Which resume (0 = the original run) this attempt belongs to. */
      readonly resume: number;
      readonly revision: string;
      /** The rendered command, secrets masked. */
      readonly command: string;
      readonly dir: string;
      readonly log: string;
      readonly fingerprint: Fingerprint;
    })
  | (Base & {
      readonly type: 'attempt-ended';
      readonly task: string;
      readonly attempt: number;
      readonly outcome: AttemptOutcome;
      readonly durationMs: number;
      /** Last lines of the log, secrets masked (bounded). */
      readonly logTail: string;
    })
  | (Base & {
      readonly type: 'var-set';
      readonly name: string;
      /** The value, or null for a secret (never stored). */
      readonly value: string | null;
      readonly secret: boolean;
      readonly source: VarSource;
      readonly task?: string;
      readonly attempt?: number;
    });

export interface TaskShape {
  readonly id: string;
  readonly deps: readonly string[];
  readonly type: 'task' | 'forensic';
  readonly target?: string;
}

/** An event before the store numbers and stamps it. */
export type NewRunEvent = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'seq' | 'at'> : never) : never;

/** Shown wherever a secret value would be. */
export const MASK = '***';
