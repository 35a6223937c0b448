// Layout of a run view: a workflow's tasks drawn left to right (dependency → task), each a fixed 180×44 px
// box, laid out by @dagrejs/dagre (with its default ranker, and with ranker tight-tree) or by elkjs (layered).
// Per library and graph: the layout call's wall time (median after a warm-up), the drawing's size, and its
// edge crossings, counted twice: as straight segments between node centres, and along the library's own
// routed polylines (dagre: splines through its points; elkjs: orthogonal routes). Each case runs in a child
// process and is stopped after CAP_MS, so the whole bench stays around two minutes.
// Minified browser bundles (esbuild --bundle --minify --format=esm --platform=browser, measured by hand):
// dagre 48.6 kB (17.0 kB gzip); elkjs elk.bundled.js 1,494 kB (450 kB gzip).
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import dagre from '@dagrejs/dagre';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk.bundled.js';
import { Rng } from '../runner/testing/prng';
import type { BenchRow } from './bench-row';
import { median } from './measure';
import { chain, fan, layers, type Dag } from './runner/dag';

export const NODE_W = 180;
export const NODE_H = 44;
/** Gap between boxes of one rank, and between ranks (columns). The same figures are given to both libraries. */
const NODE_SEP = 16;
const RANK_SEP = 48;

/** What a layout is computed from: the task ids and, per task, the indices of its dependencies. */
export type LayoutDag = Pick<Dag, 'name' | 'ids' | 'deps'>;

interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  /** Node centres, by task index. */
  readonly centres: readonly Point[];
  /** Each edge's drawn polyline (dependency → task), with both ends. */
  readonly routes: readonly (readonly Point[])[];
}

/** Each task depends on 0–3 distinct earlier tasks, picked uniformly among all of them (seeded). */
export function randomDag(n: number, seed = 1): LayoutDag {
  const rng = new Rng(seed);
  const deps: number[][] = [];
  for (let i = 0; i < n; i++) {
    const picked = new Set<number>();
    const k = Math.min(rng.int(4), i);
    while (picked.size < k) picked.add(rng.int(i));
    deps.push([...picked].sort((a, b) => a - b));
  }
  return { name: `random ${n}`, ids: deps.map((_, i) => `t${i + 1}`), deps };
}

/** dagre's ranker: its default, network-simplex, or tight-tree (same drawings here, far faster on dense graphs). */
export type DagreRanker = 'network-simplex' | 'tight-tree';

export function layoutDagre(dag: LayoutDag, ranker: DagreRanker = 'network-simplex'): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: NODE_SEP, ranksep: RANK_SEP, ranker });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of dag.ids) g.setNode(id, { width: NODE_W, height: NODE_H });
  dag.deps.forEach((ds, i) => {
    for (const d of ds) g.setEdge(dag.ids[d]!, dag.ids[i]!);
  });
  const t0 = performance.now();
  dagre.layout(g);
  lastMs = performance.now() - t0;
  const graph = g.graph() as { width?: number; height?: number };
  const centres = dag.ids.map((id) => {
    const n = g.node(id) as { x: number; y: number };
    return { x: n.x, y: n.y };
  });
  const routes: Point[][] = [];
  dag.deps.forEach((ds, i) => {
    for (const d of ds) routes.push((g.edge(dag.ids[d]!, dag.ids[i]!) as { points?: Point[] }).points ?? []);
  });
  return { width: graph.width ?? 0, height: graph.height ?? 0, centres, routes };
}

const elk = new ELK();

export async function layoutElk(dag: LayoutDag): Promise<Layout> {
  const edges = dag.deps.flatMap((ds, i) => ds.map((d) => ({ id: `e${d}_${i}`, sources: [dag.ids[d]!], targets: [dag.ids[i]!] })));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': String(NODE_SEP),
      'elk.layered.spacing.nodeNodeBetweenLayers': String(RANK_SEP),
    },
    children: dag.ids.map((id) => ({ id, width: NODE_W, height: NODE_H })),
    edges,
  };
  const t0 = performance.now();
  const out = await elk.layout(graph);
  lastMs = performance.now() - t0;
  const byId = new Map((out.children ?? []).map((c) => [c.id, c]));
  const centres = dag.ids.map((id) => {
    const c = byId.get(id);
    return { x: (c?.x ?? 0) + NODE_W / 2, y: (c?.y ?? 0) + NODE_H / 2 };
  });
  const routes = (out.edges ?? []).map((e) =>
    (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]),
  );
  return { width: out.width ?? 0, height: out.height ?? 0, centres, routes };
}

/** The time of the last layout call alone (graph construction and reading the result back excluded). */
let lastMs = 0;

interface Segment {
  readonly ax: number;
  readonly ay: number;
  readonly bx: number;
  readonly by: number;
  readonly edge: number;
  readonly minX: number;
  readonly maxX: number;
}

const cross = (ox: number, oy: number, ax: number, ay: number, bx: number, by: number): number =>
  (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);

/**
 * Proper crossings between segments of different edges (touching, shared ends and collinear overlaps do not
 * count): a sweep over x, so only segments whose x ranges overlap are compared.
 */
