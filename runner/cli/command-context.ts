// What every store command shares: where the store is, how errors become
// exit codes and one plain sentence (no stack traces for a user's mistake).
import { RefusedError } from '../engine/load-workflow';
import { LockedError, LockError } from '../store/lock';
import { StoreError } from '../store/run-store';
import { resolveStoreRoot } from '../store/workspace-store';
import { EXIT } from './exit-codes';

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readonly stdoutIsTTY: boolean;
  readonly columns?: number;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo = (): CliIo => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdoutIsTTY: process.stdout.isTTY === true,
  ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  cwd: process.cwd(),
  env: process.env,
});

export interface StoreOption {
  readonly store?: string;
}

export function storeRoot(io: CliIo, opts: StoreOption): string {
  return resolveStoreRoot({ ...(opts.store !== undefined ? { store: opts.store } : {}), cwd: io.cwd, env: io.env });
}

/** Prints an error the way the user should see it and returns its exit code. */
export function reportError(io: CliIo, e: unknown): number {
  if (e instanceof RefusedError) {
    io.stderr(`cairn: ${e.message}\n`);
    for (const d of e.details) io.stderr(`  ${d}\n`);
    return EXIT.usage;
  }
  if (e instanceof LockedError || e instanceof LockError || e instanceof StoreError) {
    io.stderr(`cairn: ${e.message}\n`);
    return EXIT.store;
  }
  io.stderr(`cairn: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.usage;
}

export function collectVar(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parsePositiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RefusedError(`${flag} must be a whole number >= 1, got "${value}"`);
  return n;
}

export function parseMode(value: string | undefined): 'eager' | 'levels' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'eager' && value !== 'levels') throw new RefusedError(`--mode must be eager or levels, got "${value}"`);
  return value;
}
