// A tolerant scan of a TOML document's structure: tables, keys and values with
// their spans, on any text. The runner's parser stops at the first syntax
// error; an editor's document is half-typed most of the time, and completion,
// the outline and rename still need to know where the keys are.
import type { Span } from '../../runner/model/span';
import { unescapeBasicKey } from '../../runner/model/toml-string';

export interface ScanSegment {
  /** The key as TOML reads it (quoted keys decoded; empty for a dot not yet followed by a key). */
  readonly name: string;
  /** As written, quotes included. */
  readonly span: Span;
  readonly quoted: boolean;
}

export interface ScanKey {
  readonly segments: readonly ScanSegment[];
  readonly span: Span;
}

export interface ScanString {
  readonly kind: 'string';
  readonly span: Span;
  /** Between the quotes (to the end of the line, or of the text, when unclosed). */
  readonly content: Span;
  readonly closed: boolean;
  readonly multiline: boolean;
}

export interface ScanArray {
  readonly kind: 'array';
  readonly span: Span;
  readonly closed: boolean;
  readonly items: readonly ScanValue[];
}

export interface ScanInlineTable {
  readonly kind: 'inline-table';
  readonly span: Span;
  readonly closed: boolean;
  readonly entries: readonly ScanEntry[];
}

/** A number, boolean, date, or a bare word being typed. */
export interface ScanScalar {
  readonly kind: 'scalar';
  readonly span: Span;
}

export type ScanValue = ScanString | ScanArray | ScanInlineTable | ScanScalar;

export interface ScanEntry {
  readonly key: ScanKey;
  /** The full path of the key: its table's path, then its segments. */
  readonly path: readonly string[];
  /** Offset of `=`; absent while the key is still being typed. */
  readonly equals?: number;
  readonly value?: ScanValue;
  /** Key through value. */
  readonly span: Span;
}

export interface ScanHeader {
  readonly key: ScanKey;
  /** `[` through `]` (or the end of the line when unclosed). */
  readonly span: Span;
  /** Where the key part ends: the closing bracket, or the end of the line. */
  readonly innerEnd: number;
  readonly arrayOfTables: boolean;
}

export interface ScanTable {
  /** [] for the root table. */
  readonly path: readonly string[];
  readonly header?: ScanHeader;
  readonly entries: readonly ScanEntry[];
  /** Header through its last entry (the root starts at 0). */
  readonly span: Span;
}

/** One written key segment, with the full path it names. */
export interface KeyOccurrence {
  readonly path: readonly string[];
  readonly span: Span;
  readonly quoted: boolean;
}

export interface TomlScan {
  /** The root table first, then each header's section in document order. */
  readonly tables: readonly ScanTable[];
  /** Every written key segment, in document order (made on first use: completion seldom needs them all). */
  readonly keys: readonly KeyOccurrence[];
  /** The occurrences whose path has `depth` segments (`[tasks.x]`'s x has 2), in document order; same as filtering `keys`. */
  keysOfDepth(depth: number): KeyOccurrence[];
}

const TAB = 9, LF = 10, CR = 13, SPACE = 32, QUOTE = 34, HASH = 35, APOS = 39, COMMA = 44, DOT = 46, EQUALS = 61;
const LBRACKET = 91, BACKSLASH = 92, RBRACKET = 93, LBRACE = 123, RBRACE = 125;

const isBare = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
const isEol = (c: number): boolean => c === LF || c === CR || Number.isNaN(c);
const endsScalar = (c: number): boolean =>
  c === SPACE || c === TAB || c === LF || c === CR || c === COMMA || c === RBRACKET || c === RBRACE || c === HASH || Number.isNaN(c);

/** The path segment of an array's elements: keys inside them never pass for keys of the table. */
export const ARRAY_ELEMENT = '[]';

/** Nesting beyond this is not a workflow; stopping keeps hostile input off the stack. */
const MAX_DEPTH = 32;

export function scanToml(text: string): TomlScan {
  return new Scanner(text).scan();
}

/**
 * What a skim hands over as it reads (see skimToml). The scanner keeps none of it: what the receiver does not keep
 * dies young, which is most of a large document's scan, and the young-generation collector copies only the living.
 */
export interface ScanSink {
  /** A table, as its header is read (its span then grows with its entries). The root table comes first. */
  table(table: ScanTable): void;
  /**
   * An entry, inline ones included (an inline table's entries come before the entry holding it), but none in an
   * array: the entries allEntries visits in the scan's tables.
   */
  entry(entry: ScanEntry): void;
  /** A written key: its full path, how much of it is its table's (`base`), and its segments. */
  key(path: readonly string[], base: number, segments: readonly ScanSegment[]): void;
}

