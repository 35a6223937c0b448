import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createOutputsDir, removeOrphanedOutputs } from './output-dirs';

describe('output folders ($CAIRN_OUTPUT files)', function () {
  let tmp: string;
  let savedTmpdir: string | undefined;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-outdirs-'));
    savedTmpdir = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
  });
  afterEach(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('makes one per driver in $TMPDIR when it is set, named by the pid', async () => {
    const dir = await createOutputsDir({ TMPDIR: tmp });
    assert.equal(path.dirname(dir), tmp);
    assert.match(path.basename(dir), new RegExp(`^cairn-output-${process.pid}-`));
  });

  it("removes the folders of drivers that died, and leaves the living's and its own", async () => {
    const dead = spawnSync('true').pid; // exited and reaped: a pid nobody holds (for now)
    for (const name of [`cairn-output-${dead}-aaaa`, `cairn-output-${process.ppid}-bbbb`, `cairn-output-${process.pid}-cccc`, 'unrelated']) {
      fs.mkdirSync(path.join(tmp, name));
      fs.writeFileSync(path.join(tmp, name, 'x.env'), 'secret=1\n');
    }
    await removeOrphanedOutputs({ TMPDIR: tmp });
    assert.deepEqual(fs.readdirSync(tmp).sort(), [`cairn-output-${process.pid}-cccc`, `cairn-output-${process.ppid}-bbbb`, 'unrelated'].sort());
  });
});
