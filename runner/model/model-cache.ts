// A checked workflow model as JSON, so that reading a text that has run before (a resume, a re-run, the next
// run of an unchanged file) skips the TOML parse, the position scan, building the model and the cross-task
// checks. Those are most of a 1,000-task resume's time before its first task (~55 ms in a fresh process, where
// nothing is JIT-compiled yet and every object built is garbage to collect); reading the model back is a
// JSON.parse of ~180 KB and one object per value.
//
// Only a model that passed validation with no error is kept, and it is read back only for the same text (its
// user keys the file by the text's hash; the length is checked here), the same file name (the default workflow
// name comes from it) and the same build of the validator: a newer Cairn may refuse what an older one
// accepted. The only checks that depend on anything else (env_file paths exist) give warnings, which a run
// does not act on. A file that is not exactly what this module writes reads as no cache.
import { parseExpression } from '../expr/expression';
import { LiteralString } from './literal-string';
import type { TaskType } from './schema';
import type { Span } from './span';
import type { SourceString, Task, TaskSettings, VarDecl, VarUse, Workflow } from './workflow';

/** Bump when the encoding below changes. (A change to the validator changes the build instead.) */
const FORMAT = 1;

/** What a cached model must match besides the text's hash. */
export interface ModelKey {
  /** The text's length in UTF-16 code units. */
  readonly length: number;
  readonly fileName: string;
  /** Identifies the validator that checked the model (see buildId in load-workflow.ts). */
  readonly build: string;
}

type SpanJson = [number, number];
/** value, span, and the key's span when there is one. */
type StringJson = [string, number, number] | [string, number, number, number, number];
type UseJson = [string, number, number, VarUse['in']];

interface SettingsJson {
  timeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  shell?: StringJson;
  env: [string, StringJson][];
  envFile?: StringJson;
  dir?: StringJson;
  uses: UseJson[];
}

interface TaskJson extends SettingsJson {
  id: string;
  idSpan: SpanJson;
  span: SpanJson;
  type: TaskType;
  run?: StringJson;
  deps: StringJson[];
  depsKeySpan?: SpanJson;
  register?: StringJson;
  outputs: StringJson[];
  inputs: StringJson[];
  description?: string;
  target?: StringJson;
  /** The condition's source; its expression is parsed again (it parsed when the model was checked). */
  condition?: StringJson;
}

interface VarJson {
  name: string;
  keySpan: SpanJson;
  default?: string;
  env?: string;
  secret: boolean;
  description?: string;
}

interface CacheFile {
  format: number;
  build: string;
  length: number;
  fileName: string;
  name: string;
  description?: string;
  vars: VarJson[];
  defaults: SettingsJson;
  tasks: TaskJson[];
}

// ── writing ──────────────────────────────────────────────────────────────────────────────────────────────

const spanJson = (s: Span): SpanJson => [s.start, s.end];
const stringJson = (s: SourceString): StringJson => (s.keySpan ? [s.value, s.span.start, s.span.end, s.keySpan.start, s.keySpan.end] : [s.value, s.span.start, s.span.end]);

function settingsJson(t: TaskSettings): SettingsJson {
  const out: SettingsJson = { env: [...t.env].map(([k, v]) => [k, stringJson(v)]), uses: t.uses.map((u) => [u.name, u.span.start, u.span.end, u.in]) };
  if (t.timeoutMs !== undefined) out.timeoutMs = t.timeoutMs;
  if (t.retries !== undefined) out.retries = t.retries;
  if (t.retryDelayMs !== undefined) out.retryDelayMs = t.retryDelayMs;
  if (t.shell) out.shell = stringJson(t.shell);
  if (t.envFile) out.envFile = stringJson(t.envFile);
  if (t.dir) out.dir = stringJson(t.dir);
  return out;
}

function taskJson(t: Task): TaskJson {
  const out: TaskJson = { ...settingsJson(t), id: t.id, idSpan: spanJson(t.idSpan), span: spanJson(t.span), type: t.type, deps: t.deps.map(stringJson), outputs: t.outputs.map(stringJson), inputs: t.inputs.map(stringJson) };
  if (t.run) out.run = stringJson(t.run);
  if (t.depsKeySpan) out.depsKeySpan = spanJson(t.depsKeySpan);
  if (t.register) out.register = stringJson(t.register);
  if (t.description !== undefined) out.description = t.description;
  if (t.target) out.target = stringJson(t.target);
  if (t.condition) out.condition = stringJson(t.condition.source);
  return out;
}

/** JSON for a model that validation accepted (no error), of a text matching `key`. */
export function modelToJson(wf: Workflow, key: ModelKey): string {
  const file: CacheFile = {
    format: FORMAT,
    build: key.build,
    length: key.length,
    fileName: key.fileName,
    name: wf.name,
    ...(wf.description !== undefined ? { description: wf.description } : {}),
    vars: [...wf.vars.values()].map((v) => ({ ...v, keySpan: spanJson(v.keySpan) })),
    defaults: settingsJson(wf.defaults),
    tasks: [...wf.tasks.values()].map(taskJson),
  };
  return JSON.stringify(file);
}

// ── reading ──────────────────────────────────────────────────────────────────────────────────────────────

