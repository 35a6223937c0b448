// The one validator, shared by the CLI and the language server: text in,
// diagnostics out. Pure (file access comes through options), never throws.
import * as path from 'node:path';
import { findCoveringCycles } from '../graph/cycles';
import { TaskGraph } from '../graph/task-graph';
import { innerSpan, parseWorkflow } from '../model/parse-workflow';
import type { Span } from '../model/span';
import type { SourceString, Task, VarUse, Workflow } from '../model/workflow';
import type { Diagnostic, DiagnosticCode, Fix, RelatedInfo, Severity } from './diagnostic';
import { closest, didYouMean } from './suggest';

export interface ValidateOptions {
  /** The workflow file's name, for the default workflow name. */
  readonly fileName?: string;
  /** Folder the workflow's relative paths resolve against (the file's folder). */
  readonly baseDir?: string;
  /** Checks env_file paths; without it (or baseDir) they are not checked. */
  readonly fileExists?: (absPath: string) => boolean;
}

export interface Analysis {
  readonly workflow?: Workflow;
  readonly diagnostics: Diagnostic[];
}

/** Diagnostics for `text`, sorted by position. Never throws. */
export function validate(text: string, options: ValidateOptions = {}): Diagnostic[] {
  return analyze(text, options).diagnostics;
}

/** The model and its diagnostics; the language server keeps both. Never throws. */
export function analyze(text: string, options: ValidateOptions = {}): Analysis {
  const diagnostics: Diagnostic[] = [];
  let workflow: Workflow | undefined;
  try {
    const parsed = parseWorkflow(text, options.fileName ? { fileName: options.fileName } : {});
    // Loops, not push(...spread): a huge file can yield more diagnostics than a call takes arguments.
    for (const d of parsed.diagnostics) diagnostics.push(d);
    workflow = parsed.workflow;
    if (workflow) for (const d of checkWorkflow(workflow, options)) diagnostics.push(d);
  } catch (e) {
    // A bug in Cairn, never the user's fault: say so and keep what was found.
    const detail = e instanceof Error ? e.message : String(e);
    diagnostics.push({ severity: 'error', code: 'internal-error', message: `Cairn's validator failed on this file (please report it): ${detail}`, span: { start: 0, end: 0 } });
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code));
  return { ...(workflow ? { workflow } : {}), diagnostics };
}

function diag(severity: Severity, code: DiagnosticCode, message: string, span: Span, extra: { fix?: Fix | undefined; related?: RelatedInfo[] } = {}): Diagnostic {
  return {
    severity,
    code,
    message,
    span,
    ...(extra.fix ? { fix: extra.fix } : {}),
    ...(extra.related && extra.related.length > 0 ? { related: extra.related } : {}),
  };
}

/** A fix that replaces the content of an id string with a close known id. */
function idFix(s: SourceString, suggestion: string | undefined): Fix | undefined {
  return suggestion === undefined ? undefined : { title: `Change to "${suggestion}"`, span: innerSpan(s), newText: suggestion };
}

function checkWorkflow(wf: Workflow, options: ValidateOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tasks = wf.tasks;
  if (tasks.size === 0) {
    out.push(diag('warning', 'no-tasks', 'this workflow defines no tasks: add one, e.g. [tasks.build] with run = "make"', { start: 0, end: 0 }));
  }
  const ids = [...tasks.keys()];
  // Edges the graph can trust: known, not self, not onto a forensic task.
  const validDeps = new Map<string, string[]>();

  for (const task of tasks.values()) {
    const valid: string[] = [];
    validDeps.set(task.id, valid);
    if (task.type === 'forensic') {
      checkForensic(task, wf, out);
      continue;
    }
    if (task.target) {
      out.push(diag('error', 'target-not-forensic', `"target" only applies to forensic tasks: add type = "forensic" to task "${task.id}", or remove "target"`, task.target.keySpan ?? task.target.span));
    }
    const seen = new Set<string>();
    for (const dep of task.deps) {
      const id = dep.value;
      if (seen.has(id)) {
        out.push(diag('warning', 'duplicate-dep', `"${id}" is already listed in deps of "${task.id}"`, dep.span));
        continue;
      }
      seen.add(id);
      const target = tasks.get(id);
      if (id === task.id) {
        out.push(diag('error', 'self-dep', `task "${task.id}" cannot depend on itself`, dep.span));
      } else if (!target) {
        const s = closest(id, ids.filter((x) => x !== task.id));
        out.push(diag('error', 'unknown-dep', `unknown task "${id}" in deps of "${task.id}"${didYouMean(s)}`, dep.span, { fix: idFix(dep, s) }));
      } else if (target.type === 'forensic') {
        const when = target.target ? `when "${target.target.value}" fails` : 'when its target fails';
        out.push(diag('error', 'dep-on-forensic', `"${id}" is a forensic task: it runs only ${when}, so no task can depend on it`, dep.span));
      } else {
        valid.push(id);
      }
    }
  }

  checkCycles(wf, validDeps, out);
  checkVariables(wf, validDeps, out);
  checkEnvFiles(wf, options, out);
  return out;
}

