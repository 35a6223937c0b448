// Runs attempts in a small helper process instead of the driver. Why: Node forks to spawn, and a fork blocks
// the event loop for a time that grows with the parent's memory (PERF-NOTES: 1.3 ms at 70 MB, 3.1 ms at 164 MB).
// The driver holds the workflow, the run state and, in the editor, a language server; the host holds only what
// one attempt needs, so spawning stays cheap, and the driver's loop is free to record events meanwhile (on two
// cores the two processes work in parallel). Same contract as executeTask: attempts run inline until the host
// is started and ready, and for good if it cannot start or dies (attempts it was running then fail with reason `spawn`).
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { executeTask, type ExecHooks, type ExecResult, type ExecSpec } from './execute-task';
import { helperEnv } from './helper-env';
import { envDelta, isFromHost, type FromHost, type ToHost } from './host-protocol';
import { ProcessGroup } from './process-group';
import { monotonicMs } from './monotonic';

interface Pending {
  readonly hooks: ExecHooks;
  readonly started: number;
  readonly resolve: (r: ExecResult) => void;
  readonly detach: () => void;
  pid?: number;
}

function hostScript(): string {
  // Bundled: dist/exec-host.js beside dist/cli.js. From source (tests, via tsx): the entry itself.
  const bundled = path.join(__dirname, 'exec-host.js');
  return fs.existsSync(bundled) ? bundled : path.join(__dirname, 'host-main.ts');
}

export class ExecHost {
  private child: ChildProcess | undefined;
  private state: 'idle' | 'starting' | 'ready' | 'dead' = 'idle';
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The base environment the host holds (see EnvDelta). */
  private sentEnv: Readonly<Record<string, string>> = {};
  private markReady: (ok: boolean) => void = () => undefined;
  /** Resolves true once attempts go to the host, false if it could not start or died first. */
  readonly ready = new Promise<boolean>((resolve) => (this.markReady = resolve));

  /** Starts the host process if it is not running yet (attempts before it is ready run inline). */
  warm(): void {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    let child: ChildProcess;
    try {
      // stdout unused (the protocol is the IPC channel); stderr shared so a crash of the host is seen.
      child = fork(hostScript(), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json', env: helperEnv() });
    } catch {
      this.state = 'dead';
      this.markReady(false);
      return;
    }
    this.child = child;
    child.on('message', (m) => this.onMessage(m));
    child.on('error', () => this.onGone('it could not be reached'));
    child.on('exit', (code, signal) => this.onGone(signal ? `killed by ${signal}` : `exit code ${code ?? '?'}`));
    this.hold();
  }

  /** Runs inline until warm() has been called and the host is ready. */
  readonly execute = (spec: ExecSpec, hooks: ExecHooks, abort?: AbortSignal): Promise<ExecResult> => {
    const child = this.child;
    if (this.state !== 'ready' || child === undefined || abort?.aborted === true) return executeTask(spec, hooks, abort);
    const id = this.nextId++;
    return new Promise<ExecResult>((resolve) => {
      const onAbort = (): void => this.post({ type: 'abort', id });
      abort?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { hooks, started: monotonicMs(), resolve, detach: () => abort?.removeEventListener('abort', onAbort) });
      this.hold();
      const { env, ...rest } = spec;
      let delta = envDelta(this.sentEnv, env);
      if (delta === undefined) {
        this.post({ type: 'env', id, env });
        this.sentEnv = env;
        delta = { set: {}, unset: [] };
      }
      this.post({ type: 'exec', id, spec: rest, env: delta, live: hooks.onOutput !== undefined });
    });
  };

