// The run lock: one driver at a time, refusals that name the holder and write nothing, dead drivers
// (kill -9, reused pid, silent remote host) detected and taken over by exactly one racer.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, LockedError, lockedMessage, readLock, type LockHolder } from './lock';
import { startChild, type StoreChild } from './store-child.test-helper';

interface RaceResult {
  readonly won: boolean;
  readonly pid: number;
  readonly holder?: number;
  readonly message?: string;
}

/** Our own start time from /proc (field 22), to forge locks that only differ in it; undefined without /proc. */
function ownProcStart(): string | undefined {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Holds `dir`'s lock in a child, then kill -9s it: a real dead driver's lock. */
async function deadDriverLock(dir: string): Promise<number> {
  const child = startChild('lock-hold', dir);
  assert.equal(await child.nextLine(), 'locked');
  child.process.kill('SIGKILL');
  assert.equal((await child.done).signal, 'SIGKILL');
  return child.pid;
}

function snapshot(dir: string): { names: string[]; lock: string; ino: number } {
  const lock = path.join(dir, 'lock');
  return { names: fs.readdirSync(dir).sort(), lock: fs.readFileSync(lock, 'utf8'), ino: fs.statSync(lock).ino };
}

describe('run lock', function () {
  let dir = '';

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-lock-'));
  });

  let cleanups: (() => void)[] = [];

  afterEach(function () {
    for (const cleanup of cleanups) cleanup();
    cleanups = [];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('acquires with pid, host and command, reads back alive, and release removes it', async function () {
    assert.equal(await readLock(dir), undefined);
    const lock = await acquireLock(dir, 'cairn run ci.cairn.toml');
    assert.equal(lock.holder.pid, process.pid);
    assert.equal(lock.holder.host, os.hostname());
    assert.equal(lock.holder.command, 'cairn run ci.cairn.toml');
    assert.deepEqual(fs.readdirSync(dir), ['lock'], 'no temp files left');
    const read = await readLock(dir);
    assert.ok(read);
    assert.equal(read.alive, true);
    assert.deepEqual({ ...read.holder, heartbeatAt: '' }, { ...lock.holder, heartbeatAt: '' });
    await lock.release();
    await lock.release();
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.equal(await readLock(dir), undefined);
    await (await acquireLock(dir, 'cairn resume x')).release();
  });

  it('reads no lock in a folder that does not exist', async function () {
    assert.equal(await readLock(path.join(dir, 'missing')), undefined);
  });

  it('refuses a second acquire in the same process, naming the holder, writing nothing', async function () {
    const lock = await acquireLock(dir, 'cairn run ci.cairn.toml');
    const before = snapshot(dir);
    await assert.rejects(acquireLock(dir, 'cairn resume'), (e: unknown) => {
      assert.ok(e instanceof LockedError);
      assert.equal(e.holder.pid, process.pid);
      assert.match(e.message, new RegExp(`^run is being driven by pid ${process.pid} on host ${os.hostname()} \\(cairn run ci\\.cairn\\.toml, since \\d\\d:\\d\\d:\\d\\d\\); wait for it or cancel it with cairn cancel ${path.basename(dir)}$`));
      return true;
    });
    assert.deepEqual(snapshot(dir), before);
    await lock.release();
  });

  it('refuses a driver in another process, naming this one, and it writes nothing', async function () {
    const lock = await acquireLock(dir, 'cairn run ci.cairn.toml');
    const before = snapshot(dir);
    const child = startChild('lock-race', dir);
    cleanups.push(() => child.process.kill('SIGKILL'));
    assert.equal(await child.nextLine(), 'ready');
    child.process.stdin.end('go\n');
    const result = JSON.parse(await child.nextLine()) as RaceResult;
    assert.equal((await child.done).code, 0);
    assert.equal(result.won, false);
    assert.equal(result.holder, process.pid);
    assert.match(result.message ?? '', new RegExp(`^run is being driven by pid ${process.pid} on host `));
    assert.deepEqual(snapshot(dir), before);
    await lock.release();
  });

  it('sees a kill -9ed driver dead at once, and takes its lock over', async function () {
    const deadPid = await deadDriverLock(dir);
    const read = await readLock(dir);
    assert.ok(read);
    assert.equal(read.holder.pid, deadPid);
    assert.equal(read.holder.command, 'cairn run held.cairn.toml');
    assert.equal(read.alive, false);

    const lock = await acquireLock(dir, 'cairn resume --auto');
    assert.equal((await readLock(dir))?.holder.pid, process.pid);
    assert.deepEqual(fs.readdirSync(dir), ['lock'], 'no takeover tokens or temp files left');
    await lock.release();
  });

  it('lets exactly one of 8 processes racing for a dead lock win; the others name the winner', async function () {
    this.timeout(60_000);
    const deadPid = await deadDriverLock(dir);
    const racers: StoreChild[] = Array.from({ length: 8 }, () => startChild('lock-race', dir));
    // A failed assertion must not leave winners holding on, waiting for a stdin that never ends.
    cleanups.push(() => racers.forEach((racer) => racer.process.kill('SIGKILL')));
    for (const racer of racers) assert.equal(await racer.nextLine(), 'ready');
    for (const racer of racers) racer.process.stdin.write('go\n');
    const results = await Promise.all(racers.map(async (racer) => JSON.parse(await racer.nextLine()) as RaceResult));
    const winners = results.filter((r) => r.won);
    assert.equal(winners.length, 1, JSON.stringify(results));
    const winner = winners[0] as RaceResult;
    for (const loser of results.filter((r) => !r.won)) {
      assert.equal(loser.holder, winner.pid, `racer ${loser.pid} was refused by ${loser.holder}, not the winner ${winner.pid}`);
      assert.match(loser.message ?? '', new RegExp(`^run is being driven by pid ${winner.pid} `));
    }
    const read = await readLock(dir);
    assert.equal(read?.holder.pid, winner.pid);
    assert.notEqual(winner.pid, deadPid);
    assert.equal(read.alive, true);
    for (const racer of racers) racer.process.stdin.end();
    for (const racer of racers) assert.equal((await racer.done).code, 0);
    assert.deepEqual(fs.readdirSync(dir), [], 'the winner released; nothing else was left behind');
  });

  it('is not blocked by a takeover that crashed half-way (its token left behind)', async function () {
    const deadPid = await deadDriverLock(dir);
    const stat = fs.statSync(path.join(dir, 'lock'), { bigint: true });
    // The token a taker creates, named after the dead lock's inode, whose owner then died too.
    const token = path.join(dir, `lock.takeover-${stat.dev}-${stat.ino}`);
    fs.writeFileSync(token, JSON.stringify({ pid: deadPid, host: os.hostname(), startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), command: 'cairn resume' }));
    const lock = await acquireLock(dir, 'cairn resume --auto');
    assert.equal((await readLock(dir))?.holder.pid, process.pid);
    assert.deepEqual(fs.readdirSync(dir), ['lock']);
    await lock.release();
  });

  it('reads a malformed lock file as dead without throwing, and takes it over', async function () {
    const malformed = ['', 'not json', '{"pid":"12"}', '[1,2]', '{"pid":0,"host":"h","startedAt":"x"}', '{"pid":-5,"host":"h","startedAt":"x"}', 'null'];
    for (const text of malformed) {
      fs.writeFileSync(path.join(dir, 'lock'), text);
      const read = await readLock(dir);
      assert.ok(read, JSON.stringify(text));
      assert.equal(read.alive, false, JSON.stringify(text));
      assert.equal(typeof read.holder.pid, 'number');
      assert.equal(typeof read.holder.heartbeatAt, 'string');
      const lock = await acquireLock(dir, 'cairn resume');
      assert.equal((await readLock(dir))?.holder.pid, process.pid, JSON.stringify(text));
      await lock.release();
    }
  });

  it('sees a live pid with another start time as a reused pid: dead', async function () {
    const procStart = ownProcStart();
    assert.ok(procStart !== undefined, 'needs /proc/<pid>/stat (Linux)');
    const forged = (start: string): string => JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), command: 'cairn run', procStart: start });
    fs.writeFileSync(path.join(dir, 'lock'), forged(procStart));
    assert.equal((await readLock(dir))?.alive, true);
    fs.writeFileSync(path.join(dir, 'lock'), forged(String(Number(procStart) + 1)));
    assert.equal((await readLock(dir))?.alive, false);
  });

  it('judges a holder on another host by its heartbeat: alive under 30 s, dead after', async function () {
    const file = path.join(dir, 'lock');
    const startedAt = new Date(Date.now() - 3_600_000).toISOString();
    fs.writeFileSync(file, JSON.stringify({ pid: 4242, host: 'elsewhere.example', startedAt, heartbeatAt: startedAt, command: 'cairn run far.cairn.toml' }));
    const fresh = await readLock(dir);
    assert.equal(fresh?.alive, true, 'its mtime is its heartbeat');
    await assert.rejects(acquireLock(dir, 'cairn resume'), (e: unknown) => e instanceof LockedError && e.holder.host === 'elsewhere.example' && /on host elsewhere\.example \(cairn run far\.cairn\.toml, since /.test(e.message));

    const old = new Date(Date.now() - 31_000);
    fs.utimesSync(file, old, old);
    assert.equal((await readLock(dir))?.alive, false);
    const lock = await acquireLock(dir, 'cairn resume');
    assert.equal((await readLock(dir))?.holder.host, os.hostname());
    await lock.release();
  });

  it('beats: the lock file mtime moves forward every heartbeatMs', async function () {
    const lock = await acquireLock(dir, 'cairn run', { heartbeatMs: 20 });
    const file = path.join(dir, 'lock');
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(file, past, past);
    const watcher = fs.watch(file);
    try {
      // Wait for the heartbeat's own change event, not for a fixed time.
      await new Promise<void>((resolve) => watcher.on('change', () => resolve()));
    } finally {
      watcher.close();
    }
    const read = await readLock(dir);
    assert.ok(read && Date.parse(read.holder.heartbeatAt) > past.getTime() + 30_000, read?.holder.heartbeatAt);
    await lock.release();
  });

  it('on release, leaves alone a lock that is no longer its own', async function () {
    const lock = await acquireLock(dir, 'cairn run');
    // As if another host judged us dead and took over: a different lock file now has the name.
    const file = path.join(dir, 'lock');
    fs.unlinkSync(file);
    const theirs = JSON.stringify({ pid: 4242, host: 'elsewhere.example', startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), command: 'cairn resume' });
    fs.writeFileSync(file, theirs);
    await lock.release();
    assert.equal(fs.readFileSync(file, 'utf8'), theirs);
  });

  it('says where and since when the run is driven, in one sentence', function () {
    const startedAt = new Date();
    startedAt.setHours(10, 42, 1);
    const holder: LockHolder = { pid: 1234, host: 'h', startedAt: startedAt.toISOString(), heartbeatAt: startedAt.toISOString(), command: 'cairn run ci.cairn.toml' };
    assert.equal(lockedMessage('/w/.cairn/runs/01KAB3C4D5XYZ123', holder), 'run is being driven by pid 1234 on host h (cairn run ci.cairn.toml, since 10:42:01); wait for it or cancel it with cairn cancel 01KAB3C4D5XYZ123');
    const yesterday = new Date(startedAt.getTime() - 86_400_000);
    assert.match(lockedMessage('/r/x', { ...holder, startedAt: yesterday.toISOString() }), /since \d{4}-\d\d-\d\d 10:42:01\)/);
  });
});
