// The run store's read paths: a big run is read as checkpoint + journal tail
// and gives the same state as folding the whole journal; damage is survived.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NewRunEvent } from '../engine/events';
import { checkpointRun } from './checkpoint';
import { readJournal } from './journal';
import { foldEvents } from './run-state';
import { RunDb } from './run-db';
import { readRun, readRunEvents, readRunsNewestFirst, RunStore, StoreError } from './run-store';

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const fingerprint = { command: 'x', template: 'x', dir: '/', shell: '', env: {}, vars: {}, inputs: {} };

/** A run with `tasks` attempts whose commands are padded so the journal passes 1 MB. */
async function bigRun(tasks: number): Promise<{ root: string; runId: string; pendingAfterClose: boolean; niceAfterClose: (number | undefined)[] }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-store-'));
  roots.push(root);
  const runId = '01M7YF0000000001';
  const store = await RunStore.create(root, runId, 'test');
  const pad = 'p'.repeat(600);
  await store.append([
    { type: 'run-created', runId, workflow: 'big', file: 'big.cairn.toml', revision: 'r1', mode: 'eager', parallel: 2, cliVars: {}, structure: Array.from({ length: tasks }, (_, i) => ({ id: `t${i}`, deps: [], type: 'task' as const })) },
    { type: 'run-status', status: 'running' },
  ]);
  for (let i = 0; i < tasks; i++) {
    const events: NewRunEvent[] = [
      { type: 'attempt-started', task: `t${i}`, attempt: 1, resume: 0, revision: 'r1', command: `echo ${pad}`, dir: '/', log: `l${i}`, fingerprint },
      { type: 'var-set', name: `v${i % 50}`, value: String(i), secret: false, source: 'register', task: `t${i}`, attempt: 1 },
      { type: 'attempt-ended', task: `t${i}`, attempt: 1, outcome: { status: 'success', reason: null, exitCode: 0, signal: null }, durationMs: 1, logTail: pad },
    ];
    await store.append(events);
  }
  await store.append([{ type: 'run-status', status: 'success' }]);
  await store.close();
  const pendingAfterClose = await Promise.race([store.checkpointsEnded().then(() => false), new Promise<boolean>((resolve) => setImmediate(() => resolve(true)))]);
  const niceAfterClose = store.checkpointPids.map(niceOf);
  // Checkpoints go on after close(); these tests read run.db and remove the folder, so they wait for them.
  await store.checkpointsEnded();
  return { root, runId, pendingAfterClose, niceAfterClose };
}

/** The nice value of a running process (field 19 of /proc/<pid>/stat); undefined once it is gone. */
function niceOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return undefined;
  }
}

async function foldWhole(root: string, runId: string): Promise<ReturnType<typeof foldEvents>> {
  const j = await readJournal(path.join(root, 'runs', runId, 'events.ndjson'));
  return foldEvents(j.records as Parameters<typeof foldEvents>[0]);
}

