// cairn run / resume / rerun / cancel: drive a run in this process, print
// each durable change, and exit per SPEC §5 (0 ok, 1 failed or cancelled,
// 2 refused, 3 store, 130 SIGINT).
import * as os from 'node:os';
import { dryRunResume, releaseExecHosts, resumeRun, rerunTask, startRun, type RunHandle } from '../engine/engine';
import type { RunStatus } from '../engine/events';
import { getRun, listRuns } from '../engine/queries';
import { parseVarArgs } from '../engine/run-vars';
import { readLock } from '../store/lock';
import { runPaths } from '../store/run-store';
import { resolveRunRef } from '../store/workspace-store';
import { parseMode, parsePositiveInt, reportError, storeRoot, type CliIo, type StoreOption } from './command-context';
import { EXIT } from './exit-codes';
import { ProgressPrinter } from './progress-printer';

export interface DriveFlags extends StoreOption {
  readonly var?: string[];
  readonly parallel?: string;
  readonly mode?: string;
  readonly json?: boolean;
}

/** Drives a handle to its end with SIGINT → cancel, and prints the outcome. */
async function follow(io: CliIo, root: string, start: (signal: AbortSignal, onEvents: ProgressPrinter['onEvents'] | undefined) => Promise<RunHandle>, json: boolean): Promise<number> {
  const ac = new AbortController();
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const printer = json ? undefined : new ProgressPrinter({ write: (s) => io.stdout(s), isTTY: io.stdoutIsTTY, ...(io.columns ? { columns: io.columns } : {}) });
  try {
    const handle = await start(ac.signal, printer?.onEvents);
    let status: RunStatus;
    try {
      status = await handle.done;
    } finally {
      printer?.finish();
    }
    if (json) io.stdout(JSON.stringify((await getRun(root, handle.runId, io.env)).document, null, 2) + '\n');
    if (interrupted) return EXIT.interrupted;
    return status === 'success' ? EXIT.ok : EXIT.runFailed;
  } catch (e) {
    printer?.finish();
    return reportError(io, e);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await releaseExecHosts();
  }
}

function commandLine(): string {
  return ['cairn', ...process.argv.slice(2)].join(' ');
}

export async function runCommand(io: CliIo, file: string, flags: DriveFlags): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const vars = parseVarArgs(flags.var ?? []);
    const parallel = parsePositiveInt('--parallel', flags.parallel);
    const mode = parseMode(flags.mode);
    return await follow(
      io,
      root,
      (signal, onEvents) =>
        startRun({
          file,
          storeRoot: root,
          vars,
          ...(parallel ? { parallel } : {}),
          ...(mode ? { mode } : {}),
          command: commandLine(),
          signal,
          io: { env: io.env },
          hooks: { ...(onEvents ? { onEvents } : {}), onNote: (m) => io.stderr(`cairn: note: ${m}\n`) },
        }),
      flags.json === true,
    );
  } catch (e) {
    return reportError(io, e);
  }
}

export interface ResumeFlags extends DriveFlags {
  readonly last?: boolean;
  readonly auto?: boolean;
  readonly dryRun?: boolean;
  readonly allowStructureChange?: boolean;
  readonly rerunStale?: boolean;
}

export async function resumeCommand(io: CliIo, ref: string | undefined, flags: ResumeFlags): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const vars = parseVarArgs(flags.var ?? []);
    const parallel = parsePositiveInt('--parallel', flags.parallel);
    const mode = parseMode(flags.mode);
    const given = [ref !== undefined, flags.last === true, flags.auto === true].filter(Boolean).length;
    if (given !== 1) {
      io.stderr('cairn: resume takes exactly one of: a run id (or a unique prefix), --last, --auto\n');
      return EXIT.usage;
    }
    let ids: string[];
    if (flags.auto) {
      // Oldest first: they are resumed in the order they were started.
      ids = (await listRuns(root, { status: 'interrupted' })).map((r) => r.id).reverse();
      if (ids.length === 0) {
        io.stderr('cairn: no interrupted runs to resume\n');
        return EXIT.ok;
      }
    } else {
      ids = [await resolveRunRef(root, ref ?? { last: true })];
    }
    const common = { storeRoot: root, vars, allowStructureChange: flags.allowStructureChange === true, rerunStale: flags.rerunStale === true, ...(parallel ? { parallel } : {}), ...(mode ? { mode } : {}) };
    let worst: number = EXIT.ok;
    for (const runId of ids) {
      if (flags.dryRun) {
        const plan = await dryRunResume({ ...common, runId });
        if (flags.json) {
          io.stdout(JSON.stringify({ run: runId, status: plan.status, structureChanges: plan.structureChanges, kept: plan.kept, rerun: plan.rerun }, null, 2) + '\n');
        } else {
          io.stdout(`resume of run ${runId} (${plan.status}) would:\n`);
          for (const c of plan.structureChanges) io.stdout(`  structure: ${c.detail}\n`);
          for (const k of plan.kept) io.stdout(`  keep   ${k.id}${k.stale ? `  (stale: ${k.reasons.join(', ')})` : ''}\n`);
          for (const id of plan.rerun) io.stdout(`  run    ${id}\n`);
          io.stdout('nothing was changed (--dry-run)\n');
        }
        continue;
      }
      const code = await follow(io, root, (signal, onEvents) => resumeRun({ ...common, runId, command: commandLine(), signal, io: { env: io.env }, hooks: onEvents ? { onEvents } : {} }), flags.json === true);
      if (code === EXIT.interrupted) return code;
      worst = Math.max(worst, code);
    }
    return worst;
  } catch (e) {
    return reportError(io, e);
  }
}

export interface RerunFlags extends StoreOption {
  readonly task: string;
  readonly downstream?: boolean;
  readonly json?: boolean;
}

export async function rerunCommand(io: CliIo, ref: string, flags: RerunFlags): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const runId = await resolveRunRef(root, ref);
    return await follow(
      io,
      root,
      (signal, onEvents) => rerunTask({ storeRoot: root, runId, task: flags.task, downstream: flags.downstream === true, command: commandLine(), signal, io: { env: io.env }, hooks: onEvents ? { onEvents } : {} }),
      flags.json === true,
    );
  } catch (e) {
    return reportError(io, e);
  }
}

/** Asks the process driving a run to cancel it (as Ctrl-C would), and waits for it to let go. */
export async function cancelCommand(io: CliIo, ref: string, flags: StoreOption): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const runId = await resolveRunRef(root, ref);
    const lock = await readLock(runPaths(root, runId).dir);
    if (!lock || !lock.alive) {
      io.stderr(`cairn: run ${runId} is not running (nothing to cancel)\n`);
      return EXIT.usage;
    }
    if (lock.holder.host !== os.hostname()) {
      io.stderr(`cairn: run ${runId} is driven by pid ${lock.holder.pid} on host ${lock.holder.host}; cancel it there\n`);
      return EXIT.store;
    }
    process.kill(lock.holder.pid, 'SIGINT');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const now = await readLock(runPaths(root, runId).dir);
      if (!now || !now.alive || now.holder.pid !== lock.holder.pid) {
        io.stdout(`run ${runId} cancelled — continue it with: cairn resume ${runId}\n`);
        return EXIT.ok;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    io.stderr(`cairn: asked pid ${lock.holder.pid} to cancel run ${runId}, but it is still running after 15 s\n`);
    return EXIT.store;
  } catch (e) {
    return reportError(io, e);
  }
}
