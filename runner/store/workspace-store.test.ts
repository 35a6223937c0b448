import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunStore } from './run-store';
import { removeStillborn } from './workspace-store';

describe('removeStillborn (run folders whose creator died before they were born)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-ws-'));
    fs.mkdirSync(path.join(root, 'runs'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const names = (): string[] => fs.readdirSync(path.join(root, 'runs')).sort();

  it('keeps a fresh unlocked folder: another process may be between mkdir and locking it', async () => {
    fs.mkdirSync(path.join(root, 'runs', '.new-01M7YF0000000001'));
    await removeStillborn(root);
    assert.deepEqual(names(), ['.new-01M7YF0000000001']);
  });

  it('removes an unlocked folder older than any birth takes', async () => {
    const dir = path.join(root, 'runs', '.new-01M7YF0000000001');
    fs.mkdirSync(dir);
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(dir, old, old);
    await removeStillborn(root);
    assert.deepEqual(names(), []);
  });

  it('keeps a folder locked by a live process (being born), and never touches born runs', async () => {
    const store = await RunStore.create(root, '01M7YF0000000002', 'test');
    fs.mkdirSync(path.join(root, 'runs', '01M7YF0000000003'));
    await removeStillborn(root);
    assert.deepEqual(names(), ['.new-01M7YF0000000002', '01M7YF0000000003']);
    await store.close();
  });
});
