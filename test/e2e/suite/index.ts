// The in-host suite's entry: VS Code loads this file in the extension host (code-server through the
// smoke-test driver payload, or desktop VS Code through @vscode/test-electron) and awaits run().
// Mocha's console output is not readable from the browser, so results also go to the JSON file named
// by $CAIRN_E2E_RESULTS, rewritten after every test so that a hang still shows how far it got.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { EXTENSION_ID } from './helpers';
import { activationFigure } from './activation-times';
import type { SuiteResults, TestResult } from './results';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  const grep = process.env.CAIRN_E2E_GREP;
  if (grep !== undefined && grep.length > 0) mocha.grep(grep);
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  const resultsFile = process.env.CAIRN_E2E_RESULTS;
  const results: SuiteResults = { done: false, passed: 0, failed: 0, tests: [] };
  const save = (): void => {
    results.activation ??= activationFigure(EXTENSION_ID);
    if (resultsFile !== undefined && resultsFile.length > 0) fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  };
  const record = (test: Mocha.Runnable, state: TestResult['state'], err?: Error): void => {
    results.tests.push({
      title: test.fullTitle(),
      state,
      durationMs: test.duration ?? 0,
      ...(err !== undefined ? { error: err.stack ?? err.message } : {}),
    });
    if (state === 'passed') results.passed++;
    else results.failed++;
    save();
  };
  save();

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        results.done = true;
        save();
        if (failures > 0) reject(new Error(`${failures} of ${results.tests.length} e2e tests failed`));
        else if (results.tests.length === 0) reject(new Error('no e2e test ran'));
        else resolve();
      });
      runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test) => record(test, 'passed'));
      // Hooks fail here too (before/after), reported as their own entry.
      runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err: Error) => record(test, 'failed', err));
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
