// The per-version analysis and its symbol index: what every feature reads.
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { document } from '../test-utils/cursor';
import { AnalysisCache, DocumentAnalysis, type AnalysisPart, type DerivedKey } from './document-analysis';
import type { Occurrence } from './symbol-index';

const WORKFLOW = `[vars]
env = "staging"
token = { env = "DEPLOY_TOKEN", secret = true }

[tasks.version]
run = "git describe"
register = "version"

[tasks."build"]
deps = ["version"]
run = "make VERSION={{ .version }} ENV={{.env}}"
if = "env != 'dev' && version != ''"

[tasks.build.env]
AUTH = "Bearer {{ .token }}"

[tasks.deploy]
deps = ["build"]
run = """
echo "$CAIRN_VAR_token" | login
echo "url=https://x/{{ .version }}" >> "$CAIRN_OUTPUT"
"""
outputs = ["url"]

[tasks.why]
type = "forensic"
target = "deploy"
run = "tail log"
`;

function describeOccurrences(text: string, occurrences: readonly Occurrence[]): string[] {
  return occurrences.map((o) => `${o.kind}:${o.kind === 'task' ? o.id : o.name}:${o.role}:${text.slice(o.span.start, o.span.end)}`);
}

describe('DocumentAnalysis', () => {
  it('indexes every task id and variable occurrence with its role, in document order', () => {
    const a = new DocumentAnalysis(document(WORKFLOW));
    assert.deepEqual(a.diagnostics, []);
    assert.deepEqual(describeOccurrences(a.text, a.symbols.occurrences), [
      'var:env:declaration:env',
      'var:token:declaration:token',
      'task:version:definition:version',
      'var:version:register:version',
      'task:build:definition:build',
      'task:version:dep:version',
      'var:version:use:version',
      'var:env:use:env',
      'var:env:use:env',
      'var:version:use:version',
      'task:build:header:build',
      'var:token:use:token',
      'task:deploy:definition:deploy',
      'task:build:dep:build',
      'var:token:shell:token',
      'var:url:shell:url',
      'var:version:use:version',
      'var:url:output:url',
      'task:why:definition:why',
      'task:deploy:target:deploy',
    ]);
  });

  it('falls back to the whole template when a name is written with escapes', () => {
    const text = '[vars]\nx = "1"\n[tasks.a]\nrun = "echo {{ .\\u0078 }}"\n';
    const a = new DocumentAnalysis(document(text));
    const use = a.symbols.occurrences.find((o) => o.kind === 'var' && o.role === 'use');
    assert.ok(use?.kind === 'var');
    assert.equal(text.slice(use.span.start, use.span.end), '{{ .\\u0078 }}');
    assert.equal(use.edit.template, true);
  });

  it('has no symbols, but a scan and a sketch, when the text is not valid TOML', () => {
    const a = new DocumentAnalysis(document('[tasks.a]\nrun = "x\n[tasks.b]\nrun = "y"\n'));
    assert.equal(a.workflow, undefined);
    assert.equal(a.diagnostics[0]?.code, 'toml-syntax');
    assert.deepEqual(a.symbols.occurrences, []);
    assert.deepEqual(a.sketch.tasks.map((t) => t.id), ['a', 'b']);
  });

  it('reads a leading BOM as a space, keeping every offset', () => {
    const a = new DocumentAnalysis(document('\uFEFF[tasks.a]\nrun = "x"\n'));
    assert.deepEqual(a.diagnostics, []);
    const def = a.symbols.occurrences[0]!;
    assert.equal(a.document.getText().slice(def.span.start, def.span.end), 'a');
  });

  it('converts spans to ranges through the document, CRLF included, clamping out-of-range spans', () => {
    const a = new DocumentAnalysis(document('[tasks.a]\r\nrun = "x"\r\n'));
    const run = a.workflow?.tasks.get('a')?.run;
    assert.ok(run);
    assert.deepEqual(a.range(run.span), { start: { line: 1, character: 6 }, end: { line: 1, character: 9 } });
    assert.deepEqual(a.range({ start: 5, end: 10_000 }).end, { line: 2, character: 0 });
  });

  it('names the workflow after its file and checks env_file next to it', () => {
    const seen: string[] = [];
    const a = new DocumentAnalysis(document('[tasks.a]\nrun = "x"\nenv_file = ".env"\n', 'file:///work/project/nightly.cairn.toml'), {
      fileExists: (p) => {
        seen.push(p);
        return false;
      },
    });
    assert.equal(a.workflow?.name, 'nightly');
    assert.deepEqual(seen, ['/work/project/.env']);
    assert.deepEqual(a.diagnostics.map((d) => d.code), ['env-file-missing']);
  });

  it('accepts URIs that are not files', () => {
    const a = new DocumentAnalysis(document('[tasks.a]\nrun = "x"\n', 'untitled:Untitled-1'));
    assert.equal(a.workflow?.name, 'workflow');
  });
});

