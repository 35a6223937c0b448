// The run view's state: the run folded from its events by the engine's own reducer (runner/store/run-state.ts,
// so the view and `cairn show` never disagree), plus what only the view knows (kept tasks, staleness, the
// selection, trust). `receive` applies a message and says what changed, so a frame redraws only that; the
// functions below derive what a node, the toolbar and the details panel show. Pure: tested in node.
import { isDriven, isResumable, type RunEvent, type RunStatus, type TaskShape, type TaskStatus } from '../runner/engine/events';
import { formatDuration } from '../runner/model/duration';
import { reasonWords } from '../runner/engine/status-words';
import { applyEvent, emptyRunState, latestAttempt, shownValue, type RunState, type TaskState } from '../runner/store/run-state';
import type { ToView, ViewRun } from './run-view-messages';

export interface RunView {
  run: ViewRun | undefined;
  state: RunState;
  driverAlive: boolean;
  trusted: boolean;
  /** Tasks the latest resume kept (they succeeded before and did not run again). */
  kept: Set<string>;
  /** Stale reasons of succeeded tasks, as last computed by the extension. */
  stale: Map<string, readonly string[]>;
  selected: string | undefined;
  problem: string | undefined;
  /** The task a debug session holds, shown as paused. */
  paused: string | undefined;
  /** The structure indexed (built when first needed after it changes): a 10,000-task run is not scanned per node. */
  index: StructureIndex | undefined;
}

interface StructureIndex {
  readonly of: readonly TaskShape[];
  readonly shapes: ReadonlyMap<string, TaskShape>;
  readonly dependents: ReadonlyMap<string, readonly string[]>;
}

function indexOf(view: RunView): StructureIndex {
  const structure = view.state.structure;
  if (view.index?.of === structure) return view.index;
  const shapes = new Map<string, TaskShape>();
  const dependents = new Map<string, string[]>();
  const link = (from: string, to: string): void => {
    const list = dependents.get(from) ?? [];
    if (!list.includes(to)) list.push(to);
    dependents.set(from, list);
  };
  for (const s of structure) {
    shapes.set(s.id, s);
    for (const d of s.deps) link(d, s.id);
    if (s.target !== undefined) link(s.target, s.id);
  }
  view.index = { of: structure, shapes, dependents };
  return view.index;
}

/** What a message changed: a frame lays out again only when the structure changed, and redraws only these tasks. */
export interface Changes {
  layout: boolean;
  run: boolean;
  readonly tasks: Set<string>;
}

export function newRunView(): RunView {
  return { run: undefined, state: emptyRunState(), driverAlive: false, trusted: false, kept: new Set(), stale: new Map(), selected: undefined, problem: undefined, paused: undefined, index: undefined };
}

export const noChanges = (): Changes => ({ layout: false, run: false, tasks: new Set() });

export function mergeChanges(into: Changes, c: Changes): void {
  into.layout ||= c.layout;
  into.run ||= c.run;
  for (const t of c.tasks) into.tasks.add(t);
}

