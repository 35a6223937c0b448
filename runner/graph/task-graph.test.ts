import assert from 'node:assert/strict';
import { GraphError, TaskGraph, type GraphNode, type GraphProblem } from './task-graph';
import { prng } from '../testing/prng';

function nodes(entries: Record<string, string[]>): GraphNode[] {
  return Object.entries(entries).map(([id, deps]) => ({ id, deps }));
}

function problemsOf(input: readonly GraphNode[]): readonly GraphProblem[] {
  try {
    TaskGraph.build(input);
  } catch (error) {
    assert.ok(error instanceof GraphError);
    return error.problems;
  }
  assert.fail('expected a GraphError');
}


/** A random DAG: each task depends on a few tasks declared before it, listed in shuffled declaration order. */
function randomDag(seed: number, n: number, maxDeps: number): GraphNode[] {
  const random = prng(seed);
  const ids = Array.from({ length: n }, (_, i) => `t${i}`);
  const order = ids.map((id) => ({ id, deps: [] as string[] }));
  for (let i = 1; i < n; i++) {
    const k = Math.floor(random() * (maxDeps + 1));
    for (let j = 0; j < k; j++) (order[i] as { deps: string[] }).deps.push(ids[Math.floor(random() * i)] as string);
  }
  // Shuffle declaration order so it differs from the generation (topological) order.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as GraphNode & { deps: string[] }, order[i] as GraphNode & { deps: string[] }];
  }
  return order;
}

/** A layered DAG: `width` tasks per layer, each depending on `fanIn` tasks of the layer before. */
function layeredDag(seed: number, n: number, width: number, fanIn: number): GraphNode[] {
  const random = prng(seed);
  const out: GraphNode[] = [];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const deps: string[] = [];
    if (layer > 0) for (let j = 0; j < fanIn; j++) deps.push(`t${(layer - 1) * width + Math.floor(random() * width)}`);
    out.push({ id: `t${i}`, deps });
  }
  return out;
}

function assertTopological(graph: TaskGraph): void {
  const order = graph.topoOrder();
  assert.equal(order.length, graph.size);
  const position = new Map(order.map((id, i) => [id, i]));
  assert.equal(position.size, graph.size);
  for (const id of graph.ids) {
    for (const dep of graph.deps(id)) assert.ok((position.get(dep) as number) < (position.get(id) as number));
  }
}

describe('TaskGraph.build', () => {
  it('rejects an unknown dep, naming it and its task', () => {
    assert.throws(
      () => TaskGraph.build(nodes({ build: [], deploy: ['biuld'] })),
      (error: unknown) =>
        error instanceof GraphError &&
        error.message === 'unknown dependency "biuld" of task "deploy"' &&
        error.problems.length === 1,
    );
  });

  it('rejects duplicate ids', () => {
    const input = [
      { id: 'a', deps: [] },
      { id: 'b', deps: [] },
      { id: 'a', deps: ['b'] },
    ];
    assert.deepEqual(problemsOf(input), [{ kind: 'duplicate-id', task: 'a' }]);
  });

  it('rejects a self-loop as a cycle [a, a]', () => {
    assert.deepEqual(problemsOf(nodes({ a: ['a'] })), [{ kind: 'cycle', members: ['a', 'a'] }]);
  });

  it('rejects a cycle with its members spelled from the earliest declared', () => {
    assert.throws(
      () => TaskGraph.build(nodes({ x: [], c: ['a'], a: ['b'], b: ['c'] })),
      (error: unknown) =>
        error instanceof GraphError &&
        error.message === 'dependency cycle: c → a → b → c' &&
        error.problems.length === 1,
    );
  });

  it('reports every problem at once, one cycle per cycle needed to cover all cycle edges', () => {
    const input = [
      ...nodes({ a: ['b'], b: ['c', 'nope'], c: ['a', 'd'], d: ['e'], e: ['c'] }),
      { id: 'a', deps: [] },
      ...nodes({ s: ['s', 'ghost'], p: ['q'], q: ['p'], r: ['p'] }),
    ];
    const problems = problemsOf(input);
    assert.deepEqual(problems, [
      { kind: 'duplicate-id', task: 'a' },
      { kind: 'unknown-dep', task: 'b', dep: 'nope' },
      { kind: 'unknown-dep', task: 's', dep: 'ghost' },
      { kind: 'cycle', members: ['a', 'b', 'c', 'a'] },
      { kind: 'cycle', members: ['c', 'd', 'e', 'c'] },
      { kind: 'cycle', members: ['s', 's'] },
      { kind: 'cycle', members: ['p', 'q', 'p'] },
    ]);
    const message = new GraphError(problems).message;
    assert.match(message, /^7 problems in task graph:/);
    assert.match(message, /duplicate task id "a"/);
    assert.match(message, /unknown dependency "ghost" of task "s"/);
    assert.match(message, /dependency cycle: c → d → e → c/);
  });

  it('collapses duplicate deps entries', () => {
    const graph = TaskGraph.build(nodes({ a: [], b: ['a', 'a'] }));
    assert.deepEqual(graph.deps('b'), ['a']);
    assert.deepEqual(graph.dependents('a'), ['b']);
  });

  it('accepts an empty graph', () => {
    const graph = TaskGraph.build([]);
    assert.equal(graph.size, 0);
    assert.deepEqual(graph.topoOrder(), []);
    assert.deepEqual(graph.levels(), []);
  });
});

