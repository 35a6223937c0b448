// One terminal per run for what it prints (SPEC §6 "Running"): the CLI's lines for each task change and each
// task's output, colours kept. An output channel would show a task's ANSI escapes as text (VS Code does not
// render them there); a pseudo-terminal renders them as the CLI's terminal does. Ctrl+C in it cancels the run.
import * as vscode from 'vscode';
import type { RunRef } from '../server/run-protocol';
import { isInterrupt, TerminalBuffer } from './terminal-model';

/** Terminals kept, one per run: more would crowd the terminal list in a long session. */
const MAX_TERMINALS = 10;

interface RunTerminal {
  readonly terminal: vscode.Terminal;
  readonly buffer: TerminalBuffer;
}

export class RunTerminals implements vscode.Disposable {
  /** By run; a terminal the user closed stays here, closed, so the run's next lines do not open it again. */
  private readonly terminals = new Map<string, RunTerminal>();

  constructor(private readonly cancel: (ref: RunRef) => void) {}

  /** Writes the run's text to its terminal (made when the run first prints; a closed one stays closed). */
  write(ref: RunRef, text: string): void {
    this.get(ref)?.buffer.write(text);
  }

  /** Brings the run's terminal forward without taking the focus, making it if the user closed it. */
  show(ref: RunRef): void {
    const rt = this.get(ref, { reopen: true });
    rt?.terminal.show(true);
  }

  dispose(): void {
    for (const rt of this.terminals.values()) rt.terminal.dispose();
    this.terminals.clear();
  }

  private get(ref: RunRef, opts: { reopen?: boolean } = {}): RunTerminal | undefined {
    const have = this.terminals.get(ref.runId);
    if (have && !have.buffer.closed) return have;
    if (have && opts.reopen !== true) return undefined;
    this.terminals.delete(ref.runId);
    const write = new vscode.EventEmitter<string>();
    const buffer = new TerminalBuffer((data) => write.fire(data));
    const pty: vscode.Pseudoterminal = {
      onDidWrite: write.event,
      open: () => buffer.open(),
      close: () => {
        buffer.close();
        write.dispose();
      },
      handleInput: (data) => {
        if (isInterrupt(data)) this.cancel(ref);
      },
    };
    // Transient: a pseudo-terminal cannot come back after a reload; the run's logs and view can.
    const terminal = vscode.window.createTerminal({ name: `Cairn run ${ref.runId}`, pty, iconPath: new vscode.ThemeIcon('run-all'), isTransient: true });
    const rt = { terminal, buffer };
    this.terminals.set(ref.runId, rt);
    for (const [id, old] of this.terminals) {
      if (this.terminals.size <= MAX_TERMINALS) break;
      old.terminal.dispose();
      this.terminals.delete(id);
    }
    return rt;
  }
}
