// Turns a failed spawn into a sentence a person can act on. The OS says only ENOENT or EACCES, which fits a
// missing shell and a missing working directory alike, so this looks at the directory to tell them apart.
// Runs only after a failure: a successful start pays for no extra checks.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';

export async function describeSpawnError(error: unknown, shell: string, cwd: string): Promise<string> {
  const directoryProblem = await checkDirectory(cwd);
  if (directoryProblem !== undefined) return `working directory "${cwd}" ${directoryProblem}`;
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  switch (code) {
    case 'ENOENT':
      return shell.includes('/') ? `cannot start "${shell}": no such file` : `cannot start "${shell}": not found on PATH`;
    case 'EACCES':
      return `cannot start "${shell}": permission denied (not executable?)`;
    case 'E2BIG':
      return `cannot start "${shell}": its command or environment is larger than the system allows (E2BIG: 128 KiB for one argument or variable, about 2 MB in all); move a long command into a script file, and pass a large value in a file rather than a variable`;
    case 'ENOEXEC':
      return `cannot start "${shell}": not an executable format`;
    default:
      return `cannot start "${shell}": ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function checkDirectory(cwd: string): Promise<string | undefined> {
  try {
    if (!(await stat(cwd)).isDirectory()) return 'is not a directory';
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : 'cannot be entered (permission denied)';
  }
  try {
    await access(cwd, constants.X_OK);
  } catch {
    return 'cannot be entered (permission denied)';
  }
  return undefined;
}
