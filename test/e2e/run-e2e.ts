// `npm run test:e2e` (after `npm run e2e:setup`): the extension in a real VS Code (code-server), three times.
//  1. The in-host suite (test/e2e/suite, Mocha) runs inside code-server's extension host, with the repo
//     as extensionDevelopmentPath, started through the smoke-test driver's URL payload; it writes its
//     results to a file since its console goes to the browser.
//  2. UI tests (ui-tests.ts) drive the workbench with Playwright after installing cairn.vsix, as a user
//     would, and save screenshots to test/e2e/artifacts/.
//  3. UI tests in an untrusted workspace (untrusted-tests.ts): workspace trust left on and the folder not
//     trusted; editing works, and no path starts a run or a debug session.
// Everything runs in a fresh temp folder (removed afterwards unless CAIRN_E2E_KEEP=1); code-server runs
// in its own process group, killed after each part and on any failure, interrupt or timeout.
// Ends with "e2e: N passed, N failed"; exits non-zero on any failure.
// CAIRN_E2E_ONLY=host|ui|untrusted runs one part (ui: 2 and 3); CAIRN_E2E_GREP filters the in-host tests by title.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { installExtension, launchBrowser, startCodeServer, type CodeServer } from './code-server';
import { buildExtension, bundleSuite, makeRunDirs, prepareUntrustedWorkspace, prepareWorkspace, printResults, readResults, SUITE_ENTRY, writeUserSettings, type RunDirs } from './prepare';
import type { SuiteResults } from './suite/results';
import { ARTIFACTS_DIR, log, missingTools, REPO_ROOT, runOrThrow, seconds } from './tools';
import { UI_TESTS, Workbench, type UiTest } from './ui-tests';
import { UNTRUSTED_UI_TESTS } from './untrusted-tests';

const WHOLE_RUN_TIMEOUT_MS = 15 * 60_000;
const HOST_SUITE_TIMEOUT_MS = 5 * 60_000;
const UI_TEST_TIMEOUT_MS = 90_000;

