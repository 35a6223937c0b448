// Process-level tests of the read-only commands `cairn runs / show / vars /
// logs` (SPEC sections 4 and 5): where the store is, how runs are named
// (unique prefixes in any case, `last`), the shapes of their JSON, and that a
// secret is `***` everywhere and never written to the store.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assertBuilt,
  assertExit,
  assertPlainError,
  describeCall,
  isRecord,
  linesOf,
  parseJsonOut,
  readTree,
  runCli,
  Scenarios,
  checkRunDoc,
  taskOf,
  TempDirs,
  writeFile,
  type CliResult,
} from './cli-harness';

const temps = new TempDirs();
const scenarios = new Scenarios();

// Distinctive, so that finding it anywhere is never a coincidence.
const SECRET = `hush-${randomBytes(12).toString('hex')}`;
const ENV = { CAIRN_TEST_TOKEN: SECRET };

const OK = `name = "inspect-ok"

[tasks.hello]
run = "echo hello from ok"
`;

const FAILING = `name = "inspect-fail"

[vars]
token = { env = "CAIRN_TEST_TOKEN", secret = true }
region = "eu"

[tasks.setup]
run = "echo 3.1.4"
register = "version"

[tasks.flaky]
deps = ["setup"]
# The secret reaches the rendered command, the log, and another variable's value.
run = """
echo '{{ .token }}' > /dev/null
echo "attempt $CAIRN_ATTEMPT of flaky in {{ .region }}, token=$CAIRN_VAR_token"
echo "url=https://deploy.example.test/?key=$CAIRN_VAR_token" >> "$CAIRN_OUTPUT"
echo "progress=$CAIRN_ATTEMPT" >> "$CAIRN_OUTPUT"
exit 1
"""

[tasks.diag]
type = "forensic"
target = "flaky"
run = '''echo "diag of: $(tail -n 1 "$CAIRN_TARGET_LOG")"'''
`;

interface Snapshot {
  readonly seq: number;
  readonly name: string;
  readonly value: string;
  readonly task: string | null;
  readonly attempt: number | null;
  readonly at: string;
}

/** `vars --history --json`: `[{ seq, name, value, task, attempt, at }]` (SPEC §5). */
function parseHistory(r: CliResult): Snapshot[] {
  assertExit(r, 0);
  const rows = parseJsonOut(r);
  assert.ok(Array.isArray(rows), `a JSON array\n${describeCall(r)}`);
  return rows.map((row: unknown, i): Snapshot => {
    const where = `snapshot[${i}] ${JSON.stringify(row)}`;
    assert.ok(isRecord(row), where);
    const { seq, name, value, task, attempt, at } = row;
    assert.ok(typeof seq === 'number' && Number.isInteger(seq), `${where}: seq`);
    assert.ok(typeof name === 'string' && name !== '', `${where}: name`);
    assert.ok(typeof value === 'string', `${where}: value`);
    assert.ok(task === null || typeof task === 'string', `${where}: task`);
    assert.ok(attempt === null || (typeof attempt === 'number' && Number.isInteger(attempt)), `${where}: attempt`);
    assert.ok(typeof at === 'string' && !Number.isNaN(Date.parse(at)), `${where}: at`);
    return { seq, name, value, task, attempt, at };
  });
}

function assertNoSecret(r: CliResult): void {
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), `the secret's value is printed\n${describeCall(r)}`);
}

/** The two runs' ids: the older succeeded, the newer failed twice (run, then resume). */
interface Ids {
  readonly okId: string;
  readonly failId: string;
  /** The shortest prefix of okId that failId does not share, in lower case. */
  readonly okPrefix: string;
}

// Every read this suite checks, run all at once once the runs exist: readers
// never block each other, and one parallel batch keeps the suite fast.
const READS = {
  runsText: () => ['runs'],
  runsJson: () => ['runs', '--json'],
  runsFailed: () => ['runs', '--status', 'failed', '--json'],
  runsSuccess: () => ['runs', '--status', 'success'],
  runsRunning: () => ['runs', '--status', 'running', '--json'],
  showText: (i: Ids) => ['show', i.failId],
  showJson: (i: Ids) => ['show', i.failId, '--json'],
  showPrefix: (i: Ids) => ['show', i.okPrefix, '--json'],
  showExact: (i: Ids) => ['show', i.okId, '--json'],
  showLast: () => ['show', 'last', '--json'],
  varsText: (i: Ids) => ['vars', i.failId],
  varsTaskText: () => ['vars', 'last', '--task', 'flaky'],
  varsTaskJson: () => ['vars', 'last', '--task', 'flaky', '--json'],
  history: (i: Ids) => ['vars', i.failId, '--history', '--json'],
  historyTask: (i: Ids) => ['vars', i.failId, '--history', '--json', '--task', 'flaky'],
  logsLatest: (i: Ids) => ['logs', i.failId.toLowerCase(), 'flaky'],
  logsFirst: () => ['logs', 'last', 'flaky', '--attempt', '1'],
  logsDiag: (i: Ids) => ['logs', i.failId, 'diag'],
  logsNoTask: (i: Ids) => ['logs', i.failId, 'nope'],
  logsNoAttempt: (i: Ids) => ['logs', i.failId, 'flaky', '--attempt', '9'],
} satisfies Record<string, (ids: Ids) => string[]>;

