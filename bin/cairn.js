#!/usr/bin/env node
// Thin launcher: the CLI is one esbuild bundle (dist/cli.js), built by `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('cairn: dist/cli.js is missing; run `npm ci && npm run build` in ' + path.dirname(__dirname) + '\n');
  process.exit(2);
}
const cli = require(bundle);
cli.exitQuietlyOnEpipe();
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write('cairn: internal error: ' + (e && e.stack ? e.stack : String(e)) + '\n'); process.exitCode = 2; },
);
