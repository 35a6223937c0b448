import assert from 'node:assert/strict';
import type { RunSummary, VarRow } from '../../runner/engine/queries';
import type { RunDocument, TaskDocument } from '../../runner/engine/run-document';
import { attemptView, runView, snapshotView, statusIcon, taskView, variablesOf, variableView } from '../../client/tree-model';

describe('tree-model: what the Runs and Variables views show', () => {
  const summary = (over: Partial<RunSummary> = {}): RunSummary => ({ id: '01RUN', workflow: 'release', file: 'release.cairn.toml', status: 'failed', resumes: 0, createdAt: '2026-11-21T15:30:25.123Z', endedAt: '2026-11-21T15:30:27.000Z', tasks: { success: 3, failed: 1, cancelled: 2 }, ...over });
  const task = (over: Partial<TaskDocument> = {}): TaskDocument => ({
    id: 'build',
    type: 'task',
    status: 'success',
    reason: null,
    attempt: 2,
    stale: false,
    staleReasons: [],
    attempts: [
      { attempt: 1, resume: 0, status: 'failed', exitCode: 1, reason: 'exit', revision: 'aaa', startedAt: '2026-11-21T15:30:25Z', endedAt: '2026-11-21T15:30:26Z', durationMs: 1200, command: 'make', log: 'x' },
      { attempt: 2, resume: 1, status: 'success', exitCode: 0, reason: null, revision: 'bbb', startedAt: '2026-11-21T15:31:25Z', endedAt: '2026-11-21T15:31:26Z', durationMs: 900, command: 'make', log: 'y' },
    ],
    ...over,
  });
  const doc = (status: string): RunDocument => ({ id: '01RUN', workflow: 'release', file: 'release.cairn.toml', status, mode: 'eager', parallel: 2, resumes: 1, createdAt: '', endedAt: null, vars: {}, tasks: [] });

  it('shows a run by workflow and status, newest-first details, and which actions apply', () => {
    const v = runView(summary());
    assert.equal(v.label, 'release · failed');
    assert.equal(v.description, '2026-11-21 15:30 · 01RUN');
    assert.match(v.tooltip ?? '', /tasks: 3 success, 1 failed, 2 cancelled/);
    assert.equal(v.contextValue, 'cairn.run.resumable');
    assert.deepEqual(v.icon, { id: 'error', color: 'testing.iconFailed' });
    assert.equal(runView(summary({ status: 'running' })).contextValue, 'cairn.run.running');
    assert.equal(runView(summary({ status: 'success' })).contextValue, 'cairn.run');
  });

  it('shows a task with its attempt, duration and stale mark; re-run only for a task that ran, of a run not driven', () => {
    const v = taskView(doc('success'), task());
    assert.equal(v.description, 'attempt 2 · 900ms');
    assert.equal(v.contextValue, 'cairn.task.rerunnable');
    const stale = taskView(doc('success'), task({ stale: true, staleReasons: ['command changed'] }));
    assert.equal(stale.icon?.id, 'warning');
    assert.match(stale.tooltip ?? '', /stale: command changed/);
    assert.equal(taskView(doc('running'), task()).contextValue, 'cairn.task');
    assert.equal(taskView(doc('failed'), task({ status: 'cancelled', reason: 'upstream-failed', attempts: [], attempt: 0 })).contextValue, 'cairn.task');
    assert.equal(taskView(doc('failed'), task({ type: 'forensic' })).contextValue, 'cairn.task');
  });

  it('shows an attempt with the resume it belongs to and its exit', () => {
    const [first, second] = task().attempts;
    assert.deepEqual([attemptView(first!).label, attemptView(first!).description], ['attempt 1 · failed', 'first run · 1.2s · exit 1 · exit']);
    assert.deepEqual([attemptView(second!).label, attemptView(second!).description], ['attempt 2 · success', 'resume 1 · 900ms']);
  });

  it('groups variable snapshots by name, latest value shown, history newest first, secrets as the server masked them', () => {
    const rows: VarRow[] = [
      { seq: 3, name: 'version', value: '1.4.0', source: 'register', task: 'version', attempt: 1, at: '2026-11-21T15:30:25Z' },
      { seq: 1, name: 'env', value: 'staging', source: 'default', task: null, attempt: null, at: '2026-11-21T15:30:24Z' },
      { seq: 9, name: 'version', value: '1.4.1', source: 'register', task: 'version', attempt: 2, at: '2026-11-21T15:31:25Z' },
      { seq: 2, name: 'token', value: '***', source: 'env', task: null, attempt: null, at: '2026-11-21T15:30:24Z' },
    ];
    const vars = variablesOf(rows);
    assert.deepEqual(vars.map((v) => [v.name, v.latest.value, v.history.map((h) => h.value)]), [['env', 'staging', ['staging']], ['token', '***', ['***']], ['version', '1.4.1', ['1.4.1', '1.4.0']]]);
    const version = variableView(vars[2]!);
    assert.equal(version.description, '1.4.1');
    assert.match(version.tooltip ?? '', /set by version \(attempt 2\); 2 snapshots/);
    assert.equal(snapshotView(vars[2]!.history[1]!).description, 'set by version (attempt 1) · 2026-11-21 15:30');
    assert.match(snapshotView({ ...rows[1]!, source: 'override' }).description ?? '', /^overridden by --var on a resume/);
  });

  it('has an icon for every run and task status', () => {
    for (const s of ['success', 'failed', 'interrupted', 'running', 'resuming', 'cancelled', 'skipped', 'pending']) assert.ok(statusIcon(s), s);
  });
});
