// cairn prune: removes old runs, never one being driven nor the latest run
// of a workflow. Each run is locked before it goes, so a resume starting at
// the same moment either wins the lock (the run stays) or finds it gone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock, LockedError } from '../store/lock';
import { readRunsNewestFirst, runPaths } from '../store/run-store';
import { listRunIds, removeStillborn } from '../store/workspace-store';
import { modelCacheDir, RefusedError } from './load-workflow';

export interface PruneOptions {
  /** Newest runs kept per workflow file (default 10; at least 1: the latest always stays). */
  readonly keep?: number;
  /** Only runs created longer ago than this (ms) go. */
  readonly olderThanMs?: number;
  readonly dryRun?: boolean;
  readonly now?: number;
}

export interface PrunedRun {
  readonly id: string;
  readonly workflow: string;
  readonly file: string;
  readonly status: string;
  readonly createdAt: string;
  readonly bytes: number;
}

const DAY_MS = 86_400_000;

/** `30d`, `12h`, `90m`, `45s` (prune's age: days are the natural unit here). */
export function parseAge(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(d|h|m|s)$/.exec(s.trim());
  if (!m) throw new RefusedError(`--older-than must be an age like 30d, 12h or 90m, got "${s}"`);
  return Number(m[1]) * { d: DAY_MS, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    total += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return total;
}

export async function pruneRuns(root: string, opts: PruneOptions = {}): Promise<PrunedRun[]> {
  const keep = opts.keep ?? 10;
  if (!Number.isInteger(keep) || keep < 1) throw new RefusedError(`--keep must be a whole number >= 1 (the latest run of a workflow always stays), got ${keep}`);
  const now = opts.now ?? Date.now();
  if (!opts.dryRun) await removeStillborn(root);
  const seen = new Map<string, number>(); // runs seen per workflow file, newest first
  const out: PrunedRun[] = [];
  // An unreadable run is not ours to judge: `cairn runs` reports it.
  for await (const snap of readRunsNewestFirst(root)) {
    const { id, state: s } = snap;
    const nth = (seen.get(s.file) ?? 0) + 1;
    seen.set(s.file, nth);
    if (nth <= keep || snap.driver?.alive) continue;
    if (opts.olderThanMs !== undefined && now - Date.parse(s.createdAt) < opts.olderThanMs) continue;
    const dir = runPaths(root, id).dir;
    const row = { id, workflow: s.workflow, file: s.file, status: s.status, createdAt: s.createdAt, bytes: dirBytes(dir) };
    if (opts.dryRun) {
      out.push(row);
      continue;
    }
    let lock;
    try {
      lock = await acquireLock(dir, 'cairn prune');
    } catch (e) {
      if (e instanceof LockedError) continue; // someone started driving it: it stays
      throw e;
    }
    try {
      await fs.promises.rm(dir, { recursive: true, force: true });
      out.push(row);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
  if (!opts.dryRun && out.length > 0) await pruneModelCache(root);
  return out;
}

/** Cached models (model-cache.ts) of revisions no remaining run has: only a cache, so best effort. */
async function pruneModelCache(root: string): Promise<void> {
  const cache = modelCacheDir(root);
  let entries: string[];
  try {
    entries = await fs.promises.readdir(cache);
  } catch {
    return;
  }
  const used = new Set<string>();
  for (const id of await listRunIds(root)) {
    try {
      for (const f of await fs.promises.readdir(runPaths(root, id).revisions)) used.add(f.replace(/\.cairn\.toml$/, ''));
    } catch {
      // A run without revisions keeps nothing alive.
    }
  }
  for (const f of entries) {
    const rev = /^([0-9a-f]+)\.json$/.exec(f)?.[1];
    if (rev !== undefined && !used.has(rev)) await fs.promises.rm(path.join(cache, f), { force: true }).catch(() => undefined);
  }
}
