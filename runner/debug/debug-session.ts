// The Debug Adapter Protocol over the debug runtime (CONVENTIONS habit 12: no `vscode` import; the editor's side
// is a thin factory in client/debug.ts). Each task is a thread; a held task has one stack frame, on its
// [tasks.X] header, with two scopes: the run's Variables (editable while paused) and the Task (its rendered
// command, dir, attempt and env; after a failure, the outcome and log tail). The "Task failure" exception
// breakpoint pauses on a failed task; Restart Frame runs it again with the file as it is now. Two custom events
// tell the editor which run this is and which task is paused (the run view marks it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Breakpoint, ContinuedEvent, InitializedEvent, LoggingDebugSession, OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread, ThreadEvent, Event } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { releaseExecHosts } from '../engine/engine';
import { RefusedError } from '../engine/load-workflow';
import { placeBreakpoints, taskLines, type BreakpointRequest, type PlacedBreakpoint } from './breakpoints';
import { evaluateText, shownEnv } from './debug-expr';
import { storeOfFile } from '../store/store-location';
import { DebugRuntime, describeFailure, type Hold } from './debug-runtime';
import type { DebugLaunch } from './debug-runtime';

/** The launch configuration (package.json's `debuggers` contribution documents it for the editor). */
export interface CairnLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  readonly workflow?: string;
  readonly vars?: Record<string, string>;
  readonly stopOnEntry?: boolean;
  readonly breakOnFailure?: boolean;
  /** The store (`.cairn` folder); the client gives its workspace folder's. */
  readonly store?: string;
  readonly parallel?: number;
}

/** The custom events: the run (once it exists in the store), and the task paused at (none: the run goes on). */
export interface CairnRunEventBody {
  readonly store: string;
  readonly runId: string;
}
export interface CairnPausedEventBody extends CairnRunEventBody {
  readonly task: string | null;
}

const FAILURE_FILTER = 'taskFailure';
const CONFIGURATION_WAIT_MS = 5000;

/** Variable references: per frame (its thread id), its scopes. */
const REF = { variables: 1, task: 2, env: 3 } as const;
const ref = (frame: number, kind: keyof typeof REF): number => frame * 4 + REF[kind];
const unref = (r: number): { frame: number; kind: keyof typeof REF } | undefined => {
  const kind = (Object.keys(REF) as (keyof typeof REF)[]).find((k) => REF[k] === r % 4);
  return kind ? { frame: Math.floor(r / 4), kind } : undefined;
};

