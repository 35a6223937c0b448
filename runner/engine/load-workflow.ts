// Reads a workflow file for a run: refuses one with validation errors (the
// same validator as `cairn validate`), and names its revision by content hash.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { readWorkflowFile } from './read-workflow-file';
import * as path from 'node:path';
import { LineIndex } from '../model/span';
import type { Workflow } from '../model/workflow';
import { TaskGraph } from '../graph/task-graph';
import type { Diagnostic } from '../validate/diagnostic';
import { analyze } from '../validate/validate';
import type { TaskShape } from './events';

export interface LoadedWorkflow {
  /** Absolute path. */
  readonly file: string;
  readonly text: string;
  readonly revision: string;
  readonly workflow: Workflow;
  readonly structure: TaskShape[];
  /** The non-forensic tasks and their deps: what the scheduler runs (forensic tasks hang off failures). */
  readonly graph: TaskGraph;
  readonly warnings: readonly Diagnostic[];
}

/** A run records its workflow file relative to the workspace (the store's parent) when inside it. */
export function recordedFile(storeRoot: string, file: string): string {
  const rel = path.relative(path.dirname(storeRoot), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}

/** The workflow file of a run, from what it recorded. */
export function runWorkflowFile(storeRoot: string, recorded: string): string {
  return path.resolve(path.dirname(storeRoot), recorded);
}

/** A refusal the CLI maps to exit 2 (usage / invalid workflow / refused operation). */
export class RefusedError extends Error {
  constructor(
    message: string,
    /** Extra lines to print (e.g. each diagnostic, each structure change). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

export function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export async function loadWorkflow(file: string): Promise<LoadedWorkflow> {
  const abs = path.resolve(file);
  const read = await readWorkflowFile(file);
  if (!read.ok) throw new RefusedError(read.message);
  const text = read.text;
  const { workflow, diagnostics } = analyze(text, { fileName: path.basename(abs), baseDir: path.dirname(abs), fileExists: (p) => fs.existsSync(p) });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!workflow || errors.length > 0) {
    const lines = new LineIndex(text);
    const shown = errors.map((d) => {
      const p = lines.lineCol(d.span.start);
      return `${file}:${p.line}:${p.col}: error: ${d.message}`;
    });
    throw new RefusedError(`${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} before running (cairn validate ${file})`, shown);
  }
  const structure = structureOf(workflow);
  // Validation has refused unknown deps and cycles, so this cannot throw.
  const graph = TaskGraph.build(structure.filter((t) => t.type !== 'forensic'));
  return { file: abs, text, revision: revisionOf(text), workflow, structure, graph, warnings: diagnostics.filter((d) => d.severity === 'warning') };
}

export function structureOf(wf: Workflow): TaskShape[] {
  return [...wf.tasks.values()].map((t) => ({
    id: t.id,
    deps: t.deps.map((d) => d.value),
    type: t.type,
    ...(t.target ? { target: t.target.value } : {}),
  }));
}

export interface StructureChange {
  readonly kind: 'added' | 'removed' | 'deps-changed' | 'type-changed';
  readonly task: string;
  readonly detail: string;
}

/** What differs between the structure a run last used and the file's (SPEC §3.1 step 2). */
export function diffStructure(before: readonly TaskShape[], after: readonly TaskShape[]): StructureChange[] {
  const out: StructureChange[] = [];
  const old = new Map(before.map((t) => [t.id, t]));
  const now = new Map(after.map((t) => [t.id, t]));
  for (const t of after) if (!old.has(t.id)) out.push({ kind: 'added', task: t.id, detail: `added task ${t.id}` });
  for (const t of before) if (!now.has(t.id)) out.push({ kind: 'removed', task: t.id, detail: `removed task ${t.id}` });
  for (const t of after) {
    const o = old.get(t.id);
    if (!o) continue;
    if (o.type !== t.type || (o.target ?? '') !== (t.target ?? '')) {
      out.push({ kind: 'type-changed', task: t.id, detail: `task ${t.id}: ${o.type}${o.target ? ` of ${o.target}` : ''} → ${t.type}${t.target ? ` of ${t.target}` : ''}` });
    }
    const a = [...o.deps].sort().join(', ');
    const b = [...t.deps].sort().join(', ');
    if (a !== b) out.push({ kind: 'deps-changed', task: t.id, detail: `task ${t.id}: deps [${a}] → [${b}]` });
  }
  return out;
}
