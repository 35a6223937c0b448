// The messages between the run view (a webview) and the extension: one discriminated union each way, imported by
// both bundles (CONVENTIONS habit 3). Each side checks what it receives before use. The extension trusts nothing
// a webview sends (it maps only these intents to actions); the view checks what it is sent, so a bug on the other
// side shows as a message, not as a half-drawn run.
import type { RunEvent } from '../runner/engine/events';

/** Names a run: its store (`.cairn` folder) and id. */
export interface ViewRun {
  readonly store: string;
  readonly runId: string;
}

/** Extension → view. */
export type ToView =
  /** Everything recorded so far (the view starts over from it): on open, after a reload, or when the journal was replaced. */
  | { readonly type: 'init'; readonly run: ViewRun; readonly events: readonly RunEvent[]; readonly driverAlive: boolean; readonly trusted: boolean }
  /** Events recorded since, in order. */
  | { readonly type: 'events'; readonly events: readonly RunEvent[]; readonly driverAlive: boolean }
  /** Why each succeeded task would not be the same now (SPEC §3.6), for every task: a task absent is fresh. */
  | { readonly type: 'stale'; readonly stale: readonly (readonly [task: string, reasons: readonly string[]])[] }
  | { readonly type: 'trust'; readonly trusted: boolean }
  /** The task a debug session holds (before it starts, or after it failed), or null: none. */
  | { readonly type: 'paused'; readonly task: string | null }
  /** The run cannot be shown (gone, unreadable): said in the view. */
  | { readonly type: 'problem'; readonly message: string };

/** View → extension: the handshake and the intents SPEC §6 "Run view" allows. */
export type FromView =
  | { readonly type: 'ready' }
  | { readonly type: 'resume' }
  | { readonly type: 'rerun'; readonly task: string; readonly downstream: boolean }
  | { readonly type: 'cancel' }
  | { readonly type: 'openTask'; readonly task: string }
  | { readonly type: 'openLog'; readonly task: string; readonly attempt: number }
  | { readonly type: 'diff'; readonly task: string; readonly attempt: number };

/** What the view keeps with `setState` so that it is restored after a window reload (the serializer reads it). */
export interface ViewState {
  readonly run: ViewRun;
  readonly selected?: string;
}

// ── checking ─────────────────────────────────────────────────────────────────────────────────────────────────

type Fields = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 4096;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

/** Refuses fields a message of this type does not have: what is not declared never reaches a handler. */
function onlyFields(m: Fields, allowed: readonly string[]): string | undefined {
  for (const k of Object.keys(m)) if (k !== 'type' && !allowed.includes(k)) return `unknown field "${k}" in a ${String(m.type)} message`;
  return undefined;
}

/** A message from the view, or why it is refused. */
export function parseFromView(m: unknown): FromView | string {
  if (!isObject(m) || typeof m.type !== 'string') return 'a message must be an object with a type';
  const problem = (fields: readonly string[], ok: boolean, what: string): string | undefined => onlyFields(m, fields) ?? (ok ? undefined : what);
  let p: string | undefined;
  switch (m.type) {
    case 'ready':
    case 'resume':
    case 'cancel':
      p = problem([], true, '');
      break;
    case 'rerun':
      p = problem(['task', 'downstream'], isText(m.task) && typeof m.downstream === 'boolean', 'rerun needs a task and downstream true or false');
      break;
    case 'openTask':
      p = problem(['task'], isText(m.task), 'openTask needs a task');
      break;
    case 'openLog':
    case 'diff':
      p = problem(['task', 'attempt'], isText(m.task) && isCount(m.attempt), `${m.type} needs a task and an attempt number >= 1`);
      break;
    default:
      return `unknown message type "${m.type.slice(0, 40)}"`;
  }
  return p ?? (m as FromView);
}

const EVENT_TYPES: ReadonlySet<string> = new Set<RunEvent['type']>([
  'run-created',
  'revision-added',
  'run-status',
  'resume-started',
  'rerun-started',
  'task-status',
  'attempt-started',
  'attempt-ended',
  'var-set',
]);

