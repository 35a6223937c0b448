#!/usr/bin/env node
// Thin launcher: the CLI is one esbuild bundle (dist/cli.js) that dist/launch.js loads through a V8 code
// cache; both are built by `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const dist = path.join(__dirname, '..', 'dist');
if (!fs.existsSync(path.join(dist, 'cli.js')) || !fs.existsSync(path.join(dist, 'launch.js'))) {
  process.stderr.write('cairn: dist/cli.js is missing; run `npm ci && npm run build` in ' + path.dirname(__dirname) + '\n');
  process.exit(2);
}
const argv = process.argv.slice(2);
const cli = require(path.join(dist, 'launch.js')).loadCli(argv);
cli.exitQuietlyOnEpipe();
cli.main(argv).then(
  (code) => exitWhenWritten(code),
  (e) => {
    process.stderr.write('cairn: internal error: ' + (e && e.stack ? e.stack : String(e)) + '\n');
    exitWhenWritten(2);
  },
);

// Exits once the output is written instead of when Node has taken everything down: a natural exit frees every
// handle and the whole heap first (~5 ms of a one-task run). Nothing of Cairn's is in flight once main() has
// resolved (a run's end waits for its side work; the final checkpoint is a detached process of its own).
function exitWhenWritten(code) {
  let streams = 2;
  const written = () => {
    if (--streams === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
