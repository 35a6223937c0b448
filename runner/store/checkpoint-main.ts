// Child-process entry of the checkpointer: `checkpoint-main <run dir>`
// (or, at build time, `checkpoint-main --write-empty <file>`).
// Exit 0 when run.db was written; 1 with the reason on stderr otherwise.
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { checkpointRun } from './checkpoint';
import { RunDb } from './run-db';
import { runPaths } from './run-paths';

const dir = process.argv[2];
if (dir === '--write-empty' && process.argv[3]) {
  // Build time: the empty checkpoint every new run starts with, so a run never loads sql.js to get one.
  const out = process.argv[3];
  RunDb.create().then(
    async (db) => {
      await writeFileAtomic(out, db.export());
      db.close();
    },
    (e: unknown) => {
      process.stderr.write(`cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
} else if (!dir) {
  process.stderr.write('usage: checkpoint-main <run dir>\n');
  process.exitCode = 2;
} else {
  checkpointRun(runPaths(path.dirname(path.dirname(dir)), path.basename(dir))).then(
    () => {
      process.exitCode = 0;
    },
    (e: unknown) => {
      process.stderr.write(`checkpoint of ${dir} failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