interface Tally {
  passed: number;
  failed: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Browser console lines go to a log in the artifacts (Mocha's own output lands there too). */
function recordConsole(page: Page, file: string): void {
  page.on('console', (m) => fs.appendFileSync(file, `[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => fs.appendFileSync(file, `[pageerror] ${e.stack ?? e.message}\n`));
  page.on('requestfailed', (r) => fs.appendFileSync(file, `[requestfailed] ${r.url()} ${r.failure()?.errorText ?? ''}\n`));
}

/**
 * `vsce package` as `npm run package` runs it (.vscodeignore decides what goes in), from a copy of the
 * repo without node_modules, .cache and .git (vsce walks them all before filtering: seconds), and
 * writing the .vsix into the run folder rather than the repo.
 */
async function packageVsix(dirs: RunDirs): Promise<string> {
  const stage = path.join(dirs.root, 'package');
  const skipTop = new Set(['node_modules', '.cache', '.git', 'out', '.cairn']);
  fs.cpSync(REPO_ROOT, stage, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(REPO_ROOT, src);
      const top = rel.split(path.sep)[0] ?? '';
      return !skipTop.has(top) && !rel.endsWith('.vsix') && !rel.startsWith(path.join('test', 'e2e', 'artifacts'));
    },
  });
  const vsix = path.join(dirs.root, 'cairn.vsix');
  const vsce = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  await runOrThrow(
    process.execPath,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', vsix],
    { cwd: stage, env: dirs.env, capture: true, timeoutMs: 120_000 },
  );
  return vsix;
}

async function runHostSuite(dirs: RunDirs): Promise<SuiteResults | undefined> {
  const started = Date.now();
  const base = path.join(dirs.root, 'host');
  const workspace = path.join(base, 'workspace');
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  const resultsFile = path.join(base, 'results.json');
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir);
  await prepareWorkspace(workspace, dirs.env);

  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  try {
    server = await startCodeServer({ dirs, userDataDir, extensionsDir, workspace, smokeTestDriver: true, logFile: path.join(ARTIFACTS_DIR, 'host-code-server.log') });
    browser = await launchBrowser(dirs, 'host');
    const page = browser.pages()[0] ?? (await browser.newPage());
    recordConsole(page, path.join(ARTIFACTS_DIR, 'host-browser-console.log'));
    let exited: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (exited = resolve));
    // The workbench calls this when the extension test runner is done (smoke-test driver).
    await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));
    const remote = (p: string): string => `vscode-remote://${server?.authority ?? ''}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(REPO_ROOT)],
      ['extensionTestsPath', remote(SUITE_ENTRY)],
      ['extensionEnvironment', JSON.stringify({ CAIRN_E2E_RESULTS: resultsFile, ...(process.env.CAIRN_E2E_GREP ? { CAIRN_E2E_GREP: process.env.CAIRN_E2E_GREP } : {}) })],
    ];
    await page.goto(`${server.origin}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await withTimeout(exitCode, HOST_SUITE_TIMEOUT_MS, 'the in-host suite');
    log(`in-host suite: the workbench exited with code ${code} after ${seconds(started)}`);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, '00-host-suite-end.png') });
  } catch (e) {
    log(`in-host suite: ${e instanceof Error ? e.message : String(e)}`);
    const page = browser?.pages()[0];
    if (page) await page.screenshot({ path: path.join(ARTIFACTS_DIR, '00-host-suite-failure.png') }).catch(() => undefined);
  } finally {
    await browser?.close();
    await server?.stop();
    copyIfThere(resultsFile, path.join(ARTIFACTS_DIR, 'host-results.json'));
  }
  const results = readResults(resultsFile);
  printResults('In-host suite (Mocha in code-server\'s extension host):', results);
  return results;
}

/** One launch of code-server for UI tests: its own workspace, profile and page, the tests run in order on it. */
interface UiPass {
  /** Names its folder in the run folder, its logs and its failure screenshots. */
  readonly name: string;
  readonly heading: string;
  readonly tests: readonly UiTest[];
  prepare(workspace: string, env: NodeJS.ProcessEnv): Promise<void>;
  /** Workspace trust left on (a folder not trusted yet opens in Restricted Mode); off otherwise, every folder trusted. */
  readonly workspaceTrust: boolean;
  /** User settings on top of the tests' own. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

const UI_PASSES: readonly UiPass[] = [
  {
    name: 'ui',
    heading: 'UI tests (Playwright on code-server, extension installed from cairn.vsix):',
    tests: UI_TESTS,
    prepare: prepareWorkspace,
    workspaceTrust: false,
  },
  {
    name: 'untrusted',
    heading: 'UI tests in an untrusted workspace (workspace trust on, the folder not trusted):',
    tests: UNTRUSTED_UI_TESTS,
    prepare: prepareUntrustedWorkspace,
    workspaceTrust: true,
    // Code 1.139 opens a folder not trusted yet in Restricted Mode without asking (the default is "never"); with
    // "always" it asks at once, and the test answers as a user who does not trust the folder.
    settings: { 'security.workspace.trust.startupPrompt': 'always' },
  },
];

async function runUiPass(dirs: RunDirs, vsix: string, pass: UiPass): Promise<Tally> {
  const started = Date.now();
  const tally: Tally = { passed: 0, failed: 0 };
  const base = path.join(dirs.root, pass.name);
  const workspace = path.join(base, 'workspace');
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  const logFile = path.join(ARTIFACTS_DIR, `${pass.name}-code-server.log`);
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir, pass.settings);
  await pass.prepare(workspace, dirs.env);
  await installExtension(vsix, { dirs, userDataDir, extensionsDir, logFile });
  log(`${pass.name}: prepared the workspace and installed cairn.vsix in ${seconds(started)}`);

  process.stdout.write(`\n${pass.heading}\n`);
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  try {
    server = await startCodeServer({ dirs, userDataDir, extensionsDir, workspace, smokeTestDriver: false, logFile, workspaceTrust: pass.workspaceTrust });
    browser = await launchBrowser(dirs, pass.name);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(20_000);
    recordConsole(page, path.join(ARTIFACTS_DIR, `${pass.name}-browser-console.log`));
    await page.goto(`${server.origin}/?folder=${encodeURIComponent(workspace)}`);
    const workbench = new Workbench(page, ARTIFACTS_DIR, workspace);
    await workbench.ready();
    for (const [i, test] of pass.tests.entries()) {
      const t0 = Date.now();
      try {
        await withTimeout(test.run(workbench), UI_TEST_TIMEOUT_MS, test.name);
        tally.passed++;
        process.stdout.write(`  ✓ ${test.name} (${Date.now() - t0} ms)\n`);
      } catch (e) {
        tally.failed++;
        process.stdout.write(`  ✗ ${test.name}\n${String(e instanceof Error ? (e.stack ?? e.message) : e).replace(/^/gm, '      ')}\n`);
        const shot = `failed-${pass.name === 'ui' ? '' : `${pass.name}-`}${String(i + 1).padStart(2, '0')}.png`;
        await page.screenshot({ path: path.join(ARTIFACTS_DIR, shot) }).catch(() => undefined);
      }
    }
  } catch (e) {
    tally.failed++;
    process.stdout.write(`  ✗ the workbench did not come up: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    await browser?.close();
    await server?.stop();
  }
  process.stdout.write(`  ${tally.passed} passing, ${tally.failed} failing (${seconds(started)})\n`);
  return tally;
}

function copyIfThere(from: string, to: string): void {
  if (fs.existsSync(from)) fs.copyFileSync(from, to);
}

async function main(): Promise<number> {
  const started = Date.now();
  const missing = missingTools();
  if (missing.length > 0) {
    process.stderr.write(`[e2e] missing: ${missing.join('; ')}\n[e2e] run \`npm run e2e:setup\` first (npm run test:e2e does)\n`);
    return 1;
  }
  const only = process.env.CAIRN_E2E_ONLY;
  fs.rmSync(ARTIFACTS_DIR, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const dirs = makeRunDirs('cairn-e2e-');
  // Playwright keeps its own temp files under the driver's TMPDIR: make that the run's too.
  process.env.TMPDIR = dirs.tmp;
  log(`run folder ${dirs.root}`);
  const keep = process.env.CAIRN_E2E_KEEP === '1';
  // Also on an interrupt or the watchdog's exit (code-server.ts kills the process groups first).
  const removeRunFolder = (): void => {
    if (!keep) fs.rmSync(dirs.root, { recursive: true, force: true });
  };
  process.on('exit', removeRunFolder);
  const tally: Tally = { passed: 0, failed: 0 };
  try {
    await buildExtension();
    await bundleSuite();
    if (only === undefined || only === '' || only === 'host') {
      const results = await runHostSuite(dirs);
      tally.passed += results?.passed ?? 0;
      tally.failed += results?.failed ?? 0;
      // A suite that never finished, or ran nothing, is a failure even with no failed test.
      if (!results?.done || results.tests.length === 0) tally.failed++;
    }
    // `ui` is every UI pass; `untrusted` that pass alone.
    const passes = UI_PASSES.filter((p) => only === undefined || only === '' || only === 'ui' || only === p.name);
    if (passes.length > 0) {
      const t0 = Date.now();
      const vsix = await packageVsix(dirs);
      log(`packaged cairn.vsix in ${seconds(t0)}`);
      for (const pass of passes) {
        const ui = await runUiPass(dirs, vsix, pass);
        tally.passed += ui.passed;
        tally.failed += ui.failed;
      }
    }
  } catch (e) {
    tally.failed++;
    process.stderr.write(`[e2e] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  } finally {
    if (keep) log(`kept ${dirs.root}`);
    removeRunFolder();
  }
  log(`screenshots and logs in ${path.relative(REPO_ROOT, ARTIFACTS_DIR)}/; took ${seconds(started)}`);
  process.stdout.write(`e2e: ${tally.passed} passed, ${tally.failed} failed\n`);
  return tally.failed > 0 || tally.passed === 0 ? 1 : 0;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`[e2e] the whole run took over ${WHOLE_RUN_TIMEOUT_MS / 60_000} min: stopping everything\ne2e: 0 passed, 1 failed\n`);
  process.exit(1);
}, WHOLE_RUN_TIMEOUT_MS);

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`[e2e] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\ne2e: 0 passed, 1 failed\n`);
    process.exit(1);
  },
);
