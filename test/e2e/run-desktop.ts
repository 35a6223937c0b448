// `npm run test:desktop`: the same in-host suite (test/e2e/suite, same run() entry) in a desktop VS Code
// downloaded by @vscode/test-electron, for contributors whose machine reaches the VS Code download
// site (machines without internet fail at the download, with a message saying so; run
// `npm run test:e2e` there: code-server is a real VS Code from the npm registry).
// test-electron downloads and unpacks VS Code into .cache/e2e/vscode-test; this driver starts it with
// the arguments test-electron's runTests() uses, but in its own process group with every profile,
// config and temp folder in a per-run temp folder, and kills the group afterwards.
// CAIRN_VSCODE_VERSION picks another VS Code version (default: the Code version of the pinned code-server).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadAndUnzipVSCode } from '@vscode/test-electron';
import { waitUntil } from './code-server';
import { buildExtension, bundleSuite, makeRunDirs, prepareWorkspace, printResults, readResults, SUITE_ENTRY, writeUserSettings } from './prepare';
import type { SuiteResults } from './suite/results';
import { CACHE_DIR, CODE_VERSION, groupAlive, killGroup, log, REPO_ROOT } from './tools';

const RUN_TIMEOUT_MS = 10 * 60_000;

function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d.length > 0 && fs.existsSync(path.join(d, name)));
}

async function main(): Promise<number> {
  const version = process.env.CAIRN_VSCODE_VERSION ?? CODE_VERSION;
  let executable: string;
  try {
    executable = await downloadAndUnzipVSCode({ version, cachePath: path.join(CACHE_DIR, 'vscode-test'), timeout: 30_000 });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(
      `[e2e] could not download VS Code ${version} for the desktop run: ${message}\n` +
        '[e2e] test:desktop needs the VS Code download site (update.code.visualstudio.com). Without internet, run the same suite\n' +
        '[e2e] in code-server instead: npm run test:e2e\n',
    );
    return 1;
  }

  await buildExtension();
  await bundleSuite();
  const dirs = makeRunDirs('cairn-desktop-');
  const workspace = path.join(dirs.root, 'workspace');
  const userDataDir = path.join(dirs.root, 'user-data');
  const extensionsDir = path.join(dirs.root, 'extensions');
  const resultsFile = path.join(dirs.root, 'results.json');
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir);
  let pid: number | undefined;
  let results: SuiteResults | undefined;
  const killAll = (): void => killGroup(pid, 'SIGKILL');
  process.on('exit', killAll);
  try {
    await prepareWorkspace(workspace, dirs.env);
    // runTests()'s arguments, with our own profile folders.
    const args = [
      workspace,
      '--no-sandbox',
      '--disable-gpu-sandbox',
      '--disable-updates',
      '--skip-welcome',
      '--skip-release-notes',
      '--disable-workspace-trust',
      `--user-data-dir=${userDataDir}`,
      `--extensions-dir=${extensionsDir}`,
      `--extensionDevelopmentPath=${REPO_ROOT}`,
      `--extensionTestsPath=${SUITE_ENTRY}`,
    ];
    // Electron needs a display; on a headless Linux box, a virtual one.
    const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
    if (headless && !hasCommand('xvfb-run')) log('no DISPLAY and no xvfb-run: VS Code may fail to start (apt-get install xvfb)');
    const [command, commandArgs] = headless && hasCommand('xvfb-run') ? ['xvfb-run', ['-a', executable, ...args]] : [executable, args];
    log(`starting VS Code ${version}: ${executable}`);
    const child = spawn(command, commandArgs, { env: { ...dirs.env, CAIRN_E2E_RESULTS: resultsFile }, cwd: dirs.tmp, detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
    pid = child.pid;
    const exit = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
    const timer = setTimeout(killAll, RUN_TIMEOUT_MS);
    const code = await exit.finally(() => clearTimeout(timer));
    log(`VS Code exited with code ${code}`);
  } finally {
    if (pid !== undefined) {
      killGroup(pid, 'SIGTERM');
      const group = pid;
      await waitUntil('VS Code to stop', () => !groupAlive(group), 5_000).catch(() => killGroup(group, 'SIGKILL'));
    }
    results = readResults(resultsFile);
    printResults(`In-host suite (Mocha in desktop VS Code ${version}):`, results);
    fs.rmSync(dirs.root, { recursive: true, force: true });
    process.stdout.write(`desktop: ${results?.passed ?? 0} passed, ${(results?.failed ?? 0) + (results?.done ? 0 : 1)} failed\n`);
  }
  return results?.done && results.failed === 0 && results.passed > 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`[e2e] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
