// Evaluates a parsed condition against string variables. Coercions are fixed
// here (numeric vs text comparison, truthiness); the only failure is an unset variable.

import type { Expr, ExprError, FunctionName } from './parse-expression';

export type Value = string | number | boolean;

export type EvalResult = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: ExprError };

/** lookup returns undefined for an unset variable: evaluation then fails with an error naming it, at its span. */
export function evaluate(expr: Expr, lookup: (name: string) => string | undefined): EvalResult {
  return evalNode(expr, lookup);
}

export function isTruthy(v: Value): boolean {
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0 && !Number.isNaN(v);
    case 'string':
      return v !== '' && v !== '0' && v.toLowerCase() !== 'false';
    default: {
      const unreachable: never = v;
      return unreachable;
    }
  }
}

type Lookup = (name: string) => string | undefined;

function evalNode(expr: Expr, lookup: Lookup): EvalResult {
  switch (expr.kind) {
    case 'var': {
      const value = lookup(expr.name);
      if (value === undefined) return { ok: false, error: { message: `variable "${expr.name}" is not set`, span: expr.span } };
      return ok(value);
    }
    case 'string':
    case 'number':
    case 'bool':
      return ok(expr.value);
    case 'not': {
      const operand = evalNode(expr.operand, lookup);
      return operand.ok ? ok(!isTruthy(operand.value)) : operand;
    }
    case 'binary':
      return evalChain(expr, lookup);
    case 'call': {
      const args: Value[] = [];
      for (const arg of expr.args) {
        const r = evalNode(arg, lookup);
        if (!r.ok) return r;
        args.push(r.value);
      }
      return ok(callFunction(expr.fn, args));
    }
    default: {
      const unreachable: never = expr;
      return unreachable;
    }
  }
}

/**
 * `a && b && c` parses as `((a && b) && c)`, as deep as it is long. Walk the left
 * spine in a loop; recursion then only follows right operands and parentheses,
 * which the parser keeps shallow.
 */
function evalChain(root: Expr & { kind: 'binary' }, lookup: Lookup): EvalResult {
  const spine: (Expr & { kind: 'binary' })[] = [];
  let node: Expr = root;
  while (node.kind === 'binary') {
    spine.push(node);
    node = node.left;
  }
  const first = evalNode(node, lookup);
  if (!first.ok) return first;
  let acc: Value = first.value;
  for (let i = spine.length - 1; i >= 0; i--) {
    const b = spine[i]!;
    switch (b.op) {
      case '&&':
      case '||': {
        // Short-circuit: the right side is not evaluated, so an unset variable there is fine.
        const decided = b.op === '&&' ? !isTruthy(acc) : isTruthy(acc);
        if (decided) {
          acc = b.op === '||';
          break;
        }
        const right = evalNode(b.right, lookup);
        if (!right.ok) return right;
        acc = isTruthy(right.value);
        break;
      }
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const right = evalNode(b.right, lookup);
        if (!right.ok) return right;
        acc = compare(b.op, acc, right.value);
        break;
      }
      default: {
        const unreachable: never = b.op;
        return unreachable;
      }
    }
  }
  return ok(acc);
}

function compare(op: '==' | '!=' | '<' | '<=' | '>' | '>=', a: Value, b: Value): boolean {
  switch (op) {
    case '==':
      return equals(a, b);
    case '!=':
      return !equals(a, b);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const na = toNumber(a);
      const nb = toNumber(b);
      const order = na !== undefined && nb !== undefined ? order3(na, nb) : order3(toText(a), toText(b));
      return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
    }
    default: {
      const unreachable: never = op;
      return unreachable;
    }
  }
}

/** Numeric when a number meets a number or numeric text (`version == 2` matches "2.0"); text otherwise. */
function equals(a: Value, b: Value): boolean {
  if (typeof a === 'number' || typeof b === 'number') {
    const na = toNumber(a);
    const nb = toNumber(b);
    if (na !== undefined && nb !== undefined) return na === nb;
  }
  return toText(a) === toText(b);
}

// Decimal only: "0x10", "1e3" or "Infinity" are ids or text, not numbers, in a workflow.
const DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

function toNumber(v: Value): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return undefined;
  const text = v.trim();
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function toText(v: Value): string {
  return typeof v === 'string' ? v : String(v);
}

/** Text compares by code units, the same on every machine (no locale). */
function order3<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function callFunction(fn: FunctionName, args: readonly Value[]): boolean {
  const a = toText(args[0] ?? '');
  const b = toText(args[1] ?? '');
  switch (fn) {
    case 'contains':
      return a.includes(b);
    case 'startsWith':
      return a.startsWith(b);
    case 'endsWith':
      return a.endsWith(b);
    default: {
      const unreachable: never = fn;
      return unreachable;
    }
  }
}

function ok(value: Value): EvalResult {
  return { ok: true, value };
}
