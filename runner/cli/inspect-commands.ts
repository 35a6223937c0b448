// cairn runs / show / vars / logs: read the store, never write it (readers
// never block a writer), as text for people or --json for scripts.
import * as fs from 'node:fs';
import { readRun } from '../engine/engine';
import { computeStaleness, runDocument, shownValue } from '../engine/run-document';
import { formatDuration } from '../model/duration';
import { latestAttempt, latestVars } from '../store/run-state';
import { StoreError } from '../store/run-store';
import { listRunIds, resolveRunRef } from '../store/workspace-store';
import { RefusedError } from '../engine/load-workflow';
import { reportError, storeRoot, type CliIo, type StoreOption } from './command-context';
import { EXIT } from './exit-codes';

const RUN_STATUSES = ['pending', 'running', 'resuming', 'success', 'failed', 'cancelled', 'interrupted'];

export async function runsCommand(io: CliIo, flags: StoreOption & { status?: string; json?: boolean }): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    if (flags.status !== undefined && !RUN_STATUSES.includes(flags.status)) throw new RefusedError(`--status must be one of ${RUN_STATUSES.join(', ')}`);
    const rows = [];
    for (const id of await listRunIds(root)) {
      let snap;
      try {
        snap = await readRun(root, id);
      } catch (e) {
        io.stderr(`cairn: skipping run ${id}: ${e instanceof Error ? e.message : String(e)}\n`);
        continue;
      }
      const s = snap.state;
      if (flags.status !== undefined && s.status !== flags.status) continue;
      const counts: Record<string, number> = {};
      for (const t of s.tasks.values()) counts[t.status] = (counts[t.status] ?? 0) + 1;
      rows.push({ id, workflow: s.workflow, file: s.file, status: s.status, resumes: s.resumes.length, createdAt: s.createdAt, endedAt: s.endedAt ?? null, tasks: counts });
    }
    if (flags.json) {
      io.stdout(JSON.stringify(rows, null, 2) + '\n');
      return EXIT.ok;
    }
    if (rows.length === 0) {
      io.stderr(`no runs in ${root}\n`);
      return EXIT.ok;
    }
    for (const r of rows) {
      const total = Object.values(r.tasks).reduce((a, b) => a + b, 0);
      const took = r.endedAt ? formatDuration(Date.parse(r.endedAt) - Date.parse(r.createdAt)) : '…';
      io.stdout(`${r.id}  ${r.status.padEnd(11)} ${r.workflow.padEnd(16)} ${(r.tasks['success'] ?? 0)}/${total} ok  ${r.createdAt.replace('T', ' ').slice(0, 19)}  ${took}${r.resumes ? `  (${r.resumes} resume${r.resumes > 1 ? 's' : ''})` : ''}\n`);
    }
    return EXIT.ok;
  } catch (e) {
    return reportError(io, e);
  }
}

export async function showCommand(io: CliIo, ref: string, flags: StoreOption & { json?: boolean }): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const snap = await readRun(root, await resolveRunRef(root, ref));
    for (const w of snap.warnings) io.stderr(`cairn: note: ${w}\n`);
    const doc = runDocument(snap.state, await computeStaleness(snap.state, root, io.env));
    if (flags.json) {
      io.stdout(JSON.stringify(doc, null, 2) + '\n');
      return EXIT.ok;
    }
    io.stdout(`run ${doc.id}  ${doc.workflow} (${doc.file})  ${doc.status}${doc.message ? ` — ${doc.message}` : ''}\n`);
    io.stdout(`  mode ${doc.mode}, parallel ${doc.parallel}, resumes ${doc.resumes}, started ${doc.createdAt}${doc.endedAt ? `, ended ${doc.endedAt}` : ''}\n`);
    if (snap.driver?.alive) io.stdout(`  driven by pid ${snap.driver.holder.pid} (${snap.driver.holder.command})\n`);
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
    const { state } = await readRun(root, await resolveRunRef(root, ref));
    if (flags.task !== undefined && !state.tasks.has(flags.task)) throw new RefusedError(`run ${state.id} has no task "${flags.task}"`);
    const pick = flags.history ? state.vars : [...latestVars(state).values()];
    const rows = pick.filter((s) => flags.task === undefined || s.task === flags.task).map((s) => ({ seq: s.seq, name: s.name, value: shownValue(s), source: s.source, task: s.task ?? null, attempt: s.attempt ?? null, at: s.at }));
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
    const { state } = await readRun(root, await resolveRunRef(root, ref));
    const t = state.tasks.get(task);
    if (!t) throw new RefusedError(`run ${state.id} has no task "${task}"; its tasks: ${[...state.tasks.keys()].join(', ')}`);
    const a = flags.attempt !== undefined ? t.attempts.find((x) => String(x.attempt) === flags.attempt) : latestAttempt(t);
    if (!a) throw new RefusedError(flags.attempt !== undefined ? `task "${task}" has no attempt ${flags.attempt} (it has ${t.attempts.length})` : `task "${task}" has not run in run ${state.id}`);
    try {
      for await (const chunk of fs.createReadStream(a.log, { encoding: 'utf8' })) io.stdout(chunk as string);
    } catch (e) {
      throw new StoreError(`cannot read the log ${a.log}: ${(e as Error).message}`);
    }
    return EXIT.ok;
  } catch (e) {
    return reportError(io, e);
  }
}
