// The crash loop of issue 3 (SPEC §3.3 crash recovery, §3.4 durability): again and again, `cairn run` on a
// 40-task workflow is killed with SIGKILL at a random moment — before it printed anything, mid-run, right
// at the end — and then:
//   1. the store opens and the run reads `interrupted` (or its final status, if it had finished);
//   2. every task the CLI printed as `✓` is `success`, at the attempt it printed;
//   3. every $CAIRN_OUTPUT record (and the registered variable) of a task printed as `✓` is in the history;
//   4. `cairn resume <id>` (or `resume --auto`) finishes the run: exit 0, status success;
//   5. nothing printed as `✓` ran again, and every counter line matches an attempt in `show --json`;
//   6. the end result equals an uninterrupted run's: statuses, variables, output files.
// A killed CLI leaves its tasks running (they lead their own process groups): a realistic crash. Such a
// task may still write its counter after the kill; the test waits for every process carrying this
// iteration's marker (an environment variable tasks inherit) to be gone before it reads counters.
//
// Kill moments (KILL_MIX, every kind at least once): a time before the first line; as soon as the run's
// folder has a journal file (the start-up window before the run is recorded); a time anywhere in an
// uninterrupted run's span; right as the k-th `✓` line arrives; on the final `run … succeeded` line.
// A kill before the run is recorded must leave nothing reported, nothing run, and a store in which
// `cairn runs` and `cairn resume --auto` still work.
//
// Reproduce: the seed is printed; CAIRN_CRASH_SEED=<seed> replays the same kill plan (moments are
// wall-clock, so a replay hits nearly, not exactly, the same instants). CAIRN_CRASH_ONLY=3,17 runs only
// those iterations, CAIRN_CRASH_ITERATIONS=<n> changes the count (keep it when replaying: the mix of kill
// kinds depends on it), CAIRN_CRASH_CONCURRENCY=1 runs them one at a time (the default runs two at once),
// CAIRN_CRASH_KEEP=1 keeps every workspace (failed iterations' workspaces are always kept).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  cliBin,
  cliBundle,
  cliEnv,
  crashWorkflow,
  killMarked,
  markedProcesses,
  prng,
  readCounters,
  readOutputs,
  runCli,
  spawnCli,
  waitForLeftovers,
  type CliResult,
  type TaskSpec,
} from './crash-harness';

interface AttemptDoc {
  readonly attempt: number;
  readonly resume: number;
  readonly status: string;
  readonly startedAt: string;
}
interface TaskDoc {
  readonly id: string;
  readonly status: string;
  readonly attempt: number;
  readonly attempts: readonly AttemptDoc[];
}
interface RunDoc {
  readonly id: string;
  readonly status: string;
  readonly resumes: number;
  readonly vars: Readonly<Record<string, string>>;
  readonly tasks: readonly TaskDoc[];
}
interface VarRow {
  readonly name: string;
  readonly value: string;
  readonly task: string | null;
  readonly attempt: number | null;
}

type KillPlan =
  /** Before anything is printed (within the time the reference run took to print its first line). */
  | { readonly kind: 'early'; readonly atMs: number }
  /** Any moment of an uninterrupted run's duration, from a little before its first line to a little after its end. */
  | { readonly kind: 'time'; readonly atMs: number }
  /** Right as the k-th `✓` line arrives (k = 39, the last task, is "right at the end"). */
  | { readonly kind: 'line'; readonly afterSuccess: number }
  /** Once the run's final line is printed: the run has ended. */
  | { readonly kind: 'end' }
  /** As soon as the run's folder holds events.ndjson: the start-up window before the run is recorded. */
  | { readonly kind: 'folder' };

interface Plan {
  readonly kill: KillPlan;
  readonly resumeWith: 'id' | 'auto';
}

interface Reference {
  readonly firstLineMs: number;
  readonly totalMs: number;
  readonly statuses: ReadonlyMap<string, string>;
  readonly vars: Readonly<Record<string, string>>;
  readonly outputs: ReadonlyMap<string, string>;
  readonly successLines: number;
}

type Outcome = 'no run yet' | 'half-created run' | 'interrupted' | 'already ended';

