// Turns a task of the model into what one attempt runs: [defaults] merged,
// templates rendered with the run's variables, the environment assembled,
// and the fingerprint that later tells whether a success went stale.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { maskSecrets, SecretMatcher } from '../exec/secret-masker';
import { parseTemplate, renderTemplate } from '../model/template';
import type { SourceString, Task, Workflow } from '../model/workflow';
import { latestAttempt, type RunState } from '../store/run-state';
import { MASK, type Fingerprint } from './events';
import type { LoadedWorkflow } from './load-workflow';
import type { VarScope } from './run-vars';

export interface TaskSettingsResolved {
  readonly timeoutMs?: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly shell?: string;
}

export interface PreparedTask {
  readonly id: string;
  /** Rendered, with secrets. */
  readonly command: string;
  /** Rendered, secrets as ***: what events and the UI show. */
  readonly shownCommand: string;
  readonly dir: string;
  /** The environment the workflow gives the task (env_file, env), before CAIRN_* and the inherited one. */
  readonly ownEnv: Readonly<Record<string, string>>;
  readonly settings: TaskSettingsResolved;
  readonly fingerprint: Fingerprint;
  readonly matcher: SecretMatcher | undefined;
}

export type PrepareResult = { readonly ok: true; readonly task: PreparedTask } | { readonly ok: false; readonly reason: 'template' | 'spawn'; readonly message: string };

const DEFAULT_RETRY_DELAY_MS = 1000;

export function resolveSettings(wf: Workflow, task: Task): TaskSettingsResolved {
  const d = wf.defaults;
  const timeoutMs = task.timeoutMs ?? d.timeoutMs;
  const shell = task.shell?.value ?? d.shell?.value;
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    retries: task.retries ?? d.retries ?? 0,
    retryDelayMs: task.retryDelayMs ?? d.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    ...(shell !== undefined ? { shell } : {}),
  };
}

type Rendered = { ok: true; text: string } | { ok: false; message: string };

function render(s: SourceString, vars: VarScope, where: string): Rendered {
  const r = renderTemplate(parseTemplate(s.value), (n) => vars.get(n));
  return r.ok ? { ok: true, text: r.text } : { ok: false, message: `variable "${r.missing}" in ${where} is not set (no task upstream set it, and it has no default)` };
}

