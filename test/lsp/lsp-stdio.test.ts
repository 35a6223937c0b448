// The language server as a process (SPEC §6 "Editing", CONVENTIONS habit 5): the built `node dist/server.js
// --stdio` driven by a real JSON-RPC client over its stdin/stdout. The language-service tests check each
// feature's answers in depth; these check that the host wires them to the protocol: the right documents and
// versions, debounced and never stale diagnostics, errors as error responses, no crash on any text, nothing
// but protocol on stdout, and a clean exit.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DiagnosticSeverity,
  DocumentHighlightRequest,
  DocumentSymbolRequest,
  HoverRequest,
  LSPErrorCodes,
  MarkupContent,
  MessageType,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  ResponseError,
  TextDocumentSyncKind,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type Position,
  type Range,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { assertExit, runCli } from '../cli/cli-harness';
import { assertServerBuilt, LspServer } from './lsp-harness';

/** A workflow whose one problem is a misspelt dependency ("buld"). */
const MISSPELT = `[vars]
env = "staging"

[tasks.build]
run = "echo built"
register = "version"

[tasks.test]
deps = ["buld"]
run = "echo testing in {{ .env }}"

[tasks.ship]
deps = ["build"]
run = "echo shipping {{ .version }}"
`;
const FIXED = MISSPELT.replace('"buld"', '"build"');

/** The position of the `nth` occurrence of `needle` in `text`, plus `offset` characters. */
function positionOf(text: string, needle: string, offset = 0, nth = 0): Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at !== -1, `${JSON.stringify(needle)} (#${nth}) is not in the text`);
  }
  return TextDocument.create('x', 'cairn', 0, text).positionAt(at + offset);
}

/** The range of the `nth` occurrence of `needle` in `text`. */
function rangeOf(text: string, needle: string, nth = 0): Range {
  const start = positionOf(text, needle, 0, nth);
  return { start, end: { line: start.line, character: start.character + needle.length } };
}

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('x', 'cairn', 0, text), [...edits]);
}

function markdownOf(hover: Hover | null): string {
  assert.ok(hover, 'expected a hover');
  assert.ok(MarkupContent.is(hover.contents), `hover contents should be markup: ${JSON.stringify(hover.contents)}`);
  return hover.contents.value;
}

