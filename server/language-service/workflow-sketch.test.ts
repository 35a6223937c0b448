// The sketch: what completion and the outline know of a workflow's tasks and variables, read from the tolerant
// scan or from a skim of the text. Both must agree exactly with the straightforward reading below (the sketch as
// first written: every entry keyed by its joined path, strings decoded by the runner's decoder).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Span } from '../../runner/model/span';
import { decodeTomlString } from '../../runner/model/toml-string';
import { generateWorkflow } from '../../runner/testing/generate-workflow';
import { prng } from '../../runner/testing/prng';
import { TOML_EDGE_CASES } from '../../runner/testing/toml-edge-cases';
import { allEntries, scanToml, type ScanEntry, type ScanValue, type TomlScan } from './toml-scan';
import { sketchWorkflow, skimWorkflow, stringValue, type SketchTask, type SketchVar, type WorkflowSketch } from './workflow-sketch';

function referenceString(text: string, v: ScanValue | undefined): string | undefined {
  if (v?.kind !== 'string') return undefined;
  if (v.closed) {
    const decoded = decodeTomlString(text.slice(v.span.start, v.span.end));
    if (decoded) return decoded.value;
  }
  return text.slice(v.content.start, v.content.end);
}

function referenceSketch(text: string, scan: TomlScan): WorkflowSketch {
  const entries = new Map<string, ScanEntry>();
  const tableSpans = new Map<string, Span>();
  for (const table of scan.tables) {
    if (table.header) {
      const k = table.path.join('\u0000');
      if (!tableSpans.has(k)) tableSpans.set(k, table.span);
    }
    for (const e of allEntries(table.entries)) {
      const k = e.path.join('\u0000');
      if (!entries.has(k)) entries.set(k, e);
    }
  }
  const entry = (...p: string[]): ScanEntry | undefined => entries.get(p.join('\u0000'));
  const str = (...p: string[]): string | undefined => referenceString(text, entry(...p)?.value);
  const tasks: SketchTask[] = [];
  const declared: SketchVar[] = [];
  const seenTasks = new Set<string>();
  const seenVars = new Set<string>();
  for (const k of scan.keys) {
    if (k.path.length !== 2 || (k.path[1] === '' && !k.quoted)) continue;
    const [section, name] = k.path as [string, string];
    if (section === 'tasks' && !seenTasks.has(name)) {
      seenTasks.add(name);
      const description = str('tasks', name, 'description');
      const run = str('tasks', name, 'run');
      tasks.push({
        id: name,
        idSpan: k.span,
        span: tableSpans.get(`tasks\u0000${name}`) ?? entry('tasks', name)?.span ?? k.span,
        ...(description !== undefined ? { description } : {}),
        ...(run !== undefined ? { run } : {}),
        forensic: str('tasks', name, 'type') === 'forensic',
      });
    } else if (section === 'vars' && !seenVars.has(name)) {
      seenVars.add(name);
      const description = str('vars', name, 'description');
      const secret = entry('vars', name, 'secret')?.value;
      declared.push({
        name,
        span: k.span,
        origin: 'vars',
        ...(description !== undefined ? { description } : {}),
        secret: secret?.kind === 'scalar' && text.slice(secret.span.start, secret.span.end) === 'true',
      });
    }
  }
  const set: SketchVar[] = [];
  for (const t of tasks) {
    const register = entry('tasks', t.id, 'register')?.value;
    const name = referenceString(text, register);
    if (register && name) set.push({ name, span: register.span, origin: 'register', task: t.id, secret: false });
    const outputs = entry('tasks', t.id, 'outputs')?.value;
    if (outputs?.kind !== 'array') continue;
    for (const item of outputs.items) {
      const o = referenceString(text, item);
      if (o) set.push({ name: o, span: item.span, origin: 'outputs', task: t.id, secret: false });
    }
  }
  return { tasks, vars: [...declared, ...set] };
}

