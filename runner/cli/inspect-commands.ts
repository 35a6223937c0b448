// cairn runs / show / vars / logs: the engine's read-only queries, printed as
// text for people or --json for scripts.
import * as fs from 'node:fs';
import type { RunStatus } from '../engine/events';
import { RefusedError } from '../engine/load-workflow';
import { getRun, listRuns, logPath, varHistory } from '../engine/queries';
import { formatDuration } from '../model/duration';
import { StoreError } from '../store/run-store';
import { reportError, storeRoot, type CliIo, type StoreOption } from './command-context';
import { EXIT } from './exit-codes';

const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'resuming', 'success', 'failed', 'cancelled', 'interrupted'];

export async function runsCommand(io: CliIo, flags: StoreOption & { status?: string; json?: boolean }): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const status = flags.status as RunStatus | undefined;
    if (status !== undefined && !RUN_STATUSES.includes(status)) throw new RefusedError(`--status must be one of ${RUN_STATUSES.join(', ')}`);
    const rows = await listRuns(root, { ...(status ? { status } : {}), onUnreadable: (id, e) => io.stderr(`cairn: skipping run ${id}: ${e.message}\n`) });
    if (flags.json) {
      io.stdout(JSON.stringify(rows, null, 2) + '\n');
      return EXIT.ok;
    }
    if (rows.length === 0) io.stderr(`no runs in ${root}\n`);
    for (const r of rows) {
      const total = Object.values(r.tasks).reduce((a, b) => a + b, 0);
      const took = r.endedAt ? formatDuration(Date.parse(r.endedAt) - Date.parse(r.createdAt)) : '…';
      const resumes = r.resumes ? `  (${r.resumes} resume${r.resumes > 1 ? 's' : ''})` : '';
      io.stdout(`${r.id}  ${r.status.padEnd(11)} ${r.workflow.padEnd(16)} ${r.tasks.success ?? 0}/${total} ok  ${r.createdAt.replace('T', ' ').slice(0, 19)}  ${took}${resumes}\n`);
    }
    return EXIT.ok;
  } catch (e) {
    return reportError(io, e);
  }
}

export async function showCommand(io: CliIo, ref: string, flags: StoreOption & { json?: boolean }): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const { document: doc, driver, notes } = await getRun(root, ref, io.env);
    for (const n of notes) io.stderr(`cairn: note: ${n}\n`);
    if (flags.json) {
      io.stdout(JSON.stringify(doc, null, 2) + '\n');
      return EXIT.ok;
    }
    io.stdout(`run ${doc.id}  ${doc.workflow} (${doc.file})  ${doc.status}${doc.message ? ` — ${doc.message}` : ''}\n`);
    io.stdout(`  mode ${doc.mode}, parallel ${doc.parallel}, resumes ${doc.resumes}, started ${doc.createdAt}${doc.endedAt ? `, ended ${doc.endedAt}` : ''}\n`);
    if (driver) io.stdout(`  driven by pid ${driver.pid} (${driver.command})\n`);
    for (const t of doc.tasks) {
      const a = t.attempts[t.attempts.length - 1];
      const took = a?.durationMs != null ? ` ${formatDuration(a.durationMs)}` : '';
      const why = t.reason ? ` (${t.reason}${a?.exitCode != null && t.status === 'failed' ? ` ${a.exitCode}` : ''})` : '';
      io.stdout(`  ${t.status.padEnd(11)} ${t.id}${why}${took}${t.attempt > 1 ? `  attempt ${t.attempt}` : ''}${t.stale ? `  ⚠ stale: ${t.staleReasons.join(', ')}` : ''}\n`);
    }
    const names = Object.keys(doc.vars);
    if (names.length > 0) io.stdout(`  vars: ${names.map((n) => `${n}=${doc.vars[n]}`).join('  ')}\n`);
    return EXIT.ok;
  } catch (e) {
    return reportError(io, e);
  }
}

export async function varsCommand(io: CliIo, ref: string, flags: StoreOption & { task?: string; history?: boolean; json?: boolean }): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const rows = await varHistory(root, ref, { ...(flags.task !== undefined ? { task: flags.task } : {}), history: flags.history === true });
    if (flags.json) {
      io.stdout(JSON.stringify(flags.history ? rows : Object.fromEntries(rows.map((r) => [r.name, r.value])), null, 2) + '\n');
      return EXIT.ok;
    }
    for (const r of rows) {
      const from = r.task ? `${r.task}#${r.attempt ?? '?'}` : r.source;
      io.stdout(flags.history ? `${String(r.seq).padStart(5)}  ${r.at}  ${r.name}=${r.value}  (${from})\n` : `${r.name}=${r.value}  (${from})\n`);
    }
    return EXIT.ok;
  } catch (e) {
    return reportError(io, e);
  }
}

export async function logsCommand(io: CliIo, ref: string, task: string, flags: StoreOption & { attempt?: string }): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const attempt = flags.attempt === undefined ? undefined : Number(flags.attempt);
    if (attempt !== undefined && !Number.isInteger(attempt)) throw new RefusedError(`--attempt must be a number, got "${flags.attempt}"`);
    const file = await logPath(root, ref, task, attempt);
    try {
      for await (const chunk of fs.createReadStream(file, { encoding: 'utf8' })) io.stdout(chunk as string);
    } catch (e) {
      // An attempt that printed nothing has no log file (it is created at the first byte).
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreError(`cannot read the log ${file}: ${(e as Error).message}`);
    }
    return EXIT.ok;
  } catch (e) {
    return reportError(io, e);
  }
}
