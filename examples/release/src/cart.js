'use strict';
// Prices an order: line totals, a percentage discount on the subtotal, then tax
// on what is left after the discount.

const { roundCents } = require('./money');

function priceOrder(order, { rounding = 'half-up' } = {}) {
  const lines = order.items.map((item) => ({
    name: item.name,
    qty: item.qty,
    unitCents: item.unitCents,
    totalCents: item.qty * item.unitCents,
  }));
  const subtotal = lines.reduce((sum, line) => sum + line.totalCents, 0);
  const discount = roundCents((subtotal * (order.discountPct ?? 0)) / 100, rounding);
  const taxable = subtotal - discount;
  const tax = roundCents(taxable * order.taxRate, rounding);
  return { lines, subtotal, discount, tax, total: taxable + tax };
}

module.exports = { priceOrder };
