import assert from 'node:assert/strict';
import { layoutInput } from '../runner/graph/layout-input';
import { DAGRE_MAX_NODES, NODE_WIDTH, placeGraph, placeInColumns } from './layout';

const chain = (n: number) => layoutInput(Array.from({ length: n }, (_, i) => ({ id: `t${i}`, deps: i === 0 ? [] : [`t${i - 1}`], type: 'task' as const })));

describe('layout: where the run view draws each task', () => {
  it('places dependencies to the left of what needs them (dagre), every edge routed', () => {
    const input = layoutInput([
      { id: 'lint', deps: [], type: 'task' },
      { id: 'test', deps: ['lint'], type: 'task' },
      { id: 'version', deps: [], type: 'task' },
      { id: 'build', deps: ['test', 'version'], type: 'task' },
    ]);
    const p = placeGraph(input);
    const x = (id: string): number => p.nodes.get(id)!.x;
    assert.ok(x('lint') < x('test') && x('test') < x('build') && x('version') < x('build'));
    assert.equal(p.edges.length, 3);
    assert.ok(p.edges.every((e) => e.points.length >= 2));
    assert.ok(p.width > 0 && p.height > 0);
  });

  it('places a run too big for dagre in columns by longest path, in linear time (a 2,000-task chain overflowed dagre)', () => {
    const p = placeGraph(chain(2000));
    assert.ok(2000 > DAGRE_MAX_NODES);
    assert.equal(p.nodes.size, 2000);
    assert.equal(p.nodes.get('t1999')!.x - p.nodes.get('t0')!.x, 1999 * (NODE_WIDTH + 56));
  });

  it('columns: a task after its deepest dependency, declaration order within a column, a cycle left in place', () => {
    const p = placeInColumns(layoutInput([
      { id: 'a', deps: [], type: 'task' },
      { id: 'b', deps: ['a'], type: 'task' },
      { id: 'c', deps: ['a', 'b'], type: 'task' },
      { id: 'd', deps: [], type: 'task' },
    ]));
    const col = (id: string): number => Math.round((p.nodes.get(id)!.x - 16 - NODE_WIDTH / 2) / (NODE_WIDTH + 56));
    assert.deepEqual(['a', 'b', 'c', 'd'].map(col), [0, 1, 2, 0]);
    assert.ok(p.nodes.get('a')!.y < p.nodes.get('d')!.y);
    const cyclic = placeInColumns({ nodes: ['x', 'y'], edges: [{ from: 'x', to: 'y', forensic: false }, { from: 'y', to: 'x', forensic: false }] });
    assert.equal(cyclic.nodes.size, 2);
  });
});
