// Where a breakpoint in a workflow file pauses: a breakpoint on any line of a task's table (its header through
// its last key) pauses before that task starts. Lines come from the validator's spans, so a breakpoint follows
// what Cairn parsed, not a guess at the text. Anything else (vars, defaults, comments between tasks) is not
// verified, and says why. A condition is parsed here, so a malformed one is refused when it is set.
import { parseExpression, type Expr } from '../expr/expression';
import { parseWorkflow } from '../model/parse-workflow';
import { LineIndex } from '../model/span';

export interface BreakpointRequest {
  /** 1-based, as the editor counts lines. */
  readonly line: number;
  readonly condition?: string;
}

export interface PlacedBreakpoint {
  readonly line: number;
  readonly verified: boolean;
  /** The task it pauses before, when verified. */
  readonly task?: string;
  readonly condition?: Expr;
  readonly conditionText?: string;
  /** Why it is not verified. */
  readonly message?: string;
}

/** Each task's lines (1-based, inclusive) in the file's text; empty when the text is not a workflow. */
export function taskLines(text: string): { readonly task: string; readonly first: number; readonly last: number }[] {
  const wf = parseWorkflow(text).workflow;
  if (!wf) return [];
  const lines = new LineIndex(text);
  return [...wf.tasks.values()].map((t) => ({ task: t.id, first: lines.lineCol(t.span.start).line, last: lines.lineCol(Math.max(t.span.start, t.span.end - 1)).line }));
}

export function placeBreakpoints(text: string, requests: readonly BreakpointRequest[]): PlacedBreakpoint[] {
  const tasks = taskLines(text);
  return requests.map((r) => {
    const hit = tasks.find((t) => r.line >= t.first && r.line <= t.last);
    if (!hit) {
      return { line: r.line, verified: false, message: tasks.length === 0 ? 'this file is not a workflow Cairn can read' : 'not inside a task: a breakpoint goes on a [tasks.X] table, and pauses before X starts' };
    }
    const text = r.condition?.trim();
    if (text === undefined || text === '') return { line: r.line, verified: true, task: hit.task };
    const parsed = parseExpression(text);
    if (!parsed.ok) return { line: r.line, verified: false, task: hit.task, message: `condition: ${parsed.error.message} (at column ${parsed.error.span.start + 1})` };
    return { line: r.line, verified: true, task: hit.task, condition: parsed.expr, conditionText: text };
  });
}
