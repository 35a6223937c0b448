// Position indexing on a 2,000-task workflow: toml-eslint-parser (runner/model/toml-positions.ts) against
// our own scanner (bench/toml-scanner.ts), alone and after smol-toml; then whether the two agree on every entry.
import { readdir, readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parse } from 'smol-toml';
import { LineIndex, type Span } from '../runner/model/span';
import { indexPositions, type PositionEntry, type PositionIndex } from '../runner/model/toml-positions';
import { referencePositions } from '../runner/model/toml-positions-reference';
import type { BenchRow } from './bench-row';
import { formatTable } from './format-table';
import { generateWorkflow } from '../runner/testing/generate-workflow';
import { measure } from './measure';
import { diffPositions, formatPath } from '../runner/testing/position-diff';
import { TOML_EDGE_CASES, type TomlCase } from '../runner/testing/toml-edge-cases';

const BENCH = 'toml-positions';
const TASKS = 2000;
const RUNS = 20;
const WARMUP = 3;

export async function run(): Promise<BenchRow[]> {
  const text = generateWorkflow({ tasks: TASKS, seed: 1 });
  const kb = Buffer.byteLength(text) / 1024;
  const lines = new LineIndex(text).lineCount - (text.endsWith('\n') ? 1 : 0);

  const timings = measure(
    {
      'smol-toml parse': () => parse(text),
      'toml-eslint-parser (reference)': () => referencePositions(text),
      'indexPositions (our scanner)': () => indexPositions(text),
      'smol-toml + toml-eslint-parser': () => [parse(text), referencePositions(text)],
      'smol-toml + indexPositions': () => [parse(text), indexPositions(text)],
    },
    { runs: RUNS, warmup: WARMUP },
  );
  const smol = timings.get('smol-toml parse')?.median ?? NaN;
  const rows: BenchRow[] = [{ bench: BENCH, case: 'input: generated workflow (seed 1)', tasks: TASKS, size_kb: kb, lines }];
  for (const [name, t] of timings) {
    rows.push({ bench: BENCH, case: name, median_ms: t.median, min_ms: t.min, vs_smol: t.median / smol });
  }

  const docs: TomlCase[] = [{ name: `generated (${TASKS} tasks)`, text }, ...(await readExamples()), ...TOML_EDGE_CASES.map((c) => ({ name: `edge: ${c.name}`, text: c.text }))];
  for (const doc of docs) rows.push(agreement(doc));
  return rows;
}

/** Does our scanner give every path the same key and value spans as the toml-eslint-parser reference? */
function agreement(doc: TomlCase): BenchRow {
  const row = { bench: BENCH, case: `agree: ${doc.name}` };
  let parsed: unknown;
  try {
    parsed = parse(doc.text);
  } catch {
    return { ...row, agree: 'skipped: smol-toml rejects it' };
  }
  let reference: PositionIndex;
  try {
    reference = referencePositions(doc.text);
  } catch (e) {
    // The contract is "any text smol-toml accepted", so this is a finding, not a skip.
    return { ...row, agree: `reference threw: ${e instanceof Error ? e.message : String(e)}` };
  }
  const diff = diffPositions(parsed, reference, indexPositions(doc.text));
  const first = diff.mismatches[0];
  let agree = 'yes';
  if (first) {
    const lines = new LineIndex(doc.text);
    const at = (s: Span | undefined): string =>
      s ? `${lines.lineCol(s.start).line}:${lines.lineCol(s.start).col}-${lines.lineCol(s.end).line}:${lines.lineCol(s.end).col}` : '-';
    const show = (e: PositionEntry | undefined): string => (e ? `key ${at(e.key)} value ${at(e.value)}` : 'no entry');
    agree = `NO: ${diff.mismatches.length} paths differ; first ${formatPath(first.path)}: ${show(first.a)} vs ${show(first.b)}`;
  }
  return { ...row, paths: diff.paths, agree };
}

/** The project's examples/*.cairn.toml, if any yet. */
async function readExamples(): Promise<TomlCase[]> {
  const dir = new URL('../examples/', import.meta.url);
  const files = await readdir(dir).catch((): string[] => []);
  const names = files.filter((f) => f.endsWith('.cairn.toml')).sort();
  return Promise.all(names.map(async (f) => ({ name: `examples/${f}`, text: await readFile(new URL(f, dir), 'utf8') })));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then(
    (rows) => console.log(formatTable(rows)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
