import assert from 'node:assert/strict';
import { TaskGraph } from '../graph/task-graph';
import { schedule, type ScheduleOptions, type TaskOutcome } from './scheduler';

/** A fake executor: tasks finish when the test says so, and it records the order of starts. */
class FakeTasks {
  readonly started: string[] = [];
  readonly cancelled: [string, string][] = [];
  private readonly waiters = new Map<string, (o: TaskOutcome) => void>();
  private readonly startWaiters: (() => void)[] = [];

  execute = (id: string): Promise<TaskOutcome> => {
    this.started.push(id);
    for (const w of this.startWaiters.splice(0)) w();
    return new Promise((resolve) => this.waiters.set(id, resolve));
  };

  cancelUpstream = (id: string, dep: string): Promise<void> => {
    this.cancelled.push([id, dep]);
    return Promise.resolve();
  };

  get running(): string[] {
    return [...this.waiters.keys()];
  }

  /** Waits until the set of running tasks is exactly `ids`. */
  async whenRunning(...ids: string[]): Promise<void> {
    while (this.running.sort().join() !== [...ids].sort().join()) await new Promise<void>((r) => this.startWaiters.push(r));
  }

  finish(id: string, outcome: TaskOutcome = 'success'): void {
    const w = this.waiters.get(id);
    assert.ok(w, `${id} is not running (running: ${this.running.join(', ')})`);
    this.waiters.delete(id);
    w(outcome);
  }
}

const graph = (spec: Record<string, string[]>): TaskGraph => TaskGraph.build(Object.entries(spec).map(([id, deps]) => ({ id, deps })));

function opts(g: TaskGraph, fake: FakeTasks, extra: Partial<ScheduleOptions> = {}): ScheduleOptions {
  return { graph: g, run: new Set(g.ids), satisfied: () => true, mode: 'eager', parallel: 4, execute: fake.execute, cancelUpstream: fake.cancelUpstream, ...extra };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('scheduler', () => {
  // a → c, b (slow) → d: in eager mode c starts when a finishes, before b does.
  const g = graph({ a: [], b: [], c: ['a'], d: ['b'] });

  it('eager: a task starts as soon as its own deps are done', async () => {
    const fake = new FakeTasks();
    const done = schedule(opts(g, fake));
    await fake.whenRunning('a', 'b');
    fake.finish('a');
    await fake.whenRunning('b', 'c');
    fake.finish('c');
    fake.finish('b');
    await fake.whenRunning('d');
    fake.finish('d');
    const out = await done;
    assert.deepEqual(fake.started, ['a', 'b', 'c', 'd']);
    assert.deepEqual([...out.values()], ['success', 'success', 'success', 'success']);
  });

  it('levels: the next level waits for the whole previous level', async () => {
    const fake = new FakeTasks();
    const done = schedule(opts(g, fake, { mode: 'levels' }));
    await fake.whenRunning('a', 'b');
    fake.finish('a');
    await tick();
    assert.deepEqual(fake.running, ['b'], 'c must wait for b, which is in the same level as a');
    fake.finish('b');
    await fake.whenRunning('c', 'd');
    fake.finish('c');
    fake.finish('d');
    await done;
  });

  it('never runs more than `parallel` tasks at once, starting in declaration order', async () => {
    const fake = new FakeTasks();
    const g5 = graph({ t1: [], t2: [], t3: [], t4: [], t5: [] });
    const done = schedule(opts(g5, fake, { parallel: 2 }));
    await fake.whenRunning('t1', 't2');
    fake.finish('t2');
    await fake.whenRunning('t1', 't3');
    fake.finish('t1');
    await fake.whenRunning('t3', 't4');
    fake.finish('t3');
    fake.finish('t4');
    await fake.whenRunning('t5');
    fake.finish('t5');
    await done;
    assert.deepEqual(fake.started, ['t1', 't2', 't3', 't4', 't5']);
  });

  it('cancels the dependents of a failed task (transitively) while independent branches go on', async () => {
    const fake = new FakeTasks();
    const g2 = graph({ a: [], b: ['a'], c: ['b'], x: [], y: ['x'] });
    const done = schedule(opts(g2, fake));
    await fake.whenRunning('a', 'x');
    fake.finish('a', 'failed');
    fake.finish('x');
    await fake.whenRunning('y');
    fake.finish('y');
    const out = await done;
    assert.deepEqual(fake.cancelled, [['b', 'a'], ['c', 'b']]);
    assert.equal(out.get('b'), 'cancelled');
    assert.equal(out.get('y'), 'success');
    assert.deepEqual(fake.started, ['a', 'x', 'y']);
  });

  it('treats a skipped task as done for its dependents', async () => {
    const fake = new FakeTasks();
    const done = schedule(opts(graph({ a: [], b: ['a'] }), fake));
    await fake.whenRunning('a');
    fake.finish('a', 'skipped');
    await fake.whenRunning('b');
    fake.finish('b');
    assert.equal((await done).get('b'), 'success');
  });

  it('runs only the selected tasks; deps outside the selection must be satisfied unless the task is forced', async () => {
    const fake = new FakeTasks();
    const g3 = graph({ a: [], b: ['a'], c: ['b'], d: [] });
    const done = schedule(opts(g3, fake, { run: new Set(['b', 'c']), satisfied: (id) => id === 'a' }));
    await fake.whenRunning('b');
    fake.finish('b');
    await fake.whenRunning('c');
    fake.finish('c');
    await done;
    assert.deepEqual(fake.started, ['b', 'c']);

    const fake2 = new FakeTasks();
    const blocked = await schedule(opts(g3, fake2, { run: new Set(['b', 'c']), satisfied: () => false }));
    assert.deepEqual(fake2.cancelled, [['b', 'a'], ['c', 'b']]);
    assert.equal(blocked.get('c'), 'cancelled');

    const fake3 = new FakeTasks();
    const forced = schedule(opts(g3, fake3, { run: new Set(['b']), satisfied: () => false, forced: new Set(['b']) }));
    await fake3.whenRunning('b');
    fake3.finish('b');
    assert.equal((await forced).get('b'), 'success');
  });

  it('starts nothing new once aborted, and leaves unstarted tasks without an outcome', async () => {
    const fake = new FakeTasks();
    const ac = new AbortController();
    const g4 = graph({ a: [], b: ['a'], c: [] });
    const done = schedule(opts(g4, fake, { parallel: 1, signal: ac.signal }));
    await fake.whenRunning('a');
    ac.abort();
    fake.finish('a', 'cancelled');
    const out = await done;
    assert.deepEqual(fake.started, ['a']);
    assert.equal(out.has('c'), false);
    assert.equal(out.get('b'), 'cancelled');
  });

  it('schedules a 10,000-task chain without deep recursion', async () => {
    const spec: Record<string, string[]> = {};
    for (let i = 0; i < 10_000; i++) spec[`t${i}`] = i === 0 ? [] : [`t${i - 1}`];
    const g10 = graph(spec);
    let n = 0;
    const out = await schedule({ graph: g10, run: new Set(g10.ids), satisfied: () => true, mode: 'eager', parallel: 2, execute: () => (n++, Promise.resolve('success')), cancelUpstream: () => Promise.resolve() });
    assert.equal(n, 10_000);
    assert.equal(out.size, 10_000);
  });
});
