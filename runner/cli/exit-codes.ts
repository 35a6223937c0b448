// Exit codes are part of the CLI contract (SPEC §5).
export const EXIT = {
  ok: 0,
  /** The run ended failed or cancelled. */
  runFailed: 1,
  /** Usage error, invalid workflow, or a refused operation. */
  usage: 2,
  /** Store error: locked, unreadable, not found. */
  store: 3,
  interrupted: 130,
} as const;
