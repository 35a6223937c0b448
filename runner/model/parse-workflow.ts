// Text → typed Workflow model, with the diagnostics that concern one value at
// a time (syntax, unknown keys, types, durations, ids, templates, `if`
// syntax). Cross-task checks (deps, cycles, variables) live in validate.ts.
import { parse as parseToml, TomlError } from 'smol-toml';
import { parseExpression, expressionVariables, type Expr } from '../expr/expression';
import type { Diagnostic, DiagnosticCode, Fix, Severity } from '../validate/diagnostic';
import { closest, didYouMean } from '../validate/suggest';
import { parseDuration } from './duration';
import { DEFAULTS_KEYS, TASK_ID, TASK_KEYS, TASK_TYPES, TOP_KEYS, VAR_KEYS, VAR_NAME, type KeyTable, type TaskType } from './schema';
import { LineIndex, type Span } from './span';
import { parseTemplate } from './template';
import { LiteralString } from './literal-string';
import { indexPositions, type PositionIndex, type TomlPath } from './toml-positions';
import type { SourceString, Task, TaskSettings, VarDecl, VarUse, Workflow } from './workflow';

export interface ParseOptions {
  /** The workflow's file name, for the default workflow name. */
  readonly fileName?: string;
}

export interface ParseResult {
  /** Absent only when the text is not valid TOML. */
  readonly workflow?: Workflow;
  readonly diagnostics: Diagnostic[];
}

type TomlValue = unknown;
type TomlTable = Record<string, TomlValue>;

const EMPTY_INDEX: PositionIndex = { get: () => undefined };

export function parseWorkflow(text: string, options: ParseOptions = {}): ParseResult {
  let data: TomlTable;
  try {
    data = parseToml(text);
  } catch (e) {
    return { diagnostics: [syntaxDiagnostic(text, e)] };
  }
  let index: PositionIndex;
  try {
    index = indexPositions(text);
  } catch {
    // The two parsers disagree on a corner of TOML: keep the values, lose positions.
    index = EMPTY_INDEX;
  }
  const reader = new WorkflowReader(text, index);
  const workflow = reader.read(data, options);
  return { workflow, diagnostics: reader.diagnostics };
}

function syntaxDiagnostic(text: string, e: unknown): Diagnostic {
  if (e instanceof TomlError) {
    const lines = new LineIndex(text);
    const start = lines.offsetAt(Math.max(0, e.line - 1), Math.max(0, e.column - 1));
    const c = text.charCodeAt(start);
    const end = start < text.length && c !== 10 && c !== 13 ? start + 1 : start;
    const first = (e.message.split('\n')[0] ?? e.message).replace(/^Invalid TOML document:\s*/, '');
    // smol-toml meets the line break of an unclosed "..." string as a control character.
    const unclosed = /control characters/.test(first) && (c === 10 || c === 13 || Number.isNaN(c));
    const message = unclosed ? 'TOML syntax error: string is not closed before the end of the line (a string over several lines uses """...""")' : `TOML syntax error: ${first}`;
    return { severity: 'error', code: 'toml-syntax', message, span: { start, end } };
  }
  const reason = e instanceof Error ? e.message : String(e);
  return { severity: 'error', code: 'toml-syntax', message: `TOML syntax error: ${reason}`, span: { start: 0, end: 0 } };
}

function tomlType(v: TomlValue, raw: string): string {
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number' || typeof v === 'bigint') return /^[+-]?(\d[\d_]*|0x|0o|0b)/.test(raw) && !/[.eE]|inf|nan/.test(raw) ? `the integer ${raw}` : `the number ${raw}`;
  if (v instanceof Date) return 'a date';
  if (Array.isArray(v)) return 'an array';
  if (isTable(v)) return 'a table';
  return 'a value';
}

function isTable(v: TomlValue): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function isScalar(v: TomlValue): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

const NO_SPAN: Span = { start: 0, end: 0 };

