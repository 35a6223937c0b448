// Which schema table governs the keys under a TOML path: the one mapping from
// document structure to runner/model/schema that completion and hover share.
import { DEFAULTS_KEYS, TASK_KEYS, TOP_KEYS, VAR_KEYS, type KeyTable } from '../../runner/model/schema';

/** The keys allowed directly under `path`; undefined where the user names the keys (env tables, [tasks], [vars]). */
export function keyTable(path: readonly string[]): KeyTable | undefined {
  if (path.length === 0) return TOP_KEYS;
  if (path.length === 1 && path[0] === 'defaults') return DEFAULTS_KEYS;
  if (path.length === 2 && path[0] === 'vars') return VAR_KEYS;
  if (path.length === 2 && path[0] === 'tasks') return TASK_KEYS;
  return undefined;
}
