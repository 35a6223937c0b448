'use strict';
// Shared by the etl scripts: where things live, crash-safe writes, and the
// $CAIRN_OUTPUT protocol for setting Cairn variables.

const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const paths = {
  source: path.join(root, 'data', 'orders.csv'),
  out: path.join(root, 'out'),
  raw: path.join(root, 'out', 'raw', 'orders.csv'),
  staged: path.join(root, 'out', 'staged'),
  rejects: path.join(root, 'out', 'rejects'),
  warehouse: path.join(root, 'out', 'warehouse', 'orders.ndjson'),
  profile: path.join(root, 'out', 'profile.json'),
  report: path.join(root, 'out', 'report.txt'),
};

// Write to a temporary file, then rename: a crash leaves the old file or the
// new one, never half of one. That is what makes re-running a batch safe.
function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

// Each `name=value` line appended to $CAIRN_OUTPUT sets a Cairn variable at once
// (a durable snapshot). Outside Cairn the variable is just logged.
function setOutput(name, value) {
  const file = process.env.CAIRN_OUTPUT;
  if (file) fs.appendFileSync(file, `${name}=${value}\n`);
  else log(`(CAIRN_OUTPUT not set) ${name}=${value}`);
}

// Progress goes to stderr: stdout is reserved for the value a task registers.
function log(message) {
  process.stderr.write(`${message}\n`);
}

function rel(file) {
  return path.relative(process.cwd(), file) || '.';
}

function readNdjsonLines(file) {
  const text = fs.readFileSync(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n');
}

module.exports = { paths, writeAtomic, setOutput, log, rel, readNdjsonLines };
