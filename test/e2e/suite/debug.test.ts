// Debugging from the editor (SPEC §6 "Debugging"): a `cairn` launch starts the adapter the extension contributes;
// a breakpoint on [tasks.build] pauses the run before build starts; continue runs it to the end. The adapter's
// messages are watched with a DebugAdapterTracker (no sleeps); the run is read back from the workspace's store.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../../../runner/engine/events';
import { closeAllEditors, workspaceUri } from './helpers';

interface Seen {
  readonly stops: { threadId: number; reason: string }[];
  readonly runs: { store: string; runId: string }[];
}

describe('debugging from the editor (a cairn launch configuration)', function () {
  this.timeout(120_000);
  after(closeAllEditors);

  it('pauses before build at its breakpoint, shows it on the call stack, and continues to the end', async () => {
    const file = workspaceUri('release.cairn.toml');
    const text = fs.readFileSync(file.fsPath, 'utf8');
    const line = text.split('\n').findIndex((l) => l.startsWith('[tasks.build]'));
    assert.ok(line > 0, 'release has a build task');
    const bp = new vscode.SourceBreakpoint(new vscode.Location(file, new vscode.Position(line, 0)));
    vscode.debug.addBreakpoints([bp]);

    const seen: Seen = { stops: [], runs: [] };
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('cairn', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type: string; event?: string; body?: Record<string, unknown> }) => {
          if (m.type !== 'event') return;
          if (m.event === 'stopped') seen.stops.push({ threadId: m.body!['threadId'] as number, reason: m.body!['reason'] as string });
          if (m.event === 'cairnRun') seen.runs.push(m.body as { store: string; runId: string });
        },
      }),
    });
    const ended = new Promise<void>((resolve) => {
      const d = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.type === 'cairn') {
          d.dispose();
          resolve();
        }
      });
    });
    try {
      const folder = vscode.workspace.workspaceFolders![0]!;
      const started = await vscode.debug.startDebugging(folder, { type: 'cairn', request: 'launch', name: 'Debug release', workflow: '${workspaceFolder}/release.cairn.toml', breakOnFailure: false });
      assert.equal(started, true, 'the debug session started');
      const session = vscode.debug.activeDebugSession;
      assert.equal(session?.type, 'cairn');
      await until(() => seen.stops.length > 0, 'the run to pause');
      const stop = seen.stops[0]!;
      assert.equal(stop.reason, 'breakpoint');
      const trace = (await session.customRequest('stackTrace', { threadId: stop.threadId })) as { stackFrames: { name: string; line: number }[] };
      assert.equal(trace.stackFrames[0]?.name, 'build — before attempt 1');
      assert.equal(trace.stackFrames[0]?.line, line + 1);
      // The run is in the workspace's store, build not started yet.
      const run = seen.runs[0]!;
      assert.equal(run.store, path.join(workspaceUri('').fsPath, '.cairn'));
      const journal = (): RunEvent[] => fs.readFileSync(path.join(run.store, 'runs', run.runId, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
      assert.ok(!journal().some((e) => e.type === 'attempt-started' && e.task === 'build'), 'build waits at its breakpoint');
      await session.customRequest('continue', { threadId: stop.threadId });
      await ended;
      const events = journal();
      assert.ok(events.some((e) => e.type === 'attempt-ended' && e.task === 'build' && e.outcome.status === 'success'));
      assert.equal((events.at(-1) as { status?: string }).status, 'success');
    } finally {
      tracker.dispose();
      vscode.debug.removeBreakpoints([bp]);
    }
  });
});

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
