// Where a run's files live (SPEC §4).
import * as path from 'node:path';

export interface RunPaths {
  readonly dir: string;
  readonly journal: string;
  readonly db: string;
  readonly revisions: string;
  readonly logs: string;
}

export function runPaths(root: string, runId: string): RunPaths {
  const dir = path.join(root, 'runs', runId);
  return { dir, journal: path.join(dir, 'events.ndjson'), db: path.join(dir, 'run.db'), revisions: path.join(dir, 'revisions'), logs: path.join(dir, 'logs') };
}

/** A run records its workflow file relative to the workspace (the store's parent) when inside it. */
export function recordedFile(storeRoot: string, file: string): string {
  const rel = path.relative(path.dirname(storeRoot), file);
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}

/** The workflow file of a run, from what it recorded. */
export function runWorkflowFile(storeRoot: string, recorded: string): string {
  return path.resolve(path.dirname(storeRoot), recorded);
}

/** Where a run keeps the workflow text one of its attempts ran (by revision hash). */
export function revisionFile(paths: RunPaths, revision: string): string {
  return path.join(paths.revisions, `${revision}.cairn.toml`);
}
