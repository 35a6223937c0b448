// A run's variables in memory. Secrets live only here (never in events or
// the store); everything else is also recorded as var-set events, and the
// latest event for a name wins.
import { maskSecrets, SecretMatcher } from '../exec/secret-masker';
import type { Workflow } from '../model/workflow';
import { VAR_NAME } from '../model/schema';
import type { RunState, VarSnapshot } from '../store/run-state';
import { closest } from '../validate/suggest';
import { MASK, type NewRunEvent, type VarSource } from './events';
import { RefusedError } from './load-workflow';

export interface VarValue {
  readonly value: string;
  readonly secret: boolean;
  readonly source: VarSource;
  readonly task?: string;
  readonly attempt?: number;
}

export class VarScope {
  private readonly values = new Map<string, VarValue>();
  /** Names declared secret in the workflow: a task may not un-secret them by registering. */
  private readonly secretNames = new Set<string>();

  static of(wf: Workflow): VarScope {
    const s = new VarScope();
    for (const v of wf.vars.values()) if (v.secret) s.secretNames.add(v.name);
    return s;
  }

  set(name: string, v: Omit<VarValue, 'secret'> & { secret?: boolean }): VarValue {
    const value: VarValue = { ...v, secret: v.secret === true || this.secretNames.has(name) };
    this.values.set(name, value);
    return value;
  }

  get(name: string): string | undefined {
    return this.values.get(name)?.value;
  }

  entries(): [string, VarValue][] {
    return [...this.values];
  }

  /** Values to mask in logs and events, longest first so a secret containing another is masked whole. */
  secrets(): string[] {
    return [...this.values.values()].filter((v) => v.secret && v.value !== '').map((v) => v.value).sort((a, b) => b.length - a.length);
  }

  /** `CAIRN_VAR_<name>` for every variable (secrets included: the task needs them). */
  toEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of this.values) env[`CAIRN_VAR_${k}`] = v.value;
    return env;
  }

  /** For display: secrets as ***. */
  shown(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : v.secret ? MASK : v.value;
  }

  clone(): VarScope {
    const c = new VarScope();
    for (const n of this.secretNames) c.secretNames.add(n);
    for (const [k, v] of this.values) c.values.set(k, v);
    return c;
  }
}

/**
 * A var-set event for a value. A secret's value is never recorded, and
 * secrets inside another value (a task that echoed a token into what it
 * registered) are masked in the record; the task's own value stays whole.
 */
export function varEvent(name: string, v: VarValue, secrets: readonly string[] = []): NewRunEvent {
  return {
    type: 'var-set',
    name,
    value: v.secret ? null : maskSecrets(v.value, SecretMatcher.create(secrets)),
    secret: v.secret,
    source: v.source,
    ...(v.task !== undefined ? { task: v.task } : {}),
    ...(v.attempt !== undefined ? { attempt: v.attempt } : {}),
  };
}

/** Parses `--var name=value` arguments (the value may be empty or contain `=`). */
export function parseVarArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new RefusedError(`--var ${a}: write --var name=value`);
    const name = a.slice(0, eq);
    if (!VAR_NAME.test(name)) throw new RefusedError(`--var ${a}: "${name}" is not a variable name (letters, digits and _, not starting with a digit)`);
    out[name] = a.slice(eq + 1);
  }
  return out;
}

export interface BaseVars {
  readonly scope: VarScope;
  readonly events: NewRunEvent[];
  /** Notes for the user (e.g. a --var naming nothing the workflow knows). */
  readonly notes: string[];
}

/**
 * Variables before any task runs: [vars] defaults, then env sources, then
 * --var values. A secret may come only from its env variable or --var.
 * `cli` holds every --var in force (original run's, then overrides).
 */
