// Go to definition, find references and document highlights for task ids and
// variables, all answered from the document's symbol index.
import { DocumentHighlightKind, type DocumentHighlight, type Location, type Position } from 'vscode-languageserver-types';
import type { DocumentAnalysis } from './document-analysis';
import { isDeclaration, keyAt, namesSymbol, occurrenceAt, occurrencesOf, type Occurrence } from './symbol-index';

/** The occurrence under the cursor; on a key that names no task or variable, none, found without the model. */
function symbolAt(analysis: DocumentAnalysis, position: Position): Occurrence | undefined {
  const offset = analysis.offsetAt(position);
  const key = keyAt(analysis.scan, offset);
  return key && !namesSymbol(key) ? undefined : occurrenceAt(analysis.symbols, offset);
}

/** A task reference → its table's id; a variable → its [vars] key, and the tasks that register or output it. */
export function getDefinition(analysis: DocumentAnalysis, position: Position): Location[] {
  const o = symbolAt(analysis, position);
  if (!o) return [];
  const defining = (x: Occurrence): boolean =>
    x.kind === 'task' ? x.role === 'definition' : x.role === 'declaration' || x.role === 'register' || x.role === 'output';
  return occurrencesOf(analysis.symbols, o)
    .filter(defining)
    .sort((a, b) => rank(a) - rank(b) || a.span.start - b.span.start)
    .map((x) => ({ uri: analysis.uri, range: analysis.range(x.span) }));
}

/** [vars] first: it is where a reader looks for a variable's meaning. */
function rank(o: Occurrence): number {
  return o.kind === 'var' && o.role !== 'declaration' ? 1 : 0;
}

export function getReferences(analysis: DocumentAnalysis, position: Position, context: { readonly includeDeclaration: boolean }): Location[] {
  const o = symbolAt(analysis, position);
  if (!o) return [];
  return occurrencesOf(analysis.symbols, o)
    .filter((x) => context.includeDeclaration || !isDeclaration(x))
    .map((x) => ({ uri: analysis.uri, range: analysis.range(x.span) }));
}

export function getDocumentHighlights(analysis: DocumentAnalysis, position: Position): DocumentHighlight[] {
  const o = symbolAt(analysis, position);
  if (!o) return [];
  return occurrencesOf(analysis.symbols, o).map((x) => ({
    range: analysis.range(x.span),
    kind: isDeclaration(x) ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
  }));
}
