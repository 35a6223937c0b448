// Runner speed (issues 3 and 7): `cairn run --parallel 2` against GNU make -j2 (stamp files), ninja -j2, doit -n 2,
// snakemake --cores 2 and makeflow -j2 on the same generated DAGs of `true` tasks, plus resume, start-up and
// scale, with the issue's targets marked PASS/MISS. Every process is timed from this process (spawn → exit);
// tools alternate within each round (A B C …, then … C B A) and ratios are medians of per-round pairs, because
// absolute times drift on these machines (PERF-NOTES). Peers missing here are installed with apt-get when the
// bench runs as root, else skipped with a note. Knobs: RUNNER_BENCH_QUICK=1 (one run each, no 10,000-task
// runs), RUNNER_BENCH_N (workload size, default 1000), RUNNER_BENCH_TOOLS (comma list, default all),
// RUNNER_BENCH_WAIT_IDLE (at most this many seconds, default 120, to wait before a timed run for other
// processes to leave the CPUs alone; 4× that over the whole bench).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './bench-row';
import { median } from './measure';
import { chain, failingChain, fan, layers, FIRST_TASK_MARKER, FIX_FLAG, type Dag } from './runner/dag';
import { emit, sinkStamps, type ToolName } from './runner/emit';
import { ensureTools, onPath } from './runner/install';
import { cpuSnap, foreignShare, waitForQuiet } from './runner/cpu-share';
import { rssMethod, timeCommand, type ProcResult, type RssMethod } from './runner/proc';

const ALL_TOOLS: readonly ToolName[] = ['cairn', 'make', 'ninja', 'doit', 'makeflow', 'snakemake'];
const QUICK = process.env.RUNNER_BENCH_QUICK === '1';
const N = Number(process.env.RUNNER_BENCH_N ?? 1000);
const FAIL_AT = Math.round(N * 0.9);
const SCALE = 10 * N;

/** Runs per tool and section. Slow tools get fewer (snakemake's 1→1,000→1 fan alone takes ~30 s). */
const REPS: Record<'startup' | 'workload' | 'resume', Record<ToolName, number>> = QUICK
  ? {
      startup: { cairn: 3, make: 3, ninja: 3, doit: 1, makeflow: 1, snakemake: 1 },
      workload: { cairn: 1, make: 1, ninja: 1, doit: 1, makeflow: 1, snakemake: 1 },
      resume: { cairn: 1, make: 1, ninja: 1, doit: 1, makeflow: 1, snakemake: 1 },
    }
  : {
      startup: { cairn: 11, make: 11, ninja: 11, doit: 5, makeflow: 3, snakemake: 3 },
      workload: { cairn: 5, make: 5, ninja: 5, doit: 3, makeflow: 3, snakemake: 1 },
      resume: { cairn: 5, make: 5, ninja: 5, doit: 3, makeflow: 3, snakemake: 2 },
    };
const SCALE_REPS = QUICK ? 0 : 1;

const here = dirname(fileURLToPath(import.meta.url));
const REPO = join(here, '..');

/**
 * Copies bin/ and dist/ (node_modules linked) into the bench's temp dir and runs Cairn from there, so a rebuild
 * in the work tree while the bench runs (it takes minutes) cannot mix two versions in one table.
 */
function snapshotBuild(base: string): { cairnBin: string; build: string } {
  const dir = join(base, 'cairn-build');
  mkdirSync(dir);
  cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  let build = 'unknown commit';
  try {
    const git = (args: string[]): string => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changed = git(['status', '--porcelain', '--untracked-files=no', '--', 'runner', 'esbuild.mjs', 'package.json']);
    build = `${git(['rev-parse', '--short', 'HEAD'])}${changed ? ' + uncommitted changes in runner/' : ''}, dist built ${statSync(join(REPO, 'dist', 'cli.js')).mtime.toISOString()}`;
  } catch {
    /* not a git checkout */
  }
  return { cairnBin: join(dir, 'bin', 'cairn.js'), build };
}

const log = (s: string): void => {
  process.stderr.write(`[runner bench] ${s}\n`);
};
const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const mb = (kb: number | undefined): number | string => (kb === undefined ? 'n/a' : round1(kb / 1024));

interface Sample {
  readonly round: number;
  readonly res: ProcResult;
  /** Cairn: ms from spawn to the first attempt-started event of this invocation. */
  readonly firstTaskMs?: number;
  /** Resume: ms from spawn to the failing task's marker (date +%s%N written once it passes). */
  readonly markerMs?: number;
  /** Cairn: mean ms per attempt in each phase, from its own events (see phasesOf). */
  readonly phases?: Phases;
  /** Only in the code-cache pairs: the cached run timed beside this one. */
  readonly cachedMs?: number;
}

