// RunInfoStore over real stores: the built CLI (`node bin/cairn.js`, as a user runs it) writes them in temp
// folders, and the answers are checked against the CLI's own account of the same run (`run --json` prints
// the `show` document). The CLI suites' harness lives in the test/ project, which this one cannot import
// (composite projects), hence the small runner here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunInfoStore } from './run-info-store';

const REPO_ROOT = path.resolve(__dirname, '..');
const CLI_BIN = path.join(REPO_ROOT, 'bin/cairn.js');
const CLI_BUNDLE = path.join(REPO_ROOT, 'dist/cli.js');

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `cairn <args>` in `cwd`, to its end. The child stands on its own bundle, with no CAIRN_STORE but the one given. */
function cairn(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  delete childEnv.NODE_OPTIONS;
  if (env['CAIRN_STORE'] === undefined) delete childEnv.CAIRN_STORE;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI_BIN, ...args], { cwd, env: childEnv, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : undefined;
      if (code === undefined) reject(new Error(`cairn ${args.join(' ')} did not exit normally: ${error?.message ?? ''}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

async function cairnExpect(code: number, args: readonly string[], cwd: string, env?: Readonly<Record<string, string>>): Promise<CliResult> {
  const r = await cairn(args, cwd, env);
  assert.equal(r.code, code, `cairn ${args.join(' ')} in ${cwd}\n  stdout: ${r.stdout}\n  stderr: ${r.stderr}`);
  return r;
}

interface ShownAttempt {
  readonly durationMs: number | null;
}
interface ShownTask {
  readonly id: string;
  readonly status: string;
  readonly attempts: readonly ShownAttempt[];
}
interface ShownRun {
  readonly id: string;
  readonly tasks: readonly ShownTask[];
}

/** `cairn run <file> --json` in `cwd`: the run's `show` document, the CLI's own account the answers must match. */
async function run(file: string, cwd: string, code: number, env?: Readonly<Record<string, string>>): Promise<ShownRun> {
  const r = await cairnExpect(code, ['run', file, '--json'], cwd, env);
  return JSON.parse(r.stdout) as ShownRun;
}

function shownTask(run: ShownRun, id: string): ShownTask {
  const t = run.tasks.find((x) => x.id === id);
  assert.ok(t, `run ${run.id} has no task ${id}`);
  return t;
}

function write(dir: string, rel: string, text: string | Buffer): string {
  const abs = path.join(dir, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
  return abs;
}

const uriOf = (file: string): string => pathToFileURL(file).href;

// Two workflows with the same task ids in one store: answers for one must never come from the other's run.
const GOOD = `
[tasks.build]
run = "echo built"

[tasks.test]
run = "echo tested"
deps = ["build"]
`;

const BAD = `
[tasks.build]
run = "exit 3"
retries = 1
retry_delay = "10ms"

[tasks.test]
run = "echo never"
deps = ["build"]

[tasks.lint]
run = "echo linted"
`;

const SECRET = 'hunter2-do-not-show';

const VARS = `
[vars]
token = { env = "RI_TEST_TOKEN", secret = true }
env = "staging"

[tasks.version]
run = "echo 1.4.0"
register = "version"

[tasks.publish]
deps = ["version"]
run = 'echo "url=https://example.test/{{ .version }}" >> "$CAIRN_OUTPUT"'

[tasks.deploy]
deps = ["publish"]
run = "test -n '{{ .token }}'"
`;

/** Folders between `dir` and the file-system root that hold a store: storeFor would find them. */
function storesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.cairn', 'runs'))) found.push(d);
    if (path.dirname(d) === d) return found;
  }
}

/**
 * Runs `f` with fs.promises' reading functions noting the paths they are given in `touched`: loadWorkflow reads the
 * workflow file (and its parse cache) through them.
 */
async function watchingFsPromises(touched: string[], f: () => Promise<void>): Promise<void> {
  const api = fs.promises as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = ['open', 'readFile', 'stat', 'lstat', 'access', 'opendir', 'readdir'] as const;
  const originals = names.map((n) => [n, api[n]] as const);
  for (const [name, original] of originals) {
    if (original === undefined) continue;
    api[name] = (...args: unknown[]) => {
      const p = args[0];
      touched.push(typeof p === 'string' ? path.resolve(p) : p instanceof URL ? p.pathname : String(p));
      return original.apply(fs.promises, args);
    };
  }
  try {
    await f();
  } finally {
    for (const [name, original] of originals) if (original !== undefined) api[name] = original;
  }
}

describe('RunInfoStore (stores written by the built CLI)', function () {
  this.timeout(30_000);
  let tmp = '';
  /** The shared project: proj/.cairn holds runs of good, bad, vars and ci/nested; proj/inner has its own store. */
  let proj = '';
  // Every run the suite needs before its first refresh, made at once in before() (the CLI is the slow part).
  let goodRun: ShownRun;
  let badRun: ShownRun;
  let varsRun: ShownRun;
  let nestedRun: ShownRun;
  let innerRun: ShownRun;
  let absRun: ShownRun;
  let relRun: ShownRun;
  const dirOf = (name: string): string => path.join(tmp, name);

  before(async function () {
    assert.ok(fs.existsSync(CLI_BUNDLE), `${CLI_BUNDLE} is missing: run npm run build first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-run-info-'));
    proj = dirOf('proj');
    write(proj, 'good.cairn.toml', GOOD);
    write(proj, 'bad.cairn.toml', BAD);
    write(proj, 'vars.cairn.toml', VARS);
    write(proj, 'ci/nested.cairn.toml', GOOD);
    write(proj, 'inner/good.cairn.toml', GOOD);
    write(dirOf('abs'), 'good.cairn.toml', GOOD);
    write(dirOf('rel'), 'sub/wf.cairn.toml', GOOD);
    // Different stores at once; one store's runs one after another. good before bad makes bad's run (with
    // the same task ids) the newer one. (Runs started at once in one store can fail today: a starting
    // `cairn run` removes another's `.new-<id>` folder before that one has locked it, exit 3.)
    const inProj = async (): Promise<ShownRun[]> => [
      await run('good.cairn.toml', proj, 0),
      await run('bad.cairn.toml', proj, 1),
      await run('vars.cairn.toml', proj, 0, { RI_TEST_TOKEN: SECRET }),
      await run('ci/nested.cairn.toml', proj, 0),
    ];
    let projRuns: ShownRun[];
    [projRuns, innerRun, absRun, relRun] = await Promise.all([
      inProj(),
      run('good.cairn.toml', path.join(proj, 'inner'), 0),
      run('good.cairn.toml', dirOf('abs'), 0, { CAIRN_STORE: dirOf('abs-store') }),
      run('sub/wf.cairn.toml', dirOf('rel'), 0, { CAIRN_STORE: '.runs' }),
    ]);
    [goodRun, badRun, varsRun, nestedRun] = projRuns as [ShownRun, ShownRun, ShownRun, ShownRun];
    // Tests that damage a store get their own copy of inner/ (a run of good.cairn.toml): the store records
    // the file relative to its own folder, so a copied folder is a valid project; copying beats a CLI run.
    for (const name of ['gone', 'rot', 'mixed', 'first', 'unloaded', 'others']) fs.cpSync(path.join(proj, 'inner'), dirOf(name), { recursive: true });
  });

  after(() => {
    if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('storeFor', () => {
    it('finds the nearest .cairn folder upward', () => {
      const s = new RunInfoStore({});
      assert.equal(s.storeFor(path.join(proj, 'good.cairn.toml')), path.join(proj, '.cairn'));
      assert.equal(s.storeFor(path.join(proj, 'ci', 'nested.cairn.toml')), path.join(proj, '.cairn'), 'from a subfolder');
      assert.equal(s.storeFor(path.join(proj, 'inner', 'good.cairn.toml')), path.join(proj, 'inner', '.cairn'), 'the nearer store wins');
    });

    it('skips a .cairn folder that is not a store (no runs/ in it)', () => {
      fs.mkdirSync(path.join(proj, 'ci', 'deep', '.cairn'), { recursive: true });
      assert.equal(new RunInfoStore({}).storeFor(path.join(proj, 'ci', 'deep', 'x.cairn.toml')), path.join(proj, '.cairn'));
    });

    it('answers undefined when there is no store above', () => {
      assert.deepEqual(storesAbove(tmp), [], 'precondition: no .cairn store above the temp folder');
      assert.equal(new RunInfoStore({}).storeFor(path.join(tmp, 'lonely', 'x.cairn.toml')), undefined);
    });

    it('honours an absolute CAIRN_STORE, existing or not', () => {
      const elsewhere = path.join(tmp, 'elsewhere', 'store');
      assert.equal(new RunInfoStore({ CAIRN_STORE: elsewhere }).storeFor(path.join(proj, 'good.cairn.toml')), elsewhere);
      assert.equal(new RunInfoStore({ CAIRN_STORE: '' }).storeFor(path.join(proj, 'good.cairn.toml')), path.join(proj, '.cairn'), 'empty means unset');
    });

    it('looks for a relative CAIRN_STORE upward, as for .cairn', () => {
      const s = new RunInfoStore({ CAIRN_STORE: '.runs' });
      assert.equal(s.storeFor(path.join(dirOf('rel'), 'sub', 'wf.cairn.toml')), path.join(dirOf('rel'), '.runs'));
      assert.equal(s.storeFor(path.join(proj, 'good.cairn.toml')), undefined, 'proj has a .cairn, not a .runs');
    });
  });

  describe('the latest run of THAT file', () => {
    it('gives each task its status, attempt count and duration as `cairn show` does', async () => {
      const s = new RunInfoStore({});
      const uri = uriOf(path.join(proj, 'bad.cairn.toml'));
      await s.refresh(uri);
      const expectTask = (id: string, status: string, attempts: number): void => {
        const last = shownTask(badRun, id).attempts.at(-1);
        assert.deepEqual(s.taskStatus(uri, id), {
          status,
          runId: badRun.id,
          attempts,
          ...(last?.durationMs !== null && last?.durationMs !== undefined ? { durationMs: last.durationMs } : {}),
        });
      };
      expectTask('build', 'failed', 2);
      expectTask('lint', 'success', 1);
      // Cancelled by its failed dependency: it never started, so no duration.
      expectTask('test', 'cancelled', 0);
      assert.equal(s.taskStatus(uri, 'test')?.durationMs, undefined);
      assert.equal(typeof s.taskStatus(uri, 'build')?.durationMs, 'number');
      assert.equal(s.taskStatus(uri, 'nope'), undefined, 'a task the run does not have');
    });

    it('forgets a document when it is closed, and reads its run again at the next refresh', async () => {
      const s = new RunInfoStore({});
      const uri = uriOf(path.join(proj, 'bad.cairn.toml'));
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build')?.runId, badRun.id);
      s.forget(uri);
      assert.equal(s.taskStatus(uri, 'build'), undefined);
      assert.equal(s.latestRun(uri), undefined);
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build')?.runId, badRun.id);
    });

    it("never answers from another workflow's newer run in the same store", async () => {
      assert.ok(badRun.id > goodRun.id, 'precondition: bad.cairn.toml ran last');
      const s = new RunInfoStore({});
      const good = uriOf(path.join(proj, 'good.cairn.toml'));
      await s.refresh(good);
      assert.equal(s.taskStatus(good, 'build')?.runId, goodRun.id);
      assert.equal(s.taskStatus(good, 'build')?.status, 'success', 'bad.cairn.toml\'s newer run failed its "build"');
      assert.equal(s.taskStatus(good, 'test')?.status, 'success');
      assert.equal(s.taskStatus(good, 'lint'), undefined, 'lint exists only in bad.cairn.toml');
    });

    it('tells apart files of the same name in different folders', async () => {
      const s = new RunInfoStore({});
      const nested = uriOf(path.join(proj, 'ci', 'nested.cairn.toml'));
      const inner = uriOf(path.join(proj, 'inner', 'good.cairn.toml'));
      await Promise.all([s.refresh(nested), s.refresh(inner)]);
      assert.equal(s.taskStatus(nested, 'build')?.runId, nestedRun.id);
      assert.equal(s.taskStatus(inner, 'build')?.runId, innerRun.id);
    });

    it('passes over newer runs of other files, also when one appears after the cache was filled', async () => {
      const dir = dirOf('others');
      const good = uriOf(path.join(dir, 'good.cairn.toml'));
      const other = uriOf(write(dir, 'other.cairn.toml', BAD));
      const s = new RunInfoStore({});
      await s.refresh(good);
      assert.equal(s.taskStatus(good, 'build')?.runId, innerRun.id);
      // Newer, with the same task ids, failed: a refresh must read it and pass over it.
      const otherRun = await run('other.cairn.toml', dir, 1);
      assert.ok(otherRun.id > innerRun.id, 'precondition: the other file ran last');
      await Promise.all([s.refresh(good), s.refresh(other)]);
      assert.deepEqual([s.taskStatus(good, 'build')?.runId, s.taskStatus(good, 'build')?.status], [innerRun.id, 'success']);
      assert.equal(s.taskStatus(good, 'lint'), undefined, 'lint exists only in other.cairn.toml');
      assert.deepEqual([s.taskStatus(other, 'build')?.runId, s.taskStatus(other, 'build')?.status], [otherRun.id, 'failed']);
    });

    it('never loads the workflow file: a file broken since its run still shows its run', async () => {
      const dir = dirOf('unloaded');
      const file = path.join(dir, 'good.cairn.toml');
      // Staleness would load and validate it; hovers show no staleness, so nothing may touch it.
      fs.writeFileSync(file, '[tasks.build\nrun = ');
      const touched: string[] = [];
      const s = new RunInfoStore({});
      await watchingFsPromises(touched, () => s.refresh(uriOf(file)));
      assert.deepEqual(s.taskStatus(uriOf(file), 'build'), {
        status: 'success',
        runId: innerRun.id,
        attempts: 1,
        durationMs: shownTask(innerRun, 'build').attempts[0]?.durationMs,
      });
      assert.ok(touched.some((p) => p.endsWith('events.ndjson')), `precondition: the spy sees the store being read: ${touched.join(', ')}`);
      const parsedCache = path.join(dir, '.cairn', 'parsed');
      assert.deepEqual(touched.filter((p) => p === file || p.startsWith(parsedCache)), [], 'the workflow file and its parse cache are never read');
    });

    it('answers undefined for a file that never ran, and before the first refresh', async () => {
      const s = new RunInfoStore({});
      assert.equal(s.taskStatus(uriOf(path.join(proj, 'good.cairn.toml')), 'build'), undefined, 'not refreshed yet');
      const uri = uriOf(write(proj, 'never.cairn.toml', GOOD));
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build'), undefined);
      assert.equal(s.latestValue(uri, 'version'), undefined);
    });
  });

  describe('latestValue', () => {
    it('gives a registered and a $CAIRN_OUTPUT variable with the task and attempt that set it', async () => {
      const s = new RunInfoStore({});
      const uri = uriOf(path.join(proj, 'vars.cairn.toml'));
      await s.refresh(uri);
      assert.deepEqual(s.latestValue(uri, 'version'), { value: '1.4.0', source: 'register', runId: varsRun.id, task: 'version', attempt: 1 });
      assert.deepEqual(s.latestValue(uri, 'url'), { value: 'https://example.test/1.4.0', source: 'output', runId: varsRun.id, task: 'publish', attempt: 1 });
      assert.deepEqual(s.latestValue(uri, 'env'), { value: 'staging', source: 'default', runId: varsRun.id });
      assert.equal(s.latestValue(uri, 'nope'), undefined);
    });

    it('masks a secret given through the environment as ***', async () => {
      const s = new RunInfoStore({});
      const uri = uriOf(path.join(proj, 'vars.cairn.toml'));
      await s.refresh(uri);
      assert.equal(shownTask(varsRun, 'deploy').status, 'success', 'precondition: the task saw a non-empty secret');
      assert.deepEqual(s.latestValue(uri, 'token'), { value: '***', source: 'env', runId: varsRun.id });
    });
  });

  describe('CAIRN_STORE', () => {
    it('reads the store an absolute CAIRN_STORE names, which the default lookup does not see', async () => {
      const file = uriOf(path.join(dirOf('abs'), 'good.cairn.toml'));
      const s = new RunInfoStore({ CAIRN_STORE: dirOf('abs-store') });
      await s.refresh(file);
      assert.equal(s.taskStatus(file, 'build')?.runId, absRun.id);
      const plain = new RunInfoStore({});
      await plain.refresh(file);
      assert.equal(plain.taskStatus(file, 'build'), undefined);
    });

    it('reads a relative CAIRN_STORE from a file in a subfolder of where the CLI ran', async () => {
      const file = uriOf(path.join(dirOf('rel'), 'sub', 'wf.cairn.toml'));
      const s = new RunInfoStore({ CAIRN_STORE: '.runs' });
      await s.refresh(file);
      assert.equal(s.taskStatus(file, 'build')?.runId, relRun.id);
    });
  });

  describe('the cache', () => {
    it('picks up a new attempt appended to the same run, then a new run of the file', async () => {
      const dir = dirOf('live');
      const uri = uriOf(write(dir, 'wf.cairn.toml', GOOD));
      const s = new RunInfoStore({});
      const firstRun = await run('wf.cairn.toml', dir, 0);
      await s.refresh(uri);
      assert.deepEqual(s.taskStatus(uri, 'build'), { status: 'success', runId: firstRun.id, attempts: 1, durationMs: shownTask(firstRun, 'build').attempts[0]?.durationMs });

      // Same run, one more attempt: only its journal changes, not the runs folder.
      await cairnExpect(0, ['rerun', firstRun.id, '--task', 'build'], dir);
      await s.refresh(uri);
      assert.deepEqual([s.taskStatus(uri, 'build')?.runId, s.taskStatus(uri, 'build')?.attempts], [firstRun.id, 2]);

      // A new run of the edited file.
      write(dir, 'wf.cairn.toml', GOOD.replace('echo built', 'exit 4'));
      const secondRun = await run('wf.cairn.toml', dir, 1);
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build')?.runId, secondRun.id);
      assert.equal(s.taskStatus(uri, 'build')?.status, 'failed');
      assert.equal(s.taskStatus(uri, 'test')?.status, 'cancelled');
    });

    it('picks up the first run of a file that had none', async () => {
      const dir = dirOf('first');
      const uri = uriOf(write(dir, 'wf.cairn.toml', GOOD));
      const s = new RunInfoStore({});
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build'), undefined, 'the store only has a run of good.cairn.toml');
      const first = await run('wf.cairn.toml', dir, 0);
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build')?.runId, first.id);
    });

    it('forgets what it knew once the store is gone', async () => {
      const dir = dirOf('gone');
      const uri = uriOf(path.join(dir, 'good.cairn.toml'));
      const s = new RunInfoStore({});
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build')?.status, 'success');
      fs.rmSync(path.join(dir, '.cairn'), { recursive: true });
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build'), undefined);
    });
  });

  describe('a missing or corrupt store never throws', () => {
    it('answers undefined for URIs that are not local files', async () => {
      const s = new RunInfoStore({});
      for (const uri of ['untitled:Untitled-1', 'file://remote-host/share/x.cairn.toml', 'file:///%E0%A4%A', 'not a uri', '']) {
        await s.refresh(uri);
        assert.equal(s.taskStatus(uri, 'build'), undefined, uri);
        assert.equal(s.latestValue(uri, 'version'), undefined, uri);
      }
    });

    it('answers undefined when runs/ is a file, or a run folder holds junk', async () => {
      const asFile = dirOf('runs-is-file');
      write(asFile, '.cairn/runs', 'not a folder');
      const junk = dirOf('junk');
      // A valid-looking run id whose journal and checkpoint are garbage.
      write(junk, '.cairn/runs/01M7YHXAYMB57JS4/events.ndjson', Buffer.from([0, 255, 1, 254, 10, 123, 10]));
      write(junk, '.cairn/runs/01M7YHXAYMB57JS4/run.db', 'not sqlite');
      write(junk, '.cairn/runs/not-a-run-id/events.ndjson', '{}\n');
      const s = new RunInfoStore({});
      for (const dir of [asFile, junk]) {
        const uri = uriOf(write(dir, 'wf.cairn.toml', GOOD));
        await s.refresh(uri);
        assert.equal(s.taskStatus(uri, 'build'), undefined, dir);
        assert.equal(s.latestValue(uri, 'version'), undefined, dir);
      }
    });

    it("still finds the file's run beside an unreadable newer one", async () => {
      const dir = dirOf('mixed');
      // Run ids sort by creation time: this one is newer than any real run.
      write(dir, '.cairn/runs/ZZZZZZZZZZZZZZZZ/events.ndjson', 'garbage\n');
      const s = new RunInfoStore({});
      const uri = uriOf(path.join(dir, 'good.cairn.toml'));
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build')?.runId, innerRun.id);
    });

    it("answers undefined, not stale facts, when the known run's journal turns to junk", async () => {
      const dir = dirOf('rot');
      const uri = uriOf(path.join(dir, 'good.cairn.toml'));
      const s = new RunInfoStore({});
      await s.refresh(uri);
      const runId = s.taskStatus(uri, 'build')?.runId;
      assert.ok(runId !== undefined, 'precondition: the run was read');
      const runDir = path.join(dir, '.cairn', 'runs', runId);
      fs.writeFileSync(path.join(runDir, 'events.ndjson'), 'junk\n');
      fs.rmSync(path.join(runDir, 'run.db'), { force: true });
      await s.refresh(uri);
      assert.equal(s.taskStatus(uri, 'build'), undefined);
    });
  });
});
