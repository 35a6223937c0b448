// The debug adapter as the editor drives it: dist/debug-adapter.js spawned, spoken to over DAP by
// @vscode/debugadapter-testsupport's DebugClient (SPEC §6 "Debugging"). Each test debugs a run of a small
// release workflow in a temp folder and checks the store the run leaves, as well as what the adapter says.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { releaseExecHosts, resumeRun } from '../../runner/engine/engine';
import type { RunEvent } from '../../runner/engine/events';

const REPO = path.resolve(__dirname, '../..');
const ADAPTER = path.join(REPO, 'dist', 'debug-adapter.js');

// Line numbers matter: the tests set breakpoints by line.
const RELEASE = `name = "rel"

[vars]
version = "1.0"
env = "dev"

[tasks.lint]
run = "echo lint"

[tasks.build]
deps = ["lint"]
run = "echo building {{ .version }}"
register = "artifact"

[tasks.deploy]
deps = ["build"]
run = "echo deploying {{ .artifact }}"
`;
const LINE = { vars: 4, blank: 6, lint: 7, build: 10, buildRun: 12, deploy: 15 } as const;

interface Sandbox {
  readonly dir: string;
  readonly file: string;
  readonly store: string;
  journal(): RunEvent[];
}

const sandboxes: string[] = [];

