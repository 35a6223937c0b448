// Parser for condition expressions: tokens → Expr tree, or the first error with
// the span of the offending token. Never throws; binary chains are built in loops
// and nesting is capped, so hostile input cannot overflow the stack.

import { tokenize, type BinaryOp, type ExprError, type ExprSpan, type Token } from './tokenize';

export type { BinaryOp, ExprError, ExprSpan } from './tokenize';

export type FunctionName = 'contains' | 'startsWith' | 'endsWith';

/**
 * A node's span covers its own source text. Parentheses around an operand are
 * part of the parent's span but not of the operand's, so `(env)` underlines `env`.
 */
export type Expr =
  | { readonly kind: 'var'; readonly name: string; readonly span: ExprSpan }
  | { readonly kind: 'string'; readonly value: string; readonly span: ExprSpan }
  | { readonly kind: 'number'; readonly value: number; readonly span: ExprSpan }
  | { readonly kind: 'bool'; readonly value: boolean; readonly span: ExprSpan }
  | { readonly kind: 'not'; readonly operand: Expr; readonly span: ExprSpan }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly span: ExprSpan;
      readonly opSpan: ExprSpan;
    }
  | {
      readonly kind: 'call';
      readonly fn: FunctionName;
      readonly args: readonly Expr[];
      readonly span: ExprSpan;
      readonly nameSpan: ExprSpan;
    };

export type ParseResult = { readonly ok: true; readonly expr: Expr } | { readonly ok: false; readonly error: ExprError };

/** The built-in functions: arity is checked by the parser, docs feed completion and hover. */
export const FUNCTIONS: Readonly<Record<FunctionName, { arity: number; doc: string }>> = {
  contains: { arity: 2, doc: 'contains(a, b): true when the text of a includes the text of b.' },
  startsWith: { arity: 2, doc: 'startsWith(a, b): true when the text of a begins with the text of b.' },
  endsWith: { arity: 2, doc: 'endsWith(a, b): true when the text of a ends with the text of b.' },
};

/** Deep enough for any real condition; shallow enough that recursion stays cheap. */
export const MAX_DEPTH = 64;

export function parseExpression(source: string): ParseResult {
  const parser = new Parser(source, tokenize(source));
  const parsed = parser.parseTop();
  if (parsed === undefined) {
    return { ok: false, error: parser.error ?? { message: 'invalid condition', span: { start: 0, end: source.length } } };
  }
  return { ok: true, expr: parsed.expr };
}

/** Every variable reference, in source order (duplicates kept). */
export function expressionVariables(expr: Expr): { name: string; span: ExprSpan }[] {
  const found: { name: string; span: ExprSpan }[] = [];
  // An explicit stack: chains of thousands of `&&` are thousands of levels deep.
  const stack: Expr[] = [expr];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    switch (node.kind) {
      case 'var':
        found.push({ name: node.name, span: node.span });
        break;
      case 'string':
      case 'number':
      case 'bool':
        break;
      case 'not':
        stack.push(node.operand);
        break;
      case 'binary':
        stack.push(node.right, node.left);
        break;
      case 'call':
        for (let i = node.args.length - 1; i >= 0; i--) stack.push(node.args[i]!);
        break;
      default: {
        const unreachable: never = node;
        return unreachable;
      }
    }
  }
  return found;
}

/** A parsed operand plus its outer extent, which includes any parentheses around it. */
interface Parsed {
  readonly expr: Expr;
  readonly outer: ExprSpan;
}

type ComparisonOp = Exclude<BinaryOp, '&&' | '||'>;

class Parser {
  error: ExprError | undefined;
  private pos = 0;
  private depth = 0;
  /** The last consumed token, for "after …" and "between …" messages. */
  private prev: Token | undefined;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseTop(): Parsed | undefined {
    if (this.peek().kind === 'eof') return this.fail('empty condition', { start: 0, end: this.source.length });
    const expr = this.parseOr();
    if (expr === undefined) return undefined;
    const tok = this.peek();
    if (tok.kind !== 'eof') return this.failAfterOperand(tok, false);
    return expr;
  }

