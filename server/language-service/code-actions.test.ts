// Quick fixes from the validator's Fix entries.
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, type CodeAction, type Range } from 'vscode-languageserver-types';
import { validate } from '../../runner/validate/validate';
import { cursor, document, TEST_URI } from '../test-utils/cursor';
import { getCodeActions } from './code-actions';
import { DocumentAnalysis } from './document-analysis';

const at = (marked: string): { analysis: DocumentAnalysis; range: Range; text: string } => {
  const c = cursor(marked);
  return { analysis: new DocumentAnalysis(c.document), range: { start: c.position, end: c.position }, text: c.text };
};

const apply = (text: string, action: CodeAction): string => TextDocument.applyEdits(document(text), action.edit?.changes?.[TEST_URI] ?? []);

describe('getCodeActions', () => {
  it('offers the close id for a misspelt dep, preferred, and the fix validates clean', () => {
    const { analysis, range, text } = at('[tasks.build]\nrun = "make"\n[tasks.deploy]\nrun = "./deploy"\ndeps = ["bi|uld"]\n');
    const actions = getCodeActions(analysis, range);
    assert.equal(actions.length, 1);
    const a = actions[0];
    assert.ok(a);
    assert.equal(a.title, 'Change to "build"');
    assert.equal(a.kind, CodeActionKind.QuickFix);
    assert.equal(a.isPreferred, true);
    assert.equal(a.diagnostics?.[0]?.code, 'unknown-dep');
    const fixed = apply(text, a);
    assert.match(fixed, /deps = \["build"\]/);
    assert.deepEqual(validate(fixed), []);
  });

  it('fixes a misspelt target and a misspelt key', () => {
    const text = '[tasks.deploy]\nrun = "x"\ntimout = "1m"\n[tasks.why]\ntype = "forensic"\ntarget = "deplyo"\nrun = "tail log"\n';
    const analysis = new DocumentAnalysis(document(text));
    const whole = { start: { line: 0, character: 0 }, end: { line: 7, character: 0 } };
    const actions = getCodeActions(analysis, whole);
    assert.deepEqual(actions.map((a) => a.title), ['Change to "timeout"', 'Change to "deploy"']);
    let fixed = text;
    for (const a of [...actions].reverse()) fixed = apply(fixed, a);
    assert.deepEqual(validate(fixed), []);
  });

  it('offers nothing away from a fixable diagnostic, or when only other kinds are asked for', () => {
    const { analysis, range } = at('[tasks.build]\nrun = "ma|ke"\n[tasks.deploy]\nrun = "./deploy"\ndeps = ["biuld"]\n');
    assert.deepEqual(getCodeActions(analysis, range), []);
    const onDep = at('[tasks.build]\nrun = "make"\n[tasks.deploy]\nrun = "./deploy"\ndeps = ["biuld"|]\n');
    assert.equal(getCodeActions(onDep.analysis, onDep.range, { only: [CodeActionKind.QuickFix] }).length, 1);
    assert.deepEqual(getCodeActions(onDep.analysis, onDep.range, { only: [CodeActionKind.Refactor] }), []);
  });

  it('offers nothing for diagnostics without a fix', () => {
    const { analysis, range } = at('[tasks.a]\nrun = "x"\ndeps = ["zz|zzzzzz"]\n');
    assert.equal(analysis.diagnostics.length, 1);
    assert.deepEqual(getCodeActions(analysis, range), []);
  });
});