describe('cairn runs / show / vars / logs (CLI process)', function () {
  this.timeout(60_000);

  const main = scenarios.add(async () => {
    const dir = temps.make('inspect');
    const opts = { cwd: dir, env: ENV };
    writeFile(dir, 'ok.cairn.toml', OK);
    writeFile(dir, 'fail.cairn.toml', FAILING);
    const setup = [await runCli(['run', 'ok.cairn.toml'], opts), await runCli(['run', 'fail.cairn.toml'], opts)];
    // A second attempt of flaky, for logs --attempt and the variable history.
    setup.push(await runCli(['resume', '--last'], opts));
    const ids = fs.readdirSync(path.join(dir, '.cairn/runs')).sort();
    assert.equal(ids.length, 2);
    const [okId, failId] = [ids[0]!, ids[1]!];
    let p = 0;
    while (okId[p] === failId[p]) p++;
    const i: Ids = { okId, failId, okPrefix: okId.slice(0, p + 1).toLowerCase() };
    const names = Object.keys(READS) as (keyof typeof READS)[];
    const results = await Promise.all(names.map((n) => runCli(READS[n](i), opts)));
    const r = Object.fromEntries(names.map((n, k) => [n, results[k]!])) as Record<keyof typeof READS, CliResult>;
    return { dir, setup, ...i, r };
  });

  const storeOption = scenarios.add(async () => {
    const ws = temps.make('store-opt');
    writeFile(ws, 'ok.cairn.toml', OK);
    const run = await runCli(['run', 'ok.cairn.toml', '--store', 'elsewhere/st'], { cwd: ws });
    const [viaFlag, viaEnv, plain] = await Promise.all([
      runCli(['runs', '--json', '--store', 'elsewhere/st'], { cwd: ws }),
      runCli(['show', 'last', '--json'], { cwd: ws, env: { CAIRN_STORE: path.join(ws, 'elsewhere/st') } }),
      runCli(['runs', '--json'], { cwd: ws }),
    ]);
    return { ws, run, viaFlag, viaEnv, plain };
  });

  let s: Awaited<ReturnType<typeof main>>;

  before(async function () {
    assertBuilt();
    scenarios.startAll();
    s = await main();
    assertExit(s.setup[0]!, 0);
    assertExit(s.setup[1]!, 1);
    assertExit(s.setup[2]!, 1);
  });

  after(async function () {
    await scenarios.settle();
    temps.cleanup();
  });

  describe('runs', function () {
    it('lists runs newest first, as text and as --json', function () {
      const { runsText: text, runsJson: json } = s.r;
      assertExit(text, 0);
      const lines = linesOf(text.stdout);
      assert.equal(lines.length, 2, describeCall(text));
      assert.ok(lines[0]!.includes(s.failId) && /failed/.test(lines[0]!), `newest first\n${describeCall(text)}`);
      assert.ok(lines[1]!.includes(s.okId) && /success/.test(lines[1]!), describeCall(text));

      assertExit(json, 0);
      const rows = parseJsonOut(json);
      assert.ok(Array.isArray(rows) && rows.every(isRecord), describeCall(json));
      assert.deepEqual(
        rows.map((r) => [r.id, r.status, r.workflow]),
        [
          [s.failId, 'failed', 'inspect-fail'],
          [s.okId, 'success', 'inspect-ok'],
        ],
      );
    });

    it('--status filters', function () {
      const { runsFailed: failed, runsSuccess: success, runsRunning: running } = s.r;
      const f = parseJsonOut(failed);
      assert.ok(Array.isArray(f) && f.every(isRecord), describeCall(failed));
      assert.deepEqual(f.map((r) => r.id), [s.failId]);
      assertExit(success, 0);
      assert.equal(linesOf(success.stdout).length, 1, describeCall(success));
      assert.ok(success.stdout.includes(s.okId), describeCall(success));
      assert.deepEqual(parseJsonOut(running), []);
    });
  });

  describe('show', function () {
    it('text: the run, each task with its status, and the variables with secrets as ***', function () {
      const r = s.r.showText;
      assertExit(r, 0);
      assert.ok(r.stdout.includes(s.failId), describeCall(r));
      assert.match(r.stdout, /failed/, describeCall(r));
      assert.match(r.stdout, /success\s+setup\b|setup\b.*success/, describeCall(r));
      assert.match(r.stdout, /failed\s+flaky\b|flaky\b.*failed/, describeCall(r));
      assert.match(r.stdout, /token=\*\*\*/, describeCall(r));
      assert.match(r.stdout, /version=3\.1\.4/, describeCall(r));
      assertNoSecret(r);
    });

    it('--json: the secret is ***, also inside a value a task set from it', function () {
      assertExit(s.r.showJson, 0);
      const doc = checkRunDoc(parseJsonOut(s.r.showJson));
      assert.equal(doc.workflow, 'inspect-fail');
      assert.equal(doc.status, 'failed');
      assert.equal(doc.resumes, 1);
      assert.equal(doc.vars.token, '***');
      assert.equal(doc.vars.region, 'eu');
      assert.equal(doc.vars.version, '3.1.4');
      assert.equal(doc.vars.progress, '2');
      assert.equal(doc.vars.url, 'https://deploy.example.test/?key=***');
      assert.deepEqual(
        taskOf(doc, 'flaky').attempts.map((a) => [a.attempt, a.resume, a.status, a.exitCode]),
        [
          [1, 0, 'failed', 1],
          [2, 1, 'failed', 1],
        ],
      );
      assertNoSecret(s.r.showJson);
    });

    it('any unique prefix, in any case, and "last" name a run', function () {
      const id = (r: CliResult): string => {
        assertExit(r, 0);
        return checkRunDoc(parseJsonOut(r)).id;
      };
      assert.equal(id(s.r.showPrefix), s.okId, `prefix ${s.okPrefix}`);
      assert.equal(id(s.r.showExact), s.okId);
      assert.equal(id(s.r.showLast), s.failId, '"last" is the newest run');
    });
  });

  describe('vars', function () {
    it('latest values as text, secrets as ***', function () {
      const r = s.r.varsText;
      assertExit(r, 0);
      const lines = linesOf(r.stdout);
      for (const want of [/^token=\*\*\*(\s|$)/, /^region=eu(\s|$)/, /^version=3\.1\.4(\s|$)/, /^progress=2(\s|$)/]) {
        assert.equal(lines.filter((l) => want.test(l)).length, 1, `one line matching ${String(want)}\n${describeCall(r)}`);
      }
      assert.equal(lines.filter((l) => l.startsWith('progress=')).length, 1, 'only the latest value of each variable');
      assertNoSecret(r);
    });

    it('--task X: only what X set', function () {
      const { varsTaskText: text, varsTaskJson: json } = s.r;
      assertExit(text, 0);
      assert.deepEqual(linesOf(text.stdout).map((l) => l.split('=')[0]).sort(), ['progress', 'url'], describeCall(text));
      const doc = parseJsonOut(json);
      assert.ok(isRecord(doc), describeCall(json));
      assert.deepEqual(Object.keys(doc).sort(), ['progress', 'url']);
      assert.equal(doc.progress, '2');
      assertNoSecret(text);
    });

    it('--history --json: every snapshot in order, shaped [{seq,name,value,task,attempt,at}], secrets as ***', function () {
      const rows = parseHistory(s.r.history);
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.seq > rows[i - 1]!.seq, 'ordered by seq');
      assert.deepEqual(rows.filter((v) => v.name === 'token').map((v) => [v.value, v.task, v.attempt]).slice(0, 1), [['***', null, null]]);
      assert.deepEqual(
        rows.filter((v) => v.name === 'progress').map((v) => [v.value, v.task, v.attempt]),
        [
          ['1', 'flaky', 1],
          ['2', 'flaky', 2],
        ],
      );
      assert.deepEqual(rows.filter((v) => v.name === 'version').map((v) => [v.value, v.task, v.attempt]), [['3.1.4', 'setup', 1]]);
      const flakyRows = parseHistory(s.r.historyTask);
      assert.ok(flakyRows.length === 4 && flakyRows.every((v) => v.task === 'flaky'), `only flaky's snapshots: ${JSON.stringify(flakyRows)}`);
      assertNoSecret(s.r.history);
    });
  });

  describe('logs', function () {
    it("prints the latest attempt's log, or --attempt N's, with the secret as ***", function () {
      const { logsLatest: latest, logsFirst: first } = s.r;
      assertExit(latest, 0);
      assert.match(latest.stdout, /attempt 2 of flaky in eu, token=\*\*\*/, describeCall(latest));
      assert.doesNotMatch(latest.stdout, /attempt 1 of/, describeCall(latest));
      assertExit(first, 0);
      assert.match(first.stdout, /attempt 1 of flaky in eu, token=\*\*\*/, describeCall(first));
      assertNoSecret(latest);
      assertNoSecret(first);
    });

    it("a forensic task runs again each time its target fails, reading the target's log", function () {
      const diag = s.r.logsDiag;
      assertExit(diag, 0);
      assert.match(diag.stdout, /^diag of: attempt 2 of flaky in eu, token=\*\*\*$/m, describeCall(diag));
      const doc = checkRunDoc(parseJsonOut(s.r.showJson));
      assert.deepEqual(
        taskOf(doc, 'diag').attempts.map((a) => [a.attempt, a.resume, a.status]),
        [
          [1, 0, 'success'],
          [2, 1, 'success'],
        ],
      );
    });

    it('an attempt that printed nothing has no log file and prints as empty (exit 0)', async function () {
      const dir = temps.make('silent');
      writeFile(dir, 'quiet.cairn.toml', 'name = "quiet"\n\n[tasks.quiet]\nrun = "true"\n');
      assertExit(await runCli(['run', 'quiet.cairn.toml'], { cwd: dir, env: ENV }), 0);
      const [id] = fs.readdirSync(path.join(dir, '.cairn/runs'));
      assert.deepEqual(fs.readdirSync(path.join(dir, '.cairn/runs', id!, 'logs')), [], 'created at the first byte');
      const logs = await runCli(['logs', 'last', 'quiet'], { cwd: dir, env: ENV });
      assertExit(logs, 0);
      assert.equal(logs.stdout, '', describeCall(logs));
    });

    it('an unknown task or attempt is refused with a message naming it', function () {
      for (const [r, name] of [
        [s.r.logsNoTask, 'nope'],
        [s.r.logsNoAttempt, '9'],
      ] as const) {
        assert.ok(r.code !== 0 && r.code !== null, describeCall(r));
        assert.ok(r.stderr.includes(name), describeCall(r));
        assertPlainError(r);
      }
    });
  });

  describe('the store', function () {
    it('.cairn/.gitignore holds * so runs are never committed', function () {
      const gitignore = path.join(s.dir, '.cairn/.gitignore');
      assert.ok(fs.existsSync(gitignore), '.cairn/.gitignore is written with the store');
      assert.ok(linesOf(fs.readFileSync(gitignore, 'utf8')).includes('*'), fs.readFileSync(gitignore, 'utf8'));
    });

    it('each run has its own folder laid out as SPEC §4 says', function () {
      const runDir = path.join(s.dir, '.cairn/runs', s.failId);
      for (const f of ['events.ndjson', 'run.db', 'revisions', 'logs/flaky.1.log', 'logs/flaky.2.log', 'logs/setup.1.log']) {
        assert.ok(fs.existsSync(path.join(runDir, f)), `${f} in ${runDir}`);
      }
      assert.ok(!fs.existsSync(path.join(runDir, 'lock')), 'no lock once nobody drives the run');
      assert.equal(fs.readdirSync(path.join(runDir, 'revisions')).filter((f) => f.endsWith('.cairn.toml')).length, 1);
    });

    it('the secret is in no byte under .cairn/', function () {
      const needle = Buffer.from(SECRET);
      const found = [...readTree(path.join(s.dir, '.cairn'))].filter(([, bytes]) => bytes.includes(needle)).map(([f]) => f);
      assert.deepEqual(found, [], 'files holding the secret');
    });

    it('--store DIR and CAIRN_STORE move the store', async function () {
      const { ws, run, viaFlag, viaEnv, plain } = await storeOption();
      assertExit(run, 0);
      assert.ok(!fs.existsSync(path.join(ws, '.cairn')), 'no .cairn in the cwd when --store is given');
      const runs = fs.readdirSync(path.join(ws, 'elsewhere/st/runs'));
      assert.equal(runs.length, 1);
      assert.ok(fs.existsSync(path.join(ws, 'elsewhere/st/.gitignore')), 'the moved store gets its .gitignore too');
      const listed = parseJsonOut(viaFlag);
      assert.ok(Array.isArray(listed) && isRecord(listed[0]), describeCall(viaFlag));
      assert.equal(listed[0].id, runs[0]);
      assertExit(viaEnv, 0);
      assert.equal(checkRunDoc(parseJsonOut(viaEnv)).id, runs[0], describeCall(viaEnv));
      assert.deepEqual(parseJsonOut(plain), [], `the default store (.cairn) holds no run\n${describeCall(plain)}`);
    });
  });
});
