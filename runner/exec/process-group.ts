// Signals and watches the process group a task leads (it is spawned detached), so timeouts, cancellation and
// clean-up reach every process the task started, not only its shell. POSIX only; zombie-aware on Linux.
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { errorCode } from '../store/fs-error';
import { monotonicMs } from './monotonic';

/** How the group ended when we had to end it. */
export type GroupEnd = 'gone' | 'terminated' | 'killed';

// Nothing tells us when the last member of a group dies (only the leader is our child), so the wait after
// SIGTERM polls: first soon, since most tasks die at once, then less often.
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;

export class ProcessGroup {
  /** Members seen alive by the last /proc scan; rechecked alone before scanning everything again. */
  private members: readonly number[] = [];

  constructor(readonly pgid: number) {}

  /** Sends a signal to every member; false when no member exists any more. */
  signal(signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(-this.pgid, signal);
      return true;
    } catch (error) {
      // EPERM: a member exists that we may not signal (it changed its uid). It is alive all the same.
      return errorCode(error) !== 'ESRCH';
    }
  }

  /**
   * Whether a member is still running. kill(-pgid, 0) alone counts zombies: where nothing reaps orphans (a
   * container whose init never waits), killed background processes stay zombies and would look alive forever.
   * So on Linux a "yes" is checked against /proc, where a zombie says so.
   */
  async isAlive(): Promise<boolean> {
    if (!this.signal(0)) return false;
    if (process.platform !== 'linux') return true;
    if (this.members.length > 0 && (await liveMembers(this.pgid, this.members)).length > 0) return true;
    // The known members are gone, but one of them may have started another before dying: look again.
    this.members = await liveMembers(this.pgid, await processIds());
    return this.members.length > 0;
  }

  /** SIGTERM to the group, then SIGKILL once `graceMs` has passed with any member still running. */
  async terminate(graceMs: number): Promise<GroupEnd> {
    if (!this.signal('SIGTERM')) return 'gone';
    const deadline = monotonicMs() + graceMs;
    for (let wait = FIRST_POLL_MS; ; wait = Math.min(wait * 2, MAX_POLL_MS)) {
      const left = deadline - monotonicMs();
      if (left <= 0) break;
      await delay(Math.min(wait, left));
      if (!(await this.isAlive())) return 'terminated';
    }
    return this.signal('SIGKILL') ? 'killed' : 'terminated';
  }

  /** After the leader has exited: ends whatever it left running (background jobs), else does nothing. */
  async endLeftovers(graceMs: number): Promise<GroupEnd> {
    return (await this.isAlive()) ? this.terminate(graceMs) : 'gone';
  }
}

async function processIds(): Promise<number[]> {
  try {
    return (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number);
  } catch {
    return [];
  }
}

/** The given pids that are in the group and not zombies (or dead, state X). */
async function liveMembers(pgid: number, pids: readonly number[]): Promise<number[]> {
  const alive = await Promise.all(pids.map((pid) => isLiveMember(pid, pgid)));
  return pids.filter((_, index) => alive[index]);
}

async function isLiveMember(pid: number, pgid: number): Promise<boolean> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false; // gone between readdir and now
  }
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  return Number(fields[2]) === pgid && state !== 'Z' && state !== 'X';
}

