// The keys a workflow may use, per table, with their value kinds and one-line
// docs. The parser checks against it; completion and hover will read it too.

export type ValueKind =
  | 'string'
  | 'string-array'
  | 'duration'
  | 'integer'
  | 'boolean'
  | 'scalar' // string, number or boolean, kept as a string
  | 'env-table' // table of scalars
  | 'table';

export interface KeySpec {
  readonly kind: ValueKind;
  readonly doc: string;
}

export type KeyTable = Readonly<Record<string, KeySpec>>;

export const TOP_KEYS: KeyTable = {
  name: { kind: 'string', doc: 'Workflow name shown in runs (default: the file name without .cairn.toml).' },
  description: { kind: 'string', doc: 'What this workflow does.' },
  vars: { kind: 'table', doc: 'Run variables: `name = "default"` or `name = { default, env, secret, description }`; `--var name=value` overrides.' },
  defaults: { kind: 'table', doc: 'Settings applied to every task unless the task sets its own.' },
  tasks: { kind: 'table', doc: 'The tasks: `[tasks.<id>]` tables.' },
};

export const VAR_KEYS: KeyTable = {
  default: { kind: 'scalar', doc: 'Value used when neither --var nor the env variable gives one.' },
  env: { kind: 'string', doc: 'Environment variable the value is read from when the run starts.' },
  secret: { kind: 'boolean', doc: 'Mask the value as *** in logs, events and the UI, and never store it.' },
  description: { kind: 'string', doc: 'What the variable is for (shown in prompts and hovers).' },
};

const SHARED_TASK_KEYS: KeyTable = {
  timeout: { kind: 'duration', doc: 'Kill the task (its whole process group) after this long: 500ms, 30s, 10m, 1h.' },
  retries: { kind: 'integer', doc: 'How many times to retry a failed attempt (>= 0).' },
  retry_delay: { kind: 'duration', doc: 'Wait before the first retry; doubles on each further retry.' },
  shell: { kind: 'string', doc: 'Shell that runs `run` (default: bash if present, else sh).' },
  env: { kind: 'env-table', doc: 'Environment variables; values may use {{ .var }} templates.' },
  env_file: { kind: 'string', doc: 'A dotenv file loaded into the environment, relative to the task\'s dir.' },
  dir: { kind: 'string', doc: 'Working directory, relative to the workflow file\'s folder.' },
};

export const DEFAULTS_KEYS: KeyTable = SHARED_TASK_KEYS;

export const TASK_KEYS: KeyTable = {
  run: { kind: 'string', doc: 'Shell command(s) to run; {{ .var }} templates are expanded first.' },
  deps: { kind: 'string-array', doc: 'Tasks that must succeed before this one starts.' },
  register: { kind: 'string', doc: 'Variable that receives the task\'s trimmed stdout when it succeeds.' },
  outputs: { kind: 'string-array', doc: 'Variables this task sets by writing `name=value` lines to $CAIRN_OUTPUT.' },
  ...SHARED_TASK_KEYS,
  inputs: { kind: 'string-array', doc: 'Globs (relative to dir) whose contents decide whether a succeeded task is stale.' },
  description: { kind: 'string', doc: 'What this task does.' },
  type: { kind: 'string', doc: '"task" (default) or "forensic": runs only when its target fails.' },
  target: { kind: 'string', doc: 'For a forensic task: the task whose failure it diagnoses.' },
  if: { kind: 'string', doc: 'Condition, e.g. "env == \'prod\'": when false the task is skipped and its dependents proceed.' },
};

export const TASK_TYPES = ['task', 'forensic'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_ID = /^[A-Za-z0-9_-]+$/;
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
