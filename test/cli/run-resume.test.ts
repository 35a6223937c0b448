// Process-level tests of `cairn run / resume / rerun / cancel` (SPEC sections
// 2, 3 and 5): the built CLI drives small workflows in temp folders whose
// tasks append to counter files, so each test can prove how often every task
// really ran, whatever the CLI printed. Each describe's CLI calls happen in a
// scenario (its setup); its `it`s only check what the scenario recorded.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  assertBuilt,
  assertExit,
  assertSameTree,
  checkRunDoc,
  countLines,
  describeCall,
  isRecord,
  killLeftovers,
  linesOf,
  onlyRunId,
  parseJsonOut,
  processesWith,
  readTree,
  runCli,
  Scenarios,
  showJson,
  startCli,
  taskOf,
  TempDirs,
  uniqueSleepArg,
  writeFile,
  type CliProcess,
  type CliResult,
  type RunDoc,
} from './cli-harness';

const temps = new TempDirs();
const scenarios = new Scenarios();
/** Every sleep marker a scenario used: whatever outlives a test is ended in `after`. */
const markers: string[] = [];
const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{10,}$/;
/** The duration on a finished task's line: `✓ lint 0.4s`, `✓ lint 12ms`. */
const DURATION = String.raw`\d+(\.\d+)?\s?(ms|s|m)`;

function marker(): string {
  const m = uniqueSleepArg();
  markers.push(m);
  return m;
}

function readLines(file: string): string[] {
  return fs.existsSync(file) ? linesOf(fs.readFileSync(file, 'utf8')) : [];
}

/** Index of the one stdout line matching `re` (asserts there is exactly one). */
function lineIndex(r: CliResult, re: RegExp): number {
  const lines = linesOf(r.stdout);
  const hits = lines.flatMap((l, i) => (re.test(l) ? [i] : []));
  assert.equal(hits.length, 1, `expected exactly one stdout line matching ${String(re)}\n${describeCall(r)}`);
  return hits[0]!;
}

function lastLine(r: CliResult): string {
  const lines = linesOf(r.stdout);
  return lines[lines.length - 1] ?? '';
}

function revisionText(dir: string, runId: string, revision: string): string {
  const file = path.join(dir, '.cairn/runs', runId, 'revisions', `${revision}.cairn.toml`);
  assert.ok(fs.existsSync(file), `revision ${revision} should be kept as ${file}`);
  return fs.readFileSync(file, 'utf8');
}

function counts(dir: string, tasks: readonly string[]): Record<string, number> {
  return Object.fromEntries(tasks.map((t) => [t, countLines(path.join(dir, `${t}.count`))]));
}

