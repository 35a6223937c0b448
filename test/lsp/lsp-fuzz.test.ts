// The language server fuzzed over stdio, as an editor drives it: the built `node dist/server.js --stdio` gets
// mutated workflows as didChange after didChange, each followed at once by requests at random cursors
// (completion, hover, symbols, code actions, definition, references, highlights, rename), all in flight
// together. Every answer comes back, every range in it (and in every publishDiagnostics, checked against the
// text of the version it names) lies inside its document, the server logs no internal error and stays up.
// The in-process fuzz (server/language-service/language-service.fuzz.test.ts) asks more of each case; this one
// covers the transport, the validation queue and the document sync between them.
// Cases: FUZZ_CASES (1,000 in npm test, 50,000 in test:reliability). Replay a failing chunk with the FUZZ_SEED
// and FUZZ_CASES its title prints.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LSPErrorCodes, MessageType, ResponseError } from 'vscode-languageserver-protocol/node';
import { fuzzCases, fuzzChunks, fuzzSeed, Rng } from '../../runner/testing/prng';
import { checkRanges, loadExamples, mutate } from '../../server/test-utils/fuzz-input';
import { assertServerBuilt, LspServer } from './lsp-harness';

const SEED = fuzzSeed();
const CASES = fuzzCases(1000);
const CHUNK = 500;
/** Every this many cases, wait for the diagnostics of the version just sent (the debounce coalesces the rest). */
const DIAGNOSTICS_EVERY = 25;

describe('language server over stdio (fuzz)', function () {
  this.timeout(300_000);
  const examples = loadExamples();
  let dir = '';
  let server: LspServer | undefined;

  before(() => {
    assertServerBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-lsp-fuzz-'));
  });
  after(async () => {
    await server?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [chunk, [first, per]] of fuzzChunks(CASES, CHUNK).entries()) {
    it(`answers every request on mutations ${first + 1}–${first + per} of ${CASES} (FUZZ_SEED=${SEED} FUZZ_CASES=${CASES})`, async () => {
      const rng = new Rng(SEED + chunk * 0x9e3779b9);
      server ??= (await LspServer.start(dir)).server;
      const s = server;
      const uri = pathToFileURL(path.join(dir, `fuzz-${chunk}.cairn.toml`)).href;
      const texts = new Map<number, string>();
      let version = 1;
      let text = rng.pick(examples);
      let withSymbols = 0;
      texts.set(version, text);
      await s.open(uri, text, version);
      const request = (method: string, params: object): Promise<unknown> => s.connection.sendRequest(method, params);

      for (let i = 0; i < per; i++) {
        // Mostly an edit of the text before (as typing goes), sometimes a fresh example.
        if (rng.chance(0.1)) text = rng.pick(examples);
        const steps = 1 + rng.int(3);
        for (let k = 0; k < steps; k++) text = mutate(text, rng);
        if (rng.chance(0.05)) text = text.replace(/\r?\n/g, '\r\n');
        version++;
        texts.set(version, text);
        await s.change(uri, version, text);

        const doc = TextDocument.create(uri, 'cairn', version, text);
        const where = `FUZZ_SEED=${SEED} FUZZ_CASES=${CASES} chunk ${chunk} case ${i}`;
        const at = (): { line: number; character: number } => doc.positionAt(rng.int(text.length + 1));
        const textDocument = { uri };
        const p = at();
        const q = doc.positionAt(Math.min(text.length, doc.offsetAt(p) + rng.int(40)));
        const asks: [string, string, object][] = [
          ['completion', 'textDocument/completion', { textDocument, position: at() }],
          ['hover', 'textDocument/hover', { textDocument, position: at() }],
          ['symbols', 'textDocument/documentSymbol', { textDocument }],
          ['code actions', 'textDocument/codeAction', { textDocument, range: { start: p, end: q }, context: { diagnostics: [] } }],
          ['definition', 'textDocument/definition', { textDocument, position: at() }],
          ['references', 'textDocument/references', { textDocument, position: at(), context: { includeDeclaration: rng.chance(0.5) } }],
          ['highlights', 'textDocument/documentHighlight', { textDocument, position: at() }],
          ['prepare rename', 'textDocument/prepareRename', { textDocument, position: at() }],
          ['rename', 'textDocument/rename', { textDocument, position: at(), newName: rng.pick(['fresh_name', 'x', 'a-b', 'bad name', '9']) }],
        ];
        // All in flight at once, as an editor's requests are; a refusal (ResponseError) is an answer too.
        const answers = await Promise.all(asks.map(([, method, params]) => request(method, params).then((r) => ({ ok: true as const, r }), (e: unknown) => ({ ok: false as const, e }))));
        for (const [k, answer] of answers.entries()) {
          const [what] = asks[k]!;
          if (answer.ok && what === 'symbols' && Array.isArray(answer.r) && answer.r.length > 0) withSymbols++;
          if (answer.ok) checkRanges(doc, answer.r, `${where} ${what}`);
          // Only a rename may be refused, and only as "understood, and refused" (an internal error is logged and
          // answered otherwise).
          else assert.ok(what.includes('rename') && answer.e instanceof ResponseError && answer.e.code === LSPErrorCodes.RequestFailed, `${where} ${what} failed: ${answer.e instanceof Error ? answer.e.message : String(answer.e)}\ninput: ${JSON.stringify(text.slice(0, 2000))}`);
          if (answer.ok && what === 'rename' && answer.r !== null) {
            const changes = (answer.r as { changes?: Record<string, Parameters<typeof TextDocument.applyEdits>[1]> }).changes?.[uri] ?? [];
            TextDocument.applyEdits(doc, changes); // throws on overlapping edits
          }
        }
        if (i % DIAGNOSTICS_EVERY === DIAGNOSTICS_EVERY - 1) {
          const v = version;
          await s.waitForDiagnostics(uri, (d) => d.version === v, 15_000);
        }
      }

      // Answers for the document (not empty ones for a document the server lost): most mutations keep tasks.
      assert.ok(withSymbols > per / 4, `only ${withSymbols} of ${per} cases had symbols`);
      // Every diagnostics message for this document, against the text of the version it names.
      const published = s.diagnostics.filter((d) => d.uri === uri);
      assert.ok(published.length >= Math.floor(per / DIAGNOSTICS_EVERY), `only ${published.length} publishDiagnostics`);
      for (const d of published) {
        const t = d.version === undefined ? undefined : texts.get(d.version);
        assert.ok(t !== undefined, `publishDiagnostics for an unknown version ${String(d.version)}`);
        checkRanges(TextDocument.create(uri, 'cairn', d.version ?? 0, t), d.diagnostics, `FUZZ_SEED=${SEED} chunk ${chunk} diagnostics of version ${String(d.version)}`);
      }
      await s.close(uri);
      assert.deepEqual(s.logs.filter((l) => l.type === MessageType.Error).map((l) => l.message), [], 'no internal error logged');
      assert.deepEqual(s.transportErrors, []);
    });
  }
});
