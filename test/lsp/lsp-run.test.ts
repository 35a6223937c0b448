// Running workflows through the language server (run-protocol.ts), over stdio as the extension will: start,
// resume, re-run and cancel runs with the custom requests, and follow them by their notifications. Each
// notified event must already be in the run's journal (nothing is reported before it is durable).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionRequest, ErrorCodes, LSPErrorCodes, MessageType, ResponseError } from 'vscode-languageserver-protocol/node';
import type { RunEvent } from '../../runner/engine/events';
import type { CairnRequests, RunEndedParams, RunEventParams, RunOutputParams } from '../../server/run-protocol';
import { assertExit, killLeftovers, processesWith, runCli, startCli } from '../cli/cli-harness';
import { assertServerBuilt, LspServer } from './lsp-harness';

const WF = `[tasks.a]
run = "echo a >> a.count; echo hello from a"

[tasks.b]
deps = ["a"]
run = "echo b >> b.count; test -e fixed"

[tasks.c]
deps = ["b"]
run = "echo c >> c.count"
`;

const SLOW = `[tasks.wait]
run = "touch started; sleep 30 # cairn-lsp-run-cancel"
`;

/** The run notifications a server sent, and promises that resolve when one that matches arrives. */
class RunFeed {
  readonly events: RunEventParams[] = [];
  readonly ended: RunEndedParams[] = [];
  readonly output: RunOutputParams[] = [];
  private readonly waiters = new Set<() => boolean>();

  constructor(server: LspServer) {
    server.connection.onNotification('cairn/runEvent', (p: RunEventParams) => {
      this.events.push(p);
      this.wake();
    });
    server.connection.onNotification('cairn/runOutput', (p: RunOutputParams) => {
      this.output.push(p);
    });
    server.connection.onNotification('cairn/runEnded', (p: RunEndedParams) => {
      this.ended.push(p);
      this.wake();
    });
  }

