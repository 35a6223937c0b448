// The run store's costs (issue 7, "Store"): what making an event durable costs, per event and per batch, next to
// the bound (one write + fdatasync of the same bytes on a plain file); what a checkpoint costs as a run grows from
// 100 to 100,000 events; and what opening a run costs as a reader (checkpoint + journal tail) and as a driver
// (resume folds the whole journal), in this process and as a whole `cairn show` process. Knobs: STORE_BENCH_SIZES
// (comma list of event counts, default 100,1000,10000,100000), STORE_BENCH_APPENDS (timed appends, default 2000).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { NewRunEvent } from '../runner/engine/events';
import { checkpointRun } from '../runner/store/checkpoint';
import { Journal } from '../runner/store/journal';
import { readRun, RunStore } from '../runner/store/run-store';
import type { BenchRow } from './bench-row';
import { median } from './measure';

const SIZES = (process.env.STORE_BENCH_SIZES ?? '100,1000,10000,100000').split(',').map(Number).filter((n) => n > 0);
const APPENDS = Number(process.env.STORE_BENCH_APPENDS ?? 2000);
const REPO = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(REPO, 'bin', 'cairn.js');

const fingerprint = { command: 'npm run build -- --mode production', template: 'npm run build -- --mode {{ .mode }}', dir: '/work/app', shell: '', env: { NODE_ENV: 'production' }, vars: { mode: 'production' }, inputs: { 'src/index.ts': '5f1c9a0b7d2e4c31', 'package.json': '0a9e88c1d2f3b4a5' } };

/** The events of one task attempt as the engine records them: started (with its fingerprint), ended. */
function attemptEvents(i: number): NewRunEvent[] {
  const task = `t${String(i).padStart(6, '0')}`;
  return [
    { type: 'attempt-started', task, attempt: 1, resume: 0, revision: '5f1c9a0b7d2e4c31', command: fingerprint.command, dir: '/work/app', log: `logs/${task}.1.log`, fingerprint },
    { type: 'attempt-ended', task, attempt: 1, outcome: { status: 'success', reason: null, exitCode: 0, signal: null }, durationMs: 1234, logTail: 'vite v5.2.0 building for production...\n✓ 42 modules transformed.\ndist/index.html 0.46 kB' },
  ];
}

function runCreated(runId: string, tasks: number): NewRunEvent {
  return { type: 'run-created', runId, workflow: 'bench', file: 'bench.cairn.toml', revision: '5f1c9a0b7d2e4c31', mode: 'eager', parallel: 2, cliVars: {}, structure: Array.from({ length: tasks }, (_, i) => ({ id: `t${String(i).padStart(6, '0')}`, deps: i === 0 ? [] : [`t${String(i - 1).padStart(6, '0')}`], type: 'task' as const })) };
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
const ms = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};
const p95 = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;

let runCounter = 0;
const newRunId = (): string => `01M8BENCH${String(++runCounter).padStart(7, '0')}`;

export async function run(): Promise<BenchRow[]> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-store-bench-'));
  const rows: BenchRow[] = [];
  const row = (c: string, metrics: Record<string, string | number>): void => void rows.push({ bench: 'store', case: c, ...metrics });
  // A run's checkpoint child is unref'd (a CLI exits without waiting for it), so awaiting its end alone would
  // let this process run out of work and exit mid-bench.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await appends(base, row);
    await sizes(base, row);
  } finally {
    clearInterval(keepAlive);
    fs.rmSync(base, { recursive: true, force: true });
  }
  let fsType = '?';
  try {
    fsType = execFileSync('df', ['--output=fstype', base.replace(/[^/]+$/, '')], { encoding: 'utf8' }).trim().split('\n')[1]?.trim() ?? '?';
  } catch {
    /* unknown */
  }
  row('notes', { note: `store in ${os.tmpdir()} (${fsType}); events are a real attempt's started/ended pair (~${Buffer.byteLength(JSON.stringify(attemptEvents(0)[0]))} and ~${Buffer.byteLength(JSON.stringify(attemptEvents(0)[1]))} bytes); in-process times are warm (sql.js loaded once)` });
  return rows;
}

