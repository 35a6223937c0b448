'use strict';
// Renders a priced order as the fixed-width text receipt that shops print.

const { formatMoney } = require('./money');

const WIDTH = 40;

function row(label, amount) {
  return label.padEnd(WIDTH - amount.length) + amount;
}

function renderReceipt(order, priced) {
  const money = (cents) => formatMoney(cents, order.currency);
  const rule = '-'.repeat(WIDTH);
  const out = [`Receipt #${order.id} - ${order.shop}`, order.date, rule];
  for (const line of priced.lines) {
    out.push(row(`${line.qty} x ${line.name}`, money(line.totalCents)));
  }
  out.push(rule, row('Subtotal', money(priced.subtotal)));
  if (priced.discount) out.push(row(`Discount (${order.discountPct}%)`, money(-priced.discount)));
  out.push(row(`Tax (${(order.taxRate * 100).toFixed(2)}%)`, money(priced.tax)));
  out.push(row('Total', money(priced.total)));
  return out.join('\n') + '\n';
}

module.exports = { renderReceipt };
