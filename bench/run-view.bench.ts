// The run view in Chromium (the built bundle, bench/run-view/page.ts), against the two targets:
//  1. First paint of a finished 500-task run < 1 s: from posting `init` with all its events (the timestamp is
//     taken in the page just before `window.postMessage`) to the first animation frame after the view drew the
//     last event (`document.body.dataset.seq`). Median of fresh pages; 2,000 tasks once, for scale, under a cap.
//     Split: the message's delivery and check, the frame's script (fold + layout + SVG built), the browser's
//     style/layout/paint after it. A 500-task run is painted in columns first and placed by dagre in a worker
//     (webview/background-layout.ts): 'final placement' is when dagre's placement replaced the columns, and
//     'dagre alone' is dagre's `placeGraph` timed on the page's own thread after it (cold).
//  2. Keeps up with 200 task events/s: a 500-task run is opened with nothing but run-created + running, then its
//     events are posted from inside the page on a fixed schedule (10 every 50 ms: the run, then a re-run of its
//     first task and downstream; at most 2,000 events, about 10 s). At the end every node must show what the
//     view's own model says for the events sent (status class and label: nothing dropped) and `dataset.seq` the
//     last seq. Measured: frames/s while streaming (rAF callbacks), the longest frame, long tasks, per drawing
//     frame the view's script and the browser's rendering after it, and lag: a batch posted → the frame that drew
//     it rendered. PASS: nothing dropped and no batch waited more than 250 ms. The same events at 1,000/s once.
// The graph is layout.bench.ts's seeded random DAG (each task depends on 0–3 earlier tasks), so the layout
// figures compare. Knobs: RUN_VIEW_BENCH_CAP_S (default 45: the 2,000-task first paint is given up after it),
// RUN_VIEW_BENCH_SCREENSHOT (a path: a screenshot of the 500-task view after its first paint).
import * as path from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import type { NewRunEvent, RunEvent, TaskShape } from '../runner/engine/events';
import { Rng } from '../runner/testing/prng';
import type { ToView } from '../webview/run-view-messages';
import { newRunView, nodeFace, receive } from '../webview/run-view-model';
import type { BenchRow } from './bench-row';
import { randomDag, type LayoutDag } from './layout.bench';
import { median } from './measure';
import { launchChromium, openRunViewPage } from './run-view/page';
import { ensureBinaries } from './runner/install';

const BENCH = 'run view';
const PAINT_TARGET_MS = 1000;
const PAINT_SAMPLES = 5;
const CAP_MS = Number(process.env.RUN_VIEW_BENCH_CAP_S ?? 45) * 1000;
const SCREENSHOT = process.env.RUN_VIEW_BENCH_SCREENSHOT;
const STREAM_EVENTS = 2000;
const BATCH_INTERVAL_MS = 50;
const MAX_LAG_MS = 250;
const RUN = { store: '/work/project/.cairn', runId: '01BENCHRUNVIEW0000000000' };

// ── a run's events ────────────────────────────────────────────────────────────────────────────────────────────

/** Numbers and stamps events as the store does. */
class Journal {
  readonly events: RunEvent[] = [];
  private seq = 0;
  constructor(private readonly t0: number) {}
  add(e: NewRunEvent, ms: number): void {
    this.events.push({ ...e, seq: ++this.seq, at: new Date(this.t0 + ms).toISOString() });
  }
}

interface Pass {
  /** Tasks (indices) this pass runs; the others count as done. */
  readonly run: ReadonlySet<number>;
  readonly resume: number;
  /** Chance that an attempt fails; a failed first attempt is retried half the time. */
  readonly failRate: number;
}

const structureOf = (dag: LayoutDag): TaskShape[] => dag.ids.map((id, i) => ({ id, deps: (dag.deps[i] ?? []).map((d) => dag.ids[d]!), type: 'task' }));

function dependentsOf(dag: LayoutDag): number[][] {
  const out: number[][] = dag.ids.map(() => []);
  dag.deps.forEach((ds, i) => ds.forEach((d) => out[d]!.push(i)));
  return out;
}

/**
 * Drives one pass like the engine does with `parallel` 8: tasks start as their deps succeed, in declaration
 * order, and end after a seeded random time; a task after a failure is cancelled (upstream-failed). Returns the
 * clock at its end and whether something failed.
 */
