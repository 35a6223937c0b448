// Every place a task id or a variable name is written in one workflow, with
// its role: what hover, go to definition, references, highlights and rename
// share. Built from the runner's model (spans included) plus the tolerant
// scan for the key segments the model records only once ([tasks.x.env]).
import { innerSpan } from '../../runner/model/parse-workflow';
import type { Span } from '../../runner/model/span';
import { parseTemplate } from '../../runner/model/template';
import type { SourceString, Task, TaskSettings, VarUse, Workflow } from '../../runner/model/workflow';
import type { KeyOccurrence, TomlScan } from './toml-scan';

/**
 * definition: the id in the task's table header (or key); header: another key naming the
 * same task (`[tasks.x.env]`); dep / target: a reference from another task.
 */
export type TaskRole = 'definition' | 'header' | 'dep' | 'target';

/**
 * declaration: the [vars] key; declaration-key: another key naming it (`[vars.x]` after
 * `vars.x.env = …`); register / output: a task that sets it; use: `{{ .x }}` or an `if`
 * identifier; shell: `CAIRN_VAR_x` in a command or env value, or an `x=` line a task
 * writes to $CAIRN_OUTPUT.
 */
export type VarRole = 'declaration' | 'declaration-key' | 'register' | 'output' | 'use' | 'shell';

export interface TaskOccurrence {
  readonly kind: 'task';
  readonly id: string;
  readonly role: TaskRole;
  /** The id's characters, without quotes. */
  readonly span: Span;
  /** The task whose deps / target this is. */
  readonly owner?: string;
}

export interface VarOccurrence {
  readonly kind: 'var';
  readonly name: string;
  readonly role: VarRole;
  /** The name's characters where they can be found; else the whole use. */
  readonly span: Span;
  /** What rename replaces: the name, or (when the name is written with escapes) the whole `{{ … }}`. */
  readonly edit: { readonly span: Span; readonly template: boolean };
  /** The task it belongs to; absent for [vars] and [defaults]. */
  readonly owner?: string;
  readonly use?: VarUse;
}

export type Occurrence = TaskOccurrence | VarOccurrence;

export interface SymbolIndex {
  /** In document order. */
  readonly occurrences: readonly Occurrence[];
}

export const EMPTY_INDEX: SymbolIndex = { occurrences: [] };

export function buildSymbolIndex(text: string, wf: Workflow, scan: TomlScan): SymbolIndex {
  const out: Occurrence[] = [];
  addTasks(text, wf, scan, out);
  addVars(text, wf, scan, out);
  out.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  return { occurrences: out };
}

/** The occurrence under the cursor: one containing the offset, or ending at it (the cursor just after a name). */
export function occurrenceAt(index: SymbolIndex, offset: number): Occurrence | undefined {
  let touching: Occurrence | undefined;
  for (const o of index.occurrences) {
    if (o.span.start > offset) break;
    if (offset < o.span.end) return o;
    if (offset === o.span.end) touching = o;
  }
  return touching;
}

/** The written key segment at `offset` (the first containing it). */
export function keyAt(scan: TomlScan, offset: number): KeyOccurrence | undefined {
  return scan.keys.find((key) => key.span.start <= offset && offset < key.span.end);
}

/**
 * Whether a key segment may name a task or a variable (`[tasks.<id>]`, `[vars.<name>]`). Where it cannot
 * (`timeout`, `[defaults]`, `[tasks.x.env]`'s env), no occurrence is under the cursor, since every one lies in
 * such a segment or in a string, and tokens do not overlap (nor touch, in valid TOML): hover and navigation
 * answer there from the scan, without validating a fresh version first.
 */
export function namesSymbol(k: KeyOccurrence): boolean {
  return k.path.length === 2 && (k.path[0] === 'tasks' || k.path[0] === 'vars');
}

export function occurrencesOf(index: SymbolIndex, of: Occurrence): Occurrence[] {
  return index.occurrences.filter((o) => (o.kind === 'task' ? of.kind === 'task' && o.id === of.id : of.kind === 'var' && o.name === of.name));
}

export function isDeclaration(o: Occurrence): boolean {
  return o.kind === 'task' ? o.role === 'definition' || o.role === 'header' : o.role === 'declaration' || o.role === 'declaration-key' || o.role === 'register' || o.role === 'output';
}

/** A quoted key's content; a bare key as is. */
export function unquoted(text: string, s: Span): Span {
  const q = text[s.start];
  if ((q === '"' || q === "'") && s.end - s.start >= 2 && text[s.end - 1] === q) return { start: s.start + 1, end: s.end - 1 };
  return s;
}

function addTasks(text: string, wf: Workflow, scan: TomlScan, out: Occurrence[]): void {
  const seen = new Set<number>();
  for (const k of scan.keys) {
    if (k.path.length !== 2 || k.path[0] !== 'tasks') continue;
    const id = k.path[1]!;
    const task = wf.tasks.get(id);
    if (!task) continue;
    seen.add(k.span.start);
    out.push({ kind: 'task', id, role: k.span.start === task.idSpan.start ? 'definition' : 'header', span: unquoted(text, k.span) });
  }
  for (const task of wf.tasks.values()) {
    // The scan agrees with the parser on valid TOML; this only guards the day it does not.
    if (!seen.has(task.idSpan.start) && task.idSpan.end > task.idSpan.start) {
      out.push({ kind: 'task', id: task.id, role: 'definition', span: unquoted(text, task.idSpan) });
    }
    for (const d of task.deps) out.push({ kind: 'task', id: d.value, role: 'dep', span: innerSpan(d), owner: task.id });
    if (task.target) out.push({ kind: 'task', id: task.target.value, role: 'target', span: innerSpan(task.target), owner: task.id });
  }
}

