// What hovers may show about runs, injected by the host: the language service
// stays pure and answers from the definition alone when no provider is given.
// Synchronous on purpose: a hover is answered from the host's in-memory
// projection of store events, never by reading the store per keystroke.
import type { TaskStatus, VarSource } from '../../runner/engine/events';

export interface TaskRunInfo {
  readonly status: TaskStatus;
  /** Of the latest attempt; absent while it has not finished. */
  readonly durationMs?: number;
  readonly runId: string;
  readonly attempts?: number;
}

export interface VarValueInfo {
  /** null when the store never had it (secrets are never stored). */
  readonly value: string | null;
  /** The provider knows it is a secret; the workflow's `secret = true` masks it too. */
  readonly secret?: boolean;
  /** The task (and attempt) that set it, for registered and output variables. */
  readonly task?: string;
  readonly attempt?: number;
  readonly source?: VarSource;
  readonly runId?: string;
}

export interface RunInfoProvider {
  /** The task's state in the latest run of this workflow file. */
  taskStatus(uri: string, taskId: string): TaskRunInfo | undefined;
  /** The variable's latest value in the latest run of this workflow file. */
  latestValue(uri: string, varName: string): VarValueInfo | undefined;
}
