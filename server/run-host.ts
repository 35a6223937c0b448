// The engine hosted in the language server (SPEC §6 "Running"): starts, resumes, re-runs and cancels runs for
// the editor, and answers its questions about the store, with the same engine and store as the CLI. Events
// reach the editor only once durable (the engine's onEvents), so what it shows is what the store holds. Long
// runs never block the server: the engine is asynchronous and its tasks run in the exec host's processes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseExecHosts, resumeRun, rerunTask, startRun, type RunHandle } from '../runner/engine/engine';
import type { RunEvent } from '../runner/engine/events';
import { RefusedError } from '../runner/engine/load-workflow';
import { getRun, listRuns, varHistory } from '../runner/engine/queries';
import { LockedError, LockError } from '../runner/store/lock';
import type { RunState } from '../runner/store/run-state';
import { StoreError } from '../runner/store/store-error';
import { resolveRunRef } from '../runner/store/workspace-store';
import { RunOutput } from './run-output';
import type { CairnNotifications, CairnRequests, RunEndedParams, RunRef, StartedRun } from './run-protocol';

interface RunHooks {
  readonly output: RunOutput;
  onEvents(events: readonly RunEvent[], state: RunState): void;
  onOutput(task: string, attempt: number, chunk: string): void;
}

export interface RunHostOptions {
  /** Sends a notification to the editor. */
  readonly notify: <M extends keyof CairnNotifications>(method: M, params: CairnNotifications[M]) => void;
  /** The store serving a file when one exists (RunInfoStore.storeFor: the nearest `.cairn` upward). */
  readonly existingStoreFor: (file: string) => string | undefined;
  /** The workspace folders (absolute paths): a file's first store is made in the one holding it. */
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

  /** Where a file's runs go: its existing store, else `.cairn` in the workspace folder holding it, else beside it. */
  storeForNewRun(file: string): string {
    const existing = this.opts.existingStoreFor(file);
    if (existing !== undefined) return existing;
    const folder = this.opts
      .workspaceFolders()
      .filter((f) => isInside(file, f))
      .sort((a, b) => b.length - a.length)[0];
    return path.join(folder ?? path.dirname(file), '.cairn');
  }

  readonly run: Handler<'cairn/run'> = async (p) => {
    const file = filePath(p.uri);
    const store = this.storeForNewRun(file);
    const hooks = this.hooks(store);
    const handle = await refusalsAsErrors(() =>
      startRun({ storeRoot: store, file, command: 'cairn (editor)', keepHeapSmall: false, ...(p.vars ? { vars: p.vars } : {}), ...(p.mode ? { mode: p.mode } : {}), ...(p.parallel ? { parallel: p.parallel } : {}), hooks }),
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
        keepHeapSmall: false,
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
    const handle = await refusalsAsErrors(() => rerunTask({ storeRoot: p.store, runId, task: p.task, downstream: p.downstream === true, command: 'cairn (editor) rerun', keepHeapSmall: false, hooks }));
    return this.track(p.store, handle, hooks);
  };

  readonly cancel: Handler<'cairn/cancel'> = async (p) => {
    const runId = await refusalsAsErrors(() => resolveRunRef(p.store, p.runId));
    const driven = this.driving.get(key(p.store, runId));
    driven?.handle.cancel();
    return { cancelled: driven !== undefined };
  };

  readonly listRuns: Handler<'cairn/listRuns'> = async (p) => {
    const file = filePath(p.uri);
    // A folder's store is the one its files would use: look from inside it.
    const store = this.opts.existingStoreFor(isDirectory(file) ? path.join(file, '_') : file);
    if (store === undefined) return { runs: [] };
    return { store, runs: await refusalsAsErrors(() => listRuns(store)) };
  };

  readonly getRun: Handler<'cairn/getRun'> = (p) => refusalsAsErrors(() => getRun(p.store, p.runId, this.opts.env ?? process.env));

  readonly varHistory: Handler<'cairn/varHistory'> = (p) => refusalsAsErrors(() => varHistory(p.store, p.runId, { history: true, ...(p.task ? { task: p.task } : {}) }));

  /** The runs this server drives now. */
  get active(): RunRef[] {
    return [...this.driving.values()].map((d) => ({ store: d.store, runId: d.handle.runId }));
  }

  /** Cancels every run this server drives and waits for them to be recorded as cancelled (server shutdown). */
  async shutdown(): Promise<void> {
    const handles = [...this.driving.values()].map((d) => d.handle);
    for (const h of handles) h.cancel();
    await Promise.allSettled(handles.map((h) => h.done));
    await releaseExecHosts();
  }

  /** What a driven run tells the editor: its durable events, and its text for the output channel. */
  private hooks(store: string): RunHooks {
    let runId = '';
    const output = new RunOutput({ emit: (text) => this.opts.notify('cairn/runOutput', { store, runId, text }) });
    return {
      output,
      onEvents: (events, state) => {
        runId = state.id;
        this.opts.notify('cairn/runEvent', { store, runId, events });
        output.onEvents(events, state);
      },
      onOutput: (task, _attempt, chunk) => output.onOutput(task, chunk),
    };
  }

  private track(store: string, handle: RunHandle, hooks: RunHooks): StartedRun {
    const k = key(store, handle.runId);
    this.driving.set(k, { store, handle });
    const end = (params: RunEndedParams): void => {
      this.driving.delete(k);
      hooks.output.flush(true);
      this.opts.notify('cairn/runEnded', params);
    };
    handle.done.then(
      (status) => end({ store, runId: handle.runId, status }),
      (e: unknown) => end({ store, runId: handle.runId, status: 'failed', error: e instanceof Error ? e.message : String(e) }),
    );
    return { runId: handle.runId, store };
  }
}

const key = (store: string, runId: string): string => `${path.resolve(store)}\0${runId}`;

function isInside(file: string, folder: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function filePath(uri: string): string {
  if (!uri.startsWith('file:')) throw new RunRequestError(`only workflow files on disk can run, not ${uri}`);
  return fileURLToPath(uri);
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
