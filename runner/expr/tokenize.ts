// Lexer for condition expressions (`if = "…"`, conditional breakpoints): turns
// source text into tokens with exact UTF-16 spans, stopping at the first bad one.

export interface ExprSpan {
  /** Offset of the first character (inclusive). */
  readonly start: number;
  /** Offset just past the last character (exclusive). */
  readonly end: number;
}

export interface ExprError {
  readonly message: string;
  readonly span: ExprSpan;
}

export type BinaryOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

export type Token =
  | { readonly kind: 'ident'; readonly name: string; readonly dotted: boolean; readonly span: ExprSpan }
  | { readonly kind: 'string'; readonly value: string; readonly span: ExprSpan }
  | { readonly kind: 'number'; readonly value: number; readonly span: ExprSpan }
  | { readonly kind: 'op'; readonly op: BinaryOp; readonly span: ExprSpan }
  | { readonly kind: 'bang' | 'lparen' | 'rparen' | 'comma' | 'eof'; readonly span: ExprSpan }
  /** Where lexing failed; the parser reports it only if nothing earlier is wrong. */
  | { readonly kind: 'error'; readonly error: ExprError; readonly span: ExprSpan };

/** Always ends with exactly one `eof` or `error` token, so the parser never runs off the end. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const scanned = scanToken(source, i);
    tokens.push(scanned);
    if (scanned.kind === 'error') return tokens;
    i = scanned.span.end;
  }
  tokens.push({ kind: 'eof', span: { start: source.length, end: source.length } });
  return tokens;
}

function scanToken(src: string, start: number): Token {
  const c = src[start] ?? '';
  const next = src[start + 1] ?? '';
  const at = (end: number): ExprSpan => ({ start, end });
  const fail = (message: string, end: number): Token => ({ kind: 'error', error: { message, span: at(end) }, span: at(end) });

  if (isIdentStart(src.charCodeAt(start))) return scanIdent(src, start, start, false);
  if (isDigit(src.charCodeAt(start))) return scanNumber(src, start);
  switch (c) {
    case "'":
    case '"':
      return scanString(src, start);
    case '.':
      if (isIdentStart(src.charCodeAt(start + 1))) return scanIdent(src, start, start + 1, true);
      return fail('expected a variable name after "."', start + 1);
    case '-':
      if (isDigit(src.charCodeAt(start + 1))) return scanNumber(src, start);
      return fail('"-" must be followed by a digit (there is no arithmetic)', start + 1);
    case '(':
      return { kind: 'lparen', span: at(start + 1) };
    case ')':
      return { kind: 'rparen', span: at(start + 1) };
    case ',':
      return { kind: 'comma', span: at(start + 1) };
    case '=':
      if (next !== '=') return fail('"=" is not an operator; use "=="', start + 1);
      if (src[start + 2] === '=') return fail('"===" is not an operator; use "=="', start + 3);
      return { kind: 'op', op: '==', span: at(start + 2) };
    case '!':
      if (next !== '=') return { kind: 'bang', span: at(start + 1) };
      if (src[start + 2] === '=') return fail('"!==" is not an operator; use "!="', start + 3);
      return { kind: 'op', op: '!=', span: at(start + 2) };
    case '<':
    case '>': {
      const op = next === '=' ? (c === '<' ? '<=' : '>=') : c === '<' ? '<' : '>';
      return { kind: 'op', op, span: at(start + op.length) };
    }
    case '&':
      if (next === '&') return { kind: 'op', op: '&&', span: at(start + 2) };
      return fail('"&" is not an operator; use "&&"', start + 1);
    case '|':
      if (next === '|') return { kind: 'op', op: '||', span: at(start + 2) };
      return fail('"|" is not an operator; use "||"', start + 1);
    default: {
      // A whole code point, so an emoji is underlined as one character.
      const ch = String.fromCodePoint(src.codePointAt(start) ?? 0);
      return fail(`unexpected character ${JSON.stringify(ch)}`, start + ch.length);
    }
  }
}

function scanIdent(src: string, start: number, nameStart: number, dotted: boolean): Token {
  let end = nameStart + 1;
  // A qualified name (`vars.version`, `task.command`: the debugger's names) is one name.
  for (;;) {
    while (isIdentPart(src.charCodeAt(end))) end++;
    if (src[end] !== '.' || !isIdentStart(src.charCodeAt(end + 1))) break;
    end += 2;
  }
  return { kind: 'ident', name: src.slice(nameStart, end), dotted, span: { start, end } };
}

function scanNumber(src: string, start: number): Token {
  let end = start + 1; // a leading "-" or the first digit
  while (isDigit(src.charCodeAt(end))) end++;
  if (src[end] === '.' && isDigit(src.charCodeAt(end + 1))) {
    end += 2;
    while (isDigit(src.charCodeAt(end))) end++;
  }
  // `1.2.3` or `2abc` is almost always a version or id meant as text: say so.
  if (isIdentPart(src.charCodeAt(end)) || src[end] === '.') {
    while (isIdentPart(src.charCodeAt(end)) || src[end] === '.') end++;
    const text = src.slice(start, end);
    const span = { start, end };
    return { kind: 'error', error: { message: `invalid number "${text}"; write '${text}' to compare it as text`, span }, span };
  }
  const value = Number(src.slice(start, end));
  if (!Number.isFinite(value)) {
    const span = { start, end };
    return { kind: 'error', error: { message: 'number is too large', span }, span };
  }
  return { kind: 'number', value, span: { start, end } };
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t' };

function scanString(src: string, start: number): Token {
  const quote = src[start];
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const ch = src[i];
    if (ch === quote) return { kind: 'string', value, span: { start, end: i + 1 } };
    if (ch === '\\') {
      if (i + 1 >= src.length) break;
      const escaped = ESCAPES[src[i + 1] ?? ''];
      if (escaped === undefined) {
        const bad = String.fromCodePoint(src.codePointAt(i + 1) ?? 0);
        const span = { start: i, end: i + 1 + bad.length };
        const message = `unknown escape "\\${bad}"; use \\\\, \\', \\", \\n or \\t`;
        return { kind: 'error', error: { message, span }, span };
      }
      value += escaped;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  const span = { start, end: src.length };
  return { kind: 'error', error: { message: 'unterminated string', span }, span };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0xfeff;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
