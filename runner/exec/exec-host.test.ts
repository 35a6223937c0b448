import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ExecHost, ExecHostPool } from './exec-host';
import { gate, isRunning, runningMembers, scratch, type Scratch } from './exec-test-fixture';

/** Polls until `check` holds (process exits cannot be awaited from outside their parent). */
async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) assert.fail(`timed out waiting: ${what}`);
    await delay(20);
  }
}

describe('ExecHost (attempts run in a helper process)', function () {
  this.timeout(30_000);
  let box: Scratch;
  let host: ExecHost;
  beforeEach(async () => {
    box = scratch();
    host = new ExecHost();
    host.warm();
    assert.equal(await host.ready, true, 'the host starts');
  });
  afterEach(() => {
    if (host.pid !== undefined) process.kill(host.pid, 'SIGKILL');
    box.remove();
  });

  it('runs the attempt in the host, not in this process', async () => {
    let spawned: number | undefined;
    const result = await host.execute(box.spec('echo "$PPID"'), { onSpawn: (pid) => (spawned = pid) });
    assert.equal(result.outcome, 'exit');
    assert.equal(result.logTail, String(host.pid), 'the task is a child of the host');
    assert.ok(spawned !== undefined && spawned > 0);
    assert.equal(readFileSync(join(box.dir, 'task.log'), 'utf8'), `${host.pid}\n`);
  });

  it('gives each attempt exactly its own environment (sent as changes to the last one)', async () => {
    const base = box.spec('').env;
    const show = 'echo "A=${A-unset} B=${B-unset}"';
    const envs: Record<string, string>[] = [{ ...base, A: '1', B: '2' }, { ...base, A: '1' }, { ...base, B: 'b' }, { PATH: base['PATH'] ?? '/usr/bin:/bin' }, { ...base, A: '1', B: '2' }];
    const seen: string[] = [];
    for (const env of envs) seen.push((await host.execute(box.spec(show, { env }), {})).logTail);
    assert.deepEqual(seen, ['A=1 B=2', 'A=1 B=unset', 'A=unset B=b', 'A=unset B=unset', 'A=1 B=2']);
  });

  it('starts without NODE_EXTRA_CA_CERTS (a slower boot, no use to it), while its tasks still get it', async () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt';
    const other = new ExecHost();
    try {
      other.warm();
      assert.equal(await other.ready, true);
      const hostEnv = readFileSync(`/proc/${other.pid}/environ`, 'utf8').split('\0');
      assert.ok(!hostEnv.some((kv) => kv.startsWith('NODE_EXTRA_CA_CERTS=')), 'not in the host');
      assert.ok(hostEnv.some((kv) => kv.startsWith('PATH=')), 'the rest is');
      const env = { ...box.spec('').env, NODE_EXTRA_CA_CERTS: '/x.crt' };
      assert.equal((await other.execute(box.spec('echo "$NODE_EXTRA_CA_CERTS"', { env }), {})).logTail, '/x.crt');
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
      await other.close();
    }
  });

  it('delivers $CAIRN_OUTPUT records in order, each only after the previous one was acknowledged', async () => {
    const seen: string[] = [];
    let firstDurable = 0;
    let secondArrived = 0;
    const result = await host.execute(box.spec('echo a=1 >> "$CAIRN_OUTPUT"; echo b=2 >> "$CAIRN_OUTPUT"; sleep 0.05; echo c=3 >> "$CAIRN_OUTPUT"'), {
      onOutputVar: async (name, value) => {
        seen.push(`${name}=${value}`);
        if (name === 'a') {
          await delay(150); // a slow fsync
          firstDurable = performance.now();
        }
        if (name === 'b') secondArrived = performance.now();
      },
    });
    assert.equal(result.outcome, 'exit');
    assert.deepEqual(seen, ['a=1', 'b=2', 'c=3']);
    assert.ok(secondArrived >= firstDurable, 'b was read only once a was durable');
  });

  it('reports a record the driver could not make durable as the attempt’s output error', async () => {
    const result = await host.execute(box.spec('echo a=1 >> "$CAIRN_OUTPUT"; echo b=2 >> "$CAIRN_OUTPUT"'), {
      onOutputVar: (name) => (name === 'a' ? Promise.reject(new Error('disk full')) : Promise.resolve()),
    });
    assert.equal(result.outcome, 'exit');
    assert.match(result.outputError ?? '', /recording output variable "a" failed \(disk full\)/);
  });

  it('forwards live output only when asked for it, masked', async () => {
    const chunks: string[] = [];
    const result = await host.execute(box.spec('echo "token s3cret"; echo oops >&2', { secrets: ['s3cret'] }), { onOutput: (chunk, stream) => chunks.push(`${stream}:${chunk}`) });
    assert.equal(result.outcome, 'exit');
    assert.deepEqual(chunks.sort(), ['stderr:oops\n', 'stdout:token ***\n']);
  });

  it('cancels: the abort reaches the task’s whole process group', async () => {
    const ac = new AbortController();
    const pidFile = join(box.dir, 'pids');
    let leader = 0;
    const running = host.execute(box.spec(`sleep 30 & echo $! > "${pidFile}"; wait`, { killGraceMs: 2000 }), {
      onSpawn: (pid) => (leader = pid),
    }, ac.signal);
    await eventually(() => leader > 0 && readFileSync(pidFile, { flag: 'a+' }).length > 0, 'the task started its child');
    ac.abort();
    const result = await running;
    assert.equal(result.outcome, 'cancelled');
    assert.deepEqual(runningMembers(leader), []);
  });

  it('when the host dies mid-attempt, the task is ended and the attempt fails with reason spawn; later attempts run inline', async () => {
    let leader = 0;
    const g = await gate(box.dir);
    const running = host.execute(box.spec(`read -r _ < "${g.path}"; sleep 30`), { onSpawn: (pid) => (leader = pid) });
    await eventually(() => leader > 0, 'the task started');
    process.kill(host.pid!, 'SIGKILL');
    const result = await running;
    assert.equal(result.outcome, 'spawn');
    assert.match(result.outcome === 'spawn' ? result.message : '', /exec host stopped while the task ran \(killed by SIGKILL\)/);
    await eventually(() => runningMembers(leader).length === 0, 'the orphaned task group is gone');
    const after = await host.execute(box.spec('echo "$PPID"'), {});
    assert.equal(after.logTail, String(process.pid), 'inline from now on');
  });

  it('when its driver is killed -9, the host ends the tasks it was running and exits', async () => {
    const pidFile = join(box.dir, 'task.pid');
    const hostPidFile = join(box.dir, 'host.pid');
    const script = join(box.dir, 'driver.ts');
    writeFileSync(
      script,
      `import { ExecHost } from ${JSON.stringify(join(__dirname, 'exec-host.ts'))};
const host = new ExecHost();
host.warm();
setInterval(() => undefined, 1000); // a host that is starting does not keep its driver alive
void host.ready.then(async () => {
  require('node:fs').writeFileSync(${JSON.stringify(hostPidFile)}, String(host.pid));
  await host.execute(${JSON.stringify(box.spec(`echo $$ > "${pidFile}"; sleep 30`))}, {});
});
`,
    );
    const driver = spawn(process.execPath, [...process.execArgv, script], { stdio: 'ignore' });
    await eventually(() => readFileSync(pidFile, { flag: 'a+' }).length > 0, 'the task started');
    const taskPid = Number(readFileSync(pidFile, 'utf8'));
    const hostPid = Number(readFileSync(hostPidFile, 'utf8'));
    assert.ok(isRunning(taskPid) && isRunning(hostPid));
    driver.kill('SIGKILL');
    await eventually(() => !isRunning(taskPid), 'the task is ended');
    await eventually(() => !isRunning(hostPid), 'the host exits');
  });
});

