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

export function placeGraph(input: LayoutInput): Placement {
  const g = new graphlib.Graph<object, { width: number; height: number; x?: number; y?: number }, { points?: Point[] }>({ multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 56, marginx: 16, marginy: 16 });
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
