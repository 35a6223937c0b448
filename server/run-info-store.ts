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

  /**
   * The store serving a workflow file: an absolute $CAIRN_STORE, else the nearest folder above the file
   * holding a store named $CAIRN_STORE (relative) or `.cairn`. The CLI resolves a relative $CAIRN_STORE
   * against the folder it ran from, which the server cannot know: the nearest one upward is its best guess,
   * as it is for `.cairn`.
   */
  storeFor(file: string): string | undefined {
    const given = this.env['CAIRN_STORE'];
    const name = given !== undefined && given.length > 0 ? given : '.cairn';
    if (path.isAbsolute(name)) return path.resolve(name);
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, name);
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
      const runsStamp = stamp(path.join(root, 'runs'));
      const known = this.entries.get(uri);
      if (known?.run !== undefined && known.stamp === `${runsStamp}:${stamp(journal(root, known.run.id))}`) return;
      if (known !== undefined && known.run === undefined && known.stamp === runsStamp) return;
      // Newest first; the first run of this very file wins.
      const latest = (await listRuns(root)).find((r) => runWorkflowFile(root, r.file) === file);
      if (latest === undefined) {
        this.entries.set(uri, { stamp: runsStamp, vars: new Map() });
        return;
      }
      // Stamped before it is read: an event appended while reading changes the stamp, so the next refresh
      // reads again. Stamped after, that event would be missed until the run's next one.
      const journalStamp = stamp(journal(root, latest.id));
      const [details, rows] = await Promise.all([getRun(root, latest.id, this.env), varHistory(root, latest.id)]);
      this.entries.set(uri, {
        stamp: `${runsStamp}:${journalStamp}`,
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

function journal(root: string, runId: string): string {
  return path.join(root, 'runs', runId, 'events.ndjson');
}

/**
 * What changes when a folder gains an entry or a journal an event. The size joins the modification time
 * because a file system with coarse timestamps can show two appends within one tick with the same mtime;
 * the journal only grows, so its size never repeats.
 */
function stamp(p: string): string {
  try {
    const s = statSync(p);
    return `${s.mtimeMs}/${s.size}`;
  } catch {
    return 'missing';
  }
}
