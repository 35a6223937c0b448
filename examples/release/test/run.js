'use strict';
// `node test/run.js <unit|integration>` loads every *.test.js of that suite and runs it.

const fs = require('node:fs');
const path = require('node:path');
const { run } = require('./harness');

const suite = process.argv[2];
const dir = path.join(__dirname, suite ?? '');
if (!suite || !fs.existsSync(dir)) {
  console.error('usage: node test/run.js <unit|integration>');
  process.exit(2);
}
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort();
for (const file of files) require(path.join(dir, file));

run(`${suite} tests (${files.length} file${files.length === 1 ? "" : "s"})`).then((ok) => {
  process.exitCode = ok ? 0 : 1;
});
