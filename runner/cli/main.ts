// The `cairn` command line. commander parses arguments and writes help; each
// command lives in its own module and returns an exit code.
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes';
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
    .action((files: string[], opts: { json?: boolean }) => {
      setExit(validateFiles(files, opts.json === true, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }));
    });

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

if (require.main === module) {
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
