import assert from 'node:assert/strict';
import { findCoveringCycles, findCycleEdges, type CycleEdge } from './cycles';
import { prng } from '../testing/prng';

function graph(entries: Record<string, string[]>): Map<string, string[]> {
  return new Map(Object.entries(entries));
}


/** BFS distance from `start` to `goal` along deps edges, or undefined when unreachable. */
function distance(deps: ReadonlyMap<string, readonly string[]>, start: string, goal: string): number | undefined {
  const dist = new Map<string, number>([[start, 0]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const x = queue[head] as string;
    if (x === goal) return dist.get(x);
    for (const y of deps.get(x) ?? []) {
      if (!deps.has(y) || dist.has(y)) continue;
      dist.set(y, (dist.get(x) as number) + 1);
      queue.push(y);
    }
  }
  return undefined;
}

/** Checks every property the contract promises, against brute force. */
function checkAgainstBruteForce(deps: ReadonlyMap<string, readonly string[]>, edges: readonly CycleEdge[]): void {
  const expected: [string, string, number][] = [];
  for (const [from, list] of deps) {
    list.forEach((to, k) => {
      if (!deps.has(to) || list.indexOf(to) !== k) return;
      if (distance(deps, to, from) !== undefined) expected.push([from, to, k]);
    });
  }
  assert.deepEqual(
    edges.map((e) => [e.from, e.to, e.depIndex]),
    expected,
  );
  for (const edge of edges) {
    const { cycle } = edge;
    assert.equal(cycle[0], edge.from);
    assert.equal(cycle[1], edge.to);
    assert.equal(cycle[cycle.length - 1], edge.from);
    for (let i = 0; i + 1 < cycle.length; i++) {
      assert.ok((deps.get(cycle[i] as string) ?? []).includes(cycle[i + 1] as string), `not an edge in ${cycle.join(' → ')}`);
    }
    assert.equal(cycle.length - 1, 1 + (distance(deps, edge.to, edge.from) as number), 'cycle is not shortest');
  }
}

describe('findCycleEdges', () => {
  it('finds nothing in a DAG', () => {
    assert.deepEqual(findCycleEdges(graph({ a: [], b: ['a'], c: ['a', 'b'] })), []);
    assert.deepEqual(findCycleEdges(new Map()), []);
  });

  it('reports a self-loop as [a, a]', () => {
    assert.deepEqual(findCycleEdges(graph({ x: [], a: ['x', 'a'] })), [
      { from: 'a', to: 'a', depIndex: 1, cycle: ['a', 'a'] },
    ]);
  });

  it('reports both edges of a 2-cycle', () => {
    assert.deepEqual(findCycleEdges(graph({ a: ['b'], b: ['a'] })), [
      { from: 'a', to: 'b', depIndex: 0, cycle: ['a', 'b', 'a'] },
      { from: 'b', to: 'a', depIndex: 0, cycle: ['b', 'a', 'b'] },
    ]);
  });

  it('spells a triangle from each edge', () => {
    assert.deepEqual(findCycleEdges(graph({ a: ['b'], b: ['c'], c: ['a'] })), [
      { from: 'a', to: 'b', depIndex: 0, cycle: ['a', 'b', 'c', 'a'] },
      { from: 'b', to: 'c', depIndex: 0, cycle: ['b', 'c', 'a', 'b'] },
      { from: 'c', to: 'a', depIndex: 0, cycle: ['c', 'a', 'b', 'c'] },
    ]);
  });

  it('reports two disjoint cycles, each edge with its own cycle', () => {
    const deps = graph({ a: ['b'], b: ['a'], free: ['a'], x: ['y'], y: ['z'], z: ['x'] });
    const edges = findCycleEdges(deps);
    assert.deepEqual(
      edges.map((e) => e.cycle.join(' ')),
      ['a b a', 'b a b', 'x y z x', 'y z x y', 'z x y z'],
    );
    checkAgainstBruteForce(deps, edges);
  });

  it('reports every edge of a figure-eight once, with a cycle through that edge', () => {
    // Two triangles sharing c: a → b → c → a and c → d → e → c.
    const deps = graph({ a: ['b'], b: ['c'], c: ['a', 'd'], d: ['e'], e: ['c'] });
    const edges = findCycleEdges(deps);
    assert.deepEqual(
      edges.map((e) => [e.from, e.to, e.cycle.join(' ')]),
      [
        ['a', 'b', 'a b c a'],
        ['b', 'c', 'b c a b'],
        ['c', 'a', 'c a b c'],
        ['c', 'd', 'c d e c'],
        ['d', 'e', 'd e c d'],
        ['e', 'c', 'e c d e'],
      ],
    );
    checkAgainstBruteForce(deps, edges);
  });

  it('does not report an edge into a cycle, or out of one', () => {
    const deps = graph({ x: ['a'], a: ['b', 'y'], b: ['a'], y: [] });
    assert.deepEqual(
      findCycleEdges(deps).map((e) => [e.from, e.to]),
      [
        ['a', 'b'],
        ['b', 'a'],
      ],
    );
  });

  it('ignores unknown deps and collapses duplicate deps to their first index', () => {
    const deps = graph({ a: ['nope', 'b', 'b'], b: ['ghost', 'a', 'a'] });
    assert.deepEqual(findCycleEdges(deps), [
      { from: 'a', to: 'b', depIndex: 1, cycle: ['a', 'b', 'a'] },
      { from: 'b', to: 'a', depIndex: 1, cycle: ['b', 'a', 'b'] },
    ]);
  });

  it('picks a shortest cycle when a longer one exists too', () => {
    // a → b → a is shorter than a → b → c → d → a.
    const deps = graph({ a: ['b'], b: ['c', 'a'], c: ['d'], d: ['a'] });
    const edges = findCycleEdges(deps);
    assert.deepEqual(edges[0]?.cycle, ['a', 'b', 'a']);
    assert.deepEqual(edges.find((e) => e.from === 'c')?.cycle, ['c', 'd', 'a', 'b', 'c']);
    checkAgainstBruteForce(deps, edges);
  });

  it('agrees with brute force on random small graphs', () => {
    const random = prng(7);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 12);
      const deps = new Map<string, string[]>();
      for (let i = 0; i < n; i++) {
        const list: string[] = [];
        const k = Math.floor(random() * 4);
        // n + 1 lets an unknown id in now and then.
        for (let j = 0; j < k; j++) list.push(`t${Math.floor(random() * (n + 1))}`);
        deps.set(`t${i}`, list);
      }
      checkAgainstBruteForce(deps, findCycleEdges(deps));
    }
  });

  it('handles a 10,000-node chain and a 2,000-node single cycle without recursion', () => {
    const chain = new Map<string, string[]>();
    for (let i = 0; i < 10_000; i++) chain.set(`t${i}`, i === 0 ? [] : [`t${i - 1}`]);
    assert.deepEqual(findCycleEdges(chain), []);

    const ring = new Map<string, string[]>();
    for (let i = 0; i < 2_000; i++) ring.set(`t${i}`, [`t${(i + 1) % 2_000}`]);
    const edges = findCycleEdges(ring);
    assert.equal(edges.length, 2_000);
    for (const edge of edges) assert.equal(edge.cycle.length, 2_001);
    assert.deepEqual(edges[5]?.cycle.slice(0, 3), ['t5', 't6', 't7']);
  });

  it('handles 2,000 nodes in one SCC with 3 edges each', () => {
    const random = prng(42);
    const n = 2_000;
    const deps = new Map<string, string[]>();
    // The ring keeps everything strongly connected; two random chords per node add the rest.
    for (let i = 0; i < n; i++) {
      deps.set(`t${i}`, [`t${(i + 1) % n}`, `t${Math.floor(random() * n)}`, `t${Math.floor(random() * n)}`]);
    }
    const edges = findCycleEdges(deps);
    let distinct = 0;
    for (const [, list] of deps) distinct += new Set(list).size;
    assert.equal(edges.length, distinct);
    for (const edge of edges.slice(0, 50)) {
      assert.equal(edge.cycle.length - 1, 1 + (distance(deps, edge.to, edge.from) as number));
    }
  });
});

