import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { RunEvent } from '../engine/events';
import { emptyRunState, type RunState, type TaskState } from '../store/run-state';
import { ProgressPrinter } from './progress-printer';

/** A run state whose task map counts full walks (what a progress line's counts cost). */
function stateOf(n: number): { state: RunState; walks: () => number } {
  let walks = 0;
  class CountingMap extends Map<string, TaskState> {
    override values(): MapIterator<TaskState> {
      walks++;
      return super.values();
    }
  }
  const tasks = new CountingMap();
  for (let i = 0; i < n; i++) tasks.set(`t${i}`, { id: `t${i}`, status: 'pending', attempts: [] } as unknown as TaskState);
  return { state: { ...emptyRunState(), id: 'R1', tasks }, walks: () => walks };
}

const started = (task: string): RunEvent => ({ type: 'attempt-started', task, attempt: 1 }) as unknown as RunEvent;
const ended = (task: string): RunEvent => ({ type: 'attempt-ended', task, attempt: 1, outcome: { status: 'success', reason: null, exitCode: 0, signal: null }, durationMs: 3 }) as unknown as RunEvent;

describe('ProgressPrinter', function () {
  it('on a terminal keeps a progress line under the task lines; elsewhere prints task lines only', () => {
    for (const isTTY of [true, false]) {
      const out: string[] = [];
      const printer = new ProgressPrinter({ write: (s) => out.push(s), isTTY, columns: 80 });
      const { state } = stateOf(3);
      printer.onEvents([started('t0')], state);
      state.tasks.get('t0')!.status = 'success';
      printer.onEvents([ended('t0'), started('t1')], state);
      printer.finish();
      const text = out.join('');
      assert.match(text, /✓ t0 3ms\n/);
      if (isTTY) {
        assert.match(text, /0\/3 done · running t0/);
        assert.ok(text.endsWith('\r\x1b[2K'), 'finish() clears the progress line');
      } else assert.doesNotMatch(text, /done · running/);
    }
  });

  it('counts the tasks at most about every 100 ms however fast events come, and redraws fresh counts after a burst', async () => {
    const out: string[] = [];
    const printer = new ProgressPrinter({ write: (s) => out.push(s), isTTY: true, columns: 120 });
    const n = 10_000;
    const { state, walks } = stateOf(n);
    for (let i = 0; i < n; i++) {
      printer.onEvents([started(`t${i}`)], state);
      state.tasks.get(`t${i}`)!.status = 'success';
      printer.onEvents([ended(`t${i}`)], state);
    }
    assert.ok(walks() <= 5, `${walks()} walks of ${n} tasks for ${2 * n} event batches`);
    printer.onEvents([started('t9999')], state);
    await delay(250);
    assert.match(out.join('').split('\r\x1b[2K').at(-1) ?? '', /^ {2}10000\/10000 done · running t9999$/, 'the line caught up once the burst was over');
    printer.finish();
  });
});
