// `npm start`: Cairn in a real VS Code in the browser, with no VS Code to install. It reuses the e2e
// harness (code-server 4.139.1 = VS Code 1.139.1, on Node 24 from the npm registry, both installed once
// into the git-ignored .cache/e2e/ by setup.ts; no chromium: the user brings the browser), then:
//  1. builds and packages the extension (`npm run package` → cairn.vsix) and installs the .vsix into
//     code-server, as a user installs a downloaded .vsix;
//  2. opens a copy of examples/ in .cache/start/workspace/, made on the first start and kept afterwards
//     (edits and runs land there, never in the repo), with one run of release.cairn.toml in its store so
//     hovers have a last run to show;
//  3. serves it on 127.0.0.1 and a free port (`--port N` or PORT to choose; `--host 0.0.0.0` to let
//     other machines in: with --auth none, whoever reaches the port gets a VS Code with a terminal),
//     prints the URL, and runs until Ctrl-C, which stops code-server's whole process group.
// Profile, settings and extensions persist in .cache/start/ between starts; telemetry, update checks
// and the extension gallery are off, as in the tests. `rm -rf .cache/start` starts over.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, installExtension, startCodeServer } from './code-server';
import { childEnv, copyExamples, USER_SETTINGS, type RunDirs } from './prepare';
import { setup } from './setup';
import { log, REPO_ROOT, run, seconds, setLogPrefix } from './tools';

const START_DIR = path.join(REPO_ROOT, '.cache', 'start');
const WORKSPACE = path.join(START_DIR, 'workspace');
const USER_DATA_DIR = path.join(START_DIR, 'user-data');
const EXTENSIONS_DIR = path.join(START_DIR, 'extensions');
const LOG_FILE = path.join(START_DIR, 'code-server.log');
const PACKAGE_LOG = path.join(START_DIR, 'package.log');
const VSIX = path.join(REPO_ROOT, 'cairn.vsix');
/** code-server's own default: a page that lost its connection (a laptop asleep) may come back for 3 h. */
const RECONNECTION_GRACE_SECONDS = 10_800;

const USAGE = `npm start -- [--port N] [--host ADDRESS]

Builds and packages Cairn, installs it into a local code-server (a real VS Code
served to a browser) and opens a copy of examples/ in it. Prints the URL; runs
until Ctrl-C.

  --port N        the port (default: PORT, else a free one)
  --host ADDRESS  the address to bind (default 127.0.0.1). 0.0.0.0 lets other
                  machines in, without a password: only on a network you trust.

Files: .cache/start/ (workspace copy, settings, extensions, code-server.log);
rm -rf .cache/start starts over.
`;

interface StartOptions {
  readonly host: string;
  readonly port: number | undefined;
}

function parsePort(value: string, from: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535) throw new Error(`${from}: "${value}" is not a port (1-65535)`);
  return port;
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): StartOptions | 'help' {
  let host = '127.0.0.1';
  let port = env.PORT !== undefined && env.PORT !== '' ? parsePort(env.PORT, 'PORT') : undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--port':
        port = parsePort(value(), '--port');
        break;
      case '--host':
        host = value();
        break;
      case '--help':
      case '-h':
        return 'help';
      default:
        throw new Error(`unknown argument "${arg}"`);
    }
  }
  return { host, port };
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** `npm run package`, its output to package.log (shown when it fails). */
async function packageExtension(env: NodeJS.ProcessEnv): Promise<void> {
  const out = fs.openSync(PACKAGE_LOG, 'w');
  try {
    const r = await run('npm', ['run', 'package'], { cwd: REPO_ROOT, env, stdio: ['ignore', out, out], timeoutMs: 5 * 60_000 });
    if (r.code !== 0) throw new Error(`npm run package failed (${r.signal ?? `exit ${String(r.code)}`}):\n${tail(PACKAGE_LOG, 30)}`);
  } finally {
    fs.closeSync(out);
  }
}

/** The copy of examples/ the editor opens: made once, then kept (so are the user's edits and runs). */
async function ensureWorkspace(env: NodeJS.ProcessEnv): Promise<void> {
  const shown = path.relative(REPO_ROOT, WORKSPACE);
  if (fs.existsSync(WORKSPACE)) {
    log(`workspace: reusing ${shown}/ (your copy of examples/; rm -rf it for a fresh one)`);
    return;
  }
  copyExamples(WORKSPACE);
  log(`workspace: copied examples/ to ${shown}/ (edits and runs stay there; the repo stays clean)`);
  // One finished run, so hovering a task shows its last run; a failure here costs only that.
  const out = fs.openSync(LOG_FILE, 'a');
  try {
    const r = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cairn.js'), 'run', 'release.cairn.toml'], { cwd: WORKSPACE, env, stdio: ['ignore', out, out], timeoutMs: 120_000 });
    log(r.code === 0 ? 'workspace: ran release.cairn.toml once, for hovers with a last run' : `workspace: the first run of release.cairn.toml failed (${r.signal ?? `exit ${String(r.code)}`}); see ${path.relative(REPO_ROOT, LOG_FILE)}`);
  } finally {
    fs.closeSync(out);
  }
}

