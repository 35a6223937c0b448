// Validation speed: a generated workflow (chains, fans, templates) validated
// in a warm process. Target (foundation issue): under 100 ms at 2,000 tasks.
import { validate } from '../runner/validate/validate';
import { generateWorkflow } from '../runner/testing/generate-workflow';
import type { BenchRow } from './bench-row';
import { measure } from './measure';

export function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const tasks of [200, 2000, 10000]) {
    const text = generateWorkflow({ tasks, seed: 1 });
    const diagnostics = validate(text);
    if (diagnostics.length > 0) throw new Error(`generated ${tasks}-task workflow is not clean: ${diagnostics[0]!.message}`);
    const m = measure({ validate: () => validate(text) }, { runs: tasks >= 10000 ? 8 : 25, warmup: 3 }).get('validate')!;
    rows.push({ bench: 'validate', case: `${tasks} tasks`, size_kb: Math.round(text.length / 1024), lines: text.split('\n').length, median_ms: round(m.median), min_ms: round(m.min), target: tasks === 2000 ? '< 100 ms' : '' });
  }
  return Promise.resolve(rows);
}

const round = (n: number): number => Math.round(n * 10) / 10;
