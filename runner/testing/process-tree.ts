// A process and its descendants as /proc shows them (Linux): who they are and the peak memory each has reached.
// Used by the load tests (memory stays bounded while a task prints 200 MB) and the runner bench (peak RSS when
// GNU time is missing). Every read tolerates a process that exits between listing and reading it.
import { readFileSync, readdirSync } from 'node:fs';

const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** `pid` and every live descendant, parents before children. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() ?? 0;
    out.push(p);
    let threads: string[] = [];
    try {
      threads = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // exited
    }
    for (const t of threads) for (const c of read(`/proc/${p}/task/${t}/children`).split(/\s+/)) if (c) stack.push(Number(c));
  }
  return out;
}

/** Peak resident set (VmHWM, kB) of one process so far; 0 when it is gone. */
export const peakRssKb = (pid: number): number => Number(/VmHWM:\s+(\d+)/.exec(read(`/proc/${pid}/status`))?.[1] ?? 0);

/** The largest VmHWM (kB) in the tree of `pid` right now. */
export const treePeakRssKb = (pid: number): number => Math.max(0, ...processTree(pid).map(peakRssKb));

export interface ProcessPeak {
  readonly pid: number;
  /** The command line, arguments joined by spaces. */
  readonly command: string;
  /** The highest VmHWM seen, kB. */
  readonly peakKb: number;
}

/**
 * Samples the tree of `rootPid` every `everyMs` until stop(), keeping each process's highest VmHWM. A process
 * that lives less than one interval may be missed; VmHWM is a high-water mark, so one sample late in a process's
 * life sees its peak.
 */
export class PeakSampler {
  private readonly peaks = new Map<number, { command: string; peakKb: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly rootPid: number,
    everyMs = 20,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.sample();
  }

  sample(): void {
    for (const pid of processTree(this.rootPid)) {
      const kb = peakRssKb(pid);
      if (kb === 0) continue;
      // The command is read each time: a process sampled between fork and exec still shows its parent's.
      const command = read(`/proc/${pid}/cmdline`).split('\0').join(' ').trim();
      const seen = this.peaks.get(pid);
      if (seen) {
        seen.peakKb = Math.max(seen.peakKb, kb);
        if (command !== '') seen.command = command;
      } else this.peaks.set(pid, { command, peakKb: kb });
    }
  }

  /** Stops sampling; the peak of every process seen, highest first. */
  stop(): ProcessPeak[] {
    clearInterval(this.timer);
    return [...this.peaks].map(([pid, p]) => ({ pid, ...p })).sort((a, b) => b.peakKb - a.peakKb);
  }
}
