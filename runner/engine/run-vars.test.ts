import assert from 'node:assert/strict';
import { analyze } from '../validate/validate';
import { baseVars } from './run-vars';

describe('baseVars', () => {
  it('takes a --var only when it was given: a variable named like an Object.prototype member is not inherited', () => {
    const wf = analyze('[vars]\ntoString = "dflt"\nconstructor = { default = "c" }\n[tasks.a]\nrun = "echo {{ .toString }} {{ .constructor }}"\n').workflow!;
    const none = baseVars(wf, {}, {});
    assert.deepEqual(none.events.map((e) => (e.type === 'var-set' ? [e.name, e.value, e.source] : [])), [['toString', 'dflt', 'default'], ['constructor', 'c', 'default']]);
    const given = baseVars(wf, { toString: 'v' }, {});
    assert.deepEqual(given.events.map((e) => (e.type === 'var-set' ? [e.name, e.value, e.source] : [])), [['toString', 'v', 'cli'], ['constructor', 'c', 'default']]);
  });
});
