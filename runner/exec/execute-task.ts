// Runs one attempt of a task as its own process group and says how it ended, with its log tail, captured
// stdout and $CAIRN_OUTPUT records as they appear. Knows nothing of stores or events: the engine listens via hooks.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { accessSync, appendFileSync, constants, openSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { LogFile } from './log-file';
import { LogTail } from './log-tail';
import { OutputSink, type StreamName } from './output-sink';
import { OutputWatcher } from './output-watcher';
import { ProcessGroup, type GroupEnd } from './process-group';
import { SecretMatcher, maskSecrets } from './secret-masker';
import { describeSpawnError } from './spawn-error';
import { StdoutCapture } from './stdout-capture';
import { tooLongForArgv } from './shell';
import { monotonicMs } from './monotonic';

export interface ExecSpec {
  /** Already rendered (templates expanded). */
  readonly command: string;
  /** An executable path or name, e.g. '/bin/bash' (see resolveShell); run as `shell -c command`. */
  readonly shell: string;
  /** When set, exec these words directly instead of `shell -c command` (see direct-command.ts). */
  readonly argv?: readonly string[];
  /** Absolute. */
  readonly cwd: string;
  /** The complete environment of the process (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** Absent, not positive, or beyond setTimeout's 24.8 days: no limit. */
  readonly timeoutMs?: number;
  /** SIGTERM → SIGKILL delay; default 5000. */
  readonly killGraceMs?: number;
  /** Created if missing and appended to: stdout and stderr in arrival order, secrets masked. */
  readonly logFile: string;
  /** The $CAIRN_OUTPUT path (also in env); created empty here, removed once read. */
  readonly outputFile: string;
  /** Values masked as *** in the log, tail, live chunks and messages; empty strings are ignored. */
  readonly secrets: readonly string[];
  /** For `register`: keep stdout, raw (unmasked; the engine masks registered secrets), up to maxCaptureBytes. */
  readonly captureStdout: boolean;
  /** Default 1 MiB; beyond it the first bytes are kept and stdoutTruncated is set. */
  readonly maxCaptureBytes?: number;
  /** Default 50: how many last lines of the combined masked output logTail holds. */
  readonly tailLines?: number;
}

export interface ExecHooks {
  /** A record completed in $CAIRN_OUTPUT. Awaited, in order: the engine makes it durable before the next. */
  onOutputVar?(name: string, value: string): Promise<void>;
  /** Live output (masked), for progress UIs; must not block. */
  onOutput?(chunk: string, stream: StreamName): void;
  /** The process has started. Its pid is also its process group's id. */
  onSpawn?(pid: number): void;
}

export type ExecOutcome =
  /** Exited by itself; 0 is success. */
  | { readonly outcome: 'exit'; readonly exitCode: number }
  /** Killed by a signal that did not come from us. */
  | { readonly outcome: 'signal'; readonly signal: string }
  /** We ended it at timeoutMs. */
  | { readonly outcome: 'timeout' }
  /** We ended it because `abort` fired (or had fired before it could start). */
  | { readonly outcome: 'cancelled' }
  /** It could not start: the shell, the working directory or a file of ours; in plain words. */
  | { readonly outcome: 'spawn'; readonly message: string };

export interface ExecReport {
  readonly durationMs: number;
  /** The last tailLines lines of the combined output, masked. */
  readonly logTail: string;
  /** Only when captureStdout: raw stdout, at most maxCaptureBytes. */
  readonly stdout?: string;
  readonly stdoutTruncated?: boolean;
  /** A malformed $CAIRN_OUTPUT record (line number and line), or onOutputVar rejecting; masked. Not a failure by itself. */
  readonly outputError?: string;
  /** The log file could not be written (full disk…); the task ran on regardless. */
  readonly logError?: string;
}

export type ExecResult = ExecOutcome & ExecReport;

const DEFAULT_KILL_GRACE_MS = 5000;
/** Shells that run READ_FD3_AND_EVAL as sh does (for commands too long to be an argument). */
const POSIX_SHELL = /^(sh|bash|dash|ash|ksh|mksh|zsh|yash|posh)$/;
/**
 * Reads the command from fd 3, closes it (so the task runs without it), then evals it. `command -p` finds cat on
 * the system's default PATH, not the task's (which may not have it); if the read fails the attempt fails (126)
 * rather than eval an empty or partial script and "succeed". The variable is unset before the command runs.
 */
