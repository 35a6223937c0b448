import assert from 'node:assert/strict';
import type { NewRunEvent, RunEvent } from '../runner/engine/events';
import { formatDuration } from '../runner/model/duration';
import { lastDriveTime, mergeChanges, neighbours, pendingOverrides, newRunView, nodeFace, noChanges, receive, runActions, shownRunStatus, taskActions, taskVars, type RunView } from './run-view-model';

const fingerprint = { command: 'x', template: 'x', dir: '/w', shell: '/bin/sh', env: {}, vars: {}, inputs: {} };
const run = { store: '/w/.cairn', runId: '01RUN' };

/** Numbers and stamps events as the store would: one second apart from 12:00:00. */
function stamp(events: NewRunEvent[], from = 1): RunEvent[] {
  return events.map((e, i) => ({ ...e, seq: from + i, at: new Date(Date.UTC(2026, 10, 21, 12, 0, from + i)).toISOString() }));
}

const structure = [
  { id: 'lint', deps: [], type: 'task' as const },
  { id: 'test', deps: ['lint'], type: 'task' as const },
  { id: 'build', deps: ['test'], type: 'task' as const },
  { id: 'diagnose', deps: [], type: 'forensic' as const, target: 'test' },
];

const attempt = (task: string, n: number, resume = 0): NewRunEvent => ({ type: 'attempt-started', task, attempt: n, resume, revision: `rev${resume}`, command: `do ${task}`, dir: '/w', log: `/w/.cairn/runs/01RUN/logs/${task}.${n}.log`, fingerprint });
const ended = (task: string, n: number, ok: boolean, durationMs = 1500): NewRunEvent => ({
  type: 'attempt-ended',
  task,
  attempt: n,
  outcome: ok ? { status: 'success', reason: null, exitCode: 0, signal: null } : { status: 'failed', reason: 'exit', exitCode: 1, signal: null },
  durationMs,
  logTail: ok ? 'ok' : 'AssertionError: expected 3 to equal 4',
});

/** The story of SPEC §6: lint passes, test fails, build is cancelled, the run fails. */
const failedRun = stamp([
  { type: 'run-created', runId: '01RUN', workflow: 'release', file: 'release.cairn.toml', revision: 'rev0', mode: 'eager', parallel: 2, cliVars: {}, structure },
  { type: 'run-status', status: 'running' },
  attempt('lint', 1),
  ended('lint', 1, true, 420),
  { type: 'var-set', name: 'version', value: '1.2.3', secret: false, source: 'register', task: 'lint', attempt: 1 },
  { type: 'var-set', name: 'token', value: null, secret: true, source: 'register', task: 'lint', attempt: 1 },
  attempt('test', 1),
  ended('test', 1, false),
  { type: 'task-status', task: 'build', status: 'cancelled', reason: 'upstream-failed' },
  { type: 'run-status', status: 'failed' },
]);

function opened(events: RunEvent[] = failedRun, driverAlive = false, trusted = true): RunView {
  const view = newRunView();
  receive(view, { type: 'init', run, events, driverAlive, trusted });
  return view;
}

