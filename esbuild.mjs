// One esbuild bundle per process (CONVENTIONS habit 10): the CLI, the two
// helpers it forks (exec host, run checkpointer), the extension and the
// language server, and the debug adapter.
// The run view (a webview) is a browser bundle of its own.
// `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const watch = process.argv.includes('--watch');

// Names this build of the engine for its cache of checked workflow models (runner/engine/build-id.ts): a
// model is only reused by the validator that checked it. A hash of the runner's sources rather than the
// version, which stays the same across development builds. A watch build would keep one name across its
// rebuilds, so it names none (then the bundle hashes itself when it first needs a name).
function runnerBuildId() {
  const hash = createHash('sha256');
  const files = readdirSync('runner', { recursive: true }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  for (const f of files) hash.update(`${f}\0`).update(readFileSync(`runner/${f}`)).update('\0');
  return hash.digest('hex').slice(0, 16);
}
const engineBuild = watch ? {} : { CAIRN_BUILD: JSON.stringify(runnerBuildId()) };

// ESM dependencies (fdir, under tinyglobby) call createRequire(import.meta.url);
// in a CommonJS bundle import.meta is empty, so give it this file's URL.
const cjsImportMeta = {
  define: { 'import.meta.url': '__cairnImportMetaUrl' },
  banner: { js: "const __cairnImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// The run view's layout worker, as text the view starts from a blob (webview/layout-worker-start.ts says why):
// `import source from 'cairn:layout-worker'` bundles webview/layout-worker.ts on its own, each time the view is
// built, so a watch build follows edits to it.
/** @type {esbuild.Plugin} */
const layoutWorkerText = {
  name: 'cairn-layout-worker',
  setup(build) {
    build.onResolve({ filter: /^cairn:layout-worker$/ }, () => ({ path: 'layout-worker', namespace: 'cairn-worker' }));
    build.onLoad({ filter: /.*/, namespace: 'cairn-worker' }, async () => {
      const out = await esbuild.build({
        entryPoints: ['webview/layout-worker.ts'],
        bundle: true,
        write: false,
        platform: 'browser',
        target: 'chrome120',
        format: 'iife',
        minify: !watch,
        legalComments: 'none',
        metafile: true,
      });
      return { contents: out.outputFiles[0].text, loader: 'text', watchFiles: Object.keys(out.metafile.inputs) };
    });
  },
};

/** @type {esbuild.BuildOptions[]} */
const bundles = [
  {
    entryPoints: ['runner/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { CAIRN_VERSION: JSON.stringify(pkg.version), ...engineBuild, ...cjsImportMeta.define },
    banner: cjsImportMeta.banner,
  },
  {
    // What bin/cairn.js loads first: it compiles dist/cli.js with a V8 code cache (runner/cli/code-cache.ts).
    entryPoints: ['runner/cli/launch.ts'],
    outfile: 'dist/launch.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
  },
  {
    // The extension host side: vscode is provided by the editor at run time.
    entryPoints: ['client/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
  },
  {
    // The language server, started by the extension (IPC) or by any LSP client (--stdio).
    entryPoints: ['server/main.ts'],
    outfile: 'dist/server.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { CAIRN_VERSION: JSON.stringify(pkg.version), ...engineBuild, ...cjsImportMeta.define },
    banner: cjsImportMeta.banner,
  },
  {
    // The exec host the CLI forks to spawn tasks from a small process (runner/exec/exec-host.ts says why).
    entryPoints: ['runner/exec/host-main.ts'],
    outfile: 'dist/exec-host.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
  },
  {
    // The checkpointer the CLI forks while a run goes on (sql.js stays out of the driver).
    entryPoints: ['runner/store/checkpoint-main.ts'],
    outfile: 'dist/checkpoint.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
  },
  {
    // The debug adapter, a process of its own speaking DAP on stdio (client/debug.ts starts it; the DebugClient tests too).
    entryPoints: ['runner/debug/adapter-main.ts'],
    outfile: 'dist/debug-adapter.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { CAIRN_VERSION: JSON.stringify(pkg.version), ...engineBuild, ...cjsImportMeta.define },
    banner: cjsImportMeta.banner,
  },
  {
    // The run view, loaded by client/run-view.ts into a webview: a browser, no Node, no vscode (only messages).
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview/run-view.js',
    platform: 'browser',
    // VS Code 1.91's Electron is Chromium 124.
    target: 'chrome120',
    format: 'iife',
    minify: !watch,
    plugins: [layoutWorkerText],
  },
];

const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };

// sql.js loads its WASM at run time: ship it beside the bundles.
mkdirSync('dist', { recursive: true });
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
// The run view's style sheet is loaded as a file (the webview's CSP allows no inline style).
mkdirSync('dist/webview', { recursive: true });
copyFileSync('webview/run-view.css', 'dist/webview/run-view.css');
const writeEmptyRunDb = () => execFileSync(process.execPath, ['dist/checkpoint.js', '--write-empty', 'dist/empty-run.db'], { stdio: 'inherit' });
if (watch) {
  for (const b of bundles) await (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all(bundles.map((b) => esbuild.build({ ...common, ...b })));
  writeEmptyRunDb();
}
