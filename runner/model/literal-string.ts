// A string value of the model (SourceString) that knows where each of its characters was written, for the
// workflow reader and for the model cache, which both make them from a text and spans.
import type { Span } from './span';
import { decodeTomlString } from './toml-string';
import type { SourceString } from './workflow';

/**
 * A string value as written in the file. A class rather than an object with an `at` closure: a workflow holds
 * several per task (10,000 tasks: ~40,000), and a closure with its context per string was a tenth of the heap.
 */
export class LiteralString implements SourceString {
  /** Decoded on first use of at(): most strings (deps entries, descriptions) never need a position. */
  private offsets: number[] | null | undefined;

  constructor(
    readonly value: string,
    readonly span: Span,
    readonly keySpan: Span | undefined,
    private readonly text: string,
  ) {}

  at(i: number): number {
    const { span } = this;
    if (this.offsets === undefined) {
      const decoded = decodeTomlString(this.text.slice(span.start, span.end));
      this.offsets = decoded && decoded.value === this.value ? decoded.offsets : null;
    }
    // Not a string literal we can map (a number, or positions unavailable): approximate inside the literal.
    if (this.offsets === null) return Math.min(span.start + Math.max(0, i), span.end);
    return span.start + this.offsets[Math.max(0, Math.min(i, this.offsets.length - 1))]!;
  }
}