/**
 * Reads `text` as scanToml does, handing what it finds to `sink` instead of keeping it. Returns where each
 * header starts (tables 1, 2, … of the scan): enough to find the table at an offset and read it alone (scanTable).
 */
export function skimToml(text: string, sink: ScanSink): number[] {
  return new Scanner(text, sink).skim();
}

/**
 * The scan's table whose header starts at `headerStart` (the root table when undefined), read alone: the same
 * table scanToml finds there, entries and all, since the scan of a table depends on nothing before its header.
 */
export function scanTable(text: string, headerStart: number | undefined): ScanTable {
  return new Scanner(text).table(headerStart);
}

/** The table an offset is in: the last whose header starts before it, else the root table. */
export function tableAt(scan: TomlScan, offset: number): ScanTable {
  let found = scan.tables[0]!;
  for (const t of scan.tables) {
    if (t.header && t.header.span.start < offset) found = t;
  }
  return found;
}

interface MutableTable {
  path: string[];
  header?: ScanHeader;
  entries: ScanEntry[];
  span: { start: number; end: number };
}

// Allocation matters here: the scan of a large document is tens of thousands of small objects that all live
// until the document changes, and the young-generation collector copies every live one it meets. So lists are
// collected on shared stacks and copied out at their exact length (an array grown by push reserves 16 slots and
// more, and one emptied by `length = 0` drops its storage, to allocate it again on the next push).

/** A stack the lists being collected share; nested ones (an array in an inline table in an array) take turns. */
class Collector<T> {
  private readonly items: T[] = [];
  private top = 0;

  /** Where a new list starts. */
  mark(): number {
    return this.top;
  }

  push(x: T): void {
    this.items[this.top++] = x;
  }

  /** The list since `from`, at its size; the stack goes back to `from`. */
  take(from: number): T[] {
    const out = this.items.slice(from, this.top);
    this.top = from;
    return out;
  }

  /** Forgets the list since `from` (its caller copied it out by other means). */
  drop(from: number): void {
    this.top = from;
  }

  count(from: number): number {
    return this.top - from;
  }

  at(i: number): T | undefined {
    return i < this.top ? this.items[i] : undefined;
  }
}

class Scanner {
  private pos: number;
  private readonly keys = new KeyLog();
  private readonly entries = new Collector<ScanEntry>();
  private readonly values = new Collector<ScanValue>();
  private readonly segments = new Collector<ScanSegment>();
  /** How many arrays the scanner is in: entries in them are not the sink's. */
  private inArray = 0;

  constructor(
    private readonly text: string,
    private readonly sink?: ScanSink,
  ) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  scan(): TomlScan {
    const tables: MutableTable[] = [];
    this.tables((t) => tables.push(t), 'all');
    return new Scan(tables, this.keys);
  }

  skim(): number[] {
    const starts: number[] = [];
    const sink = this.sink!;
    this.tables((t) => {
      if (t.header) starts.push(t.header.span.start);
      sink.table(t);
    }, 'all');
    return starts;
  }

  table(headerStart: number | undefined): ScanTable {
    if (headerStart !== undefined) this.pos = headerStart;
    let found: MutableTable | undefined;
    this.tables((t) => (found = t), headerStart === undefined ? 'root' : 'header');
    return found!;
  }

  /**
   * The top level: the root table's entries, then each [header] and its entries, each table handed to `found`
   * as its header is read. `root`: the root table only; `header`: only the table whose header is at pos.
   */
  private tables(found: (table: MutableTable) => void, which: 'all' | 'root' | 'header'): void {
    const t = this.text;
    let current: MutableTable = { path: [], entries: [], span: { start: 0, end: 0 } };
    if (which !== 'header') found(current);
    let headers = 0;
    const entries = this.entries;
    const from = entries.mark();
    const keep = this.sink === undefined;
    for (;;) {
      this.skipBlank();
      if (this.pos >= t.length) break;
      const c = t.charCodeAt(this.pos);
      if (c === LBRACKET) {
        if (keep) current.entries = entries.take(from);
        if (which === 'root' || (which === 'header' && headers === 1)) return;
        current = this.header();
        headers++;
        found(current);
        continue;
      }
      const before = this.pos;
      const entry = this.keyValue(current.path, 0, false);
      if (entry) {
        if (keep) entries.push(entry);
        current.span.end = Math.max(current.span.end, entry.span.end);
      }
      if (!this.atLineStart()) this.skipToEol();
      if (this.pos === before) this.skipToEol();
      if (this.pos === before) this.pos++;
    }
    if (keep) current.entries = entries.take(from);
  }