interface IterationResult {
  readonly index: number;
  readonly plan: Plan;
  readonly outcome: Outcome;
  readonly printedBeforeKill: number;
  readonly killedAtMs: number;
  readonly leftovers: number;
  /** Attempts the kill cut (interrupted, or running in the dead driver's journal), and how many of them did run. */
  readonly cut: number;
  readonly cutThatRan: number;
  readonly problems: readonly string[];
  readonly evidence: string;
  readonly workspace: string;
}

const SUCCESS_LINE = /^✓ (\S+) \S+(?: \(attempt (\d+)\))?$/;
const RUN_SUCCEEDED = /^run \S+ succeeded/;
const ITERATIONS = Number(process.env['CAIRN_CRASH_ITERATIONS'] ?? 30);
const CONCURRENCY = Math.max(1, Number(process.env['CAIRN_CRASH_CONCURRENCY'] ?? 2));
const SEED = process.env['CAIRN_CRASH_SEED'] !== undefined ? Number(process.env['CAIRN_CRASH_SEED']) : Math.floor(Math.random() * 2 ** 31);
const ONLY = (process.env['CAIRN_CRASH_ONLY'] ?? '')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map(Number);
const KEEP = process.env['CAIRN_CRASH_KEEP'] === '1';
/** Tasks are tiny: anything a killed CLI left running is gone within this. */
const LEFTOVER_PATIENCE_MS = 10_000;

const WORKFLOW = crashWorkflow();
const SPECS = new Map<string, TaskSpec>(WORKFLOW.tasks.map((t) => [t.id, t]));

/** How often each kind of kill comes up; every kind comes up at least once in a loop of 5 or more. */
const KILL_MIX: readonly (readonly [KillPlan['kind'], number])[] = [
  ['early', 0.12],
  ['folder', 0.08],
  ['time', 0.38],
  ['line', 0.35],
  ['end', 0.07],
];

/** The kind of kill of each iteration: the mix, every kind at least once, shuffled by the seed. */
function killKinds(count: number): KillPlan['kind'][] {
  const rnd = prng(SEED);
  const kinds: KillPlan['kind'][] = [];
  for (const [kind, share] of KILL_MIX) for (let i = 0; i < Math.max(1, Math.round(share * count)); i++) kinds.push(kind);
  while (kinds.length < count) kinds.push('time');
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}

