// What the language-server fuzz tests feed and check, in process (language-service.fuzz.test.ts) and over
// stdio (test/lsp/lsp-fuzz.test.ts): mutations of the example workflows as a person types them mid-edit, and
// the check that every range in an answer lies inside the document it answers for.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position } from 'vscode-languageserver-types';
import type { Rng } from '../../runner/testing/prng';

/** What users type mid-edit, and what breaks parsers. */
const FRAGMENTS: readonly string[] = [
  '{{ .', '{{', '}}', '{{ .version }}', '{{.}}', '"', '"""', "'", "'''", '[', ']', '[[', '{', '}', '=', ' = ', ',', '.', '#',
  '\\', '\\u00', '\n', '\r\n', '\r', '\t', '[tasks.', '[tasks.x]\n', '[vars]\n', '[defaults]\n', 'deps = [', 'deps = ["', 'deps = ["bu',
  'target = "', 'register = "', 'outputs = ["', 'if = "', "if = \"env == '", 'type = "forensic"\n', 'run = ', 'ti', 'env.', 'tasks.a.run = "x"\n',
  '$CAIRN_VAR_', 'CAIRN_OUTPUT', 'url=', '&&', '||', '(', ')', 'contains(', 'é', '😀', '\uFEFF', '\uD800', '\u2028', '\u0000',
];

export function mutate(text: string, rng: Rng): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(6)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + rng.int(6));
    case 1:
      return text.slice(0, at) + rng.pick(FRAGMENTS) + text.slice(at);
    case 2: {
      const piece = text.slice(at, at + 1 + rng.int(40));
      return text.slice(0, at) + piece + text.slice(at);
    }
    case 3: {
      const lines = text.split('\n');
      lines.splice(rng.int(lines.length), 1);
      return lines.join('\n');
    }
    case 4: {
      // Swap one word for another: the TOML often stays valid, so the model-backed features run too.
      const words = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_-]*/g)];
      if (words.length < 2) return text;
      const a = rng.pick(words);
      return text.slice(0, a.index) + rng.pick(words)[0] + text.slice(a.index + a[0].length);
    }
    default:
      return text.slice(0, at);
  }
}

/** Every Range-shaped object in a result, wherever it sits. */
function rangesIn(value: unknown, out: { start: Position; end: Position }[] = []): { start: Position; end: Position }[] {
  if (Array.isArray(value)) {
    for (const v of value) rangesIn(v, out);
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (isPosition(o['start']) && isPosition(o['end'])) out.push({ start: o['start'], end: o['end'] });
    for (const v of Object.values(o)) rangesIn(v, out);
  }
  return out;
}

function isPosition(v: unknown): v is Position {
  return typeof v === 'object' && v !== null && typeof (v as Position).line === 'number' && typeof (v as Position).character === 'number';
}

export function checkRanges(doc: TextDocument, result: unknown, what: string): void {
  const text = doc.getText();
  for (const r of rangesIn(result)) {
    for (const p of [r.start, r.end]) {
      assert.ok(Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0, `${what}: bad position ${JSON.stringify(p)}`);
      assert.ok(p.line < doc.lineCount, `${what}: line ${p.line} past the last line ${doc.lineCount - 1}`);
      // positionAt(offsetAt(p)) is p exactly when p lies within its line.
      assert.deepEqual(doc.positionAt(doc.offsetAt(p)), p, `${what}: ${JSON.stringify(p)} is past the end of its line`);
    }
    assert.ok(doc.offsetAt(r.start) <= doc.offsetAt(r.end), `${what}: range ends before it starts ${JSON.stringify(r)}`);
    assert.ok(doc.offsetAt(r.end) <= text.length);
  }
}

/** The example workflows, the fuzzers' seeds. */
export function loadExamples(): string[] {
  const dir = path.resolve(__dirname, '../../examples');
  return fs.readdirSync(dir).filter((n) => n.endsWith('.cairn.toml')).sort().map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
}

