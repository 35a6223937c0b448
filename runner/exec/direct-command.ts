// Runs plain commands without a shell, as GNU make does: `node build.js`
// or `true` need no bash, and bash's start-up is the largest cost of a
// small task after the fork. Anything with shell syntax, or whose first
// word is not an executable file, still goes through the shell, so every
// error, exit code and expansion stays the shell's.
import { closeSync, openSync, readSync, statSync, accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { tooLongForArgv } from './shell';

/** Words made only of characters no shell treats specially, separated by spaces. */
const PLAIN = /^[A-Za-z0-9_\-.,/:@%+=]+(?: +[A-Za-z0-9_\-.,/:@%+=]+)*$/;

/**
 * Bash builtins and keywords whose meaning differs from any program of the
 * same name (or that have none): `cd`, `exit`, `export`, `pwd` (logical vs
 * physical path), `kill` (job specs), `time`, …. A safe few that behave the
 * same as their programs (true, false, test, [, echo, printf) are not listed.
 */
const SHELL_WORDS = new Set(
  ('alias bg bind break builtin caller case cd command compgen complete compopt continue coproc declare dirs disown do done ' +
    'elif else enable esac eval exec exit export fc fg fi for function getopts hash help history if in jobs kill let local ' +
    'logout mapfile popd pushd pwd read readarray readonly return select set shift shopt source suspend then time times ' +
    'trap type typeset ulimit umask unalias unset until wait while').split(' '),
);

const executableCache = new Map<string, boolean>();

/** A file exec() can start: executable, and an ELF binary or a `#!` script (not a shebang-less script bash would run). */
function isDirectlyExecutable(file: string): boolean {
  let known = executableCache.get(file);
  if (known !== undefined) return known;
  known = false;
  try {
    if (statSync(file).isFile()) {
      accessSync(file, constants.X_OK);
      const fd = openSync(file, 'r');
      try {
        const head = Buffer.alloc(4);
        const n = readSync(fd, head, 0, 4, 0);
        known = (n >= 2 && head[0] === 0x23 && head[1] === 0x21) || (n === 4 && head.toString('latin1') === '\x7fELF');
      } finally {
        closeSync(fd);
      }
    }
  } catch {
    known = false;
  }
  // Programs on PATH rarely change during a run; scripts in the workspace may, so only absolute PATH hits are kept.
  executableCache.set(file, known);
  return known;
}

/** The argv to exec without a shell, or undefined when the command needs one. */
export function directArgv(command: string, cwd: string, searchPath: string): string[] | undefined {
  const text = command.trim();
  if (tooLongForArgv(text) || !PLAIN.test(text)) return undefined;
  const words = text.split(/ +/);
  const first = words[0]!;
  if (first.includes('=') || SHELL_WORDS.has(first)) return undefined; // `FOO=1 cmd` is an assignment
  let file: string | undefined;
  if (first.includes('/')) {
    const abs = resolve(cwd, first);
    if (isDirectlyExecutable(abs)) file = abs;
    executableCache.delete(abs); // a workspace script may change before the next task
  } else {
    for (const dir of searchPath.split(delimiter)) {
      if (!isAbsolute(dir)) continue;
      const candidate = join(dir, first);
      if (isDirectlyExecutable(candidate)) {
        file = candidate;
        break;
      }
    }
  }
  return file === undefined ? undefined : [file, ...words.slice(1)];
}
