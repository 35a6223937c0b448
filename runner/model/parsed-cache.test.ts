import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateWorkflow } from '../testing/generate-workflow';
import { TOML_EDGE_CASES } from '../testing/toml-edge-cases';
import { analyze, type Analysis } from '../validate/validate';
import { parsedFromJson, parsedToJson } from './parsed-cache';

/** The model as plain data: Maps as entries, SourceString.at dropped (it is derived from the spans). */
function plain(a: Analysis): unknown {
  return JSON.parse(JSON.stringify({ workflow: a.workflow, diagnostics: a.diagnostics }, (_k, v: unknown) => (v instanceof Map ? [...(v as Map<unknown, unknown>)] : v)));
}

function viaCache(text: string): Analysis | undefined {
  const fresh = analyze(text);
  const json = fresh.parsed && parsedToJson(fresh.parsed, text.length);
  if (json === undefined) return undefined;
  const parsed = parsedFromJson(json, text.length);
  assert.ok(parsed, 'a cache just written reads back');
  return analyze(text, { parsed });
}

const examples = path.join(__dirname, '..', '..', 'examples');

describe('parsed-cache: a workflow read from the cached parse equals one parsed afresh', () => {
  const texts: [string, string][] = [
    ...fs.readdirSync(examples).filter((f) => f.endsWith('.cairn.toml')).map((f): [string, string] => [f, fs.readFileSync(path.join(examples, f), 'utf8')]),
    ...TOML_EDGE_CASES.map((c): [string, string] => [`edge case ${c.name}`, c.text]),
    ['generated 300 tasks', generateWorkflow({ tasks: 300, seed: 7 })],
    ['a task named like Object.prototype members', '[tasks.constructor]\nrun = "true"\n[tasks.toString]\nrun = "true"\ndeps = ["constructor"]\n'],
    ['errors and warnings', '[tasks.a]\nrun = "echo {{ .nope }}"\ndeps = ["b"]\nbogus = 1\n'],
  ];
  for (const [name, text] of texts) {
    it(name, () => {
      const fresh = analyze(text);
      const cached = viaCache(text);
      if (cached === undefined) {
        // Only texts JSON cannot carry exactly (dates, inf/nan) are left uncached.
        assert.match(text, /\d{4}-\d\d-\d\d|inf|nan|-0\.?0?\b/, `${name} was not cacheable`);
        return;
      }
      assert.deepEqual(plain(cached), plain(fresh));
    });
  }

  it('refuses what cannot round-trip exactly: dates, inf, nan', () => {
    for (const text of ['d = 1979-05-27\n', 'x = inf\n', 'x = nan\n', 'x = -0.0\n']) {
      const fresh = analyze(text);
      assert.ok(fresh.parsed, text);
      assert.equal(parsedToJson(fresh.parsed, text.length), undefined, text);
    }
  });

  it('ignores a cache of another length, another format or garbage', () => {
    const text = '[tasks.a]\nrun = "true"\n';
    const json = parsedToJson(analyze(text).parsed!, text.length)!;
    assert.ok(parsedFromJson(json, text.length));
    assert.equal(parsedFromJson(json, text.length + 1), undefined);
    assert.equal(parsedFromJson(json.replace(/"format":\d+/, '"format":0'), text.length), undefined);
    assert.equal(parsedFromJson('{"format":1', text.length), undefined);
    assert.equal(parsedFromJson('null', text.length), undefined);
  });
});
