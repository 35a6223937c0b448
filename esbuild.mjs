// One esbuild bundle per process (CONVENTIONS habit 10). Today: the CLI.
// The extension host, language server, debug adapter and webview bundles join
// this list as they are written. `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const watch = process.argv.includes('--watch');

/** @type {esbuild.BuildOptions[]} */
const bundles = [
  {
    entryPoints: ['runner/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { CAIRN_VERSION: JSON.stringify(pkg.version) },
  },
];

const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };
if (watch) {
  for (const b of bundles) await (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all(bundles.map((b) => esbuild.build({ ...common, ...b })));
}