interface Ctx {
  readonly base: string;
  readonly env: NodeJS.ProcessEnv;
  /** NODE_EXTRA_CA_CERTS as the bench found it: left out of the timed runs (see run()). */
  readonly caCerts: string | undefined;
  readonly rss: RssMethod;
  readonly tools: ToolName[];
  readonly notes: string[];
  readonly failures: Map<string, string>;
  /** bin/cairn.js of the snapshot of the build taken at the start (see snapshotBuild). */
  readonly cairnBin: string;
  /** The commit (and whether the work tree had changes) the snapshot was built from. */
  readonly build: string;
  /** Per section: the share of the CPUs that other processes used while it ran. */
  readonly contention: [string, number | undefined][];
  /** Wall time of the current section's timed runs, and that time × the CPU share other processes took. */
  readonly timed: { wallMs: number; foreignMs: number };
  /** Time spent waiting for a quiet machine (only waits over 1 s count). */
  readonly waitedMs: { total: number; busyStarts: number };
  /** Runs thrown away because the machine was busy, by section/tool. */
  readonly retried: string[];
}

/** Closes a section for the contention note: the CPU share other processes took during its timed runs only. */
function section(ctx: Ctx, name: string): void {
  const t = ctx.timed;
  ctx.contention.push([name, t.wallMs > 0 ? t.foreignMs / t.wallMs : undefined]);
  t.wallMs = 0;
  t.foreignMs = 0;
}

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(join(REPO, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm run bench does)');
  const wantTools = (process.env.RUNNER_BENCH_TOOLS ?? ALL_TOOLS.join(',')).split(',').map((s) => s.trim()) as ToolName[];
  const notes: string[] = [];
  notes.push(...ensureTools(wantTools).notes);
  const tools = ALL_TOOLS.filter((t) => wantTools.includes(t) && (t === 'cairn' || onPath(t)));
  for (const t of wantTools) if (!tools.includes(t)) notes.push(`${t}: not available — SKIPPED`);
  const base = mkdtempSync(join(tmpdir(), 'cairn-runner-bench-'));
  const env: NodeJS.ProcessEnv = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'CAIRN_STORE', 'NODE_OPTIONS', 'CAIRN_CODE_CACHE']) delete env[k];
  // A CA bundle in NODE_EXTRA_CA_CERTS (corporate machines, this sandbox) makes every Node process read and
  // parse it as it boots: ~45 ms here, on a Node that otherwise starts in ~30 ms. It says nothing about Cairn
  // and most machines do not set it, so no timed run has it; the start-up rows show what it costs.
  const caCerts = env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_EXTRA_CA_CERTS;
  // Cairn's V8 code cache (runner/cli/code-cache.ts): the bench's own, written by its first run of each command.
  env.XDG_CACHE_HOME = join(base, '.cache');
  const { cairnBin, build } = snapshotBuild(base);
  notes.push(`load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const ctx: Ctx = { base, env, caCerts, rss: rssMethod(), tools, notes, failures: new Map(), contention: [], retried: [], waitedMs: { total: 0, busyStarts: 0 }, timed: { wallMs: 0, foreignMs: 0 }, cairnBin, build };
  const rows: BenchRow[] = [];
  try {
    await benchAll(ctx, rows);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  printNotes(ctx, base);
  return rows;
}

async function benchAll(ctx: Ctx, rows: BenchRow[]): Promise<void> {
  // ── start-up ─────────────────────────────────────────────────────────────────────────────────────────────
  const floor = await repeat(ctx, 'floor', REPS.startup.cairn, async (r) => ({ round: r, res: (await timedWithShare(ctx, mkRunDir(ctx, `floor-${r}`), ['true'])).res }));
  rows.push(row('harness floor: `true` via this harness', { tool: '-', runs: floor.length, median_ms: round1(med(floor)) }));
  const bootNode = (label: string, env: NodeJS.ProcessEnv): Promise<Sample[]> =>
    repeat(ctx, label, REPS.startup.cairn, async (r) => ({ round: r, res: (await timedWithShare(ctx, mkRunDir(ctx, `node-${r}`), [process.execPath, '-e', '0'], undefined, env)).res }));
  const node = await bootNode('node -e 0', ctx.env);
  rows.push(row('start-up: node -e 0 (Node itself)', { tool: '-', runs: node.length, median_ms: round1(med(node)) }));
  if (ctx.caCerts !== undefined) {
    const withCa = await bootNode('node -e 0 with NODE_EXTRA_CA_CERTS', { ...ctx.env, NODE_EXTRA_CA_CERTS: ctx.caCerts });
    rows.push(row('start-up: node -e 0 with this machine\'s NODE_EXTRA_CA_CERTS (left out of every other row)', { tool: '-', runs: withCa.length, median_ms: round1(med(withCa)) }));
  }
  const version = await repeat(ctx, 'cairn --version', REPS.startup.cairn, async (r) => ({
    round: r,
    res: (await timedWithShare(ctx, mkRunDir(ctx, `version-${r}`), [process.execPath, ctx.cairnBin, '--version'])).res,
  }));
  rows.push(row('start-up: cairn --version', { tool: 'cairn', runs: version.length, median_ms: round1(med(version)), rss_mb: mb(maxRss(version)) }));

  const oneTask = chain(1);
  const startup = await rounds(ctx, 'one-task', oneTask, REPS.startup);
  const startupMs = new Map<ToolName, number>();
  for (const t of ctx.tools) {
    const s = startup.get(t) ?? [];
    if (s.length === 0) continue;
    startupMs.set(t, med(s));
    rows.push(row('start-up: run a one-task workflow', { tool: t, runs: s.length, median_ms: round1(med(s)),
      ...(t === 'cairn' ? { first_task_ms: round1(median(s.map((x) => x.firstTaskMs ?? NaN))) } : {}),
      vs_make: pairRatio(s, startup.get('make')), rss_mb: mb(maxRss(s)),
    }));
  }

  // What the first run after an install or upgrade pays: no V8 code cache yet (each later run has one). Timed in
  // pairs with a cached run, alternating which goes first, since the machine drifts more than the difference.
  const coldEnv = { ...ctx.env, CAIRN_CODE_CACHE: 'off' };
  const pairs = await repeat(ctx, 'one-task, no code cache', REPS.startup.cairn, async (r) => {
    const once = async (env: NodeJS.ProcessEnv): Promise<ProcResult> => {
      const dir = mkRunDir(ctx, `cache-${r}`);
      return (await timedWithShare(ctx, dir, emit('cairn', oneTask, dir, ctx.cairnBin), undefined, env)).res;
    };
    const cachedFirst = r % 2 === 1 ? await once(ctx.env) : undefined;
    const cold = await once(coldEnv);
    const cached = cachedFirst ?? (await once(ctx.env));
    return { round: r, res: cold, cachedMs: cached.wallMs };
  });
  rows.push(row('start-up: run a one-task workflow, first run after an install (no code cache)', {
    tool: 'cairn', runs: pairs.length, median_ms: round1(med(pairs)),
    note: `the code cache saves ${round1(median(pairs.map((p) => p.res.wallMs - (p.cachedMs ?? NaN))))} ms (median of pairs with a cached run, order alternating)`,
  }));

  section(ctx, 'start-up');
  // ── workloads ────────────────────────────────────────────────────────────────────────────────────────────
  const workloads: { key: string; dag: Dag }[] = [
    { key: 'chain', dag: chain(N) },
    { key: 'fan', dag: fan(N) },
    { key: 'layers', dag: layers(10, N / 10, 3) },
  ];
  const results = new Map<string, Map<ToolName, Sample[]>>();
  for (const w of workloads) {
    const byTool = await rounds(ctx, w.key, w.dag, REPS.workload);
    results.set(w.key, byTool);
    const n = w.dag.ids.length;
    const cairn = byTool.get('cairn');
    for (const t of ctx.tools) {
      const s = byTool.get(t) ?? [];
      if (s.length === 0) {
        rows.push(row(`${w.dag.name} (${n} tasks)`, { tool: t, runs: 0, note: ctx.failures.get(`${w.key}/${t}`) ?? 'no result' }));
        continue;
      }
      rows.push(row(`${w.dag.name} (${n} tasks)`, { tool: t, runs: s.length, median_ms: round1(med(s)),
        per_task_ms: round3((med(s) - (startupMs.get(t) ?? 0)) / n),
        vs_make: pairRatio(s, byTool.get('make')), cairn_vs: t === 'cairn' ? '' : pairRatio(cairn, s), rss_mb: mb(maxRss(s)),
      }));
    }
  }

  section(ctx, 'workloads');
  for (const w of workloads) {
    const ph = (results.get(w.key)?.get('cairn') ?? []).map((x) => x.phases).filter((x): x is Phases => x !== undefined);
    if (ph.length === 0) continue;
    const m = (f: (p: Phases) => number): string => median(ph.map(f)).toFixed(2);
    rows.push(row(`${w.dag.name}: cairn per attempt, from its events`, {
      tool: 'cairn', runs: ph.length,
      note: `start event stamped → task process started + ended: ${m((p) => p.startToEnd)} ms, of which executeTask ${m((p) => p.exec)} ms; ${w.key === 'chain' ? `end event stamped → next start event stamped (fsync, schedule, prepare) ${m((p) => p.endToNextStart)} ms; ` : ''}attempts started per second ${m((p) => p.startsPerSecond)}`,
    }));
  }

  // ── resume ───────────────────────────────────────────────────────────────────────────────────────────────
  const resume = await resumeRounds(ctx);
  for (const t of ctx.tools) {
    const s = resume.get(t) ?? [];
    const name = `resume: chain ${N} failed at ${FAIL_AT}, fixed, re-invoked`;
    if (s.length === 0) {
      rows.push(row(name, { tool: t, runs: 0, note: ctx.failures.get(`resume/${t}`) ?? 'no result' }));
      continue;
    }
    rows.push(row(name, { tool: t, runs: s.length, median_ms: round1(med(s)),
      first_task_ms: round1(median(s.map((x) => x.firstTaskMs ?? x.markerMs ?? NaN))),
      marker_ms: round1(median(s.map((x) => x.markerMs ?? NaN))),
      vs_make: pairRatio(s, resume.get('make')), cairn_vs: t === 'cairn' ? '' : pairRatio(resume.get('cairn'), s), rss_mb: mb(maxRss(s)),
    }));
  }

  section(ctx, 'resume');
  // ── scale ────────────────────────────────────────────────────────────────────────────────────────────────
  const scale: { key: string; small: string; dag: Dag }[] = [
    { key: 'chain', small: 'chain', dag: chain(SCALE) },
    { key: 'layers', small: 'layers', dag: layers(SCALE / 100, 100, 3) },
  ];
  const scaleRss: number[] = [];
  const growth = new Map<string, number>();
  if (ctx.tools.includes('cairn') && SCALE_REPS > 0) {
    for (const w of scale) {
      const s = (await rounds(ctx, `scale-${w.key}`, w.dag, { cairn: SCALE_REPS, make: 0, ninja: 0, doit: 0, makeflow: 0, snakemake: 0 }, 600_000)).get('cairn') ?? [];
      const small = results.get(w.small)?.get('cairn') ?? [];
      if (s.length === 0) {
        rows.push(row(`scale: ${w.dag.name} (${w.dag.ids.length} tasks)`, { tool: 'cairn', runs: 0, note: ctx.failures.get(`scale-${w.key}/cairn`) ?? 'no result' }));
        continue;
      }
      const g = med(s) / med(small);
      growth.set(w.key, g);
      const rss = maxRss(s);
      if (rss !== undefined) scaleRss.push(rss);
      rows.push(row(`scale: ${w.dag.name} (${w.dag.ids.length} tasks)`, { tool: 'cairn', runs: s.length, median_ms: round1(med(s)),
        per_task_ms: round3((med(s) - (startupMs.get('cairn') ?? 0)) / w.dag.ids.length), rss_mb: mb(rss),
        growth: `${round1(g)}× wall, ${round1((rss ?? NaN) / (maxRss(small) ?? NaN))}× RSS vs ${small[0] ? 'the 1,000 row' : '?'}`,
      }));
    }
  }

  section(ctx, 'scale');
  // ── targets ──────────────────────────────────────────────────────────────────────────────────────────────
  const target = (what: string, measured: string, goal: string, pass: boolean | undefined): void => {
    rows.push(row(`TARGET ${what}`, { tool: 'cairn', measured, target: goal, verdict: pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS' }));
  };
  const overheadRatio = (key: string, peer: ToolName): number => {
    const byTool = results.get(key);
    const c = byTool?.get('cairn') ?? [];
    const p = byTool?.get(peer) ?? [];
    const cs = startupMs.get('cairn') ?? 0;
    const ps = startupMs.get(peer) ?? 0;
    const ratios = c.flatMap((a) => {
      const b = p.find((x) => x.round === a.round);
      return b ? [(a.res.wallMs - cs) / (b.res.wallMs - ps)] : [];
    });
    return ratios.length > 0 ? median(ratios) : NaN;
  };
  const chainVsMake = overheadRatio('chain', 'make');
  target('chain: per-task overhead vs make -j2', fmt(chainVsMake, '×'), '≤ 1.5×', ok(chainVsMake, (x) => x <= 1.5));
  const fanVsNinja = overheadRatio('fan', 'ninja');
  target('fan: per-task overhead vs ninja -j2', fmt(fanVsNinja, '×'), '≤ 2×', ok(fanVsNinja, (x) => x <= 2));
  for (const [key, need] of [['chain', 2], ['fan', 10], ['layers', 1]] as const) {
    const byTool = results.get(key);
    const speedup = pairRatioNum(byTool?.get('snakemake'), byTool?.get('cairn'));
    target(`${key}: ahead of snakemake (snakemake ÷ cairn wall)`, fmt(speedup, '×'), need > 1 ? `≥ ${need}×` : '> 1×', ok(speedup, (x) => (need > 1 ? x >= need : x > 1)));
  }
  // The decision is what a resume does before its first task that a run does not: fold the journal, build and
  // check the workflow's model again (from its cached parse), plan, record resume-started. So it is measured as
  // the resume's time to its first task less a one-task run's (Node's boot, the bundle, a store, one fsync'd
  // event: what the start-up target covers). The whole time from process start is shown beside it.
  const decide = median((resume.get('cairn') ?? []).map((x) => x.firstTaskMs ?? NaN));
  const baseFirst = median((startup.get('cairn') ?? []).map((x) => x.firstTaskMs ?? NaN));
  target(`resume decision, ${N} tasks: time to first task less a one-task run's (${fmt(baseFirst, ' ms', 1)})`, fmt(decide - baseFirst, ' ms', 1), '< 50 ms', ok(decide - baseFirst, (x) => x < 50));
  target(`resume, ${N} tasks: process start → first attempt-started (info)`, fmt(decide, ' ms', 1), '', undefined);
  const start = startupMs.get('cairn') ?? NaN;
  target('start-up: one-task `cairn run`, wall', fmt(start, ' ms', 1), '< 100 ms', ok(start, (x) => x < 100));
  const ver = med(version);
  target('start-up: `cairn --version`, wall', fmt(ver, ' ms', 1), '< 100 ms', ok(ver, (x) => x < 100));
  const peak = scaleRss.length > 0 ? Math.max(...scaleRss) / 1024 : NaN;
  target(`memory: peak RSS of a ${SCALE}-task run (max of chain, layers)`, Number.isNaN(peak) ? 'not run' : `${round1(peak)} MB`, '< 150 MB', ok(peak, (x) => x < 150));
  for (const [key, g] of growth) target(`scale: ${key} ${N} → ${SCALE} wall growth (linear = 10×)`, fmt(g, '×', 1), '≈ 10× (info; ≤ 12× counted linear)', g <= 12);
}

