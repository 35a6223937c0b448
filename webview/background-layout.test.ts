import assert from 'node:assert/strict';
import { layoutInput, type LayoutInput } from '../runner/graph/layout-input';
import { BackgroundLayout, type StartWorker } from './background-layout';
import { DAGRE_MAX_NODES, DAGRE_SYNC_MAX_NODES, placeInColumns, placeWithDagre, type LayoutReply, type LayoutRequest, type Placement } from './layout';

/** n tasks, each after the one before and (every third) after the one before that: dagre and columns differ. */
function graph(n: number): LayoutInput {
  return layoutInput(Array.from({ length: n }, (_, i) => ({ id: `t${i}`, deps: [...(i > 0 ? [`t${i - 1}`] : []), ...(i > 1 && i % 3 === 0 ? [`t${i - 2}`] : [])], type: 'task' as const })));
}

/** A worker the test answers by hand. */
function fakeWorker(): { start: StartWorker; requests: LayoutRequest[]; reply(r: LayoutReply): void; fail(): void; stopped: number; started: number } {
  const w = {
    requests: [] as LayoutRequest[],
    stopped: 0,
    started: 0,
    onReply: undefined as ((r: LayoutReply) => void) | undefined,
    onFail: undefined as (() => void) | undefined,
    reply: (r: LayoutReply) => w.onReply?.(r),
    fail: () => w.onFail?.(),
    start: ((onReply, onFail) => {
      w.started++;
      w.onReply = onReply;
      w.onFail = onFail;
      return { post: (req) => w.requests.push(req), stop: () => w.stopped++ };
    }) as StartWorker,
  };
  return w;
}

/** Keeps each better placement, and where dagre ran for it. */
function record(into: Placement[] & { by?: string[] }): (p: Placement, by: 'worker' | 'view') => void {
  into.by = [];
  return (p, by) => {
    into.push(p);
    into.by!.push(by);
  };
}

const sameNodes = (a: Placement, b: Placement): boolean => [...a.nodes].every(([id, p]) => b.nodes.get(id)?.x === p.x && b.nodes.get(id)?.y === p.y);

describe('background layout: a big run paints columns at once and takes dagre from a worker', () => {
  it('places a small run with dagre at once, without a worker', () => {
    const w = fakeWorker();
    const better: Placement[] & { by?: string[] } = [];
    const input = graph(DAGRE_SYNC_MAX_NODES);
    const first = new BackgroundLayout(record(better), w.start).place(input);
    assert.equal(first.pending, false);
    assert.ok(sameNodes(first.placement, placeWithDagre(input)));
    assert.equal(w.started, 0);
  });

  it('paints a big run in columns, asks the worker, and swaps in its placement', () => {
    const w = fakeWorker();
    const better: Placement[] & { by?: string[] } = [];
    const input = graph(DAGRE_SYNC_MAX_NODES + 1);
    const first = new BackgroundLayout(record(better), w.start).place(input);
    assert.equal(first.pending, true);
    assert.ok(sameNodes(first.placement, placeInColumns(input)));
    assert.equal(w.requests.length, 1);
    assert.deepEqual(w.requests[0]!.input, input);
    const dagre = placeWithDagre(input);
    w.reply({ gen: w.requests[0]!.gen, placement: dagre });
    assert.deepEqual([...better], [dagre]);
    assert.deepEqual(better.by, ['worker']);
  });

  it('drops a late answer for a structure that has been replaced, and keeps one worker', () => {
    const w = fakeWorker();
    const better: Placement[] & { by?: string[] } = [];
    const layout = new BackgroundLayout(record(better), w.start);
    layout.place(graph(100));
    layout.place(graph(120));
    assert.equal(w.started, 1);
    assert.equal(w.requests.length, 2);
    w.reply({ gen: w.requests[0]!.gen, placement: placeWithDagre(graph(100)) });
    assert.equal(better.length, 0, 'the answer for the old structure is not drawn');
    w.reply({ gen: w.requests[1]!.gen, placement: placeWithDagre(graph(120)) });
    assert.equal(better.length, 1);
    assert.equal(better[0]!.nodes.size, 120);
  });

  it('keeps the columns when dagre fails in the worker', () => {
    const w = fakeWorker();
    const better: Placement[] & { by?: string[] } = [];
    new BackgroundLayout(record(better), w.start).place(graph(100));
    w.reply({ gen: w.requests[0]!.gen, error: 'Maximum call stack size exceeded' });
    assert.equal(better.length, 0);
  });

  it('runs dagre on its own thread, after the paint, when the worker fails or cannot start', () => {
    for (const how of ['fails', 'cannot start'] as const) {
      const w = fakeWorker();
      const later: (() => void)[] = [];
      const better: Placement[] & { by?: string[] } = [];
      const start: StartWorker = how === 'fails' ? w.start : () => undefined;
      const layout = new BackgroundLayout(record(better), start, (f) => later.push(f));
      const input = graph(100);
      assert.equal(layout.place(input).pending, true);
      if (how === 'fails') w.fail();
      assert.equal(better.length, 0, `${how}: nothing before the paint`);
      assert.equal(later.length, 1, how);
      later[0]!();
      assert.equal(better.length, 1, how);
      assert.ok(sameNodes(better[0]!, placeWithDagre(input)), how);
      assert.deepEqual(better.by, ['view'], how);
      // From then on, no worker is tried again.
      layout.place(graph(90));
      assert.equal(w.started, how === 'fails' ? 1 : 0, how);
      assert.equal(w.stopped, how === 'fails' ? 1 : 0, `${how}: a failed worker is stopped`);
      assert.equal(later.length, 2, how);
    }
  });

  it('leaves a run above the dagre limit in columns, with nothing pending', () => {
    const w = fakeWorker();
    const input = graph(DAGRE_MAX_NODES + 1);
    const first = new BackgroundLayout(() => assert.fail('no better placement'), w.start).place(input);
    assert.equal(first.pending, false);
    assert.ok(sameNodes(first.placement, placeInColumns(input)));
    assert.equal(w.started, 0);
  });
});
