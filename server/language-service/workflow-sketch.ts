// What a workflow declares, read from the tolerant scan: task ids and
// variable names with their descriptions. Completion and the outline use it
// because the document they see is usually not valid TOML while being typed.
import type { Span } from '../../runner/model/span';
import { decodeTomlString } from '../../runner/model/toml-string';
import { allEntries, type ScanEntry, type ScanValue, type TomlScan } from './toml-scan';

export interface SketchTask {
  readonly id: string;
  /** The first key naming the task, as written. */
  readonly idSpan: Span;
  /** Its table (header through last key), or just the id when written as dotted keys. */
  readonly span: Span;
  readonly description?: string;
  readonly run?: string;
  readonly forensic: boolean;
  readonly deps: readonly string[];
}

export interface SketchVar {
  readonly name: string;
  readonly span: Span;
  /** vars: declared in [vars]; register / outputs: set by `task`. */
  readonly origin: 'vars' | 'register' | 'outputs';
  readonly task?: string;
  readonly description?: string;
  readonly secret: boolean;
}

export interface WorkflowSketch {
  readonly tasks: readonly SketchTask[];
  /** Declared variables first, then the ones tasks set, each name once per origin. */
  readonly vars: readonly SketchVar[];
}

export function sketchWorkflow(text: string, scan: TomlScan): WorkflowSketch {
  const entries = new Map<string, ScanEntry>();
  const tableSpans = new Map<string, Span>();
  for (const table of scan.tables) {
    if (table.header) {
      const k = table.path.join('\u0000');
      if (!tableSpans.has(k)) tableSpans.set(k, table.span);
    }
    for (const e of allEntries(table.entries)) {
      const k = e.path.join('\u0000');
      if (!entries.has(k)) entries.set(k, e);
    }
  }
  const entry = (...path: string[]): ScanEntry | undefined => entries.get(path.join('\u0000'));
  const str = (...path: string[]): string | undefined => stringValue(text, entry(...path)?.value);

  const tasks: SketchTask[] = [];
  const declared: SketchVar[] = [];
  const seenTasks = new Set<string>();
  const seenVars = new Set<string>();
  for (const k of scan.keys) {
    // An empty bare segment is a dot still waiting for its key (`[tasks.`); "" is a (bad) id.
    if (k.path.length !== 2 || (k.path[1] === '' && !k.quoted)) continue;
    const [section, name] = k.path as [string, string];
    if (section === 'tasks' && !seenTasks.has(name)) {
      seenTasks.add(name);
      const description = str('tasks', name, 'description');
      const run = str('tasks', name, 'run');
      const deps = entry('tasks', name, 'deps')?.value;
      tasks.push({
        id: name,
        idSpan: k.span,
        span: tableSpans.get(`tasks\u0000${name}`) ?? entry('tasks', name)?.span ?? k.span,
        ...(description !== undefined ? { description } : {}),
        ...(run !== undefined ? { run } : {}),
        forensic: str('tasks', name, 'type') === 'forensic',
        deps: deps?.kind === 'array' ? deps.items.flatMap((i) => stringValue(text, i) ?? []) : [],
      });
    } else if (section === 'vars' && !seenVars.has(name)) {
      seenVars.add(name);
      const description = str('vars', name, 'description');
      const secret = entry('vars', name, 'secret')?.value;
      declared.push({
        name,
        span: k.span,
        origin: 'vars',
        ...(description !== undefined ? { description } : {}),
        secret: secret?.kind === 'scalar' && text.slice(secret.span.start, secret.span.end) === 'true',
      });
    }
  }
  const set: SketchVar[] = [];
  for (const t of tasks) {
    const register = entry('tasks', t.id, 'register')?.value;
    const name = stringValue(text, register);
    if (register && name) set.push({ name, span: register.span, origin: 'register', task: t.id, secret: false });
    const outputs = entry('tasks', t.id, 'outputs')?.value;
    if (outputs?.kind !== 'array') continue;
    for (const item of outputs.items) {
      const o = stringValue(text, item);
      if (o) set.push({ name: o, span: item.span, origin: 'outputs', task: t.id, secret: false });
    }
  }
  return { tasks, vars: [...declared, ...set] };
}

/** A string value's text: decoded when the literal is complete, as typed so far when not. */
export function stringValue(text: string, v: ScanValue | undefined): string | undefined {
  if (v?.kind !== 'string') return undefined;
  if (v.closed) {
    const decoded = decodeTomlString(text.slice(v.span.start, v.span.end));
    if (decoded) return decoded.value;
  }
  return text.slice(v.content.start, v.content.end);
}
