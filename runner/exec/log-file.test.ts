import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { finished } from 'node:stream/promises';
import { LogFile } from './log-file';

describe('LogFile', function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-logfile-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates nothing for an attempt that writes nothing', async () => {
    const log = new LogFile(path.join(dir, 'a.1.log'));
    log.end();
    await finished(log);
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.ok(log.closed);
  });

  it('creates the file at the first byte and keeps every write, in order', async () => {
    const file = path.join(dir, 'a.1.log');
    const log = new LogFile(file);
    assert.equal(fs.existsSync(file), false);
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`);
    for (const line of lines) log.write(line);
    log.end('last');
    await finished(log);
    assert.equal(fs.readFileSync(file, 'utf8'), lines.join('') + 'last');
  });

  it('appends to a log that exists (an attempt number reused after a crash)', async () => {
    const file = path.join(dir, 'a.1.log');
    fs.writeFileSync(file, 'before\n');
    const log = new LogFile(file);
    log.end('after\n');
    await finished(log);
    assert.equal(fs.readFileSync(file, 'utf8'), 'before\nafter\n');
  });

  it('reports a file it cannot create as a stream error, and holds no descriptor', async () => {
    const log = new LogFile(path.join(dir, 'missing', 'a.1.log'));
    const failed = new Promise<Error>((resolve) => log.once('error', resolve));
    log.write('x');
    assert.match((await failed).message, /ENOENT/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(log.destroyed);
  });
});
