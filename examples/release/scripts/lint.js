'use strict';
// The project's lint: a handful of house rules checked line by line, reported
// as `file:line:col  message  (rule)` so editors and Cairn logs can link them.

const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const srcDir = path.join(root, 'src');

// Failure injection for the Cairn demo: `--var fail_at=lint` tightens max-len,
// as if someone had just made the lint config stricter.
const injected = process.env.CAIRN_VAR_fail_at === 'lint';
const MAX_LEN = injected ? 80 : 100;
if (injected) console.log(`note: fail_at=lint: max-len lowered to ${MAX_LEN}`);

const findings = [];
const files = fs.readdirSync(srcDir).filter((f) => f.endsWith('.js')).sort();
for (const file of files) {
  const rel = path.relative(process.cwd(), path.join(srcDir, file));
  const lines = fs.readFileSync(path.join(srcDir, file), 'utf8').split('\n');
  const report = (line, col, message, rule) => findings.push(`${rel}:${line}:${col}  ${message}  (${rule})`);

  const firstCode = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#!'));
  if (lines[firstCode] !== "'use strict';") report(firstCode + 1, 1, "missing 'use strict'", 'strict');
  lines.forEach((text, i) => {
    if (text.length > MAX_LEN) report(i + 1, MAX_LEN + 1, `line is ${text.length} characters (max ${MAX_LEN})`, 'max-len');
    if (/\s+$/.test(text)) report(i + 1, text.trimEnd().length + 1, 'trailing whitespace', 'no-trailing-spaces');
    if (/\t/.test(text)) report(i + 1, text.indexOf('\t') + 1, 'tab character', 'no-tabs');
    if (/\bdebugger\b/.test(text)) report(i + 1, text.indexOf('debugger') + 1, 'debugger statement', 'no-debugger');
    // Only the CLI may print; library modules return values.
    if (file !== 'cli.js' && /\bconsole\.\w+\(/.test(text)) {
      report(i + 1, text.indexOf('console') + 1, 'console call in a library module', 'no-console');
    }
  });
}

if (findings.length) {
  console.log(findings.join('\n'));
  console.log(`\n✗ ${findings.length} problem(s) in ${files.length} files`);
  process.exitCode = 1;
} else {
  console.log(`✓ ${files.length} files clean (strict, max-len ${MAX_LEN}, no-console, no-debugger, whitespace)`);
}