describe('run store', function () {
  this.timeout(60_000);

  it('starts every run with a valid checkpoint and names its folder only once it is born', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-store-'));
    roots.push(root);
    const store = await RunStore.create(root, '01M7YF0000000002', 'test');
    assert.deepEqual(fs.readdirSync(path.join(root, 'runs')), ['.new-01M7YF0000000002'], 'hidden until the first events are durable');
    assert.ok(fs.existsSync(path.join(root, 'runs', '.new-01M7YF0000000002', 'run.db')));
    await store.append([{ type: 'run-created', runId: '01M7YF0000000002', workflow: 'w', file: 'w.cairn.toml', revision: 'r', mode: 'eager', parallel: 1, cliVars: {}, structure: [] }]);
    assert.deepEqual(fs.readdirSync(path.join(root, 'runs')), ['01M7YF0000000002']);
    await store.close();
    assert.deepEqual(store.checkpointPids, [], 'no final checkpoint for a short tail: readers replay it');
    assert.equal((await readRun(root, '01M7YF0000000002')).state.workflow, 'w');
  });

  it('reads a big run as checkpoint + journal tail, with the same state as folding the whole journal', async () => {
    const { root, runId } = await bigRun(1200);
    const journal = path.join(root, 'runs', runId, 'events.ndjson');
    assert.ok(fs.statSync(journal).size > 1024 * 1024, 'the journal is big enough to take the checkpoint path');
    // A checkpoint in the middle: append a tail after it by hand.
    await checkpointRun({ dir: path.join(root, 'runs', runId), journal, db: path.join(root, 'runs', runId, 'run.db'), revisions: '', logs: '' });
    const extra = { type: 'var-set', name: 'late', value: 'tail', secret: false, source: 'override', seq: (await foldWhole(root, runId)).lastSeq + 1, at: new Date().toISOString() };
    fs.appendFileSync(journal, JSON.stringify(extra) + '\n');
    const snap = await readRun(root, runId);
    const whole = await foldWhole(root, runId);
    assert.equal(snap.state.lastSeq, whole.lastSeq);
    assert.deepEqual(snap.state.vars, whole.vars);
    assert.deepEqual([...snap.state.tasks.values()].map((t) => [t.id, t.status, t.attempts.length]), [...whole.tasks.values()].map((t) => [t.id, t.status, t.attempts.length]));
    assert.equal(snap.state.vars[snap.state.vars.length - 1]!.value, 'tail');
    assert.deepEqual(snap.warnings, []);
  });

  it('checkpoints after close() without holding it up: run.db then holds every event of the journal', async () => {
    const { root, runId, pendingAfterClose, niceAfterClose } = await bigRun(1100); // waits for the checkpoints it started
    assert.ok(pendingAfterClose, 'close() resolved while the final checkpoint was still running');
    assert.ok(niceAfterClose.length > 0 && niceAfterClose.every((n) => n === 10 || n === undefined), `checkpoints run at nice 10 (background work): ${JSON.stringify(niceAfterClose)}`);
    assert.ok(niceAfterClose.includes(10), 'seen running at nice 10');
    const dir = path.join(root, 'runs', runId);
    const db = await RunDb.load(fs.readFileSync(path.join(dir, 'run.db')));
    try {
      assert.equal(db.lastSeq, (await foldWhole(root, runId)).lastSeq, 'the final checkpoint covers the whole journal');
      assert.equal(db.journalOffset, fs.statSync(path.join(dir, 'events.ndjson')).size);
    } finally {
      db.close();
    }
  });

  it('survives a damaged checkpoint and a torn journal tail', async () => {
    const { root, runId } = await bigRun(1100);
    const dir = path.join(root, 'runs', runId);
    const before = await foldWhole(root, runId);
    fs.writeFileSync(path.join(dir, 'run.db'), 'not a database');
    fs.appendFileSync(path.join(dir, 'events.ndjson'), '{"type":"var-set","na');
    const snap = await readRun(root, runId);
    assert.equal(snap.state.lastSeq, before.lastSeq);
    assert.equal(snap.state.status, 'success');
    assert.ok(snap.warnings.some((w) => /read the run from its journal/.test(w)), snap.warnings.join('; '));
  });

  it('reads the events after a byte, as a view follows a run: whole lines only, a torn one left for later', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-store-'));
    roots.push(root);
    const runId = '01M7YF0000000004';
    const store = await RunStore.create(root, runId, 'test');
    await store.append([{ type: 'run-created', runId, workflow: 'w', file: 'w.cairn.toml', revision: 'r', mode: 'eager', parallel: 1, cliVars: {}, structure: [{ id: 'a', deps: [], type: 'task' }] }]);
    const first = await readRunEvents(root, runId);
    assert.deepEqual(first.events.map((e) => e.type), ['run-created']);
    assert.equal(first.driverAlive, true, 'this process holds the lock');
    await store.append([{ type: 'run-status', status: 'running' }]);
    const journal = path.join(root, 'runs', runId, 'events.ndjson');
    const next = await readRunEvents(root, runId, first.endByte);
    assert.deepEqual(next.events.map((e) => [e.seq, e.type]), [[2, 'run-status']]);
    assert.equal(next.endByte, fs.statSync(journal).size);
    await store.close();
    fs.appendFileSync(journal, '{"seq":3,"type":"run-st');
    const torn = await readRunEvents(root, runId, next.endByte);
    assert.deepEqual(torn, { events: [], endByte: next.endByte, driverAlive: false, restarted: false }, 'the torn line waits; the lock is released');
    const replaced = await readRunEvents(root, runId, 1_000_000);
    assert.deepEqual([replaced.restarted, replaced.events.map((e) => e.seq), replaced.endByte], [true, [1, 2], next.endByte], 'a journal shorter than what was read was replaced: read from its start');
    await assert.rejects(readRunEvents(root, '01M7YF0000000099'), (e: unknown) => e instanceof StoreError && e.message === `no run 01M7YF0000000099 in ${root}`);
  });

  it('says which run folder it cannot create', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-store-'));
    roots.push(root);
    fs.writeFileSync(path.join(root, 'runs'), 'not a folder');
    await assert.rejects(RunStore.create(root, '01M7YF0000000003', 'test'), (e: unknown) => e instanceof Error && e.message.startsWith(`cannot create the run folder ${path.join(root, 'runs', '.new-01M7YF0000000003')}: `));
  });
  it('reads the runs newest first, passing over one it cannot read, with the journal as it was before reading', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-store-'));
    roots.push(root);
    for (const runId of ['01M7YF0000000005', '01M7YF0000000006']) {
      const store = await RunStore.create(root, runId, 'test');
      await store.append([{ type: 'run-created', runId, workflow: runId, file: 'w.cairn.toml', revision: 'r', mode: 'eager', parallel: 1, cliVars: {}, structure: [] }]);
      await store.close();
    }
    fs.mkdirSync(path.join(root, 'runs', '01M7YF0000000007'));
    fs.writeFileSync(path.join(root, 'runs', '01M7YF0000000007', 'events.ndjson'), '{"seq":1,"type":"junk"}\n');
    const unreadable: string[] = [];
    const seen: string[] = [];
    for await (const snap of readRunsNewestFirst(root, (id) => unreadable.push(id))) {
      seen.push(snap.id);
      const st = fs.statSync(snap.paths.journal);
      assert.deepEqual(snap.journal, { size: st.size, mtimeMs: st.mtimeMs });
    }
    assert.deepEqual(seen, ['01M7YF0000000006', '01M7YF0000000005']);
    assert.deepEqual(unreadable, ['01M7YF0000000007']);
    await assert.rejects(readRun(root, '01M7YF0000000008'), (e: unknown) => e instanceof StoreError && e.message === `no run 01M7YF0000000008 in ${root}`);
  });
});