  private parseOr(): Parsed | undefined {
    return this.parseChain('||', () => this.parseAnd());
  }

  private parseAnd(): Parsed | undefined {
    return this.parseChain('&&', () => this.parseComparison());
  }

  /** Left-associative chain built in a loop: 100,000 operands cost no stack. */
  private parseChain(op: '&&' | '||', operand: () => Parsed | undefined): Parsed | undefined {
    let left = operand();
    if (left === undefined) return undefined;
    for (let tok = this.peek(); tok.kind === 'op' && tok.op === op; tok = this.peek()) {
      this.advance();
      const right = operand();
      if (right === undefined) return undefined;
      left = this.binary(op, left, right, tok.span);
    }
    return left;
  }

  private parseComparison(): Parsed | undefined {
    const left = this.parseUnary();
    if (left === undefined) return undefined;
    const tok = this.peek();
    const op = comparisonOp(tok);
    if (op === undefined) return left;
    this.advance();
    const right = this.parseUnary();
    if (right === undefined) return undefined;
    const again = this.peek();
    if (comparisonOp(again) !== undefined) {
      return this.fail('comparisons cannot be chained; combine them with && or ||', again.span);
    }
    return this.binary(op, left, right, tok.span);
  }

  private parseUnary(): Parsed | undefined {
    const tok = this.peek();
    if (tok.kind !== 'bang') return this.parsePrimary();
    if (!this.enter(tok)) return undefined;
    this.advance();
    const operand = this.parseUnary();
    this.depth--;
    if (operand === undefined) return undefined;
    const span = { start: tok.span.start, end: operand.outer.end };
    return { expr: { kind: 'not', operand: operand.expr, span }, outer: span };
  }

  private parsePrimary(): Parsed | undefined {
    const tok = this.peek();
    switch (tok.kind) {
      case 'string':
        this.advance();
        return leaf({ kind: 'string', value: tok.value, span: tok.span });
      case 'number':
        this.advance();
        return leaf({ kind: 'number', value: tok.value, span: tok.span });
      case 'ident':
        this.advance();
        if (this.peek().kind === 'lparen') return this.parseCall(tok);
        if (!tok.dotted && (tok.name === 'true' || tok.name === 'false')) {
          return leaf({ kind: 'bool', value: tok.name === 'true', span: tok.span });
        }
        return leaf({ kind: 'var', name: tok.name, span: tok.span });
      case 'lparen': {
        if (!this.enter(tok)) return undefined;
        this.advance();
        const inner = this.parseOr();
        this.depth--;
        if (inner === undefined) return undefined;
        const close = this.peek();
        if (close.kind === 'eof') return this.fail('missing ")"', tok.span);
        if (close.kind !== 'rparen') return this.failAfterOperand(close, false);
        this.advance();
        return { expr: inner.expr, outer: { start: tok.span.start, end: close.span.end } };
      }
      case 'error':
        return this.fail(tok.error.message, tok.error.span);
      case 'op':
      case 'bang':
      case 'rparen':
      case 'comma':
      case 'eof':
        return this.failExpectedValue(tok);
      default: {
        const unreachable: never = tok;
        return unreachable;
      }
    }
  }

  private parseCall(name: Token & { kind: 'ident' }): Parsed | undefined {
    const fn = asFunctionName(name.name);
    if (fn === undefined || name.dotted) return this.fail(unknownFunctionMessage(name), name.span);
    const open = this.peek();
    if (!this.enter(open)) return undefined;
    this.advance();
    const args: Expr[] = [];
    let close = this.peek();
    if (close.kind !== 'rparen') {
      for (;;) {
        const arg = this.parseOr();
        if (arg === undefined) return undefined;
        args.push(arg.expr);
        close = this.peek();
        if (close.kind === 'comma') {
          this.advance();
          continue;
        }
        if (close.kind === 'rparen') break;
        if (close.kind === 'eof') return this.fail('missing ")"', open.span);
        return this.failAfterOperand(close, true);
      }
    }
    this.advance();
    this.depth--;
    const span = { start: name.span.start, end: close.span.end };
    const { arity } = FUNCTIONS[fn];
    if (args.length !== arity) {
      const plural = arity === 1 ? 'argument' : 'arguments';
      return this.fail(`${fn} expects ${arity} ${plural}, got ${args.length}`, span);
    }
    return leaf({ kind: 'call', fn, args, span, nameSpan: name.span });
  }

