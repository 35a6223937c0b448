// A real LSP client for the process-level language server tests: spawns the built `node dist/server.js
// --stdio` and speaks JSON-RPC to it over its stdin/stdout with vscode-jsonrpc, as any editor would.
// Notifications are awaited as promises (waitForDiagnostics), never with sleeps; stdout is also checked
// byte by byte to hold nothing but Content-Length framed JSON messages.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeResult,
  type LogMessageParams,
  type MessageConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const SERVER_BUNDLE = path.join(REPO_ROOT, 'dist/server.js');

export function assertServerBuilt(): void {
  assert.ok(fs.existsSync(SERVER_BUNDLE), `${SERVER_BUNDLE} is missing: run npm run build first`);
}

/**
 * Checks that a byte stream is only `Content-Length: N\r\n…\r\n\r\n` headers each followed by N bytes of
 * JSON. Anything else (a stray console.log) is recorded as a violation; the client's reader would choke on it.
 */
class FramingCheck {
  readonly violations: string[] = [];
  constructor(private readonly onViolation: () => void) {}

  messages = 0;
  private buffer = Buffer.alloc(0);
  /** Past a violation the framing is lost: later bytes are not judged. */
  private lost = false;

  push(chunk: Buffer): void {
    if (this.lost) return;
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end === -1) {
        // An incomplete header block so far: it must at least start like one.
        const head = this.buffer.subarray(0, 8).toString('latin1');
        if (!head.startsWith('Content-') && !'Content-'.startsWith(head)) this.fail(`not a header: ${JSON.stringify(this.buffer.subarray(0, 80).toString('utf8'))}`);
        return;
      }
      const headers = this.buffer.subarray(0, end).toString('ascii').split('\r\n');
      const length = headers.map((h) => /^Content-Length: (\d+)$/.exec(h)).find((m) => m !== null)?.[1];
      const others = headers.filter((h) => !/^Content-(Length|Type): /.test(h));
      if (length === undefined || others.length > 0) {
        this.fail(`bad header block: ${JSON.stringify(headers)}`);
        return;
      }
      const bodyEnd = end + 4 + Number(length);
      if (this.buffer.length < bodyEnd) return;
      const body = this.buffer.subarray(end + 4, bodyEnd).toString('utf8');
      try {
        JSON.parse(body);
        this.messages++;
      } catch {
        this.fail(`a body that is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
        return;
      }
      this.buffer = this.buffer.subarray(bodyEnd);
    }
  }

  private fail(what: string): void {
    this.violations.push(what);
    this.lost = true;
    this.buffer = Buffer.alloc(0);
    this.onViolation();
  }
}

interface Waiter {
  readonly check: () => boolean;
}

/** One language server process and its client connection. */
export class LspServer {
  readonly connection: MessageConnection;
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  readonly logs: LogMessageParams[] = [];
  readonly transportErrors: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  // A broken stream leaves requests unanswered: end the server so that they fail now, not at the timeout.
  private readonly framing = new FramingCheck(() => this.child.kill('SIGKILL'));
  private readonly waiters = new Set<Waiter>();
  private stderrText = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(private readonly child: ChildProcess) {
    const { stdout, stdin, stderr } = child;
    assert.ok(stdout && stdin && stderr, 'the server was spawned without pipes');
    stdout.on('data', (chunk: Buffer) => this.framing.push(chunk));
    stderr.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': by then stdout is read to its end, so no message is lost to the disposal below.
      child.on('close', (code, signal) => {
        this.exitInfo = { code, signal };
        // Rejects the requests still waiting for an answer that will never come.
        this.connection.dispose();
        resolve(this.exitInfo);
        this.wake();
      });
    });
    this.connection = createMessageConnection(new StreamMessageReader(stdout), new StreamMessageWriter(stdin));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.push(p);
      this.wake();
    });
    this.connection.onNotification(LogMessageNotification.type, (p) => {
      this.logs.push(p);
    });
    this.connection.onError(([error]) => {
      this.transportErrors.push(error.message);
      this.child.kill('SIGKILL');
    });
    this.connection.listen();
  }

  /** Starts `node dist/server.js --stdio` in `cwd` and completes the initialize handshake. */
  static async start(cwd: string, opts: { workspaceFolders?: readonly string[] } = {}): Promise<{ server: LspServer; init: InitializeResult }> {
    assertServerBuilt();
    const env = { ...process.env };
    // The server must stand on its bundle (not the suite's tsx loader) and find stores only where the test puts them.
    delete env.NODE_OPTIONS;
    delete env.CAIRN_STORE;
    const child = spawn(process.execPath, [SERVER_BUNDLE, '--stdio'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const server = new LspServer(child);
    try {
      const init = await server.connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: null,
        // Given folders, the client says it tells of folder changes too (as VS Code does).
        workspaceFolders: opts.workspaceFolders ? opts.workspaceFolders.map((f) => ({ uri: pathToFileURL(f).href, name: path.basename(f) })) : null,
        capabilities: { textDocument: { completion: { completionItem: { snippetSupport: false } } }, ...(opts.workspaceFolders ? { workspace: { workspaceFolders: true } } : {}) },
      });
      await server.connection.sendNotification(InitializedNotification.type, {});
      return { server, init };
    } catch (e) {
      // The caller never gets this server to dispose of: do it here.
      await server.dispose();
      throw new Error(`the server did not initialize: ${e instanceof Error ? e.message : String(e)}\n  stderr: ${server.stderr}`);
    }
  }

  /** The server process's id (for benches that read its CPU time), or undefined if it failed to spawn. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** What went wrong on stdout: non-protocol bytes, or errors the client's reader reported. */
  get stdoutProblems(): string[] {
    return [...this.framing.violations, ...this.transportErrors];
  }

  /** The number of well-framed messages seen on stdout so far. */
  get stdoutMessages(): number {
    return this.framing.messages;
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'cairn', version, text } });
  }

  /** Replaces the whole text (a full-content change is allowed under incremental sync). */
  async change(uri: string, version: number, text: string): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  /** Sends `changes` as they are (ranged edits, as an editor sends keystrokes under incremental sync). */
  async edit(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /**
   * The first diagnostics published for `uri` (already received or still to come) that `accept`s. Rejects
   * if the server exits first or nothing matches within `timeoutMs` (a generous bound, not a sleep: it
   * only fires when the server is broken).
   */
  waitForDiagnostics(uri: string, accept: (p: PublishDiagnosticsParams) => boolean, timeoutMs = 8_000): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const hit = this.diagnostics.find((p) => p.uri === uri && accept(p));
          if (hit) {
            finish();
            resolve(hit);
            return true;
          }
          if (!this.alive) {
            finish();
            reject(new Error(`the server exited (${JSON.stringify(this.exitInfo)}) before publishing the awaited diagnostics for ${uri}\n  stderr: ${this.stderrText}`));
            return true;
          }
          return false;
        },
      };
      const timer = setTimeout(() => {
        finish();
        const seen = this.diagnostics.filter((p) => p.uri === uri).map((p) => `v${p.version ?? '-'}: ${p.diagnostics.length}`);
        reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; published: ${seen.join(', ') || 'none'}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }

  /** Diagnostics published for `uri` so far, in order. */
  publishedFor(uri: string): PublishDiagnosticsParams[] {
    return this.diagnostics.filter((p) => p.uri === uri);
  }

  /** The polite end: shutdown, then exit; resolves with how the process ended. */
  async shutdown(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    return this.exited;
  }

  /** The client going away without a goodbye (an editor that crashed): the server's stdin ends. */
  closeInput(): void {
    this.child.stdin?.end();
  }

  /** For afterEach: ends the process if a test left it running, and the connection with it. */
  async dispose(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    this.connection.dispose();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w.check();
  }
}