function checkForensic(task: Task, wf: Workflow, out: Diagnostic[]): void {
  if (task.deps.length > 0) {
    out.push(diag('error', 'forensic-deps', `forensic task "${task.id}" cannot have deps: it runs right after its target fails; remove "deps"`, task.depsKeySpan ?? task.idSpan));
  }
  const t = task.target;
  if (!t) {
    out.push(diag('error', 'forensic-target', `forensic task "${task.id}" needs a target: add target = "<task it diagnoses>"`, task.idSpan));
    return;
  }
  const targetTask = wf.tasks.get(t.value);
  if (!targetTask) {
    const s = closest(t.value, [...wf.tasks.values()].filter((x) => x.type !== 'forensic').map((x) => x.id));
    out.push(diag('error', 'unknown-target', `unknown target task "${t.value}" of forensic task "${task.id}"${didYouMean(s)}`, t.span, { fix: idFix(t, s) }));
  } else if (targetTask.type === 'forensic') {
    const what = targetTask.id === task.id ? 'itself' : `"${t.value}", another forensic task`;
    out.push(diag('error', 'forensic-target', `forensic task "${task.id}" cannot target ${what}: target the task whose failure it diagnoses`, t.span));
  }
}

function checkCycles(wf: Workflow, validDeps: Map<string, string[]>, out: Diagnostic[]): void {
  // Covering cycles (every edge on some cycle lies on one of them) rather than a
  // shortest cycle per edge: linear where per-edge search is quadratic in a big cycle.
  const reported = new Set<string>();
  for (const cycle of findCoveringCycles(validDeps)) {
    const members = cycle.slice(0, -1); // [a, b, c] for a → b → c → a
    const k = members.length;
    for (let i = 0; i < k; i++) {
      const from = members[i]!;
      const to = members[(i + 1) % k]!;
      const edgeKey = `${from}\u0000${to}`;
      if (reported.has(edgeKey)) continue;
      reported.add(edgeKey);
      const dep = wf.tasks.get(from)?.deps.find((d) => d.value === to);
      if (!dep) continue;
      const related: RelatedInfo[] = [];
      for (let j = 1; j < Math.min(k, MAX_RELATED + 1); j++) {
        const a = members[(i + j) % k]!;
        const b = members[(i + j + 1) % k]!;
        const d = wf.tasks.get(a)?.deps.find((x) => x.value === b);
        if (d) related.push({ message: `"${a}" depends on "${b}"`, span: d.span });
      }
      out.push(diag('error', 'cycle', `dependency cycle: ${spellCycle(members, i)}`, dep.span, { related }));
    }
  }
  // Break every cycle edge so the ancestry below (which needs a DAG) can be built.
  for (const key of reported) {
    const [from, to] = key.split('\u0000') as [string, string];
    const list = validDeps.get(from)!;
    const at = list.indexOf(to);
    if (at !== -1) list.splice(at, 1);
  }
}

const MAX_RELATED = 20;
const MAX_SPELLED = 16;

/** `a → b → c → a`, starting at members[start]; long cycles are abbreviated. */
export function spellCycle(members: readonly string[], start: number): string {
  const k = members.length;
  const at = (j: number): string => members[(start + j) % k]!;
  if (k <= MAX_SPELLED) return [...Array.from({ length: k }, (_, j) => at(j)), at(0)].join(' → ');
  const head = Array.from({ length: 6 }, (_, j) => at(j));
  const tail = Array.from({ length: 3 }, (_, j) => at(k - 3 + j));
  return `${head.join(' → ')} → … ${k - 9} more … → ${tail.join(' → ')} → ${at(0)}`;
}

interface Definer {
  readonly task: Task;
  readonly span: Span;
}