function planFor(index: number, ref: Reference): Plan {
  const kinds = killKinds(Math.max(ITERATIONS, index + 1));
  const rnd = prng((SEED ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const kind = kinds[index]!;
  const kill: KillPlan =
    kind === 'early'
      ? { kind, atMs: Math.floor(rnd() * ref.firstLineMs) }
      : kind === 'time'
        ? { kind, atMs: Math.floor(0.7 * ref.firstLineMs + rnd() * (1.1 * ref.totalMs - 0.7 * ref.firstLineMs)) }
        : kind === 'line'
          ? { kind, afterSuccess: 1 + Math.floor(rnd() * ref.successLines) }
          : { kind };
  return { kill, resumeWith: rnd() < 0.25 ? 'auto' : 'id' };
}

function describePlan(p: Plan): string {
  const k = p.kill;
  const when =
    k.kind === 'early' || k.kind === 'time'
      ? `${k.kind} at ${k.atMs} ms`
      : k.kind === 'line'
        ? `on ✓ line ${k.afterSuccess}`
        : k.kind === 'folder'
          ? "as soon as the run's folder has a journal file"
          : 'on the final run line';
  return `kill ${when}, resume ${p.resumeWith === 'auto' ? '--auto' : '<id>'}`;
}

function newWorkspace(root: string, name: string): string {
  const ws = path.join(root, name);
  for (const d of ['counters', 'out', 'tmp']) fs.mkdirSync(path.join(ws, d), { recursive: true });
  fs.writeFileSync(path.join(ws, 'crash.cairn.toml'), WORKFLOW.toml);
  return ws;
}

function parseJson<T>(r: CliResult, what: string, problems: string[]): T | undefined {
  try {
    return JSON.parse(r.stdout) as T;
  } catch (e) {
    problems.push(`${what}: stdout is not JSON (${(e as Error).message}); exit ${r.code}, stderr: ${r.stderr.trim()}`);
    return undefined;
  }
}

function cmd(args: readonly string[], r: CliResult): string {
  return `cairn ${args.join(' ')} → exit ${r.code ?? r.signal}${r.stderr.trim() ? `, stderr: ${r.stderr.trim()}` : ''}`;
}

/** Printed `✓` lines: task → the attempt it was printed at. */
function printedSuccesses(lines: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines) {
    const m = SUCCESS_LINE.exec(line);
    if (m) out.set(m[1]!, Number(m[2] ?? 1));
  }
  return out;
}

/**
 * Counter lines against the attempts the store holds. An attempt that ended (success, failed) ran exactly
 * once; one the crash cut (interrupted, or still `running` in a dead driver's journal) ran at most once
 * (it may never have been spawned); nothing ran without a durable attempt record.
 */
function checkCounters(doc: RunDoc, counters: ReadonlyMap<string, readonly number[]>, when: string): string[] {
  const problems: string[] = [];
  const byId = new Map(doc.tasks.map((t) => [t.id, t]));
  for (const [id, lines] of counters) {
    const t = byId.get(id);
    if (!t) {
      problems.push(`${when}: counters/${id} exists but the run has no task ${id}`);
      continue;
    }
    const known = new Set(t.attempts.map((a) => a.attempt));
    for (const n of new Set(lines)) {
      const times = lines.filter((x) => x === n).length;
      if (!known.has(n)) problems.push(`${when}: ${id} ran as attempt ${n} (counter) but show --json has no such attempt (attempts: ${t.attempts.map((a) => a.attempt).join(',') || 'none'})`);
      else if (times > 1) problems.push(`${when}: ${id} attempt ${n} ran ${times} times (counter lines ${lines.join(',')})`);
    }
  }
  for (const t of doc.tasks) {
    const lines = counters.get(t.id) ?? [];
    for (const a of t.attempts) {
      const times = lines.filter((x) => x === a.attempt).length;
      const ended = a.status === 'success' || a.status === 'failed';
      if (ended && times !== 1) problems.push(`${when}: ${t.id} attempt ${a.attempt} is ${a.status} in show --json but its counter has it ${times} times (lines ${lines.join(',') || 'none'})`);
    }
  }
  return problems;
}

function summarize(doc: RunDoc | undefined): string {
  if (!doc) return '(none)';
  const tasks = doc.tasks.map((t) => `${t.id}=${t.status}[${t.attempts.map((a) => `${a.attempt}:${a.status}@r${a.resume}`).join(' ')}]`).join(' ');
  return `status ${doc.status}, resumes ${doc.resumes}, vars ${JSON.stringify(doc.vars)}\n    tasks: ${tasks}`;
}

function formatCounters(c: ReadonlyMap<string, readonly number[]>): string {
  return (
    [...c]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, lines]) => `${id}:${lines.join(',')}`)
      .join(' ') || '(none)'
  );
}

async function referenceRun(root: string, mark: string): Promise<Reference> {
  const ws = newWorkspace(root, 'reference');
  const env = cliEnv(ws, mark);
  const cli = spawnCli(['run', 'crash.cairn.toml', '--parallel', '4'], ws, env);
  let firstLineMs = 0;
  cli.onLine = (_line, i) => {
    if (i === 0) firstLineMs = performance.now() - cli.startedAt;
  };
  const r = await cli.done;
  const totalMs = performance.now() - cli.startedAt;
  assert.equal(r.code, 0, `the uninterrupted reference run failed: ${cmd(['run'], r)}\n${r.stdout}`);
  const show = await runCli(['show', 'last', '--json'], ws, env);
  assert.equal(show.code, 0, cmd(['show', 'last', '--json'], show));
  const doc = JSON.parse(show.stdout) as RunDoc;
  assert.equal(doc.status, 'success');
  assert.equal(doc.tasks.length, 40, 'the workflow has 40 tasks');
  for (const t of doc.tasks) {
    const spec = SPECS.get(t.id);
    assert.ok(spec, `unexpected task ${t.id}`);
    // The forensic task's target succeeds on its retry, so the forensic task is skipped (SPEC §2).
    assert.equal(t.status, spec.forensicTarget ? 'skipped' : 'success', `reference: ${t.id}`);
    assert.equal(t.attempts.length, spec.forensicTarget ? 0 : spec.failsFirst ? 2 : 1, `reference: attempts of ${t.id}`);
  }
  assert.deepEqual(checkCounters(doc, readCounters(ws), 'reference'), []);
  assert.equal(doc.vars['version'], '1.4.42');
  const outputs = readOutputs(ws);
  assert.equal(outputs.size, WORKFLOW.tasks.filter((t) => t.writesOut && !t.forensicTarget).length, `reference outputs: ${[...outputs.keys()].join(' ')}`);
  const successLines = printedSuccesses(r.stdout.split('\n')).size;
  assert.equal(successLines, 39, `the reference run prints one ✓ per non-forensic task:\n${r.stdout}`);
  return { firstLineMs, totalMs, statuses: new Map(doc.tasks.map((t) => [t.id, t.status])), vars: doc.vars, outputs, successLines };
}

