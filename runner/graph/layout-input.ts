// What the run view lays out (CONVENTIONS habit 11: the runner computes the graph and the layout input, the view
// only draws): one node per task of the run's structure, in declaration order, and one edge per dependency, from
// the dependency to the task. A forensic task is drawn after the task it examines (its `target`).
import type { TaskShape } from '../engine/events';

export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  /** A forensic task's link to its target: it runs when the target fails, not after it succeeds. */
  readonly forensic: boolean;
}

export interface LayoutInput {
  readonly nodes: readonly string[];
  readonly edges: readonly LayoutEdge[];
}

/**
 * The structure as nodes and edges. A structure read from a store is only as sound as that file: a dependency on
 * a task it does not hold, or one named twice, is left out rather than drawn to nowhere.
 */
export function layoutInput(structure: readonly TaskShape[]): LayoutInput {
  const ids = new Set<string>();
  const nodes: string[] = [];
  for (const t of structure) {
    if (ids.has(t.id)) continue;
    ids.add(t.id);
    nodes.push(t.id);
  }
  const edges: LayoutEdge[] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string, forensic: boolean): void => {
    const key = `${from}\0${to}`;
    if (from === to || !ids.has(from) || seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to, forensic });
  };
  for (const t of structure) {
    for (const d of t.deps) add(d, t.id, false);
    if (t.type === 'forensic' && t.target !== undefined) add(t.target, t.id, true);
  }
  return { nodes, edges };
}