function checkVariables(wf: Workflow, validDeps: Map<string, string[]>, out: Diagnostic[]): void {
  // Who sets each variable: `register` and `outputs`.
  const definers = new Map<string, Definer[]>();
  const addDefiner = (name: string, task: Task, span: Span): void => {
    const list = definers.get(name) ?? [];
    if (!list.some((d) => d.task === task)) list.push({ task, span });
    definers.set(name, list);
  };
  for (const task of wf.tasks.values()) {
    if (task.register) addDefiner(task.register.value, task, task.register.span);
    for (const o of task.outputs) addDefiner(o.value, task, o.span);
  }
  for (const [name, list] of definers) {
    if (list.length < 2) continue;
    for (const d of list) {
      const others = list.filter((x) => x !== d).map((x) => `"${x.task.id}"`).join(', ');
      out.push(diag('warning', 'duplicate-register', `variable "${name}" is also set by ${others}: its value depends on which task runs last`, d.span, {
        related: list.filter((x) => x !== d).map((x) => ({ message: `"${x.task.id}" sets "${name}" here`, span: x.span })),
      }));
    }
  }

  // Ancestry over the graph with its broken edges removed; a forensic task
  // sees what its target saw, so its target counts as a dependency here.
  const nodes = [...wf.tasks.values()].map((t) => ({
    id: t.id,
    deps: t.type === 'forensic' && t.target && wf.tasks.get(t.target.value)?.type === 'task' ? [t.target.value] : validDeps.get(t.id) ?? [],
  }));
  let graph: TaskGraph | undefined;
  try {
    graph = TaskGraph.build(nodes);
  } catch {
    graph = undefined; // cannot happen after the checks above; then only "defined nowhere" is checked
  }

  const known = [...wf.vars.keys(), ...definers.keys()];
  const checkUse = (use: VarUse, user: Task | undefined): void => {
    if (wf.vars.has(use.name)) return;
    const defs = definers.get(use.name);
    if (!defs) {
      const s = closest(use.name, known);
      const where = user ? `used by task "${user.id}"` : 'used in [defaults]';
      out.push(diag('error', 'undefined-var', `variable "${use.name}" ${where} is not defined: declare it in [vars], or set it from an upstream task with register or outputs${didYouMean(s)}`, use.span));
      return;
    }
    if (!user) {
      const by = defs.map((d) => `"${d.task.id}"`).join(', ');
      out.push(diag('warning', 'maybe-undefined-var', `variable "${use.name}" in [defaults] is set only by task ${by}: tasks that run before it will not have it; declare a default in [vars]`, use.span));
      return;
    }
    if (!graph) return;
    const upstream = defs.filter((d) => d.task !== user && graph.isAncestor(d.task.id, user.id));
    if (upstream.some((d) => !d.task.condition)) return;
    if (upstream.length > 0) {
      const by = upstream.map((d) => `"${d.task.id}"`).join(', ');
      out.push(diag('warning', 'maybe-undefined-var', `variable "${use.name}" may be undefined in "${user.id}": it is set only by ${by}, which is skipped when its "if" condition is false`, use.span));
      return;
    }
    const by = defs.map((d) => `"${d.task.id}"`).join(', ');
    const self = defs.length === 1 && defs[0]!.task === user;
    const hint = self
      ? `"${user.id}" sets it itself, so it is only there on a re-run`
      : `it is set only by ${by}, which ${defs.length > 1 ? 'are' : 'is'} not upstream of "${user.id}"; add ${defs.length > 1 ? 'one of them' : by} to its deps`;
    out.push(diag('warning', 'maybe-undefined-var', `variable "${use.name}" may be undefined in "${user.id}": ${hint}`, use.span));
  };
  for (const use of wf.defaults.uses) checkUse(use, undefined);
  for (const task of wf.tasks.values()) for (const use of task.uses) checkUse(use, task);
}

function checkEnvFiles(wf: Workflow, options: ValidateOptions, out: Diagnostic[]): void {
  const { baseDir, fileExists } = options;
  if (!baseDir || !fileExists) return;
  const check = (envFile: SourceString | undefined, dir: SourceString | undefined, owner: string): void => {
    if (!envFile) return;
    // A templated path is only known at run time.
    if (envFile.value.includes('{{') || dir?.value.includes('{{')) return;
    const abs = path.resolve(baseDir, dir?.value ?? '.', envFile.value);
    let exists = false;
    try {
      exists = fileExists(abs);
    } catch {
      exists = false;
    }
    // Relative to the workflow's folder: what the user can find, the same on every machine.
    const shown = path.relative(baseDir, abs).split(path.sep).join('/') || '.';
    if (!exists) out.push(diag('warning', 'env-file-missing', `env_file "${envFile.value}" of ${owner} does not exist (looked for ${shown} next to the workflow file)`, envFile.span));
  };
  check(wf.defaults.envFile, wf.defaults.dir, '[defaults]');
  for (const task of wf.tasks.values()) check(task.envFile, task.dir ?? wf.defaults.dir, `task "${task.id}"`);
}
