import assert from 'node:assert/strict';
import { COMMAND_NAMES } from './command-names';
import { buildProgram } from './main';

describe('COMMAND_NAMES', () => {
  it('are exactly the commands main.ts registers (launch.ts keeps a code cache for each)', () => {
    assert.deepEqual(buildProgram(() => undefined).commands.map((c) => c.name()), [...COMMAND_NAMES]);
  });
});
