// $CAIRN_OUTPUT records reach the engine while the task runs, in order, one at a time — through executeTask.
import assert from 'node:assert/strict';
import { appendFileSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gate, scratch, type Scratch } from './exec-test-fixture';
import { executeTask } from './execute-task';
import { OutputWatcher } from './output-watcher';

describe('$CAIRN_OUTPUT while the task runs', () => {
  let box: Scratch;
  beforeEach(() => {
    box = scratch();
  });
  afterEach(() => box.remove());

  it('delivers a record before the task goes on', async () => {
    const { path, open: release } = await gate(box.dir);
    // The task cannot write cursor=2, nor exit, until the test has seen cursor=1 and opened the gate.
    const command = `echo cursor=1 >> "$CAIRN_OUTPUT"; read -r _ < "${path}"; echo cursor=2 >> "$CAIRN_OUTPUT"`;
    const seen: string[] = [];
    const result = await executeTask(box.spec(command, { timeoutMs: 10_000 }), {
      onOutputVar: async (name, value) => {
        seen.push(`${name}=${value}`);
        if (value === '1') await release();
      },
    });
    assert.equal(result.outcome, 'exit');
    assert.deepEqual(seen, ['cursor=1', 'cursor=2']);
  });

  it('awaits each record before handing over the next', async () => {
    let busy = false;
    const seen: string[] = [];
    const command = 'for i in 1 2 3 4 5; do echo "step=$i" >> "$CAIRN_OUTPUT"; done; printf "last=no newline" >> "$CAIRN_OUTPUT"';
    const result = await executeTask(box.spec(command), {
      onOutputVar: async (name, value) => {
        assert.equal(busy, false, 'called again before the previous record was durable');
        busy = true;
        await new Promise<void>((resolve) => setImmediate(resolve));
        seen.push(`${name}=${value}`);
        busy = false;
      },
    });
    assert.equal(result.outcome, 'exit');
    assert.deepEqual(seen, ['step=1', 'step=2', 'step=3', 'step=4', 'step=5', 'last=no newline']);
  });

  it('keeps a record written just before the task was killed', async () => {
    const seen: string[] = [];
    const result = await executeTask(box.spec('echo "done=3" >> "$CAIRN_OUTPUT"; kill -9 $$'), {
      onOutputVar: (name, value) => Promise.resolve(void seen.push(`${name}=${value}`)),
    });
    assert.equal(result.outcome, 'signal');
    assert.deepEqual(seen, ['done=3']);
  });

  it('delivers heredoc values with blank lines, CRLF and =', async () => {
    const seen: Array<[string, string]> = [];
    const command = `printf 'notes<<EOF\\r\\nfirst=1\\r\\n\\r\\nthird\\r\\nEOF\\r\\nplain=a=b\\n' >> "$CAIRN_OUTPUT"`;
    const result = await executeTask(box.spec(command), {
      onOutputVar: (name, value) => Promise.resolve(void seen.push([name, value])),
    });
    assert.equal(result.outputError, undefined);
    assert.deepEqual(seen, [
      ['notes', 'first=1\n\nthird'],
      ['plain', 'a=b'],
    ]);
  });

  it('reports a malformed record and still delivers the rest', async () => {
    const seen: string[] = [];
    const command = `printf 'a=1\\nbad-name=2\\nb=3\\nopen<<END\\nx\\n' >> "$CAIRN_OUTPUT"`;
    const result = await executeTask(box.spec(command), {
      onOutputVar: (name, value) => Promise.resolve(void seen.push(`${name}=${value}`)),
    });
    assert.equal(result.outcome === 'exit' && result.exitCode, 0);
    assert.deepEqual(seen, ['a=1', 'b=3']);
    assert.match(result.outputError ?? '', /^\$CAIRN_OUTPUT line 2: invalid variable name "bad-name".*: bad-name=2 \(and 1 more malformed line\)$/);
  });

  it('stops delivering after the engine fails to record one, and says so', async () => {
    const seen: string[] = [];
    const result = await executeTask(box.spec('printf "a=1\\nb=2\\nc=3\\n" >> "$CAIRN_OUTPUT"'), {
      onOutputVar: (name) => {
        seen.push(name);
        return name === 'b' ? Promise.reject(new Error('disk full')) : Promise.resolve();
      },
    });
    assert.equal(result.outcome, 'exit');
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(result.outputError, 'recording output variable "b" failed (disk full); later $CAIRN_OUTPUT records were not delivered');
  });

  it('creates the file empty, whatever an earlier attempt left in it', async () => {
    const spec = box.spec('test -s "$CAIRN_OUTPUT" && echo not-empty || echo empty');
    writeFileSync(spec.outputFile, 'stale=1\n');
    const seen: string[] = [];
    const result = await executeTask(spec, { onOutputVar: (name) => Promise.resolve(void seen.push(name)) });
    assert.equal(result.logTail, 'empty');
    assert.deepEqual(seen, []);
  });

  describe('OutputWatcher', () => {
    /** Appends a record to `file` and resolves with the first record the watcher delivers. */
    async function firstDelivery(watchedPath: string, file: string): Promise<{ record: string; error: string | undefined }> {
      writeFileSync(file, '');
      let delivered: (record: string) => void = () => undefined;
      const arrived = new Promise<string>((resolve) => (delivered = resolve));
      const watcher = new OutputWatcher(openSync(file, 'r'), watchedPath, (name, value) => Promise.resolve(delivered(`${name}=${value}`)));
      watcher.start();
      appendFileSync(file, 'cursor=7\n');
      const record = await arrived; // before finish(): the change itself was noticed
      return { record, error: await watcher.finish() };
    }

    it('notices appends through fs.watch', async () => {
      const file = join(box.dir, 'out');
      assert.deepEqual(await firstDelivery(file, file), { record: 'cursor=7', error: undefined });
    });

    it('falls back to polling where it cannot watch', async () => {
      // fs.watch throws for a path that does not exist; the handle still reads the real file.
      const file = join(box.dir, 'out');
      assert.deepEqual(await firstDelivery(join(box.dir, 'not-there'), file), { record: 'cursor=7', error: undefined });
    });
  });
});