export function baseVars(wf: Workflow, cli: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>): BaseVars {
  const scope = VarScope.of(wf);
  const events: NewRunEvent[] = [];
  const notes: string[] = [];
  const missing: string[] = [];
  for (const decl of wf.vars.values()) {
    // Own keys only: a variable named like an Object.prototype member (toString) is not given by inheritance.
    const fromCli = Object.hasOwn(cli, decl.name) ? cli[decl.name] : undefined;
    const fromEnv = decl.env !== undefined ? env[decl.env] : undefined;
    let v: VarValue | undefined;
    if (fromCli !== undefined && !(decl.secret && fromCli === MASK)) v = { value: fromCli, secret: decl.secret, source: 'cli' };
    else if (fromEnv !== undefined) v = { value: fromEnv, secret: decl.secret, source: 'env' };
    else if (decl.default !== undefined) v = { value: decl.default, secret: decl.secret, source: 'default' };
    if (!v) {
      missing.push(decl.secret ? secretHint(decl.name, decl.env) : `variable "${decl.name}" has no value: pass --var ${decl.name}=…${decl.env ? ` or set ${decl.env}` : ''}`);
      continue;
    }
    events.push(varEvent(decl.name, scope.set(decl.name, v)));
  }
  if (missing.length > 0) throw new RefusedError(missing[0]!, missing.slice(1));
  const registered = new Set<string>();
  for (const t of wf.tasks.values()) {
    if (t.register) registered.add(t.register.value);
    for (const o of t.outputs) registered.add(o.value);
  }
  for (const [name, value] of Object.entries(cli)) {
    if (wf.vars.has(name)) continue;
    if (!registered.has(name)) {
      const s = closest(name, [...wf.vars.keys(), ...registered]);
      notes.push(`--var ${name}: the workflow neither declares nor sets "${name}"${s ? `; did you mean "${s}"?` : ''} (passed to tasks anyway)`);
    }
    events.push(varEvent(name, scope.set(name, { value, source: 'cli' })));
  }
  return { scope, events, notes };
}

function secretHint(name: string, envName: string | undefined): string {
  return `secret variable "${name}" has no value (secrets are never stored): ${envName ? `set ${envName} or ` : ''}pass --var ${name}=…`;
}

/** Task-set and override snapshots of a run, in the order they were recorded. */
function recordedSnapshots(state: RunState, exclude: (s: VarSnapshot) => boolean = () => false): VarSnapshot[] {
  return state.vars.filter((s) => (s.source === 'register' || s.source === 'output' || s.source === 'override' || s.source === 'editor') && !exclude(s));
}

/**
 * Applies recorded snapshots over a base scope. A recorded secret (value
 * null) cannot be restored: it must come again from its env source or --var,
 * which the base already tried; if the base has no value for it, refuse.
 */
function applySnapshots(scope: VarScope, snapshots: readonly VarSnapshot[]): void {
  for (const s of snapshots) {
    if (s.value === null) {
      if (scope.get(s.name) === undefined) throw new RefusedError(`secret variable "${s.name}" was set by ${s.task ? `task "${s.task}"` : 'an override'} and secrets are never stored: pass --var ${s.name}=… again`);
      continue;
    }
    scope.set(s.name, { value: s.value, source: s.source, ...(s.task !== undefined ? { task: s.task } : {}), ...(s.attempt !== undefined ? { attempt: s.attempt } : {}) });
  }
}

/**
 * A run's variables as a resume, re-run or staleness check sees them: the
 * run's --var values (plus `secretsNow`: secrets given again, which are never
 * stored), then what tasks and overrides recorded, except what `exclude` drops.
 */
export function restoreVars(
  wf: Workflow,
  state: RunState,
  env: Readonly<Record<string, string | undefined>>,
  opts: { secretsNow?: Readonly<Record<string, string>>; exclude?: (s: VarSnapshot) => boolean } = {},
): VarScope {
  const base = baseVars(wf, { ...state.cliVars, ...opts.secretsNow }, env);
  applySnapshots(base.scope, recordedSnapshots(state, opts.exclude));
  return base.scope;
}
