// Completion at a `|` cursor, mostly on half-typed text (the state completion is asked in).
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { InsertTextFormat, type CompletionItem, type TextEdit } from 'vscode-languageserver-types';
import { TASK_KEYS } from '../../runner/model/schema';
import { cursor } from '../test-utils/cursor';
import { getCompletions, type CompletionOptions } from './completion';
import { DocumentAnalysis } from './document-analysis';

interface Completed {
  readonly items: CompletionItem[];
  readonly labels: string[];
  /** The text after accepting the item with this label. */
  accept(label: string): string;
}

function complete(marked: string, options: CompletionOptions & { marker?: string } = {}): Completed {
  const c = cursor(marked, options.marker !== undefined ? { marker: options.marker } : {});
  const { items } = getCompletions(new DocumentAnalysis(c.document), c.position, options);
  for (const item of items) {
    const edit = item.textEdit as TextEdit | undefined;
    assert.ok(edit, `${item.label} has no text edit`);
    // VS Code requires the replaced range to sit on the cursor's line and contain the cursor.
    assert.equal(edit.range.start.line, c.position.line, `${item.label}: edit not on the cursor's line`);
    assert.equal(edit.range.end.line, c.position.line, `${item.label}: edit not on the cursor's line`);
    assert.ok(edit.range.start.character <= c.position.character && c.position.character <= edit.range.end.character, `${item.label}: edit does not contain the cursor`);
  }
  return {
    items,
    labels: items.map((i) => i.label),
    accept(label) {
      const item = items.find((i) => i.label === label);
      assert.ok(item, `no completion "${label}" among ${items.map((i) => i.label).join(', ')}`);
      return TextDocument.applyEdits(c.document, [item.textEdit as TextEdit]);
    },
  };
}

const TASKS = `[vars]
env = "staging"
token = { env = "DEPLOY_TOKEN", secret = true, description = "deploy key" }

[tasks.lint]
description = "Lint the sources"
run = "npm run lint"

[tasks.version]
run = """
git describe --tags
"""
register = "version"

[tasks.report]
run = "echo ok >> \\"$CAIRN_OUTPUT\\""
outputs = ["summary"]

[tasks.diagnose]
type = "forensic"
target = "lint"
run = "tail log"
`;