function addVars(text: string, wf: Workflow, scan: TomlScan, out: Occurrence[]): void {
  const declared = new Set<number>();
  for (const v of wf.vars.values()) {
    const span = unquoted(text, v.keySpan);
    declared.add(v.keySpan.start);
    out.push(varOcc(v.name, 'declaration', span));
  }
  for (const k of scan.keys) {
    if (k.path.length !== 2 || k.path[0] !== 'vars' || declared.has(k.span.start)) continue;
    const name = k.path[1]!;
    if (wf.vars.has(name)) out.push(varOcc(name, 'declaration-key', unquoted(text, k.span)));
  }
  const known = new Set<string>(wf.vars.keys());
  for (const task of wf.tasks.values()) {
    if (task.register) known.add(task.register.value);
    for (const o of task.outputs) known.add(o.value);
  }
  addSettingUses(text, wf.defaults, undefined, known, out);
  for (const task of wf.tasks.values()) {
    if (task.register) out.push(varOcc(task.register.value, 'register', innerSpan(task.register), task.id));
    for (const o of task.outputs) out.push(varOcc(o.value, 'output', innerSpan(o), task.id));
    addSettingUses(text, task, task.id, known, out);
    if (task.run) {
      addShellRefs(text, task.run, known, task.id, out);
      addOutputLines(text, task, out);
    }
  }
}

function addSettingUses(text: string, s: TaskSettings, owner: string | undefined, known: ReadonlySet<string>, out: Occurrence[]): void {
  for (const use of s.uses) out.push(useOcc(text, use, owner));
  for (const v of s.env.values()) addShellRefs(text, v, known, owner, out);
}

function varOcc(name: string, role: VarRole, span: Span, owner?: string): VarOccurrence {
  return { kind: 'var', name, role, span, edit: { span, template: false }, ...(owner !== undefined ? { owner } : {}) };
}

const TEMPLATE_USE = /^\{\{[ \t]*\.([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}$/;

function useOcc(text: string, use: VarUse, owner: string | undefined): VarOccurrence {
  const written = text.slice(use.span.start, use.span.end);
  let span = use.span;
  let template = false;
  // An `if` identifier is the use's whole span: even written with escapes, it is replaced by the plain new name.
  if (use.in !== 'if') {
    const m = TEMPLATE_USE.exec(written);
    if (m && m[1] === use.name) {
      const start = use.span.start + written.indexOf('.') + 1;
      span = { start, end: start + use.name.length };
    } else {
      template = true;
    }
  }
  return { kind: 'var', name: use.name, role: 'use', span, edit: { span, template }, ...(owner !== undefined ? { owner } : {}), use };
}

const SHELL_REF = /(?<![A-Za-z0-9_])CAIRN_VAR_([A-Za-z_][A-Za-z0-9_]*)/g;

/** `CAIRN_VAR_x` in a command or env value: the shell's name for variable x. */
function addShellRefs(text: string, s: SourceString, known: ReadonlySet<string>, owner: string | undefined, out: Occurrence[]): void {
  if (!s.value.includes('CAIRN_VAR_')) return;
  const templates = parseTemplate(s.value).parts.flatMap((p) => (p.kind === 'text' ? [] : [p.span]));
  for (const m of s.value.matchAll(SHELL_REF)) {
    const name = m[1]!;
    const at = m.index + 'CAIRN_VAR_'.length;
    if (!known.has(name) || templates.some((t) => at >= t.start && at < t.end)) continue;
    const span = mapped(text, s, at, at + name.length, name);
    if (span) out.push(varOcc(name, 'shell', span, owner));
  }
}

const OUTPUT_LINE = /(?<=^|[\s"'`;(])([A-Za-z_][A-Za-z0-9_]*)(?==|<<)/g;

/** `x=…` written to $CAIRN_OUTPUT by a task that declares x in outputs. */
function addOutputLines(text: string, task: Task, out: Occurrence[]): void {
  const run = task.run;
  if (!run || task.outputs.length === 0 || !run.value.includes('CAIRN_OUTPUT')) return;
  const outputs = new Set(task.outputs.map((o) => o.value));
  let lineStart = 0;
  for (const line of run.value.split('\n')) {
    if (line.includes('CAIRN_OUTPUT')) {
      for (const m of line.matchAll(OUTPUT_LINE)) {
        const name = m[1]!;
        if (!outputs.has(name)) continue;
        const span = mapped(text, run, lineStart + m.index, lineStart + m.index + name.length, name);
        if (span) out.push(varOcc(name, 'shell', span, task.id));
      }
    }
    lineStart += line.length + 1;
  }
}

/** The source span of value[start, end), when it is written plainly (no escapes inside). */
function mapped(text: string, s: SourceString, start: number, end: number, expected: string): Span | undefined {
  const from = s.at(start);
  const to = s.at(end);
  return to > from && text.slice(from, to) === expected ? { start: from, end: to } : undefined;
}