const COLUMNS = ['tool', 'runs', 'median_ms', 'per_task_ms', 'first_task_ms', 'marker_ms', 'vs_make', 'cairn_vs', 'rss_mb', 'growth', 'measured', 'target', 'verdict', 'note'];
/** A row with every column present (undefined prints empty), so the table's columns keep this order. */
function row(caseName: string, cells: Record<string, string | number | undefined>): BenchRow {
  const out: Record<string, string | number | undefined> = { bench: 'runner', case: caseName };
  for (const c of COLUMNS) out[c] = cells[c];
  return out as BenchRow;
}

const fmt = (x: number, unit: string, digits = 2): string => (Number.isFinite(x) ? `${x.toFixed(digits)}${unit}` : 'not measured');
const ok = (x: number, pred: (x: number) => boolean): boolean | undefined => (Number.isFinite(x) ? pred(x) : undefined);
const med = (s: readonly Sample[]): number => median(s.map((x) => x.res.wallMs));
const maxRss = (s: readonly Sample[]): number | undefined => {
  const xs = s.map((x) => x.res.peakRssKb).filter((x): x is number => x !== undefined);
  return xs.length > 0 ? Math.max(...xs) : undefined;
};

/** Median over rounds of a.wall / b.wall, pairing samples of the same round. */
function pairRatioNum(a: readonly Sample[] | undefined, b: readonly Sample[] | undefined): number {
  const ratios = (a ?? []).flatMap((x) => {
    const y = (b ?? []).find((z) => z.round === x.round);
    return y ? [x.res.wallMs / y.res.wallMs] : [];
  });
  return ratios.length > 0 ? median(ratios) : NaN;
}
const pairRatio = (a: readonly Sample[] | undefined, b: readonly Sample[] | undefined): number | string => {
  const r = pairRatioNum(a, b);
  return Number.isFinite(r) ? round2(r) : '';
};

