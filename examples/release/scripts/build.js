'use strict';
// Bundles src/ into one self-contained file, out/receipt-kit-<VERSION>.js, with the
// version stamped in, and writes out/build-info.json (checksums, for the deploy).
// A bundler in forty lines: each module becomes a function in a table, and a tiny
// `require` resolves the relative names between them.

const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const version = process.env.VERSION;
if (!version || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
  console.error(`build: VERSION must be a semantic version, got "${version ?? ''}"`);
  process.exit(2);
}

const root = path.join(__dirname, '..');
const srcDir = path.join(root, 'src');
const outDir = path.join(root, 'out');
const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

const modules = {};
const sources = {};
for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith('.js')).sort()) {
  let text = fs.readFileSync(path.join(srcDir, file), 'utf8').replace(/^#!.*\n/, '');
  sources[`src/${file}`] = sha256(text);
  if (file === 'version.js') text = `'use strict';\nmodule.exports = ${JSON.stringify(version)};\n`;
  modules[`./${file.replace(/\.js$/, '')}`] = text;
}

const bundle = [
  '#!/usr/bin/env node',
  `// receipt-kit ${version}, bundled by examples/release/scripts/build.js`,
  "'use strict';",
  'const __modules = {',
  ...Object.entries(modules).map(
    ([name, text]) => `${JSON.stringify(name)}: function (module, exports, require) {\n${text}},`,
  ),
  '};',
  'const __cache = {};',
  'function __require(name) {',
  '  if (!(name in __modules)) return require(name);',
  '  if (!__cache[name]) {',
  '    const module = (__cache[name] = { exports: {} });',
  '    __modules[name](module, module.exports, __require);',
  '  }',
  '  return __cache[name].exports;',
  '}',
  "module.exports = __require('./index');",
  "if (require.main === module) process.exitCode = __require('./cli').main(process.argv.slice(2));",
  '',
].join('\n');

// Failure injection for the Cairn demo: `--var fail_at=build` fails the write the
// way a full disk does.
if (process.env.CAIRN_VAR_fail_at === 'build') {
  console.log('note: fail_at=build: simulating a full disk');
  const err = new Error(`ENOSPC: no space left on device, write '${path.relative(process.cwd(), outDir)}/receipt-kit-${version}.js'`);
  err.code = 'ENOSPC';
  throw err;
}

fs.mkdirSync(outDir, { recursive: true });
const bundleFile = path.join(outDir, `receipt-kit-${version}.js`);
fs.writeFileSync(bundleFile, bundle, { mode: 0o755 });

// A bundle that cannot report its own version is not shipped.
const stamped = execFileSync(process.execPath, [bundleFile, '--version'], { encoding: 'utf8' }).trim();
if (stamped !== version) {
  console.error(`build: bundle reports version "${stamped}", expected "${version}"`);
  process.exit(1);
}

const info = { name: 'receipt-kit', version, bundle: path.basename(bundleFile), sha256: sha256(bundle), sources };
fs.writeFileSync(path.join(outDir, 'build-info.json'), JSON.stringify(info, null, 2) + '\n');
console.log(`built ${path.relative(process.cwd(), bundleFile)} (${Buffer.byteLength(bundle)} bytes, sha256 ${info.sha256.slice(0, 12)})`);
