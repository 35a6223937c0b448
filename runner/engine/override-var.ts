// Overriding a run's variable for its next resume or re-run (SPEC §6 "Sidebar": "overridden for the next resume,
// the override is recorded"). It is recorded in the run's journal as a var-set whose source is `editor`; a resume
// or re-run restores it as it restores what tasks registered (run-vars.ts restoreVars), after them, so it wins
// over the value it replaces, until a task that runs again registers a new one.
import { RefusedError } from './load-workflow';
import type { VarRow } from './queries';
import { latestVars } from '../store/run-state';
import { RunStore } from '../store/run-store';

/** Longest value taken: a variable is a parameter, not a payload (a command line has to hold it). */
export const MAX_OVERRIDE_LENGTH = 64 * 1024;

/**
 * Records `name = value` for the run's next resume. Refused while a process drives the run (its lock), for a name
 * the run has no variable of, and for a secret (secrets are never stored: give it with --var when resuming).
 */
export async function overrideVar(root: string, runId: string, name: string, value: string, command = 'cairn override'): Promise<VarRow> {
  const store = await RunStore.openForWrite(root, runId, command);
  try {
    const vars = latestVars(store.state);
    checkOverride(runId, name, value, vars.get(name), [...vars.keys()]);
    const [e] = await store.append([{ type: 'var-set', name, value, secret: false, source: 'editor' }]);
    return { seq: e!.seq, name, value, source: 'editor', task: null, attempt: null, at: e!.at };
  } finally {
    await store.close();
  }
}

/**
 * Refuses (RefusedError) setting `name = value` from the editor on run `runId`, whose variable `name` is
 * `variable` (undefined: it has none; `names`: those it has): a value over MAX_OVERRIDE_LENGTH, an unknown name, a
 * secret (never stored, nor shown). The sidebar's override and the debugger's setVariable both ask here.
 */
export function checkOverride(runId: string, name: string, value: string, variable: { readonly secret: boolean } | undefined, names: readonly string[]): void {
  if (value.length > MAX_OVERRIDE_LENGTH) throw new RefusedError(`the value of "${name}" is ${value.length} characters long; at most ${MAX_OVERRIDE_LENGTH} are taken`);
  if (!variable) throw new RefusedError(`run ${runId} has no variable "${name}"${names.length > 0 ? `; its variables: ${names.join(', ')}` : ''}`);
  if (variable.secret) throw new RefusedError(`"${name}" is a secret, and secrets are never stored or shown: give it with --var ${name}=… when you resume`);
}
