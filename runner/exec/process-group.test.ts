// Timeouts, cancellation and leftovers, through executeTask: every process of the task's group must be gone
// when the result arrives.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isRunning, readPids, runningMembers, scratch, type Scratch } from './exec-test-fixture';
import { executeTask, type ExecHooks } from './execute-task';
import { ProcessGroup } from './process-group';

/** Records the group id (= the leader's pid) for the checks afterwards. */
function spawnSpy(): ExecHooks & { pgid(): number } {
  let pid: number | undefined;
  return {
    onSpawn: (spawned) => (pid = spawned),
    pgid: () => {
      assert.ok(pid !== undefined, 'onSpawn was not called');
      return pid;
    },
  };
}

function assertGroupGone(pgid: number, children: readonly number[]): void {
  assert.deepEqual(runningMembers(pgid), [], `group ${pgid} still has running members`);
  for (const pid of children) assert.ok(!isRunning(pid), `child ${pid} is still running`);
}

describe('process groups', () => {
  let box: Scratch;
  beforeEach(() => {
    box = scratch();
  });
  afterEach(() => box.remove());

  // Each background job writes its pid to a file, so the test can check on it by name as well as by group.
  const twoSleepers = 'sleep 1000 & echo $! >> pids; sleep 1000 & echo $! >> pids';

  describe('timeout', () => {
    it('ends the whole group with SIGTERM at timeoutMs', async () => {
      const spy = spawnSpy();
      const result = await executeTask(box.spec(`${twoSleepers}; echo started; wait`, { timeoutMs: 300, killGraceMs: 5000 }), spy);
      assert.equal(result.outcome, 'timeout');
      assert.equal(result.logTail, 'started');
      assert.ok(result.durationMs >= 300 && result.durationMs < 3000, `took ${result.durationMs} ms: SIGTERM should be enough`);
      const pids = readPids(join(box.dir, 'pids'));
      assert.equal(pids.length, 2);
      assertGroupGone(spy.pgid(), pids);
    });

    it('sends SIGKILL after the grace period when SIGTERM is ignored', async () => {
      const spy = spawnSpy();
      // `trap '' TERM` is inherited: the shell and both sleepers ignore SIGTERM.
      const spec = box.spec(`trap '' TERM; ${twoSleepers}; wait`, { timeoutMs: 200, killGraceMs: 300 });
      const result = await executeTask(spec, spy);
      assert.equal(result.outcome, 'timeout');
      assert.ok(result.durationMs >= 500, `took ${result.durationMs} ms, less than timeout + grace`);
      assert.ok(result.durationMs < 3000, `took ${result.durationMs} ms`);
      assertGroupGone(spy.pgid(), readPids(join(box.dir, 'pids')));
    });

    it('lets a task that handles SIGTERM clean up within the grace period', async () => {
      const spec = box.spec(`trap 'echo cleaning up; exit 0' TERM; echo ready; sleep 1000 & wait`, { timeoutMs: 200, killGraceMs: 5000 });
      const result = await executeTask(spec, {});
      assert.equal(result.outcome, 'timeout', 'still a timeout, even though it exited 0');
      assert.equal(result.logTail, 'ready\ncleaning up');
      assert.ok(result.durationMs < 3000);
    });

    it('has no limit without timeoutMs, or beyond what a timer can hold', async () => {
      assert.equal((await executeTask(box.spec('true', { timeoutMs: 2 ** 31 }), {})).outcome, 'exit');
      assert.equal((await executeTask(box.spec('true', { timeoutMs: 0 }), {})).outcome, 'exit');
    });
  });

  describe('abort', () => {
    it('ends the whole group and reports cancelled', async () => {
      const spy = spawnSpy();
      const controller = new AbortController();
      let runningBefore: number[] = [];
      const hooks: ExecHooks = {
        ...spy,
        onOutput: (chunk) => {
          if (!chunk.includes('ready')) return;
          runningBefore = runningMembers(spy.pgid());
          controller.abort();
        },
      };
      const result = await executeTask(box.spec(`${twoSleepers}; echo ready; wait`, { killGraceMs: 300 }), hooks, controller.signal);
      assert.equal(result.outcome, 'cancelled');
      assert.equal(runningBefore.length, 3, 'the check sees the shell and both sleepers while they run');
      assertGroupGone(spy.pgid(), readPids(join(box.dir, 'pids')));
    });

    it('ends a task that is aborted from onSpawn', async () => {
      const controller = new AbortController();
      const result = await executeTask(box.spec('sleep 1000'), { onSpawn: () => controller.abort() }, controller.signal);
      assert.equal(result.outcome, 'cancelled');
    });

    it('does not start a task whose signal has already fired', async () => {
      const controller = new AbortController();
      controller.abort();
      let spawned = false;
      const result = await executeTask(box.spec('touch started'), { onSpawn: () => (spawned = true) }, controller.signal);
      assert.equal(result.outcome, 'cancelled');
      assert.equal(spawned, false);
    });

    it('ignores an abort after the task has ended', async () => {
      const controller = new AbortController();
      const result = await executeTask(box.spec('true'), {}, controller.signal);
      controller.abort();
      assert.equal(result.outcome, 'exit');
    });
  });

  describe('leftovers of a task that exited by itself', () => {
    it('does not wait for background jobs holding stdout, and ends them', async () => {
      const spy = spawnSpy();
      const result = await executeTask(box.spec('sleep 1000 & echo $! > pids; echo done'), spy);
      assert.equal(result.outcome === 'exit' && result.exitCode, 0);
      assert.equal(result.logTail, 'done');
      assert.ok(result.durationMs < 2000, `took ${result.durationMs} ms`);
      assertGroupGone(spy.pgid(), readPids(join(box.dir, 'pids')));
    });

    it('ends background jobs that do not hold the pipes', async () => {
      const spy = spawnSpy();
      const result = await executeTask(box.spec('sleep 1000 > /dev/null 2>&1 & echo $! > pids'), spy);
      assert.equal(result.outcome, 'exit');
      assertGroupGone(spy.pgid(), readPids(join(box.dir, 'pids')));
    });

    it('escalates to SIGKILL for leftovers that ignore SIGTERM', async () => {
      const spy = spawnSpy();
      const result = await executeTask(box.spec(`trap '' TERM; sleep 1000 & echo $! > pids; exit 3`, { killGraceMs: 200 }), spy);
      assert.equal(result.outcome === 'exit' && result.exitCode, 3);
      assertGroupGone(spy.pgid(), readPids(join(box.dir, 'pids')));
    });

    it('does not hang on a process outside the group that holds stdout', async () => {
      // setsid puts the sleeper in a group of its own: ours to clean up here, not executeTask's.
      const result = await executeTask(box.spec('setsid sleep 30 & echo $! > pids; echo out'), {});
      const [escaped] = readPids(join(box.dir, 'pids'));
      try {
        assert.equal(result.outcome, 'exit');
        assert.equal(result.logTail, 'out');
        assert.ok(result.durationMs < 2000, `took ${result.durationMs} ms`);
      } finally {
        if (escaped !== undefined) process.kill(escaped, 'SIGKILL');
      }
    });
  });

  describe('ProcessGroup', () => {
    it('knows a group that does not exist is gone', async () => {
      // The pid of a process that has just been reaped is no group at all.
      const spy = spawnSpy();
      await executeTask(box.spec('true'), spy);
      const group = new ProcessGroup(spy.pgid());
      assert.equal(await group.isAlive(), false);
      assert.equal(group.signal('SIGTERM'), false);
      assert.equal(await group.terminate(1000), 'gone');
    });
  });
});
