// `npm run e2e:setup`: installs what the real-editor tests need, idempotently, reusing what is there.
// - Debian `chromium` (the browser Playwright drives) and, while code-server is not installed yet,
//   `libkrb5-dev` (code-server's kerberos module compiles against it), through apt when running as root;
//   `--no-browser` (or `setup({ browser: false })`, as `npm start` runs it: the user brings the browser)
//   leaves chromium out;
// - Node 24 from the npm registry (code-server's postinstall refuses another major; the machine has 20);
// - code-server, pinned, installed under that Node with npm_config_nodedir at its headers.
// Node and code-server go to the git-ignored .cache/e2e/ inside the repo, never into the project's own
// package.json: see shared/E2E.md for why.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CACHE_DIR,
  CODE_SERVER_MARKER,
  CODE_SERVER_PREFIX_DIR,
  CODE_SERVER_VERSION,
  log,
  NODE_PREFIX_DIR,
  NODE_VERSION,
  run,
  runOrThrow,
  seconds,
  tools,
  type E2eTools,
} from './tools';

export interface SetupOptions {
  /** Also Debian's chromium, for Playwright (the tests); `npm start` needs none. Default true. */
  readonly browser?: boolean;
}

/** chromium for the tests; libkrb5-dev only to build code-server (its kerberos module), not to run it. */
function aptPackagesNeeded(options: SetupOptions): string[] {
  return [...(options.browser === false ? [] : ['chromium']), ...(codeServerInstalled() ? [] : ['libkrb5-dev'])];
}

function dpkgInstalled(pkg: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) === 'install ok installed';
  } catch {
    return false;
  }
}

async function ensureAptPackages(options: SetupOptions): Promise<void> {
  const needed = aptPackagesNeeded(options);
  if (needed.length === 0) return;
  const missing = needed.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) {
    log(`apt: ${needed.join(', ')} already installed`);
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(', ')}; install them (sudo apt-get install ${missing.join(' ')}) and run again`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log('apt-get update');
  await runOrThrow('apt-get', ['update', '-q'], { env, timeoutMs: 10 * 60_000 });
  log(`apt-get install ${missing.join(' ')}`);
  await runOrThrow('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env, timeoutMs: 15 * 60_000 });
}

/** The machine's npm CLI script, run below under Node 24 (it supports both). */
function npmCli(): string {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm && fromNpm.endsWith('.js') && fs.existsSync(fromNpm)) return fromNpm;
  const npmBin = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  return fs.realpathSync(npmBin);
}

/**
 * The environment without the npm_* variables of an enclosing `npm run`: the inner npm would read them
 * as its config, and code-server's postinstall reads the Node version from npm_config_user_agent.
 */
function withoutNpmVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

async function nodeVersionOk(): Promise<boolean> {
  if (!fs.existsSync(tools.node)) return false;
  const r = await run(tools.node, ['--version'], { capture: true, timeoutMs: 30_000 });
  return r.code === 0 && r.stdout.trim() === `v${NODE_VERSION}`;
}

async function ensureNode(): Promise<void> {
  if (await nodeVersionOk()) {
    log(`node ${NODE_VERSION}: reusing ${tools.node}`);
    return;
  }
  log(`node ${NODE_VERSION}: npm install node@${NODE_VERSION} into ${path.relative(process.cwd(), NODE_PREFIX_DIR)}`);
  fs.rmSync(NODE_PREFIX_DIR, { recursive: true, force: true });
  fs.mkdirSync(NODE_PREFIX_DIR, { recursive: true });
  await runOrThrow(process.execPath, [npmCli(), 'install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', NODE_PREFIX_DIR, `node@${NODE_VERSION}`], {
    env: withoutNpmVariables(process.env),
    timeoutMs: 10 * 60_000,
  });
  if (!(await nodeVersionOk())) throw new Error(`node ${NODE_VERSION} did not install at ${tools.node}`);
  if (!fs.existsSync(path.join(tools.nodeDir, 'include', 'node', 'node.h'))) throw new Error(`node headers missing under ${tools.nodeDir}`);
}

function codeServerInstalled(): boolean {
  return fs.existsSync(CODE_SERVER_MARKER) && fs.existsSync(tools.codeServerEntry);
}

async function ensureCodeServer(): Promise<void> {
  if (codeServerInstalled()) {
    log(`code-server ${CODE_SERVER_VERSION}: reusing ${path.relative(process.cwd(), CODE_SERVER_PREFIX_DIR)}`);
    return;
  }
  log(`code-server ${CODE_SERVER_VERSION}: npm install under node ${NODE_VERSION} (about 1.5 min, ~620 MB)`);
  fs.rmSync(CODE_SERVER_PREFIX_DIR, { recursive: true, force: true });
  fs.mkdirSync(CODE_SERVER_PREFIX_DIR, { recursive: true });
  // Node 24 first on PATH so code-server's postinstall (and node-gyp) run on it; its headers instead of
  // the machine npmrc's nodedir (Node 20's).
  const env: NodeJS.ProcessEnv = {
    ...withoutNpmVariables(process.env),
    PATH: `${path.dirname(tools.node)}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: tools.nodeDir,
    npm_config_update_notifier: 'false',
  };
  const started = Date.now();
  await runOrThrow(tools.node, [npmCli(), 'install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', CODE_SERVER_PREFIX_DIR, `code-server@${CODE_SERVER_VERSION}`], {
    env,
    cwd: CODE_SERVER_PREFIX_DIR,
    timeoutMs: 20 * 60_000,
  });
  if (!fs.existsSync(tools.codeServerEntry)) throw new Error(`code-server installed without ${tools.codeServerEntry}`);
  fs.writeFileSync(CODE_SERVER_MARKER, `${CODE_SERVER_VERSION}\n`);
  log(`code-server ${CODE_SERVER_VERSION}: installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

export async function setup(options: SetupOptions = {}): Promise<E2eTools> {
  const started = Date.now();
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  await ensureAptPackages(options);
  await ensureNode();
  await ensureCodeServer();
  log(`setup done in ${seconds(started)}`);
  return tools;
}

if (require.main === module) {
  // Exit (and so kill the install's process group, see tools.run) on an interrupt.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));
  setup({ browser: !process.argv.includes('--no-browser') }).catch((e: unknown) => {
    process.stderr.write(`[e2e] setup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
