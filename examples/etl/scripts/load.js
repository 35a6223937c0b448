'use strict';
// Loads the staged batches into the "warehouse", out/warehouse/orders.ndjson,
// keyed by order_id: a re-sent order is kept once. Rewrites the whole table
// atomically, so running it again gives the same result. Prints the number of
// rows loaded (registered as rows_loaded) and sets duplicates_dropped.

const fs = require('node:fs');
const path = require('node:path');
const { paths, writeAtomic, setOutput, log, rel, readNdjsonLines } = require('./lib');

const batches = fs.readdirSync(paths.staged).filter((f) => f.endsWith('.ndjson')).sort();
const byId = new Map();
let duplicates = 0;
for (const name of batches) {
  for (const line of readNdjsonLines(path.join(paths.staged, name))) {
    const row = JSON.parse(line);
    if (byId.has(row.order_id)) {
      duplicates++;
      continue;
    }
    byId.set(row.order_id, row);
  }
}
const rows = [...byId.values()].sort((a, b) => a.order_id - b.order_id);
writeAtomic(paths.warehouse, rows.map((r) => JSON.stringify(r) + '\n').join(''));
log(`loaded ${rows.length} rows from ${batches.length} batches into ${rel(paths.warehouse)}; dropped ${duplicates} duplicate order(s)`);

setOutput('duplicates_dropped', duplicates);
console.log(rows.length);
