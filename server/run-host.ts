// The engine hosted in the language server (SPEC §6 "Running"): starts, resumes, re-runs and cancels runs for
// the editor, and answers its questions about the store, with the same engine and store as the CLI. Events
// reach the editor only once durable (the engine's onEvents), so what it shows is what the store holds. Long
// runs never block the server: the engine is asynchronous and its tasks run in the exec host's processes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { releaseExecHosts, resumeRun, rerunTask, startRun, type RunHandle } from '../runner/engine/engine';
import type { RunEvent } from '../runner/engine/events';
import { RefusedError } from '../runner/engine/load-workflow';
import { overrideVar } from '../runner/engine/override-var';
import { getRun, listRuns, varHistory } from '../runner/engine/queries';
import { LockedError, LockError } from '../runner/store/lock';
import type { RunState } from '../runner/store/run-state';
import { readRunEvents } from '../runner/store/run-store';
import { StoreError } from '../runner/store/store-error';
import { resolveRunRef } from '../runner/store/workspace-store';
import { storeIn, storeOfFile } from '../runner/store/store-location';
import { filePath } from './run-info-store';
import { RunOutput } from '../runner/cli/run-output';
import type { CairnNotifications, CairnRequests, RunEndedParams, StartedRun } from './run-protocol';

interface RunHooks {
  readonly output: RunOutput;
  onEvents(events: readonly RunEvent[], state: RunState): void;
  onOutput(task: string, attempt: number, chunk: string): void;
  /** What the CLI prints as `cairn: note: …` (a --var the workflow does not know). */
  onNote(message: string): void;
}

export interface RunHostOptions {
  /** Sends a notification to the editor. */
  readonly notify: <M extends keyof CairnNotifications>(method: M, params: CairnNotifications[M]) => void;
  /** The workspace folders (absolute paths): a file's runs go to the store of the one holding it. */
  readonly workspaceFolders: () => readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** An error the editor shows as it is: the user's to act on (a refusal, a locked run), not a bug. */
export class RunRequestError extends Error {}

type Handler<M extends keyof CairnRequests> = (params: CairnRequests[M]['params']) => Promise<CairnRequests[M]['result']>;

export class RunHost {
  /** The runs this server drives now, by store and id. */
  private readonly driving = new Map<string, { readonly store: string; readonly handle: RunHandle }>();

  constructor(private readonly opts: RunHostOptions) {}

  /** Where a file's runs go (SPEC §4: the extension uses the workspace folder; runner/store/store-location.ts). */
  private storeOfFile(file: string): string {
    return storeOfFile(file, this.opts.workspaceFolders(), this.env);
  }

  private get env(): Readonly<Record<string, string | undefined>> {
    return this.opts.env ?? process.env;
  }

  readonly run: Handler<'cairn/run'> = async (p) => {
    const file = localPath(p.uri, 'only workflow files on disk can run');
    const store = this.storeOfFile(file);
    const hooks = this.hooks(store);
    const handle = await refusalsAsErrors(() =>
      startRun({ storeRoot: store, file, command: 'cairn (editor)', ...(p.vars ? { vars: p.vars } : {}), ...(p.mode ? { mode: p.mode } : {}), ...(p.parallel ? { parallel: p.parallel } : {}), hooks }),
    );
    return this.track(store, handle, hooks);
  };

  readonly resume: Handler<'cairn/resume'> = async (p) => {
    const runId = await refusalsAsErrors(() => resolveRunRef(p.store, p.runId));
    const hooks = this.hooks(p.store);
    const handle = await refusalsAsErrors(() =>
      resumeRun({
        storeRoot: p.store,
        runId,
        command: 'cairn (editor) resume',
        ...(p.vars ? { vars: p.vars } : {}),
        ...(p.allowStructureChange ? { allowStructureChange: true } : {}),
        ...(p.rerunStale ? { rerunStale: true } : {}),
        hooks,
      }),
    );
    return this.track(p.store, handle, hooks);
  };

  readonly rerun: Handler<'cairn/rerun'> = async (p) => {
    const runId = await refusalsAsErrors(() => resolveRunRef(p.store, p.runId));
    const hooks = this.hooks(p.store);
    const handle = await refusalsAsErrors(() => rerunTask({ storeRoot: p.store, runId, task: p.task, downstream: p.downstream === true, command: 'cairn (editor) rerun', hooks }));
    return this.track(p.store, handle, hooks);
  };

  readonly cancel: Handler<'cairn/cancel'> = async (p) => {
    const runId = await refusalsAsErrors(() => resolveRunRef(p.store, p.runId));
    const driven = this.driving.get(key(p.store, runId));
    driven?.handle.cancel();
    return { cancelled: driven !== undefined };
  };

