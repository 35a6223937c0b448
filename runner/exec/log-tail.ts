// The last lines of a task's combined (already masked) output, in bounded memory: a ring of lines, each
// capped, so a 200 MB log or a 10 MB line costs no more than 50 short lines.

const DEFAULT_MAX_LINE_CHARS = 4096;

export class LogTail {
  private readonly ring: string[] = [];
  /** Where the next completed line goes once the ring is full. */
  private next = 0;
  /** The line being written, capped; `dropped` counts what the cap cut off. */
  private current = '';
  private dropped = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxLineChars = DEFAULT_MAX_LINE_CHARS,
  ) {}

  push(text: string): void {
    if (this.maxLines <= 0 || text === '') return;
    const firstNewline = text.indexOf('\n');
    if (firstNewline < 0) {
      this.append(text, 0, text.length);
      return;
    }
    this.append(text, 0, firstNewline);
    this.commit();

    const lastNewline = text.lastIndexOf('\n');
    // Of the complete lines after the first, only the last maxLines can survive: find where they start by
    // walking back, rather than committing (and evicting) every line of a many-line chunk.
    let start = lastNewline;
    for (let kept = 0; kept < this.maxLines && start > firstNewline; kept++) {
      start = text.lastIndexOf('\n', start - 1);
    }
    let from = start + 1;
    while (from <= lastNewline) {
      const end = text.indexOf('\n', from);
      this.append(text, from, end);
      this.commit();
      from = end + 1;
    }
    this.append(text, lastNewline + 1, text.length);
  }

  toString(): string {
    const full = this.ring.length === this.maxLines;
    const lines = full ? [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)] : [...this.ring];
    // An unfinished last line is a line too, and takes the place of the oldest.
    if (this.current !== '' || this.dropped > 0) lines.push(this.finish());
    return lines.slice(-this.maxLines).join('\n');
  }

  private append(text: string, from: number, to: number): void {
    const room = this.maxLineChars - this.current.length;
    const length = to - from;
    if (length <= room) {
      this.current += text.slice(from, to);
    } else {
      this.current += text.slice(from, from + Math.max(0, room));
      this.dropped += length - Math.max(0, room);
    }
  }

  private commit(): void {
    const line = this.finish();
    this.current = '';
    this.dropped = 0;
    if (this.ring.length < this.maxLines) {
      this.ring.push(line);
    } else {
      this.ring[this.next] = line;
      this.next = (this.next + 1) % this.maxLines;
    }
  }

  private finish(): string {
    const line = this.current.endsWith('\r') ? this.current.slice(0, -1) : this.current;
    return this.dropped > 0 ? `${line}… [${this.dropped} more characters]` : line;
  }
}
