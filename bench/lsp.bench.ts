// Language server speed over stdio (issue: "Speed (in bench/, not timed tests)"): the built `node dist/server.js
// --stdio` driven by the real JSON-RPC client of the LSP tests (test/lsp/lsp-harness.ts), on generated workflows
// of 200, 2,000 and 10,000 tasks. Every figure is wall time on this process's clock, from just before the client
// writes a message to the moment the answer (or the publishDiagnostics for that document version) is read back:
// what an editor waits, transport and JSON included.
//  - didOpen → its first publishDiagnostics (the server validates an opened document at once);
//  - didChange → publishDiagnostics of that version, for a one-character edit inside a task's run string and for an
//    edit that makes a dep unknown (and the edit back). The server debounces validation of changes (ValidationQueue,
//    delayMs in server/main.ts, read here from the built bundle), so each is given twice: the total a user sees,
//    and net of the debounce (total − delay: validation + transport, what the server could still shave);
//  - completion after `deps = ["` and after `{{ .` (median and p95 over 30 requests), on an unchanged document, and
//    "as typed": the request sent right behind a didChange, as an editor does when a keystroke triggers it, so the
//    server analyses the new version first;
//  - hover on a task id and on a `{{ .var }}`.
// Targets (issue, 2,000 tasks): didChange → publishDiagnostics < 150 ms, completion < 30 ms; TARGET rows mark them
// PASS/MISS. "Extension activation time as the host reports it" comes from the last `npm run test:e2e`: the
// in-host suite records the extension host's own performance marks into test/e2e/artifacts/host-results.json.
// Knobs: LSP_BENCH_SIZES (comma list of task counts, default 200,2000,10000), LSP_BENCH_WAIT_IDLE (seconds to wait,
// at most, for other processes to leave the CPUs alone before each size; default 30).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CompletionRequest, HoverRequest, type CompletionItem, type CompletionList, type Hover, type Position, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { generateWorkflow } from '../runner/testing/generate-workflow';
import type { ActivationFigure } from '../test/e2e/suite/results';
import type { RunEventParams } from '../server/run-protocol';
import { LspServer, REPO_ROOT, SERVER_BUNDLE } from '../test/lsp/lsp-harness';
import type { BenchRow } from './bench-row';
import { median } from './measure';
import { cpuSnap, foreignShare, waitForQuiet } from './runner/cpu-share';

const BENCH = 'lsp';
const SIZES = (process.env.LSP_BENCH_SIZES ?? '200,2000,10000').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const TARGET_SIZE = 2000;
const WAIT_IDLE_MS = Number(process.env.LSP_BENCH_WAIT_IDLE ?? 30) * 1000;
const DIAGNOSTICS_TARGET_MS = 150;
const COMPLETION_TARGET_MS = 30;
/** Timed requests per completion/hover case, after WARMUP untimed ones. */
const REQUESTS = 30;
const WARMUP = 3;
/** Edits per didChange case (each edit is undone by the next, so the document returns to the generated text). */
const editPairs = (tasks: number): number => (tasks >= 10000 ? 6 : tasks >= 2000 ? 12 : 15);
/** Copies of the document opened one after the other: the first in a fresh server is cold. */
const opens = (tasks: number): number => (tasks >= 10000 ? 3 : 5);

const round1 = (x: number): number => Math.round(x * 10) / 10;
const log = (s: string): void => {
  process.stderr.write(`[lsp bench] ${s}\n`);
};

interface Stats {
  readonly n: number;
  readonly median: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
}

function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, median: median(s), p95: s[Math.max(0, Math.ceil(0.95 * s.length) - 1)] ?? NaN, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

const COLUMNS = ['tasks', 'n', 'median_ms', 'p95_ms', 'min_ms', 'max_ms', 'net_ms', 'measured', 'target', 'verdict', 'note'];
/** A row with every column present (undefined prints empty), so the table's columns keep this order. */
function row(caseName: string, cells: Record<string, string | number | undefined>): BenchRow {
  const out: Record<string, string | number | undefined> = { bench: BENCH, case: caseName };
  for (const c of COLUMNS) out[c] = cells[c];
  return out as BenchRow;
}
const timingCells = (s: Stats): Record<string, number> => ({ n: s.n, median_ms: round1(s.median), p95_ms: round1(s.p95), min_ms: round1(s.min), max_ms: round1(s.max) });

