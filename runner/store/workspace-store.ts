// The store of a workspace (SPEC §4): `.cairn/` in the folder the CLI runs
// from, or --store / CAIRN_STORE. Finds runs by id, unique prefix or --last.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readLock } from './lock';
import { RUN_ID } from './run-id';
import { fsErrorText } from './fs-error';
import { StoreError } from './store-error';

export interface StoreLocation {
  /** --store DIR */
  readonly store?: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function resolveStoreRoot(loc: StoreLocation): string {
  const given = loc.store ?? loc.env['CAIRN_STORE'];
  return path.resolve(loc.cwd, given && given.length > 0 ? given : '.cairn');
}

/** Creates the store on first use, with a .gitignore so runs are never committed by accident. */
export async function ensureStore(root: string): Promise<void> {
  if (fs.existsSync(path.join(root, 'runs'))) return;
  const fresh = !fs.existsSync(root);
  try {
    await fs.promises.mkdir(path.join(root, 'runs'), { recursive: true });
    if (fresh) await fs.promises.writeFile(path.join(root, '.gitignore'), '*\n');
  } catch (e) {
    throw new StoreError(`cannot create the run store ${root}: ${fsErrorText(e)}`);
  }
}

/** Removes `.new-<id>` folders left by processes that died while creating a run. Best effort. */
export async function removeStillborn(root: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.promises.readdir(path.join(root, 'runs'));
  } catch {
    return;
  }
  for (const n of names.filter((x) => x.startsWith('.new-'))) {
    const dir = path.join(root, 'runs', n);
    const lock = await readLock(dir).catch(() => undefined);
    // Still being born by a live process: leave it.
    if (lock?.alive) continue;
    // No lock at all: its creator died before locking — or is between mkdir and locking right now (another
    // `cairn run` in this store). Only a folder older than any birth takes is surely dead.
    if (lock === undefined && Date.now() - (await ageStart(dir)) < UNLOCKED_BIRTH_GRACE_MS) continue;
    await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A run folder is locked microseconds after it is made; a minute allows for a machine under any load. */
const UNLOCKED_BIRTH_GRACE_MS = 60_000;

async function ageStart(dir: string): Promise<number> {
  try {
    return (await fs.promises.stat(dir)).mtimeMs;
  } catch {
    return 0;
  }
}

/** Run ids in the store, newest first (ids sort by creation time). */
export async function listRunIds(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(path.join(root, 'runs'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StoreError(`cannot read the run store ${root}: ${fsErrorText(e)}`);
  }
  return names.filter((n) => RUN_ID.test(n)).sort().reverse();
}

/** An exact id or a unique prefix (any case), or the newest run for "--last". */
export async function resolveRunRef(root: string, ref: string | { last: true }): Promise<string> {
  const ids = await listRunIds(root);
  // "last" cannot be an id prefix (Crockford base32 has no L), so it is safe as a name for the newest run.
  if (typeof ref !== 'string' || ref.trim().toLowerCase() === 'last') {
    const last = ids[0];
    if (!last) throw new StoreError(`there are no runs in ${root} yet: start one with cairn run <file>`);
    return last;
  }
  const want = ref.trim().toUpperCase();
  if (want === '') throw new StoreError('empty run id');
  if (ids.includes(want)) return want;
  const matches = ids.filter((id) => id.startsWith(want));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const shown = matches.slice(0, 5).join(', ') + (matches.length > 5 ? `, … (${matches.length} in all)` : '');
    throw new StoreError(`run id prefix "${ref}" is ambiguous: it matches ${shown}; type more of it`);
  }
  throw new StoreError(`no run "${ref}" in ${root}${ids.length > 0 ? ' (cairn runs lists them)' : ''}`);
}