/** What people coming from GitHub Actions, Compose, Make-likes or Taskfile write instead. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  needs: 'deps',
  depends_on: 'deps',
  dependsOn: 'deps',
  depends: 'deps',
  dependencies: 'deps',
  requires: 'deps',
  cmd: 'run',
  cmds: 'run',
  command: 'run',
  script: 'run',
  cwd: 'dir',
  workdir: 'dir',
  working_directory: 'dir',
  'working-directory': 'dir',
  environment: 'env',
  dotenv: 'env_file',
  when: 'if',
  condition: 'if',
  timeout_minutes: 'timeout',
  'timeout-minutes': 'timeout',
  retry: 'retries',
  sources: 'inputs',
  desc: 'description',
  task: 'tasks',
  var: 'vars',
  variables: 'vars',
  default: 'defaults',
};

class WorkflowReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly text: string,
    private readonly index: PositionIndex,
  ) {}

  read(data: TomlTable, options: ParseOptions): Workflow {
    this.checkKeys(data, [], TOP_KEYS, 'at the top level of the workflow');
    const name = this.stringAt(data, [], 'name');
    const description = this.stringAt(data, [], 'description');
    const vars = this.readVars(data['vars']);
    const defaults = this.readSettings(isTable(data['defaults']) ? data['defaults'] : {}, ['defaults']);
    if (data['defaults'] !== undefined && !isTable(data['defaults'])) this.wrongType(['defaults'], data['defaults'], '[defaults] must be a table of settings');
    const tasks = this.readTasks(data['tasks']);
    return {
      name: name?.value ?? defaultName(options.fileName),
      ...(description ? { description: description.value } : {}),
      vars,
      defaults,
      tasks,
    };
  }

  // ---- positions ------------------------------------------------------------

  private keySpan(path: TomlPath): Span {
    const e = this.index.get(path);
    return e?.key ?? e?.value ?? NO_SPAN;
  }

  private valueSpan(path: TomlPath): Span {
    const e = this.index.get(path);
    return e?.value ?? e?.key ?? NO_SPAN;
  }

  private raw(path: TomlPath): string {
    const s = this.valueSpan(path);
    return this.text.slice(s.start, s.end);
  }

  /** A SourceString for the value at `path` (its text may be a converted number or boolean). */
  private sourceString(path: TomlPath, value: string, hasKey = true): SourceString {
    const e = this.index.get(path);
    return new LiteralString(value, e?.value ?? e?.key ?? NO_SPAN, hasKey ? e?.key : undefined, this.text);
  }

  // ---- diagnostics ----------------------------------------------------------

  private report(severity: Severity, code: DiagnosticCode, message: string, span: Span, fix?: Fix): void {
    this.diagnostics.push(fix ? { severity, code, message, span, fix } : { severity, code, message, span });
  }

  private wrongType(path: TomlPath, v: TomlValue, expected: string): void {
    this.report('error', 'wrong-type', `${expected}; got ${tomlType(v, this.raw(path))}`, this.valueSpan(path));
  }

  /** Reports every key of `table` that `allowed` does not know. */
  private checkKeys(table: TomlTable, path: TomlPath, allowed: KeyTable, where: string): void {
    for (const key of Object.keys(table)) {
      if (Object.hasOwn(allowed, key)) continue;
      const alias = KEY_ALIASES[key];
      const suggestion = alias !== undefined && Object.hasOwn(allowed, alias) ? alias : closest(key, Object.keys(allowed));
      const span = this.keySpan([...path, key]);
      const fix = suggestion ? { title: `Change to "${suggestion}"`, span, newText: suggestion } : undefined;
      const known = suggestion ? '' : ` (known keys: ${Object.keys(allowed).join(', ')})`;
      this.report('error', 'unknown-key', `unknown key "${key}" ${where}${didYouMean(suggestion)}${known}`, span, fix);
    }
  }

  // ---- typed reads ----------------------------------------------------------

  /** The string at `key` of `table` (whose path is `path`). Most keys are absent: nothing is built for those. */
  private stringAt(table: TomlTable, path: TomlPath, key: string, what?: string): SourceString | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      this.wrongType([...path, key], v, `${what ?? `"${key}"`} must be a string`);
      return undefined;
    }
    return this.sourceString([...path, key], v);
  }

  private stringArrayAt(table: TomlTable, tablePath: TomlPath, key: string, example: string, itemWhat: string): SourceString[] {
    const v = table[key];
    if (v === undefined) return [];
    const path = [...tablePath, key];
    if (!Array.isArray(v)) {
      this.wrongType(path, v, `"${key}" must be an array of strings, e.g. ${example}`);
      return [];
    }
    const out: SourceString[] = [];
    v.forEach((item: TomlValue, i) => {
      if (typeof item === 'string') out.push(this.sourceString([...path, i], item, false));
      else this.wrongType([...path, i], item, `each entry of "${key}" must be a string (${itemWhat})`);
    });
    return out;
  }

  private durationAt(table: TomlTable, tablePath: TomlPath, key: string): number | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    const path = [...tablePath, key];
    if (typeof v !== 'string') {
      const hint = typeof v === 'number' ? ` (write "${v}s" for seconds)` : '';
      this.wrongType(path, v, `"${key}" must be a duration string such as "30s", "10m" or "1h"${hint}`);
      return undefined;
    }
    const ms = parseDuration(v);
    if (ms === undefined) {
      this.report('error', 'bad-duration', `"${key}" is not a duration: "${v}"; write a number and a unit (ms, s, m, h), e.g. "500ms", "30s", "10m", "1h30m"`, this.valueSpan(path));
    }
    return ms;
  }

  private retriesAt(table: TomlTable, tablePath: TomlPath): number | undefined {
    const v = table['retries'];
    if (v === undefined) return undefined;
    const path = [...tablePath, 'retries'];
    const raw = this.raw(path);
    if (typeof v !== 'number') {
      this.wrongType(path, v, '"retries" must be a whole number >= 0, e.g. retries = 2');
      return undefined;
    }
    if (!Number.isInteger(v) || v < 0 || /[.eE]|inf|nan/.test(raw)) {
      this.report('error', 'invalid-value', `"retries" must be a whole number >= 0; got ${raw}`, this.valueSpan(path));
      return undefined;
    }
    return v;
  }

  /** Templates in a run / env / dir string: errors reported, variable uses collected. */
  private templateUses(s: SourceString, field: VarUse['in'], uses: VarUse[]): void {
    const t = parseTemplate(s.value);
    for (const e of t.errors) this.report('error', 'bad-template', e.message, { start: s.at(e.span.start), end: s.at(e.span.end) });
    for (const p of t.parts) {
      if (p.kind === 'var') uses.push({ name: p.name, span: { start: s.at(p.span.start), end: s.at(p.span.end) }, in: field });
    }
  }

  // ---- sections -------------------------------------------------------------

  private readVars(v: TomlValue): Map<string, VarDecl> {
    const vars = new Map<string, VarDecl>();
    if (v === undefined) return vars;
    if (!isTable(v)) {
      this.wrongType(['vars'], v, '[vars] must be a table of variables');
      return vars;
    }
    for (const name of Object.keys(v)) {
      const path = ['vars', name];
      const keySpan = this.keySpan(path);
      if (!VAR_NAME.test(name)) {
        this.report('error', 'bad-var-name', `variable name "${name}" is not allowed: use letters, digits and _, not starting with a digit (it becomes $CAIRN_VAR_${name.replace(/[^A-Za-z0-9_]/g, '_')})`, keySpan);
      }
      const val = v[name];
      if (isScalar(val)) {
        vars.set(name, { name, keySpan, default: String(val), secret: false });
      } else if (isTable(val)) {
        this.checkKeys(val, path, VAR_KEYS, `in variable "${name}"`);
        const def = val['default'];
        if (def !== undefined && !isScalar(def)) this.wrongType([...path, 'default'], def, '"default" must be a string, number or boolean');
        const env = this.stringAt(val, path, 'env', '"env" (the name of the environment variable to read)');
        const description = this.stringAt(val, path, 'description');
        const secret = val['secret'];
        if (secret !== undefined && typeof secret !== 'boolean') this.wrongType([...path, 'secret'], secret, '"secret" must be true or false');
        vars.set(name, {
          name,
          keySpan,
          ...(isScalar(def) ? { default: String(def) } : {}),
          ...(env ? { env: env.value } : {}),
          secret: secret === true,
          ...(description ? { description: description.value } : {}),
        });
      } else {
        this.wrongType(path, val, `variable "${name}" must be a default value (name = "value") or a table (name = { default = "…", env = "…", secret = true })`);
      }
    }
    return vars;
  }

  /** Keys shared by [defaults] and tasks. */
  private readSettings(table: TomlTable, path: TomlPath): TaskSettings {
    const isDefaults = path.length === 1;
    if (isDefaults) this.checkKeys(table, path, DEFAULTS_KEYS, 'in [defaults]');
    const uses: VarUse[] = [];
    const env = new Map<string, SourceString>();
    const envValue = table['env'];
    if (envValue !== undefined) {
      if (!isTable(envValue)) {
        this.wrongType([...path, 'env'], envValue, '"env" must be a table, e.g. env = { CI = "1" }');
      } else {
        for (const k of Object.keys(envValue)) {
          const ev = envValue[k];
          if (!isScalar(ev)) {
            this.wrongType([...path, 'env', k], ev, `env value "${k}" must be a string, number or boolean`);
            continue;
          }
          const s = this.sourceString([...path, 'env', k], String(ev));
          env.set(k, s);
          if (typeof ev === 'string') this.templateUses(s, 'env', uses);
        }
      }
    }
    const dir = this.stringAt(table, path, 'dir');
    if (dir) this.templateUses(dir, 'dir', uses);
    const shell = this.stringAt(table, path, 'shell');
    if (shell && shell.value.trim() === '') this.report('error', 'invalid-value', '"shell" is empty: name a shell such as "bash" or "sh", or remove the key', shell.span);
    const timeoutMs = this.durationAt(table, path, 'timeout');
    const retryDelayMs = this.durationAt(table, path, 'retry_delay');
    const retries = this.retriesAt(table, path);
    const envFile = this.stringAt(table, path, 'env_file');
    return {
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(retries !== undefined ? { retries } : {}),
      ...(retryDelayMs !== undefined ? { retryDelayMs } : {}),
      ...(shell ? { shell } : {}),
      env,
      ...(envFile ? { envFile } : {}),
      ...(dir ? { dir } : {}),
      uses,
    };
  }

  private readTasks(v: TomlValue): Map<string, Task> {
    const tasks = new Map<string, Task>();
    if (v === undefined) return tasks;
    if (!isTable(v)) {
      this.wrongType(['tasks'], v, '"tasks" must be a table: write each task as [tasks.<id>]');
      return tasks;
    }
    // Declaration order, not JS key order (which puts integer-like keys first). Each task's position entry is
    // looked up once, for its order, its id's span and its table's.
    const declared = Object.keys(v).map((id) => {
      const at = this.index.get(['tasks', id]);
      const idSpan = at?.key ?? at?.value ?? NO_SPAN;
      return { id, idSpan, span: at?.value ?? idSpan };
    });
    declared.sort((a, b) => a.idSpan.start - b.idSpan.start);
    for (const { id, idSpan, span } of declared) {
      const path = ['tasks', id];
      const body = v[id];
      if (!TASK_ID.test(id)) {
        this.report('error', 'bad-id', `task id "${id}" is not allowed: use only letters, digits, "_" and "-"`, idSpan);
      }
      if (!isTable(body)) {
        this.wrongType(path, body, `task "${id}" must be a table: [tasks.${TASK_ID.test(id) ? id : 'my-task'}] with run = "…"`);
        continue;
      }
      tasks.set(id, this.readTask(id, body, path, idSpan, span));
    }
    return tasks;
  }

  private readTask(id: string, t: TomlTable, path: TomlPath, idSpan: Span, taskSpan: Span): Task {
    this.checkKeys(t, path, TASK_KEYS, `in task "${id}"`);
    const settings = this.readSettings(t, path);
    const uses = [...settings.uses];

    let type: TaskType = 'task';
    const typeStr = this.stringAt(t, path, 'type');
    if (typeStr) {
      if ((TASK_TYPES as readonly string[]).includes(typeStr.value)) type = typeStr.value as TaskType;
      else {
        const s = closest(typeStr.value, TASK_TYPES);
        this.report('error', 'invalid-value', `unknown task type "${typeStr.value}": use "task" or "forensic"${didYouMean(s)}`, typeStr.span, s ? { title: `Change to "${s}"`, span: innerSpan(typeStr), newText: s } : undefined);
      }
    }

    const run = this.stringAt(t, path, 'run');
    if (run) {
      if (run.value.trim() === '') this.report('error', 'invalid-value', `"run" of task "${id}" is empty: give the command to run`, run.span);
      this.templateUses(run, 'run', uses);
    } else if (t['run'] === undefined) {
      this.report('error', 'missing-run', `task "${id}" has no "run": add run = "<command>"`, idSpan);
    }

    const deps = this.stringArrayAt(t, path, 'deps', 'deps = ["lint", "test"]', 'a task id');
    const register = this.stringAt(t, path, 'register');
    if (register && !VAR_NAME.test(register.value)) {
      this.report('error', 'bad-var-name', `cannot register "${register.value}": a variable name uses letters, digits and _, not starting with a digit`, register.span);
    }
    const outputs = this.stringArrayAt(t, path, 'outputs', 'outputs = ["cursor"]', 'a variable name');
    for (const o of outputs) {
      if (!VAR_NAME.test(o.value)) this.report('error', 'bad-var-name', `"${o.value}" is not a variable name: use letters, digits and _, not starting with a digit`, o.span);
    }
    const inputs = this.stringArrayAt(t, path, 'inputs', 'inputs = ["src/**/*.ts"]', 'a glob');
    const description = this.stringAt(t, path, 'description');
    const target = this.stringAt(t, path, 'target');
    const condition = this.readCondition(t, path, uses);

    const depsKeySpan = t['deps'] !== undefined ? this.keySpan([...path, 'deps']) : undefined;
    return {
      ...settings,
      uses,
      id,
      idSpan,
      span: taskSpan,
      type,
      ...(run ? { run } : {}),
      deps,
      ...(depsKeySpan ? { depsKeySpan } : {}),
      ...(register ? { register } : {}),
      outputs,
      inputs,
      ...(description ? { description: description.value } : {}),
      ...(target ? { target } : {}),
      ...(condition ? { condition } : {}),
    };
  }

  private readCondition(t: TomlTable, path: TomlPath, uses: VarUse[]): Task['condition'] {
    const source = this.stringAt(t, path, 'if', '"if" (a condition such as "env == \'prod\'")');
    if (!source) return undefined;
    const parsed = parseExpression(source.value);
    if (!parsed.ok) {
      const { start, end } = parsed.error.span;
      this.report('error', 'bad-condition', `invalid condition: ${parsed.error.message}`, { start: source.at(start), end: source.at(end) });
      return { source };
    }
    const expr: Expr = parsed.expr;
    for (const v of expressionVariables(expr)) {
      uses.push({ name: v.name, span: { start: source.at(v.span.start), end: source.at(v.span.end) }, in: 'if' });
    }
    return { source, expr };
  }
}

/** The content of a string literal, without its quotes (for fixes that replace an id). */
export function innerSpan(s: SourceString): Span {
  return { start: s.at(0), end: s.at(s.value.length) };
}

function defaultName(fileName: string | undefined): string {
  if (!fileName) return 'workflow';
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const stem = base.replace(/\.cairn\.toml$/, '').replace(/\.toml$/, '');
  return stem || 'workflow';
}

