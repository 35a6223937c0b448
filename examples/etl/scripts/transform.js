'use strict';
// Cleans the raw extract in batches of BATCH_SIZE rows. Each batch is written to
// out/staged/ (good rows) and out/rejects/ (rows with the reason they were
// refused), and only then is `cursor=<rows done>` appended to $CAIRN_OUTPUT.
// That line is a checkpoint: if this task fails or is killed, the next attempt
// finds the cursor in $CAIRN_VAR_cursor and starts from there, not from row 0.
// When every batch is done it sets rows_transformed and rows_rejected.

const fs = require('node:fs');
const path = require('node:path');
const { paths, writeAtomic, setOutput, log, rel, readNdjsonLines } = require('./lib');

const batchSize = Number(process.env.BATCH_SIZE || 500);
const failAfterBatch = Number(process.env.FAIL_AFTER_BATCH || 0);
if (!Number.isInteger(batchSize) || batchSize < 1) {
  log(`transform: batch_size must be a positive integer, got "${process.env.BATCH_SIZE}"`);
  process.exit(2);
}
// A short pause per batch, so a live run view (and a curious user with Ctrl-C)
// can see the cursor move.
const PAUSE_MS = 100;

const rows = fs.readFileSync(paths.raw, 'utf8').trimEnd().split('\n').slice(1);

// Batch files are named by the rows they cover, e.g. rows-000500-000999.ndjson.
const batchName = (from, to) => `rows-${String(from).padStart(6, '0')}-${String(to - 1).padStart(6, '0')}.ndjson`;
const batchRange = (name) => name.match(/^rows-(\d+)-(\d+)\.ndjson$/)?.slice(1).map(Number);
const listBatches = (dir) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => batchRange(f)).sort() : [];

// Decide where to start. A checkpoint is trusted only if the staged files on disk
// really cover rows [0, cursor); otherwise (out/ deleted, source replaced) start over.
function startingCursor() {
  const saved = process.env.CAIRN_VAR_cursor;
  if (saved === undefined || saved === '') return 0;
  const cursor = Number(saved);
  let covered = 0;
  for (const name of listBatches(paths.staged)) {
    const [from, to] = batchRange(name);
    if (from !== covered || to >= cursor) break;
    if (!fs.existsSync(path.join(paths.rejects, name))) break;
    covered = to + 1;
  }
  if (!Number.isInteger(cursor) || cursor > rows.length || covered !== cursor) {
    log(`checkpoint cursor=${saved} does not match the files in ${rel(paths.staged)}; starting over`);
    return 0;
  }
  return cursor;
}

const COUNTRIES = new Set(['DE', 'FR', 'US', 'GB', 'NL', 'ES', 'IT', 'PL', 'SE', 'JP']);

// One raw CSV line -> { ok: record } or { reason }. The generator never quotes
// fields, so a split on commas is a correct parser here.
function clean(line, rowNumber) {
  const [order_id, ordered_at, email, country, sku, quantity, unit_price] = line.split(',');
  if (!/^\d+$/.test(order_id ?? '')) return { reason: 'bad order_id' };
  const at = new Date(ordered_at);
  if (Number.isNaN(at.getTime()) || at.toISOString().replace('.000', '') !== ordered_at) {
    return { reason: `bad ordered_at "${ordered_at}"` };
  }
  if (!COUNTRIES.has(country)) return { reason: `unknown country "${country}"` };
  if (!/^SKU-\d{4}$/.test(sku)) return { reason: `bad sku "${sku}"` };
  if (!/^[1-9]\d*$/.test(quantity)) return { reason: `bad quantity "${quantity}"` };
  if (!/^\d+\.\d{2}$/.test(unit_price)) return { reason: `bad unit_price "${unit_price}"` };
  const unitCents = Math.round(Number(unit_price) * 100);
  return {
    ok: {
      order_id: Number(order_id),
      ordered_at,
      day: ordered_at.slice(0, 10),
      customer_email: email.trim().toLowerCase(),
      country,
      sku,
      quantity: Number(quantity),
      unit_cents: unitCents,
      amount_cents: unitCents * Number(quantity),
      source_row: rowNumber,
    },
  };
}

let cursor = startingCursor();
const resumed = cursor > 0;
if (resumed) {
  log(`resuming from checkpoint: cursor=${cursor} (${cursor} of ${rows.length} rows already staged)`);
} else {
  fs.rmSync(paths.staged, { recursive: true, force: true });
  fs.rmSync(paths.rejects, { recursive: true, force: true });
}
// Batches at or after the cursor may be left over from a crash between writing
// a batch and checkpointing it, possibly with another batch size: redo them.
for (const dir of [paths.staged, paths.rejects]) {
  for (const name of listBatches(dir)) {
    if (batchRange(name)[0] >= cursor) fs.rmSync(path.join(dir, name));
  }
}

const totalBatches = Math.ceil(rows.length / batchSize);
let batchesThisAttempt = 0;
while (cursor < rows.length) {
  const from = cursor;
  const to = Math.min(from + batchSize, rows.length);
  const good = [];
  const bad = [];
  for (let i = from; i < to; i++) {
    const result = clean(rows[i], i + 2); // +2: 1-based, after the header line
    if (result.ok) good.push(JSON.stringify(result.ok));
    else bad.push(JSON.stringify({ source_row: i + 2, reason: result.reason, line: rows[i] }));
  }
  const name = batchName(from, to);
  writeAtomic(path.join(paths.rejects, name), bad.map((l) => l + '\n').join(''));
  writeAtomic(path.join(paths.staged, name), good.map((l) => l + '\n').join(''));
  cursor = to;
  setOutput('cursor', cursor);
  batchesThisAttempt++;
  const batchNo = Math.floor(from / batchSize) + 1;
  log(`batch ${batchNo}/${totalBatches}: rows ${from}-${to - 1}, ${good.length} ok, ${bad.length} rejected, cursor=${cursor}`);

  // Failure injection for the Cairn demo (var fail_after_batch): fail once, on a
  // run that started without a checkpoint, so that a resume goes through.
  if (failAfterBatch > 0 && !resumed && batchesThisAttempt === failAfterBatch && cursor < rows.length) {
    log(`note: fail_after_batch=${failAfterBatch}: failing on purpose; resume to continue from cursor=${cursor}`);
    log(`transform: error: currency rates service timed out (ETIMEDOUT) after batch ${batchNo}; ${cursor} of ${rows.length} rows are checkpointed`);
    process.exit(1);
  }
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS);
}

const count = (dir) => listBatches(dir).reduce((n, f) => n + readNdjsonLines(path.join(dir, f)).length, 0);
const transformed = count(paths.staged);
const rejected = count(paths.rejects);
if (transformed + rejected !== rows.length) {
  log(`transform: staged ${transformed} + rejected ${rejected} != ${rows.length} source rows`);
  process.exit(1);
}
setOutput('rows_transformed', transformed);
setOutput('rows_rejected', rejected);
log(`done: ${transformed} rows staged in ${rel(paths.staged)}, ${rejected} rejected (see ${rel(paths.rejects)})`);
