// One run's folder (SPEC §4): the fsync'd journal is the truth; run.db is its
// projection, checkpointed atomically now and then; open = checkpoint +
// journal tail. A writer holds the lock; readers never block it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NewRunEvent, RunEvent } from '../engine/events';
import { helperEnv } from '../exec/helper-env';
import { fsyncDir, writeFileAtomic } from './atomic-write';
import { isRunEvent, loadRunDb } from './checkpoint';
import { RunDb } from './run-db';
import { Journal, readJournal } from './journal';
import { acquireLock, readLock, type LockHolder, type RunLock } from './lock';
import { revisionFile, runPaths, type RunPaths } from './run-paths';
import { applyEvent, emptyRunState, type RunState } from './run-state';
import { fsErrorText } from './fs-error';
import { StoreError } from './store-error';
import { listRunIds } from './workspace-store';

export { runPaths, StoreError, type RunPaths };

/**
 * At close, a shorter tail (~200 events) is left to the journal (readers replay it in a few ms): loading
 * sql.js costs a short process ~150 ms (PERF-NOTES), more than the whole run of a small workflow.
 */
const FINAL_CHECKPOINT_MIN_BYTES = 64 * 1024;

export type EventListener = (events: readonly RunEvent[], state: RunState) => void;

/** The whole journal folded, without sql.js: how a writer opens a run (see checkpoint.ts for why). */
async function foldJournal(paths: RunPaths): Promise<RunState> {
  const state = emptyRunState();
  const j = await readJournal(paths.journal, 0, (r) => {
    if (isRunEvent(r)) applyEvent(state, r);
  });
  if (j.corruptAt !== undefined) {
    throw new StoreError(`the journal ${paths.journal} is damaged at line ${j.corruptAt} (not at its end, so not a torn write); the events before it are intact`);
  }
  if (state.id === '') throw new StoreError(`${paths.dir} holds no run (its journal has no run-created event)`);
  return state;
}

/** Below this size a reader folds the whole journal instead of loading the checkpoint. */
const READ_JOURNAL_WHOLE_BELOW = 1024 * 1024;

/**
 * Every run starts with a valid checkpoint at offset 0 (SPEC §4 layout), copied from the one the
 * build wrote; unbundled (tests) it is made with sql.js.
 */
async function writeEmptyCheckpoint(file: string): Promise<void> {
  const template = path.join(__dirname, 'empty-run.db');
  if (fs.existsSync(template)) {
    await fs.promises.copyFile(template, file);
  } else {
    const db = await RunDb.create();
    await fs.promises.writeFile(file, db.export());
    db.close();
  }
}

/** The checkpointer's entry: a separate bundle beside ours, or the TypeScript source under tsx (tests). */
function checkpointScript(): string {
  const bundled = path.join(__dirname, 'checkpoint.js');
  return fs.existsSync(bundled) ? bundled : path.join(__dirname, 'checkpoint-main.ts');
}

/** A checkpoint's nice value: below everything a run does in the foreground. */
const CHECKPOINT_NICE = 10;

function lowerPriority(pid: number): void {
  try {
    os.setPriority(pid, CHECKPOINT_NICE);
  } catch {
    // Not allowed here, or already gone: it runs at normal priority, or not at all.
  }
}

/** A run as a reader sees it: the journal's state, plus who (if anyone) drives it. */
export interface RunSnapshot {
  readonly state: RunState;
  readonly paths: RunPaths;
  /** The driver, if the lock file exists. */
  readonly driver?: { readonly holder: LockHolder; readonly alive: boolean };
  readonly warnings: readonly string[];
  /**
   * The journal as it was just before it was read. A reader that keeps the state can tell from these whether
   * the run changed since: an event appended while reading changes them, so it is never missed.
   */
  readonly journal: { readonly size: number; readonly mtimeMs: number };
}

