// The Debug Console's and conditional breakpoints' expressions: the condition language of `if =` (SPEC §1.2,
// runner/expr: parsed, never eval'd) with the debugger's names. A run variable is `version` or `vars.version`;
// the task at hand is `task.id`, `task.command`, `task.dir`, `task.attempt`, and `task.env.NAME`.
import { evaluate, parseExpression, type Expr, type Value } from '../expr/expression';
import type { PreparedTask } from '../engine/task-context';

/** The task the run is paused at (or about to start), as expressions see it. */
export interface TaskAtHand {
  readonly id: string;
  readonly attempt: number;
  readonly prepared?: PreparedTask;
}

export interface DebugScope {
  /** A run variable's value, as shown (a secret as ***). */
  readonly variable: (name: string) => string | undefined;
  readonly task?: TaskAtHand;
}

export type DebugValue = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly message: string };

/**
 * The env a task set itself, as the debugger shows it: secrets masked (the fingerprint's copy). `ownEnv` holds
 * the real values the process gets, and is never shown.
 */
export const shownEnv = (p: PreparedTask): Readonly<Record<string, string>> => p.fingerprint.env;

/** The value a debugger name stands for, or undefined when it names nothing. */
export function lookupName(name: string, scope: DebugScope): string | undefined {
  if (name.startsWith('vars.')) return scope.variable(name.slice('vars.'.length));
  if (name.startsWith('task.') && scope.task) {
    const t = scope.task;
    const field = name.slice('task.'.length);
    if (field === 'id') return t.id;
    if (field === 'attempt') return String(t.attempt);
    if (field === 'command') return t.prepared?.shownCommand;
    if (field === 'dir') return t.prepared?.dir;
    if (field.startsWith('env.')) return t.prepared ? shownEnv(t.prepared)[field.slice('env.'.length)] : undefined;
    return undefined;
  }
  return scope.variable(name);
}

export function evaluateExpr(expr: Expr, scope: DebugScope): DebugValue {
  const r = evaluate(expr, (n) => lookupName(n, scope));
  return r.ok ? { ok: true, value: r.value } : { ok: false, message: r.error.message };
}

/** Parses and evaluates what was typed in the Debug Console (or a hover). */
export function evaluateText(text: string, scope: DebugScope): DebugValue {
  const parsed = parseExpression(text.trim());
  if (!parsed.ok) return { ok: false, message: `${parsed.error.message} (at column ${parsed.error.span.start + 1})` };
  return evaluateExpr(parsed.expr, scope);
}
