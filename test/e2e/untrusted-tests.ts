// An untrusted workspace in the real editor (SPEC §6 "Trust and safety"; package.json declares limited support):
// code-server with workspace trust left on opens fixtures/untrusted/ (with broken.cairn.toml, and one failed run
// of untrusted.cairn.toml made by the CLI), and the user answers "No" to the trust prompt. Editing works; every
// way to start a run or a debug session is either not shown or refused, and nothing runs: every task of
// untrusted.cairn.toml appends to ran.log, and the store must keep the CLI's run alone, its journal unchanged.
// The tests run in order on one page and save screenshots to test/e2e/artifacts/ (NN-untrusted-*.png).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitUntil } from './code-server';
import { UNTRUSTED_TRACE } from './prepare';
import type { Locator } from 'playwright-core';
import type { UiTest, Workbench } from './ui-tests';

const WORKFLOW = 'untrusted.cairn.toml';
const BROKEN = 'broken.cairn.toml';
const REFUSED_RUN = 'Cairn only edits in an untrusted workspace: trust it to run, resume or re-run.';

/** Text as the editor renders it: non-breaking spaces back to spaces. */
const plain = (s: string): string => s.replace(/\u00a0/g, ' ');

/** The workspace store's runs, each with its journal: what any run, resume or re-run changes. */
function storeState(ui: Workbench): Record<string, string> {
  const runs = path.join(ui.workspace, '.cairn', 'runs');
  const state: Record<string, string> = {};
  for (const id of fs.existsSync(runs) ? fs.readdirSync(runs).sort() : []) {
    const journal = path.join(runs, id, 'events.ndjson');
    state[id] = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8') : '';
  }
  return state;
}

/** The store as the harness left it (the CLI's failed run), read when the workspace first opens. */
let storeBefore: Record<string, string> | undefined;

/** No task ran (no ran.log) and the store holds the CLI's run alone, its journal as it was. */
function assertNothingRan(ui: Workbench, after: string): void {
  assert.equal(fs.existsSync(path.join(ui.workspace, UNTRUSTED_TRACE)), false, `${after}: a task ran (${UNTRUSTED_TRACE} exists)`);
  assert.ok(storeBefore, 'the store was read when the workspace opened');
  const now = storeState(ui);
  assert.deepEqual(Object.keys(now), Object.keys(storeBefore), `${after}: a run was created in the store`);
  assert.deepEqual(now, storeBefore, `${after}: the CLI's run was resumed or re-run (its journal changed)`);
}

/** A toast saying `text`, once it has faded in (a screenshot then shows it whole). */
const toast = (ui: Workbench, text: string) => ui.page.locator('.notifications-toasts .notification-toast.notification-fade-in-done .notification-list-item', { hasText: text });

/** Dismisses every notification, so that the next refusal shows as a new toast. */
/**
 * Asserts `locator` matches nothing now and for `ms` more: what arrives asynchronously (code lenses, a row's hover
 * actions) would otherwise be found absent only because it had not been drawn yet.
 */
async function staysAbsent(locator: Locator, what: string, ms = 3_000): Promise<void> {
  for (const until = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 100))) {
    assert.equal(await locator.count(), 0, what);
    if (Date.now() >= until) return;
  }
}

async function clearNotifications(ui: Workbench): Promise<void> {
  await ui.runCommand('Clear All Notifications', /Notifications: Clear All Notifications/);
  await waitUntil('no toast', async () => (await ui.page.locator('.notifications-toasts .notification-list-item').count()) === 0, 10_000);
}

/** Waits for Cairn's refusal toast (`text`), with its button to manage trust. */
async function refusal(ui: Workbench, text: string): Promise<void> {
  const shown = toast(ui, text);
  await shown.waitFor({ state: 'visible' });
  await shown.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).waitFor({ state: 'visible' });
}

/**
 * VS Code's own modal asking to trust the folder before it starts a debug session (`why`: what it says that
 * does), answered Cancel: the folder stays in Restricted Mode and no session starts.
 */
async function refusedAtTrustPrompt(ui: Workbench, why: RegExp, shot: string, noSession: string): Promise<void> {
  const dialog = ui.page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  const text = plain(await dialog.innerText());
  assert.match(text, /Do you trust the authors of the files in this folder\?/);
  assert.match(text, why);
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Trust Folder & Continue' }).waitFor({ state: 'visible' });
  await ui.screenshot(shot);
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: /^Cancel$/ }).click();
  await dialog.waitFor({ state: 'hidden' });
  await ui.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible' });
  assert.equal(await debugging(ui), false, noSession);
}

