// Process-level tests of what the CLI refuses and how it survives a damaged
// or unwritable store (SPEC sections 3.1, 3.3, 3.4 and 5): each refusal is
// one clear sentence on stderr with the documented exit code (2 usage or
// refused, 3 store), and nothing recorded is lost or rewritten. Each
// describe's CLI calls happen in a scenario; its `it`s check what it recorded.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assertBuilt,
  assertExit,
  assertPlainError,
  assertSameTree,
  checkRunDoc,
  countLines,
  describeCall,
  linesOf,
  NOBODY,
  onlyRunId,
  parseJsonOut,
  readTree,
  runCli,
  Scenarios,
  showJson,
  startCli,
  taskOf,
  TempDirs,
  writeFile,
  type CliResult,
} from './cli-harness';

const temps = new TempDirs();
const scenarios = new Scenarios();

/** a succeeds; b fails until the file `fixed` exists; c follows b. */
const FAILS_UNTIL_FIXED = `[tasks.a]
run = "echo x >> a.count"

[tasks.b]
deps = ["a"]
run = "echo x >> b.count; test -e fixed"

[tasks.c]
deps = ["b"]
run = "echo x >> c.count"
`;

/** A folder with a workflow and a run of it that failed at b. */
async function failedRun(name: string): Promise<{ dir: string; runId: string; store: string; run: CliResult }> {
  const dir = temps.make(name);
  writeFile(dir, 'w.cairn.toml', FAILS_UNTIL_FIXED);
  const run = await runCli(['run', 'w.cairn.toml'], { cwd: dir });
  const store = path.join(dir, '.cairn');
  return { dir, runId: onlyRunId(store), store, run };
}

/** How often a, b and c ran. */
function counts(dir: string): number[] {
  return ['a', 'b', 'c'].map((t) => countLines(path.join(dir, `${t}.count`)));
}

/** The runs in a store (none when it does not exist). */
function runsIn(store: string): string[] {
  const runs = path.join(store, 'runs');
  return fs.existsSync(runs) ? fs.readdirSync(runs) : [];
}

