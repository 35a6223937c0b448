// Loads sql.js once per process, lazily: compiling its WASM costs ~15 ms in
// process (and ~100 ms more at exit of a short process), so commands that
// never touch run.db never pay it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';

export type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
export type SqlDatabase = InstanceType<SqlJs['Database']>;

let loading: Promise<SqlJs> | undefined;

/** Bundles ship sql-wasm.wasm next to themselves (dist/); unbundled (tests, from runner/store/) it is in node_modules. */
function wasmPath(): string {
  const beside = path.join(__dirname, 'sql-wasm.wasm');
  if (fs.existsSync(beside)) return beside;
  return path.join(__dirname, '..', '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm');
}

export function loadSqlJs(): Promise<SqlJs> {
  loading ??= (async () => {
    const wasm = await fs.promises.readFile(wasmPath());
    return initSqlJs({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) });
  })();
  return loading;
}