describe('TaskGraph queries', () => {
  it('answers a diamond', () => {
    const graph = TaskGraph.build(nodes({ d: ['b', 'c'], b: ['a'], c: ['a'], a: [] }));
    assert.deepEqual(graph.ids, ['d', 'b', 'c', 'a']);
    assert.equal(graph.size, 4);
    assert.ok(graph.has('a'));
    assert.ok(!graph.has('z'));
    assert.deepEqual(graph.deps('d'), ['b', 'c']);
    assert.deepEqual(graph.dependents('a'), ['b', 'c']);
    assert.deepEqual([...graph.ancestors('d')].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...graph.ancestors('a')], []);
    assert.deepEqual([...graph.descendants('a')].sort(), ['b', 'c', 'd']);
    assert.deepEqual([...graph.descendants('b')], ['d']);
    assert.deepEqual(graph.topoOrder(), ['a', 'b', 'c', 'd']);
    assert.deepEqual(graph.levels(), [['a'], ['b', 'c'], ['d']]);
    assert.deepEqual(graph.roots(), ['a']);
    assert.deepEqual(graph.leaves(), ['d']);
    assert.ok(graph.isAncestor('a', 'd'));
    assert.ok(!graph.isAncestor('d', 'a'));
    assert.ok(!graph.isAncestor('b', 'c'));
    assert.ok(!graph.isAncestor('a', 'a'));
  });

  it('answers fans out and in', () => {
    const out = TaskGraph.build(nodes({ root: [], x: ['root'], y: ['root'], z: ['root'] }));
    assert.deepEqual(out.dependents('root'), ['x', 'y', 'z']);
    assert.deepEqual(out.leaves(), ['x', 'y', 'z']);
    assert.deepEqual(out.levels(), [['root'], ['x', 'y', 'z']]);

    const inward = TaskGraph.build(nodes({ x: [], y: [], z: [], sink: ['z', 'x', 'y'] }));
    assert.deepEqual(inward.roots(), ['x', 'y', 'z']);
    assert.deepEqual(inward.leaves(), ['sink']);
    assert.deepEqual(inward.topoOrder(), ['x', 'y', 'z', 'sink']);
    assert.deepEqual([...inward.ancestors('sink')].sort(), ['x', 'y', 'z']);
  });

  it('answers a chain declared backwards', () => {
    const graph = TaskGraph.build(nodes({ c: ['b'], b: ['a'], a: [] }));
    assert.deepEqual(graph.topoOrder(), ['a', 'b', 'c']);
    assert.deepEqual(graph.levels(), [['a'], ['b'], ['c']]);
    assert.deepEqual([...graph.ancestors('c')], ['b', 'a']);
    assert.deepEqual([...graph.descendants('a')], ['b', 'c']);
    assert.ok(graph.isAncestor('a', 'c'));
  });

  it('orders ready tasks by declaration', () => {
    const graph = TaskGraph.build(nodes({ x: ['z'], y: [], z: [], w: ['y'] }));
    assert.deepEqual(graph.topoOrder(), ['y', 'z', 'x', 'w']);
  });

  it('throws a plain Error naming an unknown id', () => {
    const graph = TaskGraph.build(nodes({ a: [] }));
    const unknown = (error: unknown): boolean =>
      error instanceof Error && !(error instanceof GraphError) && error.message.includes('"zz"');
    assert.throws(() => graph.deps('zz'), unknown);
    assert.throws(() => graph.dependents('zz'), unknown);
    assert.throws(() => graph.ancestors('zz'), unknown);
    assert.throws(() => graph.descendants('zz'), unknown);
    assert.throws(() => graph.isAncestor('a', 'zz'), unknown);
    assert.throws(() => graph.isAncestor('zz', 'a'), unknown);
  });
});

