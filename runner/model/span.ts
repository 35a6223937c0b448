// Source spans in the engine are UTF-16 offsets into the document text; they
// become 1-based line:col (CLI) or LSP ranges only at the edges.

export interface Span {
  /** Offset of the first character (inclusive). */
  readonly start: number;
  /** Offset just past the last character (exclusive). */
  readonly end: number;
}

export interface LineCol {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in UTF-16 code units (as LSP counts them). */
  readonly col: number;
}

export function span(start: number, end: number): Span {
  return { start, end };
}

/** Maps offsets to line/column in O(log lines); build once per document. */
export class LineIndex {
  private readonly lineStarts: number[];

  constructor(private readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \r\n, \n and a lone \r each end a line, as editors count them.
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line and column of an offset (clamped into the document). */
  position(offset: number): { line: number; character: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.lineStarts[lo]! };
  }

  /** 1-based line:col of an offset. */
  lineCol(offset: number): LineCol {
    const p = this.position(offset);
    return { line: p.line + 1, col: p.character + 1 };
  }

  /** Offset of a 0-based line and character (clamped into the document). */
  offsetAt(line: number, character: number): number {
    if (line < 0) return 0;
    if (line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[line]!;
    let end = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1]! : this.text.length;
    // Stop before the line break: a character past the line's end means its end.
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return Math.min(start + Math.max(0, character), end);
  }
}
