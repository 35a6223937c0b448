// Where a workflow's runs go (SPEC §4), one rule for every process that asks: the language server's runs, the
// debugger's, the editor's launch configurations and its hovers. A folder's store is `.cairn` in it, or as
// $CAIRN_STORE says (absolute: that folder; relative: under each folder). A file's store is its workspace
// folder's; outside every folder, the nearest store above it, else a new one beside it. Paths only, and
// existsSync: light enough for the extension host.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

function storeName(env: Env): string {
  const given = env['CAIRN_STORE'];
  return given !== undefined && given.length > 0 ? given : '.cairn';
}

/** The store a folder's runs go to (it may not exist yet). */
export function storeIn(dir: string, env: Env): string {
  return path.resolve(dir, storeName(env));
}

/**
 * The store serving a file when one exists: an absolute $CAIRN_STORE, else the nearest folder above the file
 * holding a store (one with `runs/`). The CLI resolves a relative $CAIRN_STORE against the folder it ran from,
 * which nobody else can know: the nearest one upward is the best guess, as it is for `.cairn`.
 */
export function nearestStore(file: string, env: Env): string | undefined {
  const name = storeName(env);
  if (path.isAbsolute(name)) return path.resolve(name);
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const candidate = path.resolve(dir, name);
    if (fs.existsSync(path.join(candidate, 'runs'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Where a file's runs go: the store of the (innermost) workspace folder holding it, else nearestStore, else beside it. */
export function storeOfFile(file: string, folders: readonly string[], env: Env): string {
  const folder = folders.filter((f) => isInside(file, f)).sort((a, b) => b.length - a.length)[0];
  if (folder !== undefined) return storeIn(folder, env);
  return nearestStore(file, env) ?? storeIn(path.dirname(file), env);
}

function isInside(file: string, folder: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
