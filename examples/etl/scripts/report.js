'use strict';
// The business-facing summary: revenue by country, best-selling SKUs and why
// rows were rejected. Printed and saved as out/report.txt.

const fs = require('node:fs');
const path = require('node:path');
const { paths, writeAtomic, rel, readNdjsonLines } = require('./lib');

const orders = readNdjsonLines(paths.warehouse).map((l) => JSON.parse(l));
const rejects = fs
  .readdirSync(paths.rejects)
  .flatMap((f) => readNdjsonLines(path.join(paths.rejects, f)).map((l) => JSON.parse(l)));
const profile = JSON.parse(fs.readFileSync(paths.profile, 'utf8'));

const sumBy = (key) => {
  const totals = new Map();
  for (const o of orders) totals.set(o[key], (totals.get(o[key]) ?? 0) + o.amount_cents);
  return [...totals].sort((a, b) => b[1] - a[1]);
};
const reasons = new Map();
for (const r of rejects) {
  const kind = r.reason.replace(/ ".*$/, ''); // 'bad quantity "two"' -> 'bad quantity'
  reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
}
const days = orders.map((o) => o.day).sort();
const money = (cents) => (cents / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const revenue = orders.reduce((n, o) => n + o.amount_cents, 0);

const out = [
  `Orders ${days[0]} .. ${days[days.length - 1]}: ${orders.length} orders, revenue ${money(revenue)}`,
  `Source: ${profile.rows} rows, ${profile.columns.order_id.distinct} distinct order ids`,
  '',
  'Revenue by country',
  ...sumBy('country').map(([c, cents]) => `  ${c}  ${money(cents).padStart(12)}`),
  '',
  'Top 5 SKUs by revenue',
  ...sumBy('sku').slice(0, 5).map(([s, cents]) => `  ${s}  ${money(cents).padStart(12)}`),
  '',
  `Rejected rows: ${rejects.length}`,
  ...[...reasons].sort().map(([reason, n]) => `  ${String(n).padStart(3)}  ${reason}`),
];
writeAtomic(paths.report, out.join('\n') + '\n');
console.log(out.join('\n'));
console.log(`\nsaved ${rel(paths.report)}`);
