// The CLI's entry: bin/cairn.js requires dist/launch.js, a small bundle that sets the heap flags and loads
// dist/cli.js through a V8 code cache (code-cache.ts says why and how it is kept safe).
import * as path from 'node:path';
import { keepHeapSmall } from '../exec/small-heap';
import { requireWithCodeCache } from './code-cache';
import { COMMAND_NAMES } from './command-names';

export type Cli = typeof import('./main');

export function loadCli(argv: readonly string[]): Cli {
  // Before compiling, because V8 rejects a cache made under other flags, and before anything big is read: once
  // V8 has grown the young generation it does not give the memory back (small-heap.ts says why it matters).
  keepHeapSmall();
  const first = argv[0];
  const command = first !== undefined && COMMAND_NAMES.includes(first) ? first : 'other';
  return requireWithCodeCache(path.join(__dirname, 'cli.js'), `cli-${command}`) as Cli;
}
