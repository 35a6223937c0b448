// The engine end to end in-process: real processes, real store, temp dirs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRun } from '../store/run-store';
import { dryRunResume, reloadForRestart, resumeRun, rerunTask, startRun, type EngineOptions } from './engine';
import type { RunEvent } from './events';
import { RefusedError } from './load-workflow';
import { runDocument } from './run-document';
import { logTail } from './queries';

interface Sandbox {
  dir: string;
  root: string;
  file: string;
  write(text: string): void;
  count(name: string): number;
}

const sandboxes: string[] = [];

function sandbox(text: string): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-engine-'));
  sandboxes.push(dir);
  const file = path.join(dir, 'w.cairn.toml');
  const s: Sandbox = {
    dir,
    root: path.join(dir, '.cairn'),
    file,
    write: (t) => fs.writeFileSync(file, t),
    // Tasks append a line to counts/<name> each time they run.
    count: (name) => {
      const f = path.join(dir, 'counts', name);
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
    },
  };
  fs.mkdirSync(path.join(dir, 'counts'));
  s.write(text);
  return s;
}

after(() => {
  for (const d of sandboxes) fs.rmSync(d, { recursive: true, force: true });
});

/** Polls a condition written off the critical path (the parse cache is written without being awaited). */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `echo x >> counts/<id>` then the given command. */
const counted = (id: string, then = 'true'): string => `echo x >> counts/${id}; ${then}`;

function opts(s: Sandbox, extra: Partial<EngineOptions> = {}): EngineOptions & { storeRoot: string } {
  return { storeRoot: s.root, io: { env: { PATH: process.env['PATH'], HOME: process.env['HOME'] }, sleep: () => Promise.resolve() }, ...extra };
}

async function collectRun(s: Sandbox, extra: Record<string, unknown> = {}): Promise<{ runId: string; status: string; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const h = await startRun({ ...opts(s), file: s.file, parallel: 2, hooks: { onEvents: (es) => events.push(...es) }, ...extra });
  return { runId: h.runId, status: await h.done, events };
}

const PIPELINE = (failTest: boolean): string => `
[vars]
env = "staging"

[tasks.lint]
run = "${counted('lint')}"

[tasks.version]
run = "${counted('version', 'echo 1.4.0')}"
register = "version"

[tasks.test]
deps = ["lint"]
run = "${counted('test', failTest ? 'echo boom >&2; exit 3' : 'true')}"

[tasks.build]
deps = ["test", "version"]
run = "${counted('build', 'echo built {{ .version }} for {{ .env }} > counts/build.out')}"

[tasks.why]
type = "forensic"
target = "test"
run = "${counted('why', 'tail -n 1 \\"$CAIRN_TARGET_LOG\\" > counts/why.out')}"
`;

