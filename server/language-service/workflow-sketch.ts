// What a workflow declares, read from the tolerant scan: task ids and
// variable names with their descriptions. Completion and the outline use it
// because the document they see is usually not valid TOML while being typed.
import type { Span } from '../../runner/model/span';
import { decodeTomlStringAt } from '../../runner/model/toml-string';
import { allEntries, occurrence, skimToml, type KeyOccurrence, type ScanEntry, type ScanSegment, type ScanSink, type ScanTable, type ScanValue, type TomlScan } from './toml-scan';

export interface SketchTask {
  readonly id: string;
  /** The first key naming the task, as written. */
  readonly idSpan: Span;
  /** Its table (header through last key), or just the id when written as dotted keys. */
  readonly span: Span;
  readonly description?: string;
  readonly run?: string;
  readonly forensic: boolean;
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

/** The keys of a task or variable the sketch reads. */
type ReadKey = 'description' | 'run' | 'type' | 'register' | 'outputs' | 'secret';
const READ_KEYS: ReadonlySet<string> = new Set<ReadKey>(['description', 'run', 'type', 'register', 'outputs', 'secret']);
/** A key not met yet (undefined is a key met without a value yet: `run =` being typed). */
const UNMET = null;

/**
 * What the sketch reads of one task or variable: the span of its own entry and of its table, and the values of
 * a few of its keys, each from the first entry of that path (an entry's path is unique only in valid TOML).
 * Fields rather than a map: one per task is made on every skim of a fresh version (a Map each made a 10,000-task
 * skim a quarter slower).
 */
class Slot implements Record<ReadKey, ScanValue | undefined | typeof UNMET> {
  /** The first entry whose path is the task's or variable's (`a = { … }` under [tasks], or `tasks.a = …`). */
  self: Span | undefined = undefined;
  /** The first `[tasks.<id>]` (or `[vars.<name>]`) header's table. */
  table: Span | undefined = undefined;
  description: ScanValue | undefined | typeof UNMET = UNMET;
  run: ScanValue | undefined | typeof UNMET = UNMET;
  type: ScanValue | undefined | typeof UNMET = UNMET;
  register: ScanValue | undefined | typeof UNMET = UNMET;
  outputs: ScanValue | undefined | typeof UNMET = UNMET;
  secret: ScanValue | undefined | typeof UNMET = UNMET;

  /** Takes `e`, the entry at `[section, name, leaf]`, if it is the first of its path the sketch reads. */
  take(leaf: string, e: ScanEntry): void {
    if (READ_KEYS.has(leaf) && this[leaf as ReadKey] === UNMET) this[leaf as ReadKey] = e.value;
  }

  value(key: ReadKey): ScanValue | undefined {
    return this[key] ?? undefined;
  }
}

/**
 * Collects what the sketch reads, in document order: the slots of tasks and variables, and the `[tasks.<id>]` /
 * `[vars.<name>]` key segments that name them. Fed by a skim as it reads (keeping only this), or from a scan.
 */
class SketchReader implements ScanSink {
  private readonly tasks = new Map<string, Slot>();
  private readonly vars = new Map<string, Slot>();
  /** Key segments whose path has two names, the first `tasks` or `vars`. */
  readonly names: KeyOccurrence[] = [];

  table(t: ScanTable): void {
    if (t.header && t.path.length === 2) {
      const slot = this.slotOf(t.path);
      if (slot) slot.table ??= t.span;
    }
  }

  entry(e: ScanEntry): void {
    const p = e.path;
    if (p.length !== 2 && p.length !== 3) return;
    const slot = this.slotOf(p);
    if (!slot) return;
    if (p.length === 2) slot.self ??= e.span;
    else slot.take(p[2]!, e);
  }

  key(path: readonly string[], base: number, segments: readonly ScanSegment[]): void {
    // The segment that makes the path two names long, if this key has one.
    if (base <= 1 && path.length >= 2 && (path[0] === 'tasks' || path[0] === 'vars')) this.names.push(occurrence(path, 2, segments[1 - base]!));
  }

  slot(section: string, name: string): Slot | undefined {
    return (section === 'tasks' ? this.tasks : this.vars).get(name);
  }

