// What the Cairn sidebar shows (SPEC §6 "Sidebar"), as plain data: Runs (runs of the workspace, newest first
// → tasks → attempts) and Variables (each variable of the selected run → its snapshots over time). sidebar.ts
// turns these into tree items; keeping them pure lets them be tested in plain node (test/client/).
import { isDriven, isResumable } from '../runner/engine/events';
import type { RunSummary, VarRow } from '../runner/engine/queries';
import type { AttemptDocument, RunDocument, TaskDocument } from '../runner/engine/run-document';
import { formatDuration } from '../runner/model/duration';

/** A codicon id for a status (ThemeIcon), and a colour id to tint it. */
export interface Icon {
  readonly id: string;
  readonly color?: string;
}

export interface NodeView {
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly icon?: Icon;
  /** Which context actions apply (package.json menus match on it). */
  readonly contextValue: string;
  readonly collapsible: boolean;
}

export function statusIcon(status: string): Icon | undefined {
  switch (status) {
    case 'success':
      return { id: 'pass-filled', color: 'testing.iconPassed' };
    case 'failed':
    case 'interrupted':
      return { id: 'error', color: 'testing.iconFailed' };
    case 'running':
    case 'resuming':
      return { id: 'sync~spin', color: 'debugIcon.startForeground' };
    case 'cancelled':
      return { id: 'circle-slash', color: 'disabledForeground' };
    case 'skipped':
      return { id: 'debug-step-over', color: 'disabledForeground' };
    case 'pending':
      return { id: 'circle-large-outline' };
    default:
      return undefined;
  }
}

/** `2026-11-21 15:30` from an ISO time, as `cairn runs` prints it. */
const shortTime = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

export function runView(r: RunSummary): NodeView {
  const counts = Object.entries(r.tasks)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const resumes = r.resumes > 0 ? ` · ${r.resumes} resume${r.resumes === 1 ? '' : 's'}` : '';
  return {
    label: `${r.workflow} · ${r.status}`,
    description: `${shortTime(r.createdAt)} · ${r.id}`,
    tooltip: `run ${r.id} of ${r.file}: ${r.status}${resumes}\ntasks: ${counts}\nstarted ${r.createdAt}${r.endedAt ? `, ended ${r.endedAt}` : ''}`,
    ...optionalIcon(statusIcon(r.status)),
    contextValue: isResumable(r.status) ? 'cairn.run.resumable' : isDriven(r.status) ? 'cairn.run.running' : 'cairn.run',
    collapsible: true,
  };
}

export function taskView(run: RunDocument, t: TaskDocument): NodeView {
  const last = t.attempts.at(-1);
  const parts = [t.attempts.length > 0 ? `attempt ${t.attempt}` : undefined, last?.durationMs != null ? formatDuration(last.durationMs) : undefined, t.reason ?? undefined, t.stale ? 'stale' : undefined].filter((x): x is string => x !== undefined);
  const driven = isDriven(run.status);
  return {
    label: t.id,
    description: parts.join(' · '),
    tooltip: `${t.id}: ${t.status}${t.reason ? ` (${t.reason})` : ''}${t.stale ? `\nstale: ${t.staleReasons.join(', ')}` : ''}`,
    ...optionalIcon(t.stale ? { id: 'warning', color: 'list.warningForeground' } : statusIcon(t.status)),
    // Re-run applies to a task that ran, of a run not being driven; forensic tasks follow their target.
    contextValue: !driven && t.type !== 'forensic' && t.attempts.length > 0 ? 'cairn.task.rerunnable' : 'cairn.task',
    collapsible: t.attempts.length > 0,
  };
}

export function attemptView(a: AttemptDocument): NodeView {
  const parts = [a.resume > 0 ? `resume ${a.resume}` : 'first run', a.durationMs !== null ? formatDuration(a.durationMs) : undefined, a.exitCode !== null && a.exitCode !== 0 ? `exit ${a.exitCode}` : undefined, a.reason ?? undefined].filter((x): x is string => x !== undefined);
  return {
    label: `attempt ${a.attempt} · ${a.status}`,
    description: parts.join(' · '),
    tooltip: `${a.command}\nrevision ${a.revision}, started ${a.startedAt}${a.message ? `\n${a.message}` : ''}`,
    ...optionalIcon(statusIcon(a.status)),
    contextValue: 'cairn.attempt',
    collapsible: false,
  };
}

/** The variables of a run: each name once, newest value first in its history (rows as `cairn vars --history` gives them). */
export function variablesOf(rows: readonly VarRow[]): { readonly name: string; readonly latest: VarRow; readonly history: readonly VarRow[] }[] {
  const byName = new Map<string, VarRow[]>();
  for (const r of [...rows].sort((a, b) => a.seq - b.seq)) {
    const list = byName.get(r.name) ?? [];
    list.push(r);
    byName.set(r.name, list);
  }
  return [...byName].map(([name, list]) => ({ name, latest: list[list.length - 1]!, history: [...list].reverse() }));
}

export function variableView(v: { readonly name: string; readonly latest: VarRow; readonly history: readonly VarRow[] }): NodeView {
  return {
    label: v.name,
    description: v.latest.value,
    tooltip: `${v.name} = ${v.latest.value}\n${whereSet(v.latest)}; ${v.history.length} snapshot${v.history.length === 1 ? '' : 's'}`,
    icon: { id: 'symbol-variable' },
    contextValue: 'cairn.variable',
    collapsible: v.history.length > 0,
  };
}

export function snapshotView(r: VarRow): NodeView {
  return {
    label: r.value,
    description: `${whereSet(r)} · ${shortTime(r.at)}`,
    tooltip: `${r.name} = ${r.value}\n${whereSet(r)} at ${r.at}`,
    icon: { id: 'history' },
    contextValue: 'cairn.snapshot',
    collapsible: false,
  };
}

function whereSet(r: VarRow): string {
  if (r.task !== null) return `set by ${r.task}${r.attempt !== null ? ` (attempt ${r.attempt})` : ''}`;
  if (r.source === 'override') return 'overridden by --var on a resume';
  if (r.source === 'editor') return 'overridden for the next resume';
  return `from ${r.source}`;
}

function optionalIcon(icon: Icon | undefined): { icon?: Icon } {
  return icon ? { icon } : {};
}