const READ_FD3_AND_EVAL = '__cairn_command=$(command -p cat <&3) || exit 126; exec 3<&-; eval "unset __cairn_command; $__cairn_command"';
const DEFAULT_TAIL_LINES = 50;
/**
 * After the leader exits, how long processes it left behind may keep stdout/stderr open (a background job
 * finishing) before they count as leftovers and the group is ended. Also how long a pipe held by a process
 * outside the group may stay idle before we stop waiting for its EOF.
 */
const PIPE_GRACE_MS = 100;
/** setTimeout fires at once for anything longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Never rejects: every failure is an outcome. */
export async function executeTask(spec: ExecSpec, hooks: ExecHooks, abort?: AbortSignal): Promise<ExecResult> {
  const started = monotonicMs();
  const matcher = SecretMatcher.create(spec.secrets);
  const tail = new LogTail(spec.tailLines ?? DEFAULT_TAIL_LINES);
  const capture = spec.captureStdout ? new StdoutCapture(spec.maxCaptureBytes) : undefined;
  const report = (outputError?: string, logError?: string): ExecReport => ({
    durationMs: monotonicMs() - started,
    logTail: tail.toString(),
    ...(capture !== undefined && { stdout: capture.text(), stdoutTruncated: capture.truncated }),
    ...(outputError !== undefined && { outputError: maskSecrets(outputError, matcher) }),
    ...(logError !== undefined && { logError }),
  });

  const files = openFiles(spec);
  if ('error' in files) return { outcome: 'spawn', message: maskSecrets(files.error, matcher), ...report() };
  const sink = new OutputSink(new LogFile(spec.logFile), matcher, tail, hooks.onOutput?.bind(hooks));
  const watcher = new OutputWatcher(files.output, spec.outputFile, hooks.onOutputVar?.bind(hooks));
  // Once read, the $CAIRN_OUTPUT file goes: its records are the engine's now, and it may hold a secret.
  const closeFiles = (): Promise<[string | undefined, string | undefined]> => Promise.all([watcher.finish().finally(() => removeQuietly(spec.outputFile)), sink.close()]);

  if (abort?.aborted === true) return { outcome: 'cancelled', ...report(...(await closeFiles())) };
  watcher.start();

  let pid: number | undefined;
  try {
    const direct = spec.argv !== undefined && spec.argv.length > 0;
    // Too long for an argument: a POSIX shell gets the command on fd 3 and evals it whole. (Node's stdio "pipes"
    // are sockets, which `sh /dev/fd/3` cannot open.) A NUL byte stays on the -c path, where spawn refuses it as
    // it does for a short command (a command substitution would drop it silently).
    const viaPipe = !direct && tooLongForArgv(spec.command) && POSIX_SHELL.test(basename(spec.shell)) && !spec.command.includes('\0');
    const [file, args] = direct && spec.argv ? [spec.argv[0] ?? '', spec.argv.slice(1)] : [spec.shell, ['-c', viaPipe ? READ_FD3_AND_EVAL : spec.command]];
    const child = spawn(file, args, {
      cwd: spec.cwd,
      // A shell would set PWD to the task's folder; without one, do it here so the task sees the same.
      env: spec.argv !== undefined ? { ...spec.env, PWD: spec.cwd } : spec.env,
      // Its own process group (setsid), so that signals reach everything it starts and nothing else of ours.
      detached: true,
      stdio: viaPipe ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    });
    if (viaPipe) {
      const script = child.stdio[3] as Writable | null;
      // A shell that exits before reading all of it (`exit` early) closes the pipe: not an error of ours.
      script?.on('error', () => undefined);
      script?.end(spec.command);
    }
    // Listeners go on before the first await, so no exit or data can slip past.
    const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const failed = new Promise<unknown>((resolve) => child.once('error', resolve));
    const childPid = child.pid;
    if (childPid === undefined) return await spawnFailure(await failed);
    pid = childPid;
    // Piped above, so present (the fd-3 variant's stdio array loses that in the types).
    const stdout = child.stdout as Readable;
    if (capture !== undefined) stdout.on('data', (chunk: Buffer) => capture.push(chunk));
    sink.attach(stdout, 'stdout');
    sink.attach(child.stderr as Readable, 'stderr');
    safely(() => hooks.onSpawn?.(childPid));

    const outcome = await supervise(new ProcessGroup(childPid), exited);
    const [outputError, logError] = await closeFiles();
    return { ...outcome, ...report(outputError, logError) };
  } catch (error) {
    // spawn() throws before forking for arguments it rejects (a NUL byte in the command or env).
    if (pid === undefined) return await spawnFailure(error);
    // Past that point only a bug gets here: leave nothing running behind an answer.
    new ProcessGroup(pid).signal('SIGKILL');
    return { outcome: 'spawn', message: `internal error: ${String(error)}`, ...report() };
  }

  async function spawnFailure(error: unknown): Promise<ExecResult> {
    const message = maskSecrets(await describeSpawnError(error, spec.shell, spec.cwd), matcher);
    sink.note(`${message}\n`);
    const [outputError, logError] = await closeFiles();
    return { outcome: 'spawn', message, ...report(outputError, logError) };
  }

  /** Waits for the leader, ends the group on timeout or abort, ends leftovers otherwise, drains the pipes. */
  async function supervise(group: ProcessGroup, exited: Promise<Exit>): Promise<ExecOutcome> {
    const graceMs = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    let stopped: 'timeout' | 'cancelled' | undefined;
    let ending: Promise<GroupEnd> | undefined;
    const stop = (reason: 'timeout' | 'cancelled'): void => {
      if (stopped !== undefined) return;
      stopped = reason;
      ending = group.terminate(graceMs);
    };
    const timeoutMs = spec.timeoutMs;
    const timer =
      timeoutMs !== undefined && timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS
        ? setTimeout(() => stop('timeout'), timeoutMs)
        : undefined;
    const onAbort = (): void => stop('cancelled');
    abort?.addEventListener('abort', onAbort, { once: true });
    // onSpawn may have aborted already, before there was a listener.
    if (abort?.aborted === true) onAbort();

    const exit = await exited;
    clearTimeout(timer);
    abort?.removeEventListener('abort', onAbort);
    if (ending === undefined) {
      // The leader is done, but background jobs it started may hold stdout/stderr open (`server &`), and EOF
      // would then never come. They get a moment to finish on their own; what still runs after it is a
      // leftover and is ended like a timed-out task, so an attempt never leaves orphans behind.
      await sink.closedWithin(PIPE_GRACE_MS);
      ending = group.endLeftovers(graceMs);
    }
    await ending;
    await sink.settle(PIPE_GRACE_MS);

    if (stopped !== undefined) return { outcome: stopped };
    if (exit.signal !== null) return { outcome: 'signal', signal: exit.signal };
    return { outcome: 'exit', exitCode: exit.code ?? 1 };
  }
}