function drive(j: Journal, dag: LayoutDag, pass: Pass, rng: Rng, attempts: number[], clock: number): { clock: number; failed: boolean } {
  const dependents = dependentsOf(dag);
  const waiting = dag.deps.map((ds) => ds.filter((d) => pass.run.has(d)).length);
  const badDep = dag.ids.map(() => false);
  const ready = [...pass.run].filter((i) => waiting[i] === 0).sort((a, b) => a - b);
  const running: { i: number; end: number; fails: boolean }[] = [];
  let failed = false;
  const start = (i: number): void => {
    const id = dag.ids[i]!;
    const attempt = ++attempts[i]!;
    const command = `./steps/${id}.sh --out build/${id}`;
    j.add(
      {
        type: 'attempt-started',
        task: id,
        attempt,
        resume: pass.resume,
        revision: 'r1',
        command,
        dir: '/work/project',
        log: `.cairn/runs/${RUN.runId}/logs/${id}.${attempt}.log`,
        fingerprint: { command, template: './steps/{{task}}.sh --out build/{{task}}', dir: '/work/project', shell: '/bin/sh', env: {}, vars: { out: 'build' }, inputs: {} },
      },
      clock,
    );
    running.push({ i, end: clock + 100 + Math.round(rng.next() ** 3 * 20_000), fails: rng.chance(pass.failRate) });
  };
  const settle = (i: number, ok: boolean): void => {
    for (const d of dependents[i]!) {
      if (!pass.run.has(d)) continue;
      if (!ok) badDep[d] = true;
      if (--waiting[d]! > 0) continue;
      if (badDep[d]) {
        j.add({ type: 'task-status', task: dag.ids[d]!, status: 'cancelled', reason: 'upstream-failed' }, clock);
        settle(d, false);
      } else ready.push(d);
    }
  };
  for (;;) {
    while (running.length < 8 && ready.length > 0) start(ready.shift()!);
    if (running.length === 0) break;
    let k = 0;
    running.forEach((r, x) => {
      if (r.end < running[k]!.end) k = x;
    });
    const [r] = running.splice(k, 1);
    const { i, fails } = r!;
    const began = clock;
    clock = r!.end;
    const id = dag.ids[i]!;
    const attempt = attempts[i]!;
    const outcome = fails ? { status: 'failed' as const, reason: 'exit' as const, exitCode: 1, signal: null } : { status: 'success' as const, reason: null, exitCode: 0, signal: null };
    j.add({ type: 'attempt-ended', task: id, attempt, outcome, durationMs: clock - began, logTail: fails ? `${id}: error: step failed\n` : `${id}: done\n` }, clock);
    if (!fails && i % 50 === 7) j.add({ type: 'var-set', name: `${id}_artifact`, value: `build/${id}/out.tar`, secret: false, source: 'register', task: id, attempt }, clock);
    if (fails && attempt === 1 && rng.chance(0.5)) start(i);
    else {
      if (fails) failed = true;
      settle(i, !fails);
    }
  }
  return { clock, failed };
}

function created(j: Journal, dag: LayoutDag): void {
  j.add({ type: 'run-created', runId: RUN.runId, workflow: 'bench', file: 'bench.cairn.toml', revision: 'r1', mode: 'eager', parallel: 8, cliVars: {}, structure: structureOf(dag) }, 0);
  for (const name of ['out', 'profile', 'region']) j.add({ type: 'var-set', name, value: `${name}-value`, secret: false, source: 'default' }, 0);
  j.add({ type: 'run-status', status: 'running' }, 0);
}

/** A finished run: every task attempted or cancelled, some retried, a few failed for good. */
function finishedRun(dag: LayoutDag, seed: number): RunEvent[] {
  const j = new Journal(Date.parse('2025-01-01T00:00:00Z'));
  created(j, dag);
  const r = drive(j, dag, { run: new Set(dag.ids.keys()), resume: 0, failRate: 0.02 }, new Rng(seed), dag.ids.map(() => 0), 0);
  j.add({ type: 'run-status', status: r.failed ? 'failed' : 'success' }, r.clock);
  return j.events;
}

