// One run's folder (SPEC §4): the fsync'd journal is the truth; run.db is its
// projection, checkpointed atomically now and then; open = checkpoint +
// journal tail. A writer holds the lock; readers never block it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NewRunEvent, RunEvent } from '../engine/events';
import { writeFileAtomic } from './atomic-write';
import { Journal, readJournal } from './journal';
import { acquireLock, readLock, type LockHolder, type RunLock } from './lock';
import { RunDb, RunDbError } from './run-db';
import { applyEvent, emptyRunState, foldEvents, type RunState } from './run-state';

export class StoreError extends Error {}

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

/** Checkpoint after this many events, or this long after the last one, whichever comes first. */
const CHECKPOINT_EVERY_EVENTS = 1000;
const CHECKPOINT_EVERY_MS = 5000;

export type EventListener = (events: readonly RunEvent[], state: RunState) => void;

interface Loaded {
  db: RunDb;
  state: RunState;
  journalBytes: number;
  warnings: string[];
}

/** Loads checkpoint + journal tail. A corrupt or missing run.db is rebuilt from the journal. */
async function load(paths: RunPaths): Promise<Loaded> {
  const warnings: string[] = [];
  let db: RunDb | undefined;
  try {
    db = await RunDb.load(await fs.promises.readFile(paths.db));
  } catch (e) {
    if (e instanceof RunDbError) warnings.push(`${e.message}; rebuilt it from the journal`);
    else if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreError(`cannot read ${paths.db}: ${(e as Error).message}`);
  }
  db ??= await RunDb.create();
  let tail: Awaited<ReturnType<typeof readJournal>>;
  try {
    tail = await readJournal(paths.journal, db.journalOffset);
  } catch (e) {
    if (db.journalOffset === 0) throw new StoreError(`cannot read the journal ${paths.journal}: ${(e as Error).message}`);
    // The checkpoint reaches past the journal's end (the journal was cut): trust the journal.
    warnings.push('run.db reached past the end of the journal; rebuilt it from the journal');
    db.close();
    db = await RunDb.create();
    tail = await readJournal(paths.journal, 0);
  }
  if (tail.records.length > 0 && (tail.records[0] as { seq?: unknown }).seq !== db.lastSeq + 1 && db.lastSeq > 0) {
    // The checkpoint does not line up with the journal: trust the journal, rebuild.
    warnings.push('run.db did not match the journal; rebuilt it from the journal');
    db.close();
    db = await RunDb.create();
    tail = await readJournal(paths.journal, 0);
  }
  if (tail.corruptAt !== undefined) {
    throw new StoreError(`the journal ${paths.journal} is damaged at line ${tail.corruptAt} (not at its end, so not a torn write); the events before it are intact`);
  }
  const events = tail.records.filter(isRunEvent);
  db.applyAll(events, tail.endByte);
  const state = foldEvents(db.events());
  if (state.id === '') throw new StoreError(`${paths.dir} holds no run (its journal has no run-created event)`);
  return { db, state, journalBytes: tail.endByte, warnings };
}

function isRunEvent(r: unknown): r is RunEvent {
  return typeof r === 'object' && r !== null && typeof (r as { seq?: unknown }).seq === 'number' && typeof (r as { type?: unknown }).type === 'string';
}

/** A run as a reader sees it: the journal's state, plus who (if anyone) drives it. */
export interface RunSnapshot {
  readonly state: RunState;
  readonly paths: RunPaths;
  /** The driver, if the lock file exists. */
  readonly driver?: { readonly holder: LockHolder; readonly alive: boolean };
  readonly warnings: readonly string[];
}

/** Reads a run without locking or writing anything. A run left running by a dead driver reads as interrupted. */
export async function readRun(root: string, runId: string): Promise<RunSnapshot> {
  const paths = runPaths(root, runId);
  if (!fs.existsSync(paths.journal)) throw new StoreError(`no run ${runId} in ${root}`);
  const { db, state, warnings } = await load(paths);
  db.close();
  const lock = await readLock(paths.dir);
  markInterruptedIfOrphaned(state, lock?.alive === true);
  return { state, paths, ...(lock ? { driver: lock } : {}), warnings };
}

/** A run whose journal says it is active but whose driver is gone was interrupted (SPEC §3.3). */
export function markInterruptedIfOrphaned(state: RunState, driverAlive: boolean): boolean {
  if (driverAlive || !['pending', 'running', 'resuming'].includes(state.status)) return false;
  state.status = 'interrupted';
  for (const t of state.tasks.values()) if (t.status === 'running') t.status = 'interrupted';
  return true;
}

export class RunStore {
  private readonly listeners = new Set<EventListener>();
  private nextSeq: number;
  private eventsSinceCheckpoint = 0;
  private lastCheckpointAt = Date.now();
  private checkpointing: Promise<void> | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private failure: StoreError | undefined;
  private closed = false;

  private constructor(
    readonly runId: string,
    readonly paths: RunPaths,
    private readonly journal: Journal,
    private readonly db: RunDb,
    private readonly lock: RunLock,
    readonly state: RunState,
    private journalBytes: number,
    readonly warnings: readonly string[],
  ) {
    this.nextSeq = state.lastSeq + 1;
  }

