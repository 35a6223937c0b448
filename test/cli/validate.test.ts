// Process-level tests of `cairn validate`: they spawn the built CLI (bin →
// dist bundle) in temp folders, as a user or CI would, and check stdout,
// stderr and the exit code against the contract (SPEC sections 1.1 and 5).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..');
const cliBin = path.resolve(__dirname, '../../bin/cairn.js');
const cliBundle = path.join(repoRoot, 'dist/cli.js');

interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunOptions {
  readonly cwd: string;
  /** Run as this uid/gid via setpriv (root cannot be denied a read). */
  readonly asUid?: number;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The suite runs under tsx's loader; the CLI under test must stand on its
  // own bundle, and its output must not depend on the caller's colour setting.
  delete env.NODE_OPTIONS;
  delete env.FORCE_COLOR;
  env.NO_COLOR = '1';
  return env;
}

function runCli(args: readonly string[], opts: RunOptions): Promise<CliResult> {
  const nodeArgv = [cliBin, ...args];
  const command = opts.asUid === undefined ? process.execPath : 'setpriv';
  const argv =
    opts.asUid === undefined
      ? nodeArgv
      : [`--reuid=${opts.asUid}`, `--regid=${opts.asUid}`, '--clear-groups', process.execPath, ...nodeArgv];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: opts.cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (command === 'setpriv' && e.code === 'ENOENT') {
        reject(new Error('setpriv (util-linux) is required to test "permission denied" when running as root; install util-linux'));
      } else reject(e);
    });
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** A readable account of a CLI call, for assertion messages. */
function show(args: readonly string[], r: CliResult): string {
  return `cairn ${args.join(' ')}\n  exit: ${r.code} ${r.signal ?? ''}\n  stdout: ${JSON.stringify(r.stdout)}\n  stderr: ${JSON.stringify(r.stderr)}`;
}

interface HumanLine {
  readonly path: string;
  readonly line: number;
  readonly col: number;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

const HUMAN_LINE = /^(.+):(\d+):(\d+): (error|warning): (.+)$/;

/** Every stdout line must be one diagnostic; nothing else goes to stdout. */
function parseHuman(r: CliResult, args: readonly string[]): HumanLine[] {
  if (r.stdout === '') return [];
  assert.ok(r.stdout.endsWith('\n'), `stdout should end with a newline\n${show(args, r)}`);
  return r.stdout
    .slice(0, -1)
    .split('\n')
    .map((l) => {
      const m = HUMAN_LINE.exec(l);
      assert.ok(m, `stdout line is not "<path>:<line>:<col>: <severity>: <message>": ${JSON.stringify(l)}\n${show(args, r)}`);
      return {
        path: m[1]!,
        line: Number(m[2]),
        col: Number(m[3]),
        severity: m[4] as 'error' | 'warning',
        message: m[5]!,
      };
    });
}

interface JsonPos {
  readonly line: number;
  readonly col: number;
}

interface JsonDiagnostic {
  readonly file: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly range: { readonly start: JsonPos; readonly end: JsonPos };
  readonly code: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPos(v: unknown, where: string): JsonPos {
  assert.ok(isRecord(v), `${where} should be an object, got ${JSON.stringify(v)}`);
  const { line, col } = v;
  assert.ok(typeof line === 'number' && Number.isInteger(line) && line >= 1, `${where}.line should be an integer >= 1, got ${JSON.stringify(line)}`);
  assert.ok(typeof col === 'number' && Number.isInteger(col) && col >= 1, `${where}.col should be an integer >= 1, got ${JSON.stringify(col)}`);
  return { line, col };
}

/** stdout must be exactly one JSON array of diagnostics, each shaped as the contract says. */
function parseJson(r: CliResult, args: readonly string[]): JsonDiagnostic[] {
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout);
  } catch (e) {
    assert.fail(`stdout is not one JSON document (${String(e)})\n${show(args, r)}`);
  }
  assert.ok(Array.isArray(doc), `stdout should be a JSON array\n${show(args, r)}`);
  return doc.map((d: unknown, i): JsonDiagnostic => {
    const where = `diagnostic[${i}]`;
    assert.ok(isRecord(d), `${where} should be an object: ${JSON.stringify(d)}`);
    const { file, severity, message, range, code } = d;
    assert.ok(typeof file === 'string' && file !== '', `${where}.file should be a non-empty string: ${JSON.stringify(d)}`);
    assert.ok(severity === 'error' || severity === 'warning', `${where}.severity should be error|warning: ${JSON.stringify(d)}`);
    assert.ok(typeof message === 'string' && message.trim() !== '', `${where}.message should be a non-empty string: ${JSON.stringify(d)}`);
    assert.ok(typeof code === 'string' && code !== '', `${where}.code should be a non-empty string: ${JSON.stringify(d)}`);
    assert.notEqual(code, 'internal-error', `${where} is the validator reporting its own bug: ${JSON.stringify(d)}`);
    assert.ok(isRecord(range), `${where}.range should be an object: ${JSON.stringify(d)}`);
    const start = checkPos(range.start, `${where}.range.start`);
    const end = checkPos(range.end, `${where}.range.end`);
    assert.ok(
      end.line > start.line || (end.line === start.line && end.col >= start.col),
      `${where}.range ends before it starts: ${JSON.stringify(range)}`,
    );
    return { file, severity, message, range: { start, end }, code };
  });
}

