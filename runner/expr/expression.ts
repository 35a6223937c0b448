// The condition expression language (`if = "…"`, conditional breakpoints): the
// one public entry point; parsing, evaluation and lexing live in their own files.

export type { BinaryOp, ExprError, ExprSpan } from './tokenize';
export { FUNCTIONS, expressionVariables, parseExpression } from './parse-expression';
export type { Expr, FunctionName, ParseResult } from './parse-expression';
export { evaluate, isTruthy } from './evaluate';
export type { EvalResult, Value } from './evaluate';