describe('DocumentAnalysis parts', () => {
  it('computes each part on first use, once, and the validation only for what reads the model', () => {
    const computed: AnalysisPart[] = [];
    const a = new DocumentAnalysis(document(WORKFLOW), { onCompute: (part) => computed.push(part) });
    assert.deepEqual(computed, [], 'nothing up front');
    assert.deepEqual(a.sketch.tasks.map((t) => t.id), ['version', 'build', 'deploy', 'why']);
    assert.equal(a.tableAt(WORKFLOW.indexOf('git describe')).header?.key.segments[1]?.name, 'version');
    assert.deepEqual(computed, ['skim', 'sketch'], 'the sketch and the table at an offset, without a scan');
    assert.equal(a.scan.tables.length, 7);
    assert.equal(a.tableAt(WORKFLOW.indexOf('tail log')), a.scan.tables[6], 'from the scan once there is one');
    assert.equal(a.has('validation'), false);
    assert.deepEqual(a.diagnostics, []);
    void a.workflow;
    assert.ok(a.symbols.occurrences.length > 0);
    void a.symbols;
    assert.deepEqual(computed, ['skim', 'sketch', 'scan', 'validation', 'symbols']);
    assert.ok((['validation', 'scan', 'skim', 'sketch', 'symbols'] as const).every((p) => a.has(p)));
  });

  it('derives a value once per version, offering the next version of the document the previous one', () => {
    const key: DerivedKey<{ text: string; previous: string | undefined }> = { name: 'test' };
    const calls: (string | undefined)[] = [];
    const derive = (a: DocumentAnalysis): { text: string; previous: string | undefined } =>
      a.derive(key, (previous) => {
        calls.push(previous?.text);
        return { text: a.text, previous: previous?.text };
      });
    const cache = new AnalysisCache();
    const doc = document('a = 1\n');
    const first = derive(cache.get(doc));
    assert.equal(derive(cache.get(doc)), first, 'once per version');
    TextDocument.update(doc, [{ text: 'a = 2\n' }], 2);
    assert.equal(derive(cache.get(doc)).previous, 'a = 1\n');
    // A version that never derived it passes on what it inherited.
    TextDocument.update(doc, [{ text: 'a = 3\n' }], 3);
    void cache.get(doc).scan;
    TextDocument.update(doc, [{ text: 'a = 4\n' }], 4);
    assert.equal(derive(cache.get(doc)).previous, 'a = 2\n');
    // Another document, or this one closed and reopened, starts afresh.
    assert.equal(derive(cache.get(document('a = 5\n', 'file:///w/other.cairn.toml'))).previous, undefined);
    cache.delete(doc.uri);
    assert.equal(derive(cache.get(doc)).previous, undefined);
    assert.deepEqual(calls, [undefined, 'a = 1\n', 'a = 2\n', undefined, undefined]);
  });
});

describe('AnalysisCache', () => {
  it('analyses each document version once', () => {
    const cache = new AnalysisCache();
    const doc = document('[tasks.a]\nrun = "x"\n');
    const first = cache.get(doc);
    assert.equal(cache.get(doc), first);
    TextDocument.update(doc, [{ text: '[tasks.b]\nrun = "y"\n' }], 2);
    const second = cache.get(doc);
    assert.notEqual(second, first);
    assert.deepEqual([...(second.workflow?.tasks.keys() ?? [])], ['b']);
  });

  it('does not trust a version number alone: a reopened document starts again at 1', () => {
    const cache = new AnalysisCache();
    cache.get(document('[tasks.a]\nrun = "x"\n'));
    const reopened = cache.get(document('[tasks.z]\nrun = "x"\n'));
    assert.deepEqual([...(reopened.workflow?.tasks.keys() ?? [])], ['z']);
  });

  it('forgets a closed document', () => {
    const cache = new AnalysisCache();
    const doc = document('[tasks.a]\nrun = "x"\n');
    const first = cache.get(doc);
    cache.delete(doc.uri);
    assert.notEqual(cache.get(doc), first);
  });
});