/** Reads a run without locking or writing anything. A run left running by a dead driver reads as interrupted. */
export async function readRun(root: string, runId: string): Promise<RunSnapshot> {
  const paths = runPaths(root, runId);
  let journal: fs.Stats;
  try {
    journal = await fs.promises.stat(paths.journal);
  } catch (e) {
    throw new StoreError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `no run ${runId} in ${root}` : `cannot read run ${runId}: ${fsErrorText(e)}`);
  }
  let state: RunState;
  let warnings: string[] = [];
  if (journal.size < READ_JOURNAL_WHOLE_BELOW) {
    // The checkpoint is only a cache of the journal: for a short journal, folding it whole is
    // the same state and spares a short process sql.js's ~150 ms.
    state = await foldJournal(paths);
  } else {
    const loaded = await loadRunDb(paths);
    loaded.db.close();
    ({ state, warnings } = loaded);
  }
  const lock = await readLock(paths.dir);
  markInterruptedIfOrphaned(state, lock?.alive === true);
  return { state, paths, ...(lock ? { driver: lock } : {}), warnings, journal: { size: journal.size, mtimeMs: journal.mtimeMs } };
}

/** A run's events after a byte of its journal, for a view that follows the run as it is recorded. */
export interface RunEventsRead {
  readonly events: RunEvent[];
  /** Pass as `fromByte` next time to read only what came later. */
  readonly endByte: number;
  /** A process holds the run's lock: a driven run whose driver is gone is interrupted (see readRun). */
  readonly driverAlive: boolean;
  /**
   * The journal was shorter than `fromByte`: it was replaced (the run pruned and made again), so these are its
   * events from the start, and a reader folding them starts over.
   */
  readonly restarted: boolean;
}

/**
 * The events recorded after `fromByte` (0, or an earlier read's endByte), straight from the journal: what a view
 * folds itself (the run view) rather than asking for the whole run again after every event. A torn last line is
 * left for the next read, when it is whole.
 */
export async function readRunEvents(root: string, runId: string, fromByte = 0): Promise<RunEventsRead> {
  const paths = runPaths(root, runId);
  let read;
  let restarted = false;
  try {
    restarted = fromByte > (await fs.promises.stat(paths.journal)).size;
    read = await readJournal(paths.journal, restarted ? 0 : fromByte);
  } catch (e) {
    throw new StoreError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `no run ${runId} in ${root}` : (e as Error).message);
  }
  if (read.corruptAt !== undefined) {
    throw new StoreError(`the journal ${paths.journal} is damaged at line ${read.corruptAt} after byte ${fromByte} (not at its end, so not a torn write)`);
  }
  const lock = await readLock(paths.dir);
  return { events: read.records.filter(isRunEvent), endByte: read.endByte, driverAlive: lock?.alive === true, restarted };
}

/**
 * The store's runs newest first, each read once. A run that cannot be read (junk, or damaged) goes to
 * `onUnreadable` and is passed over, as `cairn runs` leaves it out.
 */
export async function* readRunsNewestFirst(root: string, onUnreadable?: (id: string, error: Error) => void): AsyncGenerator<RunSnapshot & { readonly id: string }> {
  for (const id of await listRunIds(root)) {
    let snap: RunSnapshot;
    try {
      snap = await readRun(root, id);
    } catch (e) {
      onUnreadable?.(id, e instanceof Error ? e : new Error(String(e)));
      continue;
    }
    yield { ...snap, id };
  }
}

/** A run whose journal says it is active but whose driver is gone was interrupted (SPEC §3.3). */
function markInterruptedIfOrphaned(state: RunState, driverAlive: boolean): boolean {
  if (driverAlive || !['pending', 'running', 'resuming'].includes(state.status)) return false;
  state.status = 'interrupted';
  for (const t of state.tasks.values()) {
    if (t.status !== 'running') continue;
    t.status = 'interrupted';
    const last = t.attempts[t.attempts.length - 1];
    if (last?.status === 'running') last.status = 'interrupted';
  }
  return true;
}

export class RunStore {
  private readonly listeners = new Set<EventListener>();
  private nextSeq: number;
  /** The journal's size when the last checkpoint started: what follows is the tail a reader replays. */
  private checkpointedBytes = 0;
  /** Checkpoints still running, each with its end. */
  private readonly checkpoints = new Map<ChildProcess, Promise<void>>();
  private failure: StoreError | undefined;
  private closed = false;
  /**
   * A new run lives under a hidden name until its first events are durable (see create). `synced`: the
   * fsyncs that make its folder's content durable, started as soon as that content is complete.
   */
  private birth: { readonly finalPaths: RunPaths; synced?: Promise<void> } | undefined;

