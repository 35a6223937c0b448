// Shared by the runner/exec tests: a scratch folder per test, an ExecSpec with sensible defaults, and
// process-table checks that prove a task left nothing running. Test-only; nothing in the runner imports it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExecSpec } from './execute-task';
import { resolveShell } from './shell';

export interface Scratch {
  readonly dir: string;
  spec(command: string, overrides?: Partial<ExecSpec>): ExecSpec;
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-exec-'));
  const shell = resolveShell();
  if ('error' in shell) throw new Error(shell.error);
  const outputFile = join(dir, 'output');
  return {
    dir,
    spec: (command, overrides = {}) => ({
      command,
      shell: shell.path,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CAIRN_OUTPUT: outputFile },
      logFile: join(dir, 'task.log'),
      outputFile,
      secrets: [],
      captureStdout: false,
      ...overrides,
    }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A named pipe a task can wait at (`read -r _ < "$path"`) until the test opens it: ordering without sleeps.
 * The read blocks until a writer comes, and open() blocks (off the event loop) until the reader is there.
 */
export async function gate(dir: string, name = 'gate'): Promise<{ readonly path: string; readonly open: () => Promise<void> }> {
  const path = join(dir, name);
  await promisify(execFile)('mkfifo', [path]);
  return { path, open: () => writeFile(path, 'go\n') };
}

/**
 * Pids of running members of a process group. Zombies do not count: where init does not reap orphans (as in
 * some containers), a killed background process stays a zombie, which is dead, not an orphan left running.
 */
export function runningMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const stat = processStat(pid);
      return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
    });
}

export function isRunning(pid: number): boolean {
  const stat = processStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

function processStat(pid: number): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
}

/** Pids a task wrote, one per line, into a file of the scratch folder. */
export function readPids(file: string): number[] {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map(Number);
}
