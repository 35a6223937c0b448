// cairn prune [--keep N] [--older-than 30d] [--dry-run]
import { parseAge, pruneRuns } from '../engine/prune';
import { parsePositiveInt, reportError, storeRoot, type CliIo, type StoreOption } from './command-context';
import { EXIT } from './exit-codes';

export async function pruneCommand(io: CliIo, flags: StoreOption & { keep?: string; olderThan?: string; dryRun?: boolean; json?: boolean }): Promise<number> {
  const root = storeRoot(io, flags);
  try {
    const keep = parsePositiveInt('--keep', flags.keep);
    const olderThanMs = flags.olderThan !== undefined ? parseAge(flags.olderThan) : undefined;
    const pruned = await pruneRuns(root, { ...(keep !== undefined ? { keep } : {}), ...(olderThanMs !== undefined ? { olderThanMs } : {}), dryRun: flags.dryRun === true });
    if (flags.json) {
      io.stdout(JSON.stringify(pruned, null, 2) + '\n');
      return EXIT.ok;
    }
    const verb = flags.dryRun ? 'would remove' : 'removed';
    for (const r of pruned) io.stdout(`${verb} ${r.id}  ${r.status.padEnd(11)} ${r.workflow}  ${r.createdAt.replace('T', ' ').slice(0, 19)}\n`);
    const mb = pruned.reduce((a, r) => a + r.bytes, 0) / 1048576;
    io.stderr(`${verb} ${pruned.length} run${pruned.length === 1 ? '' : 's'} (${mb.toFixed(1)} MB)${flags.dryRun ? '; nothing was changed (--dry-run)' : ''}\n`);
    return EXIT.ok;
  } catch (e) {
    return reportError(io, e);
  }
}
