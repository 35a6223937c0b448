import assert from 'node:assert/strict';
import { parseTemplate, renderTemplate, templateVariables } from './template';

describe('templates', () => {
  it('finds variables with and without spaces, with spans', () => {
    const s = 'make V={{ .version }} E={{.env}}';
    const t = parseTemplate(s);
    assert.deepEqual(t.errors, []);
    const vars = templateVariables(t);
    assert.deepEqual(vars.map((v) => v.name), ['version', 'env']);
    assert.equal(s.slice(vars[0]!.span.start, vars[0]!.span.end), '{{ .version }}');
    assert.equal(s.slice(vars[1]!.span.start, vars[1]!.span.end), '{{.env}}');
    const p = t.parts.find((x) => x.kind === 'var');
    assert.ok(p && p.kind === 'var');
    assert.equal(s.slice(p.nameSpan.start, p.nameSpan.end), 'version');
  });

  it('renders variables and quoted literals, and reports the first missing variable', () => {
    const t = parseTemplate(`docker ps --format '{{ "{{" }}.Names}}' {{ .x }}`);
    assert.deepEqual(t.errors, []);
    assert.deepEqual(renderTemplate(t, (n) => (n === 'x' ? '1' : undefined)), { ok: true, text: `docker ps --format '{{.Names}}' 1` });
    assert.deepEqual(renderTemplate(parseTemplate('{{ .a }}{{ .b }}'), (n) => (n === 'a' ? '' : undefined)), { ok: false, missing: 'b' });
  });

  it('reports malformed templates with actionable messages and spans', () => {
    const cases: [string, RegExp, [number, number]][] = [
      ['echo {{ .x', /unclosed "\{\{"/, [5, 10]],
      ['{{ version }}', /with a dot: \{\{ \.version \}\}/, [0, 13]],
      ['a {{ }} b', /empty template/, [2, 7]],
      ['{{ .a .b }}', /cannot read/, [0, 11]],
      ['{{ . }}', /missing variable name/, [0, 7]],
    ];
    for (const [src, msg, [start, end]] of cases) {
      const t = parseTemplate(src);
      assert.equal(t.errors.length, 1, src);
      assert.match(t.errors[0]!.message, msg, src);
      assert.deepEqual(t.errors[0]!.span, { start, end }, src);
    }
  });

  it('keeps text without templates whole', () => {
    const t = parseTemplate('just } text { here }');
    assert.deepEqual(t.parts, [{ kind: 'text', text: 'just } text { here }' }]);
  });
});
