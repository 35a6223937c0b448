import assert from 'node:assert/strict';
import { checkParams, paramsProblem, type CairnRequest } from './run-protocol';

describe('run-protocol: what the server accepts on a custom request', () => {
  const ref = { store: '/w/.cairn', runId: '01J' };
  const good: [CairnRequest, unknown][] = [
    ['cairn/run', { uri: 'file:///w/a.cairn.toml' }],
    ['cairn/run', { uri: 'file:///w/a.cairn.toml', vars: { env: 'prod' }, mode: 'levels', parallel: 2 }],
    ['cairn/resume', { ...ref, vars: {}, allowStructureChange: true, rerunStale: false }],
    ['cairn/rerun', { ...ref, task: 'build', downstream: true }],
    ['cairn/cancel', ref],
    ['cairn/listRuns', { uri: 'file:///w/a.cairn.toml' }],
    ['cairn/getRun', ref],
    ['cairn/varHistory', { ...ref, task: 'build' }],
    ['cairn/runEvents', ref],
    ['cairn/runEvents', { ...ref, fromByte: 0 }],
    ['cairn/runEvents', { ...ref, fromByte: 52_431 }],
    ['cairn/overrideVar', { ...ref, name: 'env', value: 'prod' }],
    ['cairn/overrideVar', { ...ref, name: 'fail_at', value: '' }],
  ];
  for (const [method, params] of good) {
    it(`accepts ${method} ${JSON.stringify(params)}`, () => {
      assert.equal(paramsProblem(method, params), undefined);
      assert.ok(checkParams(method, params));
    });
  }

  const bad: [CairnRequest, unknown, string][] = [
    ['cairn/run', undefined, 'cairn/run: params must be an object'],
    ['cairn/run', [], 'cairn/run: params must be an object'],
    ['cairn/run', {}, 'cairn/run: "uri" is missing'],
    ['cairn/run', { uri: '' }, 'cairn/run: uri must be a non-empty string'],
    ['cairn/run', { uri: 'file:///a', vars: { a: 1 } }, 'cairn/run: vars.a must be a string'],
    ['cairn/run', { uri: 'file:///a', vars: ['a'] }, 'cairn/run: vars must be an object of strings'],
    ['cairn/run', { uri: 'file:///a', mode: 'fast' }, 'cairn/run: mode must be "eager" or "levels"'],
    ['cairn/run', { uri: 'file:///a', parallel: 1.5 }, 'cairn/run: parallel must be a whole number >= 1'],
    ['cairn/run', JSON.parse('{"uri":"file:///a","__proto__":{"x":1},"store":"x"}'), 'cairn/run: unknown field "__proto__"'],
    ['cairn/resume', { runId: '01J' }, 'cairn/resume: "store" is missing'],
    ['cairn/resume', { ...ref, rerunStale: 'yes' }, 'cairn/resume: rerunStale must be true or false'],
    ['cairn/rerun', ref, 'cairn/rerun: "task" is missing'],
    ['cairn/cancel', { ...ref, runId: 7 }, 'cairn/cancel: runId must be a non-empty string'],
    ['cairn/varHistory', { ...ref, task: '' }, 'cairn/varHistory: task must be a non-empty string'],
    ['cairn/run', { uri: 'file:///a', vars: { 'a b': 'x' } }, 'cairn/run: vars: "a b" is not a variable name (letters, digits and _, not starting with a digit)'],
    ['cairn/run', { uri: 'file:///a', vars: { '1x': 'x' } }, 'cairn/run: vars: "1x" is not a variable name (letters, digits and _, not starting with a digit)'],
    ['cairn/getRun', { store: '.cairn', runId: '01J' }, 'cairn/getRun: store must be an absolute path'],
    ['cairn/overrideVar', { ...ref, name: 'env' }, 'cairn/overrideVar: "value" is missing'],
    ['cairn/overrideVar', { ...ref, name: 'a-b', value: 'x' }, 'cairn/overrideVar: name must be a variable name (letters, digits and _, not starting with a digit)'],
    ['cairn/overrideVar', { ...ref, name: 'env', value: 3 }, 'cairn/overrideVar: value must be a string'],
    ['cairn/runEvents', { ...ref, fromByte: -1 }, 'cairn/runEvents: fromByte must be a whole number >= 0'],
    ['cairn/runEvents', { ...ref, fromByte: 1.5 }, 'cairn/runEvents: fromByte must be a whole number >= 0'],
    ['cairn/runEvents', { ...ref, fromByte: '0' }, 'cairn/runEvents: fromByte must be a whole number >= 0'],
  ];
  for (const [method, params, problem] of bad) {
    it(`refuses ${method} ${JSON.stringify(params)}: ${problem}`, () => {
      assert.equal(paramsProblem(method, params), problem);
      assert.equal(checkParams(method, params), false);
    });
  }
});
