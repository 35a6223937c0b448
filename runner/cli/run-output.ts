// The text of a run for the editor's terminal per run (SPEC §6 "Running": task output streams to an output
// channel or pseudo-terminal per run): the CLI's lines for each task change (the same ProgressPrinter, without its progress
// line) and what each task prints, line by line, prefixed with the task. Sent in batches: a task that prints
// fast would otherwise send a notification per chunk; and bounded: past `maxPendingChars` unsent, output is
// dropped with a line that says so (the task's log file keeps all of it).
import type { RunEvent } from '../engine/events';
import { ProgressPrinter } from './progress-printer';
import type { RunState } from '../store/run-state';

export interface RunOutputOptions {
  /** Called with each batch of text, in order. */
  readonly emit: (text: string) => void;
  readonly flushMs?: number;
  readonly maxPendingChars?: number;
}

/** What of an unfinished line is kept (as the log tail keeps per line). */
const MAX_LINE = 4096;

export class RunOutput {
  private pending: string[] = [];
  private pendingChars = 0;
  /** Output dropped since the last batch, by task. */
  private readonly dropped = new Map<string, number>();
  /** The unfinished last line each task printed. */
  private readonly partial = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly printer = new ProgressPrinter({ isTTY: false, write: (s) => this.push(s) });
  private readonly flushMs: number;
  private readonly maxPendingChars: number;

  constructor(private readonly opts: RunOutputOptions) {
    this.flushMs = opts.flushMs ?? 50;
    this.maxPendingChars = opts.maxPendingChars ?? 64 * 1024;
  }

  /** A batch of durable events: their lines go out at once, in one notification with what was pending. */
  onEvents(events: readonly RunEvent[], state: RunState): void {
    // A task's last unfinished line goes out before the line that says it ended.
    for (const e of events) if (e.type === 'attempt-ended') this.endLine(e.task);
    this.printer.onEvents(events, state);
    this.flush();
  }

  /** A note from the engine, in the CLI's words. */
  note(message: string): void {
    this.push(`cairn: note: ${message}\n`);
  }

  onOutput(task: string, chunk: string): void {
    const text = (this.partial.get(task) ?? '') + chunk;
    const cut = text.lastIndexOf('\n');
    if (cut === -1) {
      // A line that never ends (a progress bar redrawn with \r) is kept to its last MAX_LINE characters.
      this.partial.set(task, text.length > MAX_LINE ? text.slice(-MAX_LINE) : text);
      return;
    }
    this.partial.set(task, text.slice(cut + 1));
    const lines = text.slice(0, cut).split('\n');
    // Past the bound, the newest lines that still fit are shown (what the task is doing now) and the older ones
    // counted; a chunk of 64 KB is never all-or-nothing.
    const room = this.maxPendingChars - this.pendingChars;
    const shown: string[] = [];
    let size = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i] ?? '';
      const line = `[${task}] ${l.endsWith('\r') ? l.slice(0, -1) : l}\n`;
      if (size + line.length > room) break;
      shown.push(line);
      size += line.length;
    }
    const dropped = lines.length - shown.length;
    if (dropped > 0) {
      // Said before what is shown, so that the count sits where the lines it stands for were.
      this.dropped.set(task, (this.dropped.get(task) ?? 0) + dropped);
      this.schedule();
    }
    if (shown.length > 0) this.push(shown.reverse().join(''));
  }

  /** Sends what is pending now (and at the end of a run: every unfinished line). */
  flush(final = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (final) for (const task of [...this.partial.keys()]) this.endLine(task);
    this.flushDropped();
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.opts.emit(text);
  }

  /** Puts the "lines not shown" notes into what is pending (not counted against the bound: one line per task). */
  private flushDropped(): void {
    for (const [task, n] of this.dropped) this.pending.push(`[${task}] … ${n} line${n === 1 ? '' : 's'} not shown here (the task printed faster than the editor can show; its log has every line)\n`);
    this.dropped.clear();
  }

  private endLine(task: string): void {
    const rest = this.partial.get(task);
    this.partial.delete(task);
    if (rest !== undefined && rest.length > 0) this.push(`[${task}] ${rest}\n`);
  }

  private push(text: string): void {
    // What was dropped came before this text: its note goes first.
    this.flushDropped();
    this.pending.push(text);
    this.pendingChars += text.length;
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }
}