describe('cairn refusals and store faults (CLI process)', function () {
  this.timeout(60_000);

  before(function () {
    assertBuilt();
    scenarios.startAll();
  });

  after(async function () {
    await scenarios.settle();
    temps.cleanup();
  });

  describe('resume of a succeeded run', function () {
    const scenario = scenarios.add(async () => {
      const dir = temps.make('resume-ok');
      writeFile(dir, 'ok.cairn.toml', '[tasks.a]\nrun = "echo x >> a.count"\n');
      const run = await runCli(['run', 'ok.cairn.toml'], { cwd: dir });
      const before = readTree(path.join(dir, '.cairn'));
      const resume = await runCli(['resume', '--last'], { cwd: dir });
      return { dir, run, before, after: readTree(path.join(dir, '.cairn')), resume };
    });

    it('exit 2, says why and suggests rerun, writes nothing', async function () {
      const s = await scenario();
      assertExit(s.run, 0);
      assertExit(s.resume, 2);
      assert.match(s.resume.stderr, /succeeded/, describeCall(s.resume));
      assert.match(s.resume.stderr, /cairn rerun/, `the refusal should point to rerun\n${describeCall(s.resume)}`);
      assertPlainError(s.resume);
      assertSameTree(s.before, s.after, 'a refused resume');
      assert.equal(countLines(path.join(s.dir, 'a.count')), 1);
    });
  });

  describe('a run that another process drives', function () {
    // `hold` waits for the file `release`: the test decides when the driver may finish.
    const WF = `[tasks.a]
run = "echo x >> a.count; exit 1"

[tasks.hold]
run = "touch hold.started; while [ ! -e release ]; do sleep 0.05; done"
`;
    const scenario = scenarios.add(async () => {
      const dir = temps.make('driven');
      writeFile(dir, 'h.cairn.toml', WF);
      const cli = startCli(['run', 'h.cairn.toml'], { cwd: dir });
      const driverPid = cli.pid;
      const refusals = async (): Promise<{ resume: CliResult; rerun: CliResult; show: CliResult; unchanged: boolean }> => {
        // a has failed (its line is printed) and hold runs: the run is resumable in all but its driver.
        await cli.waitForLine(/^✗ a /);
        await cli.waitForFile(path.join(dir, 'hold.started'));
        const runId = onlyRunId(path.join(dir, '.cairn'));
        const journal = path.join(dir, '.cairn/runs', runId, 'events.ndjson');
        const before = fs.readFileSync(journal);
        const [resume, rerun, show] = await Promise.all([
          runCli(['resume', runId], { cwd: dir }),
          runCli(['rerun', runId, '--task', 'a'], { cwd: dir }),
          runCli(['show', runId, '--json'], { cwd: dir }),
        ]);
        return { resume, rerun, show, unchanged: before.equals(fs.readFileSync(journal)) };
      };
      // Whatever happened, let the driver finish so nothing outlives the suite.
      const refused = await refusals().finally(() => writeFile(dir, 'release', ''));
      return { dir, driverPid, ...refused, driver: await cli.result };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('resume is refused with exit 3, naming the pid that holds the run', function () {
      assertExit(s.resume, 3);
      assert.match(s.resume.stderr, new RegExp(`\\bpid ${s.driverPid}\\b`), describeCall(s.resume));
      assertPlainError(s.resume);
    });

    it('rerun is refused the same way', function () {
      assertExit(s.rerun, 3);
      assert.match(s.rerun.stderr, new RegExp(`\\bpid ${s.driverPid}\\b`), describeCall(s.rerun));
      assertPlainError(s.rerun);
    });

    it('the refused drivers wrote nothing, and readers were not blocked', function () {
      assert.ok(s.unchanged, 'the journal changed while the refused commands ran');
      assertExit(s.show, 0);
      assert.equal(checkRunDoc(parseJsonOut(s.show)).status, 'running', describeCall(s.show));
    });

    it('the first driver finishes undisturbed', function () {
      assertExit(s.driver, 1, 'a failed, so the run ends failed');
      assert.equal(countLines(path.join(s.dir, 'a.count')), 1, 'a ran once: the refused rerun did not run it');
    });
  });

  describe('structure changes', function () {
    // c removed, d added, b no longer depends on a.
    const CHANGED = `[tasks.a]
run = "echo x >> a.count"

[tasks.b]
run = "echo x >> b.count; test -e fixed"

[tasks.d]
deps = ["b"]
run = "echo x >> d.count"
`;
    const scenario = scenarios.add(async () => {
      const { dir, runId, store, run } = await failedRun('structure');
      writeFile(dir, 'w.cairn.toml', CHANGED);
      writeFile(dir, 'fixed', '');
      const before = readTree(store);
      const refused = await runCli(['resume', runId], { cwd: dir });
      const dry = await runCli(['resume', runId, '--dry-run', '--allow-structure-change'], { cwd: dir });
      const after = readTree(store);
      const countsBefore = counts(dir);
      const allowed = await runCli(['resume', runId, '--allow-structure-change'], { cwd: dir });
      const doc = await showJson(runId, { cwd: dir });
      return { dir, run, before, refused, dry, after, countsBefore, allowed, doc };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('resume is refused with exit 2, listing added, removed and changed tasks', function () {
      assertExit(s.run, 1);
      const r = s.refused;
      assertExit(r, 2);
      assert.match(r.stderr, /--allow-structure-change/, describeCall(r));
      assert.match(r.stderr, /added.*\bd\b/, `names the added task\n${describeCall(r)}`);
      assert.match(r.stderr, /removed.*\bc\b/, `names the removed task\n${describeCall(r)}`);
      assert.match(r.stderr, /\bb\b.*deps/, `names the task whose deps changed\n${describeCall(r)}`);
      assertPlainError(r);
    });

    it('--dry-run --allow-structure-change prints the changes; neither it nor the refusal writes anything', function () {
      assertExit(s.dry, 0);
      assert.match(s.dry.stdout, /added.*\bd\b/, describeCall(s.dry));
      assert.match(s.dry.stdout, /removed.*\bc\b/, describeCall(s.dry));
      assertSameTree(s.before, s.after, 'a refused resume and a dry run');
      assert.deepEqual(s.countsBefore, [1, 1, 0]);
    });

    it('--allow-structure-change: removed tasks are dropped, new ones run', function () {
      assertExit(s.allowed, 0);
      assert.deepEqual(counts(s.dir), [1, 2, 0], 'a kept, b re-run, c (removed) not run');
      assert.equal(countLines(path.join(s.dir, 'd.count')), 1, 'the new task d ran');
      assert.equal(s.doc.status, 'success');
      assert.equal(taskOf(s.doc, 'd').status, 'success');
    });
  });

  describe('run ids', function () {
    const unknown = '7ZZZZZZZZZ';
    const scenario = scenarios.add(async () => {
      const dir = temps.make('ids');
      writeFile(dir, 'ok.cairn.toml', '[tasks.a]\nrun = "true"\n');
      // Two runs made one after the other share their leading (time) characters.
      const runs = [await runCli(['run', 'ok.cairn.toml'], { cwd: dir }), await runCli(['run', 'ok.cairn.toml'], { cwd: dir })];
      const ids = runsIn(path.join(dir, '.cairn')).sort();
      let common = 0;
      while (ids.length === 2 && common < ids[0]!.length && ids[0]![common] === ids[1]![common]) common++;
      const unknowns = await Promise.all([
        runCli(['show', unknown], { cwd: dir }),
        runCli(['resume', unknown], { cwd: dir }),
        runCli(['rerun', unknown, '--task', 'a'], { cwd: dir }),
        runCli(['logs', unknown, 'a'], { cwd: dir }),
      ]);
      const ambiguous = await runCli(['show', (ids[0] ?? '').slice(0, common).toLowerCase()], { cwd: dir });
      return { runs, ids, common, unknowns, ambiguous };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
      for (const r of s.runs) assertExit(r, 0);
    });

    it('an unknown run id: exit 3 with a message naming it, for show, resume, rerun and logs', function () {
      for (const r of s.unknowns) {
        assertExit(r, 3);
        assert.match(r.stderr, new RegExp(unknown), describeCall(r));
        assertPlainError(r);
      }
    });

    it('an ambiguous prefix: exit 3, listing the candidates', function () {
      assert.equal(s.ids.length, 2);
      assert.ok(s.common >= 1, `ids ${s.ids.join(' and ')} share no prefix`);
      const r = s.ambiguous;
      assertExit(r, 3);
      assert.match(r.stderr, /ambiguous/i, describeCall(r));
      assert.ok(s.ids.every((id) => r.stderr.includes(id)), `both candidates are listed\n${describeCall(r)}`);
      assertPlainError(r);
    });
  });

  describe('invalid input', function () {
    const scenario = scenarios.add(async () => {
      const dir = temps.make('usage');
      writeFile(dir, 'ok.cairn.toml', '[vars]\nwho = "x"\n\n[tasks.a]\nrun = "echo {{ .who }}"\n');
      writeFile(dir, 'bad.cairn.toml', '[tasks.lint]\nrun = "true"\n\n[tasks.test]\ndeps = ["lnit"]\nrun = "true"\n');
      const call = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir });
      const [invalid, missing, noValue, noName, resumeNoValue, parallel0, parallelAbc, mode, bareResume] = await Promise.all([
        call(['run', 'bad.cairn.toml']),
        call(['run', 'nope.cairn.toml']),
        call(['run', 'ok.cairn.toml', '--var', 'novalue']),
        call(['run', 'ok.cairn.toml', '--var', '=x']),
        call(['resume', '--last', '--var', 'novalue']),
        call(['run', 'ok.cairn.toml', '--parallel', '0']),
        call(['run', 'ok.cairn.toml', '--parallel', 'abc']),
        call(['run', 'ok.cairn.toml', '--mode', 'sideways']),
        call(['resume']),
      ]);
      return { runs: runsIn(path.join(dir, '.cairn')), invalid, missing, vars: [noValue, noName, resumeNoValue], options: [parallel0, parallelAbc, mode], bareResume };
    });
    let s: Awaited<ReturnType<typeof scenario>>;

    before(async function () {
      s = await scenario();
    });

    it('an invalid workflow on run: exit 2, diagnostics as file:line:col', function () {
      assertExit(s.invalid, 2);
      assert.match(s.invalid.stderr, /bad\.cairn\.toml:5:9: error: .*lnit/, describeCall(s.invalid));
      assertPlainError(s.invalid);
    });

    it('a missing workflow file: exit 2, naming it', function () {
      assertExit(s.missing, 2);
      assert.match(s.missing.stderr, /nope\.cairn\.toml/, describeCall(s.missing));
      assertPlainError(s.missing);
    });

    it('a malformed --var: exit 2 on run and on resume', function () {
      for (const r of s.vars) {
        assertExit(r, 2);
        assert.match(r.stderr, /--var|name=value/, describeCall(r));
        assertPlainError(r);
      }
    });

    it('--parallel 0, --parallel abc and --mode sideways: exit 2, naming the option', function () {
      for (const r of s.options) {
        assertExit(r, 2);
        assert.match(r.stderr, /--parallel|--mode/, describeCall(r));
        assertPlainError(r);
      }
    });

    it('resume with neither a run, --last nor --auto: exit 2', function () {
      assertExit(s.bareResume, 2);
      assertPlainError(s.bareResume);
    });

    it('no refused command created a run', function () {
      assert.deepEqual(s.runs, []);
    });
  });

  describe('secrets on resume', function () {
    const WF = `[vars]
token = { env = "CAIRN_TEST_DEPLOY_TOKEN", secret = true }

[tasks.a]
run = "echo x >> a.count"

[tasks.b]
deps = ["a"]
run = "test \\"$CAIRN_VAR_token\\" = \\"$EXPECTED\\" && echo x >> b.count && test -e fixed"
`;
    const withSecret = { CAIRN_TEST_DEPLOY_TOKEN: 'tok-one', EXPECTED: 'tok-one' };
    const withoutSecret = { CAIRN_TEST_DEPLOY_TOKEN: undefined, EXPECTED: 'tok-one' };

    /** A run that failed at b, having been given the secret through its env variable. */
    async function failedWithSecret(name: string): Promise<{ dir: string; run: CliResult }> {
      const dir = temps.make(name);
      writeFile(dir, 's.cairn.toml', WF);
      const run = await runCli(['run', 's.cairn.toml'], { cwd: dir, env: withSecret });
      writeFile(dir, 'fixed', '');
      return { dir, run };
    }

    const noSecretRun = scenarios.add(async () => {
      const dir = temps.make('secret-run');
      writeFile(dir, 's.cairn.toml', WF);
      return runCli(['run', 's.cairn.toml'], { cwd: dir, env: withoutSecret });
    });
    const viaEnv = scenarios.add(async () => {
      const { dir, run } = await failedWithSecret('secret-env');
      const store = path.join(dir, '.cairn');
      const before = readTree(store);
      const refused = await runCli(['resume', '--last'], { cwd: dir, env: withoutSecret });
      const after = readTree(store);
      const resume = await runCli(['resume', '--last'], { cwd: dir, env: withSecret });
      return { dir, run, before, refused, after, resume };
    });
    const viaVar = scenarios.add(async () => {
      const { dir, run } = await failedWithSecret('secret-var');
      const resume = await runCli(['resume', '--last', '--var', 'token=tok-one'], { cwd: dir, env: withoutSecret });
      return { dir, run, resume };
    });

    it('run without the secret: exit 2 naming the env var', async function () {
      const r = await noSecretRun();
      assertExit(r, 2);
      assert.match(r.stderr, /CAIRN_TEST_DEPLOY_TOKEN/, describeCall(r));
      assertPlainError(r);
    });

    it('resume without the secret: exit 2 naming the env var, nothing written', async function () {
      const s = await viaEnv();
      assertExit(s.run, 1);
      assertExit(s.refused, 2);
      assert.match(s.refused.stderr, /CAIRN_TEST_DEPLOY_TOKEN/, `the message names the env var to set\n${describeCall(s.refused)}`);
      assert.match(s.refused.stderr, /token/, describeCall(s.refused));
      assertPlainError(s.refused);
      assertSameTree(s.before, s.after, 'a refused resume');
    });

    it('resume with the secret in its env variable again works', async function () {
      const s = await viaEnv();
      assertExit(s.resume, 0);
      assert.deepEqual(counts(s.dir).slice(0, 2), [1, 2], 'a kept; b saw the secret both times');
    });

    it('resume with the secret given as --var works (SPEC §1: "from the same env source or --var")', async function () {
      const s = await viaVar();
      assertExit(s.run, 1);
      assertExit(s.resume, 0);
      assert.deepEqual(counts(s.dir).slice(0, 2), [1, 2], 'a kept; b saw the secret both times');
    });
  });

  describe('a damaged store', function () {
    /** Fails a run, damages it with `damage`, then reads and resumes it. */
    async function damaged(name: string, damage: (runDir: string) => void) {
      const { dir, runId, store, run } = await failedRun(name);
      const runDir = path.join(store, 'runs', runId);
      const intact = await showJson(runId, { cwd: dir });
      damage(runDir);
      const shown = await showJson(runId, { cwd: dir });
      writeFile(dir, 'fixed', '');
      const resume = await runCli(['resume', runId], { cwd: dir });
      const doc = await showJson(runId, { cwd: dir });
      return { dir, runDir, run, intact, shown, resume, doc };
    }

    const torn = '{"seq":9999,"type":"run-status","status":"succ';
    const corruptDb = scenarios.add(() =>
      damaged('corrupt-db', (runDir) => {
        const db = path.join(runDir, 'run.db');
        assert.ok(fs.existsSync(db), 'a run has a run.db');
        fs.writeFileSync(db, Buffer.from('this is not a sqlite database\n'.repeat(200)));
      }),
    );
    const tornTail = scenarios.add(() => damaged('torn', (runDir) => fs.appendFileSync(path.join(runDir, 'events.ndjson'), torn)));

    it('a corrupt run.db: show still works (rebuilt from the journal), resume works, nothing is lost', async function () {
      const s = await corruptDb();
      assertExit(s.run, 1);
      assert.deepEqual(s.shown, s.intact, 'the run rebuilt from the journal reads the same');
      assertExit(s.resume, 0);
      assert.match(s.resume.stdout, /^→ a \(skipped — already succeeded\)$/m, describeCall(s.resume));
      assert.deepEqual(counts(s.dir), [1, 2, 1]);
      assert.equal(s.doc.status, 'success');
      assert.deepEqual(taskOf(s.doc, 'b').attempts[0], taskOf(s.intact, 'b').attempts[0], 'the first attempt is kept as it was');
    });

    it('a torn journal tail: show works, resume works, and the torn bytes are gone afterwards', async function () {
      const s = await tornTail();
      assertExit(s.run, 1);
      assert.deepEqual(s.shown, s.intact, 'a torn last line is ignored');
      assertExit(s.resume, 0);
      assert.deepEqual(counts(s.dir), [1, 2, 1]);
      const text = fs.readFileSync(path.join(s.runDir, 'events.ndjson'), 'utf8');
      assert.ok(!text.includes(torn), 'the torn bytes are gone from the journal');
      assert.ok(text.endsWith('\n'), 'the journal ends with a whole line');
      for (const line of linesOf(text)) assert.doesNotThrow(() => JSON.parse(line), `every journal line is JSON: ${line}`);
      assert.equal(s.doc.status, 'success');
    });
  });

  describe('an unwritable store (as root the CLI runs as nobody: root is never denied a write)', function () {
    const asRoot = process.getuid?.() === 0;
    const who = asRoot ? { asUid: NOBODY } : {};
    const WF = '[tasks.a]\nrun = "echo x >> a.count"\n\n[tasks.b]\ndeps = ["a"]\nrun = "echo x >> b.count"\n';
    // Task a (run by nobody, like the CLI) takes write permission away from its own run folder.
    const MID = `[tasks.a]
run = "chmod 0555 \\"$RUN_STORE/runs/$CAIRN_RUN_ID/logs\\" \\"$RUN_STORE/runs/$CAIRN_RUN_ID\\"; echo x >> a.count"

[tasks.b]
deps = ["a"]
run = "echo x >> b.count"
`;

    /** A folder nobody can enter and write its counters in, with a workflow in it. */
    function workspace(name: string, file: string, text: string): string {
      const dir = temps.make(name);
      fs.chmodSync(dir, 0o777);
      writeFile(dir, file, text);
      return dir;
    }

    const rootStore = scenarios.add(async () => {
      const dir = workspace('ro-root', 'w.cairn.toml', WF);
      const store = path.join(dir, 'root-store');
      // Owned by root and 0755 for nobody; for a plain user, their own folder without write permission.
      fs.mkdirSync(store, { mode: asRoot ? 0o755 : 0o555 });
      return { store, r: await runCli(['run', 'w.cairn.toml', '--store', store], { cwd: dir, ...who }) };
    });
    const midRun = scenarios.add(async () => {
      const dir = workspace('ro-mid', 'mid.cairn.toml', MID);
      const store = path.join(dir, 'mid-store');
      fs.mkdirSync(store, { mode: 0o755 });
      if (asRoot) fs.chownSync(store, NOBODY, NOBODY);
      return { store, r: await runCli(['run', 'mid.cairn.toml', '--store', store], { cwd: dir, ...who, env: { RUN_STORE: store } }) };
    });

    function assertNothingReported(r: CliResult): void {
      assert.doesNotMatch(r.stdout, /^✓/m, `no task may be reported as succeeded\n${describeCall(r)}`);
      assert.doesNotMatch(r.stdout + r.stderr, /succeeded/, describeCall(r));
    }

    it('a store folder owned by root (mode 0755): exit 3 with a clear message, nothing reported as success', async function () {
      const { store, r } = await rootStore();
      assertExit(r, 3);
      assert.match(r.stderr, /permission denied/i, describeCall(r));
      assert.ok(r.stderr.includes(store), `the message names the store\n${describeCall(r)}`);
      assertPlainError(r);
      assertNothingReported(r);
    });

    it('a store that becomes unwritable mid-run: exit 3 with a clear message, and only what is durable is reported', async function () {
      const { store, r } = await midRun();
      assertExit(r, 3);
      assertPlainError(r);
      assert.match(r.stderr, /permission denied/i, describeCall(r));
      // The journal stays writable through its open descriptor, so b may well finish and be recorded (its log
      // may have been created before the folders were locked): whatever is printed as succeeded must be in it.
      const id = /run (\w{16})/.exec(r.stdout)?.[1];
      assert.ok(id, `the run is named\n${describeCall(r)}`);
      const events = fs
        .readFileSync(path.join(store, 'runs', id, 'events.ndjson'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; task?: string; outcome?: { status: string } });
      for (const task of ['a', 'b']) {
        if (!new RegExp(`^✓ ${task} `, 'm').test(r.stdout)) continue;
        assert.ok(
          events.some((e) => e.type === 'attempt-ended' && e.task === task && e.outcome?.status === 'success'),
          `✓ ${task} was printed, so its success must be in the journal\n${describeCall(r)}`,
        );
      }
      if (/succeeded/.test(r.stdout)) assert.ok(events.some((e) => e.type === 'run-status' && (e as { status?: string }).status === 'success'), 'a printed success is durable');
    });
  });
});
