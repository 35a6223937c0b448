// Where $CAIRN_OUTPUT files live while their attempts run: outside the store, since a task may write a secret
// into one, and gone once read (their records are durable as var-set events by then). In RAM where the system
// offers it (/dev/shm): nothing a task writes there reaches a disk, and creating a file on a disk-backed
// temp folder costs ~0.5 ms on some machines — on every attempt. $TMPDIR, when set, is honoured.
// Folders are named by the driver's pid so that a later run can remove those a killed driver left behind.
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

const PREFIX = 'cairn-output-';

function inRam(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    if (!statSync('/dev/shm').isDirectory()) return undefined;
    accessSync('/dev/shm', constants.W_OK | constants.X_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}

/** The folders that may hold output folders: the one used now first, then the other (a changed $TMPDIR). */
function roots(env: Readonly<Record<string, string | undefined>>): string[] {
  const ram = inRam();
  const tmp = os.tmpdir();
  const preferred = env['TMPDIR'] === undefined && ram !== undefined ? ram : tmp;
  return [...new Set([preferred, ram ?? tmp, tmp])];
}

/** Creates this driver's output folder. */
export function createOutputsDir(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  return mkdtemp(path.join(roots(env)[0]!, `${PREFIX}${process.pid}-`));
}

/**
 * Removes the output folders of drivers that died before removing theirs. Never rejects. Run beside the
 * first tasks rather than before them: it lists whole temp folders, which may hold thousands of entries.
 */
export async function removeOrphanedOutputs(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  for (const root of roots(env)) await removeOrphans(root);
}

async function removeOrphans(root: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(PREFIX)) continue;
    const pid = Number(/^cairn-output-(\d+)-/.exec(n)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || pidAlive(pid)) continue;
    await rm(path.join(root, n), { recursive: true, force: true }).catch(() => undefined);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