async function iteration(index: number, root: string, markPrefix: string, ref: Reference): Promise<IterationResult> {
  const plan = planFor(index, ref);
  const ws = newWorkspace(root, `iter-${String(index).padStart(2, '0')}`);
  const mark = `${markPrefix}-${index}`;
  const env = cliEnv(ws, mark);
  const problems: string[] = [];
  const evidence: string[] = [];
  let outcome: Outcome = 'interrupted';
  let cut = 0;
  let cutThatRan = 0;

  // --- run, and kill -9 it -------------------------------------------------------------------------
  const cli = spawnCli(['run', 'crash.cairn.toml', '--parallel', '4'], ws, env);
  let killedAt = -1;
  const kill = (): void => {
    if (killedAt >= 0) return;
    killedAt = performance.now() - cli.startedAt;
    cli.child.kill('SIGKILL');
  };
  const k = plan.kill;
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  const runsDir = path.join(ws, '.cairn', 'runs');
  if (k.kind === 'early' || k.kind === 'time') timer = setTimeout(kill, k.atMs);
  else if (k.kind === 'folder') {
    poll = setInterval(() => {
      try {
        if (fs.readdirSync(runsDir).some((id) => fs.existsSync(path.join(runsDir, id, 'events.ndjson')))) kill();
      } catch {
        // not there yet
      }
    }, 1);
  } else {
    let successes = 0;
    cli.onLine = (line) => {
      if (k.kind === 'line' && SUCCESS_LINE.test(line) && ++successes === k.afterSuccess) kill();
      if (k.kind === 'end' && RUN_SUCCEEDED.test(line)) kill();
    };
  }
  const ran = await cli.done;
  clearTimeout(timer);
  clearInterval(poll);
  // What the CLI printed before it died (complete lines only: a line cut by the kill was never printed).
  const lines = [...cli.lines];
  const printed = printedSuccesses(lines);
  const printedRunEnd = lines.some((l) => RUN_SUCCEEDED.test(l));
  evidence.push(`stdout before the kill (${lines.length} lines): ${lines.join(' | ') || '(nothing)'}`);
  if (ran.signal !== 'SIGKILL') {
    // The run ended before the kill landed (a timed kill after the end): it must have succeeded.
    evidence.push(`the CLI was not killed: ${cmd(['run'], ran)}`);
    if (ran.code !== 0) problems.push(`the uninterrupted run failed: ${cmd(['run', 'crash.cairn.toml'], ran)}`);
  }

  const leftoversSeen = markedProcesses(mark).length;
  const left = await waitForLeftovers(mark, LEFTOVER_PATIENCE_MS);
  if (left.length > 0) problems.push(`task processes still running ${LEFTOVER_PATIENCE_MS} ms after the kill: pids ${left.join(', ')}`);
  const countersAfterKill = readCounters(ws);
  evidence.push(`counters after the kill: ${formatCounters(countersAfterKill)}`);

  // --- 1. the store opens ----------------------------------------------------------------------------
  // A `.new-<id>` folder is a run that was never born (killed before its folder got its name):
  // readers ignore it, so the checks below must find "no run yet" — nothing printed, nothing run.
  const ids = fs.existsSync(runsDir) ? fs.readdirSync(runsDir).filter((n) => !n.startsWith('.')) : [];
  let afterKill: RunDoc | undefined;
  if (ids.length > 1) problems.push(`one cairn run made ${ids.length} run folders: ${ids.join(', ')}`);
  const id = ids[0];
  if (id !== undefined) {
    const args = ['show', id, '--json'];
    const show = await runCli(args, ws, env);
    if (show.code === 0) afterKill = parseJson<RunDoc>(show, args.join(' '), problems);
    else {
      const journal = path.join(runsDir, id, 'events.ndjson');
      const recorded = fs.existsSync(journal) && fs.readFileSync(journal, 'utf8').includes('"type":"run-created"');
      if (recorded) problems.push(`the store does not open after the kill: ${cmd(args, show)}`);
      else {
        outcome = 'half-created run';
        evidence.push(`run folder ${id} without a recorded run: ${fs.readdirSync(path.join(runsDir, id)).join(', ')}; ${cmd(args, show)}`);
      }
    }
  }
  if (afterKill === undefined && outcome !== 'half-created run' && id === undefined) outcome = 'no run yet';

  if (outcome === 'no run yet' || outcome === 'half-created run') {
    // Nothing was recorded, so nothing may have been reported or run.
    if (printed.size > 0) problems.push(`tasks were printed as succeeded but the store holds no run: ${[...printed.keys()].join(', ')}`);
    if (countersAfterKill.size > 0) problems.push(`tasks ran without a recorded run: ${formatCounters(countersAfterKill)}`);
    const runs = await runCli(['runs', '--json'], ws, env);
    if (runs.code !== 0) problems.push(`the store does not open: ${cmd(['runs', '--json'], runs)}`);
    else {
      const rows = parseJson<unknown[]>(runs, 'runs --json', problems);
      if (rows && rows.length !== 0) problems.push(`runs --json lists ${rows.length} runs where none was recorded: ${runs.stdout}`);
    }
    // Recovery of "every interrupted run" must not trip over a run that never got started.
    const auto = await runCli(['resume', '--auto'], ws, env);
    if (auto.code !== 0) problems.push(`after a kill before the run was recorded, ${cmd(['resume', '--auto'], auto)}`);
  }

  let finalDoc: RunDoc | undefined;
  if (afterKill !== undefined && id !== undefined) {
    const doc = afterKill;
    evidence.push(`show --json after the kill: ${summarize(doc)}`);
    const tasks = new Map(doc.tasks.map((t) => [t.id, t]));
    // 1. interrupted, unless it had ended.
    if (printedRunEnd && doc.status !== 'success') problems.push(`the CLI printed "run … succeeded" but the run reads ${doc.status}`);
    if (doc.status !== 'interrupted' && doc.status !== 'success') problems.push(`after kill -9 the run reads "${doc.status}", expected interrupted (or success had it ended)`);
    if (doc.status === 'success') outcome = 'already ended';
    for (const t of doc.tasks) if (t.status === 'running') problems.push(`after the kill, task ${t.id} still reads running (its driver is dead: interrupted)`);

    // 2. every task printed as succeeded is success, at the attempt printed.
    for (const [task, attempt] of printed) {
      const t = tasks.get(task);
      const a = t?.attempts.find((x) => x.attempt === attempt);
      if (!t || t.status !== 'success' || t.attempt !== attempt || a?.status !== 'success') {
        problems.push(`"✓ ${task}" (attempt ${attempt}) was printed, but after the kill the task reads ${t ? `${t.status} at attempt ${t.attempt}, attempt ${attempt} ${a?.status ?? 'missing'}` : 'missing'}`);
      }
    }

    // 3. every $CAIRN_OUTPUT record and registered value of a printed task is in the history.
    const expected = [...printed].flatMap(([task, attempt]) => {
      const spec = SPECS.get(task)!;
      return [...spec.outputs, ...(spec.register ? [spec.register] : [])].map((o) => ({ ...o, task, attempt }));
    });
    if (expected.length > 0) {
      const args = ['vars', id, '--history', '--json'];
      const vr = await runCli(args, ws, env);
      if (vr.code !== 0) problems.push(`the store does not open: ${cmd(args, vr)}`);
      else {
        const rows = parseJson<VarRow[]>(vr, args.join(' '), problems) ?? [];
        for (const e of expected) {
          if (!rows.some((r) => r.name === e.name && r.value === e.value && r.task === e.task && r.attempt === e.attempt)) {
            problems.push(`"✓ ${e.task}" was printed, but its snapshot ${e.name}=${JSON.stringify(e.value)} (attempt ${e.attempt}) is not in vars --history: ${JSON.stringify(rows)}`);
          }
        }
      }
    }

    // 5 (first half). Counters against the store as the kill left it.
    problems.push(...checkCounters(doc, countersAfterKill, 'after the kill'));
    for (const t of doc.tasks) {
      for (const a of t.attempts) {
        if (a.status !== 'running' && a.status !== 'interrupted') continue;
        cut++;
        if ((countersAfterKill.get(t.id) ?? []).includes(a.attempt)) cutThatRan++;
      }
    }

    // 4. resume finishes the run.
    if (doc.status === 'success') {
      const args = ['resume', id];
      const rr = await runCli(args, ws, env);
      if (rr.code !== 2) problems.push(`resume of a run that had succeeded should be refused (exit 2): ${cmd(args, rr)}`);
      finalDoc = doc;
    } else {
      const args = plan.resumeWith === 'auto' ? ['resume', '--auto', '--json'] : ['resume', id, '--json'];
      const rr = await runCli(args, ws, env);
      evidence.push(cmd(args, rr));
      if (rr.code !== 0) problems.push(`the resume did not finish the run: ${cmd(args, rr)}\n    stdout: ${rr.stdout.slice(0, 2000)}`);
      finalDoc = parseJson<RunDoc>(rr, args.join(' '), problems);
      if (finalDoc && finalDoc.status !== 'success') problems.push(`after the resume the run reads ${finalDoc.status}`);
      if (finalDoc && finalDoc.resumes !== 1) problems.push(`after one resume, show --json says resumes = ${finalDoc.resumes}`);
    }
  }

  if (finalDoc !== undefined && afterKill !== undefined) {
    const leftAfter = await waitForLeftovers(mark, LEFTOVER_PATIENCE_MS);
    if (leftAfter.length > 0) problems.push(`the resume left task processes running: pids ${leftAfter.join(', ')}`);
    const counters = readCounters(ws);
    evidence.push(`final: ${summarize(finalDoc)}`);
    evidence.push(`final counters: ${formatCounters(counters)}`);
    const before = new Map(afterKill.tasks.map((t) => [t.id, t]));

    // 5. nothing printed as succeeded (nor anything the store had as succeeded) ran again; attempts are never rewritten.
    problems.push(...checkCounters(finalDoc, counters, 'after the resume'));
    for (const t of finalDoc.tasks) {
      const was = before.get(t.id);
      if (!was) {
        problems.push(`task ${t.id} appeared only after the resume`);
        continue;
      }
      for (const a of was.attempts) {
        const now = t.attempts.find((x) => x.attempt === a.attempt);
        if (!now || now.resume !== a.resume || now.startedAt !== a.startedAt || (a.status !== 'running' && now.status !== a.status) || (a.status === 'running' && now.status !== 'interrupted')) {
          problems.push(`attempt ${a.attempt} of ${t.id} was rewritten: ${JSON.stringify(a)} → ${JSON.stringify(now)}`);
        }
      }
      if (was.status === 'success' && t.attempts.length !== was.attempts.length) {
        problems.push(`${t.id} had succeeded before the kill${printed.has(t.id) ? ' (and was printed ✓)' : ''} but ran again: ${t.attempts.map((a) => `${a.attempt}@r${a.resume}`).join(' ')}`);
      }
      if (printed.has(t.id)) {
        const lines = counters.get(t.id) ?? [];
        if (t.attempts.some((a) => a.resume >= 1)) problems.push(`"✓ ${t.id}" was printed before the kill, yet the resume ran it: ${t.attempts.map((a) => `${a.attempt}@r${a.resume}`).join(' ')}`);
        if (lines.length !== t.attempts.length) problems.push(`"✓ ${t.id}" was printed before the kill; its counter has ${lines.length} lines for ${t.attempts.length} attempts`);
      }
    }

    // 6. the same end result as an uninterrupted run.
    for (const t of finalDoc.tasks) {
      const want = ref.statuses.get(t.id);
      if (t.status !== want) problems.push(`final status of ${t.id} is ${t.status}; the uninterrupted run ends it ${want ?? 'absent'}`);
    }
    if (finalDoc.tasks.length !== ref.statuses.size) problems.push(`the run has ${finalDoc.tasks.length} tasks, expected ${ref.statuses.size}`);
    try {
      assert.deepEqual(finalDoc.vars, ref.vars);
    } catch {
      problems.push(`final variables ${JSON.stringify(finalDoc.vars)} differ from the uninterrupted run's ${JSON.stringify(ref.vars)}`);
    }
    const outputs = readOutputs(ws);
    for (const [name, content] of ref.outputs) {
      if (outputs.get(name) !== content) problems.push(`out/${name} is ${JSON.stringify(outputs.get(name))}, the uninterrupted run wrote ${JSON.stringify(content)}`);
    }
    for (const name of outputs.keys()) if (!ref.outputs.has(name)) problems.push(`out/${name} was written, the uninterrupted run writes no such file`);
  }

  return {
    index,
    plan,
    outcome,
    printedBeforeKill: printed.size,
    killedAtMs: Math.round(killedAt),
    leftovers: leftoversSeen,
    cut,
    cutThatRan,
    problems,
    evidence: evidence.join('\n  '),
    workspace: ws,
  };
}