function sandbox(text = RELEASE): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-debug-'));
  sandboxes.push(dir);
  const file = path.join(dir, 'rel.cairn.toml');
  fs.writeFileSync(file, text);
  const store = path.join(dir, '.cairn');
  return {
    dir,
    file,
    store,
    journal: () => {
      const runs = path.join(store, 'runs');
      const id = fs.readdirSync(runs).find((n) => !n.startsWith('.'))!;
      return fs.readFileSync(path.join(runs, id, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
    },
  };
}

/**
 * The adapter's events, kept from the start: an event that comes before a test waits for it (a stop right after
 * the launch) is not lost, as it would be with DebugClient.waitForEvent.
 */
class EventQueue {
  private readonly queued = new Map<string, DebugProtocol.Event[]>();
  private readonly waiting = new Map<string, ((e: DebugProtocol.Event) => void)[]>();

  constructor(dc: DebugClient, names: readonly string[]) {
    for (const name of names) {
      dc.on(name, (e: DebugProtocol.Event) => {
        const w = this.waiting.get(name)?.shift();
        if (w) w(e);
        else this.queued.set(name, [...(this.queued.get(name) ?? []), e]);
      });
    }
  }

  next(name: string, timeoutMs = 15_000): Promise<DebugProtocol.Event> {
    const q = this.queued.get(name);
    if (q && q.length > 0) return Promise.resolve(q.shift()!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${name}' event after ${timeoutMs} ms`)), timeoutMs);
      this.waiting.set(name, [
        ...(this.waiting.get(name) ?? []),
        (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      ]);
    });
  }
}

/** The attempts' commands in the journal, as `task#n: command`. */
const attemptsOf = (events: readonly RunEvent[]): string[] => events.flatMap((e) => (e.type === 'attempt-started' ? [`${e.task}#${e.attempt}: ${e.command}`] : []));

describe('debug adapter (DAP over stdio, dist/debug-adapter.js)', function () {
  this.timeout(30_000);
  let dc: DebugClient;
  let events: EventQueue;
  /** The test disconnected itself: the adapter has exited, and nothing answers DebugClient.stop's disconnect. */
  let disconnected = false;

  before(() => assert.ok(fs.existsSync(ADAPTER), `${ADAPTER} is missing: run npm run build first`));

  beforeEach(async () => {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    delete env['CAIRN_STORE'];
    env['CAIRN_TEST_TOKEN'] = 's3cr3t-t0ken';
    dc = new DebugClient(process.execPath, ADAPTER, 'cairn', { env });
    dc.defaultTimeout = 15_000;
    events = new EventQueue(dc, ['initialized', 'stopped', 'terminated', 'output']);
    await dc.start();
  });

  afterEach(async () => {
    if (!disconnected) await dc.stop();
    disconnected = false;
  });

  after(() => {
    for (const d of sandboxes) fs.rmSync(d, { recursive: true, force: true });
  });

  /** initialize → breakpoints → launch → configurationDone, as VS Code does it; resolves once launched. */
  async function launch(s: Sandbox, args: Record<string, unknown> = {}, breakpoints: DebugProtocol.SourceBreakpoint[] = [], filters = ['taskFailure']): Promise<DebugProtocol.SetBreakpointsResponse> {
    const init = await dc.initializeRequest({ adapterID: 'cairn', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    assert.equal(init.body?.supportsRestartFrame, true);
    await events.next('initialized');
    const set = await dc.setBreakpointsRequest({ source: { path: s.file }, breakpoints });
    await dc.setExceptionBreakpointsRequest({ filters });
    const launched = dc.launchRequest({ workflow: s.file, store: s.store, ...args } as DebugProtocol.LaunchRequestArguments);
    await dc.configurationDoneRequest();
    await launched;
    return set;
  }

  async function stopped(reason: string): Promise<DebugProtocol.StoppedEvent> {
    const e = (await events.next('stopped')) as DebugProtocol.StoppedEvent;
    assert.equal(e.body.reason, reason, JSON.stringify(e.body));
    return e;
  }

  async function frameOf(threadId: number): Promise<DebugProtocol.StackFrame> {
    const st = await dc.stackTraceRequest({ threadId });
    assert.equal(st.body.stackFrames.length, 1);
    return st.body.stackFrames[0]!;
  }

  async function scope(frameId: number, name: string): Promise<Record<string, DebugProtocol.Variable>> {
    const scopes = await dc.scopesRequest({ frameId });
    const ref = scopes.body.scopes.find((sc) => sc.name === name)!.variablesReference;
    const vars = await dc.variablesRequest({ variablesReference: ref });
    return Object.fromEntries(vars.body.variables.map((v) => [v.name, v]));
  }

  it('verifies breakpoints on the lines of a task and refuses others, saying why', async () => {
    const s = sandbox();
    const set = await launch(s, { stopOnEntry: true }, [{ line: LINE.build }, { line: LINE.buildRun }, { line: LINE.vars }, { line: LINE.blank }, { line: LINE.deploy, condition: 'env ==' }]);
    const [header, inside, vars, blank, bad] = set.body.breakpoints;
    assert.equal(header?.verified, true);
    assert.equal(inside?.verified, true);
    assert.equal(vars?.verified, false);
    assert.match(vars?.message ?? '', /not inside a task/);
    assert.equal(blank?.verified, false);
    assert.equal(bad?.verified, false);
    assert.match(bad?.message ?? '', /^condition: /);
  });

  it('stops before a task starts: its thread paused on its header, nothing of it in the journal yet', async () => {
    const s = sandbox();
    await launch(s, {}, [{ line: LINE.buildRun }]);
    const e = await stopped('breakpoint');
    const frame = await frameOf(e.body.threadId!);
    assert.equal(frame.line, LINE.build);
    assert.equal(frame.name, 'build — before attempt 1');
    assert.equal(frame.source?.path, s.file);
    assert.equal(frame.canRestart, false, 'a task that has not run has nothing to restart');
    await assert.rejects(dc.restartFrameRequest({ frameId: e.body.threadId! }), /has not run yet/);
    const threads = await dc.threadsRequest();
    assert.ok(threads.body.threads.some((t) => t.id === e.body.threadId && t.name === 'build (paused)'), JSON.stringify(threads.body.threads));
    assert.deepEqual(attemptsOf(s.journal()), ['lint#1: echo lint'], 'lint ran; build has not started');
    await dc.continueRequest({ threadId: e.body.threadId! });
    await events.next('terminated');
    assert.deepEqual(attemptsOf(s.journal()), ['lint#1: echo lint', 'build#1: echo building 1.0', 'deploy#1: echo deploying building 1.0']);
  });

  it('shows the run\'s Variables and the Task scope (rendered command, dir, env); setVariable changes what the task runs', async () => {
    const s = sandbox(RELEASE.replace('register = "artifact"', 'register = "artifact"\nenv = { STAGE = "{{ .env }}" }'));
    await launch(s, {}, [{ line: LINE.build }]);
    const e = await stopped('breakpoint');
    const vars = await scope(e.body.threadId!, 'Variables');
    assert.equal(vars['version']?.value, '1.0');
    assert.equal(vars['env']?.value, 'dev');
    const task = await scope(e.body.threadId!, 'Task');
    assert.equal(task['command']?.value, 'echo building 1.0');
    assert.equal(task['dir']?.value, s.dir);
    assert.equal(task['attempt']?.value, '1');
    const env = await dc.variablesRequest({ variablesReference: task['env']!.variablesReference });
    assert.deepEqual(env.body.variables.map((v) => [v.name, v.value]), [['STAGE', 'dev']]);

    const varsRef = (await dc.scopesRequest({ frameId: e.body.threadId! })).body.scopes.find((sc) => sc.name === 'Variables')!.variablesReference;
    const set = await dc.setVariableRequest({ variablesReference: varsRef, name: 'version', value: '"2.0"' });
    assert.equal(set.body.value, '2.0');
    await assert.rejects(dc.setVariableRequest({ variablesReference: varsRef, name: 'nope', value: 'x' }), /no variable "nope"/);
    assert.equal((await scope(e.body.threadId!, 'Variables'))['version']?.value, '2.0');
    await dc.continueRequest({ threadId: e.body.threadId! });
    await events.next('terminated');
    const journal = s.journal();
    assert.ok(journal.some((ev) => ev.type === 'var-set' && ev.name === 'version' && ev.value === '2.0' && ev.source === 'editor'), 'the edit is recorded in the run');
    assert.deepEqual(attemptsOf(journal).slice(1), ['build#1: echo building 2.0', 'deploy#1: echo deploying building 2.0']);
  });

  it('shows a secret as *** (read-only) and refuses to change it; the Task scope, its env and evaluate mask it too', async () => {
    const s = sandbox(
      RELEASE.replace('env = "dev"', 'env = "dev"\ntoken = { env = "CAIRN_TEST_TOKEN", secret = true }').replace(
        'run = "echo building {{ .version }}"',
        'run = "echo building {{ .version }} with {{ .token }}"\nenv = { TOKEN = "t-{{ .token }}" }',
      ),
    );
    await launch(s, {}, [{ line: LINE.build + 1 }]);
    const e = await stopped('breakpoint');
    const vars = await scope(e.body.threadId!, 'Variables');
    assert.equal(vars['token']?.value, '***');
    assert.deepEqual(vars['token']?.presentationHint?.attributes, ['readOnly']);
    assert.equal((await scope(e.body.threadId!, 'Task'))['command']?.value, 'echo building 1.0 with ***');
    assert.equal((await dc.evaluateRequest({ expression: 'token', frameId: e.body.threadId!, context: 'repl' })).body.result, '"***"');
    // The task's env, set from the secret: masked in its scope, in evaluate and in a condition's view of it.
    const envRef = (await scope(e.body.threadId!, 'Task'))['env']!.variablesReference;
    assert.deepEqual((await dc.variablesRequest({ variablesReference: envRef })).body.variables.map((v) => [v.name, v.value]), [['TOKEN', 't-***']]);
    assert.equal((await dc.evaluateRequest({ expression: 'task.env.TOKEN', frameId: e.body.threadId!, context: 'repl' })).body.result, '"t-***"');
    const varsRef = (await dc.scopesRequest({ frameId: e.body.threadId! })).body.scopes.find((sc) => sc.name === 'Variables')!.variablesReference;
    await assert.rejects(dc.setVariableRequest({ variablesReference: varsRef, name: 'token', value: 'x' }), /"token" is a secret/);
    await dc.continueRequest({ threadId: e.body.threadId! });
    await events.next('terminated');
  });

  it('a conditional breakpoint stops only when its condition holds', async () => {
    const s = sandbox();
    await launch(s, {}, [{ line: LINE.build, condition: 'env == "prod"' }, { line: LINE.deploy, condition: 'vars.version == "1.0" && contains(task.command, "deploying")' }]);
    const e = await stopped('breakpoint');
    assert.equal((await frameOf(e.body.threadId!)).name, 'deploy — before attempt 1', 'not build: env is dev');
    assert.match(e.body.description ?? '', /is true/);
    await dc.continueRequest({ threadId: e.body.threadId! });
    await events.next('terminated');
  });

  it('Step Over runs the paused task and pauses before the next; Continue runs to the next breakpoint', async () => {
    const s = sandbox();
    await launch(s, { stopOnEntry: true }, [{ line: LINE.deploy }]);
    const entry = await stopped('entry');
    assert.equal((await frameOf(entry.body.threadId!)).name, 'lint — before attempt 1');
    await dc.nextRequest({ threadId: entry.body.threadId! });
    const step = await stopped('step');
    assert.equal((await frameOf(step.body.threadId!)).name, 'build — before attempt 1');
    assert.deepEqual(attemptsOf(s.journal()), ['lint#1: echo lint'], 'the step ran lint and no more');
    await dc.continueRequest({ threadId: step.body.threadId! });
    const bp = await stopped('breakpoint');
    assert.equal((await frameOf(bp.body.threadId!)).name, 'deploy — before attempt 1');
    await dc.continueRequest({ threadId: bp.body.threadId! });
    await events.next('terminated');
  });

  it('evaluates vars.X, task.X and the condition language in the Debug Console, and refuses what it cannot parse', async () => {
    const s = sandbox();
    await launch(s, {}, [{ line: LINE.build }]);
    const e = await stopped('breakpoint');
    const frameId = e.body.threadId!;
    const ev = async (expression: string): Promise<string> => (await dc.evaluateRequest({ expression, frameId, context: 'repl' })).body.result;
    assert.equal(await ev('vars.version'), '"1.0"');
    assert.equal(await ev('version'), '"1.0"');
    assert.equal(await ev('task.command'), '"echo building 1.0"');
    assert.equal(await ev('env == "dev" && startsWith(task.command, "echo")'), 'true');
    await assert.rejects(dc.evaluateRequest({ expression: 'version ==', frameId, context: 'repl' }), /expected/);
    await assert.rejects(dc.evaluateRequest({ expression: 'nope', frameId, context: 'repl' }), /variable "nope" is not set/);
    await dc.continueRequest({ threadId: frameId });
    await events.next('terminated');
  });

  it('breaks on a task failure with the failure as an exception; Restart Frame re-runs it with the file as edited, and the run goes on', async () => {
    const s = sandbox(RELEASE.replace('run = "echo building {{ .version }}"', 'run = "echo need a fix >&2; exit 2"'));
    await launch(s);
    const e = await stopped('exception');
    const threadId = e.body.threadId!;
    const failedFrame = await frameOf(threadId);
    assert.equal(failedFrame.name, 'build — failed: exit 2');
    assert.equal(failedFrame.canRestart, true);
    const info = await dc.exceptionInfoRequest({ threadId });
    assert.equal(info.body.exceptionId, 'exit 2');
    assert.match(info.body.description ?? '', /need a fix/);
    const before = s.journal();
    assert.ok(!before.some((ev) => ev.type === 'task-status' && ev.task === 'deploy'), 'deploy is not cancelled while build is held');
    // The fix, saved; then Restart Frame.
    fs.writeFileSync(s.file, fs.readFileSync(s.file, 'utf8').replace('echo need a fix >&2; exit 2', 'echo fixed'));
    await dc.restartFrameRequest({ frameId: threadId });
    await events.next('terminated');
    const journal = s.journal();
    assert.deepEqual(attemptsOf(journal), ['lint#1: echo lint', 'build#1: echo need a fix >&2; exit 2', 'build#2: echo fixed', 'deploy#1: echo deploying fixed']);
    assert.equal((journal.at(-1) as { status?: string }).status, 'success');
  });

  it('Continue on a failure lets it fail: dependents are cancelled and the run can be resumed like any other', async () => {
    const s = sandbox(RELEASE.replace('run = "echo building {{ .version }}"', 'run = "exit 1"'));
    await launch(s);
    const e = await stopped('exception');
    await dc.continueRequest({ threadId: e.body.threadId! });
    await events.next('terminated');
    const journal = s.journal();
    assert.ok(journal.some((ev) => ev.type === 'task-status' && ev.task === 'deploy' && ev.status === 'cancelled'));
    assert.equal((journal.at(-1) as { status?: string }).status, 'failed');
  });

  it('without the Task failure filter, a failing task does not pause', async () => {
    const s = sandbox(RELEASE.replace('run = "echo building {{ .version }}"', 'run = "exit 1"'));
    await launch(s, {}, [], []);
    await events.next('terminated');
    assert.equal((s.journal().at(-1) as { status?: string }).status, 'failed');
  });

  it('Stop cancels the run: its task and the exec host end, the run is recorded cancelled and stays resumable', async () => {
    const s = sandbox(RELEASE.replace('run = "echo lint"', 'run = "test -e resumed || { echo $$ $PPID > pids; exec sleep 30; }"'));
    await launch(s);
    const pidsFile = path.join(s.dir, 'pids');
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(pidsFile) || fs.readFileSync(pidsFile, 'utf8').trim() === '') {
      assert.ok(Date.now() < deadline, 'lint never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    const [task, parent] = fs.readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
    await dc.disconnectRequest({ terminateDebuggee: true });
    disconnected = true;
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const gone = Date.now() + 5000;
    while ((alive(task!) || alive(parent!)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alive(task!), false, 'the task process is gone');
    assert.equal(alive(parent!), false, 'the process that spawned it (the adapter, or an exec host) is gone');
    const journal = s.journal();
    assert.equal((journal.at(-1) as { status?: string }).status, 'cancelled');
    // Resumed like any run (here by the engine, as the run view's Resume does through the language server).
    fs.writeFileSync(path.join(s.dir, 'resumed'), '');
    const resumed = await resumeRun({ storeRoot: s.store, runId: (journal[0] as { runId: string }).runId });
    assert.equal(await resumed.done, 'success');
    await releaseExecHosts();
  });

  it('refuses to debug an invalid workflow: the gist in the error, each problem in the Debug Console, nothing recorded', async () => {
    const s = sandbox(RELEASE.replace('deps = ["lint"]', 'deps = ["lnit"]'));
    const init = events.next('initialized');
    await dc.initializeRequest({ adapterID: 'cairn', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    await init;
    const launched = dc.launchRequest({ workflow: s.file, store: s.store } as DebugProtocol.LaunchRequestArguments);
    await dc.configurationDoneRequest();
    await assert.rejects(launched, /could not start the run: .*has 1 error; fix it before running .*\(1 problem in the Debug Console\)/);
    let said = '';
    while (!said.includes('lnit')) said += ((await events.next('output')) as DebugProtocol.OutputEvent).body.output;
    assert.match(said, /unknown task "lnit".*did you mean "lint"/);
    assert.equal(fs.existsSync(path.join(s.store, 'runs')) && fs.readdirSync(path.join(s.store, 'runs')).some((n) => !n.startsWith('.')), false, 'no run was created');
  });

  it('refuses a launch without a workflow, saying what is wrong', async () => {
    await dc.initializeRequest({ adapterID: 'cairn', pathFormat: 'path' });
    await assert.rejects(dc.launchRequest({ workflow: '/nowhere/x.txt' } as DebugProtocol.LaunchRequestArguments), /"workflow" must name a \*\.cairn\.toml file/);
  });
});
