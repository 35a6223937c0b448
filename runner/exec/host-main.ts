// The exec host's entry (bundled as dist/exec-host.js, forked by exec-host.ts): runs attempts for its driver
// and reports back. It holds nothing durable; when the driver goes away (exit, crash, kill -9) it ends every
// process group it started and exits, so no task outlives the run that owns it.
import { executeTask, type ExecHooks } from './execute-task';
import { applyEnvDelta, isToHost, type FromHost, type ToHost } from './host-protocol';
import { keepHeapSmall } from './small-heap';

interface Running {
  readonly abort: AbortController;
  /** Acks awaited for $CAIRN_OUTPUT records, by sequence number. */
  readonly acks: Map<number, { resolve(): void; reject(e: Error): void }>;
}

const running = new Map<number, Running>();
let exiting = false;
let baseEnv: Readonly<Record<string, string>> = {};

function send(m: FromHost): void {
  // A driver that is gone (it may exit before this host has even started) is noticed by 'disconnect'.
  if (process.connected) process.send?.(m, undefined, undefined, () => undefined);
}

function start(id: number, spec: ToHost & { type: 'exec' }): void {
  const job: Running = { abort: new AbortController(), acks: new Map() };
  running.set(id, job);
  let seq = 0;
  const hooks: ExecHooks = {
    onSpawn: (pid) => send({ type: 'spawned', id, pid }),
    // Each record waits for the driver to make it durable before the next is read (ExecHooks contract).
    onOutputVar: (name, value) =>
      new Promise<void>((resolve, reject) => {
        if (!process.connected) return reject(new Error('the run driver has gone'));
        const n = ++seq;
        job.acks.set(n, { resolve, reject });
        send({ type: 'var', id, seq: n, name, value });
      }),
    ...(spec.live ? { onOutput: (chunk, stream) => send({ type: 'output', id, chunk, stream }) } : {}),
  };
  void executeTask({ ...spec.spec, env: applyEnvDelta(baseEnv, spec.env) }, hooks, job.abort.signal).then((result) => {
    running.delete(id);
    send({ type: 'done', id, result });
    if (exiting && running.size === 0) process.exit(0);
  });
}

function onMessage(m: unknown): void {
  if (!isToHost(m)) return;
  switch (m.type) {
    case 'env':
      baseEnv = m.env;
      return;
    case 'exec':
      start(m.id, m);
      return;
    case 'abort':
      running.get(m.id)?.abort.abort();
      return;
    case 'var-ack': {
      const acks = running.get(m.id)?.acks;
      const ack = acks?.get(m.seq);
      acks?.delete(m.seq);
      if (m.error === undefined) ack?.resolve();
      else ack?.reject(new Error(m.error));
      return;
    }
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}

function onDriverGone(): void {
  exiting = true;
  if (running.size === 0) process.exit(0);
  for (const job of running.values()) {
    job.abort.abort();
    for (const ack of job.acks.values()) ack.reject(new Error('the run driver has gone'));
    job.acks.clear();
  }
}

if (process.send === undefined) {
  process.stderr.write('cairn exec host: not to be run by hand (it is forked by the run driver)\n');
  process.exit(2);
}
keepHeapSmall();
process.on('message', onMessage);
process.on('disconnect', onDriverGone);
// The driver's Ctrl-C reaches its whole foreground process group, this host included: the driver decides
// what a cancel means (it aborts attempts here), so the host must not die of it first.
process.on('SIGINT', () => undefined);
send({ type: 'ready', pid: process.pid });
