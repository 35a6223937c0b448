// Run facts for hovers, read from the store the CLI and the editor share: the latest run of a workflow file,
// its tasks' statuses and its variables' latest values. The language service asks synchronously, so the host
// awaits refresh(uri) before a hover and the answers come from this cache. A refresh costs a stat of the
// store's runs folder and of the chosen run's journal when nothing changed; otherwise it reads runs newest
// first, each once, up to the first of this file. It never loads the workflow file: a hover shows statuses,
// durations and values, not staleness (which `cairn show` computes by validating the file as it is now).
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWorkflowFile } from '../runner/store/run-paths';
import { runDocument, type RunDocument } from '../runner/engine/run-document';
import { shownValue } from '../runner/store/run-state';
import { latestVars, type RunState, type VarSnapshot } from '../runner/store/run-state';
import { readRunsNewestFirst, runPaths } from '../runner/store/run-store';
import { nearestStore } from '../runner/store/store-location';
import type { RunInfoProvider, TaskRunInfo, VarValueInfo } from './language-service';

interface Entry {
  readonly stamp: string;
  /** The store the run is in, and the run's state (for what the document leaves out: staleness). */
  readonly latest?: { readonly store: string; readonly state: RunState };
  readonly run?: RunDocument;
  /** Latest snapshot of each variable in `run` (secrets without their value). */
  readonly vars: ReadonlyMap<string, VarSnapshot>;
}

export class RunInfoStore implements RunInfoProvider {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly env: Readonly<Record<string, string | undefined>> = process.env) {}

  /** The store serving a workflow file, when one exists (store-location.ts nearestStore). */
  storeFor(file: string): string | undefined {
    return nearestStore(file, this.env);
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
      if (known?.run !== undefined && known.stamp === `${runsStamp}:${stamp(runPaths(root, known.run.id).journal)}`) return;
      if (known !== undefined && known.run === undefined && known.stamp === runsStamp) return;
      this.entries.set(uri, await latestRunOf(root, file, runsStamp));
    } catch {
      // A store being written or half gone: hovers fall back to the definition.
      this.entries.delete(uri);
    }
  }

  /** Drops what is known of a document (it was closed): the next refresh reads its run again. */
  forget(uri: string): void {
    this.entries.delete(uri);
  }

  /** The latest run of the document's file as of the last refresh(uri), with its store. */
  latestRun(uri: string): { readonly store: string; readonly state: RunState } | undefined {
    return this.entries.get(uri)?.latest;
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
    const snapshot = entry?.vars.get(varName);
    if (entry?.run === undefined || snapshot === undefined) return undefined;
    return {
      // Secrets (never stored) as ***, as `cairn show` and `cairn vars` print them.
      value: shownValue(snapshot),
      source: snapshot.source,
      runId: entry.run.id,
      ...(snapshot.task !== undefined ? { task: snapshot.task } : {}),
      ...(snapshot.attempt !== undefined ? { attempt: snapshot.attempt } : {}),
    };
  }
}

/**
 * The newest run of `file` in the store, each run read once: its state holds the file it ran, the document the
 * hovers show and the variables. A run that cannot be read (junk, or damaged) is passed over, as `cairn runs`
 * leaves it out: the file's run may be an older one. The run's stamp is its journal as readRun found it just
 * before reading: an event appended while reading changes the stamp, so the next refresh reads again.
 */
async function latestRunOf(root: string, file: string, runsStamp: string): Promise<Entry> {
  for await (const snap of readRunsNewestFirst(root)) {
    if (runWorkflowFile(root, snap.state.file) !== file) continue;
    // No staleness: it would load and validate the workflow file, and hovers do not show it.
    return { stamp: `${runsStamp}:${stampOf(snap.journal)}`, latest: { store: root, state: snap.state }, run: runDocument(snap.state), vars: latestVars(snap.state) };
  }
  return { stamp: runsStamp, vars: new Map() };
}

/** The path of a file: URI; undefined for any other URI, or one that names no local file. */
export function filePath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What changes when a folder gains an entry or a journal an event. The size joins the modification time
 * because a file system with coarse timestamps can show two appends within one tick with the same mtime;
 * the journal only grows, so its size never repeats.
 */
function stampOf(s: { readonly mtimeMs: number; readonly size: number }): string {
  return `${s.mtimeMs}/${s.size}`;
}

function stamp(p: string): string {
  try {
    return stampOf(statSync(p));
  } catch {
    return 'missing';
  }
}