  private header(): MutableTable {
    const t = this.text;
    const start = this.pos;
    const arrayOfTables = t.charCodeAt(start + 1) === LBRACKET;
    this.pos += arrayOfTables ? 2 : 1;
    const key = this.key();
    const path = this.record([], key);
    this.skipSpace();
    let innerEnd: number;
    if (t.charCodeAt(this.pos) === RBRACKET) {
      innerEnd = this.pos;
      this.pos++;
      if (arrayOfTables && t.charCodeAt(this.pos) === RBRACKET) this.pos++;
    } else {
      this.skipToEol();
      innerEnd = this.pos;
    }
    const end = this.pos;
    this.skipToEol();
    const header: ScanHeader = { key, span: { start, end }, innerEnd, arrayOfTables };
    return { path, header, entries: [], span: { start, end } };
  }

  /** `a.b = value` under `base`; undefined when no key starts here. */
  private keyValue(base: readonly string[], depth: number, inline: boolean): ScanEntry | undefined {
    const key = this.key();
    if (key.segments.length === 0) return undefined;
    const path = this.record(base, key);
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== EQUALS) {
      const entry: ScanEntry = { key, path, span: key.span };
      if (this.inArray === 0) this.sink?.entry(entry);
      return entry;
    }
    const equals = this.pos;
    this.pos++;
    this.skipSpace();
    const value = isEol(this.text.charCodeAt(this.pos)) || this.text.charCodeAt(this.pos) === HASH ? undefined : this.value(path, depth, inline);
    const end = value ? value.span.end : equals + 1;
    const entry: ScanEntry = value ? { key, path, equals, value, span: { start: key.span.start, end } } : { key, path, equals, span: { start: key.span.start, end } };
    if (this.inArray === 0) this.sink?.entry(entry);
    return entry;
  }

  /**
   * Records the segments of `key` under `base` and returns the key's full path, which the last segment's
   * occurrence shares with the entry or table it names (paths are read-only).
   */
  private record(base: readonly string[], key: ScanKey): string[] {
    const segments = key.segments;
    const n = base.length;
    const path = new Array<string>(n + segments.length);
    for (let i = 0; i < n; i++) path[i] = base[i]!;
    for (let i = 0; i < segments.length; i++) path[n + i] = segments[i]!.name;
    if (segments.length > 0) {
      if (this.sink) this.sink.key(path, n, segments);
      else this.keys.add(path, n, segments);
    }
    return path;
  }

  /** Dotted key segments at pos; a dot with nothing after it yields an empty segment (a key being typed). */
  private key(): ScanKey {
    const t = this.text;
    const segments = this.segments;
    const from = segments.mark();
    for (;;) {
      this.skipSpace();
      const start = this.pos;
      const c = t.charCodeAt(start);
      if (c === QUOTE || c === APOS) {
        const end = this.singleLineStringEnd(start, c);
        const closed = end > start + 1 && t.charCodeAt(end - 1) === c;
        const raw = t.slice(start + 1, closed ? end - 1 : end);
        segments.push({ name: c === QUOTE ? unescapeBasicKey(raw) : raw, span: { start, end }, quoted: true });
        this.pos = end;
      } else if (isBare(c)) {
        let i = start;
        while (isBare(t.charCodeAt(i))) i++;
        segments.push({ name: t.slice(start, i), span: { start, end: i }, quoted: false });
        this.pos = i;
      } else {
        if (segments.count(from) > 0) segments.push({ name: '', span: { start, end: start }, quoted: false });
        break;
      }
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== DOT) break;
      this.pos++;
    }
    const n = segments.count(from);
    const first = segments.at(from);
    // One segment (most keys): the key's span is the segment's.
    if (first && n === 1) {
      segments.drop(from);
      return { segments: [first], span: first.span };
    }
    const last = segments.at(from + n - 1);
    const exact = segments.take(from);
    return { segments: exact, span: first && last ? { start: first.span.start, end: last.span.end } : { start: this.pos, end: this.pos } };
  }

  private value(path: readonly string[], depth: number, inline: boolean): ScanValue | undefined {
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);
    if (c === QUOTE || c === APOS) {
      if (t.charCodeAt(start + 1) === c && t.charCodeAt(start + 2) === c) return this.multilineString(start, c);
      const end = this.singleLineStringEnd(start, c);
      const closed = end > start + 1 && t.charCodeAt(end - 1) === c;
      this.pos = end;
      return { kind: 'string', span: { start, end }, content: { start: start + 1, end: closed ? end - 1 : end }, closed, multiline: false };
    }
    if (c === LBRACKET) return depth >= MAX_DEPTH ? this.skipRest(start) : this.array(path, depth, inline);
    if (c === LBRACE) return depth >= MAX_DEPTH ? this.skipRest(start) : this.inlineTable(path, depth);
    let i = start;
    while (!endsScalar(t.charCodeAt(i))) i++;
    // `1979-05-27 07:32:00`: a space may separate a date from its time.
    if (i - start === 10 && t.charCodeAt(start + 4) === 45 && t.charCodeAt(i) === SPACE && /^\d\d:/.test(t.slice(i + 1, i + 4))) {
      i++;
      while (!endsScalar(t.charCodeAt(i))) i++;
    }
    if (i === start) return undefined;
    this.pos = i;
    return { kind: 'scalar', span: { start, end: i } };
  }

  private skipRest(start: number): ScanScalar {
    this.skipToEol();
    return { kind: 'scalar', span: { start, end: this.pos } };
  }

  private multilineString(start: number, quote: number): ScanString {
    const t = this.text;
    const basic = quote === QUOTE;
    for (let i = start + 3; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === quote && t.charCodeAt(i + 1) === quote && t.charCodeAt(i + 2) === quote) {
        let end = i + 3;
        // Up to two quotes may sit just inside the closing three.
        while (end < i + 5 && t.charCodeAt(end) === quote) end++;
        this.pos = end;
        return { kind: 'string', span: { start, end }, content: { start: start + 3, end: end - 3 }, closed: true, multiline: true };
      }
      if (c === BACKSLASH && basic) i++;
    }
    this.pos = t.length;
    return { kind: 'string', span: { start, end: t.length }, content: { start: start + 3, end: t.length }, closed: false, multiline: true };
  }

  /** Past the closing quote, or the end of the line when the string is not closed. */
  private singleLineStringEnd(start: number, quote: number): number {
    const t = this.text;
    for (let i = start + 1; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === quote) return i + 1;
      if (c === LF || c === CR) return i;
      if (c === BACKSLASH && quote === QUOTE && !isEol(t.charCodeAt(i + 1))) i++;
    }
    return t.length;
  }

  private array(path: readonly string[], depth: number, inline: boolean): ScanArray {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    const items = this.values;
    const from = items.mark();
    // The path of keys in elements (inline tables, arrays of them), made when an element may hold keys.
    let elementPath: string[] | undefined;
    // An open array ends after the last thing it holds, so the cursor after "lint", is still inside.
    let end = this.pos;
    for (;;) {
      const crossed = this.skipBlank();
      const c = t.charCodeAt(this.pos);
      if (c === RBRACKET) {
        this.pos++;
        return { kind: 'array', span: { start, end: this.pos }, closed: true, items: items.take(from) };
      }
      // An array left open while typing ends where the next key or table starts.
      if (this.pos >= t.length || (crossed && !inline && this.startsKeyOrHeader())) break;
      if (c === COMMA) {
        this.pos++;
        end = this.pos;
        continue;
      }
      const before = this.pos;
      this.inArray++;
      const item = this.value(c === LBRACE || c === LBRACKET ? (elementPath ??= [...path, ARRAY_ELEMENT]) : path, depth + 1, inline);
      this.inArray--;
      if (item) {
        items.push(item);
        end = this.pos;
      }
      if (this.pos === before) {
        if (c === RBRACE || c === EQUALS) break;
        this.pos++;
      }
    }
    return { kind: 'array', span: { start, end }, closed: false, items: items.take(from) };
  }

  private inlineTable(path: readonly string[], depth: number): ScanInlineTable {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    const entries = this.entries;
    const from = entries.mark();
    let lastSignificant = LBRACE;
    let end = this.pos;
    for (;;) {
      const crossed = this.skipBlank();
      const c = t.charCodeAt(this.pos);
      if (c === RBRACE) {
        this.pos++;
        return { kind: 'inline-table', span: { start, end: this.pos }, closed: true, entries: entries.take(from) };
      }
      // A line break continues an inline table only after "{" or "," (TOML 1.1); otherwise it is left open.
      if (this.pos >= t.length || (crossed && lastSignificant !== COMMA && lastSignificant !== LBRACE) || (crossed && this.startsHeader())) break;
      if (c === COMMA) {
        this.pos++;
        end = this.pos;
        lastSignificant = COMMA;
        continue;
      }
      const before = this.pos;
      const entry = this.keyValue(path, depth + 1, true);
      if (entry) {
        entries.push(entry);
        end = Math.max(end, entry.span.end);
        lastSignificant = 0;
      }
      if (this.pos === before) {
        if (c === RBRACKET) break;
        this.pos++;
      }
    }
    return { kind: 'inline-table', span: { start, end }, closed: false, entries: entries.take(from) };
  }

  /** Does a `key =` or a `[table]` header start at pos? */
  private startsKeyOrHeader(): boolean {
    if (this.startsHeader()) return true;
    const save = this.pos;
    const key = this.key();
    this.skipSpace();
    const isKey = key.segments.length > 0 && this.text.charCodeAt(this.pos) === EQUALS;
    this.pos = save;
    return isKey;
  }

  private startsHeader(): boolean {
    const t = this.text;
    if (t.charCodeAt(this.pos) !== LBRACKET) return false;
    const save = this.pos;
    this.pos += t.charCodeAt(this.pos + 1) === LBRACKET ? 2 : 1;
    const key = this.key();
    this.skipSpace();
    const isHeader = key.segments.length > 0 && t.charCodeAt(this.pos) === RBRACKET;
    this.pos = save;
    return isHeader;
  }

  private atLineStart(): boolean {
    for (let i = this.pos - 1; i >= 0; i--) {
      const c = this.text.charCodeAt(i);
      if (c === LF || c === CR) return true;
      if (c !== SPACE && c !== TAB) return false;
    }
    return true;
  }

  private skipSpace(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === SPACE || c === TAB) c = t.charCodeAt(++this.pos);
  }

  /** Spaces, line breaks and comments; true if a line break was crossed. */
  private skipBlank(): boolean {
    const t = this.text;
    let crossed = false;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === SPACE || c === TAB) this.pos++;
      else if (c === LF || c === CR) {
        crossed = true;
        this.pos++;
      } else if (c === HASH) this.skipToEol();
      else return crossed;
    }
  }

  private skipToEol(): void {
    const t = this.text;
    while (this.pos < t.length && !isEol(t.charCodeAt(this.pos))) this.pos++;
  }
}

