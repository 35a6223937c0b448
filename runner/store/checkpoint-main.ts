// Child-process entry of the checkpointer: `checkpoint-main <run dir>`.
// Exit 0 when run.db was written; 1 with the reason on stderr otherwise.
import * as path from 'node:path';
import { checkpointRun } from './checkpoint';
import { runPaths } from './run-paths';

const dir = process.argv[2];
if (!dir) {
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
