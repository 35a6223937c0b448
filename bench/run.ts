// `npm run bench`: runs every bench/*.bench.ts module in this one process, in name order, and prints
// one table per bench. `tsx bench/run.ts toml` runs only the benches whose file name contains "toml".
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './bench-row';
import { formatTable } from './format-table';

interface BenchModule {
  run(): Promise<BenchRow[]>;
}

const isBenchModule = (m: unknown): m is BenchModule =>
  typeof m === 'object' && m !== null && typeof (m as { run?: unknown }).run === 'function';

async function main(filters: readonly string[]): Promise<void> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((w) => f.includes(w))))
    .sort();
  for (const file of files) {
    const mod: unknown = await import(pathToFileURL(join(dir, file)).href);
    if (!isBenchModule(mod)) throw new Error(`${file} does not export run()`);
    const started = Date.now();
    const rows = await mod.run();
    console.log(`\n## ${file.replace(/\.bench\.ts$/, '')}  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    console.log(formatTable(rows));
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
