// A failed file operation in words a user can act on (`no space left on device`),
// one wording for the whole engine: CLI, store and task execution.

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** Why a file operation failed, in words a user can act on (`no space left on device`). */
export function fsErrorText(error: unknown): string {
  const code = errorCode(error);
  switch (code) {
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EIO':
      return 'input/output error (the disk or its connection may be failing)';
    case 'EFBIG':
      return 'file too large (a file size limit was reached)';
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      if (error instanceof Error) return error.message;
      return String(error);
  }
}