  readonly listRuns: Handler<'cairn/listRuns'> = async (p) => {
    const where = localPath(p.uri, 'runs are listed for files and folders on disk');
    const store = isDirectory(where) ? storeIn(where, this.env) : this.storeOfFile(where);
    if (!fs.existsSync(path.join(store, 'runs'))) return { runs: [] };
    return { store, runs: await refusalsAsErrors(() => listRuns(store)) };
  };

  readonly getRun: Handler<'cairn/getRun'> = (p) => refusalsAsErrors(() => getRun(p.store, p.runId, this.env));

  readonly varHistory: Handler<'cairn/varHistory'> = (p) => refusalsAsErrors(() => varHistory(p.store, p.runId, { history: true, ...(p.task ? { task: p.task } : {}) }));

  readonly overrideVar: Handler<'cairn/overrideVar'> = async (p) => {
    const runId = await refusalsAsErrors(() => resolveRunRef(p.store, p.runId));
    // A run going on (driven here or elsewhere) holds its lock: overrideVar is refused with the lock's message.
    return refusalsAsErrors(() => overrideVar(p.store, runId, p.name, p.value, 'cairn (editor) override'));
  };

  readonly runEvents: Handler<'cairn/runEvents'> = async (p) => {
    const runId = await refusalsAsErrors(() => resolveRunRef(p.store, p.runId));
    return refusalsAsErrors(() => readRunEvents(p.store, runId, p.fromByte ?? 0));
  };

  /**
   * Cancels every run this server drives and resolves once each is recorded as cancelled. What `cairn cancel`
   * asks of the process holding a run's lock (SIGINT, as Ctrl-C): for this server that is every run it drives,
   * and the server goes on.
   */
  async cancelAll(): Promise<void> {
    const handles = [...this.driving.values()].map((d) => d.handle);
    for (const h of handles) h.cancel();
    await Promise.allSettled(handles.map((h) => h.done));
  }

  /** Server shutdown: the runs it drives are cancelled (resumable), and its exec hosts end. */
  async shutdown(): Promise<void> {
    await this.cancelAll();
    await releaseExecHosts();
  }

  /** What a driven run tells the editor: its durable events, and its text for the run's terminal. */
  private hooks(store: string): RunHooks {
    let runId = '';
    // Notes can come before the run has an id (while the workflow is checked): held until it has one.
    const early: string[] = [];
    const output = new RunOutput({ emit: (text) => this.tell('cairn/runOutput', { store, runId, text }) });
    return {
      output,
      onEvents: (events, state) => {
        runId = state.id;
        for (const m of early.splice(0)) output.note(m);
        this.tell('cairn/runEvent', { store, runId, events });
        output.onEvents(events, state);
      },
      onOutput: (task, _attempt, chunk) => output.onOutput(task, chunk),
      onNote: (m) => (runId === '' ? early.push(m) : output.note(m)),
    };
  }

  /**
   * A notification to the editor. The hooks run inside the store's append: an editor gone away (the connection
   * throws once closed) must not fail the run it is told about.
   */
  private tell<M extends keyof CairnNotifications>(method: M, params: CairnNotifications[M]): void {
    try {
      this.opts.notify(method, params);
    } catch {
      // Nobody to tell: the run goes on, and its events are in the store.
    }
  }

  private track(store: string, handle: RunHandle, hooks: RunHooks): StartedRun {
    const k = key(store, handle.runId);
    this.driving.set(k, { store, handle });
    const end = (params: RunEndedParams): void => {
      this.driving.delete(k);
      hooks.output.flush(true);
      this.tell('cairn/runEnded', params);
    };
    handle.done.then(
      (status) => end({ store, runId: handle.runId, status }),
      (e: unknown) => end({ store, runId: handle.runId, status: 'failed', error: e instanceof Error ? e.message : String(e) }),
    );
    return { runId: handle.runId, store };
  }
}

const key = (store: string, runId: string): string => `${path.resolve(store)}\0${runId}`;

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The local path `uri` names, or a refusal saying what this request needs. */
function localPath(uri: string, what: string): string {
  const p = filePath(uri);
  if (p === undefined) throw new RunRequestError(`${what}, not ${uri}`);
  return p;
}

/** Refusals, lock and store errors are the user's to act on: they reach the editor as their message. */
async function refusalsAsErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof RefusedError) throw new RunRequestError([e.message, ...e.details].join('\n'));
    if (e instanceof LockedError || e instanceof LockError || e instanceof StoreError) throw new RunRequestError(e.message);
    throw e;
  }
}