const EXAMPLES = path.resolve(__dirname, '../../examples');
const examples = fs
  .readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.cairn.toml'))
  .map((f) => fs.readFileSync(path.join(EXAMPLES, f), 'utf8'));

/** What is typed mid-edit, and what makes strings and keys odd. */
const FRAGMENTS = ['"', "'", '"""', "'''", '\\', '\\n', '\\u00e9', '\\U0001F600', '\\x41', '\\q', '\n', '\r\n', '[', ']', '{', '}', '=', ',', '.', '[tasks.', 'tasks.a.run = "x"\n', 'description = "d"\n', 'type = "forensic"\n', 'register = "r"\n', 'outputs = ["o"]\n', 'secret = true\n', '[vars.v]\n', 'é', 'tasks = [ { run = "in an array" } ]\n', '[tasks."[]"]\n', 'x = [ { description = "d" } ]\n'];

function mutations(seed: number, count: number): string[] {
  const random = prng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = examples[int(examples.length)]!;
    for (let s = 1 + int(4); s > 0; s--) {
      const at = int(text.length + 1);
      text = int(3) === 0 ? text.slice(0, at) + text.slice(at + 1 + int(5)) : text.slice(0, at) + FRAGMENTS[int(FRAGMENTS.length)]! + text.slice(at);
    }
    out.push(text);
  }
  return out;
}

describe('sketchWorkflow', () => {
  it('reads the tasks and variables of the examples, a generated workflow and mutations of them as the reference does', () => {
    const texts = [...examples, generateWorkflow({ tasks: 300, seed: 3 }), ...TOML_EDGE_CASES.map((c) => c.text), ...mutations(11, 1500)];
    for (const text of texts) {
      const scan = scanToml(text);
      const reference = referenceSketch(text, scan);
      assert.deepEqual(sketchWorkflow(text, scan), reference, JSON.stringify(text.slice(0, 400)));
      // The skim's, which never keeps a scan, too.
      const skimmed = skimWorkflow(text);
      assert.deepEqual(skimmed.sketch, reference, `skimmed: ${JSON.stringify(text.slice(0, 400))}`);
      assert.deepEqual(skimmed.headerStarts, scan.tables.slice(1).map((t) => t.header?.span.start));
    }
  });

  it('reads tasks written as tables, dotted keys and inline tables, first definition winning', () => {
    const text = [
      '[tasks]',
      'a.run = "dotted"',
      'b = { run = "inline", description = "in {braces}", type = "forensic" }',
      '[tasks.c]',
      'run = """',
      'multi \\',
      '   line"""',
      'register = "ver"',
      'outputs = ["x", "y"]',
      '[tasks.c.env]',
      'K = "v"',
      '[vars]',
      'token = { secret = true, description = "the \\"key\\"" }',
      '',
    ].join('\n');
    const sketch = sketchWorkflow(text, scanToml(text));
    assert.deepEqual(
      sketch.tasks.map((t) => [t.id, t.run, t.description, t.forensic]),
      [
        ['a', 'dotted', undefined, false],
        ['b', 'inline', 'in {braces}', true],
        ['c', 'multi line', undefined, false],
      ],
    );
    assert.deepEqual(
      sketch.vars.map((v) => [v.name, v.origin, v.task, v.description, v.secret]),
      [
        ['token', 'vars', undefined, 'the "key"', true],
        ['ver', 'register', 'c', undefined, false],
        ['x', 'outputs', 'c', undefined, false],
        ['y', 'outputs', 'c', undefined, false],
      ],
    );
  });
});

describe('stringValue', () => {
  it('is what stringValue reads for a closed string', () => {
    const text = 'a = "x\\ty"\nb = \'raw\\n\'\nc = "open\n';
    const values = scanToml(text).tables[0]!.entries.map((e) => stringValue(text, e.value));
    assert.deepEqual(values, ['x\ty', 'raw\\n', 'open']);
  });
});
