'use strict';
// End to end: runs the real CLI on a recorded order and compares the printed
// receipt with the golden file that the shop signed off.

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('../harness');

const fixtures = path.join(__dirname, '..', 'fixtures');
const cli = path.join(__dirname, '..', '..', 'src', 'cli.js');

// Failure injection for the Cairn demo: `--var fail_at=test-integration` runs the
// CLI with floor rounding, the kind of pricing regression this test exists to catch.
const injected = process.env.CAIRN_VAR_fail_at === 'test-integration';
if (injected) {
  console.log('note: fail_at=test-integration: running the CLI with --rounding floor');
}

test('prints the receipt for order 1042 exactly as signed off', () => {
  const args = [cli, ...(injected ? ['--rounding', 'floor'] : []), path.join(fixtures, 'order-1042.json')];
  const actual = execFileSync(process.execPath, args, { encoding: 'utf8' });
  const expected = fs.readFileSync(path.join(fixtures, 'order-1042.receipt.txt'), 'utf8');
  assert.equal(actual, expected);
});

test('reports the version it was built with', () => {
  const out = execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
  assert.match(out.trim(), /^\d+\.\d+\.\d+(-[\w.]+)?$/);
});