describe('completion: keys', () => {
  it('offers the task keys not yet in the table, with their docs, replacing the partial word', () => {
    const c = complete(`${TASKS}\n[tasks.build]\nrun = "make"\nti|`);
    assert.ok(!c.labels.includes('run'), 'run is already there');
    assert.ok(c.labels.includes('timeout') && c.labels.includes('deps') && c.labels.includes('if'));
    const timeout = c.items.find((i) => i.label === 'timeout');
    assert.deepEqual(timeout?.documentation, { kind: 'markdown', value: TASK_KEYS['timeout']!.doc });
    assert.match(c.accept('timeout'), /\nrun = "make"\ntimeout = $/);
  });

  it('counts keys set in a sub-table or with dotted keys as present', () => {
    const c = complete('[tasks.build]\nrun = "make"\ndeps.x = 1\n|\n[tasks.build.env]\nA = "1"\n');
    assert.ok(!c.labels.includes('env') && !c.labels.includes('deps') && !c.labels.includes('run'));
    assert.ok(c.labels.includes('timeout'));
  });

  it('offers variable keys inside a variable inline table and [defaults] keys in [defaults]', () => {
    assert.deepEqual(complete('[vars]\ntoken = { env = "X", | }\n').labels, ['default', 'secret', 'description']);
    const defaults = complete('[defaults]\ntimeout = "1m"\n|').labels;
    assert.ok(defaults.includes('retries') && !defaults.includes('timeout') && !defaults.includes('run') && !defaults.includes('deps'));
  });

  it('offers only name and description at the top level, not the tables', () => {
    assert.deepEqual(complete('|').labels, ['name', 'description']);
    assert.deepEqual(complete('name = "x"\n|\n[tasks.a]\nrun = "x"\n').labels, ['description']);
  });

  it('replaces just the name when the key already has a value', () => {
    const c = complete('[tasks.a]\nrun = "x"\ntim|eout = "1m"\n');
    assert.equal(c.accept('timeout'), '[tasks.a]\nrun = "x"\ntimeout = "1m"\n');
    assert.equal(c.accept('retries'), '[tasks.a]\nrun = "x"\nretries = "1m"\n');
  });

  it('writes a snippet for the value when the client takes snippets', () => {
    const c = complete('[tasks.a]\n|', { snippetSupport: true });
    const run = c.items.find((i) => i.label === 'run');
    assert.equal(run?.insertTextFormat, InsertTextFormat.Snippet);
    assert.equal((run?.textEdit as TextEdit).newText, 'run = "$1"');
    assert.equal((c.items.find((i) => i.label === 'type')?.textEdit as TextEdit).newText, 'type = "${1|task,forensic|}"');
  });

  it('offers nothing where keys are named by the user, in comments, or after a value', () => {
    assert.deepEqual(complete('[vars]\n|').labels, []);
    assert.deepEqual(complete('[tasks.a.env]\n|').labels, []);
    assert.deepEqual(complete('[tasks.a]\n# a comm|ent\n').labels, []);
    assert.deepEqual(complete('[tasks.a]\nrun = "x" |\n').labels, []);
  });

  it('offers table names in a header', () => {
    assert.deepEqual(complete('[vars]\nx = "1"\n[|').labels, ['defaults', 'tasks']);
    assert.equal(complete('[ta|]').accept('tasks'), '[tasks.]');
    assert.deepEqual(complete('[tasks.build.|]\nrun = "x"\n').labels, ['env']);
    assert.deepEqual(complete('[tasks.|]').labels, []);
  });
});

