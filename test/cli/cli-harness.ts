// Shared by the process-level CLI suites: spawns the built `cairn` (bin →
// dist bundle) the way a user or CI would, in temp folders, and reads what
// SPEC sections 4–5 make public (exit codes, stdout/stderr, `show --json`,
// the store's folder layout). Nothing here imports the runner's code.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const CLI_BIN = path.join(REPO_ROOT, 'bin/cairn.js');
const CLI_BUNDLE = path.join(REPO_ROOT, 'dist/cli.js');

/** The uid/gid of `nobody`: root cannot be denied a write, so permission tests run the CLI as nobody. */
export const NOBODY = 65534;

export function assertBuilt(): void {
  assert.ok(fs.existsSync(CLI_BUNDLE), `${CLI_BUNDLE} is missing: run npm run build first`);
  assert.ok(fs.existsSync(CLI_BIN), `${CLI_BIN} is missing (package.json "bin")`);
}

export interface CliResult {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface CliOptions {
  readonly cwd: string;
  /** Added to (or, when undefined, removed from) the child's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Run as this uid and gid via setpriv. */
  readonly asUid?: number;
  /** Kill the CLI (SIGKILL) if it has not exited by then: a hung CLI must fail the test, not hang mocha. */
  readonly timeoutMs?: number;
}

function childEnv(extra: CliOptions['env']): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The suite runs under tsx's loader; the CLI under test must stand on its
  // own bundle, its output must not depend on the caller's colour setting,
  // and a CAIRN_STORE in the developer's shell must not redirect the store.
  delete env.NODE_OPTIONS;
  delete env.FORCE_COLOR;
  delete env.CAIRN_STORE;
  env.NO_COLOR = '1';
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A CLI process that is still running: tests wait on its output or files, signal it, then await `result`. */
export class CliProcess {
  readonly result: Promise<CliResult>;
  private out = '';
  private err = '';
  private exited = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly child: ChildProcess,
    readonly args: readonly string[],
    timeoutMs: number,
  ) {
    const started = Date.now();
    child.stdout?.on('data', (b: Buffer) => {
      this.out += b.toString('utf8');
      this.wake();
    });
    child.stderr?.on('data', (b: Buffer) => {
      this.err += b.toString('utf8');
      this.wake();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    this.result = new Promise((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(killer);
        reject(e.code === 'ENOENT' ? new Error(`cannot start ${String(e.path)}: not installed (setpriv comes with util-linux)`) : e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(killer);
        this.exited = true;
        this.wake();
        resolve({ args, code, signal, stdout: this.out, stderr: this.err, durationMs: Date.now() - started });
      });
    });
  }

  get pid(): number {
    assert.ok(this.child.pid !== undefined, 'the CLI process has no pid (it failed to start)');
    return this.child.pid;
  }

  get stdout(): string {
    return this.out;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves once `ready()` holds. It is checked whenever the CLI writes or
   * exits, and on a short interval for conditions outside the process (files
   * its tasks create): this waits for the condition, it never sleeps for a
   * guessed duration. Rejects if the CLI exits first or the deadline passes.
   */
  waitFor(what: string, ready: () => boolean, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (e?: Error): void => {
        clearInterval(tick);
        clearTimeout(deadline);
        this.waiters.delete(check);
        if (e) reject(e);
        else resolve();
      };
      const check = (): void => {
        let ok = false;
        try {
          ok = ready();
        } catch (e) {
          finish(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        if (ok) finish();
        else if (this.exited) finish(new Error(`cairn ${this.args.join(' ')} exited before ${what}\n  stdout: ${JSON.stringify(this.out)}\n  stderr: ${JSON.stringify(this.err)}`));
      };
      const tick = setInterval(check, 20);
      const deadline = setTimeout(
        () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n  stdout: ${JSON.stringify(this.out)}\n  stderr: ${JSON.stringify(this.err)}`)),
        timeoutMs,
      );
      this.waiters.add(check);
      check();
    });
  }

  /** Waits until a file exists (a task touches it to say "I have started"). */
  waitForFile(file: string, timeoutMs?: number): Promise<void> {
    return this.waitFor(`${file} to appear`, () => fs.existsSync(file), timeoutMs);
  }

  /** Waits until stdout has a line matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<void> {
    return this.waitFor(`a stdout line matching ${String(re)}`, () => this.out.split('\n').some((l) => re.test(l)), timeoutMs);
  }
}

/** Starts `cairn <args>` and returns at once. */
export function startCli(args: readonly string[], opts: CliOptions): CliProcess {
  const nodeArgv = [CLI_BIN, ...args];
  const [command, argv] =
    opts.asUid === undefined
      ? [process.execPath, nodeArgv]
      : ['setpriv', [`--reuid=${opts.asUid}`, `--regid=${opts.asUid}`, '--clear-groups', process.execPath, ...nodeArgv]];
  const child = spawn(command, argv, { cwd: opts.cwd, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  return new CliProcess(child, args, opts.timeoutMs ?? 30_000);
}

/** Runs `cairn <args>` to its end. */
export function runCli(args: readonly string[], opts: CliOptions): Promise<CliResult> {
  return startCli(args, opts).result;
}

/** A readable account of a CLI call, for assertion messages. */
export function describeCall(r: CliResult): string {
  return `cairn ${r.args.join(' ')}\n  exit: ${r.code} ${r.signal ?? ''}\n  stdout: ${JSON.stringify(r.stdout)}\n  stderr: ${JSON.stringify(r.stderr)}`;
}

/** Asserts the exit code, showing the whole call when it differs. */
export function assertExit(r: CliResult, code: number, why = ''): void {
  assert.equal(r.code, code, `${why ? why + '\n' : ''}${describeCall(r)}`);
}

const STACK_FRAME = /^\s+at\s.+(:\d+:\d+\)?|\(native\))$/m;

/** A user's mistake or a store fault is one plain sentence, never a stack trace or an "internal error". */
export function assertPlainError(r: CliResult): void {
  assert.doesNotMatch(r.stderr, STACK_FRAME, `stderr shows a stack trace\n${describeCall(r)}`);
  assert.doesNotMatch(r.stderr, /internal error/i, `stderr reports an internal error\n${describeCall(r)}`);
}

/** stdout as one JSON document. */
export function parseJsonOut(r: CliResult): unknown {
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch (e) {
    assert.fail(`stdout is not one JSON document (${String(e)})\n${describeCall(r)}`);
  }
}

/** stdout split into lines, without the trailing empty one. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ------------------------------------------------------------ temp folders

/** Temp folders under os.tmpdir(), all removed by `cleanup()` (call it in `after`). */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cairn-cli-${prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const d of this.dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  }
}

export function writeFile(dir: string, rel: string, text: string | Buffer): string {
  const abs = path.join(dir, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
  return abs;
}

/** Lines in a counter file that tasks append to (0 when it does not exist): how often a task ran. */
export function countLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  return linesOf(fs.readFileSync(file, 'utf8')).length;
}

/** Every file under `dir` with its bytes, by path relative to `dir` (folders as entries too, so an added empty folder shows). */
export function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        out.set(`${r}/`, Buffer.alloc(0));
        walk(r);
      } else out.set(r, fs.readFileSync(path.join(dir, r)));
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}

/** Asserts two readTree() results are byte-identical, naming what differs. */
export function assertSameTree(before: ReadonlyMap<string, Buffer>, after: ReadonlyMap<string, Buffer>, what: string): void {
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const changed = [...before.keys()].filter((k) => after.has(k) && !before.get(k)!.equals(after.get(k)!));
  assert.deepEqual({ added, removed, changed }, { added: [], removed: [], changed: [] }, `${what}: the store changed`);
}

/** The one run folder in a store that holds exactly one run. */
export function onlyRunId(store: string): string {
  const ids = fs.readdirSync(path.join(store, 'runs'));
  assert.equal(ids.length, 1, `expected one run in ${store}, found ${ids.join(', ')}`);
  return ids[0]!;
}

// ------------------------------------------------------------ processes

/**
 * Live (non-zombie) processes whose command line contains `marker`. Tasks
 * under test sleep with a unique argument (`sleep 30.8342`) so that a
 * process left behind can be found without guessing by name.
 */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmdline.includes(marker) && state !== 'Z') found.push(Number(name));
    } catch {
      // The process ended while we looked: it is not left behind.
    }
  }
  return found;
}

/** Kills, by pid, processes a test caused and that outlived their CLI (after a kill -9 of the CLI, say). */
export function killLeftovers(marker: string): void {
  for (const pid of processesWith(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** A marker unlikely to appear in any other process's command line: a sleep length with random decimals. */
export function uniqueSleepArg(seconds = 30): string {
  return `${seconds}.${Math.floor(1e7 + Math.random() * 9e7)}`;
}

// ------------------------------------------------------------ show --json

export interface AttemptDoc {
  readonly attempt: number;
  readonly resume: number;
  readonly status: string;
  readonly exitCode: number | null;
  readonly reason: string | null;
  readonly revision: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly durationMs: number | null;
}

export interface TaskDoc {
  readonly id: string;
  readonly status: string;
  readonly attempt: number;
  readonly stale: boolean;
  readonly staleReasons: readonly string[];
  readonly attempts: readonly AttemptDoc[];
  /** Not in SPEC §5's example: read only where SPEC §2 needs it (why a task was cancelled). */
  readonly reason?: unknown;
}

export interface RunDoc {
  readonly id: string;
  readonly workflow: string;
  readonly file: string;
  readonly status: string;
  readonly mode: string;
  readonly parallel: number;
  readonly resumes: number;
  readonly createdAt: string;
  readonly endedAt: string | null;
  readonly vars: Readonly<Record<string, string>>;
  readonly tasks: readonly TaskDoc[];
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
export const RUN_STATUSES = ['pending', 'running', 'resuming', 'success', 'failed', 'cancelled', 'interrupted'];
const TASK_STATUSES = ['pending', 'running', 'success', 'failed', 'cancelled', 'interrupted', 'skipped'];

function isoOrNull(v: unknown, where: string, nullable: boolean): string | null {
  if (v === null && nullable) return null;
  assert.ok(typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v)), `${where} should be an ISO-8601 time${nullable ? ' or null' : ''}, got ${JSON.stringify(v)}`);
  return v;
}

function nonNegInt(v: unknown, where: string): number {
  assert.ok(typeof v === 'number' && Number.isInteger(v) && v >= 0, `${where} should be an integer >= 0, got ${JSON.stringify(v)}`);
  return v;
}

function checkAttempt(v: unknown, where: string): AttemptDoc {
  assert.ok(isRecord(v), `${where} should be an object: ${JSON.stringify(v)}`);
  const attempt = nonNegInt(v.attempt, `${where}.attempt`);
  assert.ok(attempt >= 1, `${where}.attempt starts at 1`);
  const resume = nonNegInt(v.resume, `${where}.resume`);
  assert.ok(typeof v.status === 'string' && TASK_STATUSES.includes(v.status), `${where}.status: ${JSON.stringify(v.status)}`);
  assert.ok(v.exitCode === null || (typeof v.exitCode === 'number' && Number.isInteger(v.exitCode)), `${where}.exitCode: ${JSON.stringify(v.exitCode)}`);
  assert.ok(v.reason === null || typeof v.reason === 'string', `${where}.reason should be a string or null: ${JSON.stringify(v.reason)}`);
  assert.ok(typeof v.revision === 'string' && v.revision !== '', `${where}.revision should be a non-empty string: ${JSON.stringify(v.revision)}`);
  const startedAt = isoOrNull(v.startedAt, `${where}.startedAt`, false)!;
  const endedAt = isoOrNull(v.endedAt, `${where}.endedAt`, true);
  assert.ok(v.durationMs === null || (typeof v.durationMs === 'number' && v.durationMs >= 0), `${where}.durationMs: ${JSON.stringify(v.durationMs)}`);
  if (endedAt !== null) assert.ok(Date.parse(endedAt) >= Date.parse(startedAt), `${where} ends before it starts`);
  return { attempt, resume, status: v.status, exitCode: v.exitCode, reason: v.reason, revision: v.revision, startedAt, endedAt, durationMs: v.durationMs };
}

/** Checks a `show --json` document against SPEC §5 (every field, its type) and returns it typed. */
export function checkRunDoc(doc: unknown): RunDoc {
  assert.ok(isRecord(doc), `the run document should be an object: ${JSON.stringify(doc)}`);
  const { id, workflow, file, status, mode, parallel, resumes, createdAt, endedAt, vars, tasks } = doc;
  assert.ok(typeof id === 'string' && /^[0-9A-Z]+$/.test(id), `id: ${JSON.stringify(id)}`);
  assert.ok(typeof workflow === 'string' && workflow !== '', `workflow: ${JSON.stringify(workflow)}`);
  assert.ok(typeof file === 'string' && file !== '', `file: ${JSON.stringify(file)}`);
  assert.ok(typeof status === 'string' && RUN_STATUSES.includes(status), `status: ${JSON.stringify(status)}`);
  assert.ok(mode === 'eager' || mode === 'levels', `mode: ${JSON.stringify(mode)}`);
  assert.ok(typeof parallel === 'number' && Number.isInteger(parallel) && parallel >= 1, `parallel: ${JSON.stringify(parallel)}`);
  nonNegInt(resumes, 'resumes');
  const created = isoOrNull(createdAt, 'createdAt', false)!;
  const ended = isoOrNull(endedAt, 'endedAt', true);
  assert.ok(isRecord(vars), `vars should be an object: ${JSON.stringify(vars)}`);
  for (const [k, v] of Object.entries(vars)) assert.equal(typeof v, 'string', `vars.${k} should be a string`);
  assert.ok(Array.isArray(tasks), `tasks should be an array: ${JSON.stringify(tasks)}`);
  const checked = tasks.map((t: unknown, i): TaskDoc => {
    const where = `tasks[${i}]`;
    assert.ok(isRecord(t), `${where} should be an object`);
    assert.ok(typeof t.id === 'string', `${where}.id`);
    assert.ok(typeof t.status === 'string' && TASK_STATUSES.includes(t.status), `${where}.status: ${JSON.stringify(t.status)}`);
    const attempt = nonNegInt(t.attempt, `${where}.attempt`);
    assert.equal(typeof t.stale, 'boolean', `${where}.stale`);
    assert.ok(Array.isArray(t.staleReasons) && t.staleReasons.every((r) => typeof r === 'string'), `${where}.staleReasons`);
    assert.ok(Array.isArray(t.attempts), `${where}.attempts`);
    const attempts = t.attempts.map((a: unknown, j) => checkAttempt(a, `${where}.attempts[${j}]`));
    assert.deepEqual(attempts.map((a) => a.attempt), attempts.map((_, j) => j + 1), `${where}: attempts are numbered 1, 2, … in order`);
    assert.equal(attempt, attempts.length, `${where}.attempt is its latest attempt's number`);
    assert.equal(t.stale, (t.staleReasons).length > 0, `${where}: stale iff it has reasons`);
    return { id: t.id, status: t.status, attempt, stale: t.stale, staleReasons: t.staleReasons, attempts, reason: t.reason };
  });
  if (ended !== null) assert.ok(Date.parse(ended) >= Date.parse(created), 'endedAt before createdAt');
  return { id: id, workflow, file, status, mode, parallel, resumes: resumes as number, createdAt: created, endedAt: ended, vars: vars as Record<string, string>, tasks: checked };
}

export function taskOf(doc: RunDoc, id: string): TaskDoc {
  const t = doc.tasks.find((x) => x.id === id);
  assert.ok(t, `run ${doc.id} has no task ${id}; it has ${doc.tasks.map((x) => x.id).join(', ')}`);
  return t;
}

/** `cairn show <ref> --json`, checked against SPEC §5. */
export async function showJson(ref: string, opts: CliOptions): Promise<RunDoc> {
  const r = await runCli(['show', ref, '--json'], opts);
  assertExit(r, 0);
  return checkRunDoc(parseJsonOut(r));
}

// ------------------------------------------------------------ scenarios

/**
 * Scenario setups of one suite, started all at once: each spends most of its
 * time waiting on its own CLI processes and temp folder, so overlapping them
 * keeps the suite fast on two cores. A describe's `before` awaits its own.
 */
export class Scenarios {
  private readonly starters: (() => Promise<unknown>)[] = [];
  private readonly started: Promise<unknown>[] = [];

  /** Registers a setup; the returned function starts it (once) and resolves with its result. */
  add<T>(setup: () => Promise<T>): () => Promise<T> {
    let p: Promise<T> | undefined;
    const get = (): Promise<T> => {
      if (!p) {
        p = setup();
        // Awaited later by its describe; until then a failure must not count as unhandled.
        p.catch(() => undefined);
        this.started.push(p);
      }
      return p;
    };
    this.starters.push(get);
    return get;
  }

  startAll(): void {
    for (const s of this.starters) void s();
  }

  /** Waits for every started setup (so `after` never removes a folder a CLI still uses). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.started);
  }
}
