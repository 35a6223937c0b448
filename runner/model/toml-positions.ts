// Where each table, key and value of a TOML document sits in its text.
// smol-toml (the parser of record) gives values but no positions, so this
// scanner finds them in one pass with no AST. It trusts its input: call it
// only on text smol-toml accepted (on other text its positions mean nothing,
// but it still ends: every loop advances or stops at the end).
//
// Chosen over toml-eslint-parser's AST (kept as a dev-only reference that a
// test compares every position against): ~4 ms vs ~69 ms on a 2,000-task,
// 367 KB file, no 30 MB token tree per keystroke, and no disagreement with
// smol-toml (the library throws on a BOM and on dates like 1979-02-30).
import type { Span } from './span';
import { unescapeBasicKey } from './toml-string';

/** A path into the document: table / key names, and array indices. */
export type TomlPath = readonly (string | number)[];

export interface PositionEntry {
  /**
   * The key segment that first names this path: `lint` in `[tasks.lint]`,
   * `run` in `run = "…"`, `b` in `a.b.c = 1`. Absent for array elements.
   */
  readonly key?: Span;
  /**
   * The value: a scalar literal including its quotes, `[…]` for an array,
   * `{…}` for an inline table; for a `[table]` the header through its last
   * key/value.
   */
  readonly value?: Span;
}

export interface PositionIndex {
  get(path: TomlPath): PositionEntry | undefined;
}


interface MutableEntry {
  key?: Span;
  value?: Span;
}

/**
 * Paths are numbered nodes, each with its named and its indexed children: a lookup walks the path without
 * building a string per step (a key of the whole joined path goes quadratic on long dotted keys, and even
 * `parent.name` keys cost a string per segment on every lookup while a workflow is read).
 */
class ScanIndex implements PositionIndex {
  private readonly nodes: MutableEntry[] = [{}]; // node 0 is the document itself
  private readonly named: (Map<string, number> | undefined)[] = [undefined];
  private readonly indexed: (number[] | undefined)[] = [undefined];

  get(path: TomlPath): PositionEntry | undefined {
    let id: number | undefined = 0;
    for (const seg of path) {
      id = typeof seg === 'number' ? this.indexed[id]?.[seg] : this.named[id]?.get(seg);
      if (id === undefined) return undefined;
    }
    return id === 0 ? undefined : this.nodes[id];
  }

  /** The node for `name` (or `#index`) under `parent`, created if new. */
  child(parent: number, sep: '.' | '#', seg: string | number): number {
    const known = sep === '#' ? this.indexed[parent]?.[seg as number] : this.named[parent]?.get(String(seg));
    if (known !== undefined) return known;
    const id = this.nodes.push({}) - 1;
    this.link(parent, sep === '#' ? Number(seg) : String(seg), id);
    return id;
  }

  private link(parent: number, seg: string | number, child: number): void {
    if (typeof seg === 'number') (this.indexed[parent] ??= [])[seg] = child;
    else (this.named[parent] ??= new Map()).set(seg, child);
  }

  /** The entry of node `id`; a key span is kept only the first time (where the path is first named). */
  entry(id: number, key: Span | undefined): MutableEntry {
    const e = this.nodes[id] as MutableEntry;
    if (key && !e.key) e.key = key;
    return e;
  }
}

// Character codes (plain constants rather than an enum: erasable TypeScript only).
const TAB = 9, LF = 10, CR = 13, SPACE = 32, QUOTE = 34, HASH = 35, APOS = 39, COMMA = 44, DOT = 46;
const LBRACKET = 91, BACKSLASH = 92, RBRACKET = 93, LBRACE = 123, RBRACE = 125, DASH = 45, COLON = 58;

const isBare = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === DASH;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
// What ends a number, boolean or date-time. A space may also sit inside a date-time (checked apart).
const endsScalar = (c: number): boolean =>
  c === SPACE || c === TAB || c === LF || c === CR || c === COMMA || c === RBRACKET || c === RBRACE || c === HASH || Number.isNaN(c);

/** Index the positions of every path in `text`, which must be valid TOML. */
export function indexPositions(text: string): PositionIndex {
  return new Scanner(text).scan();
}

class Scanner {
  private pos: number;
  private readonly index = new ScanIndex();
  /** How many [[x]] entries each array of tables has so far, by node. */
  private readonly aotCounts = new Map<number, number>();
  /** The table whose key/values are being read; its value span closes at its last key/value. */
  private table: { entry: MutableEntry | undefined; start: number; end: number; node: number } = { entry: undefined, start: 0, end: 0, node: 0 };
  /** Span of the key segment keySegment() read last. */
  private segment: Span = { start: 0, end: 0 };

  constructor(private readonly text: string) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  scan(): ScanIndex {
    const t = this.text;
    for (;;) {
      this.skipBlank();
      if (this.pos >= t.length) break;
      if (t.charCodeAt(this.pos) === LBRACKET) this.header();
      else this.table.end = this.keyValue(this.table.node);
    }
    this.closeTable();
    return this.index;
  }

  private closeTable(): void {
    const { entry, start, end } = this.table;
    if (entry && !entry.value) entry.value = { start, end };
  }

