// What a user sees, checked in code-server's workbench with Playwright: the extension installed from
// its .vsix, a workspace copy of examples/ plus broken.cairn.toml. The tests run in order on one page
// (each starts where the previous left the editor) and save screenshots to test/e2e/artifacts/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { waitUntil } from './code-server';

export interface UiTest {
  readonly name: string;
  run(ui: Workbench): Promise<void>;
}

/** Text as the editor renders it: non-breaking spaces back to spaces. */
const plain = (s: string): string => s.replace(/\u00a0/g, ' ');

const TYPING_DELAY_MS = 40;

export class Workbench {
  constructor(
    readonly page: Page,
    readonly artifactsDir: string,
    readonly workspace: string,
  ) {}

  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifactsDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async ready(): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
  }

  /** F1, a query, then a click on the command whose label matches: the command palette as a user drives it. */
  async runCommand(query: string, label: string | RegExp): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await this.page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${query}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    await input.waitFor({ state: 'hidden' });
  }

  /** Opens a file by clicking it in the Explorer, and waits for its editor tab. */
  async openFromExplorer(name: string): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible' });
    await this.editor().locator('.view-lines').waitFor({ state: 'visible' });
  }

  editor(): Locator {
    return this.page.locator('.editor-instance .monaco-editor').first();
  }

  async editorText(): Promise<string> {
    return plain(await this.editor().locator('.view-lines').innerText());
  }

  /** The Problems panel's rows as displayed: a file row, then one row per problem. */
  async problemRows(): Promise<string[]> {
    const rows = this.page.locator('.markers-panel .monaco-list-row');
    return (await rows.allInnerTexts()).map((t) => plain(t).replace(/\s+/g, ' ').trim());
  }

  /** Waits until the Problems panel shows `count` problems (rows less the file row). */
  async waitForProblems(count: number): Promise<string[]> {
    let rows: string[] = [];
    await waitUntil(
      `${count} problems in the Problems panel`,
      async () => {
        rows = await this.problemRows();
        return rows.length === count + 1;
      },
      20_000,
    ).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; rows: ${JSON.stringify(rows)}`);
    });
    return rows;
  }

  /** Clicks inside the first piece of editor text that reads `text`, as a user placing the cursor there. */
  async clickOnText(text: string): Promise<void> {
    const span = this.editor().locator('.view-line span span', { hasText: text }).first();
    await span.waitFor({ state: 'visible' });
    await span.click();
  }

  /**
   * Types lines at a person's pace (auto-closing and the suggestion list react to each key, and race
   * when keys come faster than anyone types); Escape before each Enter so an open suggestion list does
   * not take it.
   */
  async typeLines(lines: readonly string[], last: string): Promise<void> {
    for (const line of lines) {
      await this.page.keyboard.type(line, { delay: TYPING_DELAY_MS });
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('Enter');
    }
    await this.page.keyboard.type(last, { delay: TYPING_DELAY_MS });
  }

  /** The run view's page: the webview's outer frame, then the frame holding our document. */
  runView(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }

  /** The text of the terminal shown in the panel (a run's terminal), row by row. */
  async terminalText(): Promise<string> {
    return plain(await this.page.locator('.part.panel .terminal-wrapper.active .xterm-rows').first().innerText().catch(() => ''));
  }

  fileOnDisk(name: string): string {
    return fs.readFileSync(path.join(this.workspace, name), 'utf8');
  }
}

/** The journal of the (first) run of `workflow` in the workspace's store; empty when there is none. */
function journalOf(ui: Workbench, workflow: string): { type: string; task?: string; workflow?: string }[] {
  const runs = path.join(ui.workspace, '.cairn', 'runs');
  if (!fs.existsSync(runs)) return [];
  for (const id of fs.readdirSync(runs).filter((n) => !n.startsWith('.'))) {
    const events = fs.readFileSync(path.join(runs, id, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; task?: string; workflow?: string });
    if (events[0]?.workflow === workflow) return events;
  }
  return [];
}

/** How many events of `type` the journal has for `task`. */
const countOf = (events: readonly { type: string; task?: string }[], type: string, task: string): number => events.filter((e) => e.type === type && e.task === task).length;

const BROKEN = 'broken.cairn.toml';
const FAILS_ONCE = 'fails-once.cairn.toml';

export const UI_TESTS: readonly UiTest[] = [
  {
    name: 'the Problems panel lists the broken workflow\'s diagnostics at their lines',
    async run(ui) {
      await ui.openFromExplorer(BROKEN);
      await ui.runCommand('Problems', /Focus on Problems View|Focus Problems/);
      const rows = await ui.waitForProblems(3);
      assert.match(rows[0] ?? '', /broken\.cairn\.toml/);
      assert.match(rows[0] ?? '', /3/);
      const problems = rows.slice(1);
      const expected = [
        ['unknown task "biuld" in deps of "test"; did you mean "build"?', '[Ln 10, Col 9]'],
        ['unknown task "nosuchtask" in deps of "deploy"', '[Ln 14, Col 17]'],
        ['unknown key "timout" in task "deploy"; did you mean "timeout"?', '[Ln 16, Col 1]'],
      ] as const;
      for (const [message, at] of expected) {
        const row = problems.find((r) => r.includes(message));
        assert.ok(row, `no Problems row says ${message}: ${JSON.stringify(problems)}`);
        assert.ok(row.includes(at), `the row for ${message} does not say ${at}: ${row}`);
        assert.ok(row.includes('cairn'), `the row does not name its source: ${row}`);
      }
      await ui.screenshot('01-problems-panel');
    },
  },
  {
    name: 'a quick fix from the light bulb corrects a misspelt dep',
    async run(ui) {
      await ui.clickOnText('biuld');
      // The light bulb in the gutter (the auto-fix kind: the fix is preferred), clicked as a user would.
      const bulb = ui.page.locator('.glyph-margin-widgets [class*="codicon-gutter-lightbulb"]').first();
      await bulb.waitFor({ state: 'visible' });
      assert.match((await bulb.getAttribute('class')) ?? '', /auto-fix/);
      await ui.screenshot('02-light-bulb');
      // Pointing at the glyph margin of a workflow also makes VS Code draw the breakpoint hint there (Cairn
      // contributes breakpoints) and lay the margin out again. Playwright's hit-target check, made after the
      // pointer moved, then finds the hint or a bulb being redrawn, and retries until it times out (seen in CI).
      // So the click is forced: pointer move, down and up at once, on the bulb as it was drawn.
      await bulb.click({ force: true });
      const fix = ui.page.locator('.action-widget .monaco-list-row', { hasText: 'Change to "build"' });
      await fix.waitFor({ state: 'visible' });
      await ui.screenshot('03-quick-fix-menu');
      await fix.click();
      await waitUntil('the fixed dep in the editor', async () => (await ui.editorText()).includes('deps = ["build"]'), 10_000);
      const rows = await ui.waitForProblems(2);
      assert.ok(rows.every((r) => !r.includes('biuld')), JSON.stringify(rows));
      await ui.screenshot('04-quick-fix-applied');
    },
  },
  {
    name: 'typing deps = [" opens a completion list of the workflow\'s task ids',
    async run(ui) {
      await ui.clickOnText('deploy.sh');
      await ui.page.keyboard.press('Control+End');
      await ui.page.keyboard.press('Enter');
      // Typed whole, as a user types: auto-closing adds `]` and `"`, typing them again steps over.
      await ui.typeLines(['[tasks.archive]', 'run = "tar czf out.tgz dist"'], 'deps = ["');
      const widget = ui.page.locator('.suggest-widget.visible');
      await widget.waitFor({ state: 'visible' });
      const labels = widget.locator('.monaco-list-row .label-name');
      await waitUntil('three completion items', async () => (await labels.count()) === 3, 10_000);
      assert.deepEqual((await labels.allInnerTexts()).map(plain).sort(), ['build', 'deploy', 'test']);
      await ui.screenshot('05-completion-task-ids');
      await ui.page.keyboard.type('te', { delay: TYPING_DELAY_MS });
      await waitUntil('"test" alone in the list', async () => (await labels.allInnerTexts()).join(',') === 'test', 10_000);
      await ui.page.keyboard.press('Enter');
      await waitUntil('the accepted id in the editor', async () => (await ui.editorText()).includes('deps = ["test"]'), 10_000);
      // Auto-closing made `deps = [""]` of `deps = ["`; the accepted item left one valid array.
      await ui.waitForProblems(2);
      await ui.page.keyboard.press('Control+s');
      await waitUntil('the file saved', () => ui.fileOnDisk(BROKEN).includes('[tasks.archive]'), 10_000);
      const saved = ui.fileOnDisk(BROKEN);
      assert.match(saved, /\[tasks\.test\]\ndeps = \["build"\]\n/);
      assert.match(saved, /\[tasks\.archive\]\nrun = "tar czf out\.tgz dist"\ndeps = \["test"\]\s*$/);
      await ui.screenshot('06-completion-accepted');
    },
  },
  {
    name: 'hovering a task id shows the task',
    async run(ui) {
      await ui.page.keyboard.press('Escape');
      const id = ui.editor().locator('.view-line span span', { hasText: /^build$/ }).first();
      const hover = ui.page.locator('.monaco-hover:not(.hidden)', { hasText: 'task' });
      // A hover starts on a mouse move over the word. Once in CI the editor's layout shifted under a pointer
      // already placed (an editor group closing beside it) and no hover came: the pointer leaves and comes
      // back to the word, found again, at most three times.
      for (let attempt = 1; ; attempt++) {
        await ui.page.mouse.move(0, 0);
        await id.hover();
        const shown = await hover.waitFor({ state: 'visible', timeout: 6_000 }).then(() => true, () => false);
        if (shown) break;
        if (attempt === 3) await hover.waitFor({ state: 'visible', timeout: 1 });
      }
      const text = plain(await hover.innerText());
      assert.match(text, /task build/);
      assert.match(text, /Compile/);
      assert.match(text, /make/);
      await ui.screenshot('07-hover-task');
    },
  },
  {
    name: '▶ in the editor title runs the workflow: the run view shows the failed task red, the gutter a ✗ and "Resume from failure"',
    async run(ui) {
      await ui.page.keyboard.press('Escape');
      await ui.openFromExplorer(FAILS_ONCE);
      await ui.page.locator('.editor-actions .action-item a[aria-label^="Run Workflow"]').first().click();
      // The run view opens beside the editor as the run starts; check fails there, red, and publish is cancelled.
      const view = ui.runView();
      await view.locator('g.node.failed[data-id="check"]').waitFor({ state: 'visible', timeout: 30_000 });
      await view.locator('g.node.success[data-id="prepare"]').waitFor({ state: 'visible' });
      assert.match((await view.locator('g.node[data-id="publish"]').getAttribute('class')) ?? '', /\bcancelled\b/);
      assert.match((await view.locator('g.node[data-id="publish"] text.detail').textContent()) ?? '', /^cancelled — dependency/);
      // The failed task's details: its reason and log tail one click away.
      await view.locator('g.node[data-id="check"]').click();
      await view.locator('.details h2', { hasText: 'check' }).waitFor({ state: 'visible' });
      assert.match(await view.locator('.details pre.log').innerText(), /expected fixed\.flag next to the workflow/);
      assert.equal(await view.locator('vscode-button[data-action="resume"]').getAttribute('disabled'), null, 'Resume from failure is enabled on a failed run');
      // In the editor: the lens on the failed task (and the ✗ in the gutter, in the screenshot).
      const resume = ui.editor().locator('.codelens-decoration a', { hasText: 'Resume from failure' });
      await resume.waitFor({ state: 'visible', timeout: 30_000 });
      await ui.screenshot('08-run-failed-run-view-gutter-lens');
      const statusIcons = ui.editor().locator('.cgmr');
      assert.equal(await statusIcons.count(), 3, 'a status icon beside each task: ✓ prepare, ✗ check, cancelled publish');
      // The run's terminal, shown in the panel as the run started: the CLI's lines and the tasks' output.
      let shown = '';
      await waitUntil('the run\'s terminal to show the failure', async () => {
        shown = await ui.terminalText();
        return shown.includes('✗ check (exit 1)');
      }, 20_000).catch((e: unknown) => {
        throw new Error(`${e instanceof Error ? e.message : String(e)}; the panel shows: ${JSON.stringify(shown.slice(0, 400))}`);
      });
      assert.match(shown, /\[check\] expected fixed\.flag next to the workflow/);
      // prepare printed "preparing" in green (ANSI 32): drawn green, not as escape codes.
      assert.doesNotMatch(shown, /\[32m/);
      const green = ui.page.locator('.part.panel .terminal-wrapper.active .xterm-rows span.xterm-fg-2', { hasText: 'preparing' });
      assert.equal(await green.count(), 1, 'prepare\'s green output is drawn green');
    },
  },
  {
    name: 'Resume from failure clicked in the run view: prepare stays green marked "kept", check runs as attempt 2, publish follows',
    async run(ui) {
      fs.writeFileSync(path.join(ui.workspace, 'fixed.flag'), '');
      const view = ui.runView();
      await view.locator('vscode-button[data-action="resume"]').click();
      await view.locator('g.node.success[data-id="publish"]').waitFor({ state: 'visible', timeout: 30_000 });
      await view.locator('g.node.success.kept[data-id="prepare"]').waitFor({ state: 'visible' });
      assert.match((await view.locator('g.node[data-id="prepare"] text.detail').textContent()) ?? '', /kept$/);
      assert.match((await view.locator('g.node[data-id="check"] text.detail').textContent()) ?? '', /attempt 2$/);
      // The details of the selected task follow: two attempts now.
      await view.locator('.details vscode-collapsible[heading="Attempts (2)"]').waitFor({ state: 'visible' });
      await waitUntil('the run view to say the run succeeded', async () => (await view.locator('body').getAttribute('data-status')) === 'success', 10_000);
      assert.equal(await view.locator('vscode-button[data-action="resume"]').getAttribute('disabled'), '', 'nothing to resume once it succeeded');
      const resume = ui.editor().locator('.codelens-decoration a', { hasText: 'Resume from failure' });
      await waitUntil('the lenses to follow (no Resume lens, Re-run task on every task)', async () => (await resume.count()) === 0 && (await ui.editor().locator('.codelens-decoration a', { hasText: 'Re-run task' }).count()) >= 3, 30_000);
      await ui.screenshot('09-resumed-from-run-view');
      const ours = journalOf(ui, 'fails-once');
      assert.ok(ours.length > 0, 'the run is in the workspace store');
      assert.equal(countOf(ours, 'attempt-started', 'prepare'), 1, 'prepare ran once: kept by the resume');
      assert.equal(countOf(ours, 'attempt-started', 'check'), 2, 'check ran again');
    },
  },
  {
    name: 'the Cairn sidebar lists the runs newest first, a run opens onto its tasks and their attempts',
    async run(ui) {
      await ui.page.locator('.activitybar .action-item a[aria-label^="Cairn"]').first().click();
      const runRow = ui.page.locator('.monaco-list-row', { hasText: 'fails-once · success' }).first();
      await runRow.waitFor({ state: 'visible', timeout: 20_000 });
      const rows = ui.page.locator('[id="workbench.view.extension.cairn"] .monaco-list-row');
      const labels = (await rows.allInnerTexts()).map(plain);
      assert.match(labels[0] ?? '', /fails-once · success/, `newest first: ${JSON.stringify(labels)}`);
      assert.ok(labels.some((l) => /etl · success/.test(l)), `the run the CLI made is listed too: ${JSON.stringify(labels)}`);
      await runRow.click();
      await ui.page.keyboard.press('ArrowRight');
      const check = ui.page.locator('.monaco-list-row', { hasText: /^check/ }).first();
      await check.waitFor({ state: 'visible' });
      await check.click();
      await ui.page.keyboard.press('ArrowRight');
      await ui.page.locator('.monaco-list-row', { hasText: 'attempt 1 · failed' }).first().waitFor({ state: 'visible' });
      await ui.page.locator('.monaco-list-row', { hasText: 'attempt 2 · success' }).first().waitFor({ state: 'visible' });
      await ui.screenshot('10-sidebar-runs');
    },
  },
  {
    name: 'after an edit is saved, the task shows "changed since success", and its Re-run task lens runs it with the new command',
    async run(ui) {
      await ui.page.locator('.tabs-container .tab', { hasText: FAILS_ONCE }).first().click();
      // Double-click selects the word; typing replaces it: run = "echo shipped".
      await ui.editor().locator('.view-line span span', { hasText: 'published' }).first().dblclick();
      await ui.page.keyboard.type('shipped', { delay: TYPING_DELAY_MS });
      await ui.page.keyboard.press('Control+S');
      await waitUntil('the file to be saved', () => ui.fileOnDisk(FAILS_ONCE).includes('echo shipped'), 10_000);
      const stale = ui.editor().locator('.codelens-decoration a', { hasText: 'changed since success: command changed' });
      await stale.waitFor({ state: 'visible', timeout: 20_000 });
      await ui.screenshot('11-stale-after-edit');
      // Of the three Re-run task lenses (prepare, check, publish), publish's is the last.
      await ui.editor().locator('.codelens-decoration a', { hasText: /^Re-run task$/ }).last().click();
      // The re-run's end first: while it runs the lenses are gone anyway.
      await waitUntil('publish to have run twice', () => countOf(journalOf(ui, 'fails-once'), 'attempt-ended', 'publish') === 2, 30_000);
      await waitUntil('the re-run to leave no stale lens, and Re-run task on every task', async () => (await stale.count()) === 0 && (await ui.editor().locator('.codelens-decoration a', { hasText: /^Re-run task$/ }).count()) >= 3, 20_000);
      let output = '';
      await waitUntil('the run\'s terminal to show the re-run', async () => {
        output = await ui.terminalText();
        return /\[publish\] shipped/.test(output);
      }, 20_000).catch((e: unknown) => {
        throw new Error(`${e instanceof Error ? e.message : String(e)}; the panel shows: ${JSON.stringify(output.slice(-300))}`);
      });
      await ui.screenshot('12-rerun-task-done');
    },
  },
  {
    name: 'the Variables view shows the selected run\'s variables, each with its snapshot history',
    async run(ui) {
      // The Cairn container, opened if a test closed it (its activity bar icon toggles it).
      const container = ui.page.locator('[id="workbench.view.extension.cairn"]');
      if (!(await container.isVisible())) await ui.page.locator('.activitybar .action-item a[aria-label^="Cairn"]').first().click();
      const runRow = ui.page.locator('.monaco-list-row', { hasText: 'fails-once · success' }).first();
      await runRow.waitFor({ state: 'visible', timeout: 20_000 });
      await runRow.click();
      const variables = ui.page.locator('.pane', { has: ui.page.locator('.pane-header', { hasText: /variables/i }) });
      const release = variables.locator('.monaco-list-row', { hasText: /^release/ }).first();
      await release.waitFor({ state: 'visible', timeout: 20_000 });
      assert.match(plain(await release.innerText()), /release\s*shipped/, 'the latest value beside the name');
      await release.click();
      await ui.page.keyboard.press('ArrowRight');
      const shipped = variables.locator('.monaco-list-row', { hasText: 'set by publish (attempt 2)' }).first();
      const published = variables.locator('.monaco-list-row', { hasText: 'set by publish (attempt 1)' }).first();
      await shipped.waitFor({ state: 'visible' });
      await published.waitFor({ state: 'visible' });
      assert.match(plain(await shipped.innerText()), /^shipped/);
      assert.match(plain(await published.innerText()), /^published/);
      await ui.screenshot('13-variables-history');
      // Override for the next resume: the pencil on the variable, a value, Enter; it is recorded as a snapshot.
      await release.hover();
      await release.locator('.action-label[aria-label^="Override for Next Resume"]').click();
      const input = ui.page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill('hotfix');
      await ui.page.keyboard.press('Enter');
      await waitUntil('the variable to show the override as its latest value', async () => /release\s*hotfix/.test(plain(await release.innerText().catch(() => ''))), 20_000);
      const recorded = journalOf(ui, 'fails-once').filter((e) => e.type === 'var-set' && (e as { source?: string }).source === 'editor');
      assert.deepEqual(recorded.map((e) => (e as { name?: string; value?: string }).value), ['hotfix'], 'recorded in the run as set in the editor');
      await ui.screenshot('14-variable-overridden');
    },
  },
  {
    name: 'a 96-task run opens in columns at once, then a worker\'s dagre placement replaces them (the CSP allows it)',
    async run(ui) {
      await ui.runCommand('Close All Editors', /View: Close All Editors/);
      // The command asks which run: its picker takes the palette's place.
      await ui.page.keyboard.press('F1');
      await ui.page.locator('.quick-input-widget input').fill('>Cairn: Open Run View');
      await ui.page.locator('.quick-input-list .monaco-list-row', { hasText: /Open Run View/ }).first().click();
      await ui.page.locator('.quick-input-widget input[placeholder="Show which run?"]').waitFor({ state: 'visible' });
      const row = ui.page.locator('.quick-input-list .monaco-list-row', { hasText: 'wide · success' }).first();
      await row.waitFor({ state: 'visible', timeout: 20_000 });
      await row.click();
      const view = ui.runView();
      await view.locator('g.node.success[data-id="s11-7"]').waitFor({ state: 'visible', timeout: 30_000 });
      // 'worker': dagre ran in the layout worker; 'view' would mean the worker could not start (a CSP refusing it).
      await waitUntil('dagre\'s placement from the worker', async () => (await view.locator('body').getAttribute('data-layout')) === 'worker', 20_000).catch(async (e: unknown) => {
        throw new Error(`${e instanceof Error ? e.message : String(e)}; data-layout is ${String(await view.locator('body').getAttribute('data-layout'))}`);
      });
      assert.equal(await view.locator('g.node').count(), 96);
      // dagre routes edges through bends; the columns draw each as one straight segment.
      assert.match((await view.locator('path.edge').first().getAttribute('d')) ?? '', /Q/);
      await ui.screenshot('15-big-run-placed-by-worker');
    },
  },
  {
    name: 'the run view\'s Content Security Policy refuses an inline script and a script from elsewhere, and reports the violation',
    async run(ui) {
      // In the run view open from the previous test: scripts added to its page as an attacker's would be.
      const body = ui.runView().locator('body');
      const outcome = await body.evaluate(
        (b) =>
          new Promise<{ inlineRan: boolean; remoteLoaded: boolean; violations: string[] }>((resolve) => {
            const w = window as unknown as { cairnInlineRan?: boolean };
            const violations: string[] = [];
            document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
            const inline = document.createElement('script');
            inline.textContent = 'window.cairnInlineRan = true';
            b.append(inline);
            const remote = document.createElement('script');
            let remoteLoaded = false;
            remote.src = 'https://example.com/x.js';
            remote.onload = () => (remoteLoaded = true);
            remote.onerror = () => resolve({ inlineRan: w.cairnInlineRan === true, remoteLoaded, violations });
            b.append(remote);
          }),
      );
      assert.equal(outcome.inlineRan, false, 'an inline script does not run');
      assert.equal(outcome.remoteLoaded, false, 'a script from another origin does not load');
      assert.ok(outcome.violations.some((v) => v.startsWith('script-src') && v.endsWith('inline')), `the inline script is reported: ${JSON.stringify(outcome.violations)}`);
      assert.ok(outcome.violations.some((v) => v.startsWith('script-src') && v.includes('example.com')), `the remote script is reported: ${JSON.stringify(outcome.violations)}`);
    },
  },
  {
    name: 'a breakpoint set by a click in the gutter inside [tasks.check], then F5: the run pauses before check, shown on the Call Stack and in the run view',
    async run(ui) {
      await ui.runCommand('Close All Editors', /View: Close All Editors/);
      await ui.page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
      await ui.openFromExplorer(FAILS_ONCE);
      // check's deps line: any line of a task's table pauses before it (its header has the status icon).
      const line = ui.fileOnDisk(FAILS_ONCE).split('\n').findIndex((l) => l.startsWith('[tasks.check]')) + 2;
      // The glyph margin is left of the line numbers: a click there toggles a breakpoint.
      const number = ui.editor().locator('.margin-view-overlays .line-numbers', { hasText: new RegExp(`^${line}$`) });
      const box = await number.boundingBox();
      assert.ok(box, `line ${line} is on screen`);
      const margin = ui.editor().locator('.glyph-margin-widgets').first();
      const left = (await margin.boundingBox())!.x;
      await ui.page.mouse.move(left + 8, box.y + box.height / 2);
      await ui.page.mouse.click(left + 8, box.y + box.height / 2);
      await ui.editor().locator('.glyph-margin-widgets [class*="codicon-debug-breakpoint"]').first().waitFor({ state: 'visible', timeout: 10_000 }).catch(async (e: unknown) => {
        const classes = await ui.editor().locator('.glyph-margin-widgets [class*="codicon"]').evaluateAll((els: { className: string }[]) => els.map((el) => el.className));
        throw new Error(`${e instanceof Error ? e.message : String(e)}; glyphs in the margin: ${JSON.stringify(classes)}`);
      });
      await ui.editor().locator('.view-lines').click();
      await ui.page.keyboard.press('F5');
      const frame = ui.page.locator('.debug-call-stack .monaco-list-row', { hasText: 'check — before attempt' });
      await frame.waitFor({ state: 'visible', timeout: 30_000 });
      // One thread (check) is shown as its frame alone; the pane's title says why it stopped.
      await ui.page.locator('.pane-header', { hasText: 'paused before check' }).first().waitFor({ state: 'visible' });
      // The run view opened beside, with check marked paused.
      const view = ui.runView();
      await view.locator('g.node.paused[data-id="check"]').waitFor({ state: 'visible', timeout: 20_000 });
      // The Variables view: the run's variables, and the Task scope with what check is about to run.
      const taskScope = ui.page.locator('.debug-variables .monaco-list-row', { hasText: /^Task$/ }).first();
      await taskScope.click();
      const command = ui.page.locator('.debug-variables .monaco-list-row', { hasText: 'command' }).first();
      await command.waitFor({ state: 'visible' });
      assert.match(plain(await command.innerText()), /test -e fixed\.flag/);
      await ui.screenshot('16-debug-paused-before-check');
      // Continue (F5 again): the run goes to its end and the session with it.
      await ui.page.keyboard.press('F5');
      await frame.waitFor({ state: 'hidden', timeout: 30_000 });
      await waitUntil('the run view to show the run succeeded', async () => (await view.locator('body').getAttribute('data-status')) === 'success', 30_000);
      assert.equal(await view.locator('g.node.paused').count(), 0, 'nothing is paused once the run goes on');
    },
  },
  {
    name: 'F5 with check failing pauses on the failure (the exception widget shows the exit and log tail); after the fix, Restart Frame runs check again and the run succeeds',
    async run(ui) {
      await ui.runCommand('Remove All Breakpoints', /Remove All Breakpoints/);
      fs.rmSync(path.join(ui.workspace, 'fixed.flag'), { force: true });
      // The cursor on a short line (the name), so the editor shows the start of each line.
      await ui.clickOnText('"fails-once"');
      await ui.page.keyboard.press('F5');
      const frame = ui.page.locator('.debug-call-stack .monaco-list-row', { hasText: 'check — failed: exit 1' });
      await frame.waitFor({ state: 'visible', timeout: 30_000 });
      const widget = ui.page.locator('.exception-widget');
      await widget.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(plain(await widget.innerText()), /exit 1[\s\S]*expected fixed\.flag next to the workflow/);
      await ui.screenshot('17-debug-paused-on-failure');
      // The fix, then Restart Frame (the frame's inline action): check runs again, publish follows.
      fs.writeFileSync(path.join(ui.workspace, 'fixed.flag'), '');
      await frame.hover();
      await frame.locator('.action-label[aria-label="Restart Frame"]').click();
      await frame.waitFor({ state: 'hidden', timeout: 30_000 });
      const view = ui.runView();
      await waitUntil('the debugged run to succeed', async () => (await view.locator('body').getAttribute('data-status')) === 'success', 30_000);
      assert.match((await view.locator('g.node[data-id="check"] text.detail').textContent()) ?? '', /attempt 2$/, 'check ran again as attempt 2');
      await ui.screenshot('18-debug-restarted-frame');
    },
  },
];
