// Hovers: a task (command, deps, type, description, last run), a variable
// (where it is declared or set, its latest value — secrets as ***), and a key
// (its schema doc). Run facts come from the injected provider, if any.
import { formatDuration } from '../../runner/model/duration';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver-types';
import type { TaskStatus } from '../../runner/engine/events';
import { STATUS_GLYPH } from '../../runner/engine/status-words';
import type { Task, Workflow } from '../../runner/model/workflow';
import type { DocumentAnalysis } from './document-analysis';
import type { Logger } from './guard';
import { keyTable } from './key-tables';
import { clip, code, codeBlock, escape } from './markdown';
import type { RunInfoProvider, TaskRunInfo, VarValueInfo } from './run-info';
import { keyAt, namesSymbol, occurrenceAt } from './symbol-index';
import type { KeyOccurrence } from './toml-scan';

export function getHover(analysis: DocumentAnalysis, position: Position, runInfo?: RunInfoProvider, logger?: Logger): Hover | null {
  const offset = analysis.offsetAt(position);
  const key = keyAt(analysis.scan, offset);
  // On a key that names no task or variable, only its schema doc can be shown: no need for the model.
  if (key && !namesSymbol(key)) return keyHover(analysis, key);
  const wf = analysis.workflow;
  const o = wf ? occurrenceAt(analysis.symbols, offset) : undefined;
  if (wf && o) {
    const ask = <T>(what: string, f: (p: RunInfoProvider) => T | undefined): T | undefined => askProvider(runInfo, logger, what, f);
    let value: string | undefined;
    if (o.kind === 'task') {
      const task = wf.tasks.get(o.id);
      value = task ? taskMarkdown(task, ask('taskStatus', (p) => p.taskStatus(analysis.uri, task.id))) : undefined;
    } else {
      value = varMarkdown(wf, o.name, ask('latestValue', (p) => p.latestValue(analysis.uri, o.name)));
    }
    return value === undefined ? null : { contents: { kind: MarkupKind.Markdown, value }, range: analysis.range(o.span) };
  }
  return key ? keyHover(analysis, key) : null;
}

/** A provider that throws costs the run facts, not the hover. */
function askProvider<T>(runInfo: RunInfoProvider | undefined, logger: Logger | undefined, what: string, f: (p: RunInfoProvider) => T | undefined): T | undefined {
  if (!runInfo) return undefined;
  try {
    return f(runInfo);
  } catch (e) {
    try {
      logger?.error(`cairn language service: run info ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    } catch {
      // The logger failing too leaves nothing to report to.
    }
    return undefined;
  }
}

function taskMarkdown(task: Task, run: TaskRunInfo | undefined): string {
  const title =
    task.type === 'forensic'
      ? `**forensic task** ${code(task.id)}${task.target ? ` — runs when ${code(task.target.value)} fails` : ''}`
      : `**task** ${code(task.id)}`;
  const parts = [title];
  if (task.description !== undefined) parts.push(escape(task.description));
  if (task.run) parts.push(codeBlock(clip(task.run.value, 15), 'sh'));
  const facts: string[] = [];
  if (task.deps.length > 0) facts.push(`deps: ${task.deps.map((d) => code(d.value)).join(', ')}`);
  if (task.condition) facts.push(`if: ${code(task.condition.source.value)}`);
  if (task.register) facts.push(`registers: ${code(task.register.value)}`);
  if (task.outputs.length > 0) facts.push(`outputs: ${task.outputs.map((d) => code(d.value)).join(', ')}`);
  if (run) facts.push(`last run: ${runLine(run)}`);
  if (facts.length > 0) parts.push(facts.join('  \n'));
  return parts.join('\n\n');
}

function runLine(run: TaskRunInfo): string {
  const parts = [statusText(run.status)];
  if (run.durationMs !== undefined && Number.isFinite(run.durationMs)) parts.push(`in ${formatDuration(run.durationMs)}`);
  if (run.attempts !== undefined && run.attempts > 1) parts.push(`after ${run.attempts} attempts`);
  return `${parts.join(' ')} · run ${code(run.runId)}`;
}

function statusText(status: TaskStatus): string {
  return `${STATUS_GLYPH[status]} ${status === 'success' ? 'succeeded' : status}`;
}

function varMarkdown(wf: Workflow, name: string, latest: VarValueInfo | undefined): string {
  const decl = wf.vars.get(name);
  const registers = [...wf.tasks.values()].filter((t) => t.register?.value === name);
  const outputs = [...wf.tasks.values()].filter((t) => t.outputs.some((o) => o.value === name));
  const secret = decl?.secret === true || latest?.secret === true;
  const parts = [`**variable** ${code(name)}${secret ? ' · secret' : ''}`];
  if (decl?.description !== undefined) parts.push(escape(decl.description));
  const facts: string[] = [];
  if (decl) {
    const how: string[] = [];
    if (decl.default !== undefined) how.push(`default ${secret ? '***' : code(decl.default)}`);
    if (decl.env !== undefined) how.push(`from environment variable ${code(`$${decl.env}`)}`);
    facts.push(`declared in ${code('[vars]')}${how.length > 0 ? `: ${how.join(', ')}` : ''}`);
  }
  for (const t of registers) facts.push(`registered by task ${code(t.id)} (its trimmed stdout)`);
  for (const t of outputs) facts.push(`set by task ${code(t.id)} through ${code('$CAIRN_OUTPUT')}`);
  if (!decl && registers.length === 0 && outputs.length === 0) facts.push(`not defined in this workflow: declare it in ${code('[vars]')} or set it from a task with register or outputs`);
  if (latest) facts.push(`latest value: ${latestLine(latest, secret)}`);
  parts.push(facts.join('  \n'));
  return parts.join('\n\n');
}

function latestLine(v: VarValueInfo, secret: boolean): string {
  const shown = secret ? '***' : v.value === null ? '(not stored)' : code(clip(v.value, 1));
  const from: string[] = [];
  if (v.task !== undefined) from.push(`from task ${code(v.task)}${v.attempt !== undefined ? `, attempt ${v.attempt}` : ''}`);
  else if (v.source !== undefined) from.push(`from ${v.source}`);
  if (v.runId !== undefined) from.push(`run ${code(v.runId)}`);
  return from.length > 0 ? `${shown} (${from.join(' · ')})` : shown;
}

/** A key's schema doc: `timeout` in a task says what a timeout does. */
function keyHover(analysis: DocumentAnalysis, k: KeyOccurrence): Hover | null {
  const name = k.path[k.path.length - 1] ?? '';
  const table = keyTable(k.path.slice(0, -1));
  const spec = table && Object.hasOwn(table, name) ? table[name] : undefined;
  return spec ? { contents: { kind: MarkupKind.Markdown, value: `${code(name)} — ${spec.doc}` }, range: analysis.range(k.span) } : null;
}