/** What the stream bench sends: the opening (run-created … running), then the run, then a re-run of its first task and downstream. */
function streamedRun(dag: LayoutDag, seed: number): { readonly opening: RunEvent[]; readonly stream: RunEvent[] } {
  const j = new Journal(Date.now());
  created(j, dag);
  const opening = j.events.length;
  const rng = new Rng(seed);
  const attempts = dag.ids.map(() => 0);
  const first = drive(j, dag, { run: new Set(dag.ids.keys()), resume: 0, failRate: 0.01 }, rng, attempts, 0);
  j.add({ type: 'run-status', status: first.failed ? 'failed' : 'success' }, first.clock);
  const dependents = dependentsOf(dag);
  const rerun = new Set([0]);
  for (const i of rerun) for (const d of dependents[i]!) rerun.add(d);
  const ids = [...rerun].sort((a, b) => a - b).map((i) => dag.ids[i]!);
  j.add({ type: 'rerun-started', resume: 1, revision: 'r1', task: dag.ids[0]!, downstream: true, rerun: ids }, first.clock + 5000);
  for (const id of ids) j.add({ type: 'task-status', task: id, status: 'pending' }, first.clock + 5000);
  j.add({ type: 'run-status', status: 'running' }, first.clock + 5000);
  drive(j, dag, { run: rerun, resume: 1, failRate: 0.01 }, rng, attempts, first.clock + 5000);
  return { opening: j.events.slice(0, opening), stream: j.events.slice(opening, opening + STREAM_EVENTS) };
}

// ── in the page ───────────────────────────────────────────────────────────────────────────────────────────────

/** A fresh page with the view. tsx compiles with keepNames, so functions sent to the page may call `__name`. */
async function freshPage(browser: Browser): Promise<Page> {
  const page = await openRunViewPage(browser);
  page.setDefaultTimeout(10 * 60_000);
  await page.evaluate('globalThis.__name = (f) => f');
  return page;
}

interface PaintTimes {
  /** The message delivered (structured clone) and checked by the view's listener. */
  readonly message: number;
  /** The frame that drew it began. */
  readonly frame: number;
  /** Its script done (`flush`: fold, layout, SVG built). */
  readonly script: number;
  /** The browser's rendering of that frame done (style, layout, paint). */
  readonly painted: number;
  /** The next frame: what the target is measured to. */
  readonly next: number;
  /** dagre's placement drawn in place of the columns painted first (the same as `script` when it was painted first). */
  readonly placed: number;
}

/**
 * Posts `init` and times it to the frame after the last event was drawn (ms since just before the post), and to
 * the final placement (webview/background-layout.ts: dagre's, from a worker, after columns on a big run).
 */
async function timeFirstPaint(page: Page, init: ToView & { type: 'init' }): Promise<PaintTimes> {
  const t = await page.evaluate(
    (m) =>
      new Promise<Omit<PaintTimes, 'placed'>>((resolve) => {
        const last = m.events[m.events.length - 1]?.seq ?? 0;
        const t: { message: number; frame: number; script: number; painted: number } = { message: 0, frame: 0, script: 0, painted: 0 };
        let t0 = 0;
        // Added after the view's own listener, so it runs after it, and its frame callback after the view's.
        const listener = (): void => {
          window.removeEventListener('message', listener);
          t.message = performance.now() - t0;
          const check = (ts: number): void => {
            if (Number(document.body.dataset.seq ?? 0) < last) {
              requestAnimationFrame(check);
              return;
            }
            t.frame = ts - t0;
            t.script = performance.now() - t0;
            const ch = new MessageChannel();
            ch.port1.onmessage = () => {
              t.painted = performance.now() - t0;
            };
            ch.port2.postMessage(0);
            requestAnimationFrame(() => resolve({ ...t, next: performance.now() - t0 }));
          };
          requestAnimationFrame(check);
        };
        window.addEventListener('message', listener);
        t0 = performance.now();
        (globalThis as unknown as { cairnT0: number }).cairnT0 = t0;
        window.postMessage(m, '*');
      }),
    init,
  );
  await page.waitForFunction(() => document.body.dataset.layout !== 'pending');
  const placed = await page.evaluate(() => {
    const mark = performance.getEntriesByName('cairn-final-layout')[0];
    return mark ? mark.startTime - (globalThis as unknown as { cairnT0: number }).cairnT0 : NaN;
  });
  return { ...t, placed: Number.isNaN(placed) ? t.script : placed };
}

interface StreamResult {
  readonly posted: readonly number[];
  /** [time, seq] each time the view set `dataset.seq`. */
  readonly drawn: readonly (readonly [number, number])[];
  /** When the browser had rendered each of those frames. */
  readonly rendered: readonly number[];
  readonly frames: readonly number[];
  readonly longTasks: readonly number[];
  readonly lastPainted: number;
  readonly seq: number;
  readonly nodes: readonly (readonly [id: string, cls: string, label: string])[];
}

