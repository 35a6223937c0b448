// Runner diagnostics → LSP diagnostics: ranges, severity, code, source, related info.
import assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { document, TEST_URI } from '../test-utils/cursor';
import { getDiagnostics } from './diagnostics';
import { DocumentAnalysis } from './document-analysis';

const diagnose = (text: string) => getDiagnostics(new DocumentAnalysis(document(text)));

describe('getDiagnostics', () => {
  it('gives the range of the offending value, the code, the severity and source "cairn"', () => {
    const [d, ...rest] = diagnose('[tasks.build]\nrun = "make"\n[tasks.deploy]\nrun = "./deploy"\ndeps = ["biuld"]\n');
    assert.equal(rest.length, 0);
    assert.deepEqual(d, {
      range: { start: { line: 4, character: 8 }, end: { line: 4, character: 15 } },
      severity: DiagnosticSeverity.Error,
      code: 'unknown-dep',
      source: 'cairn',
      message: 'unknown task "biuld" in deps of "deploy"; did you mean "build"?',
    });
  });

  it('maps warnings and carries related information into this document', () => {
    const text = '[tasks.a]\nrun = "1"\ndeps = ["b"]\n[tasks.b]\nrun = "2"\ndeps = ["a"]\n[tasks.c]\nrun = "x"\ndeps = ["a", "a"]\n';
    const ds = diagnose(text);
    const cycle = ds.find((d) => d.code === 'cycle');
    assert.ok(cycle?.relatedInformation);
    assert.deepEqual(cycle.relatedInformation, [
      { location: { uri: TEST_URI, range: { start: { line: 5, character: 8 }, end: { line: 5, character: 11 } } }, message: '"b" depends on "a"' },
    ]);
    assert.equal(ds.find((d) => d.code === 'duplicate-dep')?.severity, DiagnosticSeverity.Warning);
  });

  it('reports a TOML syntax error at its position, on CRLF text too', () => {
    const [d] = diagnose('[tasks.a]\r\nrun = "x\r\n');
    assert.equal(d?.code, 'toml-syntax');
    assert.equal(d?.range.start.line, 1);
  });

  it('is empty for a clean workflow', () => {
    assert.deepEqual(diagnose('[tasks.a]\nrun = "x"\n'), []);
  });
});
