// The scanner against toml-eslint-parser's AST (the reference): every path of
// every document must get the same key and value spans.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { generateWorkflow } from '../testing/generate-workflow';
import { diffPositions, formatPath } from '../testing/position-diff';
import { TOML_EDGE_CASES } from '../testing/toml-edge-cases';
import { indexPositions } from './toml-positions';
import { referencePositions } from './toml-positions-reference';

function assertAgree(name: string, text: string): void {
  const parsed = parse(text);
  const diff = diffPositions(parsed, referencePositions(text), indexPositions(text));
  const shown = diff.mismatches.slice(0, 5).map((m) => `${formatPath(m.path)}: reference ${JSON.stringify(m.a)} vs scanner ${JSON.stringify(m.b)}`);
  assert.equal(diff.mismatches.length, 0, `${name}: ${diff.mismatches.length} of ${diff.paths} paths differ\n${shown.join('\n')}`);
  assert.ok(diff.paths > 0, `${name}: no paths compared`);
}

describe('indexPositions (scanner) agrees with the toml-eslint-parser reference', () => {
  const examples = path.resolve(__dirname, '../../examples');
  for (const f of fs.readdirSync(examples).filter((f) => f.endsWith('.cairn.toml'))) {
    it(`examples/${f}`, () => assertAgree(f, fs.readFileSync(path.join(examples, f), 'utf8')));
  }

  for (const c of TOML_EDGE_CASES) {
    if (c.name === 'impossible-date') continue; // the reference throws on it; see below
    it(`edge case: ${c.name}`, () => assertAgree(c.name, c.text));
  }

  for (const seed of [1, 2, 3]) {
    it(`generated 300-task workflow, seed ${seed}`, () => assertAgree(`seed ${seed}`, generateWorkflow({ tasks: 300, seed })));
  }

  it('indexes what smol-toml accepts and the reference rejects (impossible dates)', () => {
    const text = 'a = 1979-02-30\nb = "x"\n';
    parse(text);
    assert.throws(() => referencePositions(text));
    const idx = indexPositions(text);
    assert.deepEqual(idx.get(['b']), { key: { start: 15, end: 16 }, value: { start: 19, end: 22 } });
  });

  it('finds positions after a byte-order mark', () => {
    const text = '\uFEFF[tasks.a]\nrun = "x"\n';
    assert.deepEqual(indexPositions(text).get(['tasks', 'a', 'run'])?.key, { start: 11, end: 14 });
  });
});