/** 1-based line:col (UTF-16 columns) of the n-th occurrence of needle. */
function lineColOf(text: string, needle: string, occurrence = 0): JsonPos {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `fixture is missing ${JSON.stringify(needle)}`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

function assertSorted(lines: readonly { line: number; col: number }[], what: string): void {
  for (let i = 1; i < lines.length; i++) {
    const a = lines[i - 1]!;
    const b = lines[i]!;
    assert.ok(a.line < b.line || (a.line === b.line && a.col <= b.col), `${what}: diagnostics not sorted by position at #${i}: ${a.line}:${a.col} then ${b.line}:${b.col}`);
  }
}

const STACK_FRAME = /^\s+at\s.+(:\d+:\d+\)?|\(native\))$/m;

function assertNoStackTrace(r: CliResult, args: readonly string[]): void {
  assert.doesNotMatch(r.stderr, STACK_FRAME, `stderr shows a stack trace\n${show(args, r)}`);
  assert.doesNotMatch(r.stdout, STACK_FRAME, `stdout shows a stack trace\n${show(args, r)}`);
}

/** The summary line on stderr mentions how many errors / warnings / files. */
function assertSummary(r: CliResult, args: readonly string[], counts: { errors: number; warnings: number; files: number }): void {
  assert.notEqual(r.stderr.trim(), '', `expected a summary on stderr\n${show(args, r)}`);
  if (counts.errors > 0) assert.match(r.stderr, new RegExp(`\\b${counts.errors} errors?\\b`), `summary should count ${counts.errors} error(s)\n${show(args, r)}`);
  if (counts.warnings > 0) assert.match(r.stderr, new RegExp(`\\b${counts.warnings} warnings?\\b`), `summary should count ${counts.warnings} warning(s)\n${show(args, r)}`);
  assert.match(r.stderr, new RegExp(`\\b${counts.files}\\b`), `summary should mention the ${counts.files} file(s)\n${show(args, r)}`);
}

// ---------------------------------------------------------------- fixtures

const CLEAN = `name = "clean"
description = "Build then test"

[vars]
env = "staging"

[tasks.build]
run = "make build ENV={{ .env }}"
timeout = "5m"

[tasks.test]
deps = ["build"]
run = "make test"
retries = 2
`;

const MISSPELT = `[tasks.build]
run = "make build"

[tasks.test]
deps = ["biuld"]
run = "make test"
`;

