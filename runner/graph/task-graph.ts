// The checked task DAG: built once from task ids and deps, rejecting duplicates, unknown deps and cycles,
// then answering ordering and reachability queries. Iterative throughout: workflows reach 10,000 tasks.
import { findCoveringCycles } from './cycles';

export interface GraphNode {
  readonly id: string;
  readonly deps: readonly string[];
}

export type GraphProblem =
  | { readonly kind: 'duplicate-id'; readonly task: string }
  | { readonly kind: 'unknown-dep'; readonly task: string; readonly dep: string }
  | { readonly kind: 'cycle'; readonly members: readonly string[] }; // a cycle spelled [a, b, c, a]

export class GraphError extends Error {
  override name = 'GraphError';
  readonly problems: readonly GraphProblem[];

  constructor(problems: readonly GraphProblem[]) {
    const lines = problems.map(describeProblem);
    super(lines.length === 1 ? (lines[0]) : `${lines.length} problems in task graph:\n${lines.join('\n')}`);
    this.problems = problems;
  }
}

function describeProblem(problem: GraphProblem): string {
  switch (problem.kind) {
    case 'duplicate-id':
      return `duplicate task id "${problem.task}"`;
    case 'unknown-dep':
      return `unknown dependency "${problem.dep}" of task "${problem.task}"`;
    case 'cycle':
      return `dependency cycle: ${problem.members.join(' → ')}`;
    default: {
      const unreachable: never = problem;
      return unreachable;
    }
  }
}

export class TaskGraph {
  /** Declaration order. */
  readonly ids: readonly string[];
  readonly size: number;

  private readonly indexOf: ReadonlyMap<string, number>;
  // Adjacency by declaration index; the string forms are what queries hand out.
  private readonly depIdx: readonly (readonly number[])[];
  private readonly dependentIdx: readonly (readonly number[])[];
  private readonly depIds: readonly (readonly string[])[];
  private readonly dependentIds: readonly (readonly string[])[];
  private readonly topoIdx: Int32Array;
  private readonly topo: readonly string[];
  private levelCache: readonly (readonly string[])[] | undefined;
  private reach: { words: number; bits: Uint32Array } | undefined;

  private constructor(parts: {
    ids: readonly string[];
    indexOf: ReadonlyMap<string, number>;
    depIdx: readonly (readonly number[])[];
    depIds: readonly (readonly string[])[];
    dependentIdx: readonly (readonly number[])[];
    topoIdx: Int32Array;
  }) {
    const { ids } = parts;
    this.ids = ids;
    this.size = ids.length;
    this.indexOf = parts.indexOf;
    this.depIdx = parts.depIdx;
    this.depIds = parts.depIds;
    this.dependentIdx = parts.dependentIdx;
    this.dependentIds = parts.dependentIdx.map((list) => list.map((b) => ids[b] as string));
    this.topoIdx = parts.topoIdx;
    this.topo = Array.from(parts.topoIdx, (i) => ids[i] as string);
  }

  /** Throws GraphError listing every problem (all of them, not just the first). Duplicate deps entries are collapsed. */
  static build(nodes: Iterable<GraphNode>): TaskGraph {
    const problems: GraphProblem[] = [];
    const ids: string[] = [];
    const rawDeps: (readonly string[])[] = [];
    const indexOf = new Map<string, number>();
    for (const node of nodes) {
      if (indexOf.has(node.id)) {
        // The first declaration wins so the rest of the graph can still be checked.
        problems.push({ kind: 'duplicate-id', task: node.id });
        continue;
      }
      indexOf.set(node.id, ids.length);
      ids.push(node.id);
      rawDeps.push(node.deps);
    }

    const n = ids.length;
    const depIdx: number[][] = [];
    const depIds: string[][] = [];
    // Filled in declaration order, so each dependents list comes out in declaration order too.
    const dependentIdx: number[][] = Array.from({ length: n }, () => []);
    const lastSeenBy = new Int32Array(n).fill(-1); // lastSeenBy[a] === b: b already lists a
    for (let b = 0; b < n; b++) {
      const raw = rawDeps[b] as readonly string[];
      const known: number[] = [];
      const knownIds: string[] = [];
      for (let k = 0; k < raw.length; k++) {
        const dep = raw[k] as string;
        const a = indexOf.get(dep);
        if (a === undefined) {
          if (raw.indexOf(dep) === k) problems.push({ kind: 'unknown-dep', task: ids[b] as string, dep });
          continue;
        }
        if (lastSeenBy[a] === b) continue;
        lastSeenBy[a] = b;
        known.push(a);
        knownIds.push(dep);
        (dependentIdx[a] as number[]).push(b);
      }
      depIdx.push(known);
      depIds.push(knownIds);
    }

    const topoIdx = kahnOrder(depIdx, dependentIdx);
    if (topoIdx.length < n) problems.push(...cycleProblems(ids, depIds));
    if (problems.length > 0) throw new GraphError(problems);
    return new TaskGraph({ ids, indexOf, depIdx, depIds, dependentIdx, topoIdx });
  }

  has(id: string): boolean {
    return this.indexOf.has(id);
  }

  deps(id: string): readonly string[] {
    return this.depIds[this.index(id)] as readonly string[];
  }

  /** In declaration order. */
  dependents(id: string): readonly string[] {
    return this.dependentIds[this.index(id)] as readonly string[];
  }