  /** The end of the run `runId` at position `nth` (0: its first end; a resume ends the same run again). */
  end(runId: string, nth: number, timeoutMs = 15_000): Promise<RunEndedParams> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.ended.filter((e) => e.runId === runId)[nth];
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        }
        return hit !== undefined;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`run ${runId} did not end (${nth}) within ${timeoutMs} ms; ended: ${JSON.stringify(this.ended)}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  eventsOf(runId: string): RunEvent[] {
    return this.events.filter((p) => p.runId === runId).flatMap((p) => p.events);
  }

  private wake(): void {
    for (const w of [...this.waiters]) if (w()) this.waiters.delete(w);
  }
}

describe('running workflows through the language server (cairn/run, resume, rerun, cancel)', function () {
  this.timeout(40_000);
  let dir = '';
  let server: LspServer | undefined;

  before(() => assertServerBuilt());

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-lsp-run-'));
  });

  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<{ s: LspServer; feed: RunFeed }> {
    const started = await LspServer.start(dir);
    server = started.server;
    return { s: started.server, feed: new RunFeed(started.server) };
  }

  function request<M extends keyof CairnRequests>(s: LspServer, method: M, params: CairnRequests[M]['params']): Promise<CairnRequests[M]['result']> {
    return s.connection.sendRequest(method, params);
  }

  const lines = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

  it('runs a workflow, resumes it after the fix and re-runs one task, each event durable before it is sent', async () => {
    const { s, feed } = await start();
    const file = path.join(dir, 'w.cairn.toml');
    fs.writeFileSync(file, WF);
    const uri = pathToFileURL(file).href;

    const started = await request(s, 'cairn/run', { uri });
    assert.equal(started.store, path.join(dir, '.cairn'), 'no workspace folder and no store yet: the store goes beside the file');
    assert.deepEqual(await feed.end(started.runId, 0), { store: started.store, runId: started.runId, status: 'failed' });

    const events = feed.eventsOf(started.runId);
    assert.equal(events[0]?.type, 'run-created');
    assert.deepEqual(events.map((e) => e.seq), events.map((_e, i) => i + 1), 'every event, in order, once');
    const journal = fs.readFileSync(path.join(started.store, 'runs', started.runId, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
    assert.deepEqual(events, journal.slice(0, events.length), 'what was sent is what the journal holds');
    assert.ok(events.some((e) => e.type === 'attempt-ended' && e.task === 'b' && e.outcome.status === 'failed'));
    // The output channel's text: the task's own output, then the CLI's lines, all sent before the run's end.
    const text = feed.output.filter((o) => o.runId === started.runId).map((o) => o.text).join('');
    assert.match(text, new RegExp(`^\\[a\\] hello from a\\n✓ a \\S+\\n✗ b \\(exit 1\\)\\n✗ c \\(cancelled — dependency failed\\)\\nrun ${started.runId} failed — fix it, then: cairn resume ${started.runId}\\n$`), text);

    // The marks beside each task header: the line of its id and its status in this latest run.
    await s.open(uri, WF);
    const marks = await request(s, 'cairn/taskMarks', { uri });
    assert.deepEqual(
      { store: marks.store, runId: marks.runId, runStatus: marks.runStatus, tasks: marks.tasks.map((m) => [m.task, m.line, m.status, m.reason, m.attempts, m.stale]) },
      { store: started.store, runId: started.runId, runStatus: 'failed', tasks: [['a', 0, 'success', null, 1, []], ['b', 3, 'failed', 'exit', 1, []], ['c', 7, 'cancelled', 'upstream-failed', 0, []]] },
    );

    // The run view's feed: the journal from a byte offset, whole, then only what comes later.
    const read = await request(s, 'cairn/runEvents', { store: started.store, runId: started.runId });
    assert.deepEqual(read.events, journal);
    assert.equal(read.driverAlive, false, 'the run is over: nobody holds its lock');
    assert.deepEqual(await request(s, 'cairn/runEvents', { store: started.store, runId: started.runId, fromByte: read.endByte }), { events: [], endByte: read.endByte, driverAlive: false, restarted: false });

    // An override for the next resume names a variable of the run: this one has none.
    await assert.rejects(request(s, 'cairn/overrideVar', { store: started.store, runId: started.runId, name: 'env', value: 'prod' }), (e: unknown) => e instanceof ResponseError && e.code === LSPErrorCodes.RequestFailed && /has no variable "env"/.test(e.message));

    const listed = await request(s, 'cairn/listRuns', { uri });
    assert.equal(listed.store, started.store);
    assert.deepEqual(listed.runs.map((r) => [r.id, r.status]), [[started.runId, 'failed']]);

    fs.writeFileSync(path.join(dir, 'fixed'), '');
    const resumed = await request(s, 'cairn/resume', { store: started.store, runId: started.runId.slice(0, 8) });
    assert.equal(resumed.runId, started.runId, 'a prefix names the run');
    assert.equal((await feed.end(started.runId, 1)).status, 'success');
    assert.deepEqual([lines(path.join(dir, 'a.count')).length, lines(path.join(dir, 'b.count')).length, lines(path.join(dir, 'c.count')).length], [1, 2, 1], 'a kept, b again, c once');

    await request(s, 'cairn/rerun', { store: started.store, runId: started.runId, task: 'a' });
    assert.equal((await feed.end(started.runId, 2)).status, 'success');
    assert.equal(lines(path.join(dir, 'a.count')).length, 2, 'a re-ran');
    assert.equal(lines(path.join(dir, 'c.count')).length, 1, 'without --downstream, c did not');

    // Edited on disk after it succeeded, a is stale, with the reason a resume would give.
    const edited = WF.replace('echo hello from a', 'echo hello again');
    fs.writeFileSync(file, edited);
    await s.change(uri, 2, edited);
    const stale = await request(s, 'cairn/taskMarks', { uri });
    assert.deepEqual(stale.tasks.map((m) => [m.task, m.status, m.stale]), [['a', 'success', ['command changed']], ['b', 'success', []], ['c', 'success', []]]);

    const later = await request(s, 'cairn/runEvents', { store: started.store, runId: started.runId, fromByte: read.endByte });
    assert.deepEqual(later.events.map((e) => e.seq), later.events.map((_e, i) => read.events.length + i + 1), 'the resume and the re-run, from where the first read stopped');
    assert.ok(later.events.some((e) => e.type === 'resume-started') && later.events.some((e) => e.type === 'rerun-started'));

    const details = await request(s, 'cairn/getRun', { store: started.store, runId: started.runId });
    assert.equal(details.document.status, 'success');
    assert.equal(details.document.resumes, 2);
    const vars = await request(s, 'cairn/varHistory', { store: started.store, runId: started.runId });
    assert.deepEqual(vars, []);
    assert.deepEqual(s.logs.filter((l) => l.type === MessageType.Error), []);
  });

  it("tells the run's terminal the engine's notes, as the CLI prints them, before the run's lines", async () => {
    const { s, feed } = await start();
    const file = path.join(dir, 'w.cairn.toml');
    fs.writeFileSync(file, WF);
    const started = await request(s, 'cairn/run', { uri: pathToFileURL(file).href, vars: { nope: 'x' } });
    await feed.end(started.runId, 0);
    const text = feed.output.filter((o) => o.runId === started.runId).map((o) => o.text).join('');
    assert.match(text, /^cairn: note: --var nope: the workflow neither declares nor sets "nope"/, text);
  });

  it('puts the runs of a file in a workspace folder added later into that folder\'s store', async () => {
    const started = await LspServer.start(dir, { workspaceFolders: [] });
    server = started.server;
    const s = started.server;
    const feed = new RunFeed(s);
    assert.deepEqual(started.init.capabilities.workspace?.workspaceFolders, { supported: true, changeNotifications: true });
    fs.mkdirSync(path.join(dir, 'sub'));
    const file = path.join(dir, 'sub', 'w.cairn.toml');
    fs.writeFileSync(file, 'name = "w"\n[tasks.a]\nrun = "true"\n');
    const uri = pathToFileURL(file).href;
    const before = await request(s, 'cairn/run', { uri });
    await feed.end(before.runId, 0);
    assert.equal(before.store, path.join(dir, 'sub', '.cairn'), 'in no folder: beside the file');
    await s.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: pathToFileURL(dir).href, name: 'w' }], removed: [] } });
    const after = await request(s, 'cairn/run', { uri });
    await feed.end(after.runId, 0);
    assert.equal(after.store, path.join(dir, '.cairn'), "in the added folder: the folder's store");
    await s.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [{ uri: pathToFileURL(dir).href, name: 'w' }] } });
    const removed = await request(s, 'cairn/run', { uri });
    await feed.end(removed.runId, 0);
    assert.equal(removed.store, path.join(dir, 'sub', '.cairn'), 'the folder removed: the nearest store above the file');
  });

  it('cancels a run it drives: the task ends, the run is recorded as cancelled and stays resumable', async () => {
    const { s, feed } = await start();
    const file = path.join(dir, 'slow.cairn.toml');
    fs.writeFileSync(file, SLOW);
    const uri = pathToFileURL(file).href;
    const started = await request(s, 'cairn/run', { uri });
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(path.join(dir, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Editing features stay answered while a task runs.
    fs.writeFileSync(file, SLOW);
    await s.open(uri, SLOW);
    const completion = await s.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 1, character: 0 } });
    const labels = (Array.isArray(completion) ? completion : (completion?.items ?? [])).map((i) => i.label);
    assert.ok(labels.includes('deps'), `task keys are offered while the task runs: ${JSON.stringify(labels)}`);
    assert.deepEqual(await request(s, 'cairn/cancel', { store: started.store, runId: started.runId }), { cancelled: true });
    assert.equal((await feed.end(started.runId, 0)).status, 'cancelled');
    assert.deepEqual(processesWith('cairn-lsp-run-cancel'), [], 'no task process outlives the cancelled run');
    assert.deepEqual(await request(s, 'cairn/cancel', { store: started.store, runId: started.runId }), { cancelled: false }, 'a run that is over is not driven');
    const listed = await request(s, 'cairn/listRuns', { uri });
    assert.equal(listed.runs[0]?.status, 'cancelled');
  });

  it('a run it drives, cancelled with `cairn cancel` from a terminal, ends cancelled and the server goes on', async () => {
    const { s, feed } = await start();
    const file = path.join(dir, 'slow.cairn.toml');
    fs.writeFileSync(file, SLOW.replace('cairn-lsp-run-cancel', 'cairn-lsp-run-cli-cancel'));
    const started = await request(s, 'cairn/run', { uri: pathToFileURL(file).href });
    try {
      const deadline = Date.now() + 10_000;
      while (!fs.existsSync(path.join(dir, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(fs.existsSync(path.join(dir, 'started')), 'the task started');
      const cancel = await runCli(['cancel', started.runId], { cwd: dir });
      assertExit(cancel, 0);
      assert.equal((await feed.end(started.runId, 0)).status, 'cancelled');
      assert.ok(s.alive, `the server is still running\n  stderr: ${s.stderr}`);
      const listed = await request(s, 'cairn/listRuns', { uri: pathToFileURL(file).href });
      assert.equal(listed.runs[0]?.status, 'cancelled', 'recorded as cancelled, not interrupted');
      assert.deepEqual(processesWith('cairn-lsp-run-cli-cancel'), []);
    } finally {
      killLeftovers('cairn-lsp-run-cli-cancel');
    }
  });

  it("lists a folder's runs, with a run whose process was killed as interrupted (what a window offers to resume)", async () => {
    const { s } = await start();
    fs.writeFileSync(path.join(dir, 'slow.cairn.toml'), SLOW.replace('cairn-lsp-run-cancel', 'cairn-lsp-run-killed'));
    const cli = startCli(['run', 'slow.cairn.toml'], { cwd: dir });
    try {
      const deadline = Date.now() + 10_000;
      while (!fs.existsSync(path.join(dir, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(fs.existsSync(path.join(dir, 'started')), 'the task started');
      cli.kill('SIGKILL');
      await cli.result;
      const listed = await request(s, 'cairn/listRuns', { uri: pathToFileURL(dir).href });
      assert.equal(listed.store, path.join(dir, '.cairn'));
      assert.deepEqual(listed.runs.map((r) => [r.workflow, r.status]), [['slow', 'interrupted']]);
    } finally {
      killLeftovers('cairn-lsp-run-killed');
    }
  });

  it('refuses malformed params and says why; refusals come back as their message for the user', async () => {
    const { s } = await start();
    const file = path.join(dir, 'bad.cairn.toml');
    fs.writeFileSync(file, '[tasks.a]\nrun = "true"\ndeps = ["nope"]\n');
    const refused = async (method: string, params: unknown): Promise<ResponseError<unknown>> => {
      try {
        await s.connection.sendRequest(method, params);
      } catch (e) {
        assert.ok(e instanceof ResponseError, String(e));
        return e;
      }
      assert.fail(`${method} ${JSON.stringify(params)} was accepted`);
    };
    const cases: [string, unknown, RegExp, number][] = [
      ['cairn/run', { uri: 5 }, /uri must be a non-empty string/, ErrorCodes.InvalidParams],
      ['cairn/run', { uri: pathToFileURL(file).href, parallel: 0 }, /parallel must be a whole number >= 1/, ErrorCodes.InvalidParams],
      ['cairn/run', { uri: pathToFileURL(file).href, extra: true }, /unknown field "extra"/, ErrorCodes.InvalidParams],
      ['cairn/run', null, /params must be an object/, ErrorCodes.InvalidParams],
      ['cairn/resume', { runId: 'x' }, /"store" is missing/, ErrorCodes.InvalidParams],
      ['cairn/rerun', { store: dir, runId: 'x', task: 'a', downstream: 'yes' }, /downstream must be true or false/, ErrorCodes.InvalidParams],
      ['cairn/run', { uri: 'untitled:Untitled-1' }, /only workflow files on disk can run/, LSPErrorCodes.RequestFailed],
      ['cairn/listRuns', { uri: 'untitled:Untitled-1' }, /runs are listed for files and folders on disk/, LSPErrorCodes.RequestFailed],
    ];
    for (const [method, params, message, code] of cases) {
      const e = await refused(method, params);
      assert.match(e.message, message, `${method} ${JSON.stringify(params)}`);
      assert.equal(e.code, code, `${method} ${JSON.stringify(params)}: ${e.message}`);
    }
    const invalid = await refused('cairn/run', { uri: pathToFileURL(file).href });
    assert.equal(invalid.code, LSPErrorCodes.RequestFailed);
    assert.match(invalid.message, /has 1 error.*\n.*unknown task "nope"/);
    const missing = await refused('cairn/resume', { store: path.join(dir, '.cairn'), runId: '01ZZZZ' });
    assert.equal(missing.code, LSPErrorCodes.RequestFailed);
    assert.ok(s.alive);
    assert.deepEqual(s.logs.filter((l) => l.type === MessageType.Error), [], 'refusals are not internal errors');
  });
});