  private slotOf(path: readonly string[]): Slot | undefined {
    const section = path[0] === 'tasks' ? this.tasks : path[0] === 'vars' ? this.vars : undefined;
    if (!section) return undefined;
    const name = path[1]!;
    let slot = section.get(name);
    if (!slot) section.set(name, (slot = new Slot()));
    return slot;
  }
}

export function sketchWorkflow(text: string, scan: TomlScan): WorkflowSketch {
  const reader = new SketchReader();
  for (const table of scan.tables) {
    reader.table(table);
    // Inline tables' entries too (their paths are full paths).
    for (const e of allEntries(table.entries)) reader.entry(e);
  }
  for (const k of scan.keysOfDepth(2)) if (k.path[0] === 'tasks' || k.path[0] === 'vars') reader.names.push(k);
  return sketchFrom(text, reader);
}

/**
 * The sketch, read by a skim of `text` (toml-scan.ts) that keeps nothing else, and where each table's header
 * starts: what completion on a fresh version needs, at a fraction of a full scan's memory. Equal to
 * sketchWorkflow(text, scanToml(text)).
 */
export function skimWorkflow(text: string): { sketch: WorkflowSketch; headerStarts: number[] } {
  const reader = new SketchReader();
  const headerStarts = skimToml(text, reader);
  return { sketch: sketchFrom(text, reader), headerStarts };
}

function sketchFrom(text: string, reader: SketchReader): WorkflowSketch {
  const str = (v: ScanValue | undefined): string | undefined => stringValue(text, v);
  const tasks: SketchTask[] = [];
  const taskSlots: (Slot | undefined)[] = [];
  const declared: SketchVar[] = [];
  const seenTasks = new Set<string>();
  const seenVars = new Set<string>();
  for (const k of reader.names) {
    // An empty bare segment is a dot still waiting for its key (`[tasks.`); "" is a (bad) id.
    if (k.path[1] === '' && !k.quoted) continue;
    const section = k.path[0]!;
    const name = k.path[1]!;
    if (section === 'tasks' && !seenTasks.has(name)) {
      seenTasks.add(name);
      const slot = reader.slot('tasks', name);
      const description = str(slot?.value('description'));
      const run = str(slot?.value('run'));
      const task: Mutable<SketchTask> = { id: name, idSpan: k.span, span: slot?.table ?? slot?.self ?? k.span, forensic: str(slot?.value('type')) === 'forensic' };
      if (description !== undefined) task.description = description;
      if (run !== undefined) task.run = run;
      tasks.push(task);
      taskSlots.push(slot);
    } else if (section === 'vars' && !seenVars.has(name)) {
      seenVars.add(name);
      const slot = reader.slot('vars', name);
      const description = str(slot?.value('description'));
      const secret = slot?.value('secret');
      const v: Mutable<SketchVar> = { name, span: k.span, origin: 'vars', secret: secret?.kind === 'scalar' && text.slice(secret.span.start, secret.span.end) === 'true' };
      if (description !== undefined) v.description = description;
      declared.push(v);
    }
  }
  const set: SketchVar[] = [];
  tasks.forEach((t, i) => {
    const slot = taskSlots[i];
    const register = slot?.value('register');
    const name = stringValue(text, register);
    if (register && name) set.push({ name, span: register.span, origin: 'register', task: t.id, secret: false });
    const outputs = slot?.value('outputs');
    if (outputs?.kind !== 'array') return;
    for (const item of outputs.items) {
      const o = stringValue(text, item);
      if (o) set.push({ name: o, span: item.span, origin: 'outputs', task: t.id, secret: false });
    }
  });
  return { tasks, vars: [...declared, ...set] };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A string value's text: decoded when the literal is complete, as typed so far when not. */
export function stringValue(text: string, v: ScanValue | undefined): string | undefined {
  if (v?.kind !== 'string') return undefined;
  if (v.closed) {
    const decoded = decodeTomlStringAt(text, v.span.start, v.span.end);
    if (decoded !== undefined) return decoded;
  }
  return text.slice(v.content.start, v.content.end);
}