describe('run view model: events → what the view shows', () => {
  it('folds a failed run: red test with its reason, build cancelled by its dependency, lint green', () => {
    const view = opened();
    const now = Date.UTC(2026, 10, 21, 13);
    assert.equal(nodeFace(view, 'lint', now).detail, '420ms');
    assert.equal(nodeFace(view, 'test', now).status, 'failed');
    assert.equal(nodeFace(view, 'test', now).detail, 'failed: exit 1');
    assert.equal(nodeFace(view, 'build', now).detail, 'cancelled — dependency failed');
    assert.equal(nodeFace(view, 'diagnose', now).forensic, true);
    assert.equal(shownRunStatus(view), 'failed');
  });

  it('init redraws everything and lays out; events redraw only the tasks they touch', () => {
    const view = newRunView();
    const first = receive(view, { type: 'init', run, events: failedRun.slice(0, 2), driverAlive: true, trusted: true });
    assert.deepEqual([first.layout, [...first.tasks].sort()], [true, ['build', 'diagnose', 'lint', 'test']]);
    const next = receive(view, { type: 'events', events: failedRun.slice(2, 5), driverAlive: true });
    assert.deepEqual([next.layout, next.run, [...next.tasks]], [false, true, ['lint']]);
  });

  it('ignores events it has already folded (a read overlapping a live batch)', () => {
    const view = opened(failedRun.slice(0, 4), true);
    const again = receive(view, { type: 'events', events: failedRun.slice(2, 6), driverAlive: true });
    assert.deepEqual([...again.tasks], ['lint'], 'only the var-sets after seq 4 are new');
    assert.equal(view.state.tasks.get('lint')!.attempts.length, 1);
  });

  it('after a resume: kept tasks say so, the failed one runs as attempt 2, structure laid out again', () => {
    const view = opened();
    const resume = stamp(
      [
        { type: 'resume-started', resume: 1, revision: 'rev1', mode: 'eager', parallel: 2, overrides: {}, kept: ['lint'], rerun: ['test', 'build'], structure },
        { type: 'run-status', status: 'running' },
        attempt('test', 2, 1),
      ],
      failedRun.length + 1,
    );
    const changes = receive(view, { type: 'events', events: resume, driverAlive: true });
    assert.equal(changes.layout, true);
    const now = Date.parse(resume[2]!.at) + 2500;
    assert.equal(nodeFace(view, 'lint', now).detail, '420ms · kept');
    assert.equal(nodeFace(view, 'test', now).detail, 'running 2.5s · attempt 2');
    assert.equal(nodeFace(view, 'test', now).status, 'running');
    receive(view, { type: 'events', events: stamp([ended('test', 2, true, 3000)], failedRun.length + 4), driverAlive: true });
    assert.equal(nodeFace(view, 'test', now).detail, '3.0s · attempt 2');
  });

  it('a re-run clears "kept"; staleness shows on succeeded tasks and goes when the task runs again', () => {
    const view = opened();
    receive(view, { type: 'events', events: stamp([{ type: 'resume-started', resume: 1, revision: 'rev1', mode: 'eager', parallel: 2, overrides: {}, kept: ['lint'], rerun: [], structure }], 11), driverAlive: false });
    const stale = receive(view, { type: 'stale', stale: [['lint', ['command changed']], ['test', []]] });
    assert.deepEqual([...stale.tasks], ['lint']);
    assert.equal(nodeFace(view, 'lint', 0).detail, '420ms · kept · stale');
    const rerun = receive(view, { type: 'events', events: stamp([{ type: 'rerun-started', resume: 2, revision: 'rev2', task: 'lint', downstream: false, rerun: ['lint'] }, attempt('lint', 2, 2)], 12), driverAlive: true });
    assert.ok(rerun.tasks.has('lint'));
    assert.equal(view.kept.size, 0);
    assert.equal(view.stale.has('lint'), false);
    assert.match(nodeFace(view, 'lint', Date.parse('2026-11-21T12:00:13Z')).detail, /^running 0ms · attempt 2$/);
  });

  it("times the run's last drive: the whole run, then only the resume (not the hours before it)", () => {
    const view = opened(failedRun.slice(0, 7), true);
    assert.equal(lastDriveTime(view.state), undefined, 'nothing while it goes on');
    const failed = opened();
    assert.equal(lastDriveTime(failed.state), formatDuration(9000));
    receive(failed, {
      type: 'events',
      events: stamp([{ type: 'resume-started', resume: 1, revision: 'rev1', mode: 'eager', parallel: 2, overrides: {}, kept: ['lint'], rerun: ['test', 'build'], structure }, attempt('test', 2, 1), ended('test', 2, true), { type: 'run-status', status: 'success' }], 41),
      driverAlive: false,
    });
    assert.equal(lastDriveTime(failed.state), `${formatDuration(3000)} (resume 1)`);
  });

  it('a run recorded as running whose driver is gone shows as interrupted, its running task too', () => {
    const view = opened(failedRun.slice(0, 7), false);
    assert.equal(shownRunStatus(view), 'interrupted');
    assert.equal(nodeFace(view, 'test', 0).status, 'interrupted');
    assert.equal(runActions(view).resume.enabled, true);
    assert.equal(runActions(view).cancel.enabled, false);
  });

  it('enables actions as SPEC §6 says: resume on a failed run, cancel while driven, re-run on tasks that ran, nothing untrusted', () => {
    const failed = opened();
    assert.equal(runActions(failed).resume.enabled, true);
    assert.equal(runActions(failed).cancel.enabled, false);
    assert.equal(taskActions(failed, 'test').rerun.enabled, true);
    assert.equal(taskActions(failed, 'build').rerunDownstream.enabled, false);
    assert.match(taskActions(failed, 'build').rerun.title, /never ran/);
    assert.match(taskActions(failed, 'diagnose').rerun.title, /forensic/);
    const driven = opened(failedRun.slice(0, 7), true);
    assert.equal(runActions(driven).resume.enabled, false);
    assert.equal(runActions(driven).cancel.enabled, true);
    assert.match(taskActions(driven, 'lint').rerun.title, /going on/);
    const untrusted = opened(failedRun, false, false);
    assert.equal(runActions(untrusted).resume.enabled, false);
    assert.match(runActions(untrusted).resume.title, /Trust/);
    receive(untrusted, { type: 'trust', trusted: true });
    assert.equal(runActions(untrusted).resume.enabled, true);
    const done = opened([...failedRun.slice(0, 4), ...stamp([{ type: 'run-status', status: 'success' }], 5)]);
    assert.match(runActions(done).resume.title, /this one is success/);
  });

  it('lists the variables a task registered with secrets masked, and walks the graph both ways', () => {
    const view = opened();
    assert.deepEqual(
      taskVars(view, 'lint').map((v) => [v.name, v.value, v.attempt]),
      [
        ['version', '1.2.3', 1],
        ['token', '***', 1],
      ],
    );
    assert.deepEqual(neighbours(view, 'test'), { deps: ['lint'], dependents: ['build', 'diagnose'] });
    assert.deepEqual(neighbours(view, 'diagnose'), { deps: ['test'], dependents: [] });
    assert.deepEqual(neighbours(view, 'nope'), { deps: [], dependents: [] });
  });

  it('shows the overrides recorded for the next resume, until a resume takes them', () => {
    const view = opened();
    receive(view, { type: 'events', events: stamp([{ type: 'var-set', name: 'env', value: 'prod', secret: false, source: 'editor' }, { type: 'var-set', name: 'env', value: 'qa', secret: false, source: 'editor' }], 11), driverAlive: false });
    assert.deepEqual(pendingOverrides(view), [{ name: 'env', value: 'qa' }]);
    assert.match(runActions(view).resume.title, /with env = "qa"$/);
    receive(view, { type: 'events', events: stamp([{ type: 'resume-started', resume: 1, revision: 'rev1', mode: 'eager', parallel: 2, overrides: {}, kept: ['lint'], rerun: ['test'], structure }], 13), driverAlive: true });
    assert.deepEqual(pendingOverrides(view), []);
  });

  it('shows the task a debug session holds as paused, and lets go of it', () => {
    const view = opened(failedRun.slice(0, 4), true);
    const held = receive(view, { type: 'paused', task: 'test' });
    assert.deepEqual([...held.tasks], ['test']);
    assert.equal(nodeFace(view, 'test', 0).paused, true);
    assert.equal(nodeFace(view, 'test', 0).detail, 'pending · paused');
    const moved = receive(view, { type: 'paused', task: 'lint' });
    assert.deepEqual([...moved.tasks].sort(), ['lint', 'test']);
    assert.equal(nodeFace(view, 'lint', 0).detail, '420ms · paused');
    receive(view, { type: 'paused', task: null });
    assert.equal(nodeFace(view, 'lint', 0).paused, false);
  });

  it('a new init starts over and drops a selection the run no longer has', () => {
    const view = opened();
    view.selected = 'build';
    receive(view, { type: 'init', run, events: stamp([{ type: 'run-created', runId: '01RUN', workflow: 'w', file: 'w', revision: 'r', mode: 'eager', parallel: 1, cliVars: {}, structure: [structure[0]!] }]), driverAlive: true, trusted: true });
    assert.equal(view.selected, undefined);
    assert.deepEqual([...view.state.tasks.keys()], ['lint']);
  });

  it('merges the changes of a frame\'s messages', () => {
    const into = noChanges();
    mergeChanges(into, { layout: false, run: true, tasks: new Set(['a']) });
    mergeChanges(into, { layout: true, run: false, tasks: new Set(['b']) });
    assert.deepEqual([into.layout, into.run, [...into.tasks]], [true, true, ['a', 'b']]);
  });

  it('formats durations as the CLI and the sidebar do', () => {
    assert.deepEqual([formatDuration(420), formatDuration(1500), formatDuration(42_000), formatDuration(125_000), formatDuration(119_700)], ['420ms', '1.5s', '42.0s', '2m05s', '2m00s']);
  });
});
