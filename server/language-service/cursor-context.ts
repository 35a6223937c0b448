// Where the cursor is in TOML terms — typing a key of some table, a table
// header, or a value of some key — read from the tolerant scan, so that it
// works on the half-typed text completion is asked about.
import type { Span } from '../../runner/model/span';
import type { ScanArray, ScanEntry, ScanString, ScanTable, ScanValue } from './toml-scan';

export type CursorContext =
  /** A key of the table at `table` (a [table] section or an inline table); `partial` is the segment typed so far. */
  | { readonly kind: 'key'; readonly table: readonly string[]; readonly partial: Span; readonly entry?: ScanEntry }
  /** Inside `[…]`: a table name under `parent`. */
  | { readonly kind: 'header'; readonly parent: readonly string[]; readonly partial: Span }
  /**
   * The value of the key at `key`: inside `string` when set, an element of `array` when set;
   * `partial` is a bare word typed so far (empty inside a string: the caller picks its word).
   */
  | { readonly kind: 'value'; readonly key: readonly string[]; readonly partial: Span; readonly string?: ScanString; readonly array?: ScanArray }
  | { readonly kind: 'none' };

const NONE: CursorContext = { kind: 'none' };

/** The context at `offset`, which lies in `table` (toml-scan.ts's tableAt, or a table read alone). */
export function cursorContext(text: string, table: ScanTable, offset: number): CursorContext {
  const h = table.header;
  if (h && offset > h.span.start && offset <= h.innerEnd) {
    const segments = h.key.segments;
    const at = segments.findIndex((s) => s.span.start <= offset && offset <= s.span.end);
    const seg = segments[at];
    if (seg) return { kind: 'header', parent: segments.slice(0, at).map((s) => s.name), partial: seg.span };
    const opened = h.span.start + (h.arrayOfTables ? 2 : 1);
    return segments.length === 0 && offset >= opened ? { kind: 'header', parent: [], partial: { start: offset, end: offset } } : NONE;
  }
  for (const e of table.entries) {
    if (e.key.span.start <= offset && offset <= reach(text, e)) return inEntry(text, e, table.path, offset);
  }
  // A blank line (or blank so far): a new key of this table.
  return blank(text, lineStart(text, offset), offset) && blank(text, offset, lineEnd(text, offset))
    ? { kind: 'key', table: table.path, partial: { start: offset, end: offset } }
    : NONE;
}

/** How far an entry reaches for the cursor: an unfinished one (no value, or an open one) to the end of its line. */
function reach(text: string, e: ScanEntry): number {
  const v = e.value;
  const open = v === undefined || (v.kind !== 'scalar' && !v.closed);
  return open ? lineEnd(text, e.span.end) : e.span.end;
}

function inEntry(text: string, e: ScanEntry, base: readonly string[], offset: number): CursorContext {
  if (e.equals === undefined || offset <= e.equals) {
    const segments = e.key.segments;
    const at = segments.findIndex((s) => s.span.start <= offset && offset <= s.span.end);
    const seg = segments[at];
    if (!seg) return NONE;
    return { kind: 'key', table: [...base, ...segments.slice(0, at).map((s) => s.name)], partial: seg.span, entry: e };
  }
  if (!e.value) {
    return blank(text, e.equals + 1, offset) ? { kind: 'value', key: e.path, partial: { start: offset, end: offset } } : NONE;
  }
  return inValue(text, e.value, e.path, offset, undefined);
}

function inValue(text: string, v: ScanValue, key: readonly string[], offset: number, array: ScanArray | undefined): CursorContext {
  const inArray = array ? { array } : {};
  switch (v.kind) {
    case 'string':
      return v.content.start <= offset && offset <= v.content.end ? { kind: 'value', key, partial: { start: offset, end: offset }, string: v, ...inArray } : NONE;
    case 'scalar':
      return v.span.start <= offset && offset <= v.span.end ? { kind: 'value', key, partial: v.span, ...inArray } : NONE;
    case 'array': {
      if (offset <= v.span.start || (v.closed ? offset >= v.span.end : offset > lineEnd(text, v.span.end))) return NONE;
      for (const item of v.items) {
        if (item.span.start <= offset && offset <= item.span.end) return inValue(text, item, key, offset, v);
      }
      return { kind: 'value', key, partial: { start: offset, end: offset }, array: v };
    }
    case 'inline-table': {
      if (offset <= v.span.start || (v.closed && offset >= v.span.end)) return NONE;
      for (const e of v.entries) {
        if (e.key.span.start <= offset && offset <= reach(text, e)) return inEntry(text, e, key, offset);
      }
      const before = text.slice(v.span.start, offset).trimEnd();
      return before.endsWith('{') || before.endsWith(',') ? { kind: 'key', table: key, partial: { start: offset, end: offset } } : NONE;
    }
    default: {
      const never: never = v;
      return never;
    }
  }
}

function blank(text: string, from: number, to: number): boolean {
  return /^[ \t]*$/.test(text.slice(from, to));
}

function lineStart(text: string, offset: number): number {
  let i = Math.min(offset, text.length);
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

function lineEnd(text: string, offset: number): number {
  let i = Math.max(0, offset);
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}