  private binary(op: BinaryOp, left: Parsed, right: Parsed, opSpan: ExprSpan): Parsed {
    const span = { start: left.outer.start, end: right.outer.end };
    return { expr: { kind: 'binary', op, left: left.expr, right: right.expr, span, opSpan }, outer: span };
  }

  /** Counts one nesting level for `(`, `!` or a call; the caller decrements. */
  private enter(tok: Token): boolean {
    if (this.depth >= MAX_DEPTH) {
      this.fail(`expression is nested too deeply (more than ${MAX_DEPTH} levels)`, tok.span);
      return false;
    }
    this.depth++;
    return true;
  }

  /** A value was required at `tok` but something else is there. */
  private failExpectedValue(tok: Token): undefined {
    const prev = this.prev;
    if (prev === undefined) {
      if (tok.kind === 'op') return this.fail(`expected a value before "${tok.op}"`, tok.span);
      return this.fail(`unexpected ${this.quote(tok)}`, tok.span);
    }
    return this.fail(`expected a value after ${this.quote(prev)}`, tok.span);
  }

  /** A complete operand was followed by `tok`, which cannot continue it. */
  private failAfterOperand(tok: Token, inCall: boolean): undefined {
    switch (tok.kind) {
      case 'error':
        return this.fail(tok.error.message, tok.error.span);
      case 'ident':
      case 'string':
      case 'number':
      case 'lparen':
      case 'bang': {
        const what = inCall ? '"," or an operator' : 'an operator';
        const prev = this.prev === undefined ? '' : `${this.quote(this.prev)} and `;
        return this.fail(`expected ${what} between ${prev}${this.quote(tok)}`, tok.span);
      }
      case 'op':
      case 'rparen':
      case 'comma':
      case 'eof':
        return this.fail(`unexpected ${this.quote(tok)}`, tok.span);
      default: {
        const unreachable: never = tok;
        return unreachable;
      }
    }
  }

  private fail(message: string, span: ExprSpan): undefined {
    this.error ??= { message, span };
    return undefined;
  }

  private peek(): Token {
    // tokenize() always ends with `eof` or `error`, and advance() never passes it.
    return this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1]!;
  }

  private advance(): void {
    this.prev = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
  }

  /** The token's source text in quotes, shortened so a message stays one line. */
  private quote(tok: Token): string {
    if (tok.kind === 'eof') return 'end of condition';
    const text = this.source.slice(tok.span.start, tok.span.end);
    return JSON.stringify(text.length > 24 ? `${text.slice(0, 23)}…` : text);
  }
}

function leaf(expr: Expr): Parsed {
  return { expr, outer: expr.span };
}

function comparisonOp(tok: Token): ComparisonOp | undefined {
  if (tok.kind !== 'op') return undefined;
  switch (tok.op) {
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return tok.op;
    case '&&':
    case '||':
      return undefined;
    default: {
      const unreachable: never = tok.op;
      return unreachable;
    }
  }
}

function asFunctionName(name: string): FunctionName | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? (name as FunctionName) : undefined;
}

function unknownFunctionMessage(name: Token & { kind: 'ident' }): string {
  if (name.dotted && asFunctionName(name.name) !== undefined) {
    return `functions are called without a leading "."; write ${name.name}(…)`;
  }
  const known = Object.keys(FUNCTIONS) as FunctionName[];
  const close = closestName(name.name, known);
  const hint = close === undefined ? `; functions are ${known.join(', ')}` : `; did you mean "${close}"?`;
  return `unknown function "${name.name}"${hint}`;
}

/** A case-insensitive match, or the nearest name within a couple of typos. */
function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  // Names here are short; skip the quadratic work for absurd identifiers.
  if (Math.abs(a.length - b.length) > 2) return Infinity;
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, substitute));
    }
    row = next;
  }
  return row[b.length] ?? Infinity;
}
