// Overriding a variable for the next resume: recorded in the journal, applied by the resume, refused when it
// cannot be honoured.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock } from '../store/lock';
import { readRun } from '../store/run-store';
import { resumeRun, startRun } from './engine';
import { RefusedError } from './load-workflow';
import { MAX_OVERRIDE_LENGTH, overrideVar } from './override-var';
import { varHistory } from './queries';

const WF = (fail: boolean): string => `
[vars]
env = "staging"
token = { secret = true, env = "TOKEN" }

[tasks.version]
run = "echo 1.4.0"
register = "version"

[tasks.build]
deps = ["version"]
run = "echo {{ .version }} {{ .env }} > build.out; ${fail ? 'exit 1' : 'true'}"
`;

describe('overrideVar: a variable overridden for the next resume', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-override-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const io = { env: { PATH: process.env['PATH'], HOME: process.env['HOME'], TOKEN: 's3cret' }, sleep: () => Promise.resolve() };

  async function failedRun(): Promise<{ root: string; runId: string }> {
    const file = path.join(dir, 'w.cairn.toml');
    fs.writeFileSync(file, WF(true));
    const root = path.join(dir, '.cairn');
    const h = await startRun({ storeRoot: root, file, io });
    assert.equal(await h.done, 'failed');
    fs.writeFileSync(file, WF(false));
    return { root, runId: h.runId };
  }

  it('is recorded as set in the editor, and the resume uses it: over a --var default and over what a kept task registered', async () => {
    const { root, runId } = await failedRun();
    const row = await overrideVar(root, runId, 'env', 'prod');
    assert.deepEqual([row.name, row.value, row.source, row.task], ['env', 'prod', 'editor', null]);
    await overrideVar(root, runId, 'version', '2.0.0');
    const history = await varHistory(root, runId, { history: true });
    assert.deepEqual(history.filter((r) => r.source === 'editor').map((r) => [r.name, r.value]), [['env', 'prod'], ['version', '2.0.0']]);
    const h = await resumeRun({ storeRoot: root, runId, io });
    assert.equal(await h.done, 'success');
    assert.equal(fs.readFileSync(path.join(dir, 'build.out'), 'utf8').trim(), '2.0.0 prod', 'build saw both overrides; version was kept, not re-run');
  });

  it('refuses what it cannot honour: an unknown name, a secret, a huge value, a run another process drives', async () => {
    const { root, runId } = await failedRun();
    await assert.rejects(overrideVar(root, runId, 'nope', 'x'), (e: unknown) => e instanceof RefusedError && /has no variable "nope"; its variables: env, token, version/.test(e.message));
    await assert.rejects(overrideVar(root, runId, 'token', 'x'), (e: unknown) => e instanceof RefusedError && /secret, and secrets are never stored/.test(e.message));
    await assert.rejects(overrideVar(root, runId, 'env', 'x'.repeat(MAX_OVERRIDE_LENGTH + 1)), RefusedError);
    const lock = await acquireLock(path.join(root, 'runs', runId), 'another process');
    try {
      await assert.rejects(overrideVar(root, runId, 'env', 'prod'), /another process|locked|held/);
    } finally {
      await lock.release();
    }
    const { state } = await readRun(root, runId);
    assert.equal(state.vars.filter((v) => v.source === 'editor').length, 0, 'nothing was recorded');
  });
});
