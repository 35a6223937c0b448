import assert from 'node:assert/strict';
import { layoutInput } from './layout-input';

describe('layoutInput: the run view\'s graph', () => {
  it('has a node per task in declaration order and an edge from each dependency to its task', () => {
    const got = layoutInput([
      { id: 'lint', deps: [], type: 'task' },
      { id: 'test', deps: ['lint'], type: 'task' },
      { id: 'version', deps: [], type: 'task' },
      { id: 'build', deps: ['test', 'version'], type: 'task' },
    ]);
    assert.deepEqual(got.nodes, ['lint', 'test', 'version', 'build']);
    assert.deepEqual(got.edges, [
      { from: 'lint', to: 'test', forensic: false },
      { from: 'test', to: 'build', forensic: false },
      { from: 'version', to: 'build', forensic: false },
    ]);
  });

  it('draws a forensic task after its target, marked as such, once even when it also depends on it', () => {
    const got = layoutInput([
      { id: 'test', deps: [], type: 'task' },
      { id: 'diagnose', deps: [], type: 'forensic', target: 'test' },
      { id: 'dump', deps: ['test'], type: 'forensic', target: 'test' },
    ]);
    assert.deepEqual(got.edges, [
      { from: 'test', to: 'diagnose', forensic: true },
      { from: 'test', to: 'dump', forensic: false },
    ]);
  });

  it('leaves out what a damaged structure names wrongly: unknown deps, self-loops, repeats', () => {
    const got = layoutInput([
      { id: 'a', deps: ['ghost', 'a'], type: 'task' },
      { id: 'b', deps: ['a', 'a'], type: 'task' },
      { id: 'a', deps: [], type: 'task' },
    ]);
    assert.deepEqual(got, { nodes: ['a', 'b'], edges: [{ from: 'a', to: 'b', forensic: false }] });
  });
});
