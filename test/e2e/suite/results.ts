// What the in-host suite writes to $CAIRN_E2E_RESULTS and the drivers read back.
export interface TestResult {
  readonly title: string;
  readonly state: 'passed' | 'failed';
  readonly durationMs: number;
  readonly error?: string;
}

/** The extension's activation, from the extension host's own performance marks (see activation-times.ts). */
export interface ActivationFigure {
  readonly extensionId: string;
  /** Loading its main module (dist/extension.js). */
  readonly codeLoadingMs: number;
  /** activate() called until its promise resolved (it awaits the language server's start). */
  readonly activateMs: number;
  /** Loading started until activate() resolved. */
  readonly totalMs: number;
  /** When the suite read the marks (ISO). */
  readonly takenAt: string;
  /** Which editor's extension host. */
  readonly host: string;
}

export interface SuiteResults {
  /** False while the suite is running (or when it never finished). */
  done: boolean;
  passed: number;
  failed: number;
  readonly tests: TestResult[];
  /** Once the host has marked the extension activated (read at every save); for bench/lsp.bench.ts. */
  activation?: ActivationFigure;
}
