// The outline.
import assert from 'node:assert/strict';
import { SymbolKind, type DocumentSymbol, type Range } from 'vscode-languageserver-types';
import { document } from '../test-utils/cursor';
import { DocumentAnalysis } from './document-analysis';
import { getDocumentSymbols } from './symbols';

const WORKFLOW = `name = "release"
description = "Build and ship"

[vars]
env = "staging"
token = { env = "T", secret = true }

[tasks.build]
description = "Compile"
run = "make"

[tasks."deploy"]
deps = ["build"]
run = """
./deploy.sh
"""

[tasks.why]
type = "forensic"
target = "deploy"
run = "tail log"
`;

const lines = WORKFLOW.split('\n');
const textOf = (r: Range): string => {
  if (r.start.line === r.end.line) return lines[r.start.line]!.slice(r.start.character, r.end.character);
  return [lines[r.start.line]!.slice(r.start.character), ...lines.slice(r.start.line + 1, r.end.line), lines[r.end.line]!.slice(0, r.end.character)].join('\n');
};

const KIND_NAMES: Readonly<Record<number, string>> = {
  [SymbolKind.Module]: 'Module',
  [SymbolKind.Namespace]: 'Namespace',
  [SymbolKind.Variable]: 'Variable',
  [SymbolKind.Function]: 'Function',
};

function outline(symbols: readonly DocumentSymbol[]): string[] {
  return symbols.flatMap((s) => [`${KIND_NAMES[s.kind] ?? s.kind} ${s.name}${s.detail !== undefined ? ` (${s.detail})` : ''}`, ...outline(s.children ?? []).map((c) => `  ${c}`)]);
}

function contains(outer: Range, inner: Range): boolean {
  const before = (a: Range['start'], b: Range['start']): boolean => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

describe('getDocumentSymbols', () => {
  it('outlines the workflow, its variables and each task', () => {
    const symbols = getDocumentSymbols(new DocumentAnalysis(document(WORKFLOW)));
    assert.deepEqual(outline(symbols), [
      'Module release (Build and ship)',
      '  Namespace vars (run variables)',
      '    Variable env',
      '    Variable token (secret)',
      '  Function build (Compile)',
      '  Function deploy (./deploy.sh)',
      '  Function why (forensic → deploy · tail log)',
    ]);
  });

  it('spans whole tables and selects the id, quotes left out', () => {
    const [root] = getDocumentSymbols(new DocumentAnalysis(document(WORKFLOW)));
    const [vars, build, deploy] = root!.children!;
    assert.equal(textOf(vars!.range), '[vars]\nenv = "staging"\ntoken = { env = "T", secret = true }');
    assert.equal(textOf(vars!.children![1]!.range), 'token = { env = "T", secret = true }');
    assert.equal(textOf(build!.range), '[tasks.build]\ndescription = "Compile"\nrun = "make"');
    assert.equal(textOf(build!.selectionRange), 'build');
    assert.equal(textOf(deploy!.selectionRange), 'deploy');
    assert.equal(textOf(root!.selectionRange), '"release"');
  });

  it('keeps the outline while the file is not valid TOML', () => {
    const broken = WORKFLOW.replace('run = "make"', 'run = "ma');
    assert.deepEqual(outline(getDocumentSymbols(new DocumentAnalysis(document(broken, 'file:///w/nightly.cairn.toml')))).filter((l) => l.includes('Function')), [
      '  Function build (Compile)',
      '  Function deploy (./deploy.sh)',
      '  Function why (forensic · tail log)',
    ]);
  });

  it('puts every selection range inside its range, even for tasks written as dotted keys', () => {
    const text = 'tasks.a.run = "x"\n[tasks]\nb = { run = "y" }\n[tasks."".env]\nA = "1"\n';
    const check = (s: DocumentSymbol): void => {
      assert.ok(contains(s.range, s.selectionRange), s.name);
      assert.notEqual(s.name, '');
      (s.children ?? []).forEach(check);
    };
    const symbols = getDocumentSymbols(new DocumentAnalysis(document(text)));
    symbols.forEach(check);
    assert.deepEqual(outline(symbols).slice(1), ['  Function a (x)', '  Function b (y)', '  Function (unnamed)']);
  });

  it('outlines an empty document as an empty workflow', () => {
    assert.deepEqual(outline(getDocumentSymbols(new DocumentAnalysis(document('', 'file:///w/empty.cairn.toml')))), ['Module empty']);
  });
});
