// The run view's bundle in a plain Chromium page, with a stand-in for the webview's VS Code API: what the bench
// measures (first paint, event throughput) and what a quick look at the view needs, without an editor. Messages
// the view sends are kept in `window.cairnSent`; messages to it are posted with `send`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FromView, ToView } from '../../webview/run-view-messages';

const REPO = path.resolve(__dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';

/** A page holding the built run view (dist/webview: `npm run build` first), before it is sent anything. */
export async function openRunViewPage(browser: Browser, size = { width: 1280, height: 800 }, theme = 'dark'): Promise<Page> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-run-view-'));
  const asset = (f: string): string => pathToFileURL(path.join(REPO, 'dist', 'webview', f)).href;
  if (!fs.existsSync(path.join(REPO, 'dist', 'webview', 'run-view.js'))) throw new Error('dist/webview/run-view.js is missing: run `npm run build` first');
  // A few of the theme's variables, as VS Code's dark or light theme sets them on a webview.
  const vars =
    theme === 'dark'
      ? '--vscode-foreground:#cccccc;--vscode-editor-background:#1f1f1f;--vscode-editorWidget-background:#202020;--vscode-widget-border:#454545;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-button-background:#0078d4;--vscode-button-foreground:#fff;--vscode-descriptionForeground:#9d9d9d;--vscode-focusBorder:#0078d4'
      : '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-editorWidget-background:#f8f8f8;--vscode-widget-border:#c8c8c8;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-button-background:#005fb8;--vscode-button-foreground:#fff;--vscode-descriptionForeground:#717171;--vscode-focusBorder:#005fb8;--vscode-testing-iconPassed:#388a34;--vscode-testing-iconFailed:#c72e0f;--vscode-sideBar-background:#f8f8f8;--vscode-sideBarSectionHeader-background:#f8f8f8;--vscode-sideBarTitle-foreground:#3b3b3b;--vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b;--vscode-textCodeBlock-background:#f0f0f0';
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>:root{${vars}}</style>
<link rel="stylesheet" href="${asset('run-view.css')}"></head><body>
<script>
  window.cairnSent = []; let state;
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.cairnSent.push(m), getState: () => state, setState: (s) => { state = s; } });
</script>
<script src="${asset('run-view.js')}"></script></body></html>`;
  fs.writeFileSync(path.join(dir, 'index.html'), html);
  const page = await browser.newPage({ viewport: size });
  await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
  await page.waitForFunction(() => (window as unknown as { cairnSent: FromView[] }).cairnSent.some((m) => m.type === 'ready'));
  return page;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export async function send(page: Page, m: ToView): Promise<void> {
  await page.evaluate((msg) => window.postMessage(msg, '*'), m);
}

/** Resolves once the view has drawn the event with this seq. */
export async function drawn(page: Page, seq: number): Promise<void> {
  await page.waitForFunction((s) => Number(document.body.dataset.seq ?? 0) >= s, seq);
}
