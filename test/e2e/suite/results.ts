// What the in-host suite writes to $CAIRN_E2E_RESULTS and the drivers read back.
export interface TestResult {
  readonly title: string;
  readonly state: 'passed' | 'failed';
  readonly durationMs: number;
  readonly error?: string;
}

export interface SuiteResults {
  /** False while the suite is running (or when it never finished). */
  done: boolean;
  passed: number;
  failed: number;
  readonly tests: TestResult[];
}
