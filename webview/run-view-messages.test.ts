import assert from 'node:assert/strict';
import { parseFromView, parseToView, parseViewState } from './run-view-messages';

describe('run view messages: what each side accepts', () => {
  const goodFromView: unknown[] = [
    { type: 'ready' },
    { type: 'resume' },
    { type: 'cancel' },
    { type: 'rerun', task: 'build', downstream: false },
    { type: 'rerun', task: 'build', downstream: true },
    { type: 'openTask', task: 'build' },
    { type: 'openLog', task: 'build', attempt: 2 },
    { type: 'diff', task: 'build', attempt: 1 },
  ];
  for (const m of goodFromView) {
    it(`extension accepts ${JSON.stringify(m)}`, () => assert.deepEqual(parseFromView(m), m));
  }

  const badFromView: [unknown, string][] = [
    [null, 'a message must be an object with a type'],
    ['resume', 'a message must be an object with a type'],
    [[{ type: 'resume' }], 'a message must be an object with a type'],
    [{ type: 'runShell', command: 'rm -rf /' }, 'unknown message type "runShell"'],
    [{ type: 'resume', store: '/elsewhere/.cairn' }, 'unknown field "store" in a resume message'],
    [{ type: 'rerun', task: 'build' }, 'rerun needs a task and downstream true or false'],
    [{ type: 'rerun', task: '', downstream: true }, 'rerun needs a task and downstream true or false'],
    [{ type: 'rerun', task: 'x'.repeat(5000), downstream: true }, 'rerun needs a task and downstream true or false'],
    [{ type: 'openLog', task: 'build', attempt: 0 }, 'openLog needs a task and an attempt number >= 1'],
    [{ type: 'diff', task: 'build', attempt: '1' }, 'diff needs a task and an attempt number >= 1'],
    [{ type: 'openLog', task: 'build', attempt: 1, path: '/etc/passwd' }, 'unknown field "path" in a openLog message'],
    [JSON.parse('{"type":"cancel","__proto__":{"x":1}}'), 'unknown field "__proto__" in a cancel message'],
  ];
  for (const [m, problem] of badFromView) {
    it(`extension refuses ${JSON.stringify(m)?.slice(0, 80)}: ${problem}`, () => assert.equal(parseFromView(m), problem));
  }

  const event = { seq: 1, at: '2026-11-21T12:00:00.000Z', type: 'run-created', runId: 'r', workflow: 'w', file: 'w.cairn.toml', revision: 'h', mode: 'eager', parallel: 1, cliVars: {}, structure: [] };
  const run = { store: '/w/.cairn', runId: 'r' };

  it('view accepts what the extension sends', () => {
    for (const m of [
      { type: 'init', run, events: [event], driverAlive: true, trusted: true },
      { type: 'events', events: [{ seq: 2, at: event.at, type: 'run-status', status: 'running' }], driverAlive: true },
      { type: 'stale', stale: [['build', ['command changed']]] },
      { type: 'trust', trusted: false },
      { type: 'problem', message: 'no run r in /w/.cairn' },
      { type: 'paused', task: 'build' },
      { type: 'paused', task: null },
    ]) {
      assert.deepEqual(parseToView(m), m);
    }
  });

  const badToView: [unknown, string][] = [
    [{ type: 'init', events: [], driverAlive: true, trusted: true }, 'init needs the run'],
    [{ type: 'init', run, events: [], trusted: true }, 'init needs driverAlive and trusted'],
    [{ type: 'events', events: [{ ...event, seq: 0 }], driverAlive: true }, 'event 0 is not a run event (seq, type, at)'],
    [{ type: 'events', events: [{ ...event, type: 'task-exploded' }], driverAlive: true }, 'event 0 is not a run event (seq, type, at)'],
    [{ type: 'events', events: [event, { seq: 2, at: event.at, type: 'attempt-started', task: 'a' }], driverAlive: true }, 'event 1 (attempt-started, seq 2) lacks a field the view needs'],
    [{ type: 'events', events: {}, driverAlive: true }, 'events must be a list'],
    [{ type: 'stale', stale: [['build', 'command changed']] }, 'stale must be a list of [task, reasons]'],
    [{ type: 'paint', html: '<script>' }, 'unknown message type "paint"'],
    [{ type: 'paused', task: 3 }, 'paused needs a task (or null)'],
    [{ type: 'paused' }, 'paused needs a task (or null)'],
  ];
  for (const [m, problem] of badToView) {
    it(`view refuses ${JSON.stringify(m).slice(0, 80)}: ${problem}`, () => assert.equal(parseToView(m), problem));
  }

  it('restores only a state the view wrote', () => {
    assert.deepEqual(parseViewState({ run, selected: 'build', zoom: 3 }), { run, selected: 'build' });
    assert.deepEqual(parseViewState({ run, selected: 7 }), { run });
    assert.equal(parseViewState({ run: { store: '/w' } }), undefined);
    assert.equal(parseViewState(undefined), undefined);
  });
});