/** Posts the batches on a fixed schedule from inside the page and records what the view drew when. */
function stream(page: Page, batches: readonly ToView[], lastSeq: number): Promise<StreamResult> {
  return page.evaluate(
    async ({ batches, interval, lastSeq }) => {
      const frames: number[] = [];
      let streaming = true;
      const tick = (): void => {
        frames.push(performance.now());
        if (streaming) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const drawn: [number, number][] = [];
      const rendered: number[] = [];
      const mo = new MutationObserver(() => {
        drawn.push([performance.now(), Number(document.body.dataset.seq ?? 0)]);
        // Runs once the browser has rendered the frame (style, layout, paint).
        const ch = new MessageChannel();
        ch.port1.onmessage = () => rendered.push(performance.now());
        ch.port2.postMessage(0);
      });
      mo.observe(document.body, { attributes: true, attributeFilter: ['data-seq'] });
      const longTasks: number[] = [];
      const po = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) longTasks.push(e.duration);
      });
      po.observe({ type: 'longtask' });
      const posted: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < batches.length; i++) {
        const wait = t0 + i * interval - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        posted.push(performance.now());
        window.postMessage(batches[i], '*');
      }
      const lastPainted = await new Promise<number>((resolve) => {
        const check = (): void => {
          if (Number(document.body.dataset.seq ?? 0) < lastSeq) {
            requestAnimationFrame(check);
            return;
          }
          const ch = new MessageChannel();
          ch.port1.onmessage = () => resolve(performance.now());
          ch.port2.postMessage(0);
        };
        requestAnimationFrame(check);
      });
      streaming = false;
      await new Promise((r) => setTimeout(r, 50));
      mo.disconnect();
      po.disconnect();
      const nodes = [...document.querySelectorAll('g.node')].map((g) => [g.getAttribute('data-id') ?? '', g.getAttribute('class') ?? '', g.getAttribute('aria-label') ?? ''] as const);
      return { posted, drawn, rendered, frames, longTasks, lastPainted, seq: Number(document.body.dataset.seq ?? 0), nodes };
    },
    { batches, interval: BATCH_INTERVAL_MS, lastSeq },
  );
}

// ── the cases ─────────────────────────────────────────────────────────────────────────────────────────────────

const withCap = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);

const round = (ms: number): number => Math.round(ms);

let layoutScript: Promise<string> | undefined;

/**
 * The view's layout step alone (`placeGraph(layoutInput(structure))`, dagre) in the same page after its first
 * paint, from a bundle of its own: its first call, cold like the view's. (Node 20's older V8 runs it slower.)
 */
