import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { directArgv } from './direct-command';
import { executeTask } from './execute-task';

describe('direct commands (no shell for plain commands)', () => {
  const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-direct-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The program, not a shell builtin of the same name (`command -v true` says "true").
  const which = (name: string): string => PATH.split(':').map((d) => path.join(d, name)).find((f) => fs.existsSync(f))!;

  it('execs plain words whose first word is a program on PATH', () => {
    assert.deepEqual(directArgv('true', dir, PATH), [which('true')]);
    assert.deepEqual(directArgv('  node --version  ', dir, PATH), [which('node'), '--version']);
    assert.deepEqual(directArgv('test -e a/b.txt', dir, PATH), [which('test'), '-e', 'a/b.txt']);
  });

  it('leaves everything with shell syntax, builtins or unknown programs to the shell', () => {
    for (const c of [
      'echo $HOME',
      'echo "quoted"',
      "echo 'x'",
      'ls *.ts',
      'a && b',
      'a | b',
      'a > out',
      'a; b',
      'true\nfalse',
      'cd sub',
      'exit 1',
      'export A=1',
      'pwd',
      'FOO=1 node x.js',
      'no-such-program-xyz',
      'echo ~',
      'kill %1',
      'time true',
      '',
    ]) {
      assert.equal(directArgv(c, dir, PATH), undefined, JSON.stringify(c));
    }
  });

  it('leaves a plain command too long to be an argument to the shell', () => {
    assert.ok(directArgv(`echo ${'word '.repeat(20)}`, '/', PATH));
    assert.equal(directArgv(`echo ${'w'.repeat(200_000)}`, '/', PATH), undefined);
  });

  it('execs a script in the task folder only when it has a #! line', () => {
    fs.writeFileSync(path.join(dir, 'with.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'without.sh'), 'echo hi\n', { mode: 0o755 });
    assert.deepEqual(directArgv('./with.sh a', dir, PATH), [path.join(dir, 'with.sh'), 'a']);
    assert.equal(directArgv('./without.sh', dir, PATH), undefined, 'bash would run it; exec would fail with ENOEXEC');
  });

  it('gives the same exit code, arguments and PWD as the shell would', async () => {
    const run = async (argv: string[] | undefined, command: string): Promise<{ code: number | undefined; log: string }> => {
      const log = path.join(dir, `log-${Math.random()}`);
      const r = await executeTask({ command, shell: '/bin/sh', ...(argv ? { argv } : {}), cwd: dir, env: { PATH, PWD: '/elsewhere' }, logFile: log, outputFile: `${log}.out`, secrets: [], captureStdout: false }, {});
      return { code: r.outcome === 'exit' ? r.exitCode : undefined, log: fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '(none)' };
    };
    for (const command of ['false', 'node -e process.exitCode=3', 'printf %s,%s a b', 'node -p process.env.PWD']) {
      const viaShell = await run(undefined, command);
      const direct = await run(directArgv(command, dir, PATH), command);
      assert.ok(directArgv(command, dir, PATH), `${command} should go direct`);
      assert.deepEqual(direct, viaShell, command);
    }
  });
});