  /** `[a.b]` or `[[a.b]]`: resolve array-of-tables indices in the prefix, open the new table. */
  private header(): void {
    this.closeTable();
    const t = this.text;
    const start = this.pos;
    const isArray = t.charCodeAt(start + 1) === LBRACKET;
    this.pos += isArray ? 2 : 1;
    let node = 0;
    let entry: MutableEntry;
    for (;;) {
      node = this.keySegment(node);
      entry = this.index.entry(node, this.segment);
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== DOT) break;
      this.pos++;
      // An array of tables in the prefix means its latest entry.
      const n = this.aotCounts.get(node);
      if (n !== undefined) node = this.index.child(node, '#', n - 1);
    }
    this.pos += isArray ? 2 : 1;
    if (isArray) {
      const n = this.aotCounts.get(node) ?? 0;
      this.aotCounts.set(node, n + 1);
      node = this.index.child(node, '#', n);
      entry = this.index.entry(node, undefined);
    }
    this.table = { entry, start, end: this.pos, node };
  }

  /** `a.b = value` under `parent`; returns the end of the value. */
  private keyValue(parent: number): number {
    const t = this.text;
    let node = parent;
    let entry: MutableEntry;
    for (;;) {
      node = this.keySegment(node);
      entry = this.index.entry(node, this.segment);
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== DOT) break;
      this.pos++;
    }
    this.pos++; // '='
    this.skipSpace();
    const value = this.value(node);
    if (!entry.value) entry.value = value;
    return value.end;
  }

  /** Reads one key segment (after optional spaces) into `segment`; returns its node under `parent`. */
  private keySegment(parent: number): number {
    this.skipSpace();
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);
    let name: string;
    if (c === QUOTE) {
      const end = this.basicStringEnd(start);
      const raw = t.slice(start + 1, end - 1);
      name = unescapeBasicKey(raw);
      this.pos = end;
    } else if (c === APOS) {
      const end = this.literalEnd(start);
      name = t.slice(start + 1, end - 1);
      this.pos = end;
    } else {
      let i = start;
      while (isBare(t.charCodeAt(i))) i++;
      name = t.slice(start, i);
      this.pos = i;
    }
    this.segment = { start, end: this.pos };
    return this.index.child(parent, '.', name);
  }

  /** A value at `pos` for `node`: indexes what it contains and returns its span. */
  private value(node: number): Span {
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);
    if (c === QUOTE || c === APOS) {
      const triple = t.charCodeAt(start + 1) === c && t.charCodeAt(start + 2) === c;
      if (!triple) this.pos = c === QUOTE ? this.basicStringEnd(start) : this.literalEnd(start);
      else this.pos = this.multilineEnd(start, c);
    } else if (c === LBRACKET) {
      this.pos++;
      for (let i = 0; ; i++) {
        this.skipBlank();
        if (t.charCodeAt(this.pos) === RBRACKET || this.pos >= t.length) break;
        const element = this.index.child(node, '#', i);
        const entry = this.index.entry(element, undefined);
        const span = this.value(element);
        if (!entry.value) entry.value = span;
        this.skipBlank();
        if (t.charCodeAt(this.pos) === COMMA) this.pos++;
      }
      this.pos++;
    } else if (c === LBRACE) {
      this.pos++;
      for (;;) {
        // TOML 1.1 allows newlines, comments and a trailing comma in inline tables.
        this.skipBlank();
        if (t.charCodeAt(this.pos) === RBRACE || this.pos >= t.length) break;
        this.keyValue(node);
        this.skipBlank();
        if (t.charCodeAt(this.pos) === COMMA) this.pos++;
      }
      this.pos++;
    } else {
      let i = start;
      while (!endsScalar(t.charCodeAt(i))) i++;
      // `1979-05-27 07:32:00`: a space may separate a date from its time.
      if (i - start === 10 && t.charCodeAt(start + 4) === DASH && t.charCodeAt(i) === SPACE &&
          isDigit(t.charCodeAt(i + 1)) && isDigit(t.charCodeAt(i + 2)) && t.charCodeAt(i + 3) === COLON) {
        i++;
        while (!endsScalar(t.charCodeAt(i))) i++;
      }
      this.pos = Math.max(i, start + 1); // a scalar is never empty; this keeps invalid text moving
    }
    return { start, end: this.pos };
  }

  /** End (past the closing quote) of the basic string opening at `start`. */
  private basicStringEnd(start: number): number {
    const t = this.text;
    for (let i = start + 1; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === QUOTE) return i + 1;
      if (c === BACKSLASH) i++;
    }
    return t.length;
  }

  private literalEnd(start: number): number {
    const end = this.text.indexOf("'", start + 1);
    return end < 0 ? this.text.length : end + 1;
  }

  /** End of a `"""` or `'''` string: up to two quotes may sit just before the closing three. */
  private multilineEnd(start: number, quote: number): number {
    const t = this.text;
    for (let i = start + 3; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === quote && t.charCodeAt(i + 1) === quote && t.charCodeAt(i + 2) === quote) {
        let end = i + 3;
        while (end < i + 5 && t.charCodeAt(end) === quote) end++;
        return end;
      }
      if (c === BACKSLASH && quote === QUOTE) i++;
    }
    return t.length;
  }

  private skipSpace(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === SPACE || c === TAB) c = t.charCodeAt(++this.pos);
  }

  /** Spaces, newlines and comments. */
  private skipBlank(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === SPACE || c === TAB || c === LF || c === CR) this.pos++;
      else if (c === HASH) {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 ? t.length : nl;
      } else return;
    }
  }
}
