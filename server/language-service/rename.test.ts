// Rename: the edits, the refusals, and round trips (rename, apply, re-validate).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position } from 'vscode-languageserver-types';
import { validate } from '../../runner/validate/validate';
import { cursor, document, TEST_URI } from '../test-utils/cursor';
import { DocumentAnalysis } from './document-analysis';
import { prepareRename, rename } from './rename';
import { occurrencesOf } from './symbol-index';

function renamed(marked: string, newName: string): string {
  const c = cursor(marked);
  return renameAt(c.document, c.position, newName);
}

function renameAt(doc: TextDocument, position: Position, newName: string): string {
  const result = rename(new DocumentAnalysis(doc), position, newName);
  if (!result.ok) assert.fail(`rename refused: ${result.message}`);
  const edits = result.edit.changes?.[doc.uri];
  assert.ok(edits && edits.length > 0, 'no edits');
  return TextDocument.applyEdits(doc, edits);
}

function refusal(marked: string, newName = 'fresh'): string {
  const c = cursor(marked);
  const a = new DocumentAnalysis(c.document);
  const prepared = prepareRename(a, c.position);
  const result = rename(a, c.position, newName);
  assert.equal(result.ok, false, 'rename should be refused');
  return `${prepared.ok ? 'prepared' : prepared.message} / ${result.ok ? '' : result.message}`;
}

const codes = (text: string): string[] => validate(text).map((d) => d.code);

describe('prepareRename', () => {
  it('gives the id range (without quotes) and the current name as placeholder', () => {
    const c = cursor('[tasks."bu|ild"]\nrun = "x"\n');
    const r = prepareRename(new DocumentAnalysis(c.document), c.position);
    assert.deepEqual(r, { ok: true, range: { start: { line: 0, character: 8 }, end: { line: 0, character: 13 } }, placeholder: 'build' });
  });

  it('refuses off a task id or variable name, on unknown ids and on text that is not TOML', () => {
    assert.match(refusal('[tasks.a]\nru|n = "x"\n'), /^only a task id or a variable name can be renamed/);
    assert.match(refusal('[tasks.a]\nrun = "x"\ndeps = ["no|pe"]\n'), /^"nope" is not a task of this workflow/);
    assert.match(refusal('[tasks.a]\nrun = "{{ .gh|ost }}"\n'), /^variable "ghost" is defined nowhere/);
    assert.match(refusal('[tasks.a]\nrun = "x\n[tasks.b]\ndeps = ["|a"]\n'), /^cannot rename while the file is not valid TOML/);
  });
});

describe('rename: tasks', () => {
  const WORKFLOW = '[tasks.build]\nrun = "make"\n\n[tasks.build.env]\nCI = "1"\n\n[tasks.deploy]\ndeps = ["build"]\nrun = "./deploy"\n\n[tasks.why]\ntype = "forensic"\ntarget = "build"\nrun = "tail log"\n';

  it('renames the header, every key naming the task, every deps and target entry', () => {
    const out = renamed(WORKFLOW.replace('deps = ["build"]', 'deps = ["bu|ild"]'), 'compile');
    assert.equal(out, WORKFLOW.replaceAll('build', 'compile'));
    assert.deepEqual(codes(out), []);
  });

  it('keeps a quoted header quoted and its quote style', () => {
    const out = renamed(`[tasks.'a|']\nrun = "x"\n[tasks."b"]\nrun = "y"\ndeps = ['a']\n`, 'first-step');
    assert.equal(out, `[tasks.'first-step']\nrun = "x"\n[tasks."b"]\nrun = "y"\ndeps = ['first-step']\n`);
    assert.deepEqual(codes(out), []);
  });

  it('renames a task written as dotted keys or as an inline table', () => {
    const out = renamed('[tasks]\nbuild.run = "make"\ndeploy = { run = "x", deps = ["build|"] }\n', 'compile');
    assert.equal(out, '[tasks]\ncompile.run = "make"\ndeploy = { run = "x", deps = ["compile"] }\n');
  });

  it('refuses an invalid new id and one that is taken', () => {
    assert.match(refusal(WORKFLOW.replace('[tasks.build]', '[tasks.bu|ild]'), 'bad id!'), /"bad id!" is not a valid task id: use only letters, digits, "_" and "-"$/);
    assert.match(refusal(WORKFLOW.replace('[tasks.build]', '[tasks.bu|ild]'), 'a.b'), /is not a valid task id/);
    assert.match(refusal(WORKFLOW.replace('[tasks.build]', '[tasks.bu|ild]'), 'deploy'), /there is already a task "deploy"$/);
  });

  it('renames on CRLF text', () => {
    const crlf = WORKFLOW.replace('target = "build"', 'target = "|build"').replace(/\n/g, '\r\n');
    const out = renamed(crlf, 'compile');
    assert.equal(out, WORKFLOW.replaceAll('build', 'compile').replace(/\n/g, '\r\n'));
  });

  it('fixes a task id that was invalid', () => {
    const out = renamed('[tasks."my task"]\nrun = "x"\n[tasks.b]\nrun = "y"\ndeps = ["my |task"]\n', 'my-task');
    assert.equal(out, '[tasks."my-task"]\nrun = "x"\n[tasks.b]\nrun = "y"\ndeps = ["my-task"]\n');
    assert.deepEqual(codes(out), []);
  });
});