/**
 * Settings for a new profile (an existing settings.json is the user's and is left alone): the tests'
 * profile, but the examples' README opens instead of no editor. No update checks, telemetry, tips or AI
 * panels, and no source control (the workspace lies inside this repo's git-ignored .cache/). The
 * integrated terminal gets the user's own XDG folders back (code-server's point into .cache/start/).
 */
function writeSettingsOnce(): void {
  const file = path.join(USER_DATA_DIR, 'User', 'settings.json');
  if (fs.existsSync(file)) return;
  // Left at code-server's defaults for a user: it saves after a delay (the tests turn that off), and
  // restoring windows is theirs to choose.
  const { 'files.autoSave': _autoSave, 'window.restoreWindows': _restoreWindows, ...tested } = USER_SETTINGS;
  const settings = {
    ...tested,
    'workbench.startupEditor': 'readme',
    // Where the chat would be: empty with the AI features off.
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'terminal.integrated.env.linux': { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? null, XDG_DATA_HOME: process.env.XDG_DATA_HOME ?? null },
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}

/** The path in a URL's query, readable: only what must be escaped is. */
function folderParam(dir: string): string {
  return encodeURIComponent(dir).replace(/%2F/g, '/');
}

async function main(): Promise<number> {
  const started = Date.now();
  setLogPrefix('start');
  const options = parseArgs(process.argv.slice(2), process.env);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const everywhere = options.host === '0.0.0.0' || options.host === '::';
  const loopbackOnly = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(options.host);
  if (options.port !== undefined) {
    await freePort(options.host, options.port).catch((e: unknown) => {
      throw new Error(`cannot listen on ${options.host} port ${options.port} (${e instanceof Error ? e.message : String(e)}); choose another with --port N or PORT=N`);
    });
  }

  await setup({ browser: false });

  fs.mkdirSync(START_DIR, { recursive: true });
  fs.writeFileSync(LOG_FILE, '');
  // code-server's own config (it writes one) and data go to .cache/start/, not the home folder; its
  // sockets (one per extension host, left behind even on a clean stop) to a temp folder removed on exit.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-start-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const env = childEnv({ XDG_CONFIG_HOME: path.join(START_DIR, 'config'), XDG_DATA_HOME: path.join(START_DIR, 'data'), TMPDIR: tmp });
  const dirs: RunDirs = { root: START_DIR, home: os.homedir(), tmp, env };

  const t0 = Date.now();
  await packageExtension(env);
  fs.mkdirSync(EXTENSIONS_DIR, { recursive: true });
  await installExtension(VSIX, { dirs, userDataDir: USER_DATA_DIR, extensionsDir: EXTENSIONS_DIR, logFile: LOG_FILE, force: true });
  log(`built, packaged (cairn.vsix) and installed the extension in ${seconds(t0)}`);
  await ensureWorkspace(env);
  writeSettingsOnce();

  if (!loopbackOnly) {
    log(`WARNING: --host ${options.host} serves this VS Code with --auth none: anyone who reaches this machine's port gets an editor and a terminal running as ${os.userInfo().username}. Only on a network you trust.`);
  }
  const server = await startCodeServer({
    dirs,
    userDataDir: USER_DATA_DIR,
    extensionsDir: EXTENSIONS_DIR,
    workspace: WORKSPACE,
    smokeTestDriver: false,
    logFile: LOG_FILE,
    host: options.host,
    ...(options.port !== undefined ? { port: options.port } : {}),
    reconnectionGraceSeconds: RECONNECTION_GRACE_SECONDS,
  });
  const query = `/?folder=${folderParam(WORKSPACE)}`;
  const port = new URL(server.origin).port;
  const urls = [`${server.origin}${query}`, ...(everywhere ? [`http://${os.hostname()}:${port}${query}`] : [])];
  process.stdout.write(
    [
      '',
      ...urls.map((u) => `  Cairn in VS Code: ${u}`),
      '',
      '  Open it in a browser, then release.cairn.toml in the Explorer (docs/editing.md has a tour).',
      `  Workspace: ${path.relative(REPO_ROOT, WORKSPACE)}/   Log: ${path.relative(REPO_ROOT, LOG_FILE)}   Ready after ${seconds(started)}.`,
      '  Ctrl-C stops it.',
      '',
      '',
    ].join('\n'),
  );

  // Ctrl-C stops code-server and exits from code-server.ts's signal handler; this is for a crash.
  const how = await server.died;
  process.stderr.write(`[start] code-server stopped on its own (${how}); the end of ${path.relative(REPO_ROOT, LOG_FILE)}:\n${tail(LOG_FILE, 20)}\n`);
  await server.stop();
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`[start] ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
