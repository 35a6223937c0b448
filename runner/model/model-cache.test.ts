import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateWorkflow } from '../testing/generate-workflow';
import { analyze } from '../validate/validate';
import { modelFromJson, modelToJson, type ModelKey } from './model-cache';
import type { SourceString, Workflow } from './workflow';

/**
 * The model as plain data, with every SourceString's at() taken at each index of its value: a cached string
 * must map its characters to the same offsets as one the reader made.
 */
function plain(wf: Workflow): unknown {
  return JSON.parse(
    JSON.stringify(wf, (_k, v: unknown) => {
      if (v instanceof Map) return [...(v as Map<unknown, unknown>)];
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Partial<SourceString>).at === 'function') {
        const s = v as SourceString;
        return { value: s.value, span: s.span, keySpan: s.keySpan, at: Array.from({ length: s.value.length + 1 }, (_x, i) => s.at(i)) };
      }
      return v;
    }),
  );
}

const key = (text: string, fileName = 'w.cairn.toml'): ModelKey => ({ length: text.length, fileName, build: 'test-build' });

const examples = path.join(__dirname, '..', '..', 'examples');

describe('model-cache: a model read from the cache equals the one the validator built', () => {
  const texts: [string, string][] = [
    ...fs.readdirSync(examples).filter((f) => f.endsWith('.cairn.toml')).map((f): [string, string] => [f, fs.readFileSync(path.join(examples, f), 'utf8')]),
    ['strings of every kind, CRLF line ends, a BOM, astral characters', '\uFEFF# 😀\r\n[tasks.a]\r\nrun = \'echo "{{ .x }}" 😀\'\r\n[tasks.b]\r\nrun = """\\\r\n  echo \\t{{ .x }} \\U0001F600"""\r\ndeps = [\'a\']\r\n[vars]\r\nx = 1\r\n'],
    ['inline task tables and dotted keys', 'tasks.a = { run = "true", env.K = "{{ .y }}" }\ntasks.b.run = "echo {{ .y }}"\ntasks.b.deps = ["a"]\nvars.y = { default = "1" }\n'],
    ['generated 300 tasks', generateWorkflow({ tasks: 300, seed: 7 })],
    ['a task named like Object.prototype members', '[tasks.constructor]\nrun = "true"\n[tasks.toString]\nrun = "true"\ndeps = ["constructor"]\n'],
    [
      'every field',
      [
        'name = "all"',
        'description = "d"',
        '[vars]',
        'plain = "p"',
        'env = { default = "dev", env = "DEPLOY_ENV", description = "where" }',
        'token = { secret = true }',
        '[defaults]',
        'timeout = "1m"',
        'retries = 1',
        'retry_delay = "2s"',
        'shell = "bash"',
        'env = { A = "{{ .plain }}", N = 3 }',
        'env_file = ".env"',
        'dir = "sub"',
        '[tasks.a]',
        'run = "echo \\"{{ .env }}\\" \\u00e9"',
        'register = "v"',
        'outputs = ["o1", "o2"]',
        'inputs = ["src/**/*.ts"]',
        'description = "the first"',
        "if = \"env == 'prod' && plain != ''\"",
        'timeout = "5s"',
        '[tasks.a.env]',
        "B = '{{ .v }}'",
        '[tasks.diag]',
        'type = "forensic"',
        'target = "a"',
        'run = "cat log"',
        '[tasks.b]',
        'run = """',
        'echo {{ .v }}"""',
        'deps = ["a"]',
        '',
      ].join('\n'),
    ],
  ];
  for (const [name, text] of texts) {
    it(name, () => {
      const fresh = analyze(text, { fileName: 'w.cairn.toml' });
      // Only checked models are cached, so every case here must be one.
      assert.deepEqual(fresh.diagnostics.filter((d) => d.severity === 'error'), []);
      assert.ok(fresh.workflow && fresh.workflow.tasks.size > 0);
      const cached = modelFromJson(modelToJson(fresh.workflow, key(text)), text, key(text));
      assert.ok(cached, 'a cache just written reads back');
      assert.deepEqual(plain(cached), plain(fresh.workflow));
    });
  }

  it('a condition comes back parsed', () => {
    const text = '[tasks.a]\nrun = "true"\nif = "x == \'1\'"\n[vars]\nx = "1"\n';
    const wf = modelFromJson(modelToJson(analyze(text).workflow!, key(text)), text, key(text));
    assert.equal(wf?.tasks.get('a')?.condition?.expr?.kind, 'binary');
  });

  it('ignores a cache of another length, file name, build or format, and anything that is not one', () => {
    const text = '[tasks.a]\nrun = "true"\n';
    const json = modelToJson(analyze(text).workflow!, key(text));
    assert.ok(modelFromJson(json, text, key(text)));
    assert.equal(modelFromJson(json, `${text} `, key(`${text} `)), undefined, 'length');
    assert.equal(modelFromJson(json, text, key(text, 'other.cairn.toml')), undefined, 'file name: the default workflow name comes from it');
    assert.equal(modelFromJson(json, text, { ...key(text), build: 'another' }), undefined, 'build');
    assert.equal(modelFromJson(json.replace(/"format":\d+/, '"format":0'), text, key(text)), undefined, 'format');
    assert.equal(modelFromJson(json.slice(0, -5), text, key(text)), undefined, 'torn');
    assert.equal(modelFromJson('null', text, key(text)), undefined);
    assert.equal(modelFromJson(json.replace('"type":"task"', '"type":"job"'), text, key(text)), undefined, 'an unknown task type');
    assert.equal(modelFromJson(json.replace(/"run":\["true",\d+/, '"run":["true","x"'), text, key(text)), undefined, 'a span that is not a number');
    assert.equal(modelFromJson(json.replace('"tasks":[', '"tasks":{"x":['), text, key(text)), undefined, 'tasks not a list');
  });
});
