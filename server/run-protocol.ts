// The custom LSP messages for running workflows, declared once and imported by both the language server and
// the extension (CONVENTIONS habit 3). The two sides link different versions of vscode-jsonrpc (the server's
// library pins its own), so a message is declared by its method name and its types in the maps below, and each
// side wraps its connection in a function typed by them. What arrives is checked by `checkParams` before use:
// the server trusts nothing that comes over the wire.
import * as path from 'node:path';
import type { ExecMode, RunEvent, RunStatus, TaskStatus } from '../runner/engine/events';
import { VAR_NAME } from '../runner/model/schema';
import type { RunDetails, RunSummary, VarRow } from '../runner/engine/queries';

/** Starts a run of the workflow file at `uri` in the language server's in-process engine. */
export interface RunParams {
  readonly uri: string;
  readonly vars?: Readonly<Record<string, string>>;
  readonly mode?: ExecMode;
  readonly parallel?: number;
}

/** A run the server drives (or refused): where its store is, so later messages can name it. */
export interface StartedRun {
  readonly runId: string;
  /** The store (`.cairn` folder) holding the run. */
  readonly store: string;
}

/** Names a run: the store it lives in and its id (a unique prefix will do). */
export interface RunRef {
  readonly store: string;
  readonly runId: string;
}

export interface ResumeParams extends RunRef {
  readonly vars?: Readonly<Record<string, string>>;
  readonly allowStructureChange?: boolean;
  readonly rerunStale?: boolean;
}

export interface RerunParams extends RunRef {
  readonly task: string;
  readonly downstream?: boolean;
}

export interface CancelResult {
  /** False when this server does not drive the run (finished, or driven by another process). */
  readonly cancelled: boolean;
}

/** The runs of the store serving a workflow file (or a folder: the store its files would use), newest first. */
export interface ListRunsParams {
  readonly uri: string;
}

export interface ListRunsResult {
  /** Absent when no store serves the file yet. */
  readonly store?: string;
  readonly runs: readonly RunSummary[];
}

export interface VarHistoryParams extends RunRef {
  readonly task?: string;
}

/** Overrides a variable of a run for its next resume or re-run (recorded in the run's journal). */
export interface OverrideVarParams extends RunRef {
  readonly name: string;
  /** May be empty. */
  readonly value: string;
}

/** Reads a run's journal after a byte (0 or an earlier answer's endByte): how the run view follows a run. */
export interface RunEventsParams extends RunRef {
  readonly fromByte?: number;
}

export interface RunEventsResult {
  readonly events: readonly RunEvent[];
  readonly endByte: number;
  /** A process drives the run now. A run recorded as running without one was interrupted. */
  readonly driverAlive: boolean;
  /** The journal was replaced since `fromByte` (shorter than it): these events are all of it, from the start. */
  readonly restarted: boolean;
}

/** Durable events of a run this server drives, in order, as they are recorded. */
export interface RunEventParams extends RunRef {
  readonly events: readonly RunEvent[];
}

/** Text for the run's terminal: the CLI's line per task change and each task's output, `[task] line`. */
export interface RunOutputParams extends RunRef {
  readonly text: string;
}

/** A run this server drove is over: its final status, or why it stopped. */
export interface RunEndedParams extends RunRef {
  readonly status: string;
  readonly error?: string;
}

/** The marks beside a workflow's tasks: their status in the latest run of the file. */
export interface TaskMarksParams {
  readonly uri: string;
}

export interface TaskMark {
  readonly task: string;
  /** 0-based line of the task's id (its `[tasks.X]` header). */
  readonly line: number;
  readonly status: TaskStatus;
  readonly reason: string | null;
  readonly attempts: number;
  /** Why a task that succeeded would not be the same now ("command changed", "src/a.txt changed"); empty when fresh. */
  readonly stale: readonly string[];
}

export interface TaskMarksResult {
  /** Absent when the file has no run. */
  readonly store?: string;
  readonly runId?: string;
  readonly runStatus?: RunStatus;
  readonly tasks: readonly TaskMark[];
}

