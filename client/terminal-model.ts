// What a run's terminal holds before VS Code opens it, and how a run's text is written to it. No vscode import:
// tested in node (test/client/terminal-model.test.ts).

/** What is kept for a terminal VS Code has not opened yet (it opens when first shown); past it, the oldest goes. */
export const MAX_UNOPENED_CHARS = 1024 * 1024;

/**
 * A terminal moves the cursor down on \n but not back to the line's start: each line ends in \r\n. The run's
 * text is otherwise written as the tasks printed it, ANSI colours and all.
 */
export function terminalText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** Ctrl+C typed in the terminal (a pseudo-terminal gets keys as the bytes a terminal would send). */
export const isInterrupt = (data: string): boolean => data.includes('\x03');

/**
 * A terminal's text until it opens, then passed straight on. A terminal that was closed takes no more (the run
 * goes on; its log keeps every line).
 */
export class TerminalBuffer {
  private pending: string[] = [];
  private pendingChars = 0;
  private droppedChars = 0;
  private state: 'unopened' | 'open' | 'closed' = 'unopened';

  constructor(private readonly emit: (data: string) => void) {}

  get closed(): boolean {
    return this.state === 'closed';
  }

  write(text: string): void {
    const data = terminalText(text);
    if (this.state === 'open') {
      this.emit(data);
      return;
    }
    if (this.state === 'closed') return;
    this.pending.push(data);
    this.pendingChars += data.length;
    while (this.pendingChars > MAX_UNOPENED_CHARS && this.pending.length > 1) {
      const old = this.pending.shift()!;
      this.pendingChars -= old.length;
      this.droppedChars += old.length;
    }
  }

  open(): void {
    if (this.state !== 'unopened') return;
    this.state = 'open';
    if (this.droppedChars > 0) this.emit(terminalText(`… ${this.droppedChars} characters before this were not kept (the task logs have every line)\n`));
    for (const data of this.pending) this.emit(data);
    this.pending = [];
    this.pendingChars = 0;
  }

  close(): void {
    this.state = 'closed';
    this.pending = [];
    this.pendingChars = 0;
  }
}
