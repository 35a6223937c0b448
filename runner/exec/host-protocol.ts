// The one protocol between a run's driver and its exec host (the small process that spawns tasks, see
// exec-host.ts for why). Both sides import these types; messages travel over Node's IPC channel as JSON.
import type { ExecResult, ExecSpec } from './execute-task';
import type { StreamName } from './output-sink';

/** Driver → host. */
export type ToHost =
  /** Start an attempt. `live`: forward its output as it comes (only when someone listens). */
  | { readonly type: 'exec'; readonly id: number; readonly spec: ExecSpec; readonly live: boolean }
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
const TO_HOST_TYPES: ReadonlySet<string> = new Set(['exec', 'abort', 'var-ack'] satisfies ToHost['type'][]);

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
