import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nearestStore, storeIn, storeOfFile } from './store-location';

describe('store location: where a file\'s runs go', () => {
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-store-location-'));
    fs.mkdirSync(path.join(tmp, 'proj', '.cairn', 'runs'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'proj', 'sub', 'deep'), { recursive: true });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("goes to the innermost workspace folder holding the file, whether or not its store exists", () => {
    const file = path.join(tmp, 'proj', 'sub', 'deep', 'w.cairn.toml');
    assert.equal(storeOfFile(file, [path.join(tmp, 'proj'), path.join(tmp, 'proj', 'sub')], {}), path.join(tmp, 'proj', 'sub', '.cairn'));
  });

  it('outside every folder: the nearest store above the file, else a new one beside it', () => {
    assert.equal(storeOfFile(path.join(tmp, 'proj', 'sub', 'deep', 'w.cairn.toml'), [path.join(tmp, 'other')], {}), path.join(tmp, 'proj', '.cairn'));
    assert.equal(nearestStore(path.join(tmp, 'w.cairn.toml'), {}), undefined);
    assert.equal(storeOfFile(path.join(tmp, 'w.cairn.toml'), [], {}), path.join(tmp, '.cairn'));
  });

  it('follows $CAIRN_STORE: an absolute one everywhere, a relative one under each folder, empty as unset', () => {
    assert.equal(storeOfFile(path.join(tmp, 'w.cairn.toml'), [], { CAIRN_STORE: '/elsewhere/store' }), '/elsewhere/store');
    assert.equal(storeIn(path.join(tmp, 'proj'), { CAIRN_STORE: '.runs' }), path.join(tmp, 'proj', '.runs'));
    assert.equal(storeIn(path.join(tmp, 'proj'), { CAIRN_STORE: '' }), path.join(tmp, 'proj', '.cairn'));
  });
});