/** Applies a message from the extension to the view in place. */
export function receive(view: RunView, m: ToView): Changes {
  const changes = noChanges();
  switch (m.type) {
    case 'init':
      view.run = m.run;
      view.state = emptyRunState();
      view.kept = new Set();
      view.stale = new Map();
      view.trusted = m.trusted;
      view.driverAlive = m.driverAlive;
      view.problem = undefined;
      for (const e of m.events) applyOne(view, e, changes);
      if (view.selected !== undefined && !view.state.tasks.has(view.selected)) view.selected = undefined;
      return { layout: true, run: true, tasks: new Set(view.state.tasks.keys()) };
    case 'events':
      view.driverAlive = m.driverAlive;
      changes.run = true;
      for (const e of m.events) applyOne(view, e, changes);
      return changes;
    case 'stale': {
      const next = new Map(m.stale.filter(([, reasons]) => reasons.length > 0));
      for (const id of new Set([...view.stale.keys(), ...next.keys()])) if (view.stale.get(id)?.join('\n') !== next.get(id)?.join('\n')) changes.tasks.add(id);
      view.stale = next;
      return changes;
    }
    case 'trust':
      view.trusted = m.trusted;
      changes.run = true;
      return changes;
    case 'paused': {
      const task = m.task ?? undefined;
      for (const id of [view.paused, task]) if (id !== undefined) changes.tasks.add(id);
      view.paused = task;
      return changes;
    }
    case 'problem':
      view.problem = m.message;
      changes.run = true;
      return changes;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}

function applyOne(view: RunView, e: RunEvent, changes: Changes): void {
  if (e.seq <= view.state.lastSeq) return; // already folded (an overlap between a read and a live batch)
  applyEvent(view.state, e);
  changes.run = true;
  switch (e.type) {
    case 'run-created':
      changes.layout = true;
      return;
    case 'resume-started':
      view.kept = new Set(e.kept);
      for (const id of view.state.tasks.keys()) changes.tasks.add(id);
      changes.layout = true;
      return;
    case 'rerun-started':
      for (const id of view.kept) changes.tasks.add(id);
      view.kept = new Set();
      return;
    case 'attempt-started':
      // It runs again: what it was kept as, or stale for, no longer holds.
      view.kept.delete(e.task);
      view.stale.delete(e.task);
      changes.tasks.add(e.task);
      return;
    case 'task-status':
    case 'attempt-ended':
      changes.tasks.add(e.task);
      return;
    case 'var-set':
      if (e.task !== undefined) changes.tasks.add(e.task);
      return;
    case 'revision-added':
    case 'run-status':
      return;
    default: {
      const never: never = e;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

// ── what is shown ───────────────────────────────────────────────────────────────────────────────────────────

/** The run's status as the store reads it: a run recorded as driven whose driver is gone was interrupted. */
export function shownRunStatus(view: RunView): RunStatus {
  const s = view.state.status;
  return isDriven(s) && !view.driverAlive ? 'interrupted' : s;
}

/**
 * How long the run's last drive took, once it ended: after a resume or re-run, that drive's time and which it
 * was ("60ms (resume 1)"); the run's whole span would count the hours before the resume. Undefined while it goes on.
 */
export function lastDriveTime(state: RunState): string | undefined {
  if (state.endedAt === undefined) return undefined;
  const last = state.resumes[state.resumes.length - 1];
  const ms = Date.parse(state.endedAt) - Date.parse(last?.at ?? state.createdAt);
  return `${formatDuration(Math.max(0, ms))}${last ? ` (${last.kind} ${last.resume})` : ''}`;
}

export function shownTaskStatus(view: RunView, t: TaskState): TaskStatus {
  return t.status === 'running' && shownRunStatus(view) === 'interrupted' ? 'interrupted' : t.status;
}

/** Why a task is where it is, in words ("exit 1", "dependency failed", "condition false"). */
export function reasonText(t: TaskState): string | undefined {
  return reasonWords(t.reason, latestAttempt(t)?.outcome);
}


export interface NodeFace {
  readonly status: TaskStatus;
  readonly kept: boolean;
  readonly stale: boolean;
  readonly forensic: boolean;
  /** A debug session holds it (before it starts, or after it failed). */
  readonly paused: boolean;
  /** The line under the task's id: duration, attempt, kept, stale, or why it did not run. */
  readonly detail: string;
  /** Said by a screen reader and shown as the tooltip. */
  readonly label: string;
}

/** What a task's node shows. `now` is for the running time of a running task. */
export function nodeFace(view: RunView, id: string, now: number): NodeFace {
  const t = view.state.tasks.get(id);
  const forensic = indexOf(view).shapes.get(id)?.type === 'forensic';
  if (!t) {
    const paused = view.paused === id;
    const detail = paused ? 'pending · paused' : 'pending';
    return { status: 'pending', kept: false, stale: false, forensic, paused, detail, label: `${id}: ${detail}` };
  }
  const status = shownTaskStatus(view, t);
  const a = latestAttempt(t);
  const kept = view.kept.has(id) && status === 'success';
  const stale = status === 'success' && (view.stale.get(id)?.length ?? 0) > 0;
  const parts: string[] = [];
  const why = reasonText(t);
  switch (status) {
    case 'running':
      parts.push(a ? `running ${formatDuration(Math.max(0, now - Date.parse(a.startedAt)))}` : 'running');
      break;
    case 'success':
      if (a?.durationMs !== undefined) parts.push(formatDuration(a.durationMs));
      break;
    case 'failed':
      parts.push(why ? `failed: ${why}` : 'failed');
      break;
    case 'cancelled':
    case 'skipped':
      parts.push(why ? `${status} — ${why}` : status);
      break;
    case 'pending':
    case 'interrupted':
      parts.push(status);
      break;
    default: {
      const never: never = status;
      parts.push(String(never));
    }
  }
  if (t.attempts.length > 1 || (a !== undefined && a.attempt > 1)) parts.push(`attempt ${a?.attempt ?? t.attempts.length}`);
  if (kept) parts.push('kept');
  if (stale) parts.push('stale');
  const paused = view.paused === id;
  if (paused) parts.push('paused');
  const detail = parts.join(' · ');
  return { status, kept, stale, forensic, paused, detail, label: `${id}: ${detail}` };
}

export interface Action {
  readonly enabled: boolean;
  /** Why it is disabled (a tooltip), or what it does. */
  readonly title: string;
}

/** The toolbar's actions, enabled only when SPEC §6 allows them. */
export function runActions(view: RunView): { readonly resume: Action; readonly cancel: Action } {
  const status = shownRunStatus(view);
  const untrusted = 'Trust this workspace to run, resume or re-run';
  return {
    resume: !view.trusted
      ? { enabled: false, title: untrusted }
      : isResumable(status)
        ? { enabled: true, title: `Resume from failure: keep what succeeded, run the rest${overridesText(view)}` }
        : { enabled: false, title: `Only a failed, cancelled or interrupted run can be resumed (this one is ${status})` },
    cancel: isDriven(status) ? { enabled: true, title: 'Cancel the run (it can be resumed later)' } : { enabled: false, title: `The run is ${status}: nothing to cancel` },
  };
}

function overridesText(view: RunView): string {
  const o = pendingOverrides(view);
  return o.length === 0 ? '' : `, with ${o.map((x) => `${x.name} = ${JSON.stringify(x.value)}`).join(', ')}`;
}

/** A task's re-run actions: on a run nobody drives, for a task that ran (a task that never ran waits for a resume). */
export function taskActions(view: RunView, id: string): { readonly rerun: Action; readonly rerunDownstream: Action } {
  const t = view.state.tasks.get(id);
  const status = shownRunStatus(view);
  const forensic = indexOf(view).shapes.get(id)?.type === 'forensic';
  let disabled: string | undefined;
  if (!view.trusted) disabled = 'Trust this workspace to run, resume or re-run';
  else if (isDriven(status)) disabled = 'The run is going on: re-run a task once it ends';
  else if (forensic) disabled = 'A forensic task runs only when its target fails';
  else if (!t || t.attempts.length === 0) disabled = `${id} never ran in this run: resume the run to run it`;
  if (disabled !== undefined) return { rerun: { enabled: false, title: disabled }, rerunDownstream: { enabled: false, title: disabled } };
  return {
    rerun: { enabled: true, title: `Run ${id} again with the workflow as it is now` },
    rerunDownstream: { enabled: true, title: `Run ${id} again, and every task after it` },
  };
}

export interface VarShown {
  readonly name: string;
  readonly value: string;
  readonly attempt: number | undefined;
  readonly at: string;
}

/** The variables a task registered (every snapshot, oldest first), secrets masked. */
export function taskVars(view: RunView, id: string): VarShown[] {
  return view.state.vars
    .filter((v) => v.task === id)
    .map((v) => ({ name: v.name, value: shownValue(v), attempt: v.attempt, at: v.at }));
}

/** Variables overridden in the editor since the latest resume or re-run: what the next one will use. */
export function pendingOverrides(view: RunView): { readonly name: string; readonly value: string }[] {
  const since = view.state.resumes[view.state.resumes.length - 1]?.seq ?? 0;
  const latest = new Map<string, string>();
  for (const v of view.state.vars) if (v.source === 'editor' && v.seq > since) latest.set(v.name, shownValue(v));
  return [...latest].map(([name, value]) => ({ name, value }));
}

/** The tasks a task depends on, and the tasks that depend on it: where the keyboard goes left and right. */
export function neighbours(view: RunView, id: string): { readonly deps: readonly string[]; readonly dependents: readonly string[] } {
  const { shapes, dependents } = indexOf(view);
  const shape = shapes.get(id);
  const deps = shape ? [...shape.deps, ...(shape.target !== undefined && !shape.deps.includes(shape.target) ? [shape.target] : [])] : [];
  return { deps, dependents: dependents.get(id) ?? [] };
}