  /** Transitive deps, not including id. */
  ancestors(id: string): ReadonlySet<string> {
    return this.bfs(this.index(id), this.depIdx);
  }

  /** Transitive dependents, not including id. */
  descendants(id: string): ReadonlySet<string> {
    return this.bfs(this.index(id), this.dependentIdx);
  }

  /** Whether a is a transitive dep of b. O(1) once the reachability index is built (on first call). */
  isAncestor(a: string, b: string): boolean {
    const ia = this.index(a);
    const ib = this.index(b);
    const reach = this.reachability();
    return ((reach.bits[ib * reach.words + (ia >>> 5)] as number) & (1 << (ia & 31))) !== 0;
  }

  /** Deterministic: among ready tasks, the earliest declared runs first. */
  topoOrder(): readonly string[] {
    return this.topo;
  }

  /** Level 0: no deps; a task's level is 1 + the max level of its deps. Each level in declaration order. */
  levels(): readonly (readonly string[])[] {
    if (this.levelCache) return this.levelCache;
    const level = new Int32Array(this.size);
    let maxLevel = -1;
    for (const b of this.topoIdx) {
      let l = 0;
      for (const a of this.depIdx[b] as readonly number[]) l = Math.max(l, (level[a] as number) + 1);
      level[b] = l;
      maxLevel = Math.max(maxLevel, l);
    }
    const levels: string[][] = Array.from({ length: maxLevel + 1 }, () => []);
    for (let i = 0; i < this.size; i++) (levels[level[i] as number] as string[]).push(this.ids[i] as string);
    this.levelCache = levels;
    return levels;
  }

  /** Tasks with no deps, in declaration order. */
  roots(): readonly string[] {
    return this.ids.filter((_, i) => (this.depIdx[i] as readonly number[]).length === 0);
  }

  /** Tasks with no dependents, in declaration order. */
  leaves(): readonly string[] {
    return this.ids.filter((_, i) => (this.dependentIdx[i] as readonly number[]).length === 0);
  }

  private index(id: string): number {
    const i = this.indexOf.get(id);
    if (i === undefined) throw new Error(`unknown task id "${id}"`);
    return i;
  }

  private bfs(from: number, edges: readonly (readonly number[])[]): Set<string> {
    const seen = new Uint8Array(this.size);
    const queue = new Int32Array(this.size);
    const out = new Set<string>();
    let head = 0;
    let tail = 0;
    queue[tail++] = from;
    seen[from] = 1;
    while (head < tail) {
      for (const y of edges[queue[head++] as number] as readonly number[]) {
        if (seen[y]) continue;
        seen[y] = 1;
        queue[tail++] = y;
        out.add(this.ids[y] as string);
      }
    }
    return out;
  }

  /** Row b holds the ancestor bitset of b; rows are filled in topological order so deps' rows are final. */
  private reachability(): { words: number; bits: Uint32Array } {
    if (this.reach) return this.reach;
    const words = (this.size + 31) >>> 5;
    const bits = new Uint32Array(this.size * words);
    for (const b of this.topoIdx) {
      const row = b * words;
      for (const a of this.depIdx[b] as readonly number[]) {
        const depRow = a * words;
        for (let w = 0; w < words; w++) bits[row + w] = (bits[row + w] as number) | (bits[depRow + w] as number);
        bits[row + (a >>> 5)] = (bits[row + (a >>> 5)] as number) | (1 << (a & 31));
      }
    }
    this.reach = { words, bits };
    return this.reach;
  }
}

/** Kahn's algorithm with a min-heap on declaration index; shorter than n when there is a cycle. */
function kahnOrder(depIdx: readonly (readonly number[])[], dependentIdx: readonly (readonly number[])[]): Int32Array {
  const n = depIdx.length;
  const pending = new Int32Array(n);
  const heap = new MinHeap(n);
  for (let i = 0; i < n; i++) {
    pending[i] = (depIdx[i] as readonly number[]).length;
    if (pending[i] === 0) heap.push(i);
  }
  const order = new Int32Array(n);
  let count = 0;
  while (heap.size > 0) {
    const a = heap.pop();
    order[count++] = a;
    for (const b of dependentIdx[a] as readonly number[]) {
      pending[b] = (pending[b] as number) - 1;
      if (pending[b] === 0) heap.push(b);
    }
  }
  return order.subarray(0, count);
}

/** Cycles covering every edge on a cycle (a triangle is one problem, a figure-eight two). */
function cycleProblems(ids: readonly string[], depIds: readonly (readonly string[])[]): GraphProblem[] {
  const deps = new Map<string, readonly string[]>();
  ids.forEach((id, i) => deps.set(id, depIds[i] as readonly string[]));
  return findCoveringCycles(deps).map((members) => ({ kind: 'cycle', members }));
}

/** Binary min-heap of small non-negative ints, so ready tasks come out in declaration order. */
class MinHeap {
  private readonly items: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(capacity);
  }

  push(value: number): void {
    const items = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as number;
      if (p <= value) break;
      items[i] = p;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items[--this.size] as number;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      const right = child + 1;
      if (right < this.size && (items[right] as number) < (items[child] as number)) child = right;
      if ((items[child] as number) >= last) break;
      items[i] = items[child] as number;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
