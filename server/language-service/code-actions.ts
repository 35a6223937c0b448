// Quick fixes: the validator's Fix entries (a misspelt id or key → the close
// known one) as workspace edits, for the diagnostics under the requested range.
import { CodeActionKind, type CodeAction, type Range } from 'vscode-languageserver-types';
import type { Span } from '../../runner/model/span';
import type { Diagnostic as RunnerDiagnostic, Fix } from '../../runner/validate/diagnostic';
import { toLspDiagnostic } from './diagnostics';
import type { DocumentAnalysis } from './document-analysis';

export interface CodeActionRequest {
  /** The kinds the client asked for (LSP CodeActionContext.only); all when absent. */
  readonly only?: readonly string[];
}

export function getCodeActions(analysis: DocumentAnalysis, range: Range, request: CodeActionRequest = {}): CodeAction[] {
  if (request.only && request.only.length > 0 && !request.only.some((k) => kindIncludes(k, CodeActionKind.QuickFix))) return [];
  const from = analysis.offsetAt(range.start);
  const to = Math.max(from, analysis.offsetAt(range.end));
  const fixable = analysis.diagnostics.filter((d): d is RunnerDiagnostic & { fix: Fix } => d.fix !== undefined && d.span.start <= to && from <= d.span.end);
  return fixable.map((d) => {
    // Preferred (what "auto fix" applies) only when it is the one fix offered for that problem.
    const rivals = fixable.filter((o) => overlaps(o.span, d.span)).length;
    return {
      title: d.fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [toLspDiagnostic(analysis, d)],
      edit: { changes: { [analysis.uri]: [{ range: analysis.range(d.fix.span), newText: d.fix.newText }] } },
      ...(rivals === 1 ? { isPreferred: true } : {}),
    };
  });
}

/** `quickfix` includes `quickfix` and asks for nothing else; kinds nest by dots. */
function kindIncludes(requested: string, kind: string): boolean {
  return kind === requested || kind.startsWith(`${requested}.`) || requested === '';
}

function overlaps(a: Span, b: Span): boolean {
  return a.start <= b.end && b.start <= a.end;
}
