// SPEC 4: "each run lives in its own folder, so several runs can be driven at once by different processes".
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertBuilt, assertExit, runCli, TempDirs, writeFile } from './cli-harness';

const temps = new TempDirs();

describe('several cairn runs at once in one store (CLI process)', function () {
  this.timeout(120_000);
  before(assertBuilt);
  after(() => temps.cleanup());

  it('8 runs started together all succeed, each in its own run folder, none half-born', async () => {
    const cwd = temps.make('concurrent');
    writeFile(cwd, 'w.cairn.toml', '[tasks.a]\nrun = "echo a"\n[tasks.b]\ndeps = ["a"]\nrun = "echo b"\n');
    // Rounds of simultaneous starts: each new run's birth races the others' clean-up of stillborn folders.
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(Array.from({ length: 8 }, () => runCli(['run', 'w.cairn.toml'], { cwd })));
      for (const r of results) assertExit(r, 0);
    }
    const runs = fs.readdirSync(path.join(cwd, '.cairn', 'runs'));
    assert.equal(runs.filter((n) => !n.startsWith('.')).length, 24);
    assert.deepEqual(runs.filter((n) => n.startsWith('.')), [], 'no run folder left unnamed');
  });
});
