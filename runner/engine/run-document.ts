// The `cairn show --json` document (SPEC §5; its field names are a contract),
// built from a run's state. Staleness compares each success's fingerprint
// with what the workflow file would run now.
import type { RunState } from '../store/run-state';
import { latestAttempt, latestVars, shownValue } from '../store/run-state';
import type { TaskStatus } from './events';
import { loadRunWorkflow } from './load-workflow';
import { restoreVars } from './run-vars';
import { staleTasks } from './task-context';

export interface AttemptDocument {
  readonly attempt: number;
  readonly resume: number;
  readonly status: string;
  readonly exitCode: number | null;
  readonly reason: string | null;
  readonly revision: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly durationMs: number | null;
  readonly command: string;
  readonly log: string;
  readonly message?: string;
}

export interface TaskDocument {
  readonly id: string;
  readonly type: 'task' | 'forensic';
  readonly status: TaskStatus;
  readonly reason: string | null;
  readonly attempt: number;
  readonly stale: boolean;
  readonly staleReasons: readonly string[];
  readonly attempts: readonly AttemptDocument[];
}

export interface RunDocument {
  readonly id: string;
  readonly workflow: string;
  readonly file: string;
  readonly status: string;
  readonly message?: string;
  readonly mode: string;
  readonly parallel: number;
  readonly resumes: number;
  readonly createdAt: string;
  readonly endedAt: string | null;
  readonly vars: Readonly<Record<string, string>>;
  readonly tasks: readonly TaskDocument[];
}

/**
 * Staleness of each succeeded task, by id. Best effort: when the file is gone
 * or invalid, or a secret is not available, nothing is reported stale.
 */
export async function computeStaleness(state: RunState, storeRoot: string, env: Readonly<Record<string, string | undefined>>): Promise<Map<string, string[]>> {
  try {
    const loaded = await loadRunWorkflow(storeRoot, state);
    return await staleTasks(loaded, state, restoreVars(loaded.workflow, state, env));
  } catch {
    // No verdict is better than a wrong one.
    return new Map();
  }
}

export function runDocument(state: RunState, stale: ReadonlyMap<string, readonly string[]> = new Map()): RunDocument {
  const vars: Record<string, string> = {};
  for (const [name, s] of latestVars(state)) vars[name] = shownValue(s);
  const types = new Map(state.structure.map((s) => [s.id, s.type]));
  const tasks: TaskDocument[] = [...state.tasks.values()].map((t) => {
    const reasons = stale.get(t.id) ?? [];
    return {
      id: t.id,
      type: types.get(t.id) ?? 'task',
      status: t.status,
      reason: t.reason,
      attempt: latestAttempt(t)?.attempt ?? 0,
      stale: reasons.length > 0,
      staleReasons: reasons,
      attempts: t.attempts.map((a) => ({
        attempt: a.attempt,
        resume: a.resume,
        status: a.status,
        exitCode: a.outcome?.exitCode ?? null,
        reason: a.outcome?.reason ?? null,
        revision: a.revision,
        startedAt: a.startedAt,
        endedAt: a.endedAt ?? null,
        durationMs: a.durationMs ?? null,
        command: a.command,
        log: a.log,
        ...(a.outcome?.message !== undefined ? { message: a.outcome.message } : {}),
      })),
    };
  });
  return {
    id: state.id,
    workflow: state.workflow,
    file: state.file,
    status: state.status,
    ...(state.statusMessage !== undefined ? { message: state.statusMessage } : {}),
    mode: state.mode,
    parallel: state.parallel,
    resumes: state.resumes.length,
    createdAt: state.createdAt,
    endedAt: state.endedAt ?? null,
    vars,
    tasks,
  };
}
