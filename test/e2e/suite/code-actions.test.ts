// Quick fixes through VS Code's code action API, applied as a user would apply them.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { BROKEN, closeAllEditors, diagnosticsWhen, openScratchCopy, positionOf } from './helpers';

describe('quick fixes', () => {
  afterEach(closeAllEditors);

  it('fixes a misspelt dep with the preferred "Change to" action, and the diagnostic goes', async () => {
    const editor = await openScratchCopy(BROKEN);
    const { document } = editor;
    await diagnosticsWhen(document.uri, (d) => d.length === 3, 'three diagnostics');
    const inside = positionOf(document, '"biu');
    const ask = async (): Promise<vscode.CodeAction[]> =>
      (
        await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
          'vscode.executeCodeActionProvider',
          document.uri,
          new vscode.Range(inside, inside),
          vscode.CodeActionKind.QuickFix.value,
        )
      ).filter((a): a is vscode.CodeAction => !('command' in a && typeof a.command === 'string'));
    // Asked again for up to 5 s: once in about 20 runs the first request came back empty. The scratch copy
    // reuses a closed untitled URI (see openScratchCopy), and the light bulb a user sees is asked again on
    // every cursor move, so only a fix that never comes is a failure.
    let codeActions = await ask();
    for (const deadline = Date.now() + 5_000; codeActions.length === 0 && Date.now() < deadline; codeActions = await ask()) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(codeActions.map((a) => a.title), ['Change to "build"']);
    const [fix] = codeActions;
    assert.ok(fix?.edit, 'the quick fix carries an edit');
    assert.equal(fix.isPreferred, true);
    assert.ok(fix.kind && vscode.CodeActionKind.QuickFix.contains(fix.kind));

    assert.equal(await vscode.workspace.applyEdit(fix.edit), true);
    assert.match(document.getText(), /\[tasks\.test\]\ndeps = \["build"\]\n/);
    const left = await diagnosticsWhen(document.uri, (d) => d.length === 2, 'two diagnostics after the fix');
    assert.ok(left.every((d) => !d.message.includes('biuld')));
  });

  it('offers no fix for a dep that resembles no task', async () => {
    const { document } = await openScratchCopy(BROKEN);
    await diagnosticsWhen(document.uri, (d) => d.length === 3, 'three diagnostics');
    const inside = positionOf(document, '"nosuch');
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(inside, inside));
    assert.deepEqual(actions.map((a) => a.title), []);
  });
});
