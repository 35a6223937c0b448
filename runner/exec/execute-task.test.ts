import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gate, scratch, type Scratch } from './exec-test-fixture';
import { executeTask, type ExecResult } from './execute-task';

function exitCode(result: ExecResult): number {
  assert.equal(result.outcome, 'exit', JSON.stringify(result));
  return result.outcome === 'exit' ? result.exitCode : -1;
}

describe('executeTask', () => {
  let box: Scratch;
  beforeEach(() => {
    box = scratch();
  });
  afterEach(() => box.remove());

  describe('exit', () => {
    it('succeeds, with output in the log and the tail', async () => {
      const result = await executeTask(box.spec('echo hello'), {});
      assert.equal(exitCode(result), 0);
      assert.equal(result.logTail, 'hello');
      assert.equal(readFileSync(join(box.dir, 'task.log'), 'utf8'), 'hello\n');
      assert.ok(result.durationMs > 0 && result.durationMs < 5000);
      assert.equal(result.stdout, undefined, 'no capture unless asked');
      assert.equal(result.outputError, undefined);
    });

    it('creates no log file for a task that prints nothing', async () => {
      const result = await executeTask(box.spec('true'), {});
      assert.equal(exitCode(result), 0);
      assert.equal(result.logTail, '');
      assert.equal(existsSync(join(box.dir, 'task.log')), false, 'created at the first byte, so never');
      assert.equal(result.logError, undefined);
    });

    it('reports the exit code', async () => {
      assert.equal(exitCode(await executeTask(box.spec('exit 7'), {})), 7);
      assert.equal(exitCode(await executeTask(box.spec('false'), {})), 1);
    });

    it('reports the pid of the process it started', async () => {
      let spawned: number | undefined;
      const result = await executeTask(box.spec('echo $$'), { onSpawn: (pid) => (spawned = pid) });
      assert.equal(result.logTail, String(spawned));
    });

    it('passes exactly the given environment', async () => {
      process.env.CAIRN_EXEC_TEST_LEAK = 'leaked';
      try {
        const spec = box.spec('printf "%s|%s" "$GREETING" "${CAIRN_EXEC_TEST_LEAK-unset}"', { captureStdout: true });
        const result = await executeTask({ ...spec, env: { ...spec.env, GREETING: 'hi there' } }, {});
        assert.equal(result.stdout, 'hi there|unset');
      } finally {
        delete process.env.CAIRN_EXEC_TEST_LEAK;
      }
    });

    it('runs in the given directory', async () => {
      const sub = join(box.dir, 'sub dir');
      mkdirSync(sub);
      const result = await executeTask(box.spec('pwd', { cwd: sub, captureStdout: true }), {});
      assert.equal(result.stdout, `${realpathSync(sub)}\n`);
    });

    it('runs the command under the given shell', async () => {
      const result = await executeTask(box.spec('echo "${BASH_VERSION:+bash}"', { shell: '/bin/sh', captureStdout: true }), {});
      const sh = realpathSync('/bin/sh');
      assert.equal(result.stdout, sh.endsWith('bash') ? 'bash\n' : '\n');
    });

    it('runs a command too long to be an argument (1 MB) by evaluating it from a pipe, under bash and sh', async () => {
      // 1 MB of shell: far past Linux's 128 KiB per argument, so `sh -c` would fail with E2BIG.
      const body = Array.from({ length: 20_000 }, (_, i) => `x${i}=${'v'.repeat(40)}`).join('\n');
      const command = `${body}\necho "$x19999" | wc -c\ncat | wc -c\necho done`;
      assert.ok(Buffer.byteLength(command) > 900_000);
      for (const shell of ['/bin/bash', '/bin/sh']) {
        const result = await executeTask(box.spec(command, { shell, captureStdout: true }), {});
        assert.equal(result.outcome, 'exit', `${shell}: ${result.logTail}`);
        assert.equal(result.outcome === 'exit' && result.exitCode, 0, `${shell}: ${result.logTail}`);
        assert.deepEqual(result.stdout?.split('\n').map((l) => l.trim()), ['41', '0', 'done', ''], `${shell}: the script ran whole, and the task still has no stdin`);
      }
    });

    it('says what to do when a command too long to be an argument has a shell that is not POSIX', async () => {
      const result = await executeTask(box.spec(`${'x'.repeat(200_000)}`, { shell: '/usr/bin/env' }), {});
      assert.equal(result.outcome, 'spawn');
      assert.match(result.outcome === 'spawn' ? result.message : '', /larger than the system allows \(E2BIG: .*\); move a long command into a script file/);
    });

    it('fails, rather than run nothing and succeed, when the long command cannot be read (no cat on the task\'s PATH is fine)', async () => {
      const long = `echo ran; exit 5\n${'# padding\n'.repeat(30_000)}`;
      // The task's own PATH has no cat: the shell finds it on the system's default PATH (command -p).
      const result = await executeTask(box.spec(long, { shell: '/bin/bash', env: { PATH: '/nonexistent' } }), {});
      assert.equal(result.outcome === 'exit' && result.exitCode, 5, result.logTail);
      assert.equal(result.logTail, 'ran');
    });

    it('ends cleanly when the shell exits without reading a long command (the pipe breaks under our write)', async () => {
      // A "shell" named sh that never reads fd 3: our 300 KB write meets a closed pipe.
      const fake = join(box.dir, 'sh');
      symlinkSync('/bin/true', fake);
      const result = await executeTask(box.spec(`${'# padding\n'.repeat(30_000)}exit 4`, { shell: fake }), {});
      assert.equal(result.outcome === 'exit' && result.exitCode, 0);
    });

    it('refuses a long command holding a NUL byte, as it does a short one', async () => {
      const result = await executeTask(box.spec(`echo a\u0000b\n${'# padding\n'.repeat(30_000)}`, { shell: '/bin/bash' }), {});
      assert.equal(result.outcome, 'spawn');
    });

    it('gives the task no stdin', async () => {
      const result = await executeTask(box.spec('cat; echo "read $?"'), {});
      assert.equal(result.logTail, 'read 0');
    });
  });

  describe('signal', () => {
    it('reports a signal the task got from elsewhere', async () => {
      const killed = await executeTask(box.spec('echo before; kill -9 $$; echo after'), {});
      assert.equal(killed.outcome, 'signal');
      assert.equal(killed.outcome === 'signal' && killed.signal, 'SIGKILL');
      assert.equal(killed.logTail, 'before');
      const terminated = await executeTask(box.spec('kill -TERM $$'), {});
      assert.equal(terminated.outcome === 'signal' && terminated.signal, 'SIGTERM');
    });
  });

  describe('log', () => {
    it('has stdout and stderr, each in order, and appends to what was there', async () => {
      writeFileSync(join(box.dir, 'task.log'), 'earlier attempt\n');
      const result = await executeTask(box.spec('echo out1; echo err1 >&2; echo out2; echo err2 >&2'), {});
      assert.equal(exitCode(result), 0);
      const lines = readFileSync(join(box.dir, 'task.log'), 'utf8').split('\n');
      assert.equal(lines[0], 'earlier attempt');
      assert.deepEqual(lines.filter((line) => line.startsWith('out')), ['out1', 'out2']);
      assert.deepEqual(lines.filter((line) => line.startsWith('err')), ['err1', 'err2']);
      assert.equal(lines.length, 6);
    });

    it('returns the last tailLines lines', async () => {
      const result = await executeTask(box.spec('seq 1 1000', { tailLines: 5 }), {});
      assert.equal(result.logTail, '996\n997\n998\n999\n1000');
      const standard = await executeTask(box.spec('seq 1 1000'), {});
      assert.equal(standard.logTail.split('\n').length, 50);
    });

    it('streams output live to onOutput, tagged by stream', async () => {
      const chunks: Array<[string, string]> = [];
      await executeTask(box.spec('echo to-out; echo to-err >&2'), { onOutput: (chunk, stream) => chunks.push([stream, chunk]) });
      assert.equal(chunks.filter(([stream]) => stream === 'stdout').map(([, c]) => c).join(''), 'to-out\n');
      assert.equal(chunks.filter(([stream]) => stream === 'stderr').map(([, c]) => c).join(''), 'to-err\n');
    });

    it('survives listeners that throw', async () => {
      const result = await executeTask(box.spec('echo fine'), {
        onOutput: () => {
          throw new Error('ui broke');
        },
        onSpawn: () => {
          throw new Error('ui broke');
        },
      });
      assert.equal(exitCode(result), 0);
      assert.equal(result.logTail, 'fine');
    });
  });

  describe('register capture', () => {
    it('keeps stdout raw (not stderr), secrets unmasked', async () => {
      const spec = box.spec('echo "v1.2 hunter2"; echo noise >&2', { captureStdout: true, secrets: ['hunter2'] });
      const result = await executeTask(spec, {});
      assert.equal(result.stdout, 'v1.2 hunter2\n');
      assert.equal(result.stdoutTruncated, false);
      assert.ok(!readFileSync(spec.logFile, 'utf8').includes('hunter2'));
    });

    it('keeps the first maxCaptureBytes and says it cut', async () => {
      const spec = box.spec('head -c 300000 /dev/zero | tr "\\0" x', { captureStdout: true, maxCaptureBytes: 100_000 });
      const result = await executeTask(spec, {});
      assert.equal(exitCode(result), 0, 'too much output is not a failure');
      assert.equal(result.stdout, 'x'.repeat(100_000));
      assert.equal(result.stdoutTruncated, true);
      assert.equal(readFileSync(spec.logFile, 'utf8').length, 300_000, 'the log has everything');
    });

    it('does not cut a character in half', async () => {
      const result = await executeTask(box.spec('printf "aé"', { captureStdout: true, maxCaptureBytes: 2 }), {});
      assert.equal(result.stdout, 'a');
      assert.equal(result.stdoutTruncated, true);
    });
  });

  describe('masking', () => {
    it('masks secrets in the log, the tail and live chunks, on both streams', async () => {
      const chunks: string[] = [];
      const spec = box.spec('echo "token=s3cr3t"; echo "pw hunter2!" >&2; echo ok', { secrets: ['s3cr3t', 'hunter2', ''] });
      const result = await executeTask(spec, { onOutput: (chunk) => chunks.push(chunk) });
      const log = readFileSync(spec.logFile, 'utf8');
      for (const text of [log, result.logTail, chunks.join('')]) {
        assert.ok(text.includes('token=***') && text.includes('pw ***!') && text.includes('ok'), text);
        assert.ok(!text.includes('s3cr3t') && !text.includes('hunter2'), text);
      }
    });

    it('masks a secret written in two pieces', async () => {
      const { path, open: release } = await gate(box.dir);
      const chunks: string[] = [];
      // The second piece is written only after the test has seen the first chunk: two chunks for sure.
      const spec = box.spec(`printf "key: hun"; read -r _ < "${path}"; printf "ter2 done\\n"; printf "hun" >&2; printf "ter2\\n" >&2`, {
        secrets: ['hunter2'],
        timeoutMs: 10_000,
      });
      const result = await executeTask(spec, {
        onOutput: (chunk) => {
          if (chunks.push(chunk) === 1) void release();
        },
      });
      assert.equal(chunks[0], 'key: ', '"hun" waits: it may be the start of the secret');
      const log = readFileSync(spec.logFile, 'utf8');
      assert.ok(log.includes('key: *** done\n') && log.includes('***\n'), log);
      assert.ok(!log.includes('hun') && !result.logTail.includes('hun'));
      for (const chunk of chunks) assert.ok(!chunk.includes('hun') && !chunk.includes('ter2'), chunk);
    });

    it('removes the $CAIRN_OUTPUT file once it has read it (it may hold a secret)', async () => {
      const spec = box.spec('echo "token=hunter2" >> "$CAIRN_OUTPUT"');
      const seen: string[] = [];
      const result = await executeTask(spec, { onOutputVar: (name, value) => (seen.push(`${name}=${value}`), Promise.resolve()) });
      assert.equal(exitCode(result), 0);
      assert.deepEqual(seen, ['token=hunter2']);
      assert.equal(existsSync(spec.outputFile), false);
    });

    it('masks secrets in a malformed $CAIRN_OUTPUT line it reports', async () => {
      const result = await executeTask(box.spec('echo "token hunter2" >> "$CAIRN_OUTPUT"', { secrets: ['hunter2'] }), {});
      assert.equal(exitCode(result), 0, 'a malformed record does not fail the task');
      assert.equal(result.outputError, '$CAIRN_OUTPUT line 1: expected name=value or name<<DELIMITER: token ***');
    });
  });

  describe('cannot start', () => {
    function message(result: ExecResult): string {
      assert.equal(result.outcome, 'spawn', JSON.stringify(result));
      return result.outcome === 'spawn' ? result.message : '';
    }

    it('a missing shell', async () => {
      const spec = box.spec('true', { shell: '/bin/bashx' });
      const result = await executeTask(spec, {});
      assert.equal(message(result), 'cannot start "/bin/bashx": no such file');
      assert.equal(readFileSync(spec.logFile, 'utf8'), 'cannot start "/bin/bashx": no such file\n');
      assert.equal(result.logTail, 'cannot start "/bin/bashx": no such file');
      assert.equal(message(await executeTask(box.spec('true', { shell: 'bashx' }), {})), 'cannot start "bashx": not found on PATH');
    });

    it('a shell that is not executable', async () => {
      const file = join(box.dir, 'plain-file');
      writeFileSync(file, '');
      chmodSync(file, 0o644);
      // root may read anything but still cannot execute a file without any x bit.
      assert.match(message(await executeTask(box.spec('true', { shell: file }), {})), /^cannot start ".*plain-file": permission denied/);
    });

    it('a missing working directory, or one that is a file', async () => {
      const missing = join(box.dir, 'x', 'y');
      assert.equal(message(await executeTask(box.spec('true', { cwd: missing }), {})), `working directory "${missing}" does not exist`);
      const file = join(box.dir, 'a-file');
      writeFileSync(file, '');
      assert.equal(message(await executeTask(box.spec('true', { cwd: file }), {})), `working directory "${file}" is not a directory`);
    });

    it('a log file whose folder is missing', async () => {
      const logFile = join(box.dir, 'no-such-folder', 'task.log');
      assert.equal(message(await executeTask(box.spec('true', { logFile }), {})), `cannot open log file "${logFile}": its folder does not exist`);
    });

    it('a command the OS refuses (a NUL byte)', async () => {
      assert.match(message(await executeTask(box.spec('echo a\0b'), {})), /^cannot start ".*": .*null bytes/);
    });
  });
});
