// Behaviour the golden fixtures do not show: quick-fix data, related
// information, the model that analyze() returns, and never throwing.
import assert from 'node:assert/strict';
import { analyze, spellCycle, validate } from './validate';

const apply = (text: string, fix: { span: { start: number; end: number }; newText: string }): string =>
  text.slice(0, fix.span.start) + fix.newText + text.slice(fix.span.end);

describe('validate', () => {
  it('offers a quick fix that replaces a misspelt dep with the close id', () => {
    const text = '[tasks.build]\nrun = "make"\n[tasks.deploy]\nrun = "./deploy"\ndeps = ["biuld"]\n';
    const [d] = validate(text);
    assert.ok(d);
    assert.equal(d.code, 'unknown-dep');
    assert.equal(text.slice(d.span.start, d.span.end), '"biuld"');
    assert.match(d.message, /did you mean "build"\?/);
    assert.ok(d.fix);
    const fixed = apply(text, d.fix);
    assert.match(fixed, /deps = \["build"\]/);
    assert.deepEqual(validate(fixed), []);
  });

  it('offers a quick fix for a misspelt key and a misspelt target', () => {
    const text = '[tasks.deploy]\nrun = "x"\ntimout = "1m"\n[tasks.why]\ntype = "forensic"\ntarget = "deplyo"\nrun = "tail log"\n';
    const ds = validate(text);
    assert.deepEqual(ds.map((d) => d.code), ['unknown-key', 'unknown-target']);
    let fixed = text;
    for (const d of [...ds].reverse()) fixed = apply(fixed, d.fix!);
    assert.deepEqual(validate(fixed), []);
  });

  it('reports each edge of a cycle with the cycle spelled from that edge, and the other edges as related', () => {
    const text = '[tasks.a]\nrun = "1"\ndeps = ["b"]\n[tasks.b]\nrun = "2"\ndeps = ["c"]\n[tasks.c]\nrun = "3"\ndeps = ["a"]\n';
    const ds = validate(text);
    assert.deepEqual(ds.map((d) => d.message), ['dependency cycle: a → b → c → a', 'dependency cycle: b → c → a → b', 'dependency cycle: c → a → b → c']);
    assert.deepEqual(ds[0]!.related!.map((r) => r.message), ['"b" depends on "c"', '"c" depends on "a"']);
  });

  it('abbreviates long cycles', () => {
    const members = Array.from({ length: 40 }, (_, i) => `t${i}`);
    assert.equal(spellCycle(members, 2), 't2 → t3 → t4 → t5 → t6 → t7 → … 31 more … → t39 → t0 → t1 → t2');
  });

  it('returns the typed model with vars, defaults and tasks', () => {
    const text = [
      'name = "release"',
      '[vars]',
      'env = "staging"',
      'retries_n = 3',
      'token = { env = "TOKEN", secret = true, description = "deploy key" }',
      '[defaults]',
      'timeout = "10m"',
      'retries = 1',
      'env = { CI = "1", N = 2 }',
      '[tasks.version]',
      'run = "git describe"',
      'register = "version"',
      '[tasks.build]',
      'deps = ["version"]',
      'run = "make VERSION={{ .version }}"',
      'inputs = ["src/**/*.ts"]',
      'timeout = "1h30m"',
      'retry_delay = "500ms"',
      'if = "env != \'prod\'"',
      '[tasks.why]',
      'type = "forensic"',
      'target = "build"',
      'run = "tail -n 50 $CAIRN_TARGET_LOG"',
    ].join('\n');
    const { workflow, diagnostics } = analyze(text, { fileName: 'x.cairn.toml' });
    assert.deepEqual(diagnostics, []);
    assert.ok(workflow);
    assert.equal(workflow.name, 'release');
    assert.deepEqual(workflow.vars.get('retries_n')?.default, '3');
    assert.deepEqual({ ...workflow.vars.get('token'), keySpan: undefined }, { name: 'token', keySpan: undefined, env: 'TOKEN', secret: true, description: 'deploy key' });
    assert.equal(workflow.defaults.timeoutMs, 600_000);
    assert.equal(workflow.defaults.retries, 1);
    assert.deepEqual([...workflow.defaults.env].map(([k, v]) => [k, v.value]), [['CI', '1'], ['N', '2']]);
    assert.deepEqual([...workflow.tasks.keys()], ['version', 'build', 'why']);
    const build = workflow.tasks.get('build')!;
    assert.deepEqual(build.deps.map((d) => d.value), ['version']);
    assert.equal(build.timeoutMs, 5_400_000);
    assert.equal(build.retryDelayMs, 500);
    assert.deepEqual(build.uses.map((u) => [u.name, u.in, text.slice(u.span.start, u.span.end)]), [['version', 'run', '{{ .version }}'], ['env', 'if', 'env']]);
    assert.equal(build.condition?.expr?.kind, 'binary');
    assert.equal(workflow.tasks.get('why')!.type, 'forensic');
    assert.equal(analyze('[tasks.a]\nrun = "x"', { fileName: 'dir/pipeline.cairn.toml' }).workflow?.name, 'pipeline');
  });

  it('keeps task declaration order even for integer-like ids', () => {
    const { workflow } = analyze('[tasks.b]\nrun = "1"\n[tasks.10]\nrun = "2"\n[tasks.a]\nrun = "3"\n');
    assert.deepEqual([...workflow!.tasks.keys()], ['b', '10', 'a']);
  });

  it('maps template and condition positions through escapes and multi-line strings', () => {
    const text = '[vars]\nx = "1"\n[tasks.t]\nrun = """\n  echo \\"q\\" {{ .y }}\n"""\nif = "x == \\"a\\" && z"\n';
    const ds = validate(text);
    assert.deepEqual(ds.map((d) => [d.code, text.slice(d.span.start, d.span.end)]), [
      ['undefined-var', '{{ .y }}'],
      ['undefined-var', 'z'],
    ]);
  });

  it('never throws, whatever the input', () => {
    for (const junk of ['', '\u0000\u0001\u0002', '[[[[', '"""', 'a = [' + '['.repeat(5000), '\uFEFF[tasks.x]\nrun = "a"', '[tasks]\nx = 1\n', 'tasks = "nope"']) {
      const ds = validate(junk);
      assert.ok(ds.every((d) => d.code !== 'internal-error'), junk.slice(0, 20));
    }
  });
});
