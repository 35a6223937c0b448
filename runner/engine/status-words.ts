// How a task's status and the reason for it are said, the same wherever they are shown: the run view, the
// hovers, the debugger.
import type { AttemptOutcome, CancelReason, SkipReason, TaskStatus } from './events';

/** The mark beside a task's status. */
export const STATUS_GLYPH: Readonly<Record<TaskStatus, string>> = {
  pending: '○',
  running: '●',
  success: '✓',
  failed: '✗',
  cancelled: '⊘',
  interrupted: '⚠',
  skipped: '↷',
};

/** A task's or an attempt's reason in words; the attempt's outcome gives the exit code or signal. */
export function reasonWords(reason: CancelReason | SkipReason | AttemptOutcome['reason'], outcome: AttemptOutcome | undefined): string | undefined {
  switch (reason) {
    case null:
      return undefined;
    case 'exit':
      return outcome?.exitCode != null ? `exit ${outcome.exitCode}` : 'exit';
    case 'signal':
      return outcome?.signal ? `killed by ${outcome.signal}` : 'killed by a signal';
    case 'timeout':
      return 'timed out';
    case 'spawn':
      return 'could not start';
    case 'template':
      return 'command could not be rendered';
    case 'upstream-failed':
      return 'dependency failed';
    case 'user':
      return 'cancelled by you';
    case 'condition-false':
      return 'condition false';
    case 'target-not-failed':
      return 'target did not fail';
    default: {
      const never: never = reason;
      return String(never);
    }
  }
}
