import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveShell } from './shell';

describe('resolveShell', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-shell-'));
    writeFileSync(join(dir, 'sh'), '#!/bin/true\n');
    chmodSync(join(dir, 'sh'), 0o755);
    writeFileSync(join(dir, 'not-executable'), '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const path = (resolution: ReturnType<typeof resolveShell>): string => {
    assert.ok('path' in resolution, 'error' in resolution ? resolution.error : '');
    return resolution.path;
  };

  it('defaults to bash from PATH', () => {
    assert.match(path(resolveShell()), /\/bash$/);
    assert.match(path(resolveShell('bash')), /\/bash$/);
  });

  it('falls back to sh where there is no bash', () => {
    assert.equal(path(resolveShell(undefined, { PATH: dir })), join(dir, 'sh'));
    assert.equal(path(resolveShell('bash', { PATH: dir })), join(dir, 'sh'));
  });

  it('says so when neither is there', () => {
    assert.deepEqual(resolveShell(undefined, { PATH: join(dir, 'missing') }), { error: 'neither bash nor sh was found on PATH' });
    assert.deepEqual(resolveShell(undefined, {}), { error: 'neither bash nor sh was found on PATH' });
  });

  it('looks a name up on PATH, skipping relative entries', () => {
    assert.match(path(resolveShell('sh')), /\/sh$/);
    assert.equal(path(resolveShell('sh', { PATH: `.:${dir}` })), join(dir, 'sh'));
    assert.deepEqual(resolveShell('fish-that-is-not-there'), { error: 'shell "fish-that-is-not-there" was not found on PATH' });
    assert.deepEqual(resolveShell('not-executable', { PATH: dir }), { error: 'shell "not-executable" was not found on PATH' });
  });

  it('takes a path as a path', () => {
    assert.equal(path(resolveShell('/bin/sh')), '/bin/sh');
    assert.equal(path(resolveShell('./tools/my-shell')), './tools/my-shell');
    assert.deepEqual(resolveShell('/bin/bashx'), { error: 'shell "/bin/bashx" is not an executable file' });
    assert.deepEqual(resolveShell(dir), { error: `shell "${dir}" is not an executable file` });
  });

  it('caches per name and PATH', () => {
    assert.equal(resolveShell('sh', { PATH: dir }), resolveShell('sh', { PATH: dir }));
    assert.notEqual(resolveShell('sh', { PATH: dir }), resolveShell('sh', { PATH: `${dir}:/bin` }));
  });
});
