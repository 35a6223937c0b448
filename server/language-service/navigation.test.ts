// Go to definition, find references and highlights.
import assert from 'node:assert/strict';
import { DocumentHighlightKind, type Range } from 'vscode-languageserver-types';
import { cursor, TEST_URI } from '../test-utils/cursor';
import { DocumentAnalysis } from './document-analysis';
import { getDefinition, getDocumentHighlights, getReferences } from './navigation';

const WORKFLOW = `[vars]
env = "staging"

[tasks.version]
run = "git describe"
register = "version"

[tasks.'build']
deps = ["version"]
run = "make VERSION={{ .version }} ENV={{ .env }}"
if = "env == 'prod'"

[tasks.deploy]
deps = ["build", "version"]
run = """
echo "deploying {{ .version }} to $CAIRN_VAR_env"
echo "url=https://x" >> "$CAIRN_OUTPUT"
"""
outputs = ["url"]

[tasks.why]
type = "forensic"
target = "build"
run = "tail log"

[tasks.notify]
deps = ["deploy"]
run = "notify {{ .url }}"
`;

function at(snippet: string): { analysis: DocumentAnalysis; position: { line: number; character: number }; text: string } {
  const plain = snippet.replace('^', '');
  assert.ok(WORKFLOW.includes(plain), `"${plain}" is not in the workflow`);
  const c = cursor(WORKFLOW.replace(plain, snippet.replace('^', '‸')), { marker: '‸' });
  return { analysis: new DocumentAnalysis(c.document), position: c.position, text: c.text };
}

/** Each range as `line:text` so that expectations read like the file. */
function show(text: string, ranges: readonly Range[]): string[] {
  const lines = text.split('\n');
  return ranges.map((r) => {
    assert.equal(r.start.line, r.end.line);
    return `${r.start.line}:${lines[r.start.line]!.slice(r.start.character, r.end.character)}`;
  });
}

describe('getDefinition', () => {
  it('goes from a deps entry or a target to the task header id (quoted or bare)', () => {
    const dep = at('deps = ["bu^ild", "version"]');
    const defs = getDefinition(dep.analysis, dep.position);
    assert.deepEqual(defs.map((d) => d.uri), [TEST_URI]);
    assert.deepEqual(show(dep.text, defs.map((d) => d.range)), ['7:build']);
    const target = at('target = "build^"');
    assert.deepEqual(show(target.text, getDefinition(target.analysis, target.position).map((d) => d.range)), ['7:build']);
  });

  it('goes from a variable use to its [vars] key, or to the task that registers or outputs it', () => {
    const env = at('ENV={{ .e^nv }}');
    assert.deepEqual(show(env.text, getDefinition(env.analysis, env.position).map((d) => d.range)), ['1:env']);
    const fromIf = at(`if = "^env == 'prod'"`);
    assert.deepEqual(show(fromIf.text, getDefinition(fromIf.analysis, fromIf.position).map((d) => d.range)), ['1:env']);
    const version = at('deploying {{ .version^ }}');
    assert.deepEqual(show(version.text, getDefinition(version.analysis, version.position).map((d) => d.range)), ['5:version']);
    const url = at('notify {{ .u^rl }}');
    assert.deepEqual(show(url.text, getDefinition(url.analysis, url.position).map((d) => d.range)), ['18:url']);
  });

  it('finds nothing off a symbol, or for an unknown task', () => {
    const plain = at('git ^describe');
    assert.deepEqual(getDefinition(plain.analysis, plain.position), []);
    const c = cursor('[tasks.a]\nrun = "x"\ndeps = ["nop|e"]\n');
    assert.deepEqual(getDefinition(new DocumentAnalysis(c.document), c.position), []);
  });
});

describe('getReferences', () => {
  it('lists a task’s deps and target references, and its header when asked to', () => {
    const c = at("[tasks.'bu^ild']");
    assert.deepEqual(show(c.text, getReferences(c.analysis, c.position, { includeDeclaration: false }).map((l) => l.range)), ['13:build', '22:build']);
    assert.deepEqual(show(c.text, getReferences(c.analysis, c.position, { includeDeclaration: true }).map((l) => l.range)), ['7:build', '13:build', '22:build']);
  });

  it('lists a variable’s uses in templates, conditions and CAIRN_VAR_ names', () => {
    const c = at('env^ = "staging"');
    assert.deepEqual(show(c.text, getReferences(c.analysis, c.position, { includeDeclaration: true }).map((l) => l.range)), [
      '1:env',
      '9:env',
      '10:env',
      '15:env',
    ]);
  });

  it('counts register and outputs entries as declarations', () => {
    const c = at('deploying {{ .ver^sion }}');
    assert.deepEqual(show(c.text, getReferences(c.analysis, c.position, { includeDeclaration: false }).map((l) => l.range)), ['9:version', '15:version']);
    const url = at('outputs = ["u^rl"]');
    assert.deepEqual(show(url.text, getReferences(url.analysis, url.position, { includeDeclaration: true }).map((l) => l.range)), ['16:url', '18:url', '27:url']);
  });
});

describe('getDocumentHighlights', () => {
  it('marks declarations as writes and uses as reads', () => {
    const c = at('register = "vers^ion"');
    const hs = getDocumentHighlights(c.analysis, c.position);
    assert.deepEqual(show(c.text, hs.map((h) => h.range)), ['5:version', '9:version', '15:version']);
    assert.deepEqual(hs.map((h) => h.kind), [DocumentHighlightKind.Write, DocumentHighlightKind.Read, DocumentHighlightKind.Read]);
  });

  it('keeps task ids and variables of the same name apart', () => {
    const c = at('[tasks.vers^ion]');
    assert.deepEqual(show(c.text, getDocumentHighlights(c.analysis, c.position).map((h) => h.range)), ['3:version', '8:version', '13:version']);
  });
});
