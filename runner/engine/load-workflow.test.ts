import assert from 'node:assert/strict';
import type { TaskShape } from './events';
import { diffStructure } from './load-workflow';

describe('diffStructure (what a resume refuses without --allow-structure-change)', () => {
  const shape = (id: string, deps: string[] = [], extra: Partial<TaskShape> = {}): TaskShape => ({ id, deps, type: 'task', ...extra });
  const before = [shape('a'), shape('b', ['a']), shape('c', ['a', 'b']), shape('why', [], { type: 'forensic', target: 'c' })];

  it('finds no change in the same structure, nor in deps listed in another order', () => {
    assert.deepEqual(diffStructure(before, before), []);
    assert.deepEqual(diffStructure(before, [shape('a'), shape('b', ['a']), shape('c', ['b', 'a']), shape('why', [], { type: 'forensic', target: 'c' })]), []);
  });

  it('names every added and removed task, changed deps and changed type or target', () => {
    const after = [shape('a'), shape('c', ['a']), shape('d', ['c']), shape('why', [], { type: 'forensic', target: 'a' })];
    assert.deepEqual(
      diffStructure(before, after).map((c) => [c.kind, c.task, c.detail]),
      [
        ['added', 'd', 'added task d'],
        ['removed', 'b', 'removed task b'],
        ['deps-changed', 'c', 'task c: deps [a, b] → [a]'],
        ['type-changed', 'why', 'task why: forensic of c → forensic of a'],
      ],
    );
  });

  it('counts the same number of deps with one swapped as a change', () => {
    assert.deepEqual(
      diffStructure([shape('a'), shape('x'), shape('b', ['a'])], [shape('a'), shape('x'), shape('b', ['x'])]).map((c) => c.detail),
      ['task b: deps [a] → [x]'],
    );
  });
});
