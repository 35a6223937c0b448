// Finds the executable a task's command runs under. Looked up once per (name, PATH) with fs checks on PATH,
// never by starting a process (`which`) — the one synchronous step of execution, and cached.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type ShellResolution = { readonly path: string } | { readonly error: string };

const cache = new Map<string, ShellResolution>();

/**
 * The longest command passed as an argument (`sh -c <command>`, or the words of a direct exec). Linux refuses a
 * single argument over 128 KiB (MAX_ARG_STRLEN) with E2BIG; a longer command (a generated script, a big inline
 * heredoc) is fed to the shell as a script on a pipe instead (see execute-task.ts), as GitHub Actions runs a
 * `run:` block from a file.
 */
export const MAX_ARG_BYTES = 96 * 1024;

/** Whether `command` is too long to be an argument (see MAX_ARG_BYTES). */
export const tooLongForArgv = (command: string): boolean => command.length > MAX_ARG_BYTES / 4 && Buffer.byteLength(command) > MAX_ARG_BYTES;

/**
 * No name, or `bash`: bash if it is on PATH, else sh (SPEC: `shell = "bash"  # bash if present, else sh`).
 * Another bare name is looked up on PATH. A name with a `/` is a path: an absolute one must be an executable
 * file; a relative one is returned as given, because it is relative to the task's working directory, which
 * the spawn resolves.
 */
export function resolveShell(
  requested?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ShellResolution {
  const searchPath = env.PATH ?? '';
  const key = `${requested ?? ''}\0${searchPath}`;
  let resolution = cache.get(key);
  if (resolution === undefined) {
    resolution = lookUp(requested, searchPath);
    cache.set(key, resolution);
  }
  return resolution;
}

function lookUp(requested: string | undefined, searchPath: string): ShellResolution {
  if (requested === undefined || requested === 'bash') {
    const found = onPath('bash', searchPath) ?? onPath('sh', searchPath);
    return found !== undefined ? { path: found } : { error: 'neither bash nor sh was found on PATH' };
  }
  if (requested.trim() === '') return { error: 'the shell name is empty' };
  if (requested.includes('/')) {
    if (!isAbsolute(requested)) return { path: requested };
    return isExecutableFile(requested) ? { path: requested } : { error: `shell "${requested}" is not an executable file` };
  }
  const found = onPath(requested, searchPath);
  return found !== undefined ? { path: found } : { error: `shell "${requested}" was not found on PATH` };
}

function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    // An empty PATH entry means the current directory in POSIX shells; a shell found there by accident is
    // not one the user chose, so only absolute entries count.
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
