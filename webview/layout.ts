// Places the run's tasks left to right with @dagrejs/dagre: the layered (Sugiyama) layout a pipeline reads as,
// dependencies to the left of what needs them. Chosen over elkjs by bench/layout.bench.ts (see docs/running.md).
import { graphlib, layout } from '@dagrejs/dagre';
import type { LayoutInput } from '../runner/graph/layout-input';

/** A node's box. Ids longer than fit are cut with an ellipsis when drawn (the full id is in its label). */
export const NODE_WIDTH = 184;
export const NODE_HEIGHT = 46;

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly forensic: boolean;
  readonly points: readonly Point[];
}

export interface Placement {
  /** Each node's centre. */
  readonly nodes: ReadonlyMap<string, Point>;
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
}

/**
 * Above this many tasks dagre's cost grows past a first paint (bench/layout.bench.ts: ~5 s at 2,000 layered tasks,
 * and a 2,000-task chain overflows its stack), so the view places them in plain columns instead.
 */
export const DAGRE_MAX_NODES = 800;

/**
 * Up to this many tasks dagre places a run before the first paint (well under 100 ms); above, the view paints
 * columns at once and swaps in dagre's placement when a worker has it (webview/background-layout.ts).
 */
export const DAGRE_SYNC_MAX_NODES = 60;

/** The run's graph placed left to right: by dagre, or by columns when it is too big for dagre or dagre fails. */
export function placeGraph(input: LayoutInput): Placement {
  if (input.nodes.length > DAGRE_MAX_NODES) return placeInColumns(input);
  try {
    return placeWithDagre(input);
  } catch {
    return placeInColumns(input);
  }
}

/** A request to the layout worker; `gen` tells a late answer for an old structure from the current one. */
export interface LayoutRequest {
  readonly gen: number;
  readonly input: LayoutInput;
}

/** The worker's answer: dagre's placement, or why dagre failed. */
export type LayoutReply = { readonly gen: number; readonly placement: Placement } | { readonly gen: number; readonly error: string };

/** dagre's layered placement; throws what dagre throws (a long chain overflows its stack). */
export function placeWithDagre(input: LayoutInput): Placement {
  const g = new graphlib.Graph<object, { width: number; height: number; x?: number; y?: number }, { points?: Point[] }>({ multigraph: false });
  // tight-tree ranking: about twice as fast as the default network simplex on 500 tasks, the same drawing for
  // pipelines (bench/layout.bench.ts).
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 56, marginx: 16, marginy: 16, ranker: 'tight-tree' });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of input.nodes) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of input.edges) g.setEdge(e.from, e.to);
  layout(g);
  const nodes = new Map<string, Point>();
  for (const id of input.nodes) {
    const n = g.node(id);
    nodes.set(id, { x: n.x ?? 0, y: n.y ?? 0 });
  }
  const edges = input.edges.map((e) => ({ ...e, points: g.edge(e.from, e.to)?.points ?? [] }));
  const label = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: label.width ?? 0, height: label.height ?? 0 };
}

const MARGIN = 16;
const COLUMN_GAP = 56;
const ROW_GAP = 14;

/**
 * A task's column is its longest path from a task with no dependencies; within a column, tasks keep their
 * declaration order. Linear in tasks and edges: what a 10,000-task run can afford. Edges go from the right side
 * of one box to the left side of the next.
 */
export function placeInColumns(input: LayoutInput): Placement {
  const column = new Map<string, number>(input.nodes.map((id) => [id, 0]));
  const incoming = new Map<string, string[]>();
  for (const e of input.edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.from]);
  // Kahn's order, so each task's column is known before its dependents'; a cycle (a damaged store) stays in 0.
  const indegree = new Map<string, number>(input.nodes.map((id) => [id, incoming.get(id)?.length ?? 0]));
  const outgoing = new Map<string, string[]>();
  for (const e of input.edges) outgoing.set(e.from, [...(outgoing.get(e.from) ?? []), e.to]);
  const ready = input.nodes.filter((id) => indegree.get(id) === 0);
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i]!;
    for (const next of outgoing.get(id) ?? []) {
      column.set(next, Math.max(column.get(next) ?? 0, (column.get(id) ?? 0) + 1));
      const left = (indegree.get(next) ?? 1) - 1;
      indegree.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const rows = new Map<number, number>();
  const nodes = new Map<string, Point>();
  let width = 0;
  let height = 0;
  for (const id of input.nodes) {
    const c = column.get(id) ?? 0;
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    const x = MARGIN + c * (NODE_WIDTH + COLUMN_GAP) + NODE_WIDTH / 2;
    const y = MARGIN + r * (NODE_HEIGHT + ROW_GAP) + NODE_HEIGHT / 2;
    nodes.set(id, { x, y });
    width = Math.max(width, x + NODE_WIDTH / 2 + MARGIN);
    height = Math.max(height, y + NODE_HEIGHT / 2 + MARGIN);
  }
  const edges = input.edges.map((e) => {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    return { ...e, points: [{ x: a.x + NODE_WIDTH / 2, y: a.y }, { x: b.x - NODE_WIDTH / 2, y: b.y }] };
  });
  return { nodes, edges, width, height };
}
