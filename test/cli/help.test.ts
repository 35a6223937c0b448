// Process-level tests of the CLI's front door: help, version, and how it
// refuses commands and options it does not know (exit 2, SPEC section 5).
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
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  const env = { ...process.env };
  // The suite runs under tsx's loader; the CLI under test must stand on its own bundle.
  delete env.NODE_OPTIONS;
  delete env.FORCE_COLOR;
  env.NO_COLOR = '1';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

function show(args: readonly string[], r: CliResult): string {
  return `cairn ${args.join(' ')}\n  exit: ${r.code}\n  stdout: ${JSON.stringify(r.stdout)}\n  stderr: ${JSON.stringify(r.stderr)}`;
}

function packageVersion(): string {
  const pkg: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  assert.ok(typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string', 'package.json has no version');
  return pkg.version;
}

const STACK_FRAME = /^\s+at\s.+(:\d+:\d+\)?|\(native\))$/m;

describe('cairn help, version and usage errors (CLI process)', function () {
  // An empty cwd: nothing here may depend on the repository being the cwd.
  let tmp = '';

  before(function () {
    assert.ok(fs.existsSync(cliBundle), `${cliBundle} is missing: run npm run build first`);
    assert.ok(fs.existsSync(cliBin), `${cliBin} is missing (package.json "bin")`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-cli-help-'));
  });

  after(function () {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('--help exits 0 and lists the validate command', async function () {
    const args = ['--help'];
    const r = await runCli(args, tmp);
    assert.equal(r.code, 0, show(args, r));
    assert.match(r.stdout, /^\s+validate\b/m, `help should list "validate" as a command\n${show(args, r)}`);
  });

  it('--version exits 0 and prints the version from package.json', async function () {
    const args = ['--version'];
    const r = await runCli(args, tmp);
    assert.equal(r.code, 0, show(args, r));
    const version = packageVersion();
    // Just the version (a `cairn ` prefix is tolerated), nothing else.
    assert.match(r.stdout.trim(), new RegExp(`^(cairn )?v?${version.replace(/\./g, '\\.')}$`), show(args, r));
  });

  it('validate --help exits 0 and describes the command and --json', async function () {
    const args = ['validate', '--help'];
    const r = await runCli(args, tmp);
    assert.equal(r.code, 0, show(args, r));
    assert.match(r.stdout, /validate/, show(args, r));
    assert.match(r.stdout, /--json/, show(args, r));
  });

  it('an unknown command exits 2 and says so on stderr', async function () {
    const args = ['frobnicate'];
    const r = await runCli(args, tmp);
    assert.equal(r.code, 2, show(args, r));
    assert.match(r.stderr, /unknown command/i, show(args, r));
    assert.match(r.stderr, /frobnicate/, show(args, r));
    assert.doesNotMatch(r.stderr, STACK_FRAME, show(args, r));
  });

  it('an unknown option exits 2 and names it on stderr', async function () {
    const args = ['validate', '--nope', 'x'];
    const r = await runCli(args, tmp);
    assert.equal(r.code, 2, show(args, r));
    assert.match(r.stderr, /--nope/, show(args, r));
    assert.match(r.stderr, /unknown option/i, show(args, r));
    assert.doesNotMatch(r.stderr, STACK_FRAME, show(args, r));
  });
});
