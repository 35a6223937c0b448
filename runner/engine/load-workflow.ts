// Reads a workflow file for a run: refuses one with validation errors (the
// same validator as `cairn validate`), and names its revision by content hash.
// A text that ran before is read from its checked model (model-cache.ts).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { readWorkflowFile } from './read-workflow-file';
import * as path from 'node:path';
import { LineIndex } from '../model/span';
import type { Workflow } from '../model/workflow';
import { TaskGraph } from '../graph/task-graph';
import { analyze } from '../validate/validate';
import { modelFromJson, modelToJson, type ModelKey } from '../model/model-cache';
import { buildId } from './build-id';
import { runWorkflowFile } from '../store/run-paths';
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
  /**
   * Keeps this text's checked model in the cache given to loadWorkflow, if it was not read from there. Separate
   * from loading because only an operation that goes ahead may write to the store (a refusal or dry run writes
   * nothing).
   */
  saveModel(): Promise<void>;
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

/** The store's cache of checked workflow models (safe to delete at any time); undefined when not caching. */
export function modelCacheOf(storeRoot: string, build = buildId()): ModelCache | undefined {
  return build === undefined ? undefined : { dir: modelCacheDir(storeRoot), build };
}

/** A run's workflow file as it is now (where the run recorded it: resume, re-run, restart, staleness), loaded with the store's model cache. */
export function loadRunWorkflow(storeRoot: string, state: { readonly file: string }): Promise<LoadedWorkflow> {
  return loadWorkflow(runWorkflowFile(storeRoot, state.file), { modelCache: modelCacheOf(storeRoot) });
}

/** The folder of that cache, `<hash>.json` per text (for prune, whatever the build). */
export function modelCacheDir(storeRoot: string): string {
  return path.join(storeRoot, 'parsed');
}

export interface ModelCache {
  readonly dir: string;
  /** The validator's build: a model checked by another is not used. */
  readonly build: string;
}

export interface LoadOptions {
  /** Checked models by revision (see model-cache.ts): read when it holds this text's; see saveModel. */
  readonly modelCache?: ModelCache | undefined;
}

export async function loadWorkflow(file: string, options: LoadOptions = {}): Promise<LoadedWorkflow> {
  const abs = path.resolve(file);
  const read = await readWorkflowFile(file);
  if (!read.ok) throw new RefusedError(read.message);
  const text = read.text;
  const revision = revisionOf(text);
  const cache = options.modelCache;
  const entry = cache && { file: path.join(cache.dir, `${revision}.json`), key: { length: text.length, fileName: path.basename(abs), build: cache.build } };
  let workflow = entry && (await readCachedModel(entry.file, text, entry.key));
  let saved = workflow !== undefined;
  if (workflow === undefined) {
    const analysis = analyze(text, { fileName: path.basename(abs), baseDir: path.dirname(abs), fileExists: (p) => fs.existsSync(p) });
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
    if (!analysis.workflow || errors.length > 0) {
      const lines = new LineIndex(text);
      const shown = errors.map((d) => {
        const p = lines.lineCol(d.span.start);
        return `${file}:${p.line}:${p.col}: error: ${d.message}`;
      });
      throw new RefusedError(`${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} before running (cairn validate ${file})`, shown);
    }
    workflow = analysis.workflow;
  }
  const model = workflow;
  const saveModel = (): Promise<void> => {
    if (saved || entry === undefined) return Promise.resolve();
    saved = true;
    return writeCachedModel(entry.file, () => modelToJson(model, entry.key));
  };
  const structure = structureOf(workflow);
  // Validation has refused unknown deps and cycles, so this cannot throw.
  const graph = TaskGraph.build(structure.filter((t) => t.type !== 'forensic'));
  return { file: abs, text, revision, workflow, structure, graph, saveModel };
}

async function readCachedModel(file: string, text: string, key: ModelKey): Promise<Workflow | undefined> {
  try {
    return modelFromJson(await fs.promises.readFile(file, 'utf8'), text, key);
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written is only slower next time. Never rejects. */
async function writeCachedModel(file: string, json: () => string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(tmp, json());
    // Renamed into place whole: a reader never sees half a file (and checks the length besides).
    await fs.promises.rename(tmp, file);
  } catch {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
  }
}

export function structureOf(wf: Workflow): TaskShape[] {
  const out: TaskShape[] = [];
  for (const t of wf.tasks.values()) {
    const deps = t.deps.map((d) => d.value);
    // Two literals rather than a spread of an optional part: on a resume this runs once per task, cold.
    out.push(t.target ? { id: t.id, deps, type: t.type, target: t.target.value } : { id: t.id, deps, type: t.type });
  }
  return out;
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
    if (sameList(o.deps, t.deps)) continue;
    const a = [...o.deps].sort().join(', ');
    const b = [...t.deps].sort().join(', ');
    if (a !== b) out.push({ kind: 'deps-changed', task: t.id, detail: `task ${t.id}: deps [${a}] → [${b}]` });
  }
  return out;
}

/** The same entries in the same order: the usual case, decided without sorting. */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