export function countCrossings(polylines: readonly (readonly Point[])[]): number {
  const segs: Segment[] = [];
  polylines.forEach((pts, edge) => {
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]!;
      const b = pts[i]!;
      segs.push({ ax: a.x, ay: a.y, bx: b.x, by: b.y, edge, minX: Math.min(a.x, b.x), maxX: Math.max(a.x, b.x) });
    }
  });
  segs.sort((s, t) => s.minX - t.minX);
  let count = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    for (let j = i + 1; j < segs.length; j++) {
      const t = segs[j]!;
      if (t.minX > s.maxX) break;
      if (t.edge === s.edge) continue;
      const d1 = cross(s.ax, s.ay, s.bx, s.by, t.ax, t.ay);
      const d2 = cross(s.ax, s.ay, s.bx, s.by, t.bx, t.by);
      if (!((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0))) continue;
      const d3 = cross(t.ax, t.ay, t.bx, t.by, s.ax, s.ay);
      const d4 = cross(t.ax, t.ay, t.bx, t.by, s.bx, s.by);
      if ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) count++;
    }
  }
  return count;
}


const straightEdges = (dag: LayoutDag, centres: readonly Point[]): Point[][] =>
  dag.deps.flatMap((ds, i) => ds.map((d) => [centres[d]!, centres[i]!]));

const libraries = {
  dagre: (dag: LayoutDag) => layoutDagre(dag),
  'dagre tight-tree': (dag: LayoutDag) => layoutDagre(dag, 'tight-tree'),
  elkjs: layoutElk,
} as const satisfies Record<string, (dag: LayoutDag) => Layout | Promise<Layout>>;
type Library = keyof typeof libraries;

/** The graphs of the bench: four shapes at about 500 tasks and the same four at 2,000. */
export function graphs(): LayoutDag[] {
  return [500, 2000].flatMap((n) => [chain(n), fan(n - 2), layers(5, n / 5, 3), randomDag(n)]);
}

/** A case whose first (warm-up) call takes longer than this is timed by that call alone, and marked. */
const ONCE_MS = 2_000;
/** A case still running after this long is stopped (its process killed) and reported as stopped. */
const CAP_MS = 20_000;
/** Above this many segments a crossing count is skipped (the sweep is quadratic in the worst case). */
const MAX_SEGMENTS = 200_000;

interface CaseJob {
  readonly graph: number;
  readonly library: Library;
}

interface CaseResult {
  readonly samples?: readonly number[];
  readonly once?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly crossings?: number;
  readonly routedCrossings?: number;
  readonly error?: string;
}

/** In a child process: one library on one graph: a warm-up call, then a few timed calls, then the crossings. */
async function runCase(job: CaseJob): Promise<CaseResult> {
  const dag = graphs()[job.graph]!;
  const layout = libraries[job.library];
  try {
    const first = await layout(dag);
    const samples = [lastMs];
    const once = lastMs > ONCE_MS;
    if (!once) {
      samples.length = 0;
      const repeats = lastMs < 300 ? 5 : 2;
      for (let r = 0; r < repeats; r++) {
        await layout(dag);
        samples.push(lastMs);
      }
    }
    const routedSegments = first.routes.reduce((s, pts) => s + Math.max(0, pts.length - 1), 0);
    return {
      samples,
      once,
      width: first.width,
      height: first.height,
      crossings: countCrossings(straightEdges(dag, first.centres)),
      ...(routedSegments <= MAX_SEGMENTS ? { routedCrossings: countCrossings(first.routes) } : {}),
    };
  } catch (e) {
    return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** Set in a case's child process: the CaseJob it runs, as JSON. */
const CASE_ENV = 'CAIRN_LAYOUT_BENCH_CASE';

const caseJob = process.env[CASE_ENV];
if (caseJob !== undefined && process.send) {
  void runCase(JSON.parse(caseJob) as CaseJob).then((r) => process.send?.(r));
}

/**
 * Each case runs in its own child process (tsx's loader does not reach worker threads), so a layout that runs
 * away can be stopped, no case pays for another's garbage or JIT state, and the layout runs on a main thread
 * with V8's default ~1 MB stack, as in a webview: recursion that would overflow there overflows here too.
 */
function inChild(job: CaseJob): Promise<CaseResult | 'stopped'> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: process.execArgv,
      env: { ...process.env, [CASE_ENV]: JSON.stringify(job) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('stopped');
    }, CAP_MS);
    child.once('message', (r) => {
      clearTimeout(timer);
      child.kill();
      resolve(r as CaseResult);
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ error: `exited (${signal ?? code}) without a result` });
    });
  });
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const all = graphs();
  for (const [graph, dag] of all.entries()) {
    const edges = dag.deps.reduce((s, ds) => s + ds.length, 0);
    for (const library of Object.keys(libraries) as Library[]) {
      const r = await inChild({ graph, library });
      const row: Record<string, string | number> = { bench: 'layout', case: `${dag.name} · ${library}`, edges };
      if (r === 'stopped') {
        row.note = `stopped after ${CAP_MS / 1000} s`;
      } else if (r.error !== undefined) {
        row.note = r.error.slice(0, 60);
      } else {
        row['layout ms'] = Math.round(median(r.samples ?? []) * 10) / 10;
        row.runs = r.samples?.length ?? 0;
        row['size px'] = `${Math.round(r.width ?? 0)}×${Math.round(r.height ?? 0)}`;
        if (r.crossings !== undefined) row.crossings = r.crossings;
        if (r.routedCrossings !== undefined) row['routed crossings'] = r.routedCrossings;
        if (r.once) row.note = `timed once (first call > ${ONCE_MS / 1000} s)`;
      }
      rows.push(row as BenchRow);
    }
  }
  return rows;
}