/** The debounce the built server uses: `delayMs: N` in the bundle's ValidationQueue options (server/main.ts). */
function debounceMs(): number {
  const m = /delayMs:\s*(\d+)/.exec(readFileSync(SERVER_BUNDLE, 'utf8'));
  if (!m?.[1]) throw new Error(`no "delayMs: N" in ${SERVER_BUNDLE}: has server/main.ts's ValidationQueue changed? Update this bench.`);
  return Number(m[1]);
}

function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : round1(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/** A client-side copy of the document, kept in step with the edits sent, to turn offsets into positions. */
class Doc {
  private doc: TextDocument;
  constructor(
    readonly uri: string,
    text: string,
  ) {
    this.doc = TextDocument.create(uri, 'cairn', 1, text);
  }
  get version(): number {
    return this.doc.version;
  }
  get text(): string {
    return this.doc.getText();
  }
  positionAt(offset: number): Position {
    return this.doc.positionAt(offset);
  }
  /** Inserts `text` at `offset` (or deletes `deleteCount` characters there) and returns the change to send. */
  splice(offset: number, deleteCount: number, text: string): { version: number; change: { range: { start: Position; end: Position }; text: string } } {
    const change = { range: { start: this.doc.positionAt(offset), end: this.doc.positionAt(offset + deleteCount) }, text };
    this.doc = TextDocument.update(this.doc, [change], this.doc.version + 1);
    return { version: this.doc.version, change };
  }
}

/** The offset of the first occurrence of `re` from `from` (default: the middle of `text`), else the last before it. */
function nearMiddle(text: string, re: RegExp, from = Math.floor(text.length / 2)): number {
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  global.lastIndex = from;
  const after = global.exec(text);
  if (after) return after.index;
  global.lastIndex = 0;
  let last = -1;
  for (let m = global.exec(text); m; m = global.exec(text)) last = m.index;
  if (last === -1) throw new Error(`the generated workflow has no ${re.source}`);
  return last;
}

function itemsOf(result: CompletionItem[] | CompletionList | null): CompletionItem[] {
  return result === null ? [] : Array.isArray(result) ? result : result.items;
}

interface SizeResult {
  readonly tasks: number;
  readonly changeRun: Stats;
  readonly changeDep: Stats;
  readonly completionDeps: Stats;
  readonly completionVar: Stats;
  readonly typedDeps: Stats;
  readonly typedVar: Stats;
}

async function benchSize(tasks: number, delay: number, rows: BenchRow[], notes: string[]): Promise<SizeResult> {
  const text = generateWorkflow({ tasks, seed: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'cairn-lsp-bench-'));
  await waitForQuiet({ underShare: 0.25, maxWaitMs: WAIT_IDLE_MS, log });
  const t0 = performance.now();
  const { server } = await LspServer.start(dir);
  const startMs = performance.now() - t0;
  // The server's CPU time is its own work, not contention.
  const cpuAtStart = cpuSnap(server.pid);
  const label = `${tasks.toLocaleString('en-US')} tasks`;
  try {
    const publishOf = (uri: string, version: number | undefined): Promise<PublishDiagnosticsParams> => server.waitForDiagnostics(uri, (p) => p.version === version, 60_000);
    const uriOf = (name: string): string => pathToFileURL(join(dir, `${name}.cairn.toml`)).href;

    // ── didOpen ──────────────────────────────────────────────────────────────────────────────────────────────
    const openMs: number[] = [];
    for (let i = 0; i < opens(tasks); i++) {
      const uri = uriOf(`open-${i}`);
      const t = performance.now();
      await server.open(uri, text, 1);
      const published = await publishOf(uri, 1);
      openMs.push(performance.now() - t);
      if (published.diagnostics.length > 0) throw new Error(`the generated ${tasks}-task workflow is not clean: ${JSON.stringify(published.diagnostics[0])}`);
      await server.close(uri);
      await publishOf(uri, undefined);
    }
    rows.push(row(`${label}: server start (spawn → initialize answered)`, { tasks, n: 1, median_ms: round1(startMs) }));
    rows.push(row(`${label}: didOpen → first publishDiagnostics, fresh server (cold)`, { tasks, n: 1, median_ms: round1(openMs[0] ?? NaN), note: `${Math.round(Buffer.byteLength(text) / 1024)} KB, ${text.split('\n').length} lines; validated at once, no debounce` }));
    rows.push(row(`${label}: didOpen → first publishDiagnostics, warm`, { tasks, ...timingCells(stats(openMs.slice(1))), note: 'the same text under other URIs, one after the other' }));

    // The document every other case works on.
    const doc = new Doc(uriOf('bench'), text);
    await server.open(doc.uri, text, 1);
    await publishOf(doc.uri, 1);

    // ── didChange ────────────────────────────────────────────────────────────────────────────────────────────
    /** Sends one ranged edit and times it to the publishDiagnostics of its version. */
    const timedEdit = async (offset: number, deleteCount: number, insert: string, expect: number): Promise<number> => {
      const { version, change } = doc.splice(offset, deleteCount, insert);
      const t = performance.now();
      await server.edit(doc.uri, version, [change]);
      const published = await publishOf(doc.uri, version);
      const ms = performance.now() - t;
      if (published.diagnostics.length !== expect) throw new Error(`v${version}: ${published.diagnostics.length} diagnostics, expected ${expect}: ${JSON.stringify(published.diagnostics.slice(0, 2))}`);
      return ms;
    };
    // Positions are taken in [tasks.<id>] tables (lines starting with the key), not in the block of inline and
    // dotted tasks the generator puts mid-file.
    // Inside a plain run string near the middle: `run = "npm run …` → `run = "nxpm run …` and back.
    const runAt = nearMiddle(doc.text, /\nrun = "npm run /) + '\nrun = "n'.length;
    const runMs: number[] = [];
    for (let i = 0; i < 2 + editPairs(tasks); i++) {
      const a = await timedEdit(runAt, 0, 'x', 0);
      const b = await timedEdit(runAt, 1, '', 0);
      if (i >= 2) runMs.push(a, b);
    }
    // The first dep of a task near the middle gets a `z` in front: an unknown dep (with "did you mean"), then the fix.
    const depAt = nearMiddle(doc.text, /\ndeps = \["/) + '\ndeps = ["'.length;
    const unknownMs: number[] = [];
    const fixMs: number[] = [];
    for (let i = 0; i < 2 + editPairs(tasks); i++) {
      const a = await timedEdit(depAt, 0, 'z', 1);
      const b = await timedEdit(depAt, 1, '', 0);
      if (i >= 2) {
        unknownMs.push(a);
        fixMs.push(b);
      }
    }
    const changeRun = stats(runMs);
    const changeDep = stats(unknownMs);
    const changeFix = stats(fixMs);
    const changeNote = (extra: string): string => `${extra}; net = median − the ${delay} ms debounce`;
    rows.push(row(`${label}: didChange → publishDiagnostics, 1-char edit in a run string`, { tasks, ...timingCells(changeRun), net_ms: round1(changeRun.median - delay), note: changeNote('ranged edit (incremental sync), insert then delete') }));
    rows.push(row(`${label}: didChange → publishDiagnostics, edit making a dep unknown`, { tasks, ...timingCells(changeDep), net_ms: round1(changeDep.median - delay), note: changeNote('1 unknown-dep error with "did you mean"') }));
    rows.push(row(`${label}: didChange → publishDiagnostics, the edit fixing it`, { tasks, ...timingCells(changeFix), net_ms: round1(changeFix.median - delay), note: changeNote('diagnostics cleared') }));

    // ── completion and hover ─────────────────────────────────────────────────────────────────────────────────
    const depsPos = doc.positionAt(depAt);
    // After the edited run string's line: completion positions must not move under the "as typed" edits.
    const varAt = nearMiddle(doc.text, /\{\{ \./, doc.text.indexOf('\n', runAt)) + '{{ .'.length;
    const varPos = doc.positionAt(varAt);
    const headerAt = nearMiddle(doc.text, /\n\[tasks\.[a-z]/) + '\n[tasks.'.length + 1;
    const headerPos = doc.positionAt(headerAt);
    const varHoverPos = doc.positionAt(varAt + 1);
    if (depsPos.line === doc.positionAt(runAt).line || varPos.line === doc.positionAt(runAt).line) throw new Error('the edited run string shares a line with a completion position');

    const requestStats = async (what: string, send: () => Promise<unknown>, check: (r: unknown) => void): Promise<Stats> => {
      const xs: number[] = [];
      for (let i = 0; i < WARMUP + REQUESTS; i++) {
        const t = performance.now();
        const r = await send();
        const ms = performance.now() - t;
        if (i === 0) check(r);
        if (i >= WARMUP) xs.push(ms);
      }
      log(`${label}: ${what}: median ${median(xs).toFixed(1)} ms`);
      return stats(xs);
    };
    const complete = (position: Position): Promise<CompletionItem[] | CompletionList | null> => server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: doc.uri }, position });
    const expectItems = (min: number, what: string) => (r: unknown): void => {
      const n = itemsOf(r as CompletionItem[] | CompletionList | null).length;
      if (n < min) throw new Error(`${label}: completion ${what} gave ${n} items, expected at least ${min}`);
    };
    const completionDeps = await requestStats('completion deps', () => complete(depsPos), expectItems(Math.floor(tasks / 2), 'after deps = ["'));
    const completionVar = await requestStats('completion var', () => complete(varPos), expectItems(1, 'after {{ .'));
    const depsItems = itemsOf(await complete(depsPos)).length;
    const varItems = itemsOf(await complete(varPos)).length;
    rows.push(row(`${label}: completion after deps = [", document unchanged`, { tasks, ...timingCells(completionDeps), note: `${depsItems} items (task ids)` }));
    rows.push(row(`${label}: completion after {{ ., document unchanged`, { tasks, ...timingCells(completionVar), note: `${varItems} items (variables)` }));

    // As typed: a keystroke (a 1-char edit in the run string, on another line) and the completion request right behind
    // it, unawaited in between, as an editor sends them; timed from the request. The debounced validation of that
    // version is awaited before the next sample, so it never runs under a timed request.
    const typed = async (position: Position): Promise<Stats> => {
      const xs: number[] = [];
      for (let i = 0; i < WARMUP + REQUESTS; i++) {
        const { version, change } = i % 2 === 0 ? doc.splice(runAt, 0, 'x') : doc.splice(runAt, 1, '');
        const edited = server.edit(doc.uri, version, [change]);
        const t = performance.now();
        await Promise.all([edited, complete(position)]);
        const ms = performance.now() - t;
        await publishOf(doc.uri, version);
        if (i >= WARMUP) xs.push(ms);
      }
      // Leave the document as generated.
      if (doc.text !== text) {
        const { version, change } = doc.splice(runAt, 1, '');
        await server.edit(doc.uri, version, [change]);
        await publishOf(doc.uri, version);
      }
      return stats(xs);
    };
    const typedDeps = await typed(depsPos);
    const typedVar = await typed(varPos);
    const typedNote = 'request sent right behind a didChange: the new version is analysed first';
    rows.push(row(`${label}: completion after deps = [", as typed`, { tasks, ...timingCells(typedDeps), note: typedNote }));
    rows.push(row(`${label}: completion after {{ ., as typed`, { tasks, ...timingCells(typedVar), note: typedNote }));

    const hover = (position: Position): Promise<Hover | null> => server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: doc.uri }, position });
    const expectHover = (what: string) => (r: unknown): void => {
      if (r === null) throw new Error(`${label}: no hover ${what}`);
    };
    const hoverTask = await requestStats('hover task', () => hover(headerPos), expectHover('on a task header'));
    const hoverVar = await requestStats('hover var', () => hover(varHoverPos), expectHover('on a {{ .var }}'));
    rows.push(row(`${label}: hover on a task id ([tasks.<id>])`, { tasks, ...timingCells(hoverTask), note: 'includes the run-info refresh (no store here)' }));
    rows.push(row(`${label}: hover on a {{ .var }}`, { tasks, ...timingCells(hoverVar) }));

    const busy = foreignShare(cpuAtStart, cpuSnap(server.pid));
    rows.push(row(`${label}: server peak RSS, CPU contention`, { tasks, note: `server VmHWM ${peakRssMb(server.pid) ?? 'n/a'} MB; other processes used ${busy === undefined ? 'n/a' : `${Math.round(busy * 100)}%`} of the ${cpus().length} CPUs meanwhile` }));
    if (busy !== undefined && busy > 0.25) notes.push(`${label}: other processes used ${Math.round(busy * 100)}% of the CPUs while it ran: its figures are inflated`);
    if (server.stdoutProblems.length > 0) throw new Error(`stdout problems: ${server.stdoutProblems.join('; ')}`);
    return { tasks, changeRun, changeDep, completionDeps, completionVar, typedDeps, typedVar };
  } finally {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── editing while the server drives a run ─────────────────────────────────────────────────────────────────────
const RUN_TASKS = 200;
const DURING_RUN_TARGET_MS = 50;

/**
 * Completion latency while the same server drives a run (issue 5: "long runs never block LSP features"): a chain of
 * RUN_TASKS tasks that each sleep 20 ms, started with cairn/run, and completion requests on a 200-task document
 * sent one after the other for as long as the run goes on (at most 200). Only answers received before the run
 * ended count; the run's event notifications arrive on the same connection meanwhile.
 */
async function benchDuringRun(rows: BenchRow[]): Promise<Stats | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-lsp-bench-run-'));
  await waitForQuiet({ underShare: 0.25, maxWaitMs: WAIT_IDLE_MS, log });
  const { server } = await LspServer.start(dir);
  try {
    const workflow = Array.from({ length: RUN_TASKS }, (_x, i) => `[tasks.t${i}]\nrun = "sleep 0.02"${i > 0 ? `\ndeps = ["t${i - 1}"]` : ''}\n`).join('\n');
    const runFile = join(dir, 'chain.cairn.toml');
    writeFileSync(runFile, workflow);
    const text = generateWorkflow({ tasks: 200, seed: 1 });
    const doc = new Doc(pathToFileURL(join(dir, 'edited.cairn.toml')).href, text);
    await server.open(doc.uri, text, 1);
    await server.waitForDiagnostics(doc.uri, (p) => p.version === 1, 60_000);
    const position = doc.positionAt(nearMiddle(text, /\ndeps = \["/) + '\ndeps = ["'.length);
    let events = 0;
    let ended = false;
    server.connection.onNotification('cairn/runEvent', (p: RunEventParams) => {
      events += p.events.length;
    });
    server.connection.onNotification('cairn/runEnded', () => {
      ended = true;
    });
    await server.connection.sendRequest('cairn/run', { uri: pathToFileURL(runFile).href });
    const xs: number[] = [];
    let eventsWhileSampling = 0;
    while (!ended && xs.length < 200) {
      const before = events;
      const t = performance.now();
      const r = await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: doc.uri }, position });
      const ms = performance.now() - t;
      if (itemsOf(r).length < 100) throw new Error(`completion during the run gave ${itemsOf(r).length} items`);
      if (!ended) {
        xs.push(ms);
        eventsWhileSampling += events - before;
      }
    }
    const deadline = Date.now() + 60_000;
    while (!ended) {
      if (Date.now() > deadline) throw new Error(`the ${RUN_TASKS}-task run did not end within 60 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (xs.length < 20) throw new Error(`the run ended after ${xs.length} completions: too short to measure`);
    const st = stats(xs.slice(WARMUP));
    log(`during a run: completion median ${st.median.toFixed(1)} ms over ${st.n}`);
    rows.push(row(`completion after deps = [" (200 tasks) while the server drives a ${RUN_TASKS}-task run`, { tasks: 200, ...timingCells(st), note: `${st.n} requests one after the other while the run went on; ${eventsWhileSampling} run events arrived meanwhile` }));
    return st;
  } finally {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── extension activation (from the last e2e run) ───────────────────────────────────────────────────────────────
const HOST_RESULTS = join(REPO_ROOT, 'test', 'e2e', 'artifacts', 'host-results.json');

const isActivationFigure = (x: unknown): x is ActivationFigure => {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return ['codeLoadingMs', 'activateMs', 'totalMs'].every((k) => typeof o[k] === 'number') && typeof o.takenAt === 'string';
};

function activationRows(): BenchRow[] {
  const name = 'extension activation, as the extension host marked it (last `npm run test:e2e`)';
  if (!existsSync(HOST_RESULTS)) return [row(name, { measured: 'n/a', verdict: 'n/a', note: `no ${HOST_RESULTS}: run npm run test:e2e` })];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(HOST_RESULTS, 'utf8'));
  } catch (e) {
    return [row(name, { measured: 'n/a', verdict: 'n/a', note: `unreadable ${HOST_RESULTS}: ${e instanceof Error ? e.message : String(e)}` })];
  }
  const a = (parsed as { activation?: unknown }).activation;
  if (!isActivationFigure(a)) {
    return [row(name, { measured: 'n/a', verdict: 'n/a', note: `${HOST_RESULTS} (written ${statSync(HOST_RESULTS).mtime.toISOString()}) holds no activation figure: re-run npm run test:e2e` })];
  }
  const context = a.totalMs - a.codeLoadingMs - a.activateMs;
  return [
    row(name, {
      measured: `${a.totalMs} ms`,
      target: 'print (no target)',
      verdict: 'info',
      note:
        `one activation (workspaceContains): loading dist/extension.js ${a.codeLoadingMs} ms, the host preparing its context ${context} ms, ` +
        `activate() until its promise resolved ${a.activateMs} ms (it awaits the language server's start and initialize); ` +
        `Running Extensions would show load + activate()'s synchronous part only; ${a.host}, taken ${a.takenAt}, from ${HOST_RESULTS.slice(REPO_ROOT.length + 1)}`,
    }),
  ];
}

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(SERVER_BUNDLE)) throw new Error(`${SERVER_BUNDLE} is missing: run \`npm run build\` first (npm run bench does)`);
  const delay = debounceMs();
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const results: SizeResult[] = [];
  for (const tasks of SIZES) {
    log(`${tasks} tasks`);
    results.push(await benchSize(tasks, delay, rows, notes));
  }

  const target = (what: string, measured: string, goal: string, pass: boolean | undefined, note?: string): void => {
    rows.push(row(`TARGET ${what}`, { measured, target: goal, verdict: pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS', note }));
  };
  const at = results.find((r) => r.tasks === TARGET_SIZE);
  const size = TARGET_SIZE.toLocaleString('en-US');
  const ms = (s: Stats | undefined): string => (s ? `${s.median.toFixed(1)} ms (p95 ${s.p95.toFixed(1)})` : 'not measured');
  const under = (s: Stats | undefined, limit: number): boolean | undefined => (s ? s.median < limit : undefined);
  const netUnder = (s: Stats | undefined): boolean | undefined => (s ? s.median - delay < DIAGNOSTICS_TARGET_MS : undefined);
  const net = (s: Stats | undefined): string => (s ? `${(s.median - delay).toFixed(1)} ms` : 'not measured');
  const totalNote = `compared: the total a user sees (didChange written → publishDiagnostics read), the ${delay} ms debounce included`;
  target(`${size} tasks: didChange (run-string edit) → publishDiagnostics, total`, ms(at?.changeRun), `< ${DIAGNOSTICS_TARGET_MS} ms`, under(at?.changeRun, DIAGNOSTICS_TARGET_MS), totalNote);
  target(`${size} tasks: didChange (unknown dep) → publishDiagnostics, total`, ms(at?.changeDep), `< ${DIAGNOSTICS_TARGET_MS} ms`, under(at?.changeDep, DIAGNOSTICS_TARGET_MS), totalNote);
  const netNote = `info: the same medians less the ${delay} ms debounce (validation + transport only)`;
  target(`${size} tasks: didChange (run-string edit) → publishDiagnostics, net of debounce`, net(at?.changeRun), `< ${DIAGNOSTICS_TARGET_MS} ms (info)`, netUnder(at?.changeRun), netNote);
  target(`${size} tasks: didChange (unknown dep) → publishDiagnostics, net of debounce`, net(at?.changeDep), `< ${DIAGNOSTICS_TARGET_MS} ms (info)`, netUnder(at?.changeDep), netNote);
  const cNote = 'median compared; document unchanged since its last analysis';
  target(`${size} tasks: completion after deps = [", unchanged document`, ms(at?.completionDeps), `< ${COMPLETION_TARGET_MS} ms`, under(at?.completionDeps, COMPLETION_TARGET_MS), cNote);
  target(`${size} tasks: completion after {{ ., unchanged document`, ms(at?.completionVar), `< ${COMPLETION_TARGET_MS} ms`, under(at?.completionVar, COMPLETION_TARGET_MS), cNote);
  const tNote = 'median compared; the request right behind the keystroke\'s didChange, so it pays the new version\'s analysis';
  target(`${size} tasks: completion after deps = [", as typed`, ms(at?.typedDeps), `< ${COMPLETION_TARGET_MS} ms`, under(at?.typedDeps, COMPLETION_TARGET_MS), tNote);
  target(`${size} tasks: completion after {{ ., as typed`, ms(at?.typedVar), `< ${COMPLETION_TARGET_MS} ms`, under(at?.typedVar, COMPLETION_TARGET_MS), tNote);
  const during = await benchDuringRun(rows);
  target(`completion while the server drives a ${RUN_TASKS}-task run`, ms(during), `< ${DURING_RUN_TARGET_MS} ms`, under(during, DURING_RUN_TARGET_MS), 'median compared (issue 5)');
  rows.push(...activationRows());

  let built = '';
  try {
    built = `, dist/server.js built ${statSync(SERVER_BUNDLE).mtime.toISOString()}`;
  } catch {
    /* checked above */
  }
  rows.push(row('notes', { note: `debounce (delayMs in the built server) ${delay} ms${built}; ${cpus().length} CPUs, load average at end ${readLoad()}` }));
  for (const n of notes) rows.push(row('notes', { note: n }));
  return rows;
}

function readLoad(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}
