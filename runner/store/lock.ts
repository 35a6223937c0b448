// Who drives a run: `<run>/lock` names the live process driving it (pid, host, heartbeat). A driver
// that died (crash, kill -9) is seen dead at once by its pid, and its lock is taken over safely.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errorCode, fsErrorText } from './fs-error';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly heartbeatAt: string;
  readonly command: string;
}

/** What the lock file holds: the holder, plus what tells a live holder from a reused pid. */
interface LockRecord extends LockHolder {
  /** Start time of the pid, in clock ticks since boot (/proc/<pid>/stat field 22). */
  readonly procStart?: string;
  /** /proc/sys/kernel/random/boot_id: after a reboot the recorded pid means nothing. */
  readonly bootId?: string;
}

export class LockedError extends Error {
  override readonly name = 'LockedError';
  constructor(
    dir: string,
    readonly holder: LockHolder,
  ) {
    super(lockedMessage(dir, holder));
  }
}

export class LockError extends Error {
  override readonly name = 'LockError';
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The one place that words a refusal to drive a run someone else drives. */
export function lockedMessage(dir: string, holder: LockHolder): string {
  const command = holder.command === '' ? 'unknown command' : holder.command;
  return `run is being driven by pid ${holder.pid} on host ${holder.host} (${command}, since ${clockTime(holder.startedAt)}); wait for it or cancel it with cairn cancel ${path.basename(dir)}`;
}

export interface RunLock {
  readonly holder: LockHolder;
  /** Removes the lock file if it is still this lock's (not if someone took it over). Safe to call twice. */
  release(): Promise<void>;
  /** The run folder was renamed (a new run's atomic birth): release from `newDir` from now on. */
  relocate(newDir: string): void;
}

const LOCK = 'lock';
/** A holder on another host (or from before a reboot) is alive while its heartbeat is younger than this. */
const REMOTE_STALE_MS = 30_000;
/** How long to keep retrying while another process takes over a dead lock (it takes milliseconds). */
const TAKEOVER_PATIENCE_MS = 10_000;

/**
 * Makes `<dir>/lock` name this process, or throws LockedError naming the live holder. A dead holder's
 * lock is taken over; of processes racing to do so exactly one wins, the others get LockedError.
 */
export async function acquireLock(dir: string, command: string, opts: { heartbeatMs?: number } = {}): Promise<RunLock> {
  const lockPath = path.join(dir, LOCK);
  const identified = selfIdentity(); // read beside the first look: both are on a new run's critical path
  // A refused driver writes nothing, not even a temp file, in the common case of a live holder.
  const first = await inspect(lockPath).catch(() => undefined);
  if (first?.alive) throw new LockedError(dir, first.holder);
  const now = new Date().toISOString();
  const self = await identified;
  const record: LockRecord = { pid: process.pid, host: os.hostname(), startedAt: now, heartbeatAt: now, command, ...self };
  const text = JSON.stringify(record) + '\n';
  let handle: fs.FileHandle | undefined;
  let temp: string | undefined;
  let linked = false;
  try {
    // The lock appears by link(2) of a complete file: atomic and exclusive like O_EXCL, but nobody can ever
    // read a half-written lock and judge it malformed, hence dead. Nothing about a lock is fsync'd: it only
    // matters among live processes, which all see the page cache. After a power loss every holder is dead
    // (the boot id says so), whatever of its lock the disk kept, lost or cut short (malformed reads as dead).
    ({ handle, temp } = await writeTemp(dir, text));
    const deadline = Date.now() + TAKEOVER_PATIENCE_MS;
    while (!(await linkIfAbsent(temp, lockPath))) {
      const seen = await inspect(lockPath);
      if (seen?.alive) throw new LockedError(dir, seen.holder);
      if (Date.now() > deadline) throw new LockError(`cannot take over the lock of ${dir}: other processes kept taking it over for ${TAKEOVER_PATIENCE_MS / 1000} s`, undefined);
      // Absent: it was released just now; try again at once.
      if (seen === undefined) continue;
      const outcome = await removeIfDead(dir, lockPath, seen, text, 0);
      // Another process is taking the dead lock over; it needs milliseconds. Then it will be named.
      if (outcome === 'busy') await delay(2 + Math.random() * 8);
    }
    linked = true;
    await fs.unlink(temp);
    temp = undefined;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (temp !== undefined) await fs.unlink(temp).catch(() => undefined);
    // A lock we made but cannot stand behind would read as alive for as long as we live.
    if (linked) await fs.unlink(lockPath).catch(() => undefined);
    if (error instanceof LockedError || error instanceof LockError) throw error;
    throw new LockError(`cannot lock the run ${dir}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
  }
  return startHeartbeat(dir, record, handle, opts.heartbeatMs ?? 2000);
}

/** The current holder and whether it is alive; undefined when there is no lock. A malformed lock reads as dead. */
export async function readLock(dir: string): Promise<{ holder: LockHolder; alive: boolean } | undefined> {
  try {
    const seen = await inspect(path.join(dir, LOCK));
    return seen && { holder: seen.holder, alive: seen.alive };
  } catch (error) {
    throw new LockError(`cannot read the lock of ${dir}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
  }
}

function startHeartbeat(initialDir: string, record: LockRecord, handle: fs.FileHandle, heartbeatMs: number): RunLock {
  let dir = initialDir;
  // The heartbeat touches the mtime of our own inode through our fd: cheap, atomic, and harmless
  // if the lock was taken over meanwhile (it can never freshen someone else's lock).
  const timer = setInterval(() => {
    const now = new Date();
    handle.utimes(now, now).catch(() => undefined);
  }, heartbeatMs);
  timer.unref();
  let released: Promise<void> | undefined;
  return {
    holder: holderOf(record),
    relocate: (newDir) => {
      dir = newDir;
    },
    release: () =>
      (released ??= (async () => {
        clearInterval(timer);
        try {
          const mine = await handle.stat({ bigint: true });
          const current = await fs.stat(path.join(dir, LOCK), { bigint: true }).catch((error: unknown) => {
            if (errorCode(error) === 'ENOENT') return undefined;
            throw error;
          });
          if (current && current.ino === mine.ino && current.dev === mine.dev) await fs.unlink(path.join(dir, LOCK));
        } catch (error) {
          throw new LockError(`cannot release the lock of ${dir}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
        } finally {
          await handle.close().catch(() => undefined);
        }
      })()),
  };
}

interface Seen {
  /** Just the LockHolder fields, for callers and messages. */
  readonly holder: LockHolder;
  readonly alive: boolean;
  readonly dev: bigint;
  readonly ino: bigint;
}

/** Reads a lock (or takeover token) file and judges its holder; undefined if the file is absent. */
async function inspect(file: string): Promise<Seen | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // Identity and content through one fd, so both describe the same file.
    const stat = await handle.stat({ bigint: true });
    const text = await handle.readFile('utf8');
    const { record, wellFormed } = parseRecord(text, new Date(Number(stat.mtimeMs)));
    return { holder: holderOf(record), alive: wellFormed && (await isAlive(record)), dev: stat.dev, ino: stat.ino };
  } finally {
    await handle.close();
  }
}

/** Best-effort fields of a lock file; the heartbeat is its mtime (or the recorded one, if later). */
function parseRecord(text: string, mtime: Date): { record: LockRecord; wellFormed: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const o: Record<string, unknown> = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const str = (key: string): string | undefined => {
    const v = o[key];
    return typeof v === 'string' ? v : undefined;
  };
  const pid = typeof o.pid === 'number' && Number.isSafeInteger(o.pid) && o.pid > 0 ? o.pid : undefined;
  const recorded = Date.parse(str('heartbeatAt') ?? '');
  const beat = Number.isNaN(recorded) || recorded < mtime.getTime() ? mtime : new Date(recorded);
  const host = str('host');
  const startedAt = str('startedAt');
  const procStart = str('procStart');
  const bootId = str('bootId');
  const record: LockRecord = {
    pid: pid ?? 0,
    host: host ?? 'unknown',
    startedAt: startedAt ?? mtime.toISOString(),
    heartbeatAt: beat.toISOString(),
    command: str('command') ?? '',
    ...(procStart === undefined ? {} : { procStart }),
    ...(bootId === undefined ? {} : { bootId }),
  };
  return { record, wellFormed: pid !== undefined && host !== undefined && startedAt !== undefined };
}

function holderOf(record: LockRecord): LockHolder {
  return { pid: record.pid, host: record.host, startedAt: record.startedAt, heartbeatAt: record.heartbeatAt, command: record.command };
}

async function isAlive(holder: LockRecord): Promise<boolean> {
  const self = await selfIdentity();
  const sameBoot = holder.bootId === undefined || self.bootId === undefined || holder.bootId === self.bootId;
  if (holder.host !== os.hostname() || !sameBoot) {
    // Its pid means nothing here: only its heartbeat can say it is alive.
    return Date.now() - Date.parse(holder.heartbeatAt) < REMOTE_STALE_MS;
  }
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists, it just is not ours to signal.
    if (errorCode(error) !== 'EPERM') return false;
  }
  if (self.procStart === undefined) return true; // no /proc here: the pid is all there is
  const proc = await procStat(holder.pid);
  if (proc === undefined) return false; // gone between the two checks
  if (proc.state === 'Z' || proc.state === 'X') return false; // exited, not yet reaped by its parent
  // The same pid with another start time is a new process that reused a dead driver's pid.
  return holder.procStart === undefined || holder.procStart === proc.start;
}

/** State and start time (clock ticks since boot) of a pid, from /proc; undefined without /proc. */
async function procStat(pid: number | 'self'): Promise<{ state: string; start: string } | undefined> {
  let text: string;
  try {
    text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 is "(comm)" and comm may hold spaces and ')': fields 3… start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  return state !== undefined && start !== undefined ? { state, start } : undefined;
}

let identity: Promise<{ procStart?: string; bootId?: string }> | undefined;

function selfIdentity(): Promise<{ procStart?: string; bootId?: string }> {
  identity ??= (async () => {
    const [proc, boot] = await Promise.all([procStat('self'), fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')]);
    const bootId = boot.trim();
    return { ...(proc ? { procStart: proc.start } : {}), ...(bootId === '' ? {} : { bootId }) };
  })();
  return identity;
}

/**
 * Removes `target` (a lock or a takeover token) if it is still the dead file `seen`. POSIX cannot
 * unlink a path only if it is a given inode, so the remover first wins a token named after that
 * inode (created exclusively): while it holds the token nobody else may remove the file, and it
 * re-checks, under the token, that the file is unchanged and its holder still dead. A token whose
 * own holder died is removed the same way, one level up.
 */
async function removeIfDead(dir: string, target: string, seen: Seen, text: string, depth: number): Promise<'removed' | 'changed' | 'busy'> {
  const token = path.join(dir, `${LOCK}.takeover-${seen.dev}-${seen.ino}`);
  const { handle, temp } = await writeTemp(dir, text);
  await handle.close();
  let claimed: boolean;
  try {
    claimed = await linkIfAbsent(temp, token);
  } finally {
    await fs.unlink(temp);
  }
  if (!claimed) {
    const other = await inspect(token);
    // Its holder crashed mid-takeover: clear its token, then let the caller look again.
    if (other && !other.alive && depth < 3) await removeIfDead(dir, token, other, text, depth + 1);
    return 'busy';
  }
  try {
    const now = await inspect(target);
    if (now === undefined || now.dev !== seen.dev || now.ino !== seen.ino || now.alive) return 'changed';
    await fs.unlink(target);
    return 'removed';
  } finally {
    await fs.unlink(token).catch(() => undefined);
  }
}

/** A uniquely named, complete file in `dir`, left open. */
async function writeTemp(dir: string, text: string): Promise<{ handle: fs.FileHandle; temp: string }> {
  const temp = path.join(dir, `.${LOCK}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx');
  try {
    await handle.writeFile(text);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  return { handle, temp };
}

/** link(2): true if `to` was created, false if something already had that name. */
async function linkIfAbsent(from: string, to: string): Promise<boolean> {
  try {
    await fs.link(from, to);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

/** `10:42:01` today, `2025-03-04 10:42:01` on another day (local time). */
function clockTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  const time = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  const today = new Date();
  if (at.toDateString() === today.toDateString()) return time;
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${time}`;
}
