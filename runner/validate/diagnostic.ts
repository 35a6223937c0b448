// What the validator reports. Shared by the CLI (line:col) and the language
// server (LSP ranges, code actions): spans stay offsets until the edge.
import type { Span } from '../model/span';

export type Severity = 'error' | 'warning';

/** Every diagnostic kind, with what it flags. Codes are stable: tests and quick fixes key on them. */
export const DIAGNOSTIC_CODES = {
  'toml-syntax': 'the file is not valid TOML',
  'unknown-key': 'a key Cairn does not know (with a "did you mean")',
  'wrong-type': 'a value of the wrong TOML type',
  'invalid-value': 'a value of the right type that is not allowed (negative retries, unknown task type, empty run)',
  'missing-run': 'a task without a run command',
  'bad-duration': 'a duration that is not like 500ms, 30s, 10m, 1h or 1h30m',
  'bad-id': 'a task id outside [A-Za-z0-9_-]',
  'bad-var-name': 'a variable name outside [A-Za-z_][A-Za-z0-9_]*',
  'unknown-dep': 'a deps entry naming no task',
  'unknown-target': 'a forensic target naming no task',
  'self-dep': 'a task that depends on itself',
  'duplicate-dep': 'the same task listed twice in deps',
  'dep-on-forensic': 'a task that depends on a forensic task',
  cycle: 'an edge of a dependency cycle',
  'undefined-var': 'a variable used in a template or condition and defined nowhere',
  'maybe-undefined-var': 'a variable set only by tasks that may not have run first',
  'bad-template': 'a malformed {{ }} template',
  'duplicate-register': 'a variable registered by more than one task',
  'forensic-deps': 'a forensic task with deps',
  'forensic-target': 'a forensic task without a valid target',
  'target-not-forensic': 'a target on a task that is not forensic',
  'bad-condition': 'a malformed if expression',
  'env-file-missing': 'an env_file that does not exist',
  'no-tasks': 'a workflow that defines no tasks',
  'internal-error': 'the validator itself failed (a bug: please report it)',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** A text edit that fixes the problem (e.g. the close task id for a misspelt dep). */
export interface Fix {
  readonly title: string;
  readonly span: Span;
  readonly newText: string;
}

export interface RelatedInfo {
  readonly message: string;
  readonly span: Span;
}

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly span: Span;
  readonly fix?: Fix;
  readonly related?: readonly RelatedInfo[];
}