  private constructor(
    readonly runId: string,
    public paths: RunPaths,
    private readonly journal: Journal,
    private readonly lock: RunLock,
    readonly state: RunState,
  ) {
    this.nextSeq = state.lastSeq + 1;
    this.checkpointedBytes = journal.size;
  }

  /**
   * Makes the folder of a new run and takes its lock. The folder is built
   * as `runs/.new-<id>` and renamed to `runs/<id>` once the first events
   * are durable, so a crash at birth never leaves a run without a journal
   * where readers would trip over it (a leftover `.new-` folder is ignored,
   * and removed by the next run once its creator is gone).
   */
  static async create(root: string, runId: string, command: string): Promise<RunStore> {
    const finalPaths = runPaths(root, runId);
    const paths = runPaths(root, `.new-${runId}`);
    const folderError = (e: unknown): StoreError => new StoreError(`cannot create the run folder ${paths.dir}: ${fsErrorText(e)}`);
    try {
      if (!fs.existsSync(path.dirname(paths.dir))) await fs.promises.mkdir(path.dirname(paths.dir), { recursive: true });
      await fs.promises.mkdir(paths.dir); // not recursive: an existing run folder is an error
    } catch (e) {
      throw folderError(e);
    }
    // What goes into the new folder goes in side by side: each step is a trip to the thread pool, and a new
    // run's first task waits for all of them. Nobody else writes in a `.new-` folder (see removeStillborn).
    const steps = await Promise.allSettled([
      acquireLock(paths.dir, command),
      fs.promises.mkdir(paths.revisions),
      fs.promises.mkdir(paths.logs),
      writeEmptyCheckpoint(paths.db),
      Journal.open(paths.journal, { folderSyncedByCaller: true }),
    ] as const);
    const [locked, revisions, logs, , opened] = steps;
    const failure = steps.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure === undefined && locked.status === 'fulfilled' && opened.status === 'fulfilled') {
      const store = new RunStore(runId, paths, opened.value, locked.value, emptyRunState());
      store.birth = { finalPaths };
      return store;
    }
    if (opened.status === 'fulfilled') await opened.value.close().catch(() => undefined);
    if (locked.status === 'fulfilled') await locked.value.release();
    throw failure === revisions || failure === logs ? folderError(failure?.reason) : failure?.reason;
  }

  /**
   * Makes a new run's folder durable as it is (its entries, and `more` files in it) before it gets its real
   * name. The fsyncs go side by side on the thread pool, and beside the journal's first one.
   */
  private syncBirth(more: readonly string[]): Promise<void> {
    return Promise.all([this.paths.dir, ...more].map((p) => fsyncDir(p))).then(() => undefined);
  }

  /** Moves a new run's folder to its real name (its journal now holds run-created, durably). */
  private async beBorn(): Promise<void> {
    const birth = this.birth;
    if (!birth) return;
    this.birth = undefined;
    try {
      await (birth.synced ?? this.syncBirth([]));
      await fs.promises.rename(this.paths.dir, birth.finalPaths.dir);
      await fsyncDir(path.dirname(birth.finalPaths.dir));
    } catch (e) {
      this.failure ??= new StoreError(`cannot name the run folder ${birth.finalPaths.dir}: ${fsErrorText(e)}`);
      throw this.failure;
    }
    this.lock.relocate(birth.finalPaths.dir);
    this.paths = birth.finalPaths;
  }

  /** Opens an existing run to drive it (resume, rerun): takes the lock first, so a refused driver writes nothing. */
  static async openForWrite(root: string, runId: string, command: string): Promise<RunStore> {
    const paths = runPaths(root, runId);
    if (!fs.existsSync(paths.journal)) throw new StoreError(`no run ${runId} in ${root}`);
    const lock = await acquireLock(paths.dir, command);
    try {
      // Journal.open first: it cuts a torn last line, so what we fold is what we append after.
      const journal = await Journal.open(paths.journal);
      return new RunStore(runId, paths, journal, lock, await foldJournal(paths));
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
   * the state and tells the listeners. Events appended at the same time
   * share one fsync. Rejects — and every later call rejects — when the
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
    if (this.birth) await this.beBorn();
    // Group commit resolves batches in order, so events are applied in seq order.
    for (const e of stamped) applyEvent(this.state, e);
    for (const l of this.listeners) l(stamped, this.state);
    // Mid-run, a checkpoint is worth its cost (a process loading sql.js, beside the tasks) once the tail a
    // reader would replay is as long as a journal it reads whole anyway.
    if (this.journal.size - this.checkpointedBytes >= READ_JOURNAL_WHOLE_BELOW) this.checkpointInChild();
    return stamped;
  }

  get failed(): StoreError | undefined {
    return this.failure;
  }

  /** For tests: the journal's commits (fdatasyncs) since this store opened it. */
  get journalCommits(): number {
    return this.journal.commits;
  }

  /** For tests: the pids of the checkpoints still running. */
  get checkpointPids(): number[] {
    return [...this.checkpoints.keys()].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  /** Resolves once every checkpoint this store started has ended (the final one goes on after close()). */
  async checkpointsEnded(): Promise<void> {
    while (this.checkpoints.size > 0) await Promise.all(this.checkpoints.values());
  }

  /** A checkpoint in a child process (sql.js never enters the driver); skipped while one is running. */
  private checkpointInChild(options: { detached?: boolean } = {}): ChildProcess | undefined {
    if (this.checkpoints.size > 0 && !options.detached) return undefined;
    this.checkpointedBytes = this.journal.size;
    try {
      // Not fork(): no IPC channel to keep either process waiting on the other. execArgv: tsx in tests.
      const child = spawn(process.execPath, [...process.execArgv, checkpointScript(), this.paths.dir], { stdio: 'ignore', detached: options.detached === true, env: helperEnv() });
      // Background work: on a machine with few cores it must not take CPU from the tasks of this run, or from
      // the next command (a resume typed right after a failure would otherwise wait on it).
      if (child.pid !== undefined) lowerPriority(child.pid);
      const ended = new Promise<void>((resolve) => {
        const done = (): void => {
          this.checkpoints.delete(child);
          resolve();
        };
        child.on('exit', done).on('error', done);
      });
      this.checkpoints.set(child, ended);
      return child;
    } catch {
      // A checkpoint only shortens replay; the journal has everything.
      return undefined;
    }
  }

  /** Keeps the workflow's content by hash (SPEC §3.5). */
  async writeRevision(hash: string, content: string): Promise<void> {
    const file = revisionFile(this.paths, hash);
    if (fs.existsSync(file)) return;
    try {
      if (this.birth) {
        // A new run's folder is nobody's until its birth: no temp file needed. The file is the last entry
        // its folder gets before the first events, so the fsyncs that make all of it durable start now.
        await fs.promises.writeFile(file, content, { flag: 'wx' });
        const synced = this.syncBirth([file, this.paths.revisions]);
        synced.catch(() => undefined); // awaited by beBorn; an error surfaces there
        this.birth.synced = synced;
      } else {
        await writeFileAtomic(file, content);
      }
    } catch (e) {
      this.failure ??= new StoreError(`cannot record the workflow revision: ${e instanceof Error ? e.message : String(e)}`);
      throw this.failure;
    }
  }

  /** logs/<task>.<attempt>.log, absolute. */
  logPath(task: string, attempt: number): string {
    return path.join(this.paths.logs, `${task}.${attempt}.log`);
  }

  /**
   * Closes the journal, releases the lock, and starts a final checkpoint when the tail is long enough to be
   * worth one. Nobody waits for checkpoints (a 1,000-task run's takes ~250 ms, a tenth of the run): run.db is
   * a cache of the journal, and a reader replays whatever tail it lacks. The final one is detached, so it
   * outlives a CLI that exits at once and no Ctrl-C meant for the terminal's next job reaches it.
   * Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.journal.close().catch(() => undefined);
    } finally {
      await this.lock.release();
    }
    for (const running of this.checkpoints.keys()) running.unref();
    if (!this.failure && this.journal.size - this.checkpointedBytes >= FINAL_CHECKPOINT_MIN_BYTES) this.checkpointInChild({ detached: true })?.unref();
  }
}