/** Durable appends, one after another: per event, per batch, and two in flight (group commit). */
async function appends(base: string, row: (c: string, m: Record<string, string | number>) => void): Promise<void> {
  // The bound: the same bytes written and fdatasync'd on a plain file, nothing else.
  const line = Buffer.from(`${JSON.stringify({ ...attemptEvents(0)[0], seq: 1, at: new Date().toISOString() })}\n`);
  const raw = path.join(base, 'raw.ndjson');
  const fd = fs.openSync(raw, 'a');
  const floor: number[] = [];
  for (let i = 0; i < APPENDS; i++) {
    const t0 = performance.now();
    fs.writeSync(fd, line);
    fs.fdatasyncSync(fd);
    floor.push(performance.now() - t0);
  }
  fs.closeSync(fd);
  const floorMs = median(floor);
  row('bound: write + fdatasync of one event on a plain file', { events: APPENDS, median_ms: round(floorMs, 3), p95_ms: round(p95(floor), 3), per_event_ms: round(floorMs, 3) });

  for (const batch of [1, 10, 100]) {
    const root = path.join(base, `append-${batch}`);
    const runId = newRunId();
    const store = await RunStore.create(root, runId, 'bench');
    await store.append([runCreated(runId, APPENDS), { type: 'run-status', status: 'running' }]);
    const times: number[] = [];
    const batches = Math.max(10, Math.floor(APPENDS / batch));
    for (let b = 0; b < batches; b++) {
      const events = Array.from({ length: batch }, (_, k) => attemptEvents(b * batch + k)[k % 2]!);
      times.push(await ms(() => store.append(events)));
    }
    await store.close();
    await store.checkpointsEnded();
    const m = median(times);
    row(`RunStore.append, ${batch === 1 ? 'one event' : `a batch of ${batch} events`} per fsync`, {
      events: batches * batch, median_ms: round(m, 3), p95_ms: round(p95(times), 3), per_event_ms: round(m / batch, 4), vs_bound: round(m / batch / floorMs, 2),
    });
  }

  // What the engine does when two tasks end together: two appends in flight share one fsync.
  const root = path.join(base, 'append-pairs');
  const runId = newRunId();
  const store = await RunStore.create(root, runId, 'bench');
  await store.append([runCreated(runId, APPENDS), { type: 'run-status', status: 'running' }]);
  const before = store.journalCommits;
  const pairs: number[] = [];
  for (let i = 0; i < APPENDS / 2; i++) {
    const [a, b] = attemptEvents(i);
    pairs.push(await ms(() => Promise.all([store.append([a!]), store.append([b!])])));
  }
  const commits = store.journalCommits - before;
  await store.close();
  await store.checkpointsEnded();
  const m = median(pairs);
  row('RunStore.append, two appends in flight (tasks ending together)', { events: APPENDS, median_ms: round(m, 3), per_event_ms: round(m / 2, 4), vs_bound: round(m / 2 / floorMs, 2), note: `${commits} fsyncs for ${APPENDS} events` });
}

/** A finished run of `events` events (half attempt-started, half attempt-ended), without its checkpoint. */
async function makeRun(root: string, events: number): Promise<string> {
  const runId = newRunId();
  const tasks = Math.max(1, Math.floor(events / 2));
  const store = await RunStore.create(root, runId, 'bench');
  await store.append([runCreated(runId, tasks), { type: 'run-status', status: 'running' }]);
  for (let i = 0; i < tasks; i += 500) await store.append(Array.from({ length: Math.min(500, tasks - i) }, (_, k) => attemptEvents(i + k)).flat());
  await store.append([{ type: 'run-status', status: 'success' }]);
  await store.close();
  await store.checkpointsEnded();
  return runId;
}