  /** Makes the folder of a new run and takes its lock. */
  static async create(root: string, runId: string, command: string): Promise<RunStore> {
    const paths = runPaths(root, runId);
    try {
      await fs.promises.mkdir(path.dirname(paths.dir), { recursive: true });
      await fs.promises.mkdir(paths.dir); // not recursive: an existing run folder is an error
      await fs.promises.mkdir(paths.revisions);
      await fs.promises.mkdir(paths.logs);
    } catch (e) {
      throw new StoreError(`cannot create the run folder ${paths.dir}: ${plainFsError(e)}`);
    }
    const lock = await acquireLock(paths.dir, command);
    try {
      const journal = await Journal.open(paths.journal);
      return new RunStore(runId, paths, journal, await RunDb.create(), lock, emptyRunState(), 0, []);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** Opens an existing run to drive it (resume, rerun): takes the lock first, so a refused driver writes nothing. */
  static async openForWrite(root: string, runId: string, command: string): Promise<RunStore> {
    const paths = runPaths(root, runId);
    if (!fs.existsSync(paths.journal)) throw new StoreError(`no run ${runId} in ${root}`);
    const lock = await acquireLock(paths.dir, command);
    try {
      // Journal.open first: it cuts a torn last line, so what load() reads is what we append after.
      const journal = await Journal.open(paths.journal);
      const { db, state, journalBytes, warnings } = await load(paths);
      const store = new RunStore(runId, paths, journal, db, lock, state, journalBytes, warnings);
      if (warnings.length > 0) await store.checkpoint();
      return store;
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** Called with every batch of events once it is durable. */
  onEvents(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes events durable (numbered, stamped, fsync'd), then applies them to
   * the state and run.db and tells the listeners. Events appended at the same
   * time share one fsync. Rejects — and every later call rejects — when the
   * journal cannot be written: nothing is reported that was not recorded.
   */
  async append(events: readonly NewRunEvent[]): Promise<RunEvent[]> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new StoreError('the run store is closed');
    const at = new Date().toISOString();
    const stamped = events.map((e) => ({ ...e, seq: this.nextSeq++, at }));
    try {
      await this.journal.append(stamped);
    } catch (e) {
      this.failure ??= new StoreError(e instanceof Error ? e.message : String(e));
      throw this.failure;
    }
    // Group commit resolves batches in order, so events are applied in seq order.
    for (const e of stamped) this.journalBytes += Buffer.byteLength(JSON.stringify(e)) + 1;
    this.db.applyAll(stamped, this.journalBytes);
    for (const e of stamped) applyEvent(this.state, e);
    for (const l of this.listeners) l(stamped, this.state);
    this.eventsSinceCheckpoint += stamped.length;
    this.scheduleCheckpoint();
    return stamped;
  }

  get failed(): StoreError | undefined {
    return this.failure;
  }

  private scheduleCheckpoint(): void {
    if (this.eventsSinceCheckpoint >= CHECKPOINT_EVERY_EVENTS || Date.now() - this.lastCheckpointAt >= CHECKPOINT_EVERY_MS) {
      void this.checkpoint().catch(() => undefined); // a failed checkpoint costs only replay time; the journal is the truth
    } else if (!this.checkpointTimer) {
      this.checkpointTimer = setTimeout(() => {
        this.checkpointTimer = undefined;
        if (this.eventsSinceCheckpoint > 0) void this.checkpoint().catch(() => undefined);
      }, CHECKPOINT_EVERY_MS);
      this.checkpointTimer.unref();
    }
  }

  /** Writes run.db atomically (temp, fsync, rename). One at a time. */
  async checkpoint(): Promise<void> {
    while (this.checkpointing) await this.checkpointing;
    if (this.eventsSinceCheckpoint === 0 && fs.existsSync(this.paths.db)) return;
    const bytes = this.db.export();
    this.eventsSinceCheckpoint = 0;
    this.lastCheckpointAt = Date.now();
    this.checkpointing = writeFileAtomic(this.paths.db, bytes).finally(() => {
      this.checkpointing = undefined;
    });
    await this.checkpointing;
  }

  /** Keeps the workflow's content by hash (SPEC §3.5). */
  async writeRevision(hash: string, content: string): Promise<void> {
    const file = path.join(this.paths.revisions, `${hash}.cairn.toml`);
    if (fs.existsSync(file)) return;
    try {
      await writeFileAtomic(file, content);
    } catch (e) {
      this.failure ??= new StoreError(`cannot record the workflow revision: ${e instanceof Error ? e.message : String(e)}`);
      throw this.failure;
    }
  }

  /** logs/<task>.<attempt>.log, absolute. */
  logPath(task: string, attempt: number): string {
    return path.join(this.paths.logs, `${task}.${attempt}.log`);
  }

  /** Final checkpoint, then releases the lock. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    try {
      if (!this.failure) await this.checkpoint();
    } catch {
      // The journal has everything; the next open replays it.
    } finally {
      await this.journal.close().catch(() => undefined);
      this.db.close();
      await this.lock.release();
    }
  }
}

export function plainFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOSPC':
      return 'no space left on device';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'EEXIST':
      return 'it already exists';
    case 'ENOENT':
      return 'no such file or directory';
    default:
      return err instanceof Error ? err.message : String(e);
  }
}