// `version` is registered by a task that `build` does not depend on, so it
// may not be set when build runs: a warning, not an error.
const WARN_ONLY = `[tasks.version]
run = "git describe --tags --always"
register = "version"

[tasks.build]
run = "make build VERSION={{ .version }}"
`;

const SYNTAX_ERROR = `[tasks.build]
run = "make build"
deps = = ["lint"]
`;

// Problems deliberately spread out so that any reporting order other than
// by position shows up.
const MANY_ERRORS = `[tasks.a]
run = "make a"
deps = ["nope"]
timeout = "5 minutes"

[tasks.b]
rnu = "make b"

[tasks.c]
run = "make c"
retries = -1
`;

/** Deterministic junk (xorshift32) so that a failure reproduces. */
function junkBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

// ------------------------------------------------------------------- tests

describe('cairn validate (CLI process)', function () {
  let tmp = '';

  function write(rel: string, text: string | Buffer): string {
    const abs = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
    return abs;
  }

  before(function () {
    assert.ok(fs.existsSync(cliBundle), `${cliBundle} is missing: run npm run build first`);
    assert.ok(fs.existsSync(cliBin), `${cliBin} is missing (package.json "bin")`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-cli-validate-'));
    write('clean.cairn.toml', CLEAN);
    write('clean2.cairn.toml', CLEAN.replace('name = "clean"', 'name = "clean2"'));
    write('clean3.cairn.toml', CLEAN.replace('name = "clean"', 'name = "clean3"'));
    write('x.cairn.toml', MISSPELT);
    write('warn.cairn.toml', WARN_ONLY);
    write('syntax.cairn.toml', SYNTAX_ERROR);
    write('many.cairn.toml', MANY_ERRORS);
    write('z-error.cairn.toml', MISSPELT);
    write('sub/x.cairn.toml', MISSPELT);
    fs.mkdirSync(path.join(tmp, 'elsewhere'));
    fs.mkdirSync(path.join(tmp, 'a-directory.cairn.toml'));
  });

  after(function () {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('clean files', function () {
    it('exits 0 with nothing on stdout and a summary on stderr', async function () {
      const args = ['validate', 'clean.cairn.toml', 'clean2.cairn.toml', 'clean3.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 0, show(args, r));
      assert.equal(r.stdout, '', `a clean run prints no diagnostic lines\n${show(args, r)}`);
      assertSummary(r, args, { errors: 0, warnings: 0, files: 3 });
    });

    it('prints [] with --json', async function () {
      const args = ['validate', '--json', 'clean.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 0, show(args, r));
      assert.equal(r.stdout.trim(), '[]', show(args, r));
      assert.deepEqual(parseJson(r, args), []);
    });
  });

  describe('a misspelt dependency', function () {
    const quote = lineColOf(MISSPELT, '"biuld"');

    it('prints exactly one error line pointing at the opening quote, with a suggestion', async function () {
      const args = ['validate', 'x.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const lines = parseHuman(r, args);
      assert.equal(lines.length, 1, `expected exactly one diagnostic\n${show(args, r)}`);
      const d = lines[0]!;
      assert.equal(d.path, 'x.cairn.toml');
      assert.equal(d.severity, 'error');
      assert.deepEqual({ line: d.line, col: d.col }, quote, `position should be the opening quote of "biuld"\n${show(args, r)}`);
      assert.ok(d.message.includes('did you mean "build"'), `message should suggest "build": ${d.message}`);
      assert.ok(r.stdout.startsWith(`x.cairn.toml:${quote.line}:${quote.col}: error: `), show(args, r));
      assertSummary(r, args, { errors: 1, warnings: 0, files: 1 });
      assertNoStackTrace(r, args);
    });

    it('--json gives the diagnostic field by field, 1-based and end-exclusive', async function () {
      const args = ['validate', '--json', 'x.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const diags = parseJson(r, args);
      assert.equal(diags.length, 1, show(args, r));
      const d = diags[0]!;
      assert.equal(d.file, 'x.cairn.toml');
      assert.equal(d.severity, 'error');
      assert.equal(d.code, 'unknown-dep');
      assert.ok(d.message.includes('did you mean "build"'), `message should suggest "build": ${d.message}`);
      // The range covers the string literal itself, quotes included.
      assert.deepEqual(d.range.start, quote);
      assert.deepEqual(d.range.end, { line: quote.line, col: quote.col + '"biuld"'.length });
    });
  });

  describe('warnings only', function () {
    it('exits 0 and prints the maybe-undefined variable warning', async function () {
      const args = ['validate', 'warn.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 0, `warnings alone must not fail validation\n${show(args, r)}`);
      const lines = parseHuman(r, args);
      assert.equal(lines.length, 1, `expected exactly one warning\n${show(args, r)}`);
      const d = lines[0]!;
      assert.equal(d.path, 'warn.cairn.toml');
      assert.equal(d.severity, 'warning');
      // The warning sits on the template that uses the variable.
      const tpl = lineColOf(WARN_ONLY, '{{ .version }}');
      assert.equal(d.line, tpl.line, show(args, r));
      assert.ok(d.col >= tpl.col && d.col < tpl.col + '{{ .version }}'.length, `column ${d.col} should fall inside {{ .version }} (cols ${tpl.col}…)\n${show(args, r)}`);
      assert.match(d.message, /version/, `message should name the variable: ${d.message}`);
      assertSummary(r, args, { errors: 0, warnings: 1, files: 1 });
    });

    it('--json reports code maybe-undefined-var and exits 0', async function () {
      const args = ['validate', '--json', 'warn.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 0, show(args, r));
      const diags = parseJson(r, args);
      assert.deepEqual(
        diags.map((d) => [d.severity, d.code]),
        [['warning', 'maybe-undefined-var']],
        show(args, r),
      );
    });
  });

  describe('TOML syntax errors', function () {
    it('exit 2 with the position of the error', async function () {
      const args = ['validate', 'syntax.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const lines = parseHuman(r, args);
      assert.ok(lines.length >= 1, show(args, r));
      const d = lines[0]!;
      assert.equal(d.severity, 'error');
      assert.equal(d.line, 3, `the syntax error is on line 3\n${show(args, r)}`);
      assert.ok(d.col >= 6 && d.col <= 'deps = = ["lint"]'.length + 1, `column ${d.col} should be on the stray "="\n${show(args, r)}`);
      assertNoStackTrace(r, args);
    });

    it('--json reports code toml-syntax', async function () {
      const args = ['validate', '--json', 'syntax.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const diags = parseJson(r, args);
      assert.ok(diags.some((d) => d.code === 'toml-syntax' && d.range.start.line === 3), show(args, r));
    });
  });

  describe('several problems in one file', function () {
    it('reports each at its own position, sorted by position', async function () {
      const args = ['validate', '--json', 'many.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const diags = parseJson(r, args);
      assertSorted(diags.map((d) => d.range.start), 'many.cairn.toml --json');
      const at = (code: string): number[] => diags.filter((d) => d.code === code).map((d) => d.range.start.line);
      assert.deepEqual(at('unknown-dep'), [lineColOf(MANY_ERRORS, '"nope"').line], show(args, r));
      assert.deepEqual(at('bad-duration'), [lineColOf(MANY_ERRORS, '"5 minutes"').line], show(args, r));
      assert.deepEqual(at('unknown-key'), [lineColOf(MANY_ERRORS, 'rnu').line], show(args, r));
      assert.deepEqual(at('invalid-value'), [lineColOf(MANY_ERRORS, '-1').line], show(args, r));
      assert.equal(at('missing-run').length, 1, show(args, r));
      const unknownKey = diags.find((d) => d.code === 'unknown-key');
      assert.match(unknownKey?.message ?? '', /did you mean "run"/, show(args, r));
    });

    it('human output is sorted by position too', async function () {
      const args = ['validate', 'many.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const lines = parseHuman(r, args);
      assert.ok(lines.length >= 5, show(args, r));
      assertSorted(lines, 'many.cairn.toml');
    });
  });

  describe('several files', function () {
    it('keeps argument order, groups each file, exits 2 if any has an error', async function () {
      // Not alphabetical, on purpose: the order is the command line's.
      const files = ['z-error.cairn.toml', 'clean.cairn.toml', 'warn.cairn.toml', 'many.cairn.toml'];
      const args = ['validate', ...files];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const lines = parseHuman(r, args);
      const order: string[] = [];
      for (const l of lines) if (order[order.length - 1] !== l.path) order.push(l.path);
      assert.deepEqual(order, ['z-error.cairn.toml', 'warn.cairn.toml', 'many.cairn.toml'], `files out of argument order or interleaved\n${show(args, r)}`);
      for (const f of files) assertSorted(lines.filter((l) => l.path === f), f);
      const errors = lines.filter((l) => l.severity === 'error').length;
      const warnings = lines.filter((l) => l.severity === 'warning').length;
      assertSummary(r, args, { errors, warnings, files: files.length });
    });

    it('exit 0 when the only problems are warnings', async function () {
      const args = ['validate', 'clean.cairn.toml', 'warn.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 0, show(args, r));
      assert.deepEqual(parseHuman(r, args).map((l) => [l.path, l.severity]), [['warn.cairn.toml', 'warning']]);
    });

    it('--json gives one array across files, in argument order', async function () {
      const files = ['warn.cairn.toml', 'no-such.cairn.toml', 'clean.cairn.toml', 'x.cairn.toml'];
      const args = ['validate', '--json', ...files];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const diags = parseJson(r, args);
      assert.deepEqual(
        diags.map((d) => [d.file, d.code]),
        [
          ['warn.cairn.toml', 'maybe-undefined-var'],
          ['no-such.cairn.toml', 'file-unreadable'],
          ['x.cairn.toml', 'unknown-dep'],
        ],
        show(args, r),
      );
    });
  });

  describe('files that cannot be read', function () {
    it('a missing file is an error at 1:1 and the other files are still validated', async function () {
      const args = ['validate', 'missing.cairn.toml', 'warn.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const lines = parseHuman(r, args);
      assert.equal(lines.length, 2, show(args, r));
      const [missing, warn] = [lines[0]!, lines[1]!];
      assert.deepEqual([missing.path, missing.line, missing.col, missing.severity], ['missing.cairn.toml', 1, 1, 'error'], show(args, r));
      assert.match(missing.message, /no such file/i, show(args, r));
      assert.deepEqual([warn.path, warn.severity], ['warn.cairn.toml', 'warning'], show(args, r));
      assertNoStackTrace(r, args);
    });

    it('a missing file in --json has code file-unreadable at 1:1', async function () {
      const args = ['validate', '--json', 'missing.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const diags = parseJson(r, args);
      assert.equal(diags.length, 1, show(args, r));
      const d = diags[0]!;
      assert.deepEqual([d.file, d.severity, d.code], ['missing.cairn.toml', 'error', 'file-unreadable']);
      assert.deepEqual(d.range.start, { line: 1, col: 1 });
      assert.match(d.message, /no such file/i);
    });

    it('a directory is reported as a directory', async function () {
      const args = ['validate', 'a-directory.cairn.toml', 'clean.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const lines = parseHuman(r, args);
      assert.equal(lines.length, 1, show(args, r));
      const d = lines[0]!;
      assert.deepEqual([d.path, d.line, d.col, d.severity], ['a-directory.cairn.toml', 1, 1, 'error'], show(args, r));
      assert.match(d.message, /directory/i, show(args, r));
      assertNoStackTrace(r, args);

      const jargs = ['validate', '--json', 'a-directory.cairn.toml'];
      const j = await runCli(jargs, { cwd: tmp });
      assert.deepEqual(parseJson(j, jargs).map((x) => x.code), ['file-unreadable'], show(jargs, j));
    });

    it('a file without read permission is reported as permission denied', async function () {
      // Root reads through mode 000, so as root the CLI runs as `nobody`: the
      // folder is traversable by all, the file readable by its owner only.
      const dir = path.join(tmp, 'locked');
      fs.mkdirSync(dir);
      fs.chmodSync(tmp, 0o755);
      fs.chmodSync(dir, 0o755);
      const locked = path.join(dir, 'secret.cairn.toml');
      fs.writeFileSync(locked, CLEAN);
      const other = path.join(dir, 'warn.cairn.toml');
      fs.writeFileSync(other, WARN_ONLY);
      fs.chmodSync(other, 0o644);
      const asRoot = process.getuid?.() === 0;
      fs.chmodSync(locked, asRoot ? 0o600 : 0o000);
      const opts: RunOptions = asRoot ? { cwd: dir, asUid: 65534 } : { cwd: dir };

      const args = ['validate', 'secret.cairn.toml', 'warn.cairn.toml'];
      const r = await runCli(args, opts);
      assert.equal(r.code, 2, show(args, r));
      const lines = parseHuman(r, args);
      assert.equal(lines.length, 2, show(args, r));
      const d = lines[0]!;
      assert.deepEqual([d.path, d.line, d.col, d.severity], ['secret.cairn.toml', 1, 1, 'error'], show(args, r));
      assert.match(d.message, /permission denied/i, show(args, r));
      assert.deepEqual([lines[1]!.path, lines[1]!.severity], ['warn.cairn.toml', 'warning'], show(args, r));
      assertNoStackTrace(r, args);

      const jargs = ['validate', '--json', 'secret.cairn.toml'];
      const j = await runCli(jargs, opts);
      assert.equal(j.code, 2, show(jargs, j));
      assert.deepEqual(parseJson(j, jargs).map((x) => x.code), ['file-unreadable'], show(jargs, j));
    });

    it('binary junk gets diagnostics and exit 2, never a stack trace', async function () {
      write('junk.cairn.toml', junkBytes(4096, 0xc0ffee));
      const args = ['validate', 'junk.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const lines = parseHuman(r, args);
      assert.ok(lines.length >= 1, show(args, r));
      assert.ok(lines.every((l) => l.path === 'junk.cairn.toml'), show(args, r));
      assertNoStackTrace(r, args);

      const jargs = ['validate', '--json', 'junk.cairn.toml'];
      const j = await runCli(jargs, { cwd: tmp });
      assert.equal(j.code, 2, show(jargs, j));
      assert.ok(parseJson(j, jargs).some((d) => d.severity === 'error'), show(jargs, j));
      assertNoStackTrace(j, jargs);
    });
  });

  describe('paths', function () {
    it('echoes each path exactly as given: relative, ./relative, ../relative, absolute', async function () {
      const abs = path.join(tmp, 'sub/x.cairn.toml');
      const given = ['sub/x.cairn.toml', './sub/x.cairn.toml', abs];
      const args = ['validate', ...given];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      assert.deepEqual(parseHuman(r, args).map((l) => l.path), given, show(args, r));

      const up = ['validate', '../sub/x.cairn.toml'];
      const u = await runCli(up, { cwd: path.join(tmp, 'elsewhere') });
      assert.deepEqual(parseHuman(u, up).map((l) => l.path), ['../sub/x.cairn.toml'], show(up, u));

      const jargs = ['validate', '--json', abs, 'sub/x.cairn.toml'];
      const j = await runCli(jargs, { cwd: tmp });
      assert.deepEqual(parseJson(j, jargs).map((d) => d.file), [abs, 'sub/x.cairn.toml'], show(jargs, j));
    });
  });

  describe('line endings and byte order marks', function () {
    it('CRLF files and a UTF-8 BOM report the same positions as plain LF files', async function () {
      // Windows editors write both; a position off by one there is useless.
      write('crlf.cairn.toml', MISSPELT.replace(/\n/g, '\r\n'));
      const typed = 'name = 3\n[tasks.a]\nrun = "x"\n';
      write('typed.cairn.toml', typed);
      write('bom.cairn.toml', `\uFEFF${typed}`);
      const args = ['validate', '--json', 'x.cairn.toml', 'crlf.cairn.toml', 'typed.cairn.toml', 'bom.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      const ranges = parseJson(r, args).map((d) => [d.file, d.code, d.range]);
      const three = { start: { line: 1, col: 8 }, end: { line: 1, col: 9 } };
      const dep = parseJson(r, args)[0]!.range;
      assert.deepEqual(
        ranges,
        [
          ['x.cairn.toml', 'unknown-dep', dep],
          ['crlf.cairn.toml', 'unknown-dep', dep],
          ['typed.cairn.toml', 'wrong-type', three],
          ['bom.cairn.toml', 'wrong-type', three],
        ],
        show(args, r),
      );
    });
  });

  describe('env_file', function () {
    const WF = `[tasks.a]
run = "echo a"
env_file = "present.env"

[tasks.b]
run = "echo b"
env_file = "absent.env"
`;

    before(function () {
      write('envproj/wf.cairn.toml', WF);
      write('envproj/present.env', 'A=1\n');
      // Traps for a resolver that uses the CLI's cwd instead of the
      // workflow's folder: there, the missing file exists and vice versa.
      write('elsewhere/absent.env', 'B=2\n');
    });

    it('resolves relative to the workflow file, not the cwd: only the missing one warns', async function () {
      const args = ['validate', '--json', '../envproj/wf.cairn.toml'];
      const r = await runCli(args, { cwd: path.join(tmp, 'elsewhere') });
      assert.equal(r.code, 0, show(args, r));
      const diags = parseJson(r, args);
      assert.equal(diags.length, 1, `only absent.env should be reported\n${show(args, r)}`);
      const d = diags[0]!;
      assert.deepEqual([d.file, d.severity, d.code], ['../envproj/wf.cairn.toml', 'warning', 'env-file-missing'], show(args, r));
      assert.equal(d.range.start.line, lineColOf(WF, 'absent.env').line, show(args, r));
      assert.match(d.message, /absent\.env/, `the message should name the file: ${d.message}`);
    });

    it('the human output prints the warning and exits 0', async function () {
      const args = ['validate', path.join(tmp, 'envproj/wf.cairn.toml')];
      const r = await runCli(args, { cwd: os.tmpdir() });
      assert.equal(r.code, 0, show(args, r));
      const lines = parseHuman(r, args);
      assert.deepEqual(lines.map((l) => [l.path, l.line, l.severity]), [[args[1], 7, 'warning']], show(args, r));
    });

    it("is relative to the task's dir when it has one (SPEC 1: env_file is relative to dir)", async function () {
      write('envdir/wf.cairn.toml', `[tasks.a]\nrun = "echo a"\ndir = "sub"\nenv_file = "in-sub.env"\n`);
      write('envdir/sub/in-sub.env', 'A=1\n');
      const args = ['validate', '--json', 'envdir/wf.cairn.toml'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 0, show(args, r));
      assert.deepEqual(parseJson(r, args), [], show(args, r));
    });
  });

  describe('usage errors', function () {
    it('no file arguments: exit 2 and stderr explains usage', async function () {
      const args = ['validate'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
      assert.match(r.stderr, /usage|argument/i, show(args, r));
      assert.match(r.stderr, /file/i, show(args, r));
      assertNoStackTrace(r, args);
    });

    it('--json without files is a usage error too', async function () {
      const args = ['validate', '--json'];
      const r = await runCli(args, { cwd: tmp });
      assert.equal(r.code, 2, show(args, r));
    });
  });
});