  /**
   * Ends the host and resolves once it has exited. Called when nothing runs any more: it is then reaped by
   * this process, so a CLI's process tree ends with the CLI (and its CPU time counts as the CLI's children's).
   */
  async close(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The host exits when its driver disconnects (host-main.ts), at once when it runs nothing.
    if (child.connected) child.disconnect();
    else child.kill('SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Attempts it runs now. */
  get running(): number {
    return this.pending.size;
  }

  /** For tests: the host's pid once it is running. */
  get pid(): number | undefined {
    return this.state === 'ready' ? this.child?.pid : undefined;
  }

  private post(m: ToHost): void {
    const child = this.child;
    if (child === undefined || !child.connected) return; // its exit is on its way and settles what is pending
    child.send(m, (error) => {
      if (error) child.kill('SIGKILL'); // a channel that cannot carry messages leaves attempts hanging: end it
    });
  }

  private onMessage(raw: unknown): void {
    if (!isFromHost(raw)) return;
    const m: FromHost = raw;
    switch (m.type) {
      case 'ready':
        if (this.state === 'starting') this.state = 'ready';
        this.markReady(this.state === 'ready');
        this.hold();
        return;
      case 'spawned': {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        p.pid = m.pid;
        p.hooks.onSpawn?.(m.pid);
        return;
      }
      case 'output':
        this.pending.get(m.id)?.hooks.onOutput?.(m.chunk, m.stream);
        return;
      case 'var': {
        const hooks = this.pending.get(m.id)?.hooks;
        const ack = (error?: string): void => this.post({ type: 'var-ack', id: m.id, seq: m.seq, ...(error !== undefined ? { error } : {}) });
        if (hooks?.onOutputVar === undefined) return ack();
        hooks.onOutputVar(m.name, m.value).then(
          () => ack(),
          (e: unknown) => ack(e instanceof Error ? e.message : String(e)),
        );
        return;
      }
      case 'done': {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.settle(m.id, p, m.result);
        return;
      }
      default: {
        const never: never = m;
        throw new Error(`unknown exec host message ${JSON.stringify(never)}`);
      }
    }
  }

  private settle(id: number, p: Pending, result: ExecResult): void {
    this.pending.delete(id);
    p.detach();
    p.resolve(result);
    this.hold();
  }

  /** The host is gone: what it was running cannot be watched any more, so it is ended and reported as failed. */
  private onGone(why: string): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.markReady(false);
    this.child?.kill('SIGKILL'); // when it is alive but unreachable
    this.child = undefined;
    for (const [id, p] of this.pending) {
      if (p.pid !== undefined) new ProcessGroup(p.pid).signal('SIGKILL');
      const message = `cairn's exec host stopped while the task ran (${why}); the task was ended`;
      this.settle(id, p, { outcome: 'spawn', message, durationMs: monotonicMs() - p.started, logTail: message });
    }
  }

  /**
   * The host keeps the process alive only while it runs attempts, so a finished CLI exits. Not while it
   * starts: a one-task run that finished inline must not wait for a host it never used.
   */
  private hold(): void {
    const child = this.child;
    if (child === undefined) return;
    if (this.pending.size > 0) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }
}

/**
 * Up to two hosts, each attempt to the ready one with the fewest running: a host's event loop is blocked for
 * the whole of each fork, so with tasks running side by side one host makes each wait for the other's spawn
 * and exit handling. More than two buys nothing on the machines measured (2 cores; the tasks need CPU too).
 */
export class ExecHostPool {
  private readonly hosts: ExecHost[] = [];

  /** Starts hosts for `parallel` tasks at once (one, or two when tasks run side by side). */
  warm(parallel: number): void {
    const want = Math.min(MAX_HOSTS, Math.max(1, parallel));
    while (this.hosts.length < want) this.hosts.push(new ExecHost());
    for (const h of this.hosts) h.warm();
  }

  readonly execute = (spec: ExecSpec, hooks: ExecHooks, abort?: AbortSignal): Promise<ExecResult> => {
    let best: ExecHost | undefined;
    for (const h of this.hosts) if (h.isReady && (best === undefined || h.running < best.running)) best = h;
    // None ready (or none started): inline, as ExecHost itself would.
    return best !== undefined ? best.execute(spec, hooks, abort) : executeTask(spec, hooks, abort);
  };

  /** Ends every host (see ExecHost.close); a later warm() starts new ones. */
  async close(): Promise<void> {
    const hosts = this.hosts.splice(0);
    await Promise.all(hosts.map((h) => h.close()));
  }

  /** For tests: the hosts' pids once they run. */
  get pids(): number[] {
    return this.hosts.map((h) => h.pid).filter((p): p is number => p !== undefined);
  }
}

const MAX_HOSTS = 2;
/** How long a closed host may take to exit before it is killed (it exits in a few ms; this is for a stuck one). */
const CLOSE_GRACE_MS = 2000;

let shared: ExecHostPool | undefined;

/** One pool per process, shared by every run it drives. */
export function sharedExecHostPool(): ExecHostPool {
  shared ??= new ExecHostPool();
  return shared;
}