describe('TaskGraph on random DAGs', () => {
  for (const seed of [1, 2, 3]) {
    it(`agrees with a brute-force reference (seed ${seed})`, () => {
      const input = randomDag(seed, 300, 4);
      const graph = TaskGraph.build(input);

      // isAncestor agrees with ancestors(), and descendants() mirrors it.
      for (const b of graph.ids) {
        const ancestors = graph.ancestors(b);
        for (const a of graph.ids) assert.equal(graph.isAncestor(a, b), ancestors.has(a), `${a} of ${b}`);
        for (const a of ancestors) assert.ok(graph.descendants(a).has(b));
      }

      assertTopological(graph);
      // Reference: repeatedly take the first declared task whose deps are all done.
      const done = new Set<string>();
      const expected: string[] = [];
      while (expected.length < graph.size) {
        const next = graph.ids.find((id) => !done.has(id) && graph.deps(id).every((d) => done.has(d))) as string;
        done.add(next);
        expected.push(next);
      }
      assert.deepEqual(graph.topoOrder(), expected);
      assert.deepEqual(TaskGraph.build(input).topoOrder(), graph.topoOrder());

      const level = new Map<string, number>();
      for (const id of expected) level.set(id, Math.max(-1, ...graph.deps(id).map((d) => level.get(d) as number)) + 1);
      graph.levels().forEach((ids, l) => {
        assert.ok(ids.length > 0);
        for (const id of ids) assert.equal(level.get(id), l);
        assert.deepEqual(ids, graph.ids.filter((id) => level.get(id) === l));
      });
      assert.equal(graph.levels().flat().length, graph.size);

      assert.deepEqual(graph.roots(), graph.ids.filter((id) => graph.deps(id).length === 0));
      assert.deepEqual(graph.leaves(), graph.ids.filter((id) => graph.dependents(id).length === 0));
    });
  }
});

describe('TaskGraph at scale', () => {
  it('handles a 10,000-task chain without stack overflow', () => {
    const n = 10_000;
    const input = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, deps: i === 0 ? [] : [`t${i - 1}`] }));
    const graph = TaskGraph.build(input);
    assert.equal(graph.topoOrder()[n - 1], `t${n - 1}`);
    assert.equal(graph.levels().length, n);
    assert.equal(graph.ancestors(`t${n - 1}`).size, n - 1);
    assert.equal(graph.descendants('t0').size, n - 1);
    assert.ok(graph.isAncestor('t0', `t${n - 1}`));
    assert.ok(!graph.isAncestor(`t${n - 1}`, 't0'));

    // The same chain closed into a cycle is rejected and spelled in full.
    const ring = input.map((node, i) => (i === 0 ? { id: node.id, deps: [`t${n - 1}`] } : node));
    const problems = problemsOf(ring);
    assert.equal(problems.length, 1);
    const [problem] = problems;
    assert.ok(problem?.kind === 'cycle' && problem.members.length === n + 1 && problem.members[0] === 't0');
  });

  it('handles a 10,000-task layered DAG with 3 deps each', () => {
    const graph = TaskGraph.build(layeredDag(9, 10_000, 100, 3));
    assertTopological(graph);
    assert.equal(graph.levels().length, 100);
    assert.equal(graph.roots().length, 100);
    assert.ok(graph.isAncestor('t0', 't9999') === graph.ancestors('t9999').has('t0'));
    assert.ok(graph.descendants('t0').size > 0);
  });
});
