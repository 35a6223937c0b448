// The CLI's command names, known before the bundle is loaded: launch.ts keeps one code cache per command.
// main.ts registers exactly these (command-names.test.ts checks).
export const COMMAND_NAMES: readonly string[] = ['validate', 'run', 'resume', 'rerun', 'cancel', 'runs', 'show', 'vars', 'logs', 'graph', 'prune'];