describe('engine', function () {
  this.timeout(30_000);

  it('runs a workflow: register feeds templates, a failure cancels dependents and runs its forensic task', async () => {
    const s = sandbox(PIPELINE(true));
    const { runId, status, events } = await collectRun(s);
    assert.equal(status, 'failed');
    const { state } = await readRun(s.root, runId);
    const doc = runDocument(state);
    const byId = Object.fromEntries(doc.tasks.map((t) => [t.id, t]));
    assert.equal(byId['lint']!.status, 'success');
    assert.equal(byId['test']!.status, 'failed');
    assert.equal(byId['test']!.attempts[0]!.exitCode, 3);
    assert.equal(byId['test']!.attempts[0]!.reason, 'exit');
    assert.equal(byId['build']!.status, 'cancelled');
    assert.equal(byId['build']!.reason, 'upstream-failed');
    assert.equal(byId['why']!.status, 'success');
    assert.equal(fs.readFileSync(path.join(s.dir, 'counts/why.out'), 'utf8').trim(), 'boom', 'forensic task read the target log');
    assert.equal(doc.vars['version'], '1.4.0');
    // Status path and durability order: created → running → … → failed.
    const statuses = events.filter((e) => e.type === 'run-status').map((e) => (e.type === 'run-status' ? e.status : ''));
    assert.deepEqual(statuses, ['running', 'failed']);
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'events are numbered without gaps');
  });

  it('costs one fsync per task on a chain, the run\'s end sharing the last task\'s', async () => {
    const s = sandbox(['[tasks.a]', 'run = "true"', '[tasks.b]', 'run = "true"', 'deps = ["a"]'].join('\n'));
    const handle = await startRun({ ...opts(s), file: s.file });
    assert.equal(await handle.done, 'success');
    // The run's birth; a's start; a's end with b's start; b's end with the run's end.
    assert.equal(handle.store.journalCommits, 4);
    const { state } = await readRun(s.root, handle.runId);
    assert.equal(state.status, 'success');
  });

  it('resumes from the point of failure: succeeded tasks are kept with their variables, failed ones run as a new attempt', async () => {
    const s = sandbox(PIPELINE(true));
    const { runId } = await collectRun(s);
    s.write(PIPELINE(false)); // "fix the test"
    const h = await resumeRun({ ...opts(s), runId });
    assert.equal(await h.done, 'success');
    assert.equal(s.count('lint'), 1, 'lint ran once');
    assert.equal(s.count('version'), 1, 'version ran once');
    assert.equal(s.count('test'), 2);
    assert.equal(s.count('build'), 1);
    assert.equal(fs.readFileSync(path.join(s.dir, 'counts/build.out'), 'utf8').trim(), 'built 1.4.0 for staging', 'the kept registration reached build');
    const doc = runDocument((await readRun(s.root, runId)).state);
    assert.equal(doc.status, 'success');
    assert.equal(doc.resumes, 1);
    const test = doc.tasks.find((t) => t.id === 'test')!;
    assert.deepEqual(test.attempts.map((a) => [a.attempt, a.resume, a.status]), [[1, 0, 'failed'], [2, 1, 'success']]);
    assert.notEqual(test.attempts[0]!.revision, test.attempts[1]!.revision, 'the resume used the edited revision');
    assert.ok(fs.existsSync(path.join(s.root, 'runs', runId, 'revisions', `${test.attempts[1]!.revision}.cairn.toml`)));
    assert.equal(doc.tasks.find((t) => t.id === 'why')!.attempts.length, 1, 'the forensic task did not run again');
  });

  it('keeps the checked model of each workflow text it ran, and resumes the same with or without it', async () => {
    const s = sandbox(PIPELINE(true));
    const first = await collectRun(s);
    assert.equal(first.status, 'failed');
    const cache = path.join(s.root, 'parsed');
    await until(() => fs.existsSync(cache) && fs.readdirSync(cache).some((f) => f.endsWith('.json')));
    const [entry] = fs.readdirSync(cache).filter((f) => f.endsWith('.json'));
    assert.match(entry ?? '', /^[0-9a-f]{16}\.json$/, 'named by the revision');
    const withCache = await dryRunResume({ ...opts(s), runId: first.runId });
    fs.rmSync(cache, { recursive: true });
    const without = await dryRunResume({ ...opts(s), runId: first.runId });
    assert.deepEqual([withCache.rerun, withCache.kept], [without.rerun, without.kept]);
    assert.equal(withCache.loaded.revision, without.loaded.revision);
  });

  it('refuses to resume a run that succeeded, and a structure change unless allowed', async () => {
    const s = sandbox(PIPELINE(false));
    const { runId } = await collectRun(s);
    await assert.rejects(resumeRun({ ...opts(s), runId }), (e: unknown) => e instanceof RefusedError && /already succeeded.*cairn rerun/.test(e.message));

    const f = sandbox(PIPELINE(true));
    const failed = await collectRun(f);
    f.write(PIPELINE(false).replace('deps = ["lint"]', 'deps = []') + '\n[tasks.extra]\nrun = "true"\n');
    await assert.rejects(resumeRun({ ...opts(f), runId: failed.runId }), (e: unknown) => e instanceof RefusedError && e.details.includes('added task extra') && e.details.some((d) => d.includes('deps [lint] → []')));
    const h = await resumeRun({ ...opts(f), runId: failed.runId, allowStructureChange: true });
    assert.equal(await h.done, 'success');
    assert.equal(f.count('lint'), 1);
  });

  it('dry-run reports the plan, with stale reasons, and changes no byte of the store', async () => {
    const s = sandbox(PIPELINE(true));
    const { runId } = await collectRun(s);
    s.write(PIPELINE(true).replace("counted('lint')", 'x').replace(`echo x >> counts/lint; true`, `echo x >> counts/lint; echo changed`));
    const before = snapshotDir(s.root);
    const plan = await dryRunResume({ ...opts(s), runId });
    assert.deepEqual(plan.rerun, ['test', 'build']);
    const lint = plan.kept.find((k) => k.id === 'lint')!;
    assert.deepEqual([lint.stale, lint.reasons], [true, ['command changed']]);
    assert.deepEqual(snapshotDir(s.root), before);
  });

  it('re-runs one task with the current revision, and its downstream on request', async () => {
    const s = sandbox(PIPELINE(false));
    const { runId } = await collectRun(s);
    s.write(PIPELINE(false).replace('echo built', 'echo rebuilt'));
    const h = await rerunTask({ ...opts(s), runId, task: 'build' });
    assert.equal(await h.done, 'success');
    assert.equal(fs.readFileSync(path.join(s.dir, 'counts/build.out'), 'utf8').trim(), 'rebuilt 1.4.0 for staging');
    assert.deepEqual([s.count('lint'), s.count('test'), s.count('build')], [1, 1, 2]);
    const h2 = await rerunTask({ ...opts(s), runId, task: 'lint', downstream: true });
    assert.equal(await h2.done, 'success');
    assert.deepEqual([s.count('lint'), s.count('test'), s.count('build'), s.count('version')], [2, 2, 3, 1]);
    const doc = runDocument((await readRun(s.root, runId)).state);
    assert.equal(doc.resumes, 2);
    const build = doc.tasks.find((t) => t.id === 'build')!;
    assert.deepEqual(build.attempts.map((a) => a.resume), [0, 1, 2]);
  });

  it('keeps a $CAIRN_OUTPUT checkpoint of a failed attempt for the next one', async () => {
    const s = sandbox(`
[tasks.work]
outputs = ["cursor"]
run = """
start=\${CAIRN_VAR_cursor:-0}
echo "start=$start" >> counts/work
echo "cursor=$((start + 5))" >> "$CAIRN_OUTPUT"
if [ "$start" = 0 ]; then exit 1; fi
"""
`);
    const { runId, status } = await collectRun(s);
    assert.equal(status, 'failed');
    const h = await resumeRun({ ...opts(s), runId });
    assert.equal(await h.done, 'success');
    assert.deepEqual(fs.readFileSync(path.join(s.dir, 'counts/work'), 'utf8').trim().split('\n'), ['start=0', 'start=5']);
    const { state } = await readRun(s.root, runId);
    assert.deepEqual(state.vars.filter((v) => v.name === 'cursor').map((v) => [v.value, v.task, v.attempt, v.source]), [['5', 'work', 1, 'output'], ['10', 'work', 2, 'output']]);
  });

  it('retries with a doubling delay, and fails with reason timeout or template', async () => {
    const s = sandbox(`
[tasks.flaky]
retries = 2
retry_delay = "100ms"
run = "${counted('flaky', 'test $(wc -l < counts/flaky) -ge 3')}"

[tasks.slow]
timeout = "200ms"
run = "sleep 5"

[tasks.needs]
deps = ["flaky"]
run = "echo {{ .later }}"

[tasks.sets]
run = "echo v"
register = "later"
`);
    const delays: number[] = [];
    const h = await startRun({ ...opts(s), file: s.file, parallel: 4, io: { env: { PATH: process.env['PATH'] }, sleep: (ms) => (delays.push(ms), Promise.resolve()) } });
    assert.equal(await h.done, 'failed');
    assert.deepEqual(delays, [100, 200]);
    const doc = runDocument((await readRun(s.root, h.runId)).state);
    const t = (id: string) => doc.tasks.find((x) => x.id === id)!;
    assert.deepEqual(t('flaky').attempts.map((a) => a.status), ['failed', 'failed', 'success']);
    assert.deepEqual([t('slow').status, t('slow').attempts[0]!.reason], ['failed', 'timeout']);
    // "needs" may run before "sets": then its template fails before spawning.
    const needs = t('needs');
    if (needs.status === 'failed') assert.equal(needs.attempts[0]!.reason, 'template');
  });

  it('skips a task whose condition is false; its dependents proceed', async () => {
    const s = sandbox(`
[vars]
env = "dev"
[tasks.publish]
if = "env == 'prod'"
run = "${counted('publish')}"
[tasks.after]
deps = ["publish"]
run = "${counted('after')}"
`);
    const { runId, status } = await collectRun(s);
    assert.equal(status, 'success');
    assert.deepEqual([s.count('publish'), s.count('after')], [0, 1]);
    const doc = runDocument((await readRun(s.root, runId)).state);
    assert.deepEqual(doc.tasks.map((t) => [t.id, t.status, t.reason]), [['publish', 'skipped', 'condition-false'], ['after', 'success', null]]);
  });

  it("gives a forensic task its silent target's log as an empty file", async () => {
    const s = sandbox(`
[tasks.quiet]
run = "exit 4"
[tasks.why]
type = "forensic"
target = "quiet"
run = "test -f \\"$CAIRN_TARGET_LOG\\" && wc -c < \\"$CAIRN_TARGET_LOG\\""
`);
    const { runId, status } = await collectRun(s);
    assert.equal(status, 'failed');
    const doc = runDocument((await readRun(s.root, runId)).state);
    const why = doc.tasks.find((t) => t.id === 'why')!;
    assert.equal(why.status, 'success', JSON.stringify(why));
    assert.equal(await logTail(s.root, runId, 'why'), '0\n');
  });

  it('writes a log file for each attempt that printed something, and for no other (created at the first byte)', async () => {
    const s = sandbox(`
[vars]
env = "dev"
[tasks.a]
run = "echo a"
[tasks.quiet]
deps = ["a"]
run = "true"
[tasks.b]
deps = ["quiet"]
run = "exit 3"
[tasks.c]
deps = ["b"]
run = "echo never"
[tasks.publish]
if = "env == 'prod'"
run = "echo never"
`);
    const { runId, status } = await collectRun(s, { parallel: 1 });
    assert.equal(status, 'failed');
    const logs = fs.readdirSync(path.join(s.root, 'runs', runId, 'logs')).sort();
    assert.deepEqual(logs, ['a.1.log'], 'quiet and b printed nothing; c (cancelled) and publish (skipped) never ran');
    assert.equal(await logTail(s.root, runId, 'quiet'), '', 'a silent attempt reads as an empty log');
    assert.equal(await logTail(s.root, runId, 'b'), '');
    assert.equal(await logTail(s.root, runId, 'a'), 'a\n');
  });

  it('never writes a secret to the store, and masks it in logs', async () => {
    const secret = 'hunter2-very-secret';
    const s = sandbox(`
[vars]
token = { env = "TOKEN", secret = true }
[tasks.use]
run = "echo token is {{ .token }}; echo also $CAIRN_VAR_token; echo leak=$CAIRN_VAR_token >> $CAIRN_OUTPUT"
[tasks.echoes]
run = "echo prefix-$CAIRN_VAR_token"
register = "echoed"
`);
    const h = await startRun({ ...opts(s), file: s.file, io: { env: { PATH: process.env['PATH'], TOKEN: secret } } });
    assert.equal(await h.done, 'success');
    for (const f of walk(s.root)) assert.ok(!fs.readFileSync(f).includes(secret), `${f} contains the secret`);
    const log = fs.readFileSync(path.join(s.root, 'runs', h.runId, 'logs', 'use.1.log'), 'utf8');
    assert.match(log, /token is \*\*\*/);
    const { state } = await readRun(s.root, h.runId);
    assert.deepEqual(state.vars.filter((v) => v.name === 'leak' || v.name === 'echoed').map((v) => [v.name, v.value]), [['leak', '***'], ['echoed', 'prefix-***']].sort((a, b) => (state.vars.findIndex((v) => v.name === a[0]) - state.vars.findIndex((v) => v.name === b[0]))));
    // A resume without the secret is refused with a clear message.
    const f = sandbox(`
[vars]
token = { env = "TOKEN", secret = true }
[tasks.use]
run = "exit 1"
`);
    const h2 = await startRun({ ...opts(f), file: f.file, io: { env: { PATH: process.env['PATH'], TOKEN: secret } } });
    assert.equal(await h2.done, 'failed');
    await assert.rejects(resumeRun({ ...opts(f), runId: h2.runId }), /secret variable "token" has no value.*TOKEN/);
  });

  it('holds a task before it starts until the beforeTask hook resolves (the debugger pause)', async () => {
    const s = sandbox(`
[vars]
who = "world"
[tasks.first]
run = "${counted('first')}"
[tasks.held]
deps = ["first"]
run = "${counted('held', 'echo hello {{ .who }}')}"
`);
    let release!: () => void;
    const seen: string[] = [];
    let heldStarted = false;
    const h = await startRun({
      ...opts(s),
      file: s.file,
      hooks: {
        onEvents: (es) => {
          if (es.some((e) => e.type === 'attempt-started' && e.task === 'held')) heldStarted = true;
        },
        beforeTask: (info) => {
          seen.push(`${info.task}#${info.attempt}: ${info.prepared.command}`);
          if (info.task !== 'held') return Promise.resolve();
          return new Promise<void>((r) => {
            release = r;
          });
        },
      },
    });
    while (!release) await new Promise((r) => setImmediate(r));
    assert.equal(s.count('first'), 1);
    assert.equal(heldStarted, false, 'no attempt is recorded while the task is held');
    assert.equal(s.count('held'), 0);
    release();
    assert.equal(await h.done, 'success');
    assert.equal(s.count('held'), 1);
    assert.deepEqual(seen, ['first#1: echo x >> counts/first; true', 'held#1: echo x >> counts/held; echo hello world']);
  });

  it('prepares a held task again when its hook says a variable changed meanwhile (the debugger\'s setVariable)', async () => {
    const s = sandbox(`
[vars]
version = "1.0"
[tasks.build]
run = "echo building {{ .version }}"
register = "built"
`);
    const h = await startRun({
      ...opts(s),
      file: s.file,
      hooks: {
        beforeTask: (info) => {
          info.vars.set('version', { value: '2.0', source: 'editor' });
          return Promise.resolve('vars-changed');
        },
      },
    });
    assert.equal(await h.done, 'success');
    const { state } = await readRun(s.root, h.runId);
    assert.equal(state.tasks.get('build')!.attempts[0]!.command, 'echo building 2.0');
    assert.equal(state.vars.find((v) => v.name === 'built')?.value, 'building 2.0');
  });

  it('holds a failed attempt in afterFailure before dependents hear of it; "fail" goes on as without the hook', async () => {
    const s = sandbox(`
[tasks.check]
run = "echo boom >&2; exit 3"
retries = 1
retry_delay = "1ms"
[tasks.after]
deps = ["check"]
run = "${counted('after')}"
`);
    const seen: string[] = [];
    const h = await startRun({
      ...opts(s),
      file: s.file,
      hooks: {
        afterFailure: async (info) => {
          const { state } = await readRun(s.root, h.runId);
          seen.push(`${info.task}#${info.attempt} ${info.outcome.reason} ${info.outcome.exitCode} [${info.logTail.trim()}] ${info.prepared?.command ?? '-'} after:${state.tasks.get('after')!.status}`);
          return { action: 'fail' };
        },
      },
    });
    assert.equal(await h.done, 'failed');
    // Each failed attempt is durable and seen (the retry too), before "after" is cancelled.
    assert.deepEqual(seen, ['check#1 exit 3 [boom] echo boom >&2; exit 3 after:pending', 'check#2 exit 3 [boom] echo boom >&2; exit 3 after:pending']);
    assert.equal(s.count('after'), 0);
  });

  it('restarts a failed task from afterFailure with the file as edited meanwhile: a new attempt of the new revision, no retry spent', async () => {
    const s = sandbox(`
[tasks.check]
run = "test -e fixed || exit 1"
[tasks.after]
deps = ["check"]
run = "${counted('after')}"
`);
    let restarts = 0;
    const h = await startRun({
      ...opts(s),
      file: s.file,
      hooks: {
        afterFailure: async () => {
          if (restarts++ > 0) return { action: 'fail' };
          fs.writeFileSync(s.file, fs.readFileSync(s.file, 'utf8').replace('test -e fixed || exit 1', 'echo fixed now'));
          return { action: 'retry', loaded: await reloadForRestart(h.store, s.root) };
        },
      },
    });
    assert.equal(await h.done, 'success');
    assert.equal(s.count('after'), 1);
    const { state } = await readRun(s.root, h.runId);
    const attempts = state.tasks.get('check')!.attempts;
    assert.deepEqual(attempts.map((a) => [a.attempt, a.command, a.outcome?.status]), [[1, 'test -e fixed || exit 1', 'failed'], [2, 'echo fixed now', 'success']]);
    assert.notEqual(attempts[1]!.revision, attempts[0]!.revision, 'the restart ran the new revision');
    assert.ok(state.revisions.includes(attempts[1]!.revision));
    assert.ok(fs.existsSync(path.join(s.root, 'runs', h.runId, 'revisions', `${attempts[1]!.revision}.cairn.toml`)));
  });

  it('refuses to reload for a restart when the tasks or deps changed, and the run goes on', async () => {
    const s = sandbox(`
[tasks.check]
run = "exit 1"
`);
    let refusal: unknown;
    const h = await startRun({
      ...opts(s),
      file: s.file,
      hooks: {
        afterFailure: async () => {
          fs.writeFileSync(s.file, `${fs.readFileSync(s.file, 'utf8')}\n[tasks.extra]\nrun = "true"\n`);
          refusal = await reloadForRestart(h.store, s.root).catch((e: unknown) => e);
          return { action: 'fail' };
        },
      },
    });
    assert.equal(await h.done, 'failed');
    assert.ok(refusal instanceof RefusedError);
    assert.match(refusal.message, /tasks or deps changed since run .* started; stop the run and resume it/);
  });

  it('a cancel that comes as the run starts (before its first task) runs nothing', async () => {
    const s = sandbox(`
[tasks.first]
run = "${counted('first')}"
[tasks.second]
deps = ["first"]
run = "${counted('second')}"
`);
    const h = await startRun({ ...opts(s), file: s.file });
    h.cancel();
    assert.equal(await h.done, 'cancelled');
    assert.equal(s.count('first') + s.count('second'), 0);
    const doc = runDocument((await readRun(s.root, h.runId)).state);
    assert.deepEqual(doc.tasks.map((t) => [t.id, t.status]), [['first', 'cancelled'], ['second', 'cancelled']]);
  });

  it('a task held before it starts, then the run cancelled, is recorded cancelled and never runs', async () => {
    const s = sandbox(`
[tasks.held]
run = "${counted('held')}"
`);
    // Assigned once startRun returns; the hook may run before that, hence the wait in it.
    let h: Awaited<ReturnType<typeof startRun>> | undefined = undefined;
    h = await startRun({
      ...opts(s),
      file: s.file,
      hooks: {
        beforeTask: async () => {
          while (!h) await new Promise((r) => setImmediate(r));
          h.cancel();
        },
      },
    });
    assert.equal(await h.done, 'cancelled');
    assert.equal(s.count('held'), 0);
    const doc = runDocument((await readRun(s.root, h.runId)).state);
    assert.deepEqual(doc.tasks.map((t) => [t.id, t.status, t.reason]), [['held', 'cancelled', 'user']]);
  });

  it('cancels on request: running tasks stop, the run is cancelled and resumable', async () => {
    const s = sandbox(`
[tasks.long]
run = "sleep 30"
[tasks.next]
deps = ["long"]
run = "${counted('next')}"
`);
    const ac = new AbortController();
    const h = await startRun({ ...opts(s), file: s.file, signal: ac.signal, hooks: { onEvents: (es) => { if (es.some((e) => e.type === 'attempt-started')) ac.abort(); } } });
    assert.equal(await h.done, 'cancelled');
    const doc = runDocument((await readRun(s.root, h.runId)).state);
    assert.deepEqual(doc.tasks.map((t) => [t.id, t.status]), [['long', 'cancelled'], ['next', 'cancelled']]);
    s.write(`
[tasks.long]
run = "true"
[tasks.next]
deps = ["long"]
run = "${counted('next')}"
`);
    const h2 = await resumeRun({ ...opts(s), runId: h.runId });
    assert.equal(await h2.done, 'success');
    assert.equal(s.count('next'), 1);
  });
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(walk(dir).map((f) => [path.relative(dir, f), fs.readFileSync(f).toString('base64')]));
}
