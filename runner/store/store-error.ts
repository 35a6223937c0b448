// A store that cannot be read or written (SPEC §5: exit 3), in plain words.

export class StoreError extends Error {}

export function plainFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException | undefined;
  switch (err?.code) {
    case 'ENOSPC':
      return 'no space left on device';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'EEXIST':
      return 'it already exists';
    case 'ENOENT':
      return 'no such file or directory';
    default:
      return err instanceof Error ? err.message : String(e);
  }
}
