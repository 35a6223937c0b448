// Completion: keys valid in the cursor's table (from the schema, minus those
// already there), table names in headers, task ids in deps / target, task
// types, and variable names in `{{ .` templates and `if` conditions. Works on
// the tolerant scan, so on half-typed text.
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
  type MarkupContent,
  type Position,
  type TextEdit,
} from 'vscode-languageserver-types';
import { FUNCTIONS } from '../../runner/expr/expression';
import { TASK_TYPES, type KeySpec, type ValueKind } from '../../runner/model/schema';
import type { Span } from '../../runner/model/span';
import { cursorContext, type CursorContext } from './cursor-context';
import type { DerivedKey, DocumentAnalysis } from './document-analysis';
import { clip, codeBlock, escape, firstLine } from './markdown';
import { keyTable } from './key-tables';
import { stringValue, type SketchTask, type SketchVar } from './workflow-sketch';

export interface CompletionOptions {
  /** The client takes snippets (`run = "$1"`); plain `run = ` otherwise. */
  readonly snippetSupport?: boolean;
}

export function getCompletions(analysis: DocumentAnalysis, position: Position, options: CompletionOptions = {}): CompletionList {
  const offset = analysis.offsetAt(position);
  const ctx = cursorContext(analysis.text, analysis.tableAt(offset), offset);
  const items = itemsFor(analysis, ctx, offset, options);
  return { isIncomplete: false, items };
}

function itemsFor(a: DocumentAnalysis, ctx: CursorContext, offset: number, options: CompletionOptions): CompletionItem[] {
  switch (ctx.kind) {
    case 'key':
      return keyItems(a, ctx, options);
    case 'header':
      return headerItems(a, ctx);
    case 'value':
      return valueItems(a, ctx, offset, options);
    case 'none':
      return [];
    default: {
      const never: never = ctx;
      return never;
    }
  }
}

// ---- keys -------------------------------------------------------------------

const isTableKind = (k: ValueKind): boolean => k === 'table' || k === 'env-table';

/** Keys written under `path` anywhere in the document, except the one at `except`. */
function presentKeys(a: DocumentAnalysis, path: readonly string[], except: number): Set<string> {
  const out = new Set<string>();
  for (const k of a.scan.keysOfDepth(path.length + 1)) {
    if (k.span.start !== except && path.every((s, i) => k.path[i] === s)) out.add(k.path[path.length]!);
  }
  return out;
}

function keyItems(a: DocumentAnalysis, ctx: Extract<CursorContext, { kind: 'key' }>, options: CompletionOptions): CompletionItem[] {
  const table = keyTable(ctx.table);
  if (!table) return [];
  const present = presentKeys(a, ctx.table, ctx.partial.start);
  const range = a.range(ctx.partial);
  const hasValue = ctx.entry?.equals !== undefined;
  const items: CompletionItem[] = [];
  Object.entries(table).forEach(([key, spec], i) => {
    // At the top level, tables are written as [headers], not as keys.
    if (present.has(key) || (ctx.table.length === 0 && spec.kind === 'table')) return;
    const snippet = options.snippetSupport === true && !hasValue;
    const newText = hasValue ? key : `${key} = ${snippet ? valueSnippet(key, spec) : ''}`;
    items.push({
      label: key,
      kind: CompletionItemKind.Property,
      detail: kindLabel(spec.kind),
      documentation: { kind: MarkupKind.Markdown, value: spec.doc },
      sortText: String(i).padStart(3, '0'),
      textEdit: { range, newText },
      ...(snippet ? { insertTextFormat: InsertTextFormat.Snippet } : {}),
    });
  });
  return items;
}

function valueSnippet(key: string, spec: KeySpec): string {
  if (key === 'type') return `"\${1|${TASK_TYPES.join(',')}|}"`;
  switch (spec.kind) {
    case 'string':
    case 'duration':
    case 'scalar':
      return '"$1"';
    case 'string-array':
      return '[$1]';
    case 'integer':
      return '$1';
    case 'boolean':
      return '${1|true,false|}';
    case 'env-table':
    case 'table':
      return '{ $1 }';
    default: {
      const never: never = spec.kind;
      return never;
    }
  }
}