/**
 * The key segments as the scanner met them: per written key, its full path, how much of it is the base (the
 * table it is written in) and its segments. The occurrences are made from it when asked for: a large document has
 * tens of thousands, and completion on a fresh version reads only a few.
 */
class KeyLog {
  readonly paths: (readonly string[])[] = [];
  readonly bases: number[] = [];
  readonly segments: (readonly ScanSegment[])[] = [];

  add(path: readonly string[], base: number, segments: readonly ScanSegment[]): void {
    this.paths.push(path);
    this.bases.push(base);
    this.segments.push(segments);
  }
}

class Scan implements TomlScan {
  private all: KeyOccurrence[] | undefined;

  constructor(
    readonly tables: readonly ScanTable[],
    private readonly log: KeyLog,
  ) {}

  get keys(): readonly KeyOccurrence[] {
    if (!this.all) {
      const out: KeyOccurrence[] = [];
      const { paths, bases, segments } = this.log;
      for (let k = 0; k < paths.length; k++) {
        const path = paths[k]!;
        const segs = segments[k]!;
        for (let i = 0; i < segs.length; i++) out.push(occurrence(path, bases[k]! + i + 1, segs[i]!));
      }
      this.all = out;
    }
    return this.all;
  }

  keysOfDepth(depth: number): KeyOccurrence[] {
    if (this.all) return this.all.filter((k) => k.path.length === depth);
    const out: KeyOccurrence[] = [];
    const { paths, bases, segments } = this.log;
    for (let k = 0; k < paths.length; k++) {
      const path = paths[k]!;
      const i = depth - bases[k]! - 1;
      if (i >= 0 && i < path.length - bases[k]!) out.push(occurrence(path, depth, segments[k]![i]!));
    }
    return out;
  }
}

/** The occurrence of `segment`, whose path is the first `length` names of the full `path`. */
export function occurrence(path: readonly string[], length: number, segment: ScanSegment): KeyOccurrence {
  return { path: length === path.length ? path : path.slice(0, length), span: segment.span, quoted: segment.quoted };
}

/** The entries of a table and of the inline tables inside it, depth first. */
export function* allEntries(entries: readonly ScanEntry[]): Generator<ScanEntry> {
  for (const e of entries) {
    yield e;
    if (e.value?.kind === 'inline-table') yield* allEntries(e.value.entries);
  }
}

/** Path equality (the scan's paths are short). */
export function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
