// What both drivers (run-e2e.ts on code-server, run-desktop.ts on @vscode/test-electron) prepare: the
// extension's bundles, the in-host suite's bundle, a per-run temp folder that every started process
// uses for home, config, data and temp files, and a workspace copy of examples/ with a broken workflow
// and one finished run in its store (for hovers with run facts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { SuiteResults } from './suite/results';
import { log, REPO_ROOT, runOrThrow, SUITE_OUT_DIR } from './tools';

const SUITE_DIR = path.join(REPO_ROOT, 'test', 'e2e', 'suite');
export const SUITE_ENTRY = path.join(SUITE_OUT_DIR, 'index.js');

/** The extension's bundles (dist/), made the way `npm run build` makes them. */
export async function buildExtension(): Promise<void> {
  log('building the extension bundles (node esbuild.mjs)');
  await runOrThrow(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, timeoutMs: 5 * 60_000 });
}

/**
 * Bundles the in-host suite into out/e2e/suite/: index.js (with Mocha inside) and one file per
 * *.test.ts, which Mocha loads itself so that `describe`/`it` exist when they run. `vscode` is the
 * editor's own module.
 */
export async function bundleSuite(): Promise<void> {
  const tests = fs.readdirSync(SUITE_DIR).filter((f) => f.endsWith('.test.ts'));
  fs.rmSync(SUITE_OUT_DIR, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: ['index.ts', ...tests].map((f) => path.join(SUITE_DIR, f)),
    outdir: SUITE_OUT_DIR,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
    // Mocha's parallel mode (worker files found with require.resolve) is not used in the extension host.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  log(`bundled the in-host suite: index.js + ${tests.length} test files in ${path.relative(REPO_ROOT, SUITE_OUT_DIR)}`);
}

export interface RunDirs {
  readonly root: string;
  readonly home: string;
  readonly tmp: string;
  /** HOME, XDG_* and TMPDIR pointing into the run folder, on top of the caller's environment. */
  readonly env: NodeJS.ProcessEnv;
}

/** A fresh temp folder for one harness run; every process the harness starts gets `env`. */
export function makeRunDirs(prefix: string): RunDirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const home = path.join(root, 'home');
  const tmp = path.join(root, 'tmp');
  for (const d of [home, tmp, path.join(home, '.config'), path.join(home, '.local', 'share'), path.join(home, '.cache')]) fs.mkdirSync(d, { recursive: true });
  const env = childEnv({
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    TMPDIR: tmp,
  });
  return { root, home, tmp, env };
}

/**
 * The environment for processes a driver starts: the driver's own, less tsx's loader (NODE_OPTIONS) and
 * the npm_* variables of an enclosing `npm run` (an npm started inside would read them as its config),
 * plus `overrides`.
 */
export function childEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
  delete env.NODE_OPTIONS;
  for (const k of Object.keys(env)) if (k.toLowerCase().startsWith('npm_')) delete env[k];
  return env;
}

/** Copies examples/ into `dir`, without what earlier runs wrote there (out/ folders, .cairn stores). */
export function copyExamples(dir: string): void {
  const examples = path.join(REPO_ROOT, 'examples');
  fs.cpSync(examples, dir, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(examples, src).split(path.sep);
      return !rel.includes('out') && !rel.includes('.cairn');
    },
  });
}

/**
 * A workspace: a copy of examples/ plus test/e2e/fixtures/*, then `cairn run etl.cairn.toml` once with
 * the built CLI so the store holds a finished run.
 */
export async function prepareWorkspace(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  copyExamples(dir);
  const fixtures = path.join(REPO_ROOT, 'test', 'e2e', 'fixtures');
  for (const f of fs.readdirSync(fixtures)) fs.copyFileSync(path.join(fixtures, f), path.join(dir, f));
  await runOrThrow(process.execPath, [path.join(REPO_ROOT, 'bin', 'cairn.js'), 'run', 'etl.cairn.toml'], { cwd: dir, env, capture: true, timeoutMs: 60_000 });
}

/** Editor settings for a test profile: no welcome page, no update checks, no AI panels. */
export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'update.mode': 'none',
  'files.autoSave': 'off',
  'git.enabled': false,
  'window.restoreWindows': 'none',
};

export function writeUserSettings(userDataDir: string): void {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), `${JSON.stringify(USER_SETTINGS, null, 2)}\n`);
}

export function readResults(file: string): SuiteResults | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
  } catch {
    return undefined;
  }
}

/** Mocha-spec-like lines for the in-host results (the extension host's own output is not readable). */
export function printResults(heading: string, results: SuiteResults | undefined): void {
  process.stdout.write(`\n${heading}\n`);
  if (!results) {
    process.stdout.write('  (no results written: the suite did not start)\n');
    return;
  }
  for (const t of results.tests) {
    process.stdout.write(`  ${t.state === 'passed' ? '✓' : '✗'} ${t.title} (${t.durationMs} ms)\n`);
    if (t.error !== undefined) process.stdout.write(`${t.error.replace(/^/gm, '      ')}\n`);
  }
  if (!results.done) process.stdout.write('  (the suite did not finish)\n');
  process.stdout.write(`  ${results.passed} passing, ${results.failed} failing\n`);
}
