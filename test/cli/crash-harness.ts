// Helpers for the crash-loop test (crash-loop.test.ts): the 40-task workflow, a seeded PRNG, the CLI as a
// child process whose stdout lines are seen as they arrive, and a /proc scan for task processes a killed
// CLI left behind. Not a test itself.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prng } from '../../runner/testing/prng';

export const repoRoot = path.resolve(__dirname, '../..');
export const cliBin = path.join(repoRoot, 'bin/cairn.js');
export const cliBundle = path.join(repoRoot, 'dist/cli.js');

/** The name of the environment variable that marks every process of one iteration (tasks inherit it). */
export const MARK_VAR = 'CAIRN_CRASH_LOOP_MARK';

// ---------------------------------------------------------------------------------------------------------
// The workflow

export interface OutputRecord {
  readonly name: string;
  readonly value: string;
}

export interface TaskSpec {
  readonly id: string;
  readonly deps: readonly string[];
  readonly forensicTarget?: string;
  /** Variable registered from stdout, and its value. */
  readonly register?: OutputRecord;
  /** $CAIRN_OUTPUT records a successful attempt writes, in order. */
  readonly outputs: readonly OutputRecord[];
  /** Fails its first attempt (attempt 1 of the run's history), succeeds after. */
  readonly failsFirst: boolean;
  readonly retries?: number;
  /** Whether a successful attempt writes out/<id>. */
  readonly writesOut: boolean;
  readonly toml: string;
}

export const VERSION = '1.4.42';

/** A tiny bit of work: nothing, or a sleep of 0–7 ms; `slow`: 10–39 ms, so that kills often land while tasks run. */
function work(i: number, slow = false): string {
  if (slow) return 'sleep 0.0$((1 + RANDOM % 3))$((RANDOM % 10))';
  return i % 3 === 0 ? 'true' : 'sleep 0.00$((RANDOM % 8))';
}

/** Every process of a task appends its attempt number to counters/<id> first, before anything that could fail. */
function counter(id: string): string {
  return `echo "$CAIRN_ATTEMPT" >> counters/${id}`;
}

/**
 * 40 tasks: a 10-task chain, a 1 → 12 → 1 fan, independent tasks, tasks that fail their first attempt and
 * retry, $CAIRN_OUTPUT checkpoints (one multi-line, one read back by a retry), a registered variable used
 * downstream, and a forensic task on a task that fails its first attempt.
 */
export function crashWorkflow(): { toml: string; tasks: TaskSpec[] } {
  const tasks: TaskSpec[] = [];
  const add = (t: Omit<TaskSpec, 'toml' | 'outputs' | 'failsFirst' | 'writesOut'> & Partial<Pick<TaskSpec, 'outputs' | 'failsFirst' | 'writesOut'>>, body: string, extra = ''): void => {
    const lines = [`[tasks.${t.id}]`];
    if (t.forensicTarget) lines.push('type = "forensic"', `target = "${t.forensicTarget}"`);
    if (t.deps.length > 0) lines.push(`deps = [${t.deps.map((d) => `"${d}"`).join(', ')}]`);
    if (t.register) lines.push(`register = "${t.register.name}"`);
    if (t.retries !== undefined) lines.push(`retries = ${t.retries}`);
    if (extra) lines.push(extra);
    lines.push(`run = '''\n${counter(t.id)}\n${body}\n'''`);
    tasks.push({ outputs: [], failsFirst: false, writesOut: true, ...t, toml: lines.join('\n') });
  };
  const failFirst = 'if [ "$CAIRN_ATTEMPT" -lt 2 ]; then echo "first attempt fails on purpose" >&2; exit 3; fi';

  add({ id: 'setup', deps: [] }, `${work(0)}\necho setup > out/setup`);
  add({ id: 'version', deps: ['setup'], register: { name: 'version', value: VERSION }, writesOut: false }, `${work(1)}\necho "1.4.$((40 + 2))"`);
  for (let i = 1; i <= 10; i++) {
    const id = `c${String(i).padStart(2, '0')}`;
    const prev = i === 1 ? 'version' : `c${String(i - 1).padStart(2, '0')}`;
    const input = i === 1 ? 'echo "v{{ .version }}"' : `cat out/${prev}`;
    add({ id, deps: [prev] }, `${work(i)}\nprintf '%s+${id}\\n' "$(${input})" > out/${id}`);
  }
  add({ id: 'fsrc', deps: ['setup'] }, `${work(2)}\necho fan-source > out/fsrc`);
  const fans: string[] = [];
  for (let i = 1; i <= 12; i++) {
    const id = `f${String(i).padStart(2, '0')}`;
    fans.push(id);
    add({ id, deps: ['fsrc'] }, `${work(i, i % 2 === 0)}\necho "$(cat out/fsrc) ${id}" > out/${id}`);
  }
  add({ id: 'fjoin', deps: fans }, `${work(0)}\ncat ${fans.map((f) => `out/${f}`).join(' ')} > out/fjoin`);
  for (let i = 1; i <= 6; i++) {
    const id = `p${String(i).padStart(2, '0')}`;
    add({ id, deps: [] }, `${work(i + 1, i > 3)}\necho ${id} > out/${id}`);
  }
  add(
    { id: 'k1', deps: ['version'], outputs: [{ name: 'k1_step', value: '1' }, { name: 'k1_step', value: '2' }] },
    `echo "k1 sees checkpoint: \${CAIRN_VAR_k1_step:-none}"\necho k1_step=1 >> "$CAIRN_OUTPUT"\n${work(1)}\necho k1_step=2 >> "$CAIRN_OUTPUT"\necho "k1 {{ .version }}" > out/k1`,
  );
  add(
    { id: 'k2', deps: ['fsrc'], outputs: [{ name: 'k2_notes', value: 'line one\nline two' }] },
    `${work(2)}\nprintf 'k2_notes<<EOF\\nline one\\nline two\\nEOF\\n' >> "$CAIRN_OUTPUT"\necho k2 > out/k2`,
  );
  add(
    { id: 'k3', deps: [], retries: 2, failsFirst: true, outputs: [{ name: 'k3_progress', value: 'half' }, { name: 'k3_progress', value: 'done' }] },
    // Checkpoints half-way, then fails its first attempt; a retry sees the checkpoint in its environment.
    `echo "k3 resumes from: \${CAIRN_VAR_k3_progress:-nothing}"\necho k3_progress=half >> "$CAIRN_OUTPUT"\n${failFirst}\n${work(1)}\necho k3_progress=done >> "$CAIRN_OUTPUT"\necho k3 > out/k3`,
  );
  add({ id: 'r1', deps: ['p01'], retries: 2, failsFirst: true }, `${failFirst}\n${work(2)}\necho r1 > out/r1`);
  add({ id: 'flaky', deps: ['c05'], retries: 1, failsFirst: true }, `${work(0)}\n${failFirst}\necho flaky > out/flaky`);
  add({ id: 'diag', deps: [], forensicTarget: 'flaky' }, `tail -n 5 "$CAIRN_TARGET_LOG" > out/diag`);
  add({ id: 'uses', deps: ['version', 'k1'] }, `${work(2)}\necho "uses {{ .version }} after k1_step=$CAIRN_VAR_k1_step" > out/uses`);
  add(
    { id: 'final', deps: ['c10', 'fjoin', 'k2', 'k3', 'r1', 'flaky', 'uses', 'p06'] },
    `${work(1)}\ncat out/c10 out/fjoin out/uses > out/final\necho "final {{ .version }}" >> out/final`,
  );

  const head = ['name = "crash-loop"', '', '[defaults]', 'retry_delay = "10ms"', 'timeout = "20s"', ''];
  return { toml: head.join('\n') + '\n' + tasks.map((t) => t.toml).join('\n\n') + '\n', tasks };
}