describe('cairn run / resume / rerun / cancel (CLI process)', function () {
  this.timeout(60_000);

  before(function () {
    assertBuilt();
    scenarios.startAll();
  });

  after(async function () {
    await scenarios.settle();
    for (const m of markers) killLeftovers(m);
    temps.cleanup();
  });

  // ------------------------------------------------------------------ the story of issue 3

  describe('cairn run → fix → cairn resume --last (the session of issue 3)', function () {
    const STORY = `name = "story"

[vars]
env = "staging"

[tasks.lint]
run = "echo run >> lint.count"

[tasks.test-unit]
deps = ["lint"]
run = "echo run >> test-unit.count"

[tasks.test-integration]
deps = ["test-unit"]
run = "echo run >> test-integration.count; echo 'receipt total: expected 10.70, got 10.95' >&2; exit 1"

[tasks.version]
run = "echo run >> version.count; echo 1.4.0"
register = "version"

[tasks.build]
deps = ["test-integration", "version"]
run = "echo 'v{{ .version }}' >> build.count"

[tasks.deploy]
deps = ["build"]
run = "echo '{{ .env }}' >> deploy.count"

[tasks.collect-diagnostics]
type = "forensic"
target = "test-integration"
run = "echo run >> collect-diagnostics.count; tail -n 5 \\"$CAIRN_TARGET_LOG\\""
`;
    // The fix: the user edits the workflow (here the failing command itself).
    const FIXED = STORY.replace("echo 'receipt total: expected 10.70, got 10.95' >&2; exit 1", 'echo fixed');
    const TASKS = ['lint', 'test-unit', 'test-integration', 'version', 'build', 'deploy', 'collect-diagnostics'];

    const scenario = scenarios.add(async () => {
      const dir = temps.make('story');
      writeFile(dir, 'story.cairn.toml', STORY);
      const run = await runCli(['run', 'story.cairn.toml'], { cwd: dir });
      const runId = /^run (\S+) /.exec(lastLine(run))?.[1] ?? '';
      const failedDoc = await showJson('last', { cwd: dir });
      writeFile(dir, 'story.cairn.toml', FIXED);
      const resume = await runCli(['resume', '--last'], { cwd: dir });
      const doc = await showJson('last', { cwd: dir });
      return { dir, runId, run, failedDoc, resume, doc };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('run: exits 1, prints each task as it ends, the forensic task, and cancelled dependents', function () {
      const { run } = s;
      assertExit(run, 1);
      const at = (re: RegExp): number => lineIndex(run, re);
      const lint = at(new RegExp(`^✓ lint ${DURATION}$`));
      const unit = at(new RegExp(`^✓ test-unit ${DURATION}$`));
      at(new RegExp(`^✓ version ${DURATION}$`));
      const integ = at(/^✗ test-integration \(exit 1\)$/);
      const diag = at(new RegExp(`^✓ collect-diagnostics ${DURATION}$`));
      const build = at(/^✗ build \(cancelled — dependency failed\)$/);
      const deploy = at(/^✗ deploy \(cancelled — dependency failed\)$/);
      assert.ok(lint < unit && unit < integ, `lint, test-unit, test-integration should end in dependency order\n${describeCall(run)}`);
      assert.ok(integ < diag, `the forensic task runs after its target failed\n${describeCall(run)}`);
      assert.ok(integ < build && build < deploy, `build and deploy are cancelled after test-integration failed\n${describeCall(run)}`);
      assert.equal(linesOf(run.stdout).length, 8, `one line per task and the final line, nothing else (stdout is not a TTY)\n${describeCall(run)}`);
    });

    it('run: the last line names the run id and the command to resume it', function () {
      assert.match(s.runId, RUN_ID, `the last line should start with "run <id>"\n${describeCall(s.run)}`);
      assert.match(lastLine(s.run), /^run \S+ failed\b/, describeCall(s.run));
      assert.ok(lastLine(s.run).endsWith(`cairn resume ${s.runId}`), `the last line should end with the resume command\n${describeCall(s.run)}`);
      assert.equal(s.failedDoc.id, s.runId);
    });

    it('the failed run: show --json has the failed, forensic and cancelled tasks as they were printed', function () {
      const { failedDoc } = s;
      assert.equal(failedDoc.status, 'failed');
      assert.equal(failedDoc.resumes, 0);
      assert.ok(failedDoc.endedAt !== null, 'a failed run has ended');
      const integ = taskOf(failedDoc, 'test-integration');
      assert.equal(integ.status, 'failed');
      assert.deepEqual(integ.attempts.map((a) => [a.attempt, a.resume, a.status, a.exitCode, a.reason]), [[1, 0, 'failed', 1, 'exit']]);
      assert.equal(taskOf(failedDoc, 'collect-diagnostics').status, 'success');
      for (const id of ['build', 'deploy']) {
        const t = taskOf(failedDoc, id);
        assert.equal(t.status, 'cancelled', `${id} never ran: its dependency failed`);
        assert.deepEqual(t.attempts, [], `${id} never ran, so it has no attempt`);
        assert.equal(t.attempt, 0);
        if (t.reason !== undefined) assert.equal(t.reason, 'upstream-failed', `${id}: SPEC §2 reason for a failed dependency`);
      }
    });

    it('resume --last: kept tasks are skipped, the fixed task is attempt 2, exit 0, "succeeded (resume 1)"', function () {
      const { resume } = s;
      assertExit(resume, 0);
      for (const id of ['lint', 'test-unit', 'version']) lineIndex(resume, new RegExp(`^→ ${id} \\(skipped — already succeeded\\)$`));
      const integ = lineIndex(resume, new RegExp(`^✓ test-integration ${DURATION} \\(attempt 2\\)$`));
      const build = lineIndex(resume, new RegExp(`^✓ build ${DURATION}$`));
      const deploy = lineIndex(resume, new RegExp(`^✓ deploy ${DURATION}$`));
      assert.ok(integ < build && build < deploy, describeCall(resume));
      assert.doesNotMatch(resume.stdout, /collect-diagnostics/, `the forensic task is not re-run: its target did not fail again\n${describeCall(resume)}`);
      assert.equal(lastLine(resume), `run ${s.runId} succeeded (resume 1)`, describeCall(resume));
      assert.equal(linesOf(resume.stdout).length, 7, `one line per task and the final line\n${describeCall(resume)}`);
    });

    it('counter files: kept tasks ran once, the fixed task twice, the rest once', function () {
      assert.deepEqual(counts(s.dir, TASKS), { lint: 1, 'test-unit': 1, 'test-integration': 2, version: 1, build: 1, deploy: 1, 'collect-diagnostics': 1 });
      assert.deepEqual(readLines(path.join(s.dir, 'build.count')), ['v1.4.0'], 'build saw the version registered before the resume');
      assert.deepEqual(readLines(path.join(s.dir, 'deploy.count')), ['staging']);
    });

    it('show --json: every SPEC §5 field, with the values of this story', function () {
      const { doc, failedDoc, dir, runId } = s;
      assert.equal(doc.id, runId);
      assert.equal(doc.workflow, 'story');
      assert.equal(doc.file, 'story.cairn.toml', 'the file, relative to the workspace');
      assert.equal(doc.status, 'success');
      assert.equal(doc.mode, 'eager', 'eager is the default mode');
      assert.equal(doc.parallel, os.availableParallelism(), '--parallel defaults to the CPU count');
      assert.equal(doc.resumes, 1);
      assert.deepEqual(doc.vars, { env: 'staging', version: '1.4.0' });
      assert.deepEqual([...doc.tasks.map((t) => t.id)].sort(), [...TASKS].sort());
      assert.equal(doc.createdAt, failedDoc.createdAt, 'a resume does not change when the run was created');
      assert.ok(doc.endedAt !== null && Date.parse(doc.endedAt) >= Date.parse(failedDoc.endedAt!), 'endedAt is the end of the resume');

      const rev1 = taskOf(failedDoc, 'lint').attempts[0]!.revision;
      const rev2 = taskOf(doc, 'test-integration').attempts[1]!.revision;
      assert.notEqual(rev1, rev2, 'the fixed file is a new revision');
      assert.equal(revisionText(dir, runId, rev1), STORY, 'revision 1 is the file as the run first used it');
      assert.equal(revisionText(dir, runId, rev2), FIXED, 'revision 2 is the fixed file');

      // [attempt, resume, status, exitCode, reason, revision] of every attempt.
      const expected: Record<string, [number, number, string, number | null, string | null, string][]> = {
        lint: [[1, 0, 'success', 0, null, rev1]],
        'test-unit': [[1, 0, 'success', 0, null, rev1]],
        version: [[1, 0, 'success', 0, null, rev1]],
        'test-integration': [
          [1, 0, 'failed', 1, 'exit', rev1],
          [2, 1, 'success', 0, null, rev2],
        ],
        'collect-diagnostics': [[1, 0, 'success', 0, null, rev1]],
        build: [[1, 1, 'success', 0, null, rev2]],
        deploy: [[1, 1, 'success', 0, null, rev2]],
      };
      for (const t of doc.tasks) {
        const want = expected[t.id]!;
        assert.equal(t.status, 'success', `${t.id}.status`);
        assert.equal(t.attempt, want.length, `${t.id}.attempt`);
        assert.equal(t.stale, false, `${t.id}.stale`);
        assert.deepEqual(t.staleReasons, [], `${t.id}.staleReasons`);
        assert.deepEqual(
          t.attempts.map((a) => [a.attempt, a.resume, a.status, a.exitCode, a.reason, a.revision]),
          want,
          `${t.id}.attempts`,
        );
        for (const a of t.attempts) {
          assert.ok(a.endedAt !== null && a.durationMs !== null, `${t.id}#${a.attempt} has ended`);
          const wall = Date.parse(a.endedAt) - Date.parse(a.startedAt);
          assert.ok(a.durationMs <= wall + 5, `${t.id}#${a.attempt}: durationMs ${a.durationMs} exceeds its start-to-end time ${wall}`);
          assert.ok(Date.parse(a.startedAt) >= Date.parse(doc.createdAt), `${t.id}#${a.attempt} starts after the run was created`);
          assert.ok(Date.parse(a.endedAt) <= Date.parse(doc.endedAt), `${t.id}#${a.attempt} ends before the run ended`);
        }
      }
      // Attempts are never rewritten: the failed attempt reads the same after the resume.
      assert.deepEqual(taskOf(doc, 'test-integration').attempts[0], taskOf(failedDoc, 'test-integration').attempts[0]);
    });
  });

  describe('cairn run --json', function () {
    const scenario = scenarios.add(async () => {
      const dir = temps.make('json');
      writeFile(dir, 'j.cairn.toml', '[tasks.a]\nrun = "echo a"\n\n[tasks.b]\ndeps = ["a"]\nrun = "exit 4"\n\n[tasks.why-a]\ntype = "forensic"\ntarget = "a"\nrun = "echo x >> why-a.count"\n');
      const run = await runCli(['run', 'j.cairn.toml', '--json'], { cwd: dir });
      const shown = await showJson('last', { cwd: dir });
      return { dir, run, shown };
    });

    it('prints the final show document, and nothing else, on stdout', async function () {
      const { dir, run, shown } = await scenario();
      assertExit(run, 1);
      const printed = checkRunDoc(parseJsonOut(run));
      assert.equal(printed.status, 'failed');
      assert.deepEqual(taskOf(printed, 'b').attempts.map((a) => [a.status, a.exitCode, a.reason]), [['failed', 4, 'exit']]);
      // SPEC §2: a forensic task whose target did not fail is skipped.
      assert.equal(taskOf(printed, 'why-a').status, 'skipped');
      assert.equal(countLines(path.join(dir, 'why-a.count')), 0);
      assert.deepEqual(printed, shown, 'run --json prints what show --json shows');
    });
  });

  describe('conditions, retries and timeouts', function () {
    const sleep = marker();
    // gate's condition is false: it is skipped and after-gate proceeds.
    // retry fails twice, then succeeds (retry_delay 100ms, doubling).
    // slowpoke starts two sleeps in its process group and times out.
    // last fails until the file `fixed` exists, so the run can be resumed.
    const WF = `[vars]
env = "staging"

[tasks.gate]
if = "env == 'prod'"
run = "echo x >> gate.count"

[tasks.after-gate]
deps = ["gate"]
run = "echo x >> after-gate.count"

[tasks.retry]
run = "echo x >> retry.count; test $(wc -l < retry.count) -ge 3"
retries = 2
retry_delay = "100ms"

[tasks.slowpoke]
run = "if [ ! -e fixed ]; then sleep ${sleep} & sleep ${sleep}; wait; fi"
timeout = "300ms"

[tasks.last]
deps = ["after-gate"]
run = "echo x >> last.count; test -e fixed"
`;
    const scenario = scenarios.add(async () => {
      const dir = temps.make('cond');
      writeFile(dir, 'c.cairn.toml', WF);
      const run = await runCli(['run', 'c.cairn.toml'], { cwd: dir });
      const left = processesWith(sleep);
      const doc = await showJson('last', { cwd: dir });
      writeFile(dir, 'fixed', '');
      const resume = await runCli(['resume', '--last'], { cwd: dir });
      return { dir, run, left, doc, resume };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('a false condition skips the task, and its dependents proceed', function () {
      assertExit(s.run, 1);
      lineIndex(s.run, /^→ gate \(skipped — condition false\)$/);
      lineIndex(s.run, new RegExp(`^✓ after-gate ${DURATION}$`));
      assert.equal(countLines(path.join(s.dir, 'gate.count')), 0);
      assert.equal(taskOf(s.doc, 'gate').status, 'skipped');
    });

    it('retries add attempts, waiting retry_delay, doubled each time', function () {
      lineIndex(s.run, new RegExp(`^✓ retry ${DURATION} \\(attempt 3\\)$`));
      assert.equal(countLines(path.join(s.dir, 'retry.count')), 3);
      const attempts = taskOf(s.doc, 'retry').attempts;
      assert.deepEqual(attempts.map((a) => a.status), ['failed', 'failed', 'success']);
      const gap = (i: number): number => Date.parse(attempts[i]!.startedAt) - Date.parse(attempts[i - 1]!.endedAt!);
      // Lower bounds only: a loaded machine may wait longer, never shorter.
      assert.ok(gap(1) >= 100 - 2, `first retry after ${gap(1)} ms, expected >= 100`);
      assert.ok(gap(2) >= 200 - 2, `second retry after ${gap(2)} ms, expected >= 200 (doubled)`);
    });

    it('a timeout fails the task with reason timeout and ends its whole process group', function () {
      const slow = taskOf(s.doc, 'slowpoke');
      assert.equal(slow.status, 'failed');
      assert.equal(slow.attempts[0]!.reason, 'timeout');
      assert.deepEqual(s.left, [], 'both sleeps of the timed-out task are gone when the run ends');
    });

    it('resume keeps the condition-skipped task as done and re-runs only what failed', function () {
      assertExit(s.resume, 0);
      assert.deepEqual(counts(s.dir, ['gate', 'after-gate', 'retry', 'last']), { gate: 0, 'after-gate': 1, retry: 3, last: 2 });
      assert.match(s.resume.stdout, new RegExp(`^✓ slowpoke ${DURATION} \\(attempt 2\\)$`, 'm'), describeCall(s.resume));
    });
  });

  // ------------------------------------------------------------------ variables

  describe('resume restores variables', function () {
    const WF = `[vars]
who = "sun"
channel = "stable"

[tasks.version]
# A second run of this task would register 1.4.1: the downstream task must see 1.4.0.
run = "echo x >> version.count; echo \\"1.4.$(( $(wc -l < version.count) - 1 ))\\""
register = "version"

[tasks.use]
deps = ["version"]
run = "echo \\"{{ .version }} $CAIRN_VAR_version {{ .who }} {{ .channel }}\\" >> use.seen; test -e fixed"
`;
    const scenario = scenarios.add(async () => {
      const dir = temps.make('vars');
      writeFile(dir, 'v.cairn.toml', WF);
      const run = await runCli(['run', 'v.cairn.toml', '--var', 'channel=beta'], { cwd: dir });
      writeFile(dir, 'fixed', '');
      const resume = await runCli(['resume', '--last', '--var', 'who=moon'], { cwd: dir });
      const [history, latest] = await Promise.all([runCli(['vars', 'last', '--history', '--json'], { cwd: dir }), runCli(['vars', 'last', '--json'], { cwd: dir })]);
      return { dir, run, resume, history, latest };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('the downstream task re-run in a resume sees the registered version unchanged, without re-running its task', function () {
      assertExit(s.run, 1);
      assertExit(s.resume, 0);
      assert.equal(countLines(path.join(s.dir, 'version.count')), 1, 'version was kept, not re-run');
      const seen = readLines(path.join(s.dir, 'use.seen'));
      assert.equal(seen.length, 2, `use ran twice: ${JSON.stringify(seen)}`);
      assert.deepEqual(
        seen.map((l) => l.split(' ').slice(0, 2)),
        [
          ['1.4.0', '1.4.0'],
          ['1.4.0', '1.4.0'],
        ],
        'template and CAIRN_VAR_version both carry the registered value',
      );
    });

    it("keeps the run's original --var and applies the resume's --var over it", function () {
      const seen = readLines(path.join(s.dir, 'use.seen'));
      assert.deepEqual(
        seen.map((l) => l.split(' ').slice(2)),
        [
          ['sun', 'beta'],
          ['moon', 'beta'],
        ],
      );
    });

    it('vars --history --json records the override as such, with the SPEC §5 shape', function () {
      const r = s.history;
      assertExit(r, 0);
      const rows = parseJsonOut(r);
      assert.ok(Array.isArray(rows), describeCall(r));
      const typed = rows.map((row: unknown) => {
        assert.ok(isRecord(row), describeCall(r));
        for (const k of ['seq', 'name', 'value', 'task', 'attempt', 'at']) assert.ok(k in row, `each snapshot has "${k}": ${JSON.stringify(row)}`);
        return row;
      });
      const who = typed.filter((v) => v.name === 'who');
      assert.deepEqual(who.map((v) => v.value), ['sun', 'moon'], 'the default, then the override');
      assert.equal(who[1]!.source, 'override', `the resume's --var is recorded as an override: ${JSON.stringify(who[1])}`);
      assert.deepEqual(typed.filter((v) => v.name === 'channel').map((v) => v.value), ['beta'], 'the run\'s --var, recorded once');
      const version = typed.filter((v) => v.name === 'version');
      assert.deepEqual(version.map((v) => [v.value, v.task, v.attempt]), [['1.4.0', 'version', 1]], 'version was registered once, by version#1');
    });

    it('vars --json gives the latest value of each', function () {
      assertExit(s.latest, 0);
      const doc = parseJsonOut(s.latest);
      assert.ok(isRecord(doc), describeCall(s.latest));
      assert.deepEqual([doc.who, doc.channel, doc.version], ['moon', 'beta', '1.4.0']);
    });
  });

  describe('a $CAIRN_OUTPUT checkpoint survives kill -9 of the CLI (crash recovery, resume --auto)', function () {
    const sleep = marker();
    const WF = `[tasks.prep]
run = "echo x >> prep.count"

[tasks.ckpt]
deps = ["prep"]
# The checkpoint's value is computed, so the journal holds it only once the
# snapshot is recorded (not as part of the command text).
run = """
echo "saw=\${CAIRN_VAR_step:-none}" >> ckpt.seen
echo "step=chk$((7*11))pt" >> "$CAIRN_OUTPUT"
if [ ! -e go ]; then touch ckpt.waiting; sleep ${sleep}; fi
"""

[tasks.after]
deps = ["ckpt"]
run = "echo \\"$CAIRN_VAR_step\\" >> after.seen"
`;
    const scenario = scenarios.add(async () => {
      const dir = temps.make('crash');
      writeFile(dir, 'c.cairn.toml', WF);
      // A CLI killed with -9 cannot remove its own temp files: keep them inside this test's folder.
      const env = { TMPDIR: path.join(dir, 'tmp') };
      fs.mkdirSync(env.TMPDIR);
      const cli = startCli(['run', 'c.cairn.toml'], { cwd: dir, env });
      await cli.waitForFile(path.join(dir, 'ckpt.waiting'));
      const runId = onlyRunId(path.join(dir, '.cairn'));
      const journal = path.join(dir, '.cairn/runs', runId, 'events.ndjson');
      // Kill only once the snapshot is durable: that is what SPEC §1 promises survives.
      await cli.waitFor('the checkpoint in the journal', () => fs.readFileSync(journal, 'utf8').includes('chk77pt'));
      cli.kill('SIGKILL');
      const killed = await cli.result;
      // The CLI had no chance to stop its task: end the orphan so it cannot disturb what follows.
      killLeftovers(sleep);
      const runs = await runCli(['runs', '--json'], { cwd: dir, env });
      const interrupted = await showJson(runId, { cwd: dir, env });
      writeFile(dir, 'go', '');
      const resume = await runCli(['resume', '--auto'], { cwd: dir, env });
      const doc = await showJson(runId, { cwd: dir, env });
      return { dir, killed, runs, interrupted, resume, doc };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('a running run whose driver died reads as interrupted, in runs and show', function () {
      assert.equal(s.killed.signal, 'SIGKILL');
      const rows = parseJsonOut(s.runs);
      assert.ok(Array.isArray(rows) && isRecord(rows[0]), describeCall(s.runs));
      assert.equal(rows[0].status, 'interrupted', describeCall(s.runs));
      assert.equal(s.interrupted.status, 'interrupted');
      assert.equal(taskOf(s.interrupted, 'ckpt').status, 'interrupted');
      assert.equal(taskOf(s.interrupted, 'prep').status, 'success');
    });

    it('resume --auto finishes it; the re-run task sees its last checkpoint; nothing done is redone', function () {
      assertExit(s.resume, 0);
      lineIndex(s.resume, /^→ prep \(skipped — already succeeded\)$/);
      assert.deepEqual(readLines(path.join(s.dir, 'ckpt.seen')), ['saw=none', 'saw=chk77pt'], 'the re-run task sees its own checkpoint');
      assert.deepEqual(readLines(path.join(s.dir, 'after.seen')), ['chk77pt']);
      assert.equal(countLines(path.join(s.dir, 'prep.count')), 1, 'prep succeeded before the crash and is not run again');
      assert.equal(s.doc.status, 'success');
      assert.deepEqual(taskOf(s.doc, 'ckpt').attempts.map((a) => a.status), ['interrupted', 'success']);
    });
  });

  // ------------------------------------------------------------------ rerun

  describe('cairn rerun <prefix> --task X [--downstream]', function () {
    const WF = `[tasks.a]
run = "echo x >> a.count; echo 2.0.1"
register = "version"

[tasks.b]
deps = ["a"]
run = "echo \\"v1 {{ .version }} \${CAIRN_VAR_bstate:-none}\\" >> b.count; echo bstate=set >> \\"$CAIRN_OUTPUT\\""

[tasks.c]
deps = ["b"]
run = "echo x >> c.count"

[tasks.d]
run = "echo x >> d.count"
`;
    const EDITED = WF.replace('v1 {{ .version }}', 'v2 {{ .version }}');
    const BROKEN = WF.replace('echo \\"v1 {{ .version }} ${CAIRN_VAR_bstate:-none}\\" >> b.count;', 'echo broken >> b.count; exit 3;');
    const TASKS = ['a', 'b', 'c', 'd'];

    const scenario = scenarios.add(async () => {
      const dir = temps.make('rerun');
      writeFile(dir, 'r.cairn.toml', WF);
      const run = await runCli(['run', 'r.cairn.toml'], { cwd: dir });
      const runId = onlyRunId(path.join(dir, '.cairn'));
      // Any unique prefix, in any case, names the run.
      const prefix = runId.slice(0, 8).toLowerCase();
      const opts = { cwd: dir };

      writeFile(dir, 'r.cairn.toml', EDITED);
      const single = await runCli(['rerun', prefix, '--task', 'b'], opts);
      const afterSingle = { counts: counts(dir, TASKS), b: readLines(path.join(dir, 'b.count')), revisions: fs.readdirSync(path.join(dir, '.cairn/runs', runId, 'revisions')), doc: await showJson(prefix, opts) };

      const downstream = await runCli(['rerun', prefix, '--task', 'b', '--downstream'], opts);
      const afterDownstream = counts(dir, TASKS);

      assert.notEqual(BROKEN, WF, 'the broken edit applies');
      writeFile(dir, 'r.cairn.toml', BROKEN);
      const broken = await runCli(['rerun', prefix, '--task', 'b'], opts);
      const brokenDoc = await showJson(prefix, opts);
      writeFile(dir, 'r.cairn.toml', WF);
      const repaired = await runCli(['rerun', prefix, '--task', 'b'], opts);
      const repairedDoc = await showJson(prefix, opts);
      return { dir, runId, run, single, afterSingle, downstream, afterDownstream, broken, brokenDoc, repaired, repairedDoc };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('after an edit, runs only X, with the new revision recorded as a second revision file', function () {
      assertExit(s.run, 0);
      assertExit(s.single, 0);
      assert.deepEqual(s.afterSingle.counts, { a: 1, b: 2, c: 1, d: 1 }, 'only b ran');
      // SPEC §3.2: X sees the run's vars plus what tasks other than X (and its descendants) registered.
      assert.deepEqual(s.afterSingle.b, ['v1 2.0.1 none', 'v2 2.0.1 none'], "the new command, with a's registered version and not b's own earlier output");
      assert.match(s.single.stdout, new RegExp(`^✓ b ${DURATION} \\(attempt 2\\)$`, 'm'), describeCall(s.single));
      assert.doesNotMatch(s.single.stdout, /^✓ [acd] /m, describeCall(s.single));

      assert.equal(s.afterSingle.revisions.length, 2, `two revisions: ${s.afterSingle.revisions.join(', ')}`);
      const b = taskOf(s.afterSingle.doc, 'b');
      assert.equal(b.attempts.length, 2);
      assert.equal(revisionText(s.dir, s.runId, b.attempts[0]!.revision), WF);
      assert.equal(revisionText(s.dir, s.runId, b.attempts[1]!.revision), EDITED);
      assert.equal(b.attempts[1]!.status, 'success');
      assert.equal(s.afterSingle.doc.status, 'success');
    });

    it('--downstream runs X and its descendants, nothing else', function () {
      assertExit(s.downstream, 0);
      assert.deepEqual(s.afterDownstream, { a: 1, b: 3, c: 2, d: 1 });
      assert.match(s.downstream.stdout, /^✓ b .*\(attempt 3\)$/m, describeCall(s.downstream));
      assert.match(s.downstream.stdout, /^✓ c .*\(attempt 2\)$/m, describeCall(s.downstream));
    });

    it("recomputes the run's status from each task's latest attempt", function () {
      assertExit(s.broken, 1, 'the run ended failed');
      assert.equal(s.brokenDoc.status, 'failed');
      assert.deepEqual([taskOf(s.brokenDoc, 'b').status, taskOf(s.brokenDoc, 'c').status], ['failed', 'success']);
      assertExit(s.repaired, 0);
      assert.equal(s.repairedDoc.status, 'success');
      assert.equal(taskOf(s.repairedDoc, 'b').attempts.length, 5, 'attempts are never rewritten: each re-run adds one');
    });
  });

  // ------------------------------------------------------------------ dry run and staleness

  describe('cairn resume --dry-run and staleness', function () {
    const WF = `[tasks.a]
run = "echo x >> a.count"
inputs = ["src/*.txt"]

[tasks.b]
deps = ["a"]
run = "echo x >> b.count; test -e fixed"
`;
    const scenario = scenarios.add(async () => {
      const dir = temps.make('dry');
      const store = path.join(dir, '.cairn');
      writeFile(dir, 'd.cairn.toml', WF);
      writeFile(dir, 'src/a.txt', 'one\n');
      const run = await runCli(['run', 'd.cairn.toml'], { cwd: dir });
      const runId = onlyRunId(store);
      // a's command and one of its inputs change after it succeeded.
      writeFile(dir, 'd.cairn.toml', WF.replace('echo x >> a.count', 'echo y >> a.count'));
      writeFile(dir, 'src/a.txt', 'two\n');
      const before = readTree(store);
      const dry = await runCli(['resume', runId, '--dry-run'], { cwd: dir });
      const after = readTree(store);
      const countsAfterDry = counts(dir, ['a', 'b']);
      const staleDoc = await showJson(runId, { cwd: dir });
      writeFile(dir, 'fixed', '');
      const resume = await runCli(['resume', runId, '--rerun-stale'], { cwd: dir });
      const doc = await showJson(runId, { cwd: dir });
      return { dir, run, before, dry, after, countsAfterDry, staleDoc, resume, doc };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    /** The lines of the dry run that name `task` as a word. */
    const about = (task: string): string[] => linesOf(s.dry.stdout).filter((l) => new RegExp(`(^|\\s)${task}(\\s|$|:|\\()`).test(l));

    it('prints the kept task as stale with its reasons, and the task it would re-run', function () {
      assertExit(s.run, 1);
      assertExit(s.dry, 0);
      const a = about('a');
      assert.equal(a.length, 1, `one line about task a\n${describeCall(s.dry)}`);
      assert.match(a[0]!, /keep|kept/i, describeCall(s.dry));
      assert.match(a[0]!, /stale/i, describeCall(s.dry));
      assert.match(a[0]!, /command changed/, describeCall(s.dry));
      assert.match(a[0]!, /src\/a\.txt changed/, describeCall(s.dry));
      const b = about('b');
      assert.equal(b.length, 1, `one line about task b\n${describeCall(s.dry)}`);
      assert.match(b[0]!, /run/i, describeCall(s.dry));
      assert.doesNotMatch(b[0]!, /keep|kept/i, describeCall(s.dry));
    });

    it('changes nothing: every byte of .cairn/ is the same, no task ran', function () {
      assertSameTree(s.before, s.after, 'resume --dry-run');
      assert.deepEqual(s.countsAfterDry, { a: 1, b: 1 });
    });

    it('show --json flags the kept task as stale, with the same reasons', function () {
      const a = taskOf(s.staleDoc, 'a');
      assert.equal(a.stale, true);
      assert.ok(a.staleReasons.includes('command changed'), JSON.stringify(a.staleReasons));
      assert.ok(a.staleReasons.includes('src/a.txt changed'), JSON.stringify(a.staleReasons));
    });

    it('--rerun-stale re-runs the stale task and its descendants', function () {
      assertExit(s.resume, 0);
      assert.deepEqual(readLines(path.join(s.dir, 'a.count')), ['x', 'y']);
      assert.equal(countLines(path.join(s.dir, 'b.count')), 2);
      assert.equal(taskOf(s.doc, 'a').stale, false, 'a re-run task is fresh again');
    });
  });

  // ------------------------------------------------------------------ the model cache

  describe('a resume reads the checked model of a text that ran, and only one this build checked', function () {
    const WF = `[tasks.a]
run = "echo x >> a.count"

[tasks.b]
deps = ["a"]
run = "echo real >> b.count; test -e fixed"
`;
    const scenario = scenarios.add(async () => {
      const dir = temps.make('model-cache');
      const store = path.join(dir, '.cairn');
      writeFile(dir, 'm.cairn.toml', WF);
      const run = await runCli(['run', 'm.cairn.toml'], { cwd: dir });
      const runId = onlyRunId(store);
      const cacheDir = path.join(store, 'parsed');
      const files = fs.readdirSync(cacheDir);
      const file = path.join(cacheDir, files[0] ?? 'none');
      const written = fs.readFileSync(file, 'utf8');
      // Only a cached model says `cached`: a resume that echoes it read the model from the cache.
      fs.writeFileSync(file, written.replace('echo real >> b.count', 'echo cached >> b.count'));
      const fromCache = await runCli(['resume', runId], { cwd: dir });
      const linesAfterCached = readLines(path.join(dir, 'b.count'));
      // The same model, said to be checked by another build of Cairn: not used, and replaced by this one's.
      fs.writeFileSync(file, written.replace('echo real >> b.count', 'echo cached >> b.count').replace(/"build":"[^"]*"/, '"build":"another-build"'));
      const otherBuild = await runCli(['resume', runId], { cwd: dir });
      const rewritten = fs.readFileSync(file, 'utf8');
      // A damaged cache is no cache.
      fs.writeFileSync(file, written.slice(0, written.length / 2));
      writeFile(dir, 'fixed', '');
      const damaged = await runCli(['resume', runId], { cwd: dir });
      return { dir, run, files, written, fromCache, linesAfterCached, otherBuild, rewritten, damaged, leftovers: fs.readdirSync(cacheDir) };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('the run that went ahead keeps its checked model, named by the text and the build', function () {
      assertExit(s.run, 1);
      assert.equal(s.files.length, 1, s.files.join(', '));
      assert.match(s.files[0]!, /^[0-9a-f]{16}\.json$/);
      const cache = JSON.parse(s.written) as { build?: unknown; fileName?: unknown; tasks?: unknown[] };
      assert.match(String(cache.build), /^[0-9a-f]{16}$/, 'the bundle names the validator that checked it');
      assert.equal(cache.fileName, 'm.cairn.toml');
      assert.equal(cache.tasks?.length, 2);
    });

    it('a resume of the same text reads it instead of parsing and checking the file again', function () {
      assertExit(s.fromCache, 1);
      assert.deepEqual(s.linesAfterCached, ['real', 'cached']);
    });

    it("a model another build checked is not used, and this build's replaces it", function () {
      assertExit(s.otherBuild, 1);
      assert.deepEqual(readLines(path.join(s.dir, 'b.count')).slice(0, 3), ['real', 'cached', 'real']);
      assert.equal(s.rewritten, s.written);
    });

    it('a damaged cache file is read as none: the resume parses the file and goes on', function () {
      assertExit(s.damaged, 0);
      assert.deepEqual(readLines(path.join(s.dir, 'b.count')), ['real', 'cached', 'real', 'real']);
      assert.deepEqual(s.leftovers, s.files, 'one file per text, no temp files left');
    });
  });

  // ------------------------------------------------------------------ modes and parallelism

  describe('--mode levels vs eager, and --parallel 1', function () {
    // `slow` waits (up to {{ .patience }} × 25 ms) for `next` to start. In eager
    // mode `next` starts once `quick` is done, while `slow` still waits, and
    // records that `slow` had not finished; in levels mode `next` belongs to the
    // second level and can only start after `slow` ended. No outcome depends on
    // how fast the machine is: eager ends the wait by handshake, levels by design.
    const WF = `[vars]
patience = "400"

[tasks.slow]
run = "i=0; while [ ! -e next.started ] && [ $i -lt {{ .patience }} ]; do sleep 0.025; i=$((i+1)); done; touch slow.done"

[tasks.quick]
run = "true"

[tasks.next]
deps = ["quick"]
run = "if [ -e slow.done ]; then echo after-slow > next.saw; else echo before-slow > next.saw; fi; touch next.started"
`;
    // Three independent tasks: with --parallel 1 no two may overlap.
    const SERIAL = ['p', 'q', 'r'].map((t) => `[tasks.${t}]\nrun = "mkdir one.lock || echo ${t} >> overlaps; sleep 0.1; rmdir one.lock"\n`).join('\n');

    const scenario = scenarios.add(async () => {
      const [eagerDir, levelsDir, serialDir] = [temps.make('eager'), temps.make('levels'), temps.make('serial')];
      writeFile(eagerDir, 'm.cairn.toml', WF);
      writeFile(levelsDir, 'm.cairn.toml', WF);
      writeFile(serialDir, 's.cairn.toml', SERIAL);
      const runs = await Promise.all([
        runCli(['run', 'm.cairn.toml', '--parallel', '2'], { cwd: eagerDir }),
        runCli(['run', 'm.cairn.toml', '--mode', 'levels', '--parallel', '2', '--var', 'patience=20'], { cwd: levelsDir }),
        runCli(['run', 's.cairn.toml', '--parallel', '1'], { cwd: serialDir }),
      ]);
      const [eager, levels, serial] = await Promise.all([showJson('last', { cwd: eagerDir }), showJson('last', { cwd: levelsDir }), showJson('last', { cwd: serialDir })]);
      return { eagerDir, levelsDir, serialDir, runs, eager, levels, serial };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
      for (const r of s.runs) assertExit(r, 0);
    });

    it('eager (default): a task starts as soon as its deps succeed, while an unrelated task still runs', function () {
      assert.equal(s.eager.mode, 'eager');
      assert.equal(fs.readFileSync(path.join(s.eagerDir, 'next.saw'), 'utf8').trim(), 'before-slow');
      const next = taskOf(s.eager, 'next').attempts[0]!;
      const slow = taskOf(s.eager, 'slow').attempts[0]!;
      assert.ok(Date.parse(next.startedAt) <= Date.parse(slow.endedAt!), `next started ${next.startedAt}, slow ended ${slow.endedAt}`);
    });

    it('levels: the second level starts only after the whole first level ended', function () {
      assert.equal(s.levels.mode, 'levels');
      assert.equal(fs.readFileSync(path.join(s.levelsDir, 'next.saw'), 'utf8').trim(), 'after-slow');
      const next = taskOf(s.levels, 'next').attempts[0]!;
      const slow = taskOf(s.levels, 'slow').attempts[0]!;
      assert.ok(Date.parse(next.startedAt) >= Date.parse(slow.endedAt!), `next started ${next.startedAt}, before slow ended ${slow.endedAt}`);
    });

    it('--parallel 1: one task at a time, recorded in the run', function () {
      assert.equal(s.serial.parallel, 1);
      assert.equal(s.levels.parallel, 2);
      const overlaps = path.join(s.serialDir, 'overlaps');
      assert.ok(!fs.existsSync(overlaps), `tasks overlapped: ${fs.existsSync(overlaps) ? fs.readFileSync(overlaps, 'utf8') : ''}`);
      const spans = s.serial.tasks.map((t) => t.attempts[0]!).sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt));
      for (let i = 1; i < spans.length; i++) {
        assert.ok(Date.parse(spans[i]!.startedAt) >= Date.parse(spans[i - 1]!.endedAt!), `attempt ${i} started before the one before it ended: ${JSON.stringify(spans)}`);
      }
    });
  });

  // ------------------------------------------------------------------ SIGINT and cancel

  /** What a cancelled run looked like, then how its resume went. */
  interface CancelStory {
    readonly dir: string;
    /** The driving `cairn run`. */
    readonly driver: CliResult;
    /** ms from the cancel request (the SIGINT, or starting `cairn cancel`) to the driver's exit. */
    readonly took: number;
    /** Processes carrying the task's sleep marker once the driver exited. */
    readonly left: number[];
    readonly cancelled: RunDoc;
    readonly resume: CliResult;
    readonly resumed: RunDoc;
  }

  /**
   * Starts a run whose `slow` task sleeps, waits until that sleep is running,
   * cancels with `cancel` (SIGINT, or `cairn cancel` from a second process;
   * it returns when it sent its request), then lets the task through and resumes.
   */
  async function cancelStory(name: string, cancel: (dir: string, cli: CliProcess) => Promise<number>): Promise<CancelStory> {
    const sleep = marker();
    const dir = temps.make(name);
    writeFile(
      dir,
      'k.cairn.toml',
      `[tasks.a]
run = "echo x >> a.count"

[tasks.slow]
deps = ["a"]
run = "touch slow.started; if [ ! -e go ]; then sleep ${sleep}; fi; echo x >> slow.count"

[tasks.after]
deps = ["slow"]
run = "echo x >> after.count"
`,
    );
    const cli = startCli(['run', 'k.cairn.toml'], { cwd: dir });
    await cli.waitForFile(path.join(dir, 'slow.started'));
    await cli.waitFor(`a process with ${sleep}`, () => processesWith(sleep).length > 0);
    const sentAt = await cancel(dir, cli);
    const driver = await cli.result;
    const took = Date.now() - sentAt;
    const left = processesWith(sleep);
    const cancelled = await showJson('last', { cwd: dir });
    writeFile(dir, 'go', '');
    const resume = await runCli(['resume', cancelled.id], { cwd: dir });
    const resumed = await showJson(cancelled.id, { cwd: dir });
    return { dir, driver, took, left, cancelled, resume, resumed };
  }

  function checkCancelled(s: CancelStory): void {
    assert.deepEqual(s.left, [], "the task's sleep must not outlive the cancelled run");
    assert.equal(s.cancelled.status, 'cancelled');
    assert.equal(taskOf(s.cancelled, 'a').status, 'success');
    const slow = taskOf(s.cancelled, 'slow');
    assert.equal(slow.status, 'cancelled');
    assert.deepEqual(slow.attempts.map((a) => a.status), ['cancelled']);
    assert.equal(taskOf(s.cancelled, 'after').status, 'cancelled');
  }

  function checkResumed(s: CancelStory): void {
    assertExit(s.resume, 0);
    lineIndex(s.resume, /^→ a \(skipped — already succeeded\)$/);
    lineIndex(s.resume, new RegExp(`^✓ slow ${DURATION} \\(attempt 2\\)$`));
    assert.deepEqual(counts(s.dir, ['a', 'slow', 'after']), { a: 1, slow: 1, after: 1 });
    assert.equal(s.resumed.status, 'success');
  }

  // SPEC §2 names two reasons for a cancelled task, upstream-failed and user;
  // after a user's cancel no dependency failed, so (as in GitHub Actions,
  // where a cancelled workflow's waiting jobs show "cancelled") the waiting
  // dependents should be cancelled by the user, not "dependency failed".
  function checkDependentsCancelledByUser(s: CancelStory): void {
    assert.doesNotMatch(s.driver.stdout, /dependency failed/, `no dependency failed: the user cancelled\n${describeCall(s.driver)}`);
    const after = taskOf(s.cancelled, 'after');
    if (after.reason !== undefined) assert.equal(after.reason, 'user', `"after" was cancelled by the user: ${JSON.stringify(after)}`);
  }

  describe('Ctrl-C (SIGINT) to cairn run', function () {
    const scenario = scenarios.add(() =>
      cancelStory('sigint', (_dir, cli) => {
        const sentAt = Date.now();
        cli.kill('SIGINT');
        return Promise.resolve(sentAt);
      }),
    );
    let s: CancelStory;

    before(async function () {
      s = await scenario();
    });

    it('exits 130 at once and its last line says how to continue', function () {
      assertExit(s.driver, 130);
      // Under the 5 s a task gets between SIGTERM and SIGKILL: the task was told to stop, not killed late.
      assert.ok(s.took < 5000, `exit took ${s.took} ms after SIGINT`);
      assert.match(lastLine(s.driver), /cancelled/, describeCall(s.driver));
      assert.ok(lastLine(s.driver).endsWith(`cairn resume ${s.cancelled.id}`), `the last line tells how to continue\n${describeCall(s.driver)}`);
    });

    it('leaves the run cancelled and no task process behind', function () {
      checkCancelled(s);
    });

    it('cairn resume completes it without redoing what had succeeded', function () {
      checkResumed(s);
    });

    it('the dependents are cancelled by the user, not "dependency failed" (SPEC §2 reasons)', function () {
      checkDependentsCancelledByUser(s);
    });
  });

  describe('cairn cancel <id> from a second process', function () {
    let listed: unknown;
    let cancel: CliResult | undefined;
    const scenario = scenarios.add(() =>
      cancelStory('cancel', async (dir) => {
        const runs = await runCli(['runs', '--json'], { cwd: dir });
        listed = parseJsonOut(runs);
        const rows = Array.isArray(listed) ? listed : [];
        const id = isRecord(rows[0]) && typeof rows[0].id === 'string' ? rows[0].id : 'last';
        const sentAt = Date.now();
        cancel = await runCli(['cancel', id.slice(0, 10)], { cwd: dir });
        return sentAt;
      }),
    );
    let s: CancelStory;

    before(async function () {
      s = await scenario();
    });

    it('runs lists the driven run as running', function () {
      assert.ok(Array.isArray(listed) && isRecord(listed[0]), JSON.stringify(listed));
      assert.equal(listed[0].status, 'running');
    });

    it('cancel exits 0 and the driver stops at once', function () {
      assert.ok(cancel);
      assertExit(cancel, 0);
      // SPEC §5: 1 when the run ended cancelled; 130 is tolerated as the CLI forwards a SIGINT.
      assert.ok(s.driver.code === 1 || s.driver.code === 130, `the driver should exit 1 (cancelled) or 130\n${describeCall(s.driver)}`);
      // Loose: this includes starting a second CLI on a loaded machine; the task itself would sleep 30 s.
      assert.ok(s.took < 10_000, `the driver took ${s.took} ms to stop`);
    });

    it('leaves the run cancelled and no task process behind', function () {
      checkCancelled(s);
    });

    it('cairn resume completes it without redoing what had succeeded', function () {
      checkResumed(s);
    });

    it('the dependents are cancelled by the user, not "dependency failed" (SPEC §2 reasons)', function () {
      checkDependentsCancelledByUser(s);
    });
  });
});
