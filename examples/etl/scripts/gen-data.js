'use strict';
// Regenerates data/orders.csv, the "source system export" the etl example reads.
// Deterministic (seeded PRNG), so the committed file only changes when this
// script does:  node etl/scripts/gen-data.js
// About 2% of the rows are dirty on purpose (bad quantities, prices, dates,
// missing countries) and about 1% are exact re-sends of an earlier row, so the
// pipeline has something to reject and deduplicate.

const fs = require('node:fs');
const path = require('node:path');

const ROWS = 2400;

// mulberry32: tiny, fast, and the same on every machine.
let seed = 20240517;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (min, max) => min + Math.floor(random() * (max - min + 1));

const countries = ['DE', 'DE', 'DE', 'FR', 'FR', 'US', 'US', 'US', 'GB', 'NL', 'ES', 'IT', 'PL', 'SE', 'JP'];
const names = ['ana', 'ben', 'chen', 'dara', 'eli', 'fatima', 'goran', 'hana', 'ivo', 'jules', 'kofi', 'lena'];
const domains = ['example.com', 'mail.example.org', 'shop.example.net'];
const skus = Array.from({ length: 30 }, (_, i) => ({ sku: `SKU-${1001 + i}`, cents: int(199, 8999) }));

const start = Date.UTC(2024, 2, 1);
const rows = [];
for (let i = 0; i < ROWS; i++) {
  if (rows.length > 10 && random() < 0.01) {
    rows.push(pick(rows)); // the source re-sent an earlier order
    continue;
  }
  const product = pick(skus);
  const row = {
    order_id: String(100001 + i),
    ordered_at: new Date(start + int(0, 60 * 24 * 60) * 60_000).toISOString().replace('.000', ''),
    customer_email: `${pick(names)}.${int(1, 400)}@${pick(domains)}`,
    country: pick(countries),
    sku: product.sku,
    quantity: String(int(1, 5)),
    unit_price: (product.cents / 100).toFixed(2),
  };
  if (random() < 0.03) row.customer_email = `  ${row.customer_email.toUpperCase()} `; // fixable
  if (random() < 0.02) {
    const flaw = int(0, 4);
    if (flaw === 0) row.quantity = pick(['0', '-1', 'two']);
    if (flaw === 1) row.unit_price = pick(['N/A', '']);
    if (flaw === 2) row.ordered_at = '2024-02-30T25:61:00Z';
    if (flaw === 3) row.country = '';
    if (flaw === 4) row.sku = '';
  }
  rows.push(Object.values(row).join(','));
}

const header = 'order_id,ordered_at,customer_email,country,sku,quantity,unit_price';
const file = path.join(__dirname, '..', 'data', 'orders.csv');
fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');
console.log(`wrote ${rows.length} rows to ${path.relative(process.cwd(), file)}`);
