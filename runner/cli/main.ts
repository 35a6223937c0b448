// The `cairn` command line. commander parses arguments and writes help; each
// command lives in its own module and returns an exit code.
import { Command, CommanderError } from 'commander';
import { collectVar, processIo } from './command-context';
import { cancelCommand, rerunCommand, resumeCommand, runCommand, type DriveFlags, type ResumeFlags, type RerunFlags } from './drive-commands';
import { EXIT } from './exit-codes';
import { graphCommand } from './graph-command';
import { logsCommand, runsCommand, showCommand, varsCommand } from './inspect-commands';
import { pruneCommand } from './prune-command';
import { validateFiles } from './validate-command';

declare const CAIRN_VERSION: string | undefined;
const version = typeof CAIRN_VERSION === 'string' ? CAIRN_VERSION : '0.0.0-dev';

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('cairn')
    .description('Resumable local workflows: validate, run, resume and re-run *.cairn.toml pipelines.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run cairn --help for usage)')
    .exitOverride();

  program
    .command('validate')
    .description('check workflow files; exit 0 when clean (warnings allowed), 2 on any error')
    .argument('<file...>', 'workflow files (*.cairn.toml)')
    .option('--json', 'print one JSON array of {file, severity, message, range, code}')
    .action(async (files: string[], opts: { json?: boolean }) => {
      setExit(await validateFiles(files, opts.json === true, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }));
    });

  const storeOpt = ['--store <dir>', 'the run store (default: .cairn in the current folder, or $CAIRN_STORE)'] as const;
  const varOpt = ['--var <name=value>', 'set a variable (repeatable)', collectVar, [] as string[]] as const;
  const io = processIo;

  program
    .command('run')
    .description('run a workflow; exit 0 on success, 1 when it failed or was cancelled, 130 on Ctrl-C (resumable)')
    .argument('<file>', 'workflow file')
    .option(...varOpt)
    .option('--parallel <n>', 'tasks at once (default: CPU count)')
    .option('--mode <mode>', 'eager (default: a task starts when its deps succeed) or levels')
    .option('--json', 'print the final run document (as cairn show --json) instead of progress')
    .option(...storeOpt)
    .action(async (file: string, flags: DriveFlags) => setExit(await runCommand(io(), file, flags)));

  program
    .command('resume')
    .description('continue a failed, cancelled or interrupted run from the point of failure')
    .argument('[run]', 'run id, or a unique prefix of it')
    .option('--last', 'the newest run')
    .option('--auto', 'every interrupted run in the store')
    .option(...varOpt)
    .option('--dry-run', 'print what would be kept, re-run and stale; change nothing')
    .option('--allow-structure-change', 'drop removed tasks and run added ones')
    .option('--rerun-stale', 'also re-run succeeded tasks that are stale, and their descendants')
    .option('--parallel <n>', 'tasks at once (default: as the run had)')
    .option('--mode <mode>', 'eager or levels (default: as the run had)')
    .option('--json', 'print the final run document')
    .option(...storeOpt)
    .action(async (run: string | undefined, flags: ResumeFlags) => setExit(await resumeCommand(io(), run, flags)));

  program
    .command('rerun')
    .description("run one task again with the file's current content, as a new attempt in the same run")
    .argument('<run>', 'run id, or a unique prefix of it')
    .requiredOption('--task <task>', 'the task to run again')
    .option('--downstream', 'then run its descendants again too')
    .option('--json', 'print the final run document')
    .option(...storeOpt)
    .action(async (run: string, flags: RerunFlags) => setExit(await rerunCommand(io(), run, flags)));

  program
    .command('cancel')
    .description('stop a running run (it stays resumable)')
    .argument('<run>', 'run id, or a unique prefix of it')
    .option(...storeOpt)
    .action(async (run: string, flags: { store?: string }) => setExit(await cancelCommand(io(), run, flags)));

  program
    .command('runs')
    .description('list the runs in the store, newest first')
    .option('--status <status>', 'only runs with this status')
    .option('--json', 'print a JSON array')
    .option(...storeOpt)
    .action(async (flags: { status?: string; json?: boolean; store?: string }) => setExit(await runsCommand(io(), flags)));

  program
    .command('show')
    .description("a run's tasks, attempts, statuses and variables")
    .argument('<run>', 'run id, a unique prefix, or "last"')
    .option('--json', 'print the run document')
    .option(...storeOpt)
    .action(async (run: string, flags: { json?: boolean; store?: string }) => setExit(await showCommand(io(), run, flags)));

  program
    .command('vars')
    .description("a run's variables (secrets as ***)")
    .argument('<run>', 'run id or a unique prefix')
    .option('--task <task>', 'only what this task set')
    .option('--history', 'every snapshot, not only the latest value')
    .option('--json', 'print JSON')
    .option(...storeOpt)
    .action(async (run: string, flags: { task?: string; history?: boolean; json?: boolean; store?: string }) => setExit(await varsCommand(io(), run, flags)));

  program
    .command('logs')
    .description("print a task's log (its latest attempt unless --attempt)")
    .argument('<run>', 'run id or a unique prefix')
    .argument('<task>', 'task id')
    .option('--attempt <n>', 'which attempt')
    .option(...storeOpt)
    .action(async (run: string, task: string, flags: { attempt?: string; store?: string }) => setExit(await logsCommand(io(), run, task, flags)));

  program
    .command('graph')
    .description('print the workflow\'s DAG for docs and reviews')
    .argument('<file>', 'workflow file')
    .option('--format <format>', 'dot (default) or mermaid')
    .action(async (file: string, flags: { format?: string }) => setExit(await graphCommand(io(), file, flags)));

  program
    .command('prune')
    .description('remove old runs (never a running one, nor the latest run of a workflow)')
    .option('--keep <n>', 'newest runs to keep per workflow (default 10)')
    .option('--older-than <age>', 'only runs older than this, e.g. 30d, 12h')
    .option('--dry-run', 'list what would be removed; change nothing')
    .option('--json', 'print the removed runs as JSON')
    .option(...storeOpt)
    .action(async (flags: { keep?: string; olderThan?: string; dryRun?: boolean; json?: boolean; store?: string }) => setExit(await pruneCommand(io(), flags)));

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version exit 0; every other parse failure is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`cairn: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.usage;
  }
  return code;
}

/** `cairn show … | head`: a reader that went away is not an error worth a stack trace. */
export function exitQuietlyOnEpipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

if (require.main === module) {
  exitQuietlyOnEpipe();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`cairn: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
