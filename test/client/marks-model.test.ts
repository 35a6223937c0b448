import assert from 'node:assert/strict';
import { lensesOf, lookOf, recoveryOffer, shiftMarks } from '../../client/marks-model';
import type { TaskMark, TaskMarksResult } from '../../server/run-protocol';

describe('marks-model: what the gutter and the code lenses show for a task', () => {
  const mark = (over: Partial<TaskMark>): TaskMark => ({ task: 't', line: 0, status: 'success', reason: null, attempts: 1, stale: [], ...over });
  const run = (runStatus: TaskMarksResult['runStatus'], ...tasks: TaskMark[]): TaskMarksResult => ({ store: '/w/.cairn', runId: '01RUN', runStatus, tasks });
  const titles = (r: TaskMarksResult, m: TaskMark): string[] => lensesOf(r, m).map((l) => l.title);

  it('draws a success as ✓, a stale success as ⚠, a failure or interruption as ✗, and nothing for pending or skipped', () => {
    assert.equal(lookOf(mark({})), 'success');
    assert.equal(lookOf(mark({ stale: ['command changed'] })), 'stale');
    assert.equal(lookOf(mark({ status: 'failed' })), 'failed');
    assert.equal(lookOf(mark({ status: 'interrupted' })), 'failed');
    assert.equal(lookOf(mark({ status: 'running' })), 'running');
    assert.equal(lookOf(mark({ status: 'cancelled' })), 'cancelled');
    assert.equal(lookOf(mark({ status: 'pending' })), undefined);
    assert.equal(lookOf(mark({ status: 'skipped' })), undefined);
  });

  it('offers Resume from failure on the failed task of a failed run, not on the tasks cancelled because of it', () => {
    const failed = mark({ task: 'test', status: 'failed', reason: 'exit' });
    const cancelled = mark({ task: 'build', status: 'cancelled', reason: 'upstream-failed', attempts: 0 });
    const r = run('failed', failed, cancelled);
    assert.deepEqual(titles(r, failed), ['$(debug-continue) Resume from failure', 'Re-run task', 'and downstream']);
    assert.deepEqual(lensesOf(r, failed)[0]?.args, [{ store: '/w/.cairn', runId: '01RUN' }]);
    assert.deepEqual(titles(r, cancelled), [], 'never ran: nothing to re-run');
  });

  it('says why a success is stale, and re-runs it from there', () => {
    const m = mark({ task: 'build', stale: ['command changed', 'src/a.ts changed'] });
    const r = run('success', m);
    assert.deepEqual(titles(r, m), ['$(warning) changed since success: command changed, src/a.ts changed', 'Re-run task', 'and downstream']);
    assert.deepEqual(lensesOf(r, m)[0]?.args, [{ store: '/w/.cairn', runId: '01RUN', task: 'build', downstream: false }]);
    assert.deepEqual(lensesOf(r, m)[2]?.args, [{ store: '/w/.cairn', runId: '01RUN', task: 'build', downstream: true }]);
  });

  it('offers nothing to act on while the run is being driven, nor for a file with no run', () => {
    const m = mark({ status: 'failed' });
    assert.deepEqual(titles(run('running', m), m), []);
    assert.deepEqual(titles(run('resuming', m), m), []);
    assert.deepEqual(titles({ tasks: [m] }, m), []);
  });
});

describe('recoveryOffer: the interrupted runs offered for resume when a window opens', () => {
  it('offers nothing when no run was interrupted', () => {
    assert.equal(recoveryOffer('ws', [{ id: '01A', workflow: 'release', status: 'failed' }]), undefined);
  });

  it('names the one interrupted run, or counts several with their workflows', () => {
    assert.deepEqual(recoveryOffer('ws', [{ id: '01A', workflow: 'release', status: 'interrupted' }, { id: '01B', workflow: 'etl', status: 'success' }]), {
      message: 'Cairn: run 01A of release in ws was interrupted (its process stopped). Resume it from where it stopped?',
      runIds: ['01A'],
    });
    const two = recoveryOffer('ws', [{ id: '01A', workflow: 'release', status: 'interrupted' }, { id: '01C', workflow: 'etl', status: 'interrupted' }]);
    assert.deepEqual(two?.runIds, ['01A', '01C']);
    assert.match(two?.message ?? '', /^Cairn: 2 runs in ws were interrupted .*: release, etl\. Resume them\?$/);
  });
});

describe('shiftMarks: lenses stay on their task while the file is edited, before the next save', () => {
  const marks: TaskMarksResult = { store: '/w/.cairn', runId: '01RUN', runStatus: 'failed', tasks: [0, 4, 9].map((line, i) => ({ task: `t${i}`, line, status: 'success', reason: null, attempts: 1, stale: [] })) };
  const lines = (m: TaskMarksResult): number[] => m.tasks.map((t) => t.line);

  it('moves the marks below an edit by the lines it adds or removes, and leaves those above', () => {
    assert.deepEqual(lines(shiftMarks(marks, [{ startLine: 2, endLine: 2, text: 'a\nb\n' }])), [0, 6, 11]);
    assert.deepEqual(lines(shiftMarks(marks, [{ startLine: 5, endLine: 7, text: '' }])), [0, 4, 7]);
  });

  it('puts a mark inside a removed block at the block start, and keeps the same object when no line moves', () => {
    assert.deepEqual(lines(shiftMarks(marks, [{ startLine: 3, endLine: 6, text: 'x' }])), [0, 3, 6]);
    assert.equal(shiftMarks(marks, [{ startLine: 1, endLine: 1, text: 'typed' }]), marks);
  });
});
