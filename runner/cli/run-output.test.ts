import assert from 'node:assert/strict';
import type { NewRunEvent, RunEvent } from '../engine/events';
import { applyEvent, emptyRunState, type RunState } from '../store/run-state';
import { RunOutput } from './run-output';

describe('RunOutput: the text of a run for its terminal', () => {
  let seq = 0;
  const stamp = (e: NewRunEvent): RunEvent => ({ ...e, seq: ++seq, at: '2026-11-21T00:00:00.000Z' });
  const ended = (task: string, status: 'success' | 'failed'): NewRunEvent => ({
    type: 'attempt-ended',
    task,
    attempt: 1,
    outcome: status === 'success' ? { status, reason: null, exitCode: 0, signal: null } : { status, reason: 'exit', exitCode: 1, signal: null },
    durationMs: 1200,
    logTail: '',
  });

  function setup(opts: { maxPendingChars?: number } = {}): { out: RunOutput; sent: string[]; state: RunState; feed: (...e: NewRunEvent[]) => void } {
    seq = 0;
    const sent: string[] = [];
    const state = emptyRunState();
    const out = new RunOutput({ emit: (t) => sent.push(t), flushMs: 10_000, ...opts });
    const feed = (...es: NewRunEvent[]): void => {
      const stamped = es.map(stamp);
      for (const e of stamped) applyEvent(state, e);
      out.onEvents(stamped, state);
    };
    feed({ type: 'run-created', runId: '01RUN', workflow: 'w', file: 'w.cairn.toml', revision: 'r', mode: 'eager', parallel: 2, cliVars: {}, structure: [{ id: 'a', deps: [], type: 'task' }] });
    return { out, sent, state, feed };
  }

  it("prefixes each line a task prints with the task, holds an unfinished line until it ends, then the CLI's line", () => {
    const { out, sent, feed } = setup();
    out.onOutput('a', 'one\ntw');
    out.onOutput('a', 'o\r\nthr');
    assert.deepEqual(sent, [], 'output waits for its batch');
    feed(ended('a', 'success'));
    assert.deepEqual(sent.join('').split('\n'), ['[a] one', '[a] two', '[a] thr', '✓ a 1.2s', '']);
  });

  it('sends a task change at once, and the run line names the run as the CLI does', () => {
    const { sent, feed } = setup();
    feed(ended('a', 'failed'), { type: 'run-status', status: 'failed' });
    assert.deepEqual(sent.join('').split('\n'), ['✗ a (exit 1)', 'run 01RUN failed — fix it, then: cairn resume 01RUN', '']);
    assert.equal(sent.length, 1, "a batch of events is one notification, whatever its number of lines");
  });

  it('drops output past its bound with a line that says how much, and keeps the task changes', () => {
    const { out, sent, feed } = setup({ maxPendingChars: 100 });
    for (let i = 0; i < 50; i++) out.onOutput('a', `line ${i}\n`);
    out.flush();
    const text = sent.join('');
    assert.ok(text.length < 300, text);
    assert.match(text, /\[a\] … \d+ lines not shown here .*its log has every line/);
    const shown = text.split('\n').filter((l) => /^\[a\] line/.test(l)).length;
    const dropped = Number(/… (\d+) lines/.exec(text)?.[1]);
    assert.equal(shown + dropped, 50, 'every line is either shown or counted');
    feed(ended('a', 'success'));
    assert.match(sent.join(''), /✓ a 1\.2s\n$/);
  });

  it('shows the newest lines of a chunk too big for its bound, after a note counting the older ones', () => {
    const { out, sent } = setup({ maxPendingChars: 100 });
    out.onOutput('a', Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(''));
    out.flush();
    const lines = sent.join('').split('\n');
    const shown = lines.filter((l) => /^\[a\] line/.test(l));
    assert.ok(shown.length > 0 && shown.join('\n').length <= 100, lines.join('\n'));
    assert.equal(shown[shown.length - 1], '[a] line 999', 'the newest line is shown');
    assert.match(lines[0] ?? '', new RegExp(`^\\[a\\] … ${1000 - shown.length} lines not shown here`), 'the note comes first, for the older lines');
    assert.deepEqual(shown, shown.map((_l, i) => `[a] line ${1000 - shown.length + i}`), 'in order, no gap');
  });

  it('puts the note of dropped lines before what comes after them: the unfinished line and the task\'s end', () => {
    const { out, sent, feed } = setup({ maxPendingChars: 60 });
    for (let i = 0; i < 50; i++) out.onOutput('a', `line ${i}\n`);
    out.onOutput('a', 'partial-last');
    feed(ended('a', 'success'));
    const lines = sent.join('').split('\n');
    const note = lines.findIndex((l) => /^\[a\] … \d+ lines not shown/.test(l));
    assert.ok(note >= 0, lines.join('\n'));
    assert.ok(note < lines.indexOf('[a] partial-last') && lines.indexOf('[a] partial-last') < lines.findIndex((l) => l.startsWith('✓ a')), lines.join('\n'));
    const shown = lines.filter((l) => /^\[a\] line/.test(l)).map((l) => Number(l.slice('[a] line '.length)));
    assert.deepEqual(shown, [...shown].sort((x, y) => x - y), 'shown lines in order');
    assert.equal(shown.length + Number(/… (\d+)/.exec(lines[note] ?? '')?.[1]), 50, 'every line shown or counted');
    assert.ok(lines.slice(note + 1).every((l) => !/^\[a\] line/.test(l)), 'the dropped lines are the newer ones, after those shown: the note follows them');
  });

  it('keeps only the end of a line that never ends (a progress bar redrawn with \\r)', () => {
    const { out, sent } = setup();
    for (let i = 0; i < 1000; i++) out.onOutput('a', `\r${String(i).padStart(3, '0')}% ${'#'.repeat(40)}`);
    out.flush(true);
    const text = sent.join('');
    assert.ok(text.length <= 4096 + '[a] \n'.length, `${text.length} chars`);
    assert.match(text, /999% #{40}\n$/);
  });

  it('at the end of a run, sends every unfinished line', () => {
    const { out, sent } = setup();
    out.onOutput('a', 'no newline');
    out.flush(true);
    assert.deepEqual(sent, ['[a] no newline\n']);
  });
});