describe('crash loop: cairn run killed with SIGKILL at random moments, then resumed (SPEC §3.3, §3.4)', function () {
  const markPrefix = `crash-${process.pid}-${Date.now()}`;
  let root = '';
  let ref: Reference | undefined;

  before(async function () {
    this.timeout(30_000);
    assert.ok(fs.existsSync(cliBundle), `${cliBundle} is missing: run npm run build first`);
    assert.ok(fs.existsSync(cliBin), `${cliBin} is missing`);
    assert.ok(fs.existsSync('/proc/self/environ'), 'the crash loop finds leftover task processes through /proc (Linux)');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-crash-loop-'));
    console.log(`      crash loop seed ${SEED} (replay: CAIRN_CRASH_SEED=${SEED}), workspaces in ${root}`);
    ref = await referenceRun(root, `${markPrefix}-ref`);
  });

  after(async function () {
    killMarked(markPrefix);
    await waitForLeftovers(markPrefix, 2000);
    if (root && !KEEP && !fs.existsSync(path.join(root, 'KEEP'))) fs.rmSync(root, { recursive: true, force: true });
  });

  it(`kill -9 at ${ITERATIONS} random moments: nothing reported is lost, resume finishes, nothing runs twice`, async function () {
    this.timeout(60_000 + ITERATIONS * 4000);
    const reference = ref!;
    const indexes = ONLY.length > 0 ? ONLY : Array.from({ length: ITERATIONS }, (_, i) => i);
    const results: IterationResult[] = [];
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indexes.length) {
        const index = indexes[next++]!;
        const r = await iteration(index, root, markPrefix, reference);
        results.push(r);
        if (r.problems.length > 0) {
          // Said at once, and the workspace kept, in case the loop does not get to its report.
          fs.writeFileSync(path.join(root, 'KEEP'), 'failed iterations are kept for inspection\n');
          console.log(`      iteration ${r.index} failed (${describePlan(r.plan)}; ${r.outcome}): ${r.problems[0]}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, indexes.length) }, worker));
    results.sort((a, b) => a.index - b.index);

    const tally = new Map<Outcome, number>();
    for (const r of results) tally.set(r.outcome, (tally.get(r.outcome) ?? 0) + 1);
    const withLeftovers = results.filter((r) => r.outcome === 'interrupted' && r.leftovers > 0).length;
    console.log(
      `      ${results.length} iterations in ${((performance.now() - started) / 1000).toFixed(1)} s (reference run ${Math.round(reference.totalMs)} ms, first line at ${Math.round(reference.firstLineMs)} ms): ` +
        [...tally].map(([o, n]) => `${n} ${o}`).join(', ') +
        `; ${withLeftovers} left task processes running after the kill; ${results.reduce((n, r) => n + r.cut, 0)} attempts cut by a kill, ${results.reduce((n, r) => n + r.cutThatRan, 0)} of which ran anyway; ✓ lines before the kill: ${results.map((r) => r.printedBeforeKill).join(' ')}`,
    );

    const failed = results.filter((r) => r.problems.length > 0);
    for (const r of results) if (r.problems.length === 0 && !KEEP) fs.rmSync(r.workspace, { recursive: true, force: true });
    const report = failed
      .map(
        (r) =>
          `iteration ${r.index} (seed ${SEED}; ${describePlan(r.plan)}; killed at ${r.killedAtMs} ms; ${r.outcome}; workspace ${r.workspace}):\n  ` +
          r.problems.slice(0, 12).join('\n  ') +
          (r.problems.length > 12 ? `\n  … ${r.problems.length - 12} more` : '') +
          `\n  evidence:\n  ${r.evidence}`,
      )
      .join('\n\n');
    assert.equal(failed.length, 0, `${failed.length} of ${results.length} crash iterations failed (replay: CAIRN_CRASH_SEED=${SEED} CAIRN_CRASH_ONLY=${failed.map((r) => r.index).join(',')}):\n\n${report}`);
  });
});
