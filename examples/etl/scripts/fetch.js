'use strict';
// Simulated extract: "downloads" the source export (data/orders.csv stands in
// for the remote system) into out/raw/, checks its shape, and prints the row
// count, which the workflow registers. The checksum is set as `source_sha256`.

const crypto = require('node:crypto');
const fs = require('node:fs');
const { paths, writeAtomic, setOutput, log, rel } = require('./lib');

const EXPECTED_HEADER = 'order_id,ordered_at,customer_email,country,sku,quantity,unit_price';

log(`fetching ${rel(paths.source)} ...`);
const text = fs.readFileSync(paths.source, 'utf8');
const lines = text.trimEnd().split('\n');
if (lines[0] !== EXPECTED_HEADER) {
  log(`fetch: unexpected header in ${rel(paths.source)}:\n  got      ${lines[0]}\n  expected ${EXPECTED_HEADER}`);
  process.exit(1);
}
const sha256 = crypto.createHash('sha256').update(text).digest('hex');
writeAtomic(paths.raw, text);
const rows = lines.length - 1;
log(`saved ${rel(paths.raw)}: ${rows} rows, ${text.length} bytes, sha256 ${sha256.slice(0, 12)}`);

setOutput('source_sha256', sha256);
console.log(rows);