/**
 * Checked before the process starts: a log we cannot write is a reason not to start. The log itself is created
 * at the task's first byte (log-file.ts says why); its folder being writable is what can be known now.
 * The $CAIRN_OUTPUT file is opened now: the task is told its path. Synchronously: a local open takes
 * microseconds, a round trip through the thread pool far more, on every attempt.
 */
function openFiles(spec: ExecSpec): { output: number } | { error: string } {
  try {
    accessSync(dirname(spec.logFile), constants.W_OK);
  } catch (error) {
    return { error: `cannot open log file "${spec.logFile}": ${reasonOf(error)}` };
  }
  let output: number;
  try {
    output = openSync(spec.outputFile, 'w+');
  } catch (error) {
    const message = `cannot create $CAIRN_OUTPUT file "${spec.outputFile}": ${reasonOf(error)}`;
    try {
      appendFileSync(spec.logFile, `${message}\n`);
    } catch {
      // The message is also the attempt's outcome; the log only repeats it.
    }
    return { error: message };
  }
  return { output };
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or in a folder we cannot write: the engine removes its output folder at the end.
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && 'code' in error) {
    if (error.code === 'ENOENT') return 'its folder does not exist';
    if (error.code === 'EACCES') return 'permission denied';
  }
  return error instanceof Error ? error.message : String(error);
}

function safely(hook: () => void): void {
  try {
    hook();
  } catch {
    // A listener's failure must not change how the task runs or ends.
  }
}
