// Names the build of the engine that runs, for the cache of checked workflow models (model-cache.ts): a
// model is only reused by the validator that checked it, and a newer Cairn may refuse what an older one took.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Set by esbuild.mjs in the bundles it ships: a hash of the runner's sources, so nothing is read at run time. */
declare const CAIRN_BUILD: string | undefined;

let computed: string | null | undefined;

/**
 * This build's name. Without the one the build set: a hash of the code that runs, the bundle itself (a watch
 * build, whose name would have to change at every rebuild) or, from sources (tests under tsx), of the runner's
 * sources, read once. Undefined when that code cannot be read: then no model is cached.
 */
export function buildId(): string | undefined {
  if (typeof CAIRN_BUILD === 'string') return CAIRN_BUILD;
  if (computed === undefined) computed = hashOwnCode() ?? null;
  return computed ?? undefined;
}

function hashOwnCode(): string | undefined {
  try {
    const hash = createHash('sha256');
    if (__filename.endsWith('.js')) {
      hash.update(fs.readFileSync(__filename));
    } else {
      const runner = path.join(__dirname, '..');
      const files = fs.readdirSync(runner, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
      for (const f of files) hash.update(`${f}\0`).update(fs.readFileSync(path.join(runner, f))).update('\0');
    }
    return hash.digest('hex').slice(0, 16);
  } catch {
    return undefined;
  }
}
