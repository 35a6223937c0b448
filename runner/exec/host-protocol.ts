// The one protocol between a run's driver and its exec host (the small process that spawns tasks, see
// exec-host.ts for why). Both sides import these types; messages travel over Node's IPC channel as JSON.
import type { ExecResult, ExecSpec } from './execute-task';
import type { StreamName } from './output-sink';

/**
 * An attempt's environment as a change to the base environment last sent: most of it is the same for every
 * attempt of a run (the user's environment), and sending it whole each time costs both processes more than
 * the rest of the message.
 */
export interface EnvDelta {
  readonly set: Readonly<Record<string, string>>;
  readonly unset: readonly string[];
}

/** Driver → host. */
export type ToHost =
  /** The base environment later `exec` messages change (id: a message counter, unused by the host). */
  | { readonly type: 'env'; readonly id: number; readonly env: Readonly<Record<string, string>> }
  /** Start an attempt. `live`: forward its output as it comes (only when someone listens). */
  | { readonly type: 'exec'; readonly id: number; readonly spec: Omit<ExecSpec, 'env'>; readonly env: EnvDelta; readonly live: boolean }
  /** End the attempt as cancelled (its whole process group). */
  | { readonly type: 'abort'; readonly id: number }
  /** The driver has made the attempt's `var` number `seq` durable (error: it could not; the attempt goes on). */
  | { readonly type: 'var-ack'; readonly id: number; readonly seq: number; readonly error?: string };

/** Host → driver. */
export type FromHost =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'spawned'; readonly id: number; readonly pid: number }
  | { readonly type: 'output'; readonly id: number; readonly chunk: string; readonly stream: StreamName }
  /** A $CAIRN_OUTPUT record; the host reads no further record of this attempt until it is acknowledged. */
  | { readonly type: 'var'; readonly id: number; readonly seq: number; readonly name: string; readonly value: string }
  | { readonly type: 'done'; readonly id: number; readonly result: ExecResult };

const FROM_HOST_TYPES: ReadonlySet<string> = new Set(['ready', 'spawned', 'output', 'var', 'done'] satisfies FromHost['type'][]);
const TO_HOST_TYPES: ReadonlySet<string> = new Set(['env', 'exec', 'abort', 'var-ack'] satisfies ToHost['type'][]);

function hasType(m: unknown, types: ReadonlySet<string>): m is { type: string } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && types.has((m as { type: string }).type);
}

/** Shape check on receipt: the peer is our own code, so this guards against version skew, not attacks. */
export function isFromHost(m: unknown): m is FromHost {
  return hasType(m, FROM_HOST_TYPES);
}

export function isToHost(m: unknown): m is ToHost {
  return hasType(m, TO_HOST_TYPES) && typeof (m as { id?: unknown }).id === 'number';
}

/** The change from `base` to `env`, or undefined when sending `env` as the new base is cheaper. */
export function envDelta(base: Readonly<Record<string, string>>, env: Readonly<Record<string, string>>): EnvDelta | undefined {
  const set: Record<string, string> = {};
  let changes = 0;
  for (const k in env) {
    if (base[k] !== env[k]) {
      set[k] = env[k]!;
      changes++;
    }
  }
  const unset: string[] = [];
  for (const k in base) if (!(k in env)) unset.push(k);
  changes += unset.length;
  return changes * 2 > Object.keys(env).length + 4 ? undefined : { set, unset };
}

/** The environment a delta describes. */
export function applyEnvDelta(base: Readonly<Record<string, string>>, delta: EnvDelta): Record<string, string> {
  const env: Record<string, string> = { ...base, ...delta.set };
  for (const k of delta.unset) delete env[k];
  return env;
}
