'use strict';

const assert = require('node:assert/strict');
const { test } = require('../harness');
const { formatMoney, roundCents } = require('../../src/money');

test('formats cents with the currency symbol', () => {
  assert.equal(formatMoney(1999, 'USD'), '$19.99');
  assert.equal(formatMoney(5, 'EUR'), '€0.05');
  assert.equal(formatMoney(-250, 'GBP'), '-£2.50');
});

test('falls back to the currency code for unknown currencies', () => {
  assert.equal(formatMoney(100, 'CHF'), 'CHF 1.00');
});

test('rounds half-up by default and floors on request', () => {
  assert.equal(roundCents(172.5), 173);
  assert.equal(roundCents(172.49), 172);
  assert.equal(roundCents(172.99, 'floor'), 172);
  assert.throws(() => roundCents(1, 'banker'), /unknown rounding mode/);
});

// Failure injection for the Cairn demo: `--var fail_at=test-unit` adds a test
// for a feature that does not exist yet, so the suite fails with a real diff.
if (process.env.CAIRN_VAR_fail_at === 'test-unit') {
  test('groups thousands (injected by --var fail_at=test-unit)', () => {
    assert.equal(formatMoney(123456, 'USD'), '$1,234.56');
  });
}