/** Thrown on anything that is not what modelToJson writes; the reader turns it into "no cache". */
class NotACache extends Error {}

function num(x: unknown): number {
  if (typeof x !== 'number') throw new NotACache();
  return x;
}

function str(x: unknown): string {
  if (typeof x !== 'string') throw new NotACache();
  return x;
}

function list<T>(x: unknown, item: (v: unknown) => T): T[] {
  if (!Array.isArray(x)) throw new NotACache();
  return x.map(item);
}

class Reader {
  constructor(private readonly text: string) {}

  span(x: unknown): Span {
    if (!Array.isArray(x)) throw new NotACache();
    return { start: num(x[0]), end: num(x[1]) };
  }

  string = (x: unknown): SourceString => {
    if (!Array.isArray(x)) throw new NotACache();
    const keySpan = x.length === 5 ? { start: num(x[3]), end: num(x[4]) } : undefined;
    return new LiteralString(str(x[0]), { start: num(x[1]), end: num(x[2]) }, keySpan, this.text);
  };

  use = (x: unknown): VarUse => {
    if (!Array.isArray(x)) throw new NotACache();
    const where: unknown = x[3];
    if (where !== 'run' && where !== 'env' && where !== 'dir' && where !== 'if') throw new NotACache();
    return { name: str(x[0]), span: { start: num(x[1]), end: num(x[2]) }, in: where };
  };

  // Object literals with every field, absent ones undefined, rather than spreads of optional parts: in a fresh
  // process this code runs in V8's interpreter, where each spread is a runtime call (~1 µs; a dozen per task).
  settings(j: SettingsJson): TaskSettings {
    const env = new Map<string, SourceString>();
    for (const [k, v] of list(j.env, (e) => e as [unknown, unknown])) env.set(str(k), this.string(v));
    return {
      timeoutMs: j.timeoutMs === undefined ? undefined : num(j.timeoutMs),
      retries: j.retries === undefined ? undefined : num(j.retries),
      retryDelayMs: j.retryDelayMs === undefined ? undefined : num(j.retryDelayMs),
      shell: j.shell === undefined ? undefined : this.string(j.shell),
      env,
      envFile: j.envFile === undefined ? undefined : this.string(j.envFile),
      dir: j.dir === undefined ? undefined : this.string(j.dir),
      uses: list(j.uses, this.use),
    };
  }

  task = (x: unknown): Task => {
    const j = x as TaskJson;
    if (j.type !== 'task' && j.type !== 'forensic') throw new NotACache();
    const s = this.settings(j);
    return {
      timeoutMs: s.timeoutMs,
      retries: s.retries,
      retryDelayMs: s.retryDelayMs,
      shell: s.shell,
      env: s.env,
      envFile: s.envFile,
      dir: s.dir,
      uses: s.uses,
      id: str(j.id),
      idSpan: this.span(j.idSpan),
      span: this.span(j.span),
      type: j.type,
      run: j.run === undefined ? undefined : this.string(j.run),
      deps: list(j.deps, this.string),
      depsKeySpan: j.depsKeySpan === undefined ? undefined : this.span(j.depsKeySpan),
      register: j.register === undefined ? undefined : this.string(j.register),
      outputs: list(j.outputs, this.string),
      inputs: list(j.inputs, this.string),
      description: j.description === undefined ? undefined : str(j.description),
      target: j.target === undefined ? undefined : this.string(j.target),
      condition: j.condition === undefined ? undefined : this.condition(j.condition),
    };
  };

  condition(x: unknown): Task['condition'] {
    const source = this.string(x);
    const parsed = parseExpression(source.value);
    // It parsed when the model was checked; the same parser cannot fail on it now.
    if (!parsed.ok) throw new NotACache();
    return { source, expr: parsed.expr };
  }

  variable = (x: unknown): VarDecl => {
    const j = x as VarJson;
    if (typeof j.secret !== 'boolean') throw new NotACache();
    return {
      name: str(j.name),
      keySpan: this.span(j.keySpan),
      default: j.default === undefined ? undefined : str(j.default),
      env: j.env === undefined ? undefined : str(j.env),
      secret: j.secret,
      description: j.description === undefined ? undefined : str(j.description),
    };
  };
}

/** The model a cache file holds for `text`, or undefined when it is not one this build wrote for `key`. */
export function modelFromJson(json: string, text: string, key: ModelKey): Workflow | undefined {
  try {
    const file = JSON.parse(json) as Partial<CacheFile> | null;
    if (file === null || typeof file !== 'object' || file.format !== FORMAT || file.build !== key.build || file.length !== key.length || text.length !== key.length || file.fileName !== key.fileName) return undefined;
    const r = new Reader(text);
    const tasks = new Map<string, Task>();
    for (const t of list(file.tasks, r.task)) tasks.set(t.id, t);
    const vars = new Map<string, VarDecl>();
    for (const v of list(file.vars, r.variable)) vars.set(v.name, v);
    if (typeof file.defaults !== 'object' || file.defaults === null) return undefined;
    return {
      name: str(file.name),
      description: file.description === undefined ? undefined : str(file.description),
      vars,
      defaults: r.settings(file.defaults),
      tasks,
    };
  } catch {
    return undefined;
  }
}