let dirCounter = 0;
function mkRunDir(ctx: Ctx, label: string): string {
  const dir = join(ctx.base, `${String(++dirCounter).padStart(4, '0')}-${label}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function timeIn(ctx: Ctx, dir: string, argv: readonly string[], timeoutMs: number = 180_000, env: NodeJS.ProcessEnv = ctx.env): Promise<ProcResult> {
  return timeCommand(argv, { cwd: dir, env, logFile: join(dir, '.bench.log'), timeoutMs, rss: ctx.rss });
}

async function repeat(ctx: Ctx, label: string, reps: number, once: (r: number) => Promise<Sample>): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let r = 0; r < reps; r++) out.push(await once(r));
  log(`${label}: ${reps} runs, median ${med(out).toFixed(1)} ms`);
  return out;
}

/**
 * Before each timed run: waits for a quiet machine (under QUIET_SHARE), for at most QUIET_WAIT_MS per run and
 * QUIET_BUDGET_MS over the whole bench, so that a busy machine slows the bench down by a bounded amount.
 */
async function quiet(ctx: Ctx): Promise<void> {
  const maxWaitMs = Math.min(QUIET_WAIT_MS, QUIET_BUDGET_MS - ctx.waitedMs.total);
  const { quiet: calm, waitedMs } = await waitForQuiet({ underShare: QUIET_SHARE, maxWaitMs, log });
  if (!calm) ctx.waitedMs.busyStarts++;
  if (waitedMs > 1000) ctx.waitedMs.total += waitedMs;
}
const QUIET_SHARE = 0.15;
const QUIET_WAIT_MS = Number(process.env.RUNNER_BENCH_WAIT_IDLE ?? 120) * 1000;
const QUIET_BUDGET_MS = 4 * QUIET_WAIT_MS;

type Attempt = { sample: Sample; foreign: number | undefined } | { problem: string };

/**
 * Runs `once` for every tool and round (tools alternate: A B C …, then … C B A). A run during which other
 * processes used more than CONTAMINATED of the CPUs is thrown away and run again (at most RETRIES times), in a
 * fresh folder; a failed run drops the tool from that section with the reason in the notes.
 */
async function roundsOf(ctx: Ctx, key: string, reps: Record<ToolName, number>, once: (t: ToolName, r: number, dir: string) => Promise<Attempt>): Promise<Map<ToolName, Sample[]>> {
  const byTool = new Map<ToolName, Sample[]>(ctx.tools.map((t) => [t, []]));
  const maxReps = Math.max(...ctx.tools.map((t) => reps[t]));
  const broken = new Set<ToolName>();
  for (let r = 0; r < maxReps; r++) {
    const order = ctx.tools.filter((t) => reps[t] > r && !broken.has(t));
    if (r % 2 === 1) order.reverse();
    for (const t of order) {
      for (let attempt = 0; ; attempt++) {
        const dir = mkRunDir(ctx, `${key}-${t}-${r}`);
        const result = await once(t, r, dir);
        rmSync(dir, { recursive: true, force: true });
        if ('problem' in result) {
          broken.add(t);
          ctx.failures.set(`${key}/${t}`, `FAILED (${result.problem})`);
          log(`${key} ${t} round ${r + 1}: FAILED ${result.problem}`);
          break;
        }
        const { sample, foreign } = result;
        const busy = foreign !== undefined && foreign > CONTAMINATED && sample.res.wallMs >= 300;
        log(`${key} ${t} round ${r + 1}/${reps[t]}: ${sample.res.wallMs.toFixed(0)} ms, rss ${mb(sample.res.peakRssKb)} MB${sample.firstTaskMs !== undefined ? `, first task after ${sample.firstTaskMs.toFixed(1)} ms` : ''}${busy ? ` — other processes used ${((foreign ?? 0) * 100).toFixed(0)}% of the CPUs: ${attempt < RETRIES ? 'run again' : 'kept, no retries left'}` : ''}`);
        if (busy) ctx.retried.push(`${key}/${t}`);
        if (busy && attempt < RETRIES) continue;
        byTool.get(t)?.push(sample);
        break;
      }
    }
  }
  for (const t of broken) byTool.set(t, []);
  return byTool;
}

const CONTAMINATED = 0.25;
const RETRIES = 2;

/** Times one timed command, with the share of the CPUs other processes used meanwhile. */
async function timedWithShare(ctx: Ctx, dir: string, argv: readonly string[], timeoutMs?: number, env?: NodeJS.ProcessEnv): Promise<{ res: ProcResult; foreign: number | undefined }> {
  await quiet(ctx);
  const before = cpuSnap();
  const res = await timeIn(ctx, dir, argv, timeoutMs, env);
  const foreign = foreignShare(before, cpuSnap());
  if (foreign !== undefined) {
    ctx.timed.wallMs += res.wallMs;
    ctx.timed.foreignMs += res.wallMs * foreign;
  }
  return { res, foreign };
}

/** Runs `dag` with every tool, `reps[tool]` rounds. */
function rounds(ctx: Ctx, key: string, dag: Dag, reps: Record<ToolName, number>, timeoutMs = 180_000): Promise<Map<ToolName, Sample[]>> {
  return roundsOf(ctx, key, reps, async (t, r, dir) => {
    const argv = emit(t, dag, dir, ctx.cairnBin);
    const { res, foreign } = await timedWithShare(ctx, dir, argv, timeoutMs);
    if (res.timedOut) return { problem: `timed out after ${timeoutMs / 1000} s` };
    if (res.exitCode !== 0) return { problem: `exit ${res.exitCode}: ${tail(join(dir, '.bench.log'))}` };
    if (t !== 'cairn' && !sinkStamps(dag).every((f) => existsSync(join(dir, f)))) return { problem: `exit 0 but not every task ran: ${tail(join(dir, '.bench.log'))}` };
    const cairnExtras = t === 'cairn' ? { firstTaskMs: firstAttemptMs(dir, 0, res.spawnedAtMs), ...optional('phases', phasesOf(dir)) } : {};
    return { sample: { round: r, res, ...cairnExtras }, foreign };
  });
}

/**
 * For each tool and round: run the failing chain (untimed; must fail at FAIL_AT), create the fix flag, then time
 * the re-invocation — `cairn resume <id>` for Cairn, the same command again for peers (stamps/logs skip the
 * finished tasks). "First task" = spawn → the fixed task's marker (all tools); for Cairn also spawn → its first
 * attempt-started event of resume 1.
 */
function resumeRounds(ctx: Ctx): Promise<Map<ToolName, Sample[]>> {
  const dag = failingChain(N, FAIL_AT);
  return roundsOf(ctx, 'resume', REPS.resume, async (t, r, dir) => {
    const argv = emit(t, dag, dir, ctx.cairnBin);
    const failed = await timeIn(ctx, dir, argv);
    if (failed.timedOut) return { problem: 'the failing run timed out' };
    const stopped = t === 'cairn' ? failed.exitCode === 1 : !existsSync(join(dir, `${dag.ids[FAIL_AT - 1]}.stamp`)) && existsSync(join(dir, `${dag.ids[FAIL_AT - 2]}.stamp`));
    if (!stopped) return { problem: `the failing run did not stop at task ${FAIL_AT} (exit ${failed.exitCode}): ${tail(join(dir, '.bench.log'))}` };
    writeFileSync(join(dir, FIX_FLAG), '');
    const runId = t === 'cairn' ? (readdirSync(join(dir, '.cairn', 'runs'))[0] ?? '') : '';
    const again = t === 'cairn' ? [process.execPath, ctx.cairnBin, 'resume', runId] : argv;
    const { res, foreign } = await timedWithShare(ctx, dir, again);
    if (res.timedOut || res.exitCode !== 0) return { problem: `the re-invocation failed (exit ${res.exitCode}): ${tail(join(dir, '.bench.log'))}` };
    if (t !== 'cairn' && !sinkStamps(dag).every((f) => existsSync(join(dir, f)))) return { problem: 'the re-invocation did not finish the chain' };
    const markerMs = readMarkerMs(join(dir, FIRST_TASK_MARKER), res.spawnedAtMs);
    return { sample: { round: r, res, ...(markerMs !== undefined ? { markerMs } : {}), ...(t === 'cairn' ? { firstTaskMs: firstAttemptMs(dir, 1, res.spawnedAtMs) } : {}) }, foreign };
  });
}

interface Phases {
  /** Mean ms from an attempt-started event's stamp to its attempt-ended event's stamp. */
  readonly startToEnd: number;
  /** Mean executeTask duration (the attempt-ended event's durationMs: open files, spawn, wait, drain, close). */
  readonly exec: number;
  /** Mean ms from an attempt-ended stamp to the next attempt-started stamp (meaningful on a chain). */
  readonly endToNextStart: number;
  readonly startsPerSecond: number;
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [k in K]: V }));

/**
 * Where Cairn's time per attempt goes, from the events of the (only) run in `dir`. Events are stamped when they
 * are handed to the journal (before their fsync), with ms resolution; means over 1,000 attempts smooth that out.
 */
function phasesOf(dir: string): Phases | undefined {
  try {
    const runs = join(dir, '.cairn', 'runs');
    const id = readdirSync(runs)[0] ?? '';
    const events = readFileSync(join(runs, id, 'events.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"attempt-'))
      .map((l) => JSON.parse(l) as { type: string; task: string; at: string; durationMs?: number });
    const started = new Map<string, number>();
    let startToEnd = 0;
    let exec = 0;
    let ended = 0;
    let gap = 0;
    let gaps = 0;
    let lastEnd: number | undefined;
    const starts: number[] = [];
    for (const e of events) {
      const at = Date.parse(e.at);
      if (e.type === 'attempt-started') {
        started.set(e.task, at);
        starts.push(at);
        if (lastEnd !== undefined) {
          gap += at - lastEnd;
          gaps++;
          lastEnd = undefined;
        }
      } else if (e.type === 'attempt-ended') {
        startToEnd += at - (started.get(e.task) ?? at);
        exec += e.durationMs ?? 0;
        ended++;
        lastEnd = at;
      }
    }
    if (ended === 0) return undefined;
    const span = (starts[starts.length - 1] ?? 0) - (starts[0] ?? 0);
    return { startToEnd: startToEnd / ended, exec: exec / ended, endToNextStart: gaps > 0 ? gap / gaps : NaN, startsPerSecond: span > 0 ? ((starts.length - 1) * 1000) / span : NaN };
  } catch {
    return undefined;
  }
}

/** ms from spawn to the first attempt-started event with this resume number (events carry ms-truncated ISO times). */
function firstAttemptMs(dir: string, resume: number, spawnedAtMs: number): number | undefined {
  const runs = join(dir, '.cairn', 'runs');
  if (!existsSync(runs)) return undefined;
  for (const id of readdirSync(runs)) {
    const text = readFileSync(join(runs, id, 'events.ndjson'), 'utf8');
    for (const line of text.split('\n')) {
      if (!line.includes('"attempt-started"')) continue;
      const e = JSON.parse(line) as { type: string; resume?: number; at?: string };
      if (e.type === 'attempt-started' && (e.resume ?? 0) === resume && e.at) return Date.parse(e.at) - spawnedAtMs;
    }
  }
  return undefined;
}

function readMarkerMs(file: string, spawnedAtMs: number): number | undefined {
  try {
    const ns = BigInt(readFileSync(file, 'utf8').trim());
    return Number(ns / 1000n) / 1000 - spawnedAtMs;
  } catch {
    return undefined;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ').slice(0, 300);
  } catch {
    return '(no output)';
  }
}

function countEach(xs: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ');
}

function printNotes(ctx: Ctx, base: string): void {
  let fs = '?';
  try {
    fs = (execFileSync('df', ['--output=fstype', dirname(base)], { encoding: 'utf8' }).trim().split('\n')[1] ?? '?').trim();
  } catch {
    /* unknown */
  }
  const reps = (section: 'startup' | 'workload' | 'resume'): string => ctx.tools.map((t) => `${t} ${REPS[section][t]}`).join(', ');
  const lines = [
    '',
    `Runner bench notes — Cairn ${ctx.build} (run from a copy taken at the start); (${QUICK ? 'QUICK mode' : 'full'}; N = ${N}; run dirs in ${dirname(base)} on ${fs}; ${ctx.rss === 'gnu-time' ? 'peak RSS = GNU time ru_maxrss (largest single process)' : ctx.rss === 'proc-sampling' ? 'peak RSS = max VmHWM of the process tree, sampled every 20 ms' : 'peak RSS not measurable'})`,
    `- runs per tool: start-up ${reps('startup')}; workloads ${reps('workload')}; resume ${reps('resume')}; scale cairn ${SCALE_REPS}.`,
    '- tools alternate within each round (A B C …, then … C B A); vs_make = tool ÷ make wall and cairn_vs = cairn ÷ tool wall are medians of same-round pairs.',
    '- per_task_ms = (median wall − the tool\'s one-task start-up median) ÷ tasks; the overhead targets use the same formula, paired per round.',
    `- peers: make/makeflow write a stamp per task (\`true && touch tNNNNN.stamp\`), ninja the same via one rule, doit one sub-task per task (file_dep on the stamps, run_once on sources, -n 2 processes), snakemake one rule per task (recursion limit raised); cairn runs \`true\` with --parallel 2 and its own store in the run dir.`,
    `- resume: task ${FAIL_AT} is \`test -e ${FIX_FLAG} && date +%s%N > ${FIRST_TASK_MARKER}\`; the failing run is untimed; median_ms is the timed re-invocation (cairn resume <id>; peers re-run the same command).`,
    '  first_task_ms = spawn → first attempt-started event of resume 1 (cairn; events carry ms-truncated times) or → the marker (peers); marker_ms = spawn → marker for every tool (includes the shell + `date` exec, ~1–3 ms).',
    '- the harness floor is the cost of timing a no-op here (spawn from this Node process + GNU time): it is inside every figure.',
    `- other processes' share of the ${cpus().length} CPUs during each section's timed runs (should be ~0; figures taken on a busy machine are inflated): ${ctx.contention.map(([k, v]) => `${k} ${v === undefined ? '?' : `${(v * 100).toFixed(0)}%`}`).join(', ')}`,
    ...ctx.contention.filter(([, v]) => (v ?? 0) > 0.1).map(([k, v]) => `- WARNING: the machine was busy during ${k} (${((v ?? 0) * 100).toFixed(0)}% of the CPUs used by other processes): its figures are not trustworthy`),
    ...(ctx.waitedMs.total > 0 ? [`- waited ${(ctx.waitedMs.total / 1000).toFixed(0)} s in all for other processes to leave the CPUs alone before timed runs`] : []),
    ...(ctx.waitedMs.busyStarts > 0 ? [`- WARNING: ${ctx.waitedMs.busyStarts} timed runs started on a busy machine after the wait limit`] : []),
    ...(ctx.retried.length > 0 ? [`- runs repeated because other processes used > ${CONTAMINATED * 100}% of the CPUs meanwhile (max ${RETRIES} repeats): ${countEach(ctx.retried)}`] : []),
    ...ctx.notes.map((n) => `- ${n}`),
    ...[...ctx.failures].map(([k, v]) => `- ${k}: ${v}`),
  ];
  console.log(lines.join('\n'));
}