async function layoutInPage(page: Page, structure: readonly TaskShape[]): Promise<number> {
  layoutScript ??= build({
    stdin: {
      contents: `import { placeGraph } from './webview/layout'; import { layoutInput } from './runner/graph/layout-input';
        globalThis.cairnTimeLayout = (s) => { const t0 = performance.now(); placeGraph(layoutInput(s)); return performance.now() - t0; };`,
      resolveDir: path.resolve(__dirname, '..'),
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  await page.addScriptTag({ content: await layoutScript });
  return page.evaluate((s) => (globalThis as unknown as { cairnTimeLayout(s: readonly TaskShape[]): number }).cairnTimeLayout(s), structure);
}

async function firstPaint(browser: Browser, n: number, samples: number, withLayout: boolean): Promise<BenchRow> {
  const dag = randomDag(n);
  const events = finishedRun(dag, n);
  const init = { type: 'init', run: RUN, events, driverAlive: false, trusted: true } as const;
  const times: PaintTimes[] = [];
  const layouts: number[] = [];
  let timedOut = false;
  for (let s = 0; s < samples; s++) {
    const page = await freshPage(browser);
    const t = await withCap(timeFirstPaint(page, init), CAP_MS);
    if (t === undefined) {
      timedOut = true;
      break; // the page is left computing; the browser is closed at the end
    }
    times.push(t);
    if (withLayout) layouts.push(await layoutInPage(page, structureOf(dag)));
    if (SCREENSHOT !== undefined && s === 0 && n === 500) await page.screenshot({ path: SCREENSHOT });
    await page.close();
  }
  const caseName = `first paint, ${n} tasks (${events.length} events)`;
  if (timedOut) {
    return { bench: BENCH, case: caseName, samples: times.length, 'first paint ms': `> ${CAP_MS}`, target: '< 1 s', verdict: 'MISS' };
  }
  const pick = (f: (t: PaintTimes) => number): number => round(median(times.map(f)));
  const total = pick((t) => t.next);
  const layout = layouts.length > 0 ? median(layouts) : undefined;
  return {
    bench: BENCH,
    case: caseName,
    samples: times.length,
    'first paint ms': total,
    'min–max': `${round(Math.min(...times.map((t) => t.next)))}–${round(Math.max(...times.map((t) => t.next)))}`,
    'message ms': pick((t) => t.message),
    'frame script ms': pick((t) => t.script - Math.max(t.frame, t.message)),
    'render ms': pick((t) => t.painted - t.script),
    'final placement ms': pick((t) => t.placed),
    'dagre alone ms': layout !== undefined ? round(layout) : '—',
    target: '< 1 s',
    verdict: total < PAINT_TARGET_MS ? 'PASS' : 'MISS',
  };
}

async function keepsUp(browser: Browser, dag: LayoutDag, perSecond: number): Promise<BenchRow> {
  const { opening, stream: events } = streamedRun(dag, 7);
  const page = await freshPage(browser);
  await page.evaluate((m) => window.postMessage(m, '*'), { type: 'init', run: RUN, events: opening, driverAlive: true, trusted: true } as ToView);
  await page.waitForFunction((s) => Number(document.body.dataset.seq ?? 0) >= s, opening[opening.length - 1]!.seq);
  const per = Math.round((perSecond * BATCH_INTERVAL_MS) / 1000);
  const batches: ToView[] = [];
  for (let i = 0; i < events.length; i += per) batches.push({ type: 'events', events: events.slice(i, i + per), driverAlive: true });
  const lastSeq = events[events.length - 1]!.seq;
  const r = await stream(page, batches, lastSeq);
  await page.close();

  // What each node should show: the view's own model fed the same messages.
  const view = newRunView();
  receive(view, { type: 'init', run: RUN, events: opening, driverAlive: true, trusted: true });
  for (const b of batches) receive(view, b);
  let wrong = 0;
  const seen = new Set<string>();
  for (const [id, cls, label] of r.nodes) {
    seen.add(id);
    const face = nodeFace(view, id, Date.now());
    if (!cls.split(' ').includes(face.status) || (face.status !== 'running' && label !== face.label)) wrong++;
  }
  wrong += dag.ids.filter((id) => !seen.has(id)).length;

  // Lag per batch: posted → the view's frame that drew its last event has been rendered.
  const lags = batches.map((b, i) => {
    const seq = b.type === 'events' ? b.events[b.events.length - 1]!.seq : 0;
    const k = r.drawn.findIndex(([, s]) => s >= seq);
    return (r.rendered[k] ?? NaN) - r.posted[i]!;
  });
  // Each drawing frame: the view's script (from the frame's first callback, ours, to `dataset.seq` set) and the render after it.
  const script = r.drawn.map(([at]) => at - Math.max(...r.frames.filter((f) => f <= at)));
  const render = r.drawn.map(([at], k) => (r.rendered[k] ?? NaN) - at);
  const start = r.posted[0]!;
  const end = r.posted[r.posted.length - 1]!;
  const during = r.frames.filter((f) => f >= start && f <= end);
  let longest = 0;
  for (let i = 1; i < r.frames.length; i++) longest = Math.max(longest, r.frames[i]! - r.frames[i - 1]!);
  const maxLag = Math.max(...lags);
  const ok = wrong === 0 && r.seq === lastSeq && maxLag <= MAX_LAG_MS;
  return {
    bench: BENCH,
    case: `${perSecond} events/s, ${dag.ids.length} tasks (${events.length} events in ${batches.length} batches)`,
    'posted over s': Number(((end - start) / 1000).toFixed(1)),
    'frames/s': Math.round((during.length / (end - start)) * 1000),
    'longest frame ms': round(longest),
    'long tasks': r.longTasks.length,
    'script/frame ms': round(median(script)),
    'render/frame ms': round(median(render)),
    'lag median ms': round(median(lags)),
    'lag max ms': round(maxLag),
    'last batch → painted ms': round(r.lastPainted - end),
    'wrong nodes': wrong,
    'seq drawn': r.seq === lastSeq ? 'last' : `${r.seq} of ${lastSeq}`,
    target: perSecond === 200 ? '200 ev/s' : `${perSecond} ev/s (probe)`,
    verdict: ok ? 'PASS' : 'MISS',
  };
}

export async function run(): Promise<BenchRow[]> {
  // A fresh machine has no browser: Debian's chromium is installed as the runner bench installs its peers.
  for (const note of ensureBinaries(['chromium']).notes) console.error(`[run view bench] ${note}`);
  const browser = await launchChromium();
  try {
    const rows: BenchRow[] = [];
    rows.push(await firstPaint(browser, 500, PAINT_SAMPLES, true));
    const dag = randomDag(500);
    rows.push(await keepsUp(browser, dag, 200));
    rows.push(await keepsUp(browser, dag, 1000));
    rows.push(await firstPaint(browser, 2000, 1, false));
    return rows;
  } finally {
    await browser.close();
  }
}
