// Golden fixtures: fixtures/<case>/input.cairn.toml → expected.json, every
// diagnostic compared whole (severity, code, range, message). Run with
// UPDATE_GOLDEN=1 to rewrite expected.json after reviewing a change.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../model/span';
import { validate } from './validate';

const root = path.join(__dirname, 'fixtures');
const cases = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'input.cairn.toml'))).sort() : [];

interface Expected {
  severity: string;
  code: string;
  range: { start: { line: number; col: number }; end: { line: number; col: number } };
  message?: string;
}

describe('validator golden fixtures', () => {
  it('has at least 40 cases, clean ones included', () => {
    assert.ok(cases.length >= 40, `only ${cases.length} fixture cases`);
    const clean = cases.filter((c) => fs.readFileSync(path.join(root, c, 'expected.json'), 'utf8').trim() === '[]');
    assert.ok(clean.length >= 5, `only ${clean.length} clean cases`);
  });

  for (const name of cases) {
    it(name, () => {
      const dir = path.join(root, name);
      const text = fs.readFileSync(path.join(dir, 'input.cairn.toml'), 'utf8');
      const lines = new LineIndex(text);
      const actual: Expected[] = validate(text, { fileName: 'input.cairn.toml', baseDir: dir, fileExists: (p) => fs.existsSync(p) }).map((d) => ({
        severity: d.severity,
        code: d.code,
        range: { start: lines.lineCol(d.span.start), end: lines.lineCol(d.span.end) },
        message: d.message,
      }));
      const file = path.join(dir, 'expected.json');
      if (process.env['UPDATE_GOLDEN'] === '1') fs.writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
      const expected = JSON.parse(fs.readFileSync(file, 'utf8')) as Expected[];
      assert.deepEqual(actual, expected);
    });
  }
});
