// Human output of run / resume / rerun: one line per task change, from
// durable events only, and on a terminal a progress line kept at the bottom.
import type { RunEvent } from '../engine/events';
import { formatDuration } from '../model/duration';
import type { RunState } from '../store/run-state';
import { monotonicMs } from '../exec/monotonic';

export interface PrinterOutput {
  write(s: string): void;
  /** A terminal: the progress line is drawn and redrawn in place. */
  readonly isTTY: boolean;
  readonly columns?: number;
}

/**
 * How stale the progress line's counts may be. Counting visits every task, and a run of short tasks ends
 * hundreds a second: a 10,000-task run counted per event batch took 10^8 steps for a line nobody can read
 * that fast. The line is still redrawn under each printed line, with the last counts.
 */
const RECOUNT_MS = 100;

export class ProgressPrinter {
  private progressShown = false;
  private readonly running = new Set<string>();
  private counts = { done: 0, total: 0, at: -Infinity };
  /** A redraw with fresh counts, due when the last ones were reused. */
  private recount: NodeJS.Timeout | undefined;

  constructor(private readonly out: PrinterOutput) {}

  onEvents = (events: readonly RunEvent[], state: RunState): void => {
    this.clearProgress();
    for (const e of events) {
      const line = this.describe(e, state);
      if (line !== undefined) this.out.write(line + '\n');
    }
    this.drawProgress(state);
  };

  private describe(e: RunEvent, state: RunState): string | undefined {
    switch (e.type) {
      case 'resume-started':
        return e.kept.map((id) => `→ ${id} (skipped — already succeeded)`).join('\n') || undefined;
      case 'attempt-started':
        this.running.add(e.task);
        return undefined;
      case 'attempt-ended': {
        this.running.delete(e.task);
        const o = e.outcome;
        const nth = e.attempt > 1 ? ` (attempt ${e.attempt})` : '';
        switch (o.status) {
          case 'success':
            return `✓ ${e.task} ${formatDuration(e.durationMs)}${nth}`;
          case 'failed': {
            const why =
              o.reason === 'exit' ? `exit ${o.exitCode ?? '?'}` : o.reason === 'signal' ? `killed by ${o.signal ?? 'a signal'}` : o.reason === 'timeout' ? 'timed out' : `${o.reason ?? 'failed'}: ${o.message ?? ''}`;
            return `✗ ${e.task} (${why})${nth}`;
          }
          case 'cancelled':
            return `✗ ${e.task} (cancelled)${nth}`;
          case 'interrupted':
            return `! ${e.task} (interrupted: ${o.message ?? 'its driver stopped'})`;
          default: {
            const never: never = o.status;
            return String(never);
          }
        }
      }
      case 'task-status':
        if (e.status === 'cancelled') return `✗ ${e.task} (cancelled — ${e.reason === 'upstream-failed' ? 'dependency failed' : 'run cancelled'})`;
        if (e.status === 'skipped' && e.reason === 'condition-false') return `→ ${e.task} (skipped — condition false)`;
        return undefined;
      case 'run-status':
        return this.runLine(e.status, state);
      case 'run-created':
      case 'revision-added':
      case 'rerun-started':
      case 'var-set':
        return undefined;
      default: {
        const never: never = e;
        return String(never);
      }
    }
  }

  private runLine(status: string, state: RunState): string | undefined {
    const n = state.resumes.length;
    const which = n > 0 ? ` (${state.resumes[n - 1]!.kind === 'rerun' ? 'rerun' : 'resume'} ${n})` : '';
    switch (status) {
      case 'success':
        return `run ${state.id} succeeded${which}`;
      case 'failed':
        return `run ${state.id} failed${which} — fix it, then: cairn resume ${state.id}`;
      case 'cancelled':
        return `run ${state.id} cancelled${which} — continue it with: cairn resume ${state.id}`;
      case 'interrupted':
        return `run ${state.id} was interrupted; resuming it`;
      default:
        return undefined;
    }
  }

  private clearProgress(): void {
    if (this.progressShown) this.out.write('\r\x1b[2K');
    this.progressShown = false;
  }

  private drawProgress(state: RunState): void {
    if (!this.out.isTTY || this.running.size === 0) return;
    const { done, total } = this.countsOf(state);
    const names = [...this.running].join(', ');
    const line = `  ${done}/${total} done · running ${names}`;
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    this.out.write(line.length > width ? line.slice(0, width - 1) + '…' : line);
    this.progressShown = true;
  }

  /** Done and total tasks, counted at most every RECOUNT_MS; a later redraw with fresh counts when reused. */
  private countsOf(state: RunState): { done: number; total: number } {
    const now = monotonicMs();
    if (now - this.counts.at < RECOUNT_MS) {
      this.recount ??= setTimeout(() => {
        this.recount = undefined;
        this.clearProgress();
        this.drawProgress(state);
      }, RECOUNT_MS).unref();
      return this.counts;
    }
    let done = 0;
    for (const t of state.tasks.values()) if (t.status !== 'pending' && t.status !== 'running') done++;
    this.counts = { done, total: state.tasks.size, at: now };
    return this.counts;
  }

  /** Removes the progress line (before the process exits). */
  finish(): void {
    clearTimeout(this.recount);
    this.recount = undefined;
    this.clearProgress();
  }
}