// ---------------------------------------------------------------------------------------------------------
// Seeded randomness


// ---------------------------------------------------------------------------------------------------------
// The CLI as a child process

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function cliEnv(workspace: string, mark: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The suite runs under tsx's loader; the CLI under test must stand on its own bundle.
  delete env.NODE_OPTIONS;
  delete env.FORCE_COLOR;
  for (const k of Object.keys(env)) if (k.startsWith('CAIRN_')) delete env[k];
  env.NO_COLOR = '1';
  // $CAIRN_OUTPUT folders a killed CLI leaves behind stay inside the workspace.
  env.TMPDIR = path.join(workspace, 'tmp');
  env[MARK_VAR] = mark;
  return env;
}

export interface SpawnedCli {
  readonly child: ChildProcessWithoutNullStreams;
  readonly startedAt: number;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  /** Called for each complete stdout line as it arrives, with its index. */
  onLine?: (line: string, index: number) => void;
  readonly done: Promise<CliResult>;
}

export function spawnCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): SpawnedCli {
  const child = spawn(process.execPath, [cliBin, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let partial = '';
  const self: SpawnedCli = {
    child,
    startedAt: performance.now(),
    lines: [],
    done: new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    }),
  };
  child.stdout.on('data', (b: Buffer) => {
    out.push(b);
    partial += b.toString('utf8');
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      self.lines.push(line);
      self.onLine?.(line, self.lines.length - 1);
    }
  });
  child.stderr.on('data', (b: Buffer) => err.push(b));
  return self;
}

export function runCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return spawnCli(args, cwd, env).done;
}

// ---------------------------------------------------------------------------------------------------------
// Processes left behind

/** Live (not zombie) processes whose environment holds `MARK_VAR=<value starting with markPrefix>`. */
export function markedProcesses(markPrefix: string): number[] {
  const needle = Buffer.from(`${MARK_VAR}=${markPrefix}`);
  const found: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state === 'Z' || state === 'X') continue;
      const environ = fs.readFileSync(`/proc/${pid}/environ`);
      if (environ.includes(needle)) found.push(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Waits until no marked process is left; returns the pids still alive at the deadline (then killed). */
export async function waitForLeftovers(markPrefix: string, timeoutMs: number): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = markedProcesses(markPrefix);
    if (left.length === 0) return [];
    if (performance.now() > deadline) {
      killMarked(markPrefix);
      return left;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function killMarked(markPrefix: string): void {
  for (const pid of markedProcesses(markPrefix)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** counters/<task> → the attempt numbers its processes wrote, one per line. */
export function readCounters(workspace: string): Map<string, number[]> {
  const dir = path.join(workspace, 'counters');
  const out = new Map<string, number[]>();
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    out.set(
      name,
      text
        .split('\n')
        .filter((l) => l !== '')
        .map(Number),
    );
  }
  return out;
}

/** out/<task> → its content. */
export function readOutputs(workspace: string): Map<string, string> {
  const dir = path.join(workspace, 'out');
  const out = new Map<string, string>();
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) out.set(name, fs.readFileSync(path.join(dir, name), 'utf8'));
  return out;
}

export { prng };