/** The command palette's Cairn commands (with a workflow in the editor: Run Workflow is among them). */
async function cairnCommands(ui: Workbench): Promise<string[]> {
  const input = ui.page.locator('.quick-input-widget input');
  await ui.page.keyboard.press('F1');
  await input.waitFor({ state: 'visible' });
  await input.fill('>Cairn: ');
  const rows = ui.page.locator('.quick-input-list .monaco-list-row');
  await rows.filter({ hasText: 'Cairn: Run Workflow' }).first().waitFor({ state: 'visible' });
  const labels = (await rows.allInnerTexts()).map(plain);
  await ui.page.keyboard.press('Escape');
  await input.waitFor({ state: 'hidden' });
  return labels;
}

/** The debug toolbar or a call stack frame: a debug session is on. */
async function debugging(ui: Workbench): Promise<boolean> {
  return (await ui.page.locator('.debug-toolbar').isVisible()) || (await ui.page.locator('.debug-call-stack .monaco-list-row').count()) > 0;
}

export const UNTRUSTED_UI_TESTS: readonly UiTest[] = [
  {
    name: 'asked whether to trust the folder\'s authors, "No" opens it in Restricted Mode (the status bar and the banner say so)',
    async run(ui) {
      storeBefore = storeState(ui);
      assert.equal(Object.keys(storeBefore).length, 1, `the harness left one run in the store: ${JSON.stringify(Object.keys(storeBefore))}`);
      // The prompt comes when the window has focus.
      await ui.page.bringToFront();
      const dialog = ui.page.locator('.monaco-dialog-box');
      await dialog.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match(plain(await dialog.innerText()), /Do you trust the authors of the files in this folder\?/);
      await ui.screenshot('20-untrusted-trust-prompt');
      await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'No, I don\'t trust the authors' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await ui.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible' });
      await ui.page.locator('.part.banner', { hasText: 'Restricted Mode' }).waitFor({ state: 'visible' });
      await ui.screenshot('21-untrusted-restricted-mode');
    },
  },
  {
    name: 'editing works in Restricted Mode: the broken workflow\'s diagnostics reach the Problems panel, a hover shows a task',
    async run(ui) {
      await ui.openFromExplorer(BROKEN);
      await ui.runCommand('Problems', /Focus on Problems View|Focus Problems/);
      const rows = await ui.waitForProblems(3);
      for (const message of ['unknown task "biuld" in deps of "test"; did you mean "build"?', 'unknown task "nosuchtask" in deps of "deploy"', 'unknown key "timout" in task "deploy"; did you mean "timeout"?']) {
        assert.ok(rows.some((r) => r.includes(message)), `no Problems row says ${message}: ${JSON.stringify(rows)}`);
      }
      await ui.editor().locator('.view-line span span', { hasText: /^build$/ }).first().hover();
      const hover = ui.page.locator('.monaco-hover:not(.hidden)', { hasText: 'task' });
      await hover.waitFor({ state: 'visible' });
      assert.match(plain(await hover.innerText()), /task build/);
      await ui.screenshot('22-untrusted-editing-works');
      await ui.page.keyboard.press('Escape');
    },
  },
  {
    name: 'a workflow shows its last run in the gutter but no ▶ or debug button and no code lens; Cairn: Run Workflow from the palette refuses, and nothing runs',
    async run(ui) {
      await ui.openFromExplorer(WORKFLOW);
      // The last run's marks (✓ first, ✗ check) are drawn: the marks are known, so are the lenses there would be.
      await waitUntil('the gutter marks of the last run', async () => (await ui.editor().locator('.cgmr').count()) === 2, 20_000);
      // The editor's own title actions are there; Cairn's two, hidden by isWorkspaceTrusted, are not.
      await ui.page.locator('.editor-actions .action-item a[aria-label^="Split Editor"]').first().waitFor({ state: 'visible' });
      assert.equal(await ui.page.locator('.editor-actions .action-item a[aria-label^="Run Workflow"]').count(), 0, 'no ▶ in the editor title');
      assert.equal(await ui.page.locator('.editor-actions .action-item a[aria-label^="Debug Workflow"]').count(), 0, 'no debug button in the editor title');
      await staysAbsent(ui.editor().locator('.codelens-decoration a'), 'no code lens (Run workflow, Debug workflow, Resume from failure)');
      await clearNotifications(ui);
      await ui.runCommand('Cairn: Run Workflow', /Cairn: Run Workflow/);
      await refusal(ui, REFUSED_RUN);
      await ui.screenshot('23-untrusted-run-refused');
      assertNothingRan(ui, 'Cairn: Run Workflow');
    },
  },
  {
    name: 'Cairn: Debug Workflow is not in the command palette (its enablement is isWorkspaceTrusted)',
    async run(ui) {
      const labels = await cairnCommands(ui);
      assert.ok(!labels.some((l) => l.includes('Debug Workflow')), `the palette lists: ${JSON.stringify(labels)}`);
    },
  },
  {
    name: 'F5 on the workflow (no launch.json): VS Code asks to trust the folder first; Cancel: no debug session, nothing runs',
    async run(ui) {
      await clearNotifications(ui);
      await ui.clickOnText('"untrusted"');
      await ui.page.keyboard.press('F5');
      await refusedAtTrustPrompt(ui, /Debugging executes build tasks and program code/, '24-untrusted-f5-asks-for-trust', 'no debug session');
      assertNothingRan(ui, 'F5');
    },
  },
  {
    name: 'a "cairn" launch.json configuration, started from the Run and Debug view, or with Ctrl+F5: asked to trust first; Cancel: nothing runs',
    async run(ui) {
      const launch = { version: '0.2.0', configurations: [{ type: 'cairn', request: 'launch', name: 'Debug untrusted (launch.json)', workflow: '${workspaceFolder}/untrusted.cairn.toml' }] };
      fs.mkdirSync(path.join(ui.workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(ui.workspace, '.vscode', 'launch.json'), `${JSON.stringify(launch, null, 2)}\n`);
      await ui.page.locator('.activitybar .action-item a[aria-label^="Run and Debug"]').first().click();
      // The view's configuration list picks up the new file.
      const start = ui.page.locator('.debug-view-content .start-debug-action-item, .part.sidebar .start-debug-action-item').first();
      await waitUntil('the launch.json configuration in the Run and Debug view', async () => (await start.innerText().catch(() => '')).includes('Debug untrusted (launch.json)'), 20_000);
      await start.locator('.codicon-debug-start').click();
      await refusedAtTrustPrompt(ui, /Debugging executes build tasks and program code/, '25-untrusted-launch-json-asks-for-trust', 'no debug session from the launch.json configuration');
      await ui.page.keyboard.press('Control+F5');
      await refusedAtTrustPrompt(ui, /Running executes build tasks and program code/, '26-untrusted-run-without-debugging-asks-for-trust', 'no session from Run Without Debugging');
      assertNothingRan(ui, 'launch.json');
    },
  },
  {
    name: 'the CLI\'s failed run: no Resume or Re-run in the sidebar, Resume disabled in the run view (a forged resume message is refused), Resume Run… and Re-run Task… refuse',
    async run(ui) {
      await ui.page.locator('.activitybar .action-item a[aria-label^="Cairn"]').first().click();
      const runRow = ui.page.locator('[id="workbench.view.extension.cairn"] .monaco-list-row', { hasText: 'untrusted · failed' }).first();
      await runRow.waitFor({ state: 'visible', timeout: 20_000 });
      await runRow.hover();
      // Its inline actions: Open Run View (shown untrusted), not Resume from Failure.
      await runRow.locator('.action-label[aria-label^="Open Run View"]').waitFor({ state: 'visible' });
      assert.equal(await runRow.locator('.action-label[aria-label^="Resume from Failure"]').count(), 0, 'no Resume from Failure on the run');
      // Its context menu neither.
      await runRow.click({ button: 'right' });
      const menu = ui.page.locator('.context-view .monaco-menu');
      await menu.waitFor({ state: 'visible' });
      const entries = (await menu.locator('.action-label').allInnerTexts()).map(plain);
      assert.ok(entries.some((e) => e.includes('Open Run View')) && !entries.some((e) => /Resume|Re-run/.test(e)), `the run's menu: ${JSON.stringify(entries)}`);
      await ui.page.keyboard.press('Escape');
      await runRow.click();
      await ui.page.keyboard.press('ArrowRight');
      const check = ui.page.locator('[id="workbench.view.extension.cairn"] .monaco-list-row', { hasText: /^check/ }).first();
      await check.waitFor({ state: 'visible' });
      await check.hover();
      await staysAbsent(check.locator('.action-label[aria-label^="Re-run Task"]'), 'no Re-run Task on a task', 1_500);
      await ui.screenshot('27-untrusted-sidebar-no-resume');
      // The run view: Resume from failure shown, disabled, its tooltip saying why.
      await runRow.hover();
      await runRow.locator('.action-label[aria-label^="Open Run View"]').click();
      const view = ui.runView();
      await view.locator('g.node.failed[data-id="check"]').waitFor({ state: 'visible', timeout: 30_000 });
      const resume = view.locator('vscode-button[data-action="resume"]');
      await resume.waitFor({ state: 'visible' });
      assert.notEqual(await resume.getAttribute('disabled'), null, 'Resume from failure is disabled');
      assert.match((await resume.getAttribute('title')) ?? '', /trust/i);
      // A click on it (forced: it is disabled) posts nothing; a resume would show in the store checks below.
      await resume.click({ force: true });
      // The page's message to the extension, posted as the page posts it: the extension's guard refuses it.
      await clearNotifications(ui);
      await ui.page.frameLocator('iframe.webview.ready').locator('body').evaluate(() => {
        const post = (window as unknown as { __vscode_post_message__: (command: string, data: unknown) => void }).__vscode_post_message__;
        post('onmessage', { message: { type: 'resume' } });
      });
      await refusal(ui, REFUSED_RUN);
      await ui.screenshot('28-untrusted-run-view-resume-refused');
      assertNothingRan(ui, 'the run view\'s Resume');
      for (const [query, label] of [['Cairn: Resume Run', /Cairn: Resume Run…/], ['Cairn: Re-run Task', /Cairn: Re-run Task…/]] as const) {
        await clearNotifications(ui);
        await ui.runCommand(query, label);
        await refusal(ui, REFUSED_RUN);
        assertNothingRan(ui, query);
      }
    },
  },
  {
    name: 'after every attempt, for 5 s more: no task ran, and the store holds the CLI\'s run alone, unchanged',
    async run(ui) {
      // A run refused late (after a prompt, or in the server) would show by now; a few seconds more, polled.
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        assertNothingRan(ui, 'every attempt');
        assert.equal(await debugging(ui), false, 'no debug session');
        await new Promise((r) => setTimeout(r, 250));
      }
      await ui.screenshot('29-untrusted-nothing-ran');
    },
  },
  {
    name: 'the refusal\'s Manage Workspace Trust, then Trust: the ▶, the lenses, Debug Workflow and Resume come back where the tests above found none, and nothing runs by itself',
    async run(ui) {
      await clearNotifications(ui);
      await ui.runCommand('Cairn: Re-run Task', /Cairn: Re-run Task…/);
      await refusal(ui, REFUSED_RUN);
      await toast(ui, REFUSED_RUN).locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).click();
      const trustEditor = ui.page.locator('.workspace-trust-editor');
      const trust = trustEditor.locator('.monaco-button', { hasText: /^Trust$/ }).first();
      await trust.waitFor({ state: 'visible' });
      await ui.screenshot('30-untrusted-manage-workspace-trust');
      await trust.click();
      await ui.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'hidden' });
      await ui.runCommand('Close All Editors', /View: Close All Editors/);
      await ui.page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
      await ui.openFromExplorer(WORKFLOW);
      await ui.page.locator('.editor-actions .action-item a[aria-label^="Run Workflow"]').first().waitFor({ state: 'visible' });
      await ui.page.locator('.editor-actions .action-item a[aria-label^="Debug Workflow"]').first().waitFor({ state: 'visible' });
      await ui.editor().locator('.codelens-decoration a', { hasText: 'Resume from failure' }).waitFor({ state: 'visible', timeout: 20_000 });
      const labels = await cairnCommands(ui);
      assert.ok(labels.some((l) => l.includes('Cairn: Debug Workflow')), `the palette lists: ${JSON.stringify(labels)}`);
      await ui.page.locator('.activitybar .action-item a[aria-label^="Cairn"]').first().click();
      const runRow = ui.page.locator('[id="workbench.view.extension.cairn"] .monaco-list-row', { hasText: 'untrusted · failed' }).first();
      await runRow.hover();
      await runRow.locator('.action-label[aria-label^="Resume from Failure"]').waitFor({ state: 'visible' });
      await runRow.locator('.action-label[aria-label^="Open Run View"]').click();
      const resume = ui.runView().locator('vscode-button[data-action="resume"]');
      await resume.waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await resume.getAttribute('disabled'), null, 'Resume from failure is enabled in a trusted workspace');
      await ui.runView().locator('g.node.failed[data-id="check"]').waitFor({ state: 'visible' });
      await ui.screenshot('31-untrusted-now-trusted');
      assertNothingRan(ui, 'trusting the folder');
    },
  },
];