/** The fields the view reads from each event, by type: enough that folding one never meets a hole. */
function eventProblem(e: unknown, i: number): string | undefined {
  if (!isObject(e) || !isCount(e.seq) || typeof e.type !== 'string' || !EVENT_TYPES.has(e.type) || typeof e.at !== 'string') {
    return `event ${i} is not a run event (seq, type, at)`;
  }
  const strings = (...keys: string[]): boolean => keys.every((k) => typeof e[k] === 'string');
  const arrays = (...keys: string[]): boolean => keys.every((k) => Array.isArray(e[k]));
  const ok = ((): boolean => {
    switch (e.type as RunEvent['type']) {
      case 'run-created':
        return strings('runId', 'workflow', 'file', 'revision') && arrays('structure') && isObject(e.cliVars);
      case 'resume-started':
        return strings('revision') && arrays('structure', 'kept', 'rerun');
      case 'rerun-started':
        return strings('revision', 'task') && arrays('rerun');
      case 'task-status':
        return strings('task', 'status');
      case 'attempt-started':
        return strings('task', 'revision', 'command') && isCount(e.attempt);
      case 'attempt-ended':
        return strings('task') && isCount(e.attempt) && isObject(e.outcome) && typeof e.durationMs === 'number';
      case 'var-set':
        return strings('name') && (e.value === null || typeof e.value === 'string');
      case 'revision-added':
      case 'run-status':
        return true;
    }
  })();
  return ok ? undefined : `event ${i} (${e.type}, seq ${String(e.seq)}) lacks a field the view needs`;
}

function eventsProblem(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'events must be a list';
  for (let i = 0; i < v.length; i++) {
    const p = eventProblem(v[i], i);
    if (p !== undefined) return p;
  }
  return undefined;
}

const isRun = (v: unknown): v is ViewRun => isObject(v) && isText(v.store) && isText(v.runId);

/** A message from the extension, or why the view refuses it. */
export function parseToView(m: unknown): ToView | string {
  if (!isObject(m) || typeof m.type !== 'string') return 'a message must be an object with a type';
  let p: string | undefined;
  switch (m.type) {
    case 'init':
      p = onlyFields(m, ['run', 'events', 'driverAlive', 'trusted']) ?? (isRun(m.run) ? undefined : 'init needs the run') ?? eventsProblem(m.events);
      p ??= typeof m.driverAlive === 'boolean' && typeof m.trusted === 'boolean' ? undefined : 'init needs driverAlive and trusted';
      break;
    case 'events':
      p = onlyFields(m, ['events', 'driverAlive']) ?? eventsProblem(m.events) ?? (typeof m.driverAlive === 'boolean' ? undefined : 'events needs driverAlive');
      break;
    case 'stale': {
      const ok = Array.isArray(m.stale) && m.stale.every((x) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && Array.isArray(x[1]) && x[1].every((r) => typeof r === 'string'));
      p = onlyFields(m, ['stale']) ?? (ok ? undefined : 'stale must be a list of [task, reasons]');
      break;
    }
    case 'trust':
      p = onlyFields(m, ['trusted']) ?? (typeof m.trusted === 'boolean' ? undefined : 'trust needs trusted');
      break;
    case 'paused':
      p = onlyFields(m, ['task']) ?? (m.task === null || isText(m.task) ? undefined : 'paused needs a task (or null)');
      break;
    case 'problem':
      p = onlyFields(m, ['message']) ?? (typeof m.message === 'string' ? undefined : 'problem needs a message');
      break;
    default:
      return `unknown message type "${m.type.slice(0, 40)}"`;
  }
  return p ?? (m as ToView);
}

/** The state a serializer is handed back after a reload, or undefined when it is not one the view wrote. */
export function parseViewState(v: unknown): ViewState | undefined {
  if (!isObject(v) || !isRun(v.run)) return undefined;
  return { run: { store: v.run.store, runId: v.run.runId }, ...(isText(v.selected) ? { selected: v.selected } : {}) };
}
