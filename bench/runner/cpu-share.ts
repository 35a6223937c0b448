// How much of the machine something other than this bench used while it measured: the whole system's busy CPU
// time (/proc/stat) minus this process's own and its waited-for children's (/proc/self/stat utime, stime,
// cutime, cstime), as a share of (CPUs × wall time). Timing figures taken while another process kept the CPUs
// busy are inflated, and the notes say so.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuSnap {
  readonly busyTicks: number;
  readonly ownTicks: number;
  readonly atMs: number;
}

let hz: number | undefined;
function ticksPerSecond(): number {
  if (hz === undefined) {
    try {
      hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      hz = 100;
    }
  }
  return hz;
}

/**
 * CPU ticks a process used (utime + stime, with its waited-for children's when `children`); 0 once it is gone.
 * Fields 14..17 of /proc/<pid>/stat, counted after the command name, which may hold spaces.
 */
function processTicks(pid: number | 'self', children: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number); // f[0] is field 3 (state)
    return (f[11] ?? 0) + (f[12] ?? 0) + (children ? (f[13] ?? 0) + (f[14] ?? 0) : 0);
  } catch {
    return 0;
  }
}

/**
 * The machine's busy CPU time and ours: this process and its waited-for children, plus `alsoOurs` (a live
 * process this one measures but does not wait for, such as a language server under test).
 */
export function cpuSnap(alsoOurs?: number): CpuSnap | undefined {
  try {
    const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    const own = processTicks('self', true) + (alsoOurs !== undefined ? processTicks(alsoOurs, false) : 0);
    ticksPerSecond();
    return { busyTicks: user + nice + system + irq + softirq + steal, ownTicks: own, atMs: Date.now() };
  } catch {
    return undefined;
  }
}

/** Share (0–1) of all CPUs' time between the two snapshots used by processes other than those the snapshots count as ours. */
export function foreignShare(a: CpuSnap | undefined, b: CpuSnap | undefined): number | undefined {
  if (!a || !b || b.atMs <= a.atMs) return undefined;
  const capacity = ((b.atMs - a.atMs) / 1000) * ticksPerSecond() * cpus().length;
  const foreign = b.busyTicks - a.busyTicks - (b.ownTicks - a.ownTicks);
  return Math.max(0, foreign / capacity);
}

export interface QuietOptions {
  /** Other processes' share (0–1) of the CPUs under which the machine counts as quiet. */
  readonly underShare: number;
  /** Give up, and let the caller measure anyway, once this long has passed. */
  readonly maxWaitMs: number;
  /** Told once per wait, the first time the machine is found busy. */
  readonly log: (line: string) => void;
}

/**
 * Waits until other processes leave the CPUs alone (under `underShare` over a 250 ms window), so figures are not
 * taken while, say, a test suite runs beside the bench; gives up after `maxWaitMs`. On an idle machine it costs
 * one window. `quiet` is false when it gave up.
 */
export async function waitForQuiet(opts: QuietOptions): Promise<{ quiet: boolean; waitedMs: number }> {
  const started = Date.now();
  let said = false;
  for (;;) {
    const a = cpuSnap();
    await new Promise((r) => setTimeout(r, 250));
    const share = foreignShare(a, cpuSnap()) ?? 0;
    const waitedMs = Date.now() - started;
    if (share < opts.underShare) return { quiet: true, waitedMs };
    if (waitedMs > opts.maxWaitMs) return { quiet: false, waitedMs };
    if (!said) opts.log(`waiting up to ${Math.ceil(opts.maxWaitMs / 1000)} s for other processes to leave the CPUs alone (they use ${(share * 100).toFixed(0)}%)`);
    said = true;
  }
}
