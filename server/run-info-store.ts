// Run facts for hovers, read from the store the CLI and the editor share: the latest run of a workflow file,
// its tasks' statuses and its variables' latest values. The language service asks synchronously, so the host
// awaits refresh(uri) before a hover and the answers come from this cache. A refresh costs a stat of the
// store's runs folder and of the chosen run's journal when nothing changed.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRun, listRuns, varHistory, type VarRow } from '../runner/engine/queries';
import { runWorkflowFile } from '../runner/engine/load-workflow';
import type { RunDocument } from '../runner/engine/run-document';
import type { RunInfoProvider, TaskRunInfo, VarValueInfo } from './language-service';

interface Entry {
  readonly stamp: string;
  readonly run?: RunDocument;
  readonly vars: ReadonlyMap<string, VarRow>;
}

export class RunInfoStore implements RunInfoProvider {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly env: Readonly<Record<string, string | undefined>> = process.env) {}

  /** The store serving a workflow file: $CAIRN_STORE, else the nearest `.cairn` folder above it. */
  storeFor(file: string): string | undefined {
    const given = this.env['CAIRN_STORE'];
    if (given !== undefined && given.length > 0) return path.resolve(path.dirname(file), given);
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, '.cairn');
      if (existsSync(path.join(candidate, 'runs'))) return candidate;
      if (path.dirname(dir) === dir) return undefined;
    }
  }

  /** Re-reads the latest run of the document's file when the store changed. Never throws. */
  async refresh(uri: string): Promise<void> {
    const file = filePath(uri);
    const root = file === undefined ? undefined : this.storeFor(file);
    if (file === undefined || root === undefined) {
      this.entries.delete(uri);
      return;
    }
    try {
      const runsStamp = mtime(path.join(root, 'runs'));
      const known = this.entries.get(uri);
      if (known?.run !== undefined && known.stamp === `${runsStamp}:${mtime(path.join(root, 'runs', known.run.id, 'events.ndjson'))}`) return;
      if (known !== undefined && known.run === undefined && known.stamp === runsStamp) return;
      // Newest first; the first run of this very file wins.
      const latest = (await listRuns(root)).find((r) => runWorkflowFile(root, r.file) === file);
      if (latest === undefined) {
        this.entries.set(uri, { stamp: runsStamp, vars: new Map() });
        return;
      }
      const [details, rows] = await Promise.all([getRun(root, latest.id, this.env), varHistory(root, latest.id)]);
      this.entries.set(uri, {
        stamp: `${runsStamp}:${mtime(path.join(root, 'runs', latest.id, 'events.ndjson'))}`,
        run: details.document,
        vars: new Map(rows.map((r) => [r.name, r])),
      });
    } catch {
      // A store being written or half gone: hovers fall back to the definition.
      this.entries.delete(uri);
    }
  }

  taskStatus(uri: string, taskId: string): TaskRunInfo | undefined {
    const run = this.entries.get(uri)?.run;
    const task = run?.tasks.find((t) => t.id === taskId);
    if (run === undefined || task === undefined) return undefined;
    const last = task.attempts.at(-1);
    return {
      status: task.status,
      runId: run.id,
      attempts: task.attempts.length,
      ...(last?.durationMs !== null && last?.durationMs !== undefined ? { durationMs: last.durationMs } : {}),
    };
  }

  latestValue(uri: string, varName: string): VarValueInfo | undefined {
    const entry = this.entries.get(uri);
    const row = entry?.vars.get(varName);
    if (entry?.run === undefined || row === undefined) return undefined;
    return {
      value: row.value,
      source: row.source,
      runId: entry.run.id,
      ...(row.task !== null ? { task: row.task } : {}),
      ...(row.attempt !== null ? { attempt: row.attempt } : {}),
    };
  }
}

function filePath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

function mtime(p: string): string {
  try {
    return String(statSync(p).mtimeMs);
  } catch {
    return 'missing';
  }
}