function kindLabel(kind: ValueKind): string {
  switch (kind) {
    case 'string':
      return 'string';
    case 'string-array':
      return 'array of strings';
    case 'duration':
      return 'duration ("30s", "10m")';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'scalar':
      return 'string, number or boolean';
    case 'env-table':
      return 'table of environment variables';
    case 'table':
      return 'table';
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function headerItems(a: DocumentAnalysis, ctx: Extract<CursorContext, { kind: 'header' }>): CompletionItem[] {
  const table = keyTable(ctx.parent);
  if (!table) return [];
  const present = presentKeys(a, ctx.parent, ctx.partial.start);
  const range = a.range(ctx.partial);
  const items: CompletionItem[] = [];
  for (const [key, spec] of Object.entries(table)) {
    if (!isTableKind(spec.kind)) continue;
    // [tasks.<id>] is how every task starts, so "tasks" is offered however many there are.
    if (present.has(key) && key !== 'tasks') continue;
    items.push({
      label: key,
      kind: CompletionItemKind.Module,
      documentation: { kind: MarkupKind.Markdown, value: spec.doc },
      textEdit: { range, newText: key === 'tasks' && ctx.parent.length === 0 ? 'tasks.' : key },
    });
  }
  return items;
}

// ---- values -----------------------------------------------------------------

const ID_CHAR = /[A-Za-z0-9_-]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const TEMPLATE_OPEN = /\{\{[ \t]*\.([A-Za-z0-9_]*)$/;

function valueItems(a: DocumentAnalysis, ctx: Extract<CursorContext, { kind: 'value' }>, offset: number, options: CompletionOptions): CompletionItem[] {
  const text = a.text;
  const s = ctx.string;
  if (s && TEMPLATE_OPEN.test(text.slice(s.content.start, offset))) return templateItems(a, wordAt(text, offset, s.content, NAME_CHAR));
  const task = ctx.key.length === 3 && ctx.key[0] === 'tasks' ? ctx.key[1] : undefined;
  const leaf = ctx.key[2];
  if (task === undefined) return [];
  switch (leaf) {
    case 'deps': {
      if (!ctx.array && s) return [];
      // Ids already listed, except the one being edited.
      const listed = new Set((ctx.array?.items ?? []).filter((i) => !(i.span.start <= offset && offset <= i.span.end)).flatMap((i) => stringValue(text, i) ?? []));
      const candidates = taskBases(a).filter((t) => t.label !== task && !t.forensic && !listed.has(t.label));
      if (s) return taskItems(a, candidates, wordAt(text, offset, s.content, ID_CHAR), (id) => id);
      if (ctx.array) return taskItems(a, candidates, ctx.partial, (id) => `"${id}"`);
      return taskItems(a, candidates, ctx.partial, (id) => `["${id}"]`);
    }
    case 'target': {
      if (ctx.array) return [];
      const candidates = taskBases(a).filter((t) => t.label !== task && !t.forensic);
      return s ? taskItems(a, candidates, wordAt(text, offset, s.content, ID_CHAR), (id) => id) : taskItems(a, candidates, ctx.partial, (id) => `"${id}"`);
    }
    case 'type': {
      if (ctx.array) return [];
      const range = a.range(s ? wordAt(text, offset, s.content, ID_CHAR) : ctx.partial);
      return TASK_TYPES.map((t) => ({
        label: t,
        kind: CompletionItemKind.EnumMember,
        detail: t === 'task' ? 'an ordinary task (the default)' : 'runs only when its target fails',
        textEdit: { range, newText: s ? t : `"${t}"` },
      }));
    }
    case 'if':
      return s && !ctx.array && !inExpressionString(text, s.content.start, offset) ? conditionItems(a, wordAt(text, offset, s.content, NAME_CHAR), options) : [];
    default:
      return [];
  }
}

/** The run of `chars` around the offset, inside `within`. */
function wordAt(text: string, offset: number, within: Span, chars: RegExp): Span {
  let start = offset;
  while (start > within.start && chars.test(text[start - 1] ?? '')) start--;
  let end = offset;
  while (end < within.end && chars.test(text[end] ?? '')) end++;
  return { start, end };
}

// What a completion item of a task or variable says does not depend on the request: it is built once per
// version, and only the text edit, whose range is the request's, is made per request. A task's part depends on
// nothing but its id, description, run and type, so a new version reuses those of the tasks that kept them.

interface ItemBase {
  readonly label: string;
  readonly detail: string;
  readonly documentation?: MarkupContent;
}

interface TaskBase extends ItemBase {
  /** What the item was made from (the label is the id). */
  readonly description: string | undefined;
  readonly run: string | undefined;
  readonly forensic: boolean;
}

const TASK_BASES: DerivedKey<readonly TaskBase[]> = { name: 'completion: task items' };
const VAR_BASES: DerivedKey<readonly ItemBase[]> = { name: 'completion: variable items' };

/**
 * Shared by the items of every request on this version (and the next ones), so read-only by contract: not frozen,
 * since JSON.stringify takes a slower path on frozen objects (~1 ms more for 2,000 items).
 */
function markdown(value: string): MarkupContent {
  return { kind: MarkupKind.Markdown, value };
}

/** Every task of the sketch, in order, with its item's label, detail and documentation. */
function taskBases(a: DocumentAnalysis): readonly TaskBase[] {
  return a.derive(TASK_BASES, (previous) => {
    let byId: Map<string, TaskBase> | undefined;
    const reusable = (t: SketchTask, i: number): TaskBase | undefined => {
      if (!previous) return undefined;
      // Tasks seldom move between versions: look at the same place first.
      let old = previous[i];
      if (old?.label !== t.id) old = (byId ??= new Map(previous.map((b) => [b.label, b]))).get(t.id);
      return old && old.description === t.description && old.run === t.run && old.forensic === t.forensic ? old : undefined;
    };
    return a.sketch.tasks.map((t, i): TaskBase => reusable(t, i) ?? taskBase(t));
  });
}

function taskBase(t: SketchTask): TaskBase {
  const doc = [t.description !== undefined ? escape(t.description) : '', t.run !== undefined ? codeBlock(clip(t.run), 'sh') : ''].filter((x) => x !== '').join('\n\n');
  const made = { label: t.id, detail: t.description ?? firstLine(t.run) ?? 'task', description: t.description, run: t.run, forensic: t.forensic };
  return doc ? { ...made, documentation: markdown(doc) } : made;
}

/** Each variable once, in order (declared ones first, then those only tasks set), with its item's parts. */
function varBases(a: DocumentAnalysis): readonly ItemBase[] {
  return a.derive(VAR_BASES, () => {
    const byName = new Map<string, SketchVar[]>();
    for (const v of a.sketch.vars) {
      const defs = byName.get(v.name);
      if (defs) defs.push(v);
      else byName.set(v.name, [v]);
    }
    return [...byName].map(([name, defs]): ItemBase => {
      const description = defs.find((d) => d.description !== undefined)?.description;
      const detail = varDetail(defs);
      return description !== undefined ? { label: name, detail, documentation: markdown(escape(description)) } : { label: name, detail };
    });
  });
}

const sortTexts: string[] = [];
/** `00042`: keeps the items in the order given. */
function sortText(i: number): string {
  return (sortTexts[i] ??= String(i).padStart(5, '0'));
}

function item(base: ItemBase, kind: CompletionItemKind, i: number, textEdit: TextEdit): CompletionItem {
  const { label, detail, documentation } = base;
  return documentation ? { label, kind, detail, documentation, sortText: sortText(i), textEdit } : { label, kind, detail, sortText: sortText(i), textEdit };
}

function taskItems(a: DocumentAnalysis, tasks: readonly TaskBase[], partial: Span, write: (id: string) => string): CompletionItem[] {
  const range = a.range(partial);
  const items = new Array<CompletionItem>(tasks.length);
  for (let i = 0; i < tasks.length; i++) {
    const base = tasks[i]!;
    items[i] = item(base, CompletionItemKind.Function, i, { range, newText: write(base.label) });
  }
  return items;
}

function varDetail(defs: readonly SketchVar[]): string {
  const decl = defs.find((d) => d.origin === 'vars');
  if (decl) return decl.secret ? 'secret variable' : 'variable';
  const by = defs.map((d) => `${d.task ?? '?'}${d.origin === 'outputs' ? ' (outputs)' : ''}`);
  return `set by ${by.join(', ')}`;
}

function varItems(a: DocumentAnalysis, range: Span, write: (name: string) => string): CompletionItem[] {
  const r = a.range(range);
  return varBases(a).map((base, i) => item(base, CompletionItemKind.Variable, i, { range: r, newText: write(base.label) }));
}

function templateItems(a: DocumentAnalysis, word: Span): CompletionItem[] {
  // Close the template unless it already is: `{{ .ver` → `{{ .version }}`.
  const closed = /^[ \t]*\}\}/.test(a.text.slice(word.end));
  return varItems(a, word, (name) => (closed ? name : `${name} }}`));
}

function conditionItems(a: DocumentAnalysis, word: Span, options: CompletionOptions): CompletionItem[] {
  const items = varItems(a, word, (name) => name);
  const range = a.range(word);
  for (const [fn, spec] of Object.entries(FUNCTIONS)) {
    const snippet = options.snippetSupport === true;
    items.push({
      label: fn,
      kind: CompletionItemKind.Function,
      detail: `${fn}(a, b)`,
      documentation: { kind: MarkupKind.Markdown, value: escape(spec.doc) },
      textEdit: { range, newText: snippet ? `${fn}($1)` : `${fn}(` },
      ...(snippet ? { insertTextFormat: InsertTextFormat.Snippet } : {}),
    });
  }
  return items;
}

/** Inside a quoted literal of the condition (`env == 'pr|'`), where names are not expected. */
function inExpressionString(text: string, from: number, offset: number): boolean {
  let quote: string | undefined;
  for (let i = from; i < offset; i++) {
    const c = text[i];
    if (quote === undefined) {
      if (c === "'" || c === '"') quote = c;
    } else if (c === quote) quote = undefined;
  }
  return quote !== undefined;
}