describe('completion: task ids', () => {
  it('completes a half-typed deps entry, leaving out the task itself and forensic tasks', () => {
    const c = complete(`${TASKS}\n[tasks.build]\nrun = "make"\ndeps = ["ve|`);
    assert.deepEqual(c.labels, ['lint', 'version', 'report']);
    assert.match(c.accept('version'), /deps = \["version$/);
    const lint = c.items.find((i) => i.label === 'lint');
    assert.equal(lint?.detail, 'Lint the sources');
    assert.equal(c.items.find((i) => i.label === 'version')?.detail, 'git describe --tags');
  });

  it('replaces the whole id when the cursor is inside or at the start of one', () => {
    assert.match(complete(`${TASKS}\n[tasks.build]\nrun = "make"\ndeps = ["ve|rsoin"]\n`).accept('version'), /deps = \["version"\]/);
    assert.match(complete(`${TASKS}\n[tasks.build]\nrun = "make"\ndeps = ["|lnt"]\n`).accept('lint'), /deps = \["lint"\]/);
  });

  it('quotes the id outside a string, and leaves out ids already listed', () => {
    const c = complete(`${TASKS}\n[tasks.build]\nrun = "make"\ndeps = ["lint", |]\n`);
    assert.deepEqual(c.labels, ['version', 'report']);
    assert.match(c.accept('version'), /deps = \["lint", "version"\]/);
    assert.match(complete(`${TASKS}\n[tasks.build]\nrun = "make"\ndeps = ["lint", ve|`).accept('version'), /deps = \["lint", "version"$/);
  });

  it('completes in a multi-line deps array and after "deps = "', () => {
    assert.deepEqual(complete(`${TASKS}\n[tasks.build]\nrun = "make"\ndeps = [\n  "lint",\n  |\n]\n`).labels, ['version', 'report']);
    assert.match(complete(`${TASKS}\n[tasks.build]\nrun = "make"\ndeps = |`).accept('lint'), /deps = \["lint"\]$/);
  });

  it('completes a forensic target with the tasks it may diagnose', () => {
    const c = complete(`${TASKS}\n[tasks.why]\ntype = "forensic"\nrun = "x"\ntarget = "|"\n`);
    assert.deepEqual(c.labels, ['lint', 'version', 'report']);
    assert.match(c.accept('report'), /target = "report"/);
    assert.match(complete(`${TASKS}\n[tasks.why]\ntarget = |`).accept('lint'), /target = "lint"$/);
  });

  it('completes task types', () => {
    assert.deepEqual(complete('[tasks.a]\ntype = "|"\n').labels, ['task', 'forensic']);
    assert.equal(complete('[tasks.a]\ntype = fo|').accept('forensic'), '[tasks.a]\ntype = "forensic"');
  });

  it('works on CRLF text, after a BOM, and with a syntax error elsewhere in the file', () => {
    const crlf = `${TASKS}\n[tasks.build]\nrun = "make"\ndeps = ["|"]\n`.replace(/\n/g, '\r\n');
    assert.deepEqual(complete(crlf).labels, ['lint', 'version', 'report']);
    assert.deepEqual(complete('\uFEFF[tasks.a]\nrun = "x"\n[tasks.b]\ndeps = ["|').labels, ['a']);
    assert.deepEqual(complete('[tasks.a]\nrun = "x\n[tasks.b]\nrun = = =\ndeps = ["|"]\n').labels, ['a']);
  });
});

describe('completion: variables', () => {
  it('completes variable names after "{{ ." and closes the template', () => {
    const c = complete(`${TASKS}\n[tasks.build]\nrun = "make V={{ .|"\n`);
    assert.deepEqual(c.labels, ['env', 'token', 'version', 'summary']);
    assert.match(c.accept('version'), /run = "make V=\{\{ \.version \}\}"/);
    assert.equal(c.items.find((i) => i.label === 'token')?.detail, 'secret variable');
    assert.deepEqual(c.items.find((i) => i.label === 'token')?.documentation, { kind: 'markdown', value: 'deploy key' });
    assert.equal(c.items.find((i) => i.label === 'version')?.detail, 'set by version');
    assert.equal(c.items.find((i) => i.label === 'summary')?.detail, 'set by report (outputs)');
  });

  it('replaces the partial name and keeps an existing "}}"', () => {
    const c = complete(`${TASKS}\n[tasks.build]\nrun = "make V={{ .ve| }}"\n`);
    assert.match(c.accept('version'), /run = "make V=\{\{ \.version \}\}"/);
  });

  it('completes in any string: env values, multi-line and literal strings', () => {
    assert.ok(complete(`${TASKS}\n[tasks.build]\nrun = "x"\nenv = { A = "{{.|" }\n`).labels.includes('env'));
    assert.ok(complete(`${TASKS}\n[tasks.build]\nrun = """\necho {{ .|\n"""\n`).labels.includes('version'));
    assert.ok(complete(`${TASKS}\n[tasks.build]\nrun = '{{ .t|'\n`).labels.includes('token'));
  });

  it('completes names and functions in a condition, but not inside its string literals', () => {
    const c = complete(`${TASKS}\n[tasks.build]\nrun = "x"\nif = "env == 'prod' && ve|"\n`);
    assert.deepEqual(c.labels, ['env', 'token', 'version', 'summary', 'contains', 'startsWith', 'endsWith']);
    assert.match(c.accept('version'), /if = "env == 'prod' && version"/);
    assert.deepEqual(complete(`${TASKS}\n[tasks.build]\nrun = "x"\nif = "env == 'pr|'"\n`).labels, []);
  });

  it('offers no variables in a string without a template opening', () => {
    assert.deepEqual(complete(`${TASKS}\n[tasks.build]\nrun = "make {{ .version }} |"\n`).labels, []);
  });
});

describe('completion: odd documents', () => {
  it('answers on an empty document, a lone bracket, and text that is not TOML at all', () => {
    assert.deepEqual(complete('|').labels, ['name', 'description']);
    assert.deepEqual(complete('[|').labels, ['vars', 'defaults', 'tasks']);
    assert.deepEqual(complete('{{{ ]]] |').labels, []);
  });
});