export interface CairnRequests {
  'cairn/run': { params: RunParams; result: StartedRun };
  'cairn/resume': { params: ResumeParams; result: StartedRun };
  'cairn/rerun': { params: RerunParams; result: StartedRun };
  'cairn/cancel': { params: RunRef; result: CancelResult };
  'cairn/listRuns': { params: ListRunsParams; result: ListRunsResult };
  'cairn/getRun': { params: RunRef; result: RunDetails };
  'cairn/varHistory': { params: VarHistoryParams; result: VarRow[] };
  'cairn/runEvents': { params: RunEventsParams; result: RunEventsResult };
  'cairn/overrideVar': { params: OverrideVarParams; result: VarRow };
  'cairn/taskMarks': { params: TaskMarksParams; result: TaskMarksResult };
}

export interface CairnNotifications {
  'cairn/runEvent': RunEventParams;
  'cairn/runOutput': RunOutputParams;
  'cairn/runEnded': RunEndedParams;
}

export type CairnRequest = keyof CairnRequests;

// ── checking what arrives ────────────────────────────────────────────────────────────────────────────────

type Check = (value: unknown, at: string) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const string: Check = (v, at) => (typeof v === 'string' && v.length > 0 ? undefined : `${at} must be a non-empty string`);
const boolean: Check = (v, at) => (typeof v === 'boolean' ? undefined : `${at} must be true or false`);
const positiveInt: Check = (v, at) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? undefined : `${at} must be a whole number >= 1`);
const varName: Check = (v, at) => (typeof v === 'string' && VAR_NAME.test(v) ? undefined : `${at} must be a variable name (letters, digits and _, not starting with a digit)`);
const anyString: Check = (v, at) => (typeof v === 'string' ? undefined : `${at} must be a string`);
const byteOffset: Check = (v, at) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? undefined : `${at} must be a whole number >= 0`);
const mode: Check = (v, at) => (v === 'eager' || v === 'levels' ? undefined : `${at} must be "eager" or "levels"`);
/** --var values: names as the CLI takes them (they become $CAIRN_VAR_<name>), values strings. */
const varMap: Check = (v, at) => {
  if (!isObject(v)) return `${at} must be an object of strings`;
  for (const [k, x] of Object.entries(v)) {
    if (!VAR_NAME.test(k)) return `${at}: "${k}" is not a variable name (letters, digits and _, not starting with a digit)`;
    if (typeof x !== 'string') return `${at}.${k} must be a string`;
  }
  return undefined;
};
const absolutePath: Check = (v, at) => (typeof v === 'string' && path.isAbsolute(v) ? undefined : `${at} must be an absolute path`);

/** Each field: its check, and whether it may be absent. */
type Shape = Readonly<Record<string, readonly [Check, 'required' | 'optional']>>;

const REF: Shape = { store: [absolutePath, 'required'], runId: [string, 'required'] };

const SHAPES: { readonly [M in CairnRequest]: Shape } = {
  'cairn/run': { uri: [string, 'required'], vars: [varMap, 'optional'], mode: [mode, 'optional'], parallel: [positiveInt, 'optional'] },
  'cairn/resume': { ...REF, vars: [varMap, 'optional'], allowStructureChange: [boolean, 'optional'], rerunStale: [boolean, 'optional'] },
  'cairn/rerun': { ...REF, task: [string, 'required'], downstream: [boolean, 'optional'] },
  'cairn/cancel': REF,
  'cairn/listRuns': { uri: [string, 'required'] },
  'cairn/getRun': REF,
  'cairn/varHistory': { ...REF, task: [string, 'optional'] },
  'cairn/runEvents': { ...REF, fromByte: [byteOffset, 'optional'] },
  'cairn/overrideVar': { ...REF, name: [varName, 'required'], value: [anyString, 'required'] },
  'cairn/taskMarks': { uri: [string, 'required'] },
};

/** Why `params` is not what `method` takes, or undefined when it is. Unknown fields are refused too. */
export function checkParams<M extends CairnRequest>(method: M, params: unknown): params is CairnRequests[M]['params'] {
  return paramsProblem(method, params) === undefined;
}

export function paramsProblem(method: CairnRequest, params: unknown): string | undefined {
  const shape = SHAPES[method];
  if (!isObject(params)) return `${method}: params must be an object`;
  for (const key of Object.keys(params)) if (!Object.hasOwn(shape, key)) return `${method}: unknown field "${key}"`;
  for (const [key, [check, presence]] of Object.entries(shape)) {
    const v = params[key];
    if (v === undefined) {
      if (presence === 'required') return `${method}: "${key}" is missing`;
      continue;
    }
    const problem = check(v, key);
    if (problem !== undefined) return `${method}: ${problem}`;
  }
  return undefined;
}
