'use strict';

const assert = require('node:assert/strict');
const { test } = require('../harness');
const { priceOrder } = require('../../src/cart');

const order = (extra) => ({
  taxRate: 0.1,
  items: [
    { name: 'Tea', qty: 2, unitCents: 300 },
    { name: 'Scone', qty: 1, unitCents: 400 },
  ],
  ...extra,
});

test('multiplies quantities by unit prices', () => {
  const { lines, subtotal } = priceOrder(order());
  assert.deepEqual(lines.map((l) => l.totalCents), [600, 400]);
  assert.equal(subtotal, 1000);
});

test('adds tax to an order without discount', () => {
  const { tax, total } = priceOrder(order());
  assert.equal(tax, 100);
  assert.equal(total, 1100);
});

test('an empty order costs nothing', () => {
  assert.deepEqual(priceOrder({ taxRate: 0.2, items: [] }), {
    lines: [], subtotal: 0, discount: 0, tax: 0, total: 0,
  });
});
