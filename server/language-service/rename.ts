// Rename a task id (every key naming the task, every deps / target entry) or
// a variable (its [vars] key, register / outputs entries, `{{ .x }}` and `if`
// uses, CAIRN_VAR_x in commands). Refusals carry a message for the user.
import type { Position, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver-types';
import { TASK_ID, VAR_NAME } from '../../runner/model/schema';
import type { DocumentAnalysis } from './document-analysis';
import { isDeclaration, occurrenceAt, occurrencesOf, type Occurrence } from './symbol-index';

export type PrepareRenameResult =
  | { readonly ok: true; readonly range: Range; readonly placeholder: string }
  | { readonly ok: false; readonly message: string };

export type RenameResult = { readonly ok: true; readonly edit: WorkspaceEdit } | { readonly ok: false; readonly message: string };

export function prepareRename(analysis: DocumentAnalysis, position: Position): PrepareRenameResult {
  const found = renameTarget(analysis, position);
  if (!found.ok) return found;
  const o = found.occurrence;
  return { ok: true, range: analysis.range(o.span), placeholder: o.kind === 'task' ? o.id : o.name };
}

export function rename(analysis: DocumentAnalysis, position: Position, newName: string): RenameResult {
  const found = renameTarget(analysis, position);
  if (!found.ok) return found;
  const o = found.occurrence;
  const all = occurrencesOf(analysis.symbols, o);
  const oldName = o.kind === 'task' ? o.id : o.name;
  if (o.kind === 'task') {
    if (!TASK_ID.test(newName)) return { ok: false, message: `"${newName}" is not a valid task id: use only letters, digits, "_" and "-"` };
    if (newName !== oldName && analysis.workflow?.tasks.has(newName)) return { ok: false, message: `there is already a task "${newName}"` };
  } else {
    if (!VAR_NAME.test(newName)) return { ok: false, message: `"${newName}" is not a valid variable name: use letters, digits and _, not starting with a digit` };
    if (newName !== oldName && analysis.symbols.occurrences.some((x) => x.kind === 'var' && x.name === newName)) {
      return { ok: false, message: `a variable "${newName}" is already declared or used in this workflow` };
    }
  }
  // A valid id or variable name is also a valid bare TOML key and needs no escaping in a
  // string, so the new name is written as is, inside quotes where the old one had them.
  const edits = all.map((x): TextEdit => {
    if (x.kind === 'var' && x.edit.template) return { range: analysis.range(x.edit.span), newText: `{{ .${newName} }}` };
    return { range: analysis.range(x.kind === 'var' ? x.edit.span : x.span), newText: newName };
  });
  return { ok: true, edit: { changes: { [analysis.uri]: withoutOverlaps(edits, analysis) } } };
}

type Target = { readonly ok: true; readonly occurrence: Occurrence } | { readonly ok: false; readonly message: string };

function renameTarget(analysis: DocumentAnalysis, position: Position): Target {
  const wf = analysis.workflow;
  if (!wf) return { ok: false, message: 'cannot rename while the file is not valid TOML: fix the syntax error first' };
  const o = occurrenceAt(analysis.symbols, analysis.offsetAt(position));
  if (!o) return { ok: false, message: 'only a task id or a variable name can be renamed; put the cursor on one' };
  if (o.kind === 'task' && !wf.tasks.has(o.id)) {
    return { ok: false, message: `"${o.id}" is not a task of this workflow, so there is nothing to rename: correct the reference instead` };
  }
  if (o.kind === 'var' && !occurrencesOf(analysis.symbols, o).some(isDeclaration)) {
    return { ok: false, message: `variable "${o.name}" is defined nowhere in this workflow: declare it in [vars] (or register it) before renaming` };
  }
  return { ok: true, occurrence: o };
}

/** Sorted, and never two edits on the same characters (the client rejects overlapping edits). */
function withoutOverlaps(edits: readonly TextEdit[], analysis: DocumentAnalysis): TextEdit[] {
  const keyed = edits.map((e) => ({ e, start: analysis.offsetAt(e.range.start), end: analysis.offsetAt(e.range.end) }));
  keyed.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: TextEdit[] = [];
  let last = -1;
  for (const k of keyed) {
    if (k.start < last) continue;
    out.push(k.e);
    last = k.end;
  }
  return out;
}