describe('rename: variables', () => {
  const WORKFLOW = `[vars]
env = "staging"

[tasks.version]
run = "git describe"
register = "version"

[tasks.build]
deps = ["version"]
if = "env != 'dev' && version != ''"
run = """
make VERSION={{ .version }} ENV={{.env}}
echo "$CAIRN_VAR_env \${CAIRN_VAR_version}" "$CAIRN_VAR_envx"
echo "env=x" >> "$CAIRN_OUTPUT"
"""
env = { TARGET = "{{ .env }}-eu" }
`;

  it('renames the [vars] key, templates, condition identifiers and CAIRN_VAR_ names', () => {
    const out = renamed(WORKFLOW.replace('ENV={{.env}}', 'ENV={{.e|nv}}'), 'stage');
    assert.equal(
      out,
      WORKFLOW.replace('env = "staging"', 'stage = "staging"')
        .replace("if = \"env != 'dev'", "if = \"stage != 'dev'")
        .replace('ENV={{.env}}', 'ENV={{.stage}}')
        .replace('$CAIRN_VAR_env ', '$CAIRN_VAR_stage ')
        .replace('"{{ .env }}-eu"', '"{{ .stage }}-eu"'),
    );
    assert.deepEqual(codes(out), []);
  });

  it('renames a registered variable at its register entry and every use', () => {
    const out = renamed(WORKFLOW.replace('register = "version"', 'register = "ver|sion"'), 'release');
    assert.match(out, /register = "release"/);
    assert.match(out, /if = "env != 'dev' && release != ''"/);
    assert.match(out, /VERSION=\{\{ \.release \}\}/);
    assert.match(out, /\$\{CAIRN_VAR_release\}/);
    assert.match(out, /\[tasks\.version\]\n/, 'the task of the same name stays');
    assert.deepEqual(codes(out), []);
  });

  it('renames outputs entries and the lines the task writes to $CAIRN_OUTPUT', () => {
    const text = '[tasks.a]\nrun = """\necho "url=https://x" >> "$CAIRN_OUTPUT"\n"""\noutputs = ["u|rl"]\n[tasks.b]\ndeps = ["a"]\nrun = "open {{ .url }}"\n';
    const out = renamed(text, 'link');
    assert.equal(out, text.replace('|', '').replaceAll('url', 'link'));
    assert.deepEqual(codes(out), []);
  });

  it('rewrites a use whose name is written with escapes as a plain template', () => {
    const out = renamed('[vars]\nx| = "1"\n[tasks.a]\nrun = "echo {{ .\\u0078 }}"\n', 'y');
    assert.equal(out, '[vars]\ny = "1"\n[tasks.a]\nrun = "echo {{ .y }}"\n');
  });

  it('refuses an invalid or taken variable name', () => {
    assert.match(refusal(WORKFLOW.replace('env = "staging"', 'e|nv = "staging"'), '9lives'), /"9lives" is not a valid variable name/);
    assert.match(refusal(WORKFLOW.replace('env = "staging"', 'e|nv = "staging"'), 'version'), /a variable "version" is already declared or used/);
  });
});

describe('rename: round trips on the examples', () => {
  const dir = path.resolve(__dirname, '../../examples');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cairn.toml'));

  it('has examples to rename in', () => {
    assert.ok(files.length > 0);
  });

  for (const file of files) {
    it(`renames every task id and variable of ${file} without new problems`, () => {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const before = codes(text);
      const analysis = new DocumentAnalysis(document(text));
      const seen = new Set<string>();
      let renames = 0;
      for (const o of analysis.symbols.occurrences) {
        const name = o.kind === 'task' ? o.id : o.name;
        const key = `${o.kind}:${name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const position = analysis.document.positionAt(o.span.start);
        if (!prepareRename(analysis, position).ok) continue;
        const fresh = o.kind === 'task' ? `renamed-${name}` : `renamed_${name}`;
        const out = renameAt(analysis.document, position, fresh);
        assert.deepEqual(codes(out), before, `${file}: renaming ${key} to ${fresh}`);
        // Every occurrence moved to the new name: as many as before, none left behind.
        const after = new DocumentAnalysis(document(out));
        const moved = after.symbols.occurrences.find((x) => (x.kind === 'task' ? x.id : x.name) === fresh && x.kind === o.kind);
        assert.ok(moved, `${file}: no ${fresh} after renaming ${key}`);
        assert.equal(occurrencesOf(after.symbols, moved).length, occurrencesOf(analysis.symbols, o).length, `${file}: ${key}`);
        assert.ok(!after.symbols.occurrences.some((x) => x.kind === o.kind && (x.kind === 'task' ? x.id : x.name) === name), `${file}: ${key} left behind`);
        renames++;
      }
      assert.ok(renames > 5, `${file}: only ${renames} renames tried`);
    });
  }
});

describe('rename: edits', () => {
  it('returns edits for this document only, sorted and not overlapping', () => {
    const c = cursor('[vars]\nx| = "1"\n[tasks.a]\nrun = "{{ .x }}{{ .x }}$CAIRN_VAR_x"\nif = "x == x"\n');
    const result = rename(new DocumentAnalysis(c.document), c.position, 'y');
    assert.ok(result.ok);
    assert.deepEqual(Object.keys(result.edit.changes ?? {}), [TEST_URI]);
    const offsets = (result.edit.changes?.[TEST_URI] ?? []).map((e) => [c.document.offsetAt(e.range.start), c.document.offsetAt(e.range.end)] as const);
    assert.equal(offsets.length, 6);
    for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i]![0] >= offsets[i - 1]![1]);
  });
});