export class CairnDebugSession extends LoggingDebugSession {
  private runtime: DebugRuntime | undefined;
  private workflow: string | undefined;
  private store: string | undefined;
  /** Breakpoints per file as the editor sent them, placed against each file's text. */
  private readonly breakpoints = new Map<string, PlacedBreakpoint[]>();
  private failureFilter: boolean | undefined;
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((resolve) => {
    this.configured = resolve;
  });

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsSetVariable: true,
      supportsRestartFrame: true,
      supportsEvaluateForHovers: false,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      exceptionBreakpointFilters: [{ filter: FAILURE_FILTER, label: 'Task failure', description: 'Pause when a task fails, before its dependents are cancelled', default: true }],
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured();
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: CairnLaunchArguments): void {
    this.answer(response, () => this.launch(response, args));
  }

  private async launch(response: DebugProtocol.LaunchResponse, args: CairnLaunchArguments): Promise<void> {
    const workflow = args.workflow !== undefined && args.workflow !== '' ? path.resolve(args.workflow) : undefined;
    if (workflow === undefined || !workflow.endsWith('.cairn.toml')) {
      this.sendErrorResponse(response, { id: 1001, format: `Cairn: "workflow" must name a *.cairn.toml file (it is ${JSON.stringify(args.workflow ?? null)})`, showUser: true });
      return;
    }
    if (!fs.existsSync(workflow)) {
      this.sendErrorResponse(response, { id: 1002, format: `Cairn: the workflow ${workflow} does not exist`, showUser: true });
      return;
    }
    // The editor sends the breakpoints between initialize and configurationDone: wait for them (a client that
    // never says configurationDone is given CONFIGURATION_WAIT_MS).
    await Promise.race([this.configurationDone, new Promise((r) => setTimeout(r, CONFIGURATION_WAIT_MS).unref())]);
    this.workflow = workflow;
    // No store given (a client other than VS Code, which gives its workspace folder's): the rule for a file
    // outside every workspace folder.
    this.store = args.store ?? storeOfFile(workflow, [], process.env);
    const launch: DebugLaunch = {
      workflow,
      storeRoot: this.store,
      ...(args.vars ? { vars: args.vars } : {}),
      ...(args.stopOnEntry !== undefined ? { stopOnEntry: args.stopOnEntry } : {}),
      breakOnFailure: args.breakOnFailure ?? this.failureFilter ?? true,
      ...(args.parallel !== undefined ? { parallel: args.parallel } : {}),
    };
    const runtime = new DebugRuntime(launch);
    this.runtime = runtime;
    runtime.useBreakpoints(this.breakpoints.get(workflow) ?? []);
    this.listen(runtime);
    try {
      await runtime.start();
    } catch (e) {
      this.runtime = undefined;
      // A refusal's details (each diagnostic of an invalid workflow) go to the Debug Console, the gist to the dialog.
      const details = e instanceof RefusedError ? e.details : [];
      if (details.length > 0) this.sendEvent(new OutputEvent(`${details.join('\n')}\n`, 'stderr'));
      this.sendErrorResponse(response, { id: 1003, format: `Cairn could not start the run: ${message(e)}${details.length > 0 ? ` (${details.length} problem${details.length === 1 ? '' : 's'} in the Debug Console)` : ''}`, showUser: true });
      this.sendEvent(new TerminatedEvent());
      return;
    }
    this.sendResponse(response);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path !== undefined ? path.resolve(args.source.path) : undefined;
    const requests: BreakpointRequest[] = (args.breakpoints ?? []).map((b) => ({ line: this.convertClientLineToDebugger(b.line), ...(b.condition !== undefined ? { condition: b.condition } : {}) }));
    let text: string | undefined;
    try {
      text = file !== undefined ? fs.readFileSync(file, 'utf8') : undefined;
    } catch {
      text = undefined;
    }
    const placed = text === undefined ? requests.map((r) => ({ line: r.line, verified: false, message: 'the file cannot be read' })) : placeBreakpoints(text, requests);
    if (file !== undefined) this.breakpoints.set(file, placed);
    if (file !== undefined && file === this.workflow) this.runtime?.useBreakpoints(placed);
    response.body = {
      breakpoints: placed.map((b) => {
        const bp: DebugProtocol.Breakpoint = new Breakpoint(b.verified, this.convertDebuggerLineToClient(b.line));
        if (b.message !== undefined) bp.message = b.message;
        return bp;
      }),
    };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.failureFilter = args.filters.includes(FAILURE_FILTER);
    this.runtime?.setBreakOnFailure(this.failureFilter);
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const rt = this.runtime;
    response.body = {
      threads: (rt?.threads() ?? []).map((t) => {
        const hold = rt?.holdOf(t.id);
        return new Thread(t.id, `${t.task} (${hold ? (hold.kind === 'failure' ? 'failed, paused' : 'paused') : 'running'})`);
      }),
    };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const rt = this.runtime;
    const task = rt?.threads().find((t) => t.id === args.threadId)?.task;
    if (!rt || task === undefined || this.workflow === undefined) {
      response.body = { stackFrames: [], totalFrames: 0 };
      this.sendResponse(response);
      return;
    }
    const hold = rt.holdOf(args.threadId);
    const line = this.headerLine(task);
    const name = hold === undefined ? `${task} (running)` : hold.kind === 'failure' ? `${task} — failed: ${describeFailure(hold.outcome!)}` : `${task} — before attempt ${hold.attempt}`;
    const frame: DebugProtocol.StackFrame = new StackFrame(args.threadId, name, new Source(path.basename(this.workflow), this.convertDebuggerPathToClient(this.workflow)), this.convertDebuggerLineToClient(line));
    // Restart Frame runs a failed task again; a task that has not run yet has nothing to restart.
    frame.canRestart = hold?.kind === 'failure';
    response.body = { stackFrames: [frame], totalFrames: 1 };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    response.body = {
      scopes: [new Scope('Variables', ref(args.frameId, 'variables'), false), new Scope('Task', ref(args.frameId, 'task'), false)],
    };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const where = unref(args.variablesReference);
    const rt = this.runtime;
    let variables: DebugProtocol.Variable[] = [];
    if (rt && where) {
      const hold = rt.holdOf(where.frame);
      if (where.kind === 'variables') {
        variables = rt.variables().map((v) => ({
          name: v.name,
          value: v.value,
          variablesReference: 0,
          ...(v.secret ? { presentationHint: { attributes: ['readOnly'] } } : {}),
        }));
      } else if (where.kind === 'task' && hold) {
        variables = taskVariables(hold, ref(where.frame, 'env'));
      } else if (where.kind === 'env' && hold?.prepared) {
        variables = Object.entries(shownEnv(hold.prepared)).map(([name, value]) => ({ name, value, variablesReference: 0 }));
      }
    }
    response.body = { variables };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.answer(response, async () => {
      if (!this.runtime || unref(args.variablesReference)?.kind !== 'variables') throw new Error("only the run's Variables can be changed");
      response.body = { value: await this.runtime.setVariable(args.name, unquote(args.value)) };
      this.sendResponse(response);
    });
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.runtime?.continueAll();
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.runtime?.step(args.threadId);
    this.sendResponse(response);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.runtime?.step(args.threadId);
    this.sendResponse(response);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.runtime?.step(args.threadId);
    this.sendResponse(response);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.runtime?.pause();
    this.sendEvent(new OutputEvent('cairn: pausing before the next task starts (a running command is not stopped midway)\n', 'console'));
    this.sendResponse(response);
  }

  protected override restartFrameRequest(response: DebugProtocol.RestartFrameResponse, args: DebugProtocol.RestartFrameArguments): void {
    this.answer(response, async () => {
      if (!this.runtime) throw new Error('no run is being debugged');
      await this.runtime.restart(args.frameId);
      this.sendResponse(response);
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const rt = this.runtime;
    if (!rt) {
      this.sendErrorResponse(response, { id: 4001, format: 'no run is being debugged', showUser: false });
      return;
    }
    const r = evaluateText(args.expression, rt.scopeAt(args.frameId));
    if (!r.ok) {
      this.sendErrorResponse(response, { id: 4002, format: r.message, showUser: false });
      return;
    }
    response.body = { result: typeof r.value === 'string' ? JSON.stringify(r.value) : String(r.value), variablesReference: 0 };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    const hold = this.runtime?.holdOf(args.threadId);
    if (!hold || hold.kind !== 'failure' || !hold.outcome) {
      this.sendErrorResponse(response, { id: 5001, format: 'this task has not failed', showUser: false });
      return;
    }
    const failure = describeFailure(hold.outcome);
    response.body = {
      exceptionId: failure,
      description: `${hold.task} failed (${failure}) at attempt ${hold.attempt}. Edit and save the workflow or the script, then Restart Frame to run it again; Continue lets it fail.\n\n${hold.logTail ?? ''}`.trimEnd(),
      breakMode: 'always',
    };
    this.sendResponse(response);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.answer(response, async () => {
      await this.runtime?.stop();
      // The exec hosts the run started end with it: the adapter leaves no process behind.
      await releaseExecHosts();
      this.sendResponse(response);
      this.shutdown();
    });
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.answer(response, async () => {
      await this.runtime?.stop();
      this.sendResponse(response);
    });
  }

  /** Runs a request's async body; what it throws is the request's error, shown to the user. */
  private answer(response: DebugProtocol.Response, body: () => Promise<void>): void {
    body().catch((e: unknown) => this.sendErrorResponse(response, { id: 9001, format: message(e), showUser: true }));
  }

  private listen(rt: DebugRuntime): void {
    rt.on('started', ({ storeRoot, runId }) => this.sendEvent(new Event('cairnRun', { store: storeRoot, runId } satisfies CairnRunEventBody)));
    rt.on('thread', ({ reason, threadId }) => this.sendEvent(new ThreadEvent(reason, threadId)));
    rt.on('output', ({ category, text }) => this.sendEvent(new OutputEvent(text, category)));
    rt.on('stopped', ({ reason, threadId, task, description }) => {
      const e: DebugProtocol.StoppedEvent = new StoppedEvent(reason, threadId, description);
      e.body.description = description;
      e.body.allThreadsStopped = false;
      this.sendEvent(e);
      this.paused(task);
    });
    rt.on('continued', ({ threadId, all }) => {
      // A continue request's response says it already; a step's release is told.
      if (!all) this.sendEvent(new ContinuedEvent(threadId, false));
      this.paused(null);
    });
    rt.on('ended', ({ status, error }) => {
      if (error !== undefined) this.sendEvent(new OutputEvent(`cairn: the run stopped: ${error}\n`, 'stderr'));
      else if (status === 'success' && rt.runId !== undefined) this.sendEvent(new OutputEvent(`cairn: run ${rt.runId} succeeded; it is in the store (cairn show ${rt.runId})\n`, 'console'));
      else if (status !== undefined && rt.runId !== undefined) this.sendEvent(new OutputEvent(`cairn: run ${rt.runId} ended ${status}; it is in the store: resume it from the run view, or with cairn resume ${rt.runId}\n`, 'console'));
      this.paused(null);
      this.sendEvent(new TerminatedEvent());
    });
  }

  private paused(task: string | null): void {
    const runId = this.runtime?.runId;
    if (runId === undefined || this.store === undefined) return;
    this.sendEvent(new Event('cairnPaused', { store: this.store, runId, task } satisfies CairnPausedEventBody));
  }

  /** The line of a task's header in the file as it is now (1 when the task is gone from it). */
  private headerLine(task: string): number {
    try {
      return taskLines(fs.readFileSync(this.workflow!, 'utf8')).find((t) => t.task === task)?.first ?? 1;
    } catch {
      return 1;
    }
  }
}

function taskVariables(hold: Hold, envRef: number): DebugProtocol.Variable[] {
  const v = (name: string, value: string, variablesReference = 0): DebugProtocol.Variable => ({ name, value, variablesReference });
  const out: DebugProtocol.Variable[] = [v('id', hold.task), v('attempt', String(hold.attempt))];
  if (hold.prepared) {
    out.push(v('command', hold.prepared.shownCommand), v('dir', hold.prepared.dir));
    const n = Object.keys(shownEnv(hold.prepared)).length;
    out.push(v('env', n === 0 ? '{}' : `{${n} variable${n === 1 ? '' : 's'}}`, n === 0 ? 0 : envRef));
  }
  if (hold.kind === 'failure' && hold.outcome) {
    out.push(v('outcome', describeFailure(hold.outcome)), v('log tail', hold.logTail ?? ''));
  }
  return out;
}

/** A value typed as a string literal ("2.0" or '2.0') is that string; anything else is taken as typed. */
function unquote(value: string): string {
  const t = value.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return value;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
