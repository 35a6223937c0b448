// Brings run.db up to the journal: load the last checkpoint (or start
// afresh when it is missing, damaged or out of line with the journal),
// apply the journal's tail, write it back atomically. The process that
// drives a run calls this in a child while tasks run, so sql.js never
// swells the driver (a task's fork costs more the bigger its parent is).
import * as fs from 'node:fs';
import type { RunEvent } from '../engine/events';
import { writeFileAtomic } from './atomic-write';
import { readJournal } from './journal';
import { RunDb, RunDbError } from './run-db';
import { foldEvents, type RunState } from './run-state';
import type { RunPaths } from './run-paths';
import { StoreError } from './store-error';

export interface LoadedDb {
  readonly db: RunDb;
  readonly state: RunState;
  /** Repairs made on the way (a damaged checkpoint rebuilt from the journal). */
  readonly warnings: string[];
}

export function isRunEvent(r: unknown): r is RunEvent {
  return typeof r === 'object' && r !== null && typeof (r as { seq?: unknown }).seq === 'number' && typeof (r as { type?: unknown }).type === 'string';
}

/** Opening a run for reading (SPEC §4): the last checkpoint plus the journal after it. */
export async function loadRunDb(paths: RunPaths): Promise<LoadedDb> {
  const warnings: string[] = [];
  let db: RunDb | undefined;
  try {
    db = await RunDb.load(await fs.promises.readFile(paths.db));
  } catch (e) {
    if (e instanceof RunDbError) warnings.push(`${e.message}; read the run from its journal instead`);
    else if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreError(`cannot read ${paths.db}: ${(e as Error).message}`);
  }
  db ??= await RunDb.create();
  const fresh = async (why: string): Promise<RunDb> => {
    warnings.push(why);
    db!.close();
    return RunDb.create();
  };
  let tail;
  try {
    tail = await readJournal(paths.journal, db.journalOffset);
  } catch (e) {
    if (db.journalOffset === 0) throw new StoreError(`cannot read the journal ${paths.journal}: ${(e as Error).message}`);
    db = await fresh('run.db reached past the end of the journal; read the run from its journal instead');
    tail = await readJournal(paths.journal, 0);
  }
  const first = tail.records[0] as { seq?: unknown } | undefined;
  if (first !== undefined && db.lastSeq > 0 && first.seq !== db.lastSeq + 1) {
    db = await fresh('run.db did not line up with the journal; read the run from its journal instead');
    tail = await readJournal(paths.journal, 0);
  }
  if (tail.corruptAt !== undefined) {
    throw new StoreError(`the journal ${paths.journal} is damaged at line ${tail.corruptAt} past its checkpoint (not at its end, so not a torn write)`);
  }
  db.applyAll(tail.records.filter(isRunEvent), tail.endByte);
  const state = foldEvents(db.events());
  if (state.id === '') throw new StoreError(`${paths.dir} holds no run (its journal has no run-created event)`);
  return { db, state, warnings };
}

/** Writes run.db up to the journal's current end. Returns the number of events it now holds. */
export async function checkpointRun(paths: RunPaths): Promise<number> {
  const { db } = await loadRunDb(paths);
  try {
    const bytes = db.export();
    await writeFileAtomic(paths.db, bytes);
    return db.lastSeq;
  } finally {
    db.close();
  }
}