/** Prepares one attempt of `task` with the variables as they are now. Never throws for the task's own faults. */
export async function prepareTask(wf: Workflow, task: Task, vars: VarScope, workflowDir: string): Promise<PrepareResult> {
  const settings = resolveSettings(wf, task);
  const matcher = SecretMatcher.create(vars.secrets());
  const mask = (t: string): string => maskSecrets(t, matcher);

  const run = render(task.run!, vars, `the run command of "${task.id}"`);
  if (!run.ok) return { ok: false, reason: 'template', message: run.message };

  const dirSource = task.dir ?? wf.defaults.dir;
  let dir = workflowDir;
  if (dirSource) {
    const r = render(dirSource, vars, `"dir" of "${task.id}"`);
    if (!r.ok) return { ok: false, reason: 'template', message: r.message };
    dir = path.resolve(workflowDir, r.text);
  }

  // Precedence, low to high: defaults env_file, defaults env, task env_file, task env.
  const ownEnv: Record<string, string> = {};
  const layers: [SourceString | undefined, ReadonlyMap<string, SourceString>, string][] = [
    [wf.defaults.envFile, wf.defaults.env, path.resolve(workflowDir, wf.defaults.dir?.value ?? '.')],
    [task.envFile, task.env, dir],
  ];
  for (const [envFile, env, base] of layers) {
    if (envFile) {
      const file = path.resolve(base, envFile.value);
      try {
        Object.assign(ownEnv, parseDotenv(await fs.promises.readFile(file)));
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`;
        return { ok: false, reason: 'spawn', message: `env_file ${path.relative(workflowDir, file) || file} ${why}` };
      }
    }
    for (const [k, v] of env) {
      const r = render(v, vars, `env ${k} of "${task.id}"`);
      if (!r.ok) return { ok: false, reason: 'template', message: r.message };
      ownEnv[k] = r.text;
    }
  }

  const usedVars: Record<string, string> = {};
  for (const u of [...wf.defaults.uses, ...task.uses]) {
    const shown = vars.shown(u.name);
    if (shown !== undefined) usedVars[u.name] = shown;
  }
  const maskedEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(ownEnv)) maskedEnv[k] = mask(v);
  const shownCommand = mask(run.text);
  const fingerprint: Fingerprint = {
    command: compared(shownCommand),
    template: compared(task.run!.value),
    dir,
    shell: settings.shell ?? '',
    env: maskedEnv,
    vars: usedVars,
    inputs: await hashInputs(task.inputs.map((i) => i.value), dir),
  };
  return { ok: true, task: { id: task.id, command: run.text, shownCommand, dir, ownEnv, settings, fingerprint, matcher } };
}

/** sha256 (16 hex) of every file the globs match, by path relative to `dir`. */
export async function hashInputs(patterns: readonly string[], dir: string): Promise<Record<string, string>> {
  if (patterns.length === 0) return {};
  let files: string[];
  try {
    // Loaded on first use: tinyglobby's fdir looks for picomatch in node_modules as it loads (~5 ms of every
    // start-up), and most tasks have no `inputs`.
    const { glob } = await import('tinyglobby');
    files = await glob([...patterns], { cwd: dir, onlyFiles: true, dot: true, expandDirectories: false });
  } catch {
    return {};
  }
  files.sort();
  const out: Record<string, string> = {};
  for (const f of files) {
    try {
      out[f] = await hashFile(path.join(dir, f));
    } catch {
      // Vanished between the glob and the read: it simply is not an input now.
    }
  }
  return out;
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex').slice(0, 16)));
  });
}

/**
 * What a fingerprint keeps of a command: the text itself, or past 4 KB its sha256. The attempt-started event
 * already holds the rendered command whole; only equality matters here, and a 1 MB generated script would
 * otherwise be journaled three times per attempt. Applied again when comparing, so fingerprints recorded
 * whole (before this) compare equal to hashed ones.
 */
export function compared(text: string): string {
  return text.length <= 4096 ? text : `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function sameVars(a: Fingerprint, b: Fingerprint): boolean {
  const keys = new Set([...Object.keys(a.vars), ...Object.keys(b.vars)]);
  for (const k of keys) if (a.vars[k] !== b.vars[k]) return false;
  return true;
}

/** Why a succeeded attempt is stale now: empty when it is not. */
export function staleReasons(then: Fingerprint, now: Fingerprint): string[] {
  const reasons: string[] = [];
  // A rendered command that differs only through its variables is reported as those variables.
  if (compared(then.template) !== compared(now.template) || (compared(then.command) !== compared(now.command) && sameVars(then, now))) reasons.push('command changed');
  if (then.dir !== now.dir) reasons.push('dir changed');
  if (then.shell !== now.shell) reasons.push('shell changed');
  for (const k of new Set([...Object.keys(then.env), ...Object.keys(now.env)])) {
    if (then.env[k] !== now.env[k]) reasons.push(`env ${k} ${k in now.env ? (k in then.env ? 'changed' : 'added') : 'removed'}`);
  }
  for (const k of new Set([...Object.keys(then.vars), ...Object.keys(now.vars)])) {
    if (then.vars[k] !== now.vars[k] && !(then.vars[k] === MASK && now.vars[k] === MASK)) reasons.push(`variable ${k} changed`);
  }
  for (const f of new Set([...Object.keys(then.inputs), ...Object.keys(now.inputs)])) {
    if (then.inputs[f] === now.inputs[f]) continue;
    reasons.push(`${f} ${f in now.inputs ? (f in then.inputs ? 'changed' : 'added') : 'removed'}`);
  }
  return reasons;
}

/**
 * Why each succeeded task of a run is stale against what `loaded` would run
 * now with `vars` (SPEC §3.6); tasks that are not stale map to [].
 */
export async function staleTasks(loaded: LoadedWorkflow, state: RunState, vars: VarScope): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const dir = path.dirname(loaded.file);
  for (const t of loaded.workflow.tasks.values()) {
    const ts = state.tasks.get(t.id);
    const last = ts && latestAttempt(ts);
    if (!ts || ts.status !== 'success' || !last) continue;
    const prep = await prepareTask(loaded.workflow, t, vars, dir);
    out.set(t.id, prep.ok ? staleReasons(last.fingerprint, prep.task.fingerprint) : [prep.message]);
  }
  return out;
}
