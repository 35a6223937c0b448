// Finds the dependency edges that lie on cycles and spells shortest cycles through them. Works on
// graphs that may be broken (unknown ids, self-loops): the validator and TaskGraph.build both use it.

export interface CycleEdge {
  readonly from: string; // the task whose deps entry forms the edge
  readonly to: string; // the dep
  readonly depIndex: number; // index of `to` in from's deps array (first occurrence)
  /** Shortest cycle through this edge, as ids from `from` back to `from`: [from, to, …, from]. Self-loop: [a, a]. */
  readonly cycle: readonly string[];
}

/**
 * Every edge that lies on some cycle, each with a shortest cycle through it. Deps naming unknown
 * ids are ignored. Deterministic: ordered by `from` in map order, then deps order.
 */
export function findCycleEdges(deps: ReadonlyMap<string, readonly string[]>): CycleEdge[] {
  const g = indexGraph(deps);
  const { ids, adj, edgeFrom } = g;

  // Group cycle edges by their `to`, so one BFS from each `to` serves every edge ending there.
  const byTo = new Map<number, number[]>();
  for (let e = 0; e < adj.length; e++) {
    if (!g.onCycle[e]) continue;
    const v = adj[e] as number;
    const group = byTo.get(v);
    if (group) group.push(e);
    else byTo.set(v, [e]);
  }

  const search = new PathSearch(g);
  const cycles = new Array<string[] | undefined>(adj.length);
  for (const [v, edges] of byTo) {
    search.run(v, edges.map((e) => edgeFrom[e] as number));
    for (const e of edges) cycles[e] = search.cycleIds(edgeFrom[e] as number, v);
  }

  const result: CycleEdge[] = [];
  for (let e = 0; e < adj.length; e++) {
    const cycle = cycles[e];
    if (!cycle) continue;
    result.push({
      from: ids[edgeFrom[e] as number] as string,
      to: ids[adj[e] as number] as string,
      depIndex: g.adjDepIndex[e] as number,
      cycle,
    });
  }
  return result;
}

/**
 * Few cycles that together cover every edge lying on a cycle (a triangle gives one, a figure-eight
 * two), each a shortest cycle through the first edge it was found for and rotated to start at its
 * earliest member in map order. For TaskGraph.build, whose error names cycles rather than edges:
 * unlike findCycleEdges it stays linear on one huge ring.
 */
export function findCoveringCycles(deps: ReadonlyMap<string, readonly string[]>): string[][] {
  const g = indexGraph(deps);
  const { ids, start, adj, edgeFrom } = g;
  const covered = new Uint8Array(adj.length);
  const search = new PathSearch(g);
  const result: string[][] = [];
  for (let e = 0; e < adj.length; e++) {
    if (!g.onCycle[e] || covered[e]) continue;
    const u = edgeFrom[e] as number;
    const v = adj[e] as number;
    search.run(v, [u]);
    const cycle = search.cycle(u, v);
    for (let i = 0; i + 1 < cycle.length; i++) {
      const x = cycle[i] as number;
      const y = cycle[i + 1] as number;
      for (let f = start[x] as number; f < (start[x + 1] as number); f++) if (adj[f] === y) covered[f] = 1;
    }
    const ring = cycle.slice(0, -1);
    let first = 0;
    for (let i = 1; i < ring.length; i++) if ((ring[i] as number) < (ring[first] as number)) first = i;
    const rotated = [...ring.slice(first), ...ring.slice(0, first)];
    rotated.push(rotated[0] as number);
    result.push(rotated.map((x) => ids[x] as string));
  }
  return result;
}

/** The deps map as index-based CSR adjacency (from → dep), with each edge's cycle membership. */
interface IndexedGraph {
  readonly ids: readonly string[];
  readonly start: Int32Array; // edges of u are start[u] .. start[u + 1] - 1
  readonly adj: readonly number[];
  readonly adjDepIndex: readonly number[];
  readonly edgeFrom: Int32Array;
  readonly comp: Int32Array;
  readonly onCycle: Uint8Array;
}

