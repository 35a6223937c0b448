'use strict';
// Just enough of a test runner for plain `node` test scripts: `test(name, fn)`
// collects, `run()` executes in order and reports like the usual runners do.

const { performance } = require('node:perf_hooks');

const tests = [];

function test(name, fn) {
  tests.push({ name, fn });
}

async function run(title) {
  console.log(title);
  let failed = 0;
  for (const { name, fn } of tests) {
    const start = performance.now();
    try {
      await fn();
      console.log(`  ✓ ${name} (${Math.round(performance.now() - start)}ms)`);
    } catch (err) {
      failed++;
      console.log(`  ✗ ${name}`);
      const text = err && err.stack ? String(err.message) : String(err);
      console.log(text.replace(/^/gm, '      '));
    }
  }
  console.log(`\n${tests.length - failed} passed, ${failed} failed`);
  return failed === 0;
}

module.exports = { test, run };