/** A diagnostic's message as text (LSP 3.18 allows markup there; this server sends plain strings). */
function messageOf(d: Diagnostic | undefined): string {
  assert.ok(d, 'expected a diagnostic');
  assert.equal(typeof d.message, 'string');
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function labels(result: CompletionItem[] | { items: CompletionItem[] } | null): string[] {
  assert.ok(result, 'expected completions');
  return (Array.isArray(result) ? result : result.items).map((i) => i.label);
}

describe('language server over stdio (node dist/server.js --stdio)', function () {
  this.timeout(20_000);
  let dir = '';
  let server: LspServer | undefined;
  let uri = '';

  before(() => assertServerBuilt());

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-lsp-'));
    uri = pathToFileURL(path.join(dir, 'release.cairn.toml')).href;
  });

  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<LspServer> {
    const started = await LspServer.start(dir);
    server = started.server;
    return started.server;
  }

  /** Every test ends here: the server is alive, stdout held only protocol, and no handler failed (they log and answer empty). */
  function assertHealthy(s: LspServer): void {
    assert.deepEqual(s.stdoutProblems, [], 'stdout must carry nothing but LSP messages');
    assert.ok(s.alive, `the server died\n  stderr: ${s.stderr}`);
    assert.deepEqual(s.logs.filter((l) => l.type === MessageType.Error).map((l) => l.message), [], 'internal errors the server logged');
  }

  it('advertises its capabilities on initialize', async () => {
    const { server: s, init } = await LspServer.start(dir);
    server = s;
    const c = init.capabilities;
    assert.equal(c.textDocumentSync, TextDocumentSyncKind.Incremental);
    const triggers = c.completionProvider?.triggerCharacters ?? [];
    assert.ok(triggers.includes('"'), 'completion triggers inside deps strings');
    assert.ok(triggers.includes('.'), 'completion triggers after {{ .');
    assert.equal(c.hoverProvider, true);
    assert.equal(c.definitionProvider, true);
    assert.equal(c.referencesProvider, true);
    assert.equal(c.documentHighlightProvider, true);
    assert.deepEqual(c.renameProvider, { prepareProvider: true });
    assert.equal(c.documentSymbolProvider, true);
    assert.deepEqual(c.codeActionProvider, { codeActionKinds: [CodeActionKind.QuickFix] });
    assert.equal(init.serverInfo?.name, 'cairn');
    assertHealthy(s);
  });

  it('publishes diagnostics on open, clears them when fixed, and on close', async () => {
    const s = await start();
    await s.open(uri, MISSPELT, 1);
    const opened = await s.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.equal(opened.diagnostics.length, 1, JSON.stringify(opened.diagnostics));
    const d = opened.diagnostics[0]!;
    // The range is the string itself, quotes included, not the table header (SPEC §1.1).
    assert.deepEqual(d.range, rangeOf(MISSPELT, '"buld"'));
    assert.deepEqual(d.range, { start: { line: 8, character: 8 }, end: { line: 8, character: 14 } });
    assert.equal(d.severity, DiagnosticSeverity.Error);
    assert.equal(d.code, 'unknown-dep');
    assert.equal(d.source, 'cairn');
    assert.match(messageOf(d), /"buld".*did you mean "build"/);

    await s.change(uri, 2, FIXED);
    const fixed = await s.waitForDiagnostics(uri, (p) => p.version === 2);
    assert.deepEqual(fixed.diagnostics, []);

    await s.close(uri);
    const closed = await s.waitForDiagnostics(uri, (p) => p.version === undefined);
    assert.deepEqual(closed.diagnostics, []);
    // Once each, in order: the open's immediate validation is not repeated by its debounce timer.
    assert.deepEqual(s.publishedFor(uri).map((p) => p.version), [1, 2, undefined]);
    assertHealthy(s);
  });

  it('publishes only the last of 50 rapid changes, and never a stale version after a newer one', async () => {
    const s = await start();
    await s.open(uri, FIXED, 1);
    await s.waitForDiagnostics(uri, (p) => p.version === 1);
    const misspelt = (v: number): string => MISSPELT.replace('"buld"', `"bld${v}"`);
    const burst = Array.from({ length: 50 }, (_, i) => i + 2);
    const last = burst[burst.length - 1]!;
    // Sent back to back without awaiting any, as typing does: each replaces the pending validation of the one before.
    await Promise.all(burst.map((v) => s.change(uri, v, misspelt(v))));
    const published = await s.waitForDiagnostics(uri, (p) => p.version === last);
    assert.equal(published.diagnostics.length, 1);
    assert.match(messageOf(published.diagnostics[0]), new RegExp(`"bld${last}"`), `the diagnostics are those of version ${last}'s text`);
    // A later change is a barrier: anything still pending for the burst would have been published before it.
    await s.change(uri, last + 1, FIXED);
    await s.waitForDiagnostics(uri, (p) => p.version === last + 1);
    // Once the burst started: its last version and the barrier, nothing of versions 2 to 50.
    assert.deepEqual(s.publishedFor(uri).map((p) => p.version), [1, last, last + 1], 'an intermediate version of the burst was published');
    assertHealthy(s);
  });

  it('completes task ids after deps = ["', async () => {
    const s = await start();
    const text = '[tasks.build]\nrun = "make"\n\n[tasks.lint]\nrun = "eslint ."\n\n[tasks.test]\nrun = "npm test"\ndeps = ["';
    await s.open(uri, text);
    const result = await s.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: positionOf(text, 'deps = ["', 9) });
    const got = labels(result);
    assert.ok(got.includes('build') && got.includes('lint'), `task ids expected, got ${JSON.stringify(got)}`);
    assert.ok(!got.includes('test'), 'a task cannot depend on itself');
    assertHealthy(s);
  });

  it('hovers a task with its command, and with its last run once the file has one in the store beside it', async () => {
    const s = await start();
    const file = path.join(dir, 'release.cairn.toml');
    fs.writeFileSync(file, FIXED);
    await s.open(uri, FIXED);
    const at = { textDocument: { uri }, position: positionOf(FIXED, '[tasks.build]', 8) };

    const withoutRun = markdownOf(await s.connection.sendRequest(HoverRequest.type, at));
    assert.match(withoutRun, /echo built/);
    assert.doesNotMatch(withoutRun, /last run/);

    const run = await runCli(['run', 'release.cairn.toml'], { cwd: dir });
    assertExit(run, 0);
    const runId = /run (\w+) succeeded/.exec(run.stdout)?.[1];
    assert.ok(runId, `no run id in ${run.stdout}`);

    const hover = await s.connection.sendRequest(HoverRequest.type, at);
    const after = markdownOf(hover);
    assert.match(after, /echo built/);
    assert.match(after, /last run: ✓ succeeded/);
    assert.ok(after.includes(runId), `the hover names run ${runId}: ${after}`);
    assert.deepEqual(hover?.range, rangeOf(FIXED, 'build'));

    // A variable's hover shows its latest value from that run, with the task that registered it.
    const varHover = markdownOf(await s.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(FIXED, '.version', 2) }));
    assert.match(varHover, /latest value: `built` \(from task `build`, attempt 1/);
    assertHealthy(s);
  });

  it('answers definition, references, highlights, rename, symbols and quick fixes', async () => {
    const s = await start();
    await s.open(uri, FIXED);
    const onDep = { textDocument: { uri }, position: positionOf(FIXED, '"build"', 1) };
    const header = rangeOf(FIXED, 'build');
    const dep = rangeOf(FIXED, 'build', 1);
    const shipDep = rangeOf(FIXED, 'build', 2);

    const definition = await s.connection.sendRequest(DefinitionRequest.type, onDep);
    assert.deepEqual(definition, [{ uri, range: header }]);

    const references = (await s.connection.sendRequest(ReferencesRequest.type, { ...onDep, context: { includeDeclaration: true } })) ?? [];
    const sortedRanges = (ls: readonly Location[]): Range[] => ls.map((l) => l.range).sort((a, b) => a.start.line - b.start.line);
    assert.deepEqual(sortedRanges(references), [header, dep, shipDep]);
    assert.ok(references.every((l) => l.uri === uri));
    const withoutDecl = (await s.connection.sendRequest(ReferencesRequest.type, { ...onDep, context: { includeDeclaration: false } })) ?? [];
    assert.deepEqual(sortedRanges(withoutDecl), [dep, shipDep]);

    const highlights = (await s.connection.sendRequest(DocumentHighlightRequest.type, onDep)) ?? [];
    assert.equal(highlights.length, 3);

    const prepared = await s.connection.sendRequest(PrepareRenameRequest.type, onDep);
    assert.deepEqual(prepared, { range: dep, placeholder: 'build' });
    const edit = await s.connection.sendRequest(RenameRequest.type, { ...onDep, newName: 'compile' });
    const edits = edit?.changes?.[uri];
    assert.ok(edits, `a rename edit for ${uri}: ${JSON.stringify(edit)}`);
    assert.equal(applyEdits(FIXED, edits), FIXED.replace('[tasks.build]', '[tasks.compile]').replaceAll('"build"]', '"compile"]'));

    const symbols = (await s.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) ?? [];
    const names = (symbols as DocumentSymbol[]).flatMap((sym) => [sym.name, ...(sym.children ?? []).map((c) => c.name)]);
    assert.ok(names.includes('build') && names.includes('test'), `tasks in the outline: ${JSON.stringify(names)}`);

    // The quick fix for the misspelt dep, as an editor asks for it: the diagnostic's range and the diagnostic.
    await s.change(uri, 2, MISSPELT);
    const published = await s.waitForDiagnostics(uri, (p) => p.version === 2);
    const problem: Diagnostic | undefined = published.diagnostics[0];
    assert.ok(problem);
    const actions = (await s.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: problem.range, context: { diagnostics: [problem] } })) ?? [];
    const fixes = actions.filter((a): a is CodeAction => 'kind' in a && a.kind === CodeActionKind.QuickFix);
    assert.equal(fixes.length, 1, JSON.stringify(actions));
    const fix = fixes[0]!;
    assert.match(fix.title, /build/);
    assert.equal(applyEdits(MISSPELT, fix.edit?.changes?.[uri] ?? []), FIXED);
    const onlyRefactors = (await s.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: problem.range, context: { diagnostics: [problem], only: [CodeActionKind.Refactor] } })) ?? [];
    assert.deepEqual(onlyRefactors, [], 'no quick fix when only refactorings are asked for');
    assertHealthy(s);
  });

  it('answers prepareRename on a spot that cannot be renamed with an error response that says why', async () => {
    const s = await start();
    await s.open(uri, FIXED);
    const onKey = { textDocument: { uri }, position: positionOf(FIXED, 'register', 2) };
    await assert.rejects(s.connection.sendRequest(PrepareRenameRequest.type, onKey), (e: unknown) => {
      assert.ok(e instanceof ResponseError, `an error response, got ${String(e)}`);
      assert.equal(e.code, LSPErrorCodes.RequestFailed);
      assert.match(e.message, /only a task id or a variable name can be renamed/);
      return true;
    });
    await assert.rejects(s.connection.sendRequest(RenameRequest.type, { ...onKey, newName: 'x' }), /only a task id or a variable name can be renamed/);
    // An invalid new name is refused the same way.
    const onHeader = { textDocument: { uri }, position: positionOf(FIXED, '[tasks.build]', 8) };
    await assert.rejects(s.connection.sendRequest(RenameRequest.type, { ...onHeader, newName: 'not an id' }), /not a valid task id/);
    assertHealthy(s);
  });

  it('survives binary junk, a 1 MB workflow and malformed TOML, and keeps answering', async () => {
    const s = await start();
    // Deterministic "random" bytes, control characters and NULs included.
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + (i >> 3)) % 256)).toString('latin1');
    // 1 MB: a dependency chain a thousand tasks deep, each with a long command using a variable nobody sets.
    const filler = 'x'.repeat(1000);
    let big = '';
    for (let i = 0; big.length < 1_000_000; i++) big += `[tasks.t${i}]\nrun = "echo {{ .v${i} }} ${filler}"\ndeps = [${i > 0 ? `"t${i - 1}"` : ''}]\n\n`;
    const malformed = [
      '[tasks.a\nrun = "x',
      '[[[\n= = =\n',
      '[tasks.a]\nrun = """never closed\n',
      '[tasks.a]\nrun = "echo {{ .x"\ndeps = ["a", 1, {}, [[]]]\nif = "((("\n',
      '[tasks]\na = 1\n[tasks.a.b.c]\nrun = 3\n',
      '\uFEFF\u0000[tasks.\uD800]\nrun = "\uDFFF"\n',
    ];
    const docs = [junk, big, ...malformed].map((text, i) => ({ uri: pathToFileURL(path.join(dir, `bad-${i}.cairn.toml`)).href, text }));
    for (const d of docs) await s.open(d.uri, d.text);
    for (const d of docs) await s.waitForDiagnostics(d.uri, (p) => p.version === 1);
    assert.ok(s.publishedFor(docs[1]!.uri)[0]!.diagnostics.length > 0, 'the 1 MB file has problems to report');

    // Every feature, at a few spots of each bad document: any answer will do, as long as one comes.
    for (const d of docs) {
      const lines = d.text.split('\n').length;
      for (const position of [{ line: 0, character: 0 }, { line: 1, character: 3 }, { line: lines - 1, character: 2 }, { line: lines + 5, character: 999 }]) {
        const at = { textDocument: { uri: d.uri }, position };
        await Promise.all([
          s.connection.sendRequest(CompletionRequest.type, at),
          s.connection.sendRequest(HoverRequest.type, at),
          s.connection.sendRequest(DefinitionRequest.type, at),
          s.connection.sendRequest(ReferencesRequest.type, { ...at, context: { includeDeclaration: true } }),
          s.connection.sendRequest(PrepareRenameRequest.type, at).catch((e: unknown) => assert.ok(e instanceof ResponseError, String(e))),
          s.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: d.uri } }),
          s.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri: d.uri }, range: { start: position, end: position }, context: { diagnostics: [] } }),
        ]);
      }
    }
    // Changes to the 1 MB file still validate, with its newest version.
    await s.change(docs[1]!.uri, 2, big.replace('[tasks.t0]', '[tasks.t0'));
    await s.waitForDiagnostics(docs[1]!.uri, (p) => p.version === 2);
    // And a good document is still served as usual.
    await s.open(uri, MISSPELT);
    const good = await s.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.deepEqual(good.diagnostics.map((x) => x.code), ['unknown-dep']);
    assert.match(markdownOf(await s.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(MISSPELT, '[tasks.build]', 8) })), /echo built/);
    assertHealthy(s);
  });

  it('writes nothing but protocol messages on stdout', async () => {
    const s = await start();
    await s.open(uri, MISSPELT);
    await s.waitForDiagnostics(uri, (p) => p.version === 1);
    // The paths that log (a refused rename, a document that does not exist) must log through the protocol.
    await assert.rejects(s.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: { line: 0, character: 1 } }));
    const missing = { textDocument: { uri: pathToFileURL(path.join(dir, 'never-opened.cairn.toml')).href }, position: { line: 0, character: 0 } };
    assert.equal(await s.connection.sendRequest(HoverRequest.type, missing), null);
    assert.equal(await s.connection.sendRequest(CompletionRequest.type, missing), null);
    await s.change(uri, 2, FIXED);
    await s.waitForDiagnostics(uri, (p) => p.version === 2);
    const code = await s.shutdown();
    assert.equal(code.code, 0);
    // initialize, 2 × diagnostics, prepareRename, hover, completion, shutdown: each a well-framed message.
    assert.ok(s.stdoutMessages >= 7, `only ${s.stdoutMessages} messages seen on stdout`);
    assert.deepEqual(s.stdoutProblems, []);
  });

  it('ends with exit code 0 on shutdown then exit', async () => {
    const s = await start();
    await s.open(uri, FIXED);
    await s.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.deepEqual(await s.shutdown(), { code: 0, signal: null });
    assert.deepEqual(s.stdoutProblems, []);
  });

  it('exits when its client goes away without a shutdown (no orphaned server)', async () => {
    const s = await start();
    await s.open(uri, FIXED);
    await s.waitForDiagnostics(uri, (p) => p.version === 1);
    s.closeInput();
    // LSP: exit without a prior shutdown ends with code 1.
    assert.deepEqual(await s.exited, { code: 1, signal: null });
  });
});