/** Checkpoint and open costs as the run grows. */
async function sizes(base: string, row: (c: string, m: Record<string, string | number>) => void): Promise<void> {
  // Warm sql.js once, so the in-process rows are the work, not the WASM compile.
  {
    const root = path.join(base, 'warm');
    const id = await makeRun(root, 100);
    await checkpointRun((await readRun(root, id)).paths);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'CAIRN_STORE']) delete env[k];
  for (const events of SIZES) {
    const root = path.join(base, `size-${events}`);
    const runId = await makeRun(root, events);
    const paths = (await readRun(root, runId)).paths;
    const journalBytes = fs.statSync(paths.journal).size;
    const reps = events >= 100_000 ? 3 : 5;

    // Whole: from an empty checkpoint (what the first checkpoint of a long run, or a repair, costs).
    const whole: number[] = [];
    for (let r = 0; r < reps; r++) {
      fs.rmSync(paths.db, { force: true });
      whole.push(await ms(() => checkpointRun(paths)));
    }
    const dbBytes = fs.statSync(paths.db).size;
    // Incremental: 100 more events after an up-to-date checkpoint (what each checkpoint during a run costs).
    const journal = await Journal.open(paths.journal);
    let seq = (await readRun(root, runId)).state.lastSeq;
    const more: number[] = [];
    for (let r = 0; r < reps; r++) {
      await journal.append(Array.from({ length: 50 }, (_, k) => attemptEvents(events + r * 50 + k)).flat().map((e) => ({ ...e, seq: ++seq, at: new Date().toISOString() })));
      more.push(await ms(() => checkpointRun(paths)));
    }
    await journal.close();
    row(`checkpoint, run of ${events.toLocaleString('en')} events`, {
      journal_kb: Math.round(journalBytes / 1024), db_kb: Math.round(dbBytes / 1024), whole_ms: round(median(whole), 1), plus_100_ms: round(median(more), 1),
      per_event_us: round((median(whole) / events) * 1000, 1),
    });
  }
  for (const events of SIZES) {
    const root = path.join(base, `size-${events}`);
    const runId = fs.readdirSync(path.join(root, 'runs'))[0] ?? '';
    const paths = (await readRun(root, runId)).paths;
    const journalBytes = fs.statSync(paths.journal).size;
    const reps = events >= 100_000 ? 3 : 5;
    // A reader: checkpoint + tail (over 1 MB of journal) or the journal folded whole (under).
    const reader: number[] = [];
    for (let r = 0; r < reps; r++) reader.push(await ms(() => readRun(root, runId)));
    // The same, with a tail of 1,000 events past the checkpoint.
    const withTail = path.join(base, `tail-${events}`);
    fs.cpSync(root, withTail, { recursive: true });
    const tailPaths = (await readRun(withTail, runId)).paths;
    const journal = await Journal.open(tailPaths.journal);
    let seq = (await readRun(withTail, runId)).state.lastSeq;
    await journal.append(Array.from({ length: 500 }, (_, k) => attemptEvents(10 * events + k)).flat().map((e) => ({ ...e, seq: ++seq, at: new Date().toISOString() })));
    await journal.close();
    const tailed: number[] = [];
    for (let r = 0; r < reps; r++) tailed.push(await ms(() => readRun(withTail, runId)));
    // A driver (resume) folds the whole journal without sql.js; it takes and frees the run's lock.
    const driver: number[] = [];
    for (let r = 0; r < reps; r++) {
      driver.push(
        await ms(async () => {
          const s = await RunStore.openForWrite(root, runId, 'bench');
          await s.close();
          await s.checkpointsEnded();
        }),
      );
    }
    // `cairn show --json` as a whole process: what the editor's details view and a script pay.
    const show: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      execFileSync(process.execPath, [CLI, 'show', runId, '--json', '--store', root], { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
      show.push(performance.now() - t0);
    }
    fs.rmSync(withTail, { recursive: true, force: true });
    row(`open, run of ${events.toLocaleString('en')} events`, {
      journal_kb: Math.round(journalBytes / 1024), reader_ms: round(median(reader), 1), reader_tail_1000_ms: round(median(tailed), 1), driver_fold_ms: round(median(driver), 1),
      cairn_show_ms: round(median(show), 1), how: journalBytes < 1024 * 1024 ? 'reader folds the journal (< 1 MB)' : 'reader loads the checkpoint + tail',
    });
  }
}
