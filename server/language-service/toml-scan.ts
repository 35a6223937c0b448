// A tolerant scan of a TOML document's structure: tables, keys and values with
// their spans, on any text. The runner's parser stops at the first syntax
// error; an editor's document is half-typed most of the time, and completion,
// the outline and rename still need to know where the keys are.
import type { Span } from '../../runner/model/span';

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
  readonly keys: readonly KeyOccurrence[];
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

interface MutableTable {
  path: string[];
  header?: ScanHeader;
  entries: ScanEntry[];
  span: { start: number; end: number };
}

class Scanner {
  private pos: number;
  private readonly keys: KeyOccurrence[] = [];

  constructor(private readonly text: string) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  scan(): TomlScan {
    const t = this.text;
    const root: MutableTable = { path: [], entries: [], span: { start: 0, end: 0 } };
    const tables: MutableTable[] = [root];
    let current = root;
    for (;;) {
      this.skipBlank();
      if (this.pos >= t.length) break;
      const c = t.charCodeAt(this.pos);
      if (c === LBRACKET) {
        current = this.header();
        tables.push(current);
        continue;
      }
      const before = this.pos;
      const entry = this.keyValue(current.path, 0, false);
      if (entry) {
        current.entries.push(entry);
        current.span.end = Math.max(current.span.end, entry.span.end);
      }
      if (!this.atLineStart()) this.skipToEol();
      if (this.pos === before) this.skipToEol();
      if (this.pos === before) this.pos++;
    }
    return { tables, keys: this.keys };
  }

  private header(): MutableTable {
    const t = this.text;
    const start = this.pos;
    const arrayOfTables = t.charCodeAt(start + 1) === LBRACKET;
    this.pos += arrayOfTables ? 2 : 1;
    const key = this.key();
    this.record([], key);
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
    return { path: key.segments.map((s) => s.name), header, entries: [], span: { start, end } };
  }

  /** `a.b = value` under `base`; undefined when no key starts here. */
  private keyValue(base: readonly string[], depth: number, inline: boolean): ScanEntry | undefined {
    const key = this.key();
    if (key.segments.length === 0) return undefined;
    const path = [...base, ...key.segments.map((s) => s.name)];
    this.record(base, key);
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== EQUALS) return { key, path, span: key.span };
    const equals = this.pos;
    this.pos++;
    this.skipSpace();
    const value = isEol(this.text.charCodeAt(this.pos)) || this.text.charCodeAt(this.pos) === HASH ? undefined : this.value(path, depth, inline);
    const end = value ? value.span.end : equals + 1;
    return value ? { key, path, equals, value, span: { start: key.span.start, end } } : { key, path, equals, span: { start: key.span.start, end } };
  }

  private record(base: readonly string[], key: ScanKey): void {
    const path = [...base];
    for (const s of key.segments) {
      path.push(s.name);
      this.keys.push({ path: [...path], span: s.span, quoted: s.quoted });
    }
  }

  /** Dotted key segments at pos; a dot with nothing after it yields an empty segment (a key being typed). */
  private key(): ScanKey {
    const t = this.text;
    const segments: ScanSegment[] = [];
    for (;;) {
      this.skipSpace();
      const start = this.pos;
      const c = t.charCodeAt(start);
      if (c === QUOTE || c === APOS) {
        const end = this.singleLineStringEnd(start, c);
        const closed = end > start + 1 && t.charCodeAt(end - 1) === c;
        const raw = t.slice(start + 1, closed ? end - 1 : end);
        segments.push({ name: c === QUOTE ? unescapeBasic(raw) : raw, span: { start, end }, quoted: true });
        this.pos = end;
      } else if (isBare(c)) {
        let i = start;
        while (isBare(t.charCodeAt(i))) i++;
        segments.push({ name: t.slice(start, i), span: { start, end: i }, quoted: false });
        this.pos = i;
      } else {
        if (segments.length > 0) segments.push({ name: '', span: { start, end: start }, quoted: false });
        break;
      }
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== DOT) break;
      this.pos++;
    }
    const first = segments[0];
    const last = segments[segments.length - 1];
    return { segments, span: first && last ? { start: first.span.start, end: last.span.end } : { start: this.pos, end: this.pos } };
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
    const items: ScanValue[] = [];
    const elementPath = [...path, ARRAY_ELEMENT];
    // An open array ends after the last thing it holds, so the cursor after "lint", is still inside.
    let end = this.pos;
    for (;;) {
      const crossed = this.skipBlank();
      const c = t.charCodeAt(this.pos);
      if (c === RBRACKET) {
        this.pos++;
        return { kind: 'array', span: { start, end: this.pos }, closed: true, items };
      }
      // An array left open while typing ends where the next key or table starts.
      if (this.pos >= t.length || (crossed && !inline && this.startsKeyOrHeader())) break;
      if (c === COMMA) {
        this.pos++;
        end = this.pos;
        continue;
      }
      const before = this.pos;
      const item = this.value(elementPath, depth + 1, inline);
      if (item) {
        items.push(item);
        end = this.pos;
      }
      if (this.pos === before) {
        if (c === RBRACE || c === EQUALS) break;
        this.pos++;
      }
    }
    return { kind: 'array', span: { start, end }, closed: false, items };
  }

  private inlineTable(path: readonly string[], depth: number): ScanInlineTable {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    const entries: ScanEntry[] = [];
    let lastSignificant = LBRACE;
    let end = this.pos;
    for (;;) {
      const crossed = this.skipBlank();
      const c = t.charCodeAt(this.pos);
      if (c === RBRACE) {
        this.pos++;
        return { kind: 'inline-table', span: { start, end: this.pos }, closed: true, entries };
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
    return { kind: 'inline-table', span: { start, end }, closed: false, entries };
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

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };

/** A quoted key's escapes, decoded as TOML does (bad escapes dropped: the parser reports them). */
function unescapeBasic(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.)?)/g, (_m, x?: string, u?: string, U?: string, ch?: string) => {
    const hex = x ?? u ?? U;
    if (hex) {
      const cp = parseInt(hex, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
    }
    return ESCAPES[ch ?? ''] ?? '';
  });
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