function indexGraph(deps: ReadonlyMap<string, readonly string[]>): IndexedGraph {
  const ids = [...deps.keys()];
  const n = ids.length;
  const indexOf = new Map<string, number>();
  ids.forEach((id, i) => indexOf.set(id, i));

  // Only known deps, each at its first occurrence.
  const start = new Int32Array(n + 1);
  const adj: number[] = [];
  const adjDepIndex: number[] = [];
  const from: number[] = [];
  const listedBy = new Int32Array(n).fill(-1); // listedBy[v] === u: u's deps already hold v
  for (let u = 0; u < n; u++) {
    start[u] = adj.length;
    const list = deps.get(ids[u] as string) ?? [];
    for (let k = 0; k < list.length; k++) {
      const v = indexOf.get(list[k] as string);
      if (v === undefined || listedBy[v] === u) continue;
      listedBy[v] = u;
      adj.push(v);
      adjDepIndex.push(k);
      from.push(u);
    }
  }
  start[n] = adj.length;
  const edgeFrom = Int32Array.from(from);

  const comp = stronglyConnectedComponents(n, start, adj);
  const compSize = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    const c = comp[u] as number;
    compSize[c] = (compSize[c] as number) + 1;
  }
  // Edge u→v is on a cycle iff both ends share a non-trivial SCC, or it is a self-loop.
  const onCycle = new Uint8Array(adj.length);
  for (let e = 0; e < adj.length; e++) {
    const u = edgeFrom[e] as number;
    const v = adj[e] as number;
    const c = comp[u] as number;
    if (c === comp[v] && (u === v || (compSize[c] as number) > 1)) onCycle[e] = 1;
  }
  return { ids, start, adj, adjDepIndex, edgeFrom, comp, onCycle };
}

/** BFS along deps edges inside one SCC, reusing its arrays across runs. */
class PathSearch {
  private readonly parent: Int32Array;
  // Per-run marks compared with `round`, so nothing is cleared between runs.
  private readonly seen: Int32Array;
  private readonly wanted: Int32Array;
  private readonly queue: Int32Array;
  private round = 0;

  constructor(private readonly g: IndexedGraph) {
    const n = g.ids.length;
    this.parent = new Int32Array(n);
    this.seen = new Int32Array(n);
    this.wanted = new Int32Array(n);
    this.queue = new Int32Array(n);
  }

  /** Shortest paths from `source` within its SCC, stopping once every target is reached. */
  run(source: number, targets: readonly number[]): void {
    const { start, adj, comp } = this.g;
    const { parent, seen, wanted, queue } = this;
    const round = ++this.round;
    const c = comp[source] as number;
    let missing = 0;
    for (const t of targets) {
      if (wanted[t] === round || t === source) continue;
      wanted[t] = round;
      missing++;
    }
    let head = 0;
    let tail = 0;
    queue[tail++] = source;
    seen[source] = round;
    parent[source] = -1;
    while (head < tail && missing > 0) {
      const x = queue[head++] as number;
      for (let e = start[x] as number; e < (start[x + 1] as number); e++) {
        const y = adj[e] as number;
        if (seen[y] === round || comp[y] !== c) continue;
        seen[y] = round;
        parent[y] = x;
        queue[tail++] = y;
        if (wanted[y] === round) missing--;
      }
    }
  }

  /** After run(v, [u, …]): the cycle [u, v, …, u] closed by the edge u→v. A self-loop gives [u, u]. */
  cycle(u: number, v: number): number[] {
    return this.spell(u, v, (x) => x);
  }

  /** Same as cycle(), spelled as ids straight away: big rings make thousands of these. */
  cycleIds(u: number, v: number): string[] {
    return this.spell(u, v, (x) => this.g.ids[x] as string);
  }

  private spell<T>(u: number, v: number, name: (x: number) => T): T[] {
    const { parent } = this;
    // Parents lead from u back to v; fill the cycle from its end so no reversal is needed.
    let length = 2;
    for (let x = u; x !== v; x = parent[x] as number) length++;
    const out = new Array<T>(length);
    out[0] = name(u);
    let i = length - 1;
    for (let x = u; ; x = parent[x] as number) {
      out[i--] = name(x);
      if (x === v) break;
    }
    return out;
  }
}

/** Tarjan's SCC, iterative so a 10,000-long chain cannot overflow the stack. Returns component id per node. */
function stronglyConnectedComponents(n: number, start: Int32Array, adj: readonly number[]): Int32Array {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  let sp = 0;
  let csp = 0;
  let counter = 0;
  let compCount = 0;

  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    index[s] = low[s] = counter++;
    stack[sp++] = s;
    onStack[s] = 1;
    callNode[csp] = s;
    callEdge[csp] = start[s] as number;
    csp++;
    while (csp > 0) {
      const v = callNode[csp - 1] as number;
      const p = callEdge[csp - 1] as number;
      if (p < (start[v + 1] as number)) {
        callEdge[csp - 1] = p + 1;
        const w = adj[p] as number;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[csp] = w;
          callEdge[csp] = start[w] as number;
          csp++;
        } else if (onStack[w]) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
        continue;
      }
      csp--;
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp] as number;
          onStack[w] = 0;
          comp[w] = compCount;
        } while (w !== v);
        compCount++;
      }
      if (csp > 0) {
        const u = callNode[csp - 1] as number;
        low[u] = Math.min(low[u] as number, low[v] as number);
      }
    }
  }
  return comp;
}
