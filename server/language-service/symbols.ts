// The outline: the workflow, its [vars] and each task, read from the tolerant
// scan so that it does not vanish while a line is half-typed.
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import type { Span } from '../../runner/model/span';
import type { DocumentAnalysis } from './document-analysis';
import { firstLine } from './markdown';
import { allEntries, samePath, type ScanEntry, type ScanTable } from './toml-scan';
import { unquoted } from './symbol-index';
import { stringValue, type SketchTask, type SketchVar } from './workflow-sketch';

export function getDocumentSymbols(analysis: DocumentAnalysis): DocumentSymbol[] {
  const { text, scan, sketch } = analysis;
  const rootEntries = scan.tables[0]?.entries ?? [];
  const nameEntry = rootEntries.find((e) => samePath(e.path, ['name']));
  const name = analysis.workflow?.name ?? stringValue(text, nameEntry?.value) ?? 'workflow';
  const children: DocumentSymbol[] = [];

  const declared = sketch.vars.filter((v) => v.origin === 'vars');
  if (declared.length > 0) {
    const vars = declared.map((v) => varSymbol(analysis, v));
    const table = scan.tables.find((t) => t.header && samePath(t.path, ['vars']));
    const span = table ? table.span : cover(declared.map((v) => v.span));
    const selection = table?.header ? table.header.key.span : declared[0]!.span;
    children.push(symbol(analysis, 'vars', SymbolKind.Namespace, span, selection, vars, 'run variables'));
  }
  for (const t of sketch.tasks) children.push(taskSymbol(analysis, t));

  const whole = { start: 0, end: text.length };
  const selection = nameEntry?.value ? nameEntry.value.span : { start: 0, end: 0 };
  return [symbol(analysis, name, SymbolKind.Module, whole, selection, children, analysis.workflow?.description)];
}

function taskSymbol(analysis: DocumentAnalysis, t: SketchTask): DocumentSymbol {
  const task = analysis.workflow?.tasks.get(t.id);
  const target = task?.target?.value;
  const forensic = task ? task.type === 'forensic' : t.forensic;
  const about = t.description ?? firstLine(t.run);
  const detail = forensic ? `forensic${target !== undefined ? ` → ${target}` : ''}${about !== undefined ? ` · ${about}` : ''}` : about;
  return symbol(analysis, t.id, SymbolKind.Function, t.span, unquoted(analysis.text, t.idSpan), [], detail);
}

function varSymbol(analysis: DocumentAnalysis, v: SketchVar): DocumentSymbol {
  const { scan } = analysis;
  const path = ['vars', v.name];
  const table: ScanTable | undefined = scan.tables.find((t) => t.header && samePath(t.path, path));
  let entry: ScanEntry | undefined;
  for (const t of scan.tables) {
    for (const e of allEntries(t.entries)) if (!entry && samePath(e.path, path)) entry = e;
  }
  const span = table?.span ?? entry?.span ?? v.span;
  return symbol(analysis, v.name, SymbolKind.Variable, span, unquoted(analysis.text, v.span), [], v.secret ? 'secret' : v.description);
}

function symbol(analysis: DocumentAnalysis, name: string, kind: SymbolKind, span: Span, selection: Span, children: DocumentSymbol[], detail?: string): DocumentSymbol {
  // Clients reject a selection range outside the symbol's range, so the range always covers it.
  const whole = cover([span, selection]);
  return {
    // An empty name is rejected by VS Code; a half-typed header can produce one.
    name: name === '' ? '(unnamed)' : name,
    kind,
    range: analysis.range(whole),
    selectionRange: analysis.range(selection),
    ...(detail !== undefined && detail !== '' ? { detail } : {}),
    children,
  };
}

function cover(spans: readonly Span[]): Span {
  return { start: Math.min(...spans.map((s) => s.start)), end: Math.max(...spans.map((s) => s.end)) };
}
