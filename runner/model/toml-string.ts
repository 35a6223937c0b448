// Decodes TOML string literals and quoted keys, for everyone who reads TOML text
// by hand (the position scanner, the language server's tolerant scan). With an
// offsets map, a decoded value maps back to its source: value index → source
// offset, so diagnostics inside strings (templates, `if` tokens) point at the
// characters as written, through escapes and `"""` line folding.

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };

/**
 * Decode a TOML string literal (`raw` includes its quotes) and return, for
 * each value index i, the offset in `raw` where that character starts;
 * `offsets[value.length]` is the end of the content. Returns undefined when
 * `raw` is not a string literal this decoder understands.
 */
export function decodeTomlString(raw: string): { value: string; offsets: number[] } | undefined {
  const offsets: number[] = [];
  const value = decode(raw, 0, raw.length, offsets);
  return value === undefined ? undefined : { value, offsets };
}

/** decodeTomlString's value for the literal at text[start, end), read in place and without an offsets map. */
export function decodeTomlStringAt(text: string, start: number, end: number): string | undefined {
  return decode(text, start, end, undefined);
}

/** A quoted key's escapes, decoded as TOML does (bad escapes dropped: the TOML parser reports them). */
export function unescapeBasicKey(raw: string): string {
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

const BACKSLASH = 92;

/** The value of the literal at text[start, rawEnd); offsets (relative to start) are pushed when given. */
function decode(text: string, start: number, rawEnd: number, offsets: number[] | undefined): string | undefined {
  const q = text[start];
  if (q !== '"' && q !== "'") return undefined;
  // Three quotes open a multi-line string, and the same three must close it.
  const d = rawEnd - start >= 3 && text[start + 1] === q && text[start + 2] === q ? 3 : 1;
  if (rawEnd - start < 2 * d) return undefined;
  for (let k = 1; k <= d; k++) if (text[rawEnd - k] !== q) return undefined;
  const multiline = d === 3;
  let i = start + d;
  const end = rawEnd - d;
  // A newline right after the opening """ is not part of the value.
  if (multiline) {
    if (text[i] === '\n') i++;
    else if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
  }
  let value = '';
  let plain = i;
  /** The plain text up to `to`, one offset per character. */
  const flush = (to: number): void => {
    if (offsets !== undefined) for (let k = plain; k < to; k++) offsets.push(k - start);
    value += text.slice(plain, to);
  };
  /** A decoded escape: all its UTF-16 units map to where the escape starts. */
  const escaped = (s: string, at: number): void => {
    if (offsets !== undefined) for (let k = 0; k < s.length; k++) offsets.push(at - start);
    value += s;
  };
  if (q === "'") i = end; // literal strings have no escapes
  while (i < end) {
    if (text.charCodeAt(i) !== BACKSLASH) {
      i++;
      continue;
    }
    flush(i);
    // What follows the backslash may be the closing quote: the literal's own text only, never past it.
    const e = i + 1 < rawEnd ? text[i + 1]! : undefined;
    const simple = e === undefined ? undefined : ESCAPES[e];
    if (simple !== undefined) {
      escaped(simple, i);
      i += 2;
    } else if (e === 'u' || e === 'U' || e === 'x') {
      const len = e === 'u' ? 4 : e === 'U' ? 8 : 2;
      const hex = text.slice(i + 2, Math.min(i + 2 + len, rawEnd));
      const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : NaN;
      if (!Number.isFinite(cp) || cp > 0x10ffff) return undefined;
      escaped(String.fromCodePoint(cp), i);
      i += 2 + len;
    } else if (multiline && (e === ' ' || e === '\t' || e === '\n' || e === '\r')) {
      // Line-ending backslash: drop the newline and all whitespace after it.
      let j = i + 1;
      while (j < end && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] !== '\n' && text[j] !== '\r') return undefined;
      while (j < end && /[ \t\r\n]/.test(text[j]!)) j++;
      i = j;
    } else {
      return undefined;
    }
    plain = i;
  }
  if (plain < end) flush(end);
  offsets?.push(end - start);
  return value;
}
