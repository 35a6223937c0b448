// Maps a TOML string literal's decoded value back to its source: value index
// → source offset. Diagnostics inside strings (templates, `if` tokens) must
// point at the characters as written, through escapes and `"""` line folding.

/**
 * Decode a TOML string literal (`raw` includes its quotes) and return, for
 * each value index i, the offset in `raw` where that character starts;
 * `offsets[value.length]` is the end of the content. Returns undefined when
 * `raw` is not a string literal this decoder understands.
 */
export function decodeTomlString(raw: string): { value: string; offsets: number[] } | undefined {
  let delim: string;
  if (raw.startsWith('"""') || raw.startsWith("'''")) delim = raw.slice(0, 3);
  else if (raw.startsWith('"') || raw.startsWith("'")) delim = raw[0]!;
  else return undefined;
  if (raw.length < delim.length * 2 || !raw.endsWith(delim)) return undefined;
  const multiline = delim.length === 3;
  const literal = delim[0] === "'";
  let i = delim.length;
  const end = raw.length - delim.length;
  // A newline right after the opening """ is not part of the value.
  if (multiline) {
    if (raw[i] === '\n') i++;
    else if (raw[i] === '\r' && raw[i + 1] === '\n') i += 2;
  }
  let value = '';
  const offsets: number[] = [];
  const push = (s: string, at: number): void => {
    for (let k = 0; k < s.length; k++) offsets.push(at);
    value += s;
  };
  while (i < end) {
    const c = raw[i]!;
    if (literal || c !== '\\') {
      push(c, i);
      i++;
      continue;
    }
    const e = raw[i + 1];
    const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };
    if (e !== undefined && simple[e] !== undefined) {
      push(simple[e], i);
      i += 2;
    } else if (e === 'u' || e === 'U' || e === 'x') {
      const len = e === 'u' ? 4 : e === 'U' ? 8 : 2;
      const hex = raw.slice(i + 2, i + 2 + len);
      const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : NaN;
      if (!Number.isFinite(cp) || cp > 0x10ffff) return undefined;
      push(String.fromCodePoint(cp), i);
      i += 2 + len;
    } else if (multiline && (e === ' ' || e === '\t' || e === '\n' || e === '\r')) {
      // Line-ending backslash: drop the newline and all whitespace after it.
      let j = i + 1;
      while (j < end && (raw[j] === ' ' || raw[j] === '\t')) j++;
      if (raw[j] !== '\n' && raw[j] !== '\r') return undefined;
      while (j < end && /[ \t\r\n]/.test(raw[j]!)) j++;
      i = j;
    } else {
      return undefined;
    }
  }
  offsets.push(end);
  return { value, offsets };
}
