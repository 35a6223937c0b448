// Starting and stopping code-server (a real VS Code, served to a browser) and the Chromium that shows
// it. code-server runs in its own process group, killed whole when it stops, when the driver exits or
// is interrupted, or on a timeout: it leaves watcher children behind otherwise. Every path it writes
// (user data, extensions, XDG folders, TMPDIR) is inside the folders the driver gives it (the run's temp
// folder for the tests, .cache/start/ for `npm start`).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { RunDirs } from './prepare';
import { groupAlive, killGroup, log, run, tools } from './tools';

/** Kills still-running process groups synchronously when the driver exits, however it exits. */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    if (liveGroups.size > 0) log(`${signal}: stopping code-server`);
    process.exit(130);
  });
}

export interface CodeServerOptions {
  readonly dirs: RunDirs;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly workspace: string;
  /** Lets the page run an extension test suite from the URL's payload (and hides toasts). */
  readonly smokeTestDriver: boolean;
  readonly logFile: string;
  /** The address to bind; 127.0.0.1 unless given. */
  readonly host?: string;
  /** The port; a free one unless given. */
  readonly port?: number;
  /** How long a disconnected page may come back to its extension host; 10 s unless given (tests). */
  readonly reconnectionGraceSeconds?: number;
  /**
   * Leaves workspace trust on: a folder not trusted yet opens in Restricted Mode (after asking, with the setting
   * security.workspace.trust.startupPrompt). Off unless true (--disable-workspace-trust: every folder is trusted).
   */
  readonly workspaceTrust?: boolean;
}

export interface CodeServer {
  readonly origin: string;
  /** What the workbench calls the remote: vscode-remote://<authority>/path. */
  readonly authority: string;
  readonly pid: number;
  /**
   * Settles only when code-server exits unasked (not through stop() or an interrupt), with how it
   * exited ("exit 1", "SIGKILL").
   */
  readonly died: Promise<string>;
  stop(): Promise<void>;
}

/** A port that is free on `host` now (`port` 0: any free one); rejects when `port` is taken. */
export function freePort(host = '127.0.0.1', port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `probe` until it returns true; polling a condition, with a deadline, is the only wait here. */
export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** No extension gallery (it would query open-vsx.org, which cannot be reached here and is not needed). */
function serverEnv(dirs: RunDirs): NodeJS.ProcessEnv {
  return { ...dirs.env, EXTENSIONS_GALLERY: '{}' };
}

function commonArgs(o: { userDataDir: string; extensionsDir: string }): string[] {
  return ['--user-data-dir', o.userDataDir, '--extensions-dir', o.extensionsDir];
}

/**
 * `code-server --install-extension x.vsix`: what a user does with a downloaded .vsix. `force` replaces an
 * installed copy of the same version (`npm start` reinstalls what it just packaged).
 */
export async function installExtension(vsix: string, o: { dirs: RunDirs; userDataDir: string; extensionsDir: string; logFile: string; force?: boolean }): Promise<void> {
  const out = fs.openSync(o.logFile, 'a');
  try {
    const r = await run(tools.node, [tools.codeServerEntry, ...commonArgs(o), '--install-extension', vsix, ...(o.force === true ? ['--force'] : [])], { env: serverEnv(o.dirs), cwd: o.dirs.tmp, stdio: ['ignore', out, out], timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`code-server --install-extension failed (${r.signal ?? `exit ${String(r.code)}`}); see ${o.logFile}`);
  } finally {
    fs.closeSync(out);
  }
}

/** host:port as a URL authority ([…] around an IPv6 address). */
function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort(host));
  // Bound to every address: reached (and probed) through the loopback one.
  const authority = hostPort(host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port);
  const args = [
    tools.codeServerEntry,
    '--bind-addr', hostPort(host, port),
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(o.workspaceTrust === true ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--reconnection-grace-time', String(o.reconnectionGraceSeconds ?? 10),
    ...commonArgs(o),
    '--ignore-last-opened',
    ...(o.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    o.workspace,
  ];
  const out = fs.openSync(o.logFile, 'a');
  const child = spawn(tools.node, args, { env: serverEnv(o.dirs), cwd: o.dirs.tmp, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('code-server did not start');
  liveGroups.add(pid);
  let exited: string | undefined;
  let stopping = false;
  const died = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = signal ?? `exit ${String(code)}`;
      if (!stopping) resolve(exited);
    });
  });
  const started = Date.now();
  const origin = `http://${authority}`;

  const stop = async (): Promise<void> => {
    if (!liveGroups.has(pid)) return;
    stopping = true;
    killGroup(pid, 'SIGTERM');
    try {
      await waitUntil('code-server to stop', () => !groupAlive(pid), 5_000);
    } catch {
      log('code-server did not stop on SIGTERM within 5 s: SIGKILL');
      killGroup(pid, 'SIGKILL');
      await waitUntil('code-server to die', () => !groupAlive(pid), 5_000);
    }
    liveGroups.delete(pid);
  };

  try {
    await waitUntil(
      `code-server's /healthz on ${origin}`,
      async () => {
        if (exited !== undefined) throw new Error(`code-server exited (${exited}) before answering; see ${o.logFile}`);
        try {
          return (await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
        } catch {
          return false;
        }
      },
      60_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  log(`code-server ${path.basename(o.workspace)} on ${origin} (pid group ${pid}) answered /healthz after ${Date.now() - started} ms`);
  return { origin, authority, pid, died, stop };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // The page only ever talks to code-server on 127.0.0.1: no name lookups for anything else.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** Debian's Chromium through Playwright, with its profile, home and temp files in the run folder. */
export async function launchBrowser(dirs: RunDirs, name: string): Promise<BrowserContext> {
  const profile = path.join(dirs.root, `chromium-${name}`);
  return chromium.launchPersistentContext(profile, {
    executablePath: tools.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { HOME: dirs.home, XDG_CONFIG_HOME: dirs.env.XDG_CONFIG_HOME, XDG_CACHE_HOME: dirs.env.XDG_CACHE_HOME, TMPDIR: dirs.tmp, PATH: process.env.PATH },
    viewport: { width: 1400, height: 860 },
    deviceScaleFactor: 1,
    timeout: 60_000,
  });
}
