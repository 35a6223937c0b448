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
