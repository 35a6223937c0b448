// cairn graph and cairn prune, as processes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertBuilt, assertExit, parseJsonOut, runCli, startCli, TempDirs, writeFile } from './cli-harness';

const WORKFLOW = `
[tasks.lint]
run = "true"
[tasks.build]
deps = ["lint"]
run = "true"
[tasks.why]
type = "forensic"
target = "build"
run = "true"
`;

describe('cairn graph and prune (CLI process)', function () {
  this.timeout(60_000);
  const dirs = new TempDirs();
  before(assertBuilt);
  after(() => dirs.cleanup());

  it('graph prints DOT by default and Mermaid on request, forensic edges dashed', async () => {
    const cwd = dirs.make('graph');
    writeFile(cwd, 'w.cairn.toml', WORKFLOW);
    const dot = await runCli(['graph', 'w.cairn.toml'], { cwd });
    assertExit(dot, 0);
    assert.match(dot.stdout, /^digraph "w" \{/);
    assert.match(dot.stdout, /"lint" -> "build";/);
    assert.match(dot.stdout, /"build" -> "why" \[style=dashed, label="on failure"\];/);
    const mermaid = await runCli(['graph', 'w.cairn.toml', '--format', 'mermaid'], { cwd });
    assertExit(mermaid, 0);
    assert.deepEqual(mermaid.stdout.trim().split('\n'), ['flowchart LR', '  t0["lint"]', '  t1["build"]', '  t2(["why"])', '  t0 --> t1', '  t1 -. on failure .-> t2']);
    const bad = await runCli(['graph', 'w.cairn.toml', '--format', 'svg'], { cwd });
    assertExit(bad, 2);
    writeFile(cwd, 'broken.cairn.toml', '[tasks.a]\nrun = "x"\ndeps = ["nope"]\n');
    const broken = await runCli(['graph', 'broken.cairn.toml'], { cwd });
    assertExit(broken, 2);
    assert.match(broken.stderr, /broken\.cairn\.toml:3:9: error: unknown task "nope"/);
  });

  it('prune keeps the newest runs of each workflow, and always its latest', async () => {
    const cwd = dirs.make('prune');
    writeFile(cwd, 'a.cairn.toml', WORKFLOW);
    writeFile(cwd, 'b.cairn.toml', '[tasks.quick]\nrun = "true"\n');
    for (let i = 0; i < 4; i++) assertExit(await runCli(['run', 'a.cairn.toml'], { cwd }), 0);
    assertExit(await runCli(['run', 'b.cairn.toml'], { cwd }), 0);
    const runs = (): string[] => fs.readdirSync(path.join(cwd, '.cairn/runs')).filter((n) => !n.startsWith('.'));
    assert.equal(runs().length, 5);

    const dry = await runCli(['prune', '--keep', '1', '--dry-run', '--json'], { cwd });
    assertExit(dry, 0);
    const would = parseJsonOut(dry) as { id: string; file: string }[];
    assert.equal(would.length, 3, 'a keeps its latest run, b its only one');
    assert.ok(would.every((r) => r.file === 'a.cairn.toml'));
    assert.equal(runs().length, 5, 'dry run changed nothing');

    const old = await runCli(['prune', '--keep', '1', '--older-than', '30d'], { cwd });
    assertExit(old, 0);
    assert.equal(runs().length, 5, 'no run is 30 days old');

    const cache = path.join(cwd, '.cairn/parsed');
    const cached = (): string[] => fs.readdirSync(cache).filter((n) => n.endsWith('.json')).sort();
    assert.equal(cached().length, 2, 'one checked model per workflow text (a and b)');
    const inUse = cached();
    fs.writeFileSync(path.join(cache, '0123456789abcdef.json'), '{}'); // a revision no run has any more
    const real = await runCli(['prune', '--keep', '2'], { cwd });
    assertExit(real, 0);
    assert.match(real.stderr, /removed 2 runs/);
    assert.equal(runs().length, 3);
    assert.deepEqual(cached(), inUse, 'prune drops cached models of revisions no run has, and only those');

    assertExit(await runCli(['prune', '--keep', '0'], { cwd }), 2);
    assertExit(await runCli(['prune', '--older-than', 'a while'], { cwd }), 2);
  });

  it('prune leaves a run that is being driven, even past --keep', async () => {
    const cwd = dirs.make('prune-live');
    // Long until the file "go" exists: the first run stays live, the second finishes at once.
    writeFile(cwd, 'b.cairn.toml', '[tasks.t]\nrun = "test -e go || { touch started; sleep 30; }"\n');
    const live = startCli(['run', 'b.cairn.toml'], { cwd, timeoutMs: 50_000 });
    const deadline = Date.now() + 20_000;
    while (!fs.existsSync(path.join(cwd, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    writeFile(cwd, 'go', '');
    assertExit(await runCli(['run', 'b.cairn.toml'], { cwd }), 0);
    // keep 1: the newer run is kept; the older one is beyond it but driven, so it stays too.
    const pruned = await runCli(['prune', '--keep', '1', '--json'], { cwd });
    assertExit(pruned, 0);
    assert.deepEqual(parseJsonOut(pruned), []);
    assert.equal(fs.readdirSync(path.join(cwd, '.cairn/runs')).filter((n) => !n.startsWith('.')).length, 2);
    live.kill('SIGINT');
    assert.equal((await live.result).code, 130);
    // Once it is no longer driven, it goes.
    const after = await runCli(['prune', '--keep', '1', '--json'], { cwd });
    assert.equal((parseJsonOut(after) as unknown[]).length, 1);
  });
});
