import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Fingerprint } from './events';
import { staleReasons } from './task-context';

const fp = (over: Partial<Fingerprint> = {}): Fingerprint => ({ command: 'echo hi', template: 'echo hi', dir: '/w', shell: '', env: {}, vars: {}, inputs: {}, ...over });

describe('staleReasons: what changed since a task succeeded', () => {
  it('is empty for the same fingerprint, and names a changed command', () => {
    assert.deepEqual(staleReasons(fp(), fp()), []);
    assert.deepEqual(staleReasons(fp(), fp({ command: 'echo ho', template: 'echo ho' })), ['command changed']);
  });

  it('compares a command past 4 KB by its hash, and equal to one recorded whole', () => {
    const long = `: ${'x'.repeat(1 << 20)}`;
    const hashed = `sha256:${createHash('sha256').update(long).digest('hex')}`;
    // A journal written before commands were hashed holds the text; today's fingerprint holds the hash.
    assert.deepEqual(staleReasons(fp({ command: long, template: long }), fp({ command: hashed, template: hashed })), []);
    assert.deepEqual(staleReasons(fp({ command: hashed, template: hashed }), fp({ command: long, template: long })), []);
    assert.deepEqual(staleReasons(fp({ command: hashed, template: hashed }), fp({ command: `${long}!`, template: `${long}!` })), ['command changed']);
  });
});