describe('findCoveringCycles', () => {
  it('gives one cycle per ring, rotated to its earliest member, and nothing for a DAG', () => {
    assert.deepEqual(findCoveringCycles(graph({ a: [], b: ['a'] })), []);
    assert.deepEqual(findCoveringCycles(graph({ x: ['c'], c: ['a'], a: ['b'], b: ['c'], s: ['s'] })), [
      ['c', 'a', 'b', 'c'],
      ['s', 's'],
    ]);
  });

  it('covers every cycle edge of a figure-eight with two cycles', () => {
    assert.deepEqual(findCoveringCycles(graph({ a: ['b'], b: ['c'], c: ['a', 'd'], d: ['e'], e: ['c'] })), [
      ['a', 'b', 'c', 'a'],
      ['c', 'd', 'e', 'c'],
    ]);
  });

  it('covers every cycle edge of a random dense SCC', () => {
    const random = prng(3);
    const deps = new Map<string, string[]>();
    for (let i = 0; i < 200; i++) deps.set(`t${i}`, [`t${(i + 1) % 200}`, `t${Math.floor(random() * 200)}`]);
    const covered = new Set<string>();
    for (const cycle of findCoveringCycles(deps)) {
      for (let i = 0; i + 1 < cycle.length; i++) covered.add(`${cycle[i]} ${cycle[i + 1]}`);
    }
    for (const edge of findCycleEdges(deps)) assert.ok(covered.has(`${edge.from} ${edge.to}`));
  });
});
