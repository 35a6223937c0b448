// The CLI's entry: bin/cairn.js requires dist/launch.js, a small bundle that sets the heap flags and loads
// dist/cli.js through a V8 code cache (code-cache.ts says why and how it is kept safe).
import * as path from 'node:path';
import { keepHeapSmall } from '../exec/small-heap';
import { requireWithCodeCache } from './code-cache';
import { COMMAND_NAMES } from './command-names';

export type Cli = typeof import('./main');

export function loadCli(argv: readonly string[]): Cli {
  // Before compiling, because V8 rejects a cache made under other flags and the engine sets these for any run
  // (engine.ts): a cache written at the end of a run must match the flags of the next start.
  keepHeapSmall();
  const first = argv[0];
  const command = first !== undefined && COMMAND_NAMES.includes(first) ? first : 'other';
  return requireWithCodeCache(path.join(__dirname, 'cli.js'), `cli-${command}`) as Cli;
}
