// A child process for the store's tests (something to kill -9 mid-append, to hold or race for a
// lock, to run under a file size limit), and the parent's handle on it. Not a test itself.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { writeFileAtomic } from './atomic-write';
import { Journal } from './journal';
import { acquireLock, LockedError } from './lock';

export type ChildMode = 'journal-append' | 'journal-fill' | 'atomic-write' | 'lock-hold' | 'lock-race';

export interface StoreChild {
  readonly process: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** The next line it prints; rejects if it exits first. */
  nextLine(): Promise<string>;
  /** Every line it printed, once it has exited and its stdout is drained. */
  readonly done: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly lines: readonly string[]; readonly stderr: string }>;
}

/** Starts this file as a child in `mode`; `fileSizeLimitBlocks` runs it under `ulimit -f` (512 or 1,024 bytes a block, by shell). */
export function startChild(mode: ChildMode, target: string, opts: { fileSizeLimitBlocks?: number } = {}): StoreChild {
  const repoRoot = path.resolve(__dirname, '../..');
  const args = ['--import', 'tsx', __filename, mode, target];
  const child =
    opts.fileSizeLimitBlocks === undefined
      ? spawn(process.execPath, args, { cwd: repoRoot })
      : spawn('/bin/sh', ['-c', `ulimit -f ${opts.fileSizeLimitBlocks} && exec "$0" "$@"`, process.execPath, ...args], { cwd: repoRoot });
  const lines: string[] = [];
  let read = 0;
  let waiting: { resolve: (line: string) => void; reject: (e: Error) => void } | undefined;
  const out = readline.createInterface({ input: child.stdout });
  out.on('line', (line) => {
    lines.push(line);
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w.resolve(lines[read++] as string);
    }
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (s: string) => stderr.push(s));
  const done = (async () => {
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    waiting?.reject(new Error(`child ${mode} exited (${code ?? signal}) before printing a line: ${stderr.join('')}`));
    return { code, signal, lines, stderr: stderr.join('') };
  })();
  return {
    process: child,
    pid: child.pid ?? -1,
    nextLine: () =>
      read < lines.length
        ? Promise.resolve(lines[read++] as string)
        : new Promise<string>((resolve, reject) => {
            if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`child ${mode} has exited: ${stderr.join('')}`));
            else waiting = { resolve, reject };
          }),
    done,
  };
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

async function main(mode: string | undefined, target: string | undefined): Promise<void> {
  if (target === undefined) throw new Error('usage: <mode> <file-or-dir>');
  switch (mode) {
    case 'journal-append': {
      // Three writers at once, records of varied sizes, so batches are big and a kill tears one.
      const journal = await Journal.open(target);
      let seq = 0;
      const writer = async (): Promise<void> => {
        for (;;) {
          const mine = ++seq;
          await journal.append([{ seq: mine, pad: 'é'.repeat((mine * 37) % 900) }]);
          say(String(mine));
        }
      };
      await Promise.all([writer(), writer(), writer()]);
      return;
    }
    case 'journal-fill': {
      // Appends until the file size limit (ulimit -f) stops it, then tries once more.
      const journal = await Journal.open(target);
      for (let seq = 1; ; seq++) {
        try {
          await journal.append([{ seq, pad: 'x'.repeat(200) }]);
          say(`acked ${seq}`);
        } catch (error) {
          say(`failed ${error instanceof Error ? error.message : String(error)}`);
          const again = await journal.append([{ seq: seq + 1 }]).then(
            () => 'accepted',
            (e: unknown) => (e === journal.failed ? 'same error' : 'other error'),
          );
          say(`again ${again}`);
          return;
        }
      }
    }
    case 'atomic-write': {
      try {
        await writeFileAtomic(target, new Uint8Array(1024 * 1024).fill(0x41));
        say('ok');
      } catch (error) {
        say(`failed ${error instanceof Error ? error.message : String(error)}`);
      }
      return;
    }
    case 'lock-hold': {
      const stdinClosed = once(readline.createInterface({ input: process.stdin }), 'close');
      const lock = await acquireLock(target, 'cairn run held.cairn.toml');
      say('locked');
      await stdinClosed;
      await lock.release();
      return;
    }
    case 'lock-race': {
      // The parent sends "go" to start every racer at once, and ends stdin to end the winner's hold.
      const stdin = readline.createInterface({ input: process.stdin });
      const stdinClosed = once(stdin, 'close');
      say('ready');
      await once(stdin, 'line');
      try {
        const lock = await acquireLock(target, `cairn resume racer-${process.pid}`);
        say(JSON.stringify({ won: true, pid: process.pid }));
        await stdinClosed;
        await lock.release();
      } catch (error) {
        if (!(error instanceof LockedError)) throw error;
        say(JSON.stringify({ won: false, pid: process.pid, holder: error.holder.pid, message: error.message }));
      }
      return;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

if (require.main === module) {
  main(process.argv[2], process.argv[3]).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