describe('ExecHost before it is ready', () => {
  it('runs attempts inline until warm() is called, and while the host starts', async () => {
    const box = scratch();
    try {
      const host = new ExecHost();
      const cold = await host.execute(box.spec('echo "$PPID"'), {});
      assert.equal(cold.logTail, String(process.pid), 'never warmed: inline (a one-task run never pays for a host)');
      host.warm();
      const starting = await host.execute(box.spec('echo "$PPID"'), {});
      assert.equal(starting.logTail, String(process.pid), 'warming: inline');
      assert.equal(await host.ready, true);
      const warm = await host.execute(box.spec('echo "$PPID"'), {});
      assert.equal(warm.logTail, String(host.pid), 'ready: in the host');
      process.kill(host.pid!, 'SIGKILL');
    } finally {
      box.remove();
    }
  });
});

describe('ExecHostPool', function () {
  this.timeout(30_000);
  it('spreads attempts running side by side over two hosts, and runs inline until one is ready', async () => {
    const box = scratch();
    const pool = new ExecHostPool();
    try {
      const cold = await pool.execute(box.spec('echo "$PPID"'), {});
      assert.equal(cold.logTail, String(process.pid), 'not warmed: inline');
      pool.warm(2);
      await eventually(() => pool.pids.length === 2, 'both hosts are ready');
      const ga = await gate(box.dir, 'gate-a');
      const gb = await gate(box.dir, 'gate-b');
      // Both wait at their gate, so they run at the same time: each goes to the host with fewer running.
      const a = pool.execute(box.spec(`read -r _ < "${ga.path}"; echo "$PPID"`, { logFile: join(box.dir, 'a.log'), outputFile: join(box.dir, 'a.env') }), {});
      const b = pool.execute(box.spec(`read -r _ < "${gb.path}"; echo "$PPID"`, { logFile: join(box.dir, 'b.log'), outputFile: join(box.dir, 'b.env') }), {});
      await Promise.all([ga.open(), gb.open()]);
      const parents = [(await a).logTail, (await b).logTail].sort();
      assert.deepEqual(parents, pool.pids.map(String).sort(), 'one attempt in each host');
    } finally {
      for (const pid of pool.pids) process.kill(pid, 'SIGKILL');
      box.remove();
    }
  });

  it('close() ends every host and resolves once they have exited; a later warm() starts new ones', async () => {
    const box = scratch();
    const pool = new ExecHostPool();
    try {
      pool.warm(2);
      await eventually(() => pool.pids.length === 2, 'both hosts are ready');
      const first = pool.pids;
      assert.equal((await pool.execute(box.spec('echo "$PPID"'), {})).outcome, 'exit');
      await pool.close();
      for (const pid of first) assert.equal(existsSync(`/proc/${pid}`), false, `host ${pid} has exited and was reaped when close() resolves`);
      assert.deepEqual(pool.pids, []);
      assert.equal((await pool.execute(box.spec('echo "$PPID"'), {})).logTail, String(process.pid), 'closed: inline');
      pool.warm(1);
      await eventually(() => pool.pids.length === 1, 'a new host is ready');
      assert.ok(!first.includes(pool.pids[0]!));
      await pool.close();
    } finally {
      for (const pid of pool.pids) process.kill(pid, 'SIGKILL');
      box.remove();
    }
  });
});
