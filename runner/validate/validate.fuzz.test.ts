// Randomized robustness test of the validator: whatever the text, `validate`
// returns well-formed diagnostics (spans inside the text, known codes) and
// never throws nor reports its own bug. Inputs are mutations of the example
// workflows plus hand-picked pathological documents.
// Reproduce a failure with the seed it prints:
// FUZZ_SEED=<n> FUZZ_CASES=<m, the "of m" in its title> npx mocha runner/validate/validate.fuzz.test.ts
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Span } from '../model/span';
import { DIAGNOSTIC_CODES, type Diagnostic } from './diagnostic';
import { validate, type ValidateOptions } from './validate';
import { fuzzCases, fuzzChunks, fuzzSeed, Rng } from '../testing/prng';

const examplesDir = path.resolve(__dirname, '../../examples');

const SEED = fuzzSeed();

// ------------------------------------------------------------- the oracle

const KNOWN_CODES = new Set<string>(Object.keys(DIAGNOSTIC_CODES));

function checkSpan(s: Span | undefined, textLength: number, what: string): string | undefined {
  if (typeof s !== 'object' || s === null) return `${what} is missing`;
  const { start, end } = s;
  if (!Number.isInteger(start) || !Number.isInteger(end)) return `${what} has non-integer offsets ${JSON.stringify(s)}`;
  if (!(start >= 0 && start <= end && end <= textLength)) return `${what} ${JSON.stringify(s)} is outside 0 <= start <= end <= ${textLength}`;
  return undefined;
}

/** The first way a diagnostic breaks the contract, or undefined. */
function problemWith(d: Diagnostic, textLength: number): string | undefined {
  if (d.severity !== 'error' && d.severity !== 'warning') return `severity ${JSON.stringify(d.severity)}`;
  if (typeof d.message !== 'string' || d.message.trim() === '') return 'empty message';
  if (d.code === 'internal-error') return `internal-error: ${d.message}`;
  if (!KNOWN_CODES.has(d.code)) return `unknown code ${JSON.stringify(d.code)}`;
  const bad = checkSpan(d.span, textLength, 'span');
  if (bad) return bad;
  if (d.fix !== undefined) {
    const badFix = checkSpan(d.fix.span, textLength, 'fix span');
    if (badFix) return badFix;
    if (typeof d.fix.title !== 'string' || d.fix.title === '') return 'fix without a title';
    if (typeof d.fix.newText !== 'string') return 'fix without newText';
  }
  for (const [i, r] of (d.related ?? []).entries()) {
    const badRel = checkSpan(r.span, textLength, `related[${i}] span`);
    if (badRel) return badRel;
    if (typeof r.message !== 'string' || r.message === '') return `related[${i}] without a message`;
  }
  return undefined;
}

function excerpt(text: string): string {
  const max = 1500;
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}… (${text.length} chars)`;
}

/** Runs the validator and fails with everything needed to reproduce if it misbehaves. */
function checkedValidate(text: string, options: ValidateOptions | undefined, context: string): Diagnostic[] {
  let diags: Diagnostic[];
  try {
    diags = validate(text, options);
  } catch (e) {
    assert.fail(`validate threw (${context}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\ninput: ${excerpt(text)}`);
  }
  assert.ok(Array.isArray(diags), `validate returned ${typeof diags}, not an array (${context})`);
  for (const d of diags) {
    const problem = problemWith(d, text.length);
    if (problem) assert.fail(`bad diagnostic (${context}): ${problem}\ndiagnostic: ${JSON.stringify(d)}\ninput: ${excerpt(text)}`);
  }
  return diags;
}

// ----------------------------------------------------------------- corpus

/**
 * The SPEC's own sample workflow: every feature in one file, so the fuzzer
 * reaches forensic tasks, conditions and env files even if the examples skip some.
 */
const SPEC_SAMPLE = `name = "release"                       # optional; default: file name stem
description = "Build, test and ship"

[vars]
env = "staging"
token = { env = "DEPLOY_TOKEN", secret = true, description = "deploy key" }

[defaults]
timeout = "10m"
retries = 0
retry_delay = "2s"
shell = "bash"
env = { CI = "1" }
env_file = ".env"

[tasks.lint]
run = "npm run lint"

[tasks.version]
run = "git describe --tags --always"
register = "version"

[tasks.test]
run = "npm test"
deps = ["lint"]
retries = 2
if = "env == 'prod' && version != '' || !contains(env, 'dev') && startsWith(version, \\"v\\")"

[tasks.build]
deps = ["test", "version"]
run = "make build VERSION={{ .version }}"
inputs = ["src/**/*.ts", "Makefile"]
timeout = "5m"
dir = "app"

[tasks.deploy]
deps = ["build"]
run = """
./deploy.sh --env {{ .env }}
echo "url=https://example.test/{{ .version }}" >> "$CAIRN_OUTPUT"
"""

[tasks.collect-diagnostics]
type = "forensic"
target = "deploy"
run = 'tail -n 200 deploy.log'
`;

function loadExamples(): { name: string; text: string }[] {
  const names = fs.existsSync(examplesDir) ? fs.readdirSync(examplesDir).filter((n) => n.endsWith('.cairn.toml')).sort() : [];
  return names.map((n) => ({ name: `examples/${n}`, text: fs.readFileSync(path.join(examplesDir, n), 'utf8') }));
}

// -------------------------------------------------------------- mutations

const FRAGMENTS: readonly string[] = [
  '{{', '}}', '{{ .', '{{ .version }}', '{{.}}', '{{ . }}', '{{ .x', '}}}}',
  '"', '"""', "'", "'''", '[', ']', '[[', ']]', '{', '}', '=', ' = ', ',', '.', '#',
  '\\', '\\u', '\\U0001F600', '\\x', '\n', '\r', '\r\n', '\t', '\u2028',
  '[tasks.', '[tasks.x]\n', '[[tasks]]\n', '[tasks]\n', '[vars]\n', '[defaults]\n',
  'deps = [', 'deps = ["', 'deps = []', 'if = "', 'if = "(', 'register = "', 'target = "',
  'type = "forensic"', 'env_file = "', 'timeout = "', 'retries = -1', 'run = ',
  '&&', '||', '!', '(', ')', '==', '!=', '<=', 'contains(', 'startsWith(a, ',
  '1e999', '0x', '-', '+inf', 'nan', '1979-05-27T07:32:00Z', 'true',
  'é', 'e\u0301', '😀', '\u{1F468}\u200D\u{1F469}', '\u0000', '\uFEFF', '\uD800', '\uDC00', '\u00A0',
];

/** Characters a mutation likes to land next to: where parsers branch. */
const HOT = /["'{}[\]=\n.\\]/g;

function position(text: string, rng: Rng): number {
  if (text.length > 0 && rng.next() < 0.4) {
    const hot = [...text.matchAll(HOT)].map((m) => m.index);
    if (hot.length > 0) return rng.pick(hot) + rng.int(2);
  }
  return rng.int(text.length + 1);
}

function splitLines(text: string): string[] {
  return text.split('\n');
}

type Mutation = (text: string, rng: Rng) => string;

const MUTATIONS: readonly { name: string; apply: Mutation }[] = [
  {
    name: 'delete chars',
    apply: (t, rng) => {
      const at = position(t, rng);
      return t.slice(0, at) + t.slice(at + 1 + rng.int(4));
    },
  },
  {
    name: 'duplicate chars',
    apply: (t, rng) => {
      const at = position(t, rng);
      const piece = t.slice(at, at + 1 + rng.int(12));
      return t.slice(0, at) + piece + t.slice(at);
    },
  },
  {
    name: 'swap chars',
    apply: (t, rng) => {
      if (t.length < 2) return t;
      const a = rng.int(t.length);
      const b = rng.next() < 0.5 ? Math.min(t.length - 1, a + 1) : rng.int(t.length);
      const chars = t.split('');
      const ca = chars[a] ?? '';
      chars[a] = chars[b] ?? '';
      chars[b] = ca;
      return chars.join('');
    },
  },
  {
    name: 'delete line',
    apply: (t, rng) => {
      const lines = splitLines(t);
      lines.splice(rng.int(lines.length), 1);
      return lines.join('\n');
    },
  },
  {
    name: 'duplicate line',
    apply: (t, rng) => {
      const lines = splitLines(t);
      const i = rng.int(lines.length);
      lines.splice(rng.int(lines.length + 1), 0, lines[i] ?? '');
      return lines.join('\n');
    },
  },
  {
    name: 'swap lines',
    apply: (t, rng) => {
      const lines = splitLines(t);
      const a = rng.int(lines.length);
      const b = rng.int(lines.length);
      const la = lines[a] ?? '';
      lines[a] = lines[b] ?? '';
      lines[b] = la;
      return lines.join('\n');
    },
  },
  {
    // Keeps the TOML valid more often than not, so the graph checks (cycles,
    // self-deps, duplicate registers) get reached, not just the parser.
    name: 'replace word',
    apply: (t, rng) => {
      const words = [...t.matchAll(/[A-Za-z_][A-Za-z0-9_-]*/g)];
      if (words.length < 2) return t;
      const a = rng.pick(words);
      const b = rng.pick(words);
      return t.slice(0, a.index) + b[0] + t.slice(a.index + a[0].length);
    },
  },
  {
    name: 'insert fragment',
    apply: (t, rng) => {
      const at = position(t, rng);
      return t.slice(0, at) + rng.pick(FRAGMENTS) + t.slice(at);
    },
  },
  {
    name: 'insert fragment',
    apply: (t, rng) => {
      const at = position(t, rng);
      return t.slice(0, at) + rng.pick(FRAGMENTS) + t.slice(at);
    },
  },
];

const OPTION_SETS: readonly (ValidateOptions | undefined)[] = [
  undefined,
  {},
  // No real file system in a unit test: a deterministic pretend one.
  { baseDir: '/fuzz/project', fileExists: (p) => p.length % 2 === 0 },
  { baseDir: '/fuzz/project', fileExists: () => false },
];

const CASES = fuzzCases(5000);
/** Cases per test: each chunk replays alone (FUZZ_SEED and FUZZ_CASES as printed). */
const CHUNK = 1000;

// ------------------------------------------------------------------ tests

describe('validate (fuzz)', function () {
  const examples = loadExamples();
  const corpus = [...examples, { name: 'SPEC sample', text: SPEC_SAMPLE }];

  it('has example workflows to mutate', function () {
    assert.ok(examples.length > 0, `no ${examplesDir}/*.cairn.toml to fuzz from`);
  });

  it('accepts every seed unmutated without internal errors', function () {
    for (const { name, text } of corpus) {
      for (const opts of OPTION_SETS) checkedValidate(text, opts, `${name} unmutated`);
    }
  });

  // Each chunk derives its own generator, so a failing chunk replays alone.
  for (const [chunk, [first, perChunk]] of fuzzChunks(CASES, CHUNK).entries()) {
    it(`survives mutations ${first + 1}–${first + perChunk} of ${CASES} (FUZZ_SEED=${SEED})`, function () {
      const rng = new Rng(SEED + chunk * 0x9e3779b9);
      for (let i = 0; i < perChunk; i++) {
        const seed = rng.pick(corpus);
        let text = seed.text;
        const applied: string[] = [];
        const count = 1 + rng.int(6);
        for (let m = 0; m < count; m++) {
          const mutation = rng.pick(MUTATIONS);
          text = mutation.apply(text, rng);
          applied.push(mutation.name);
        }
        const opts = rng.pick(OPTION_SETS);
        const context = `FUZZ_SEED=${SEED} chunk ${chunk} case ${i}: ${seed.name} after ${applied.join(', ')}`;
        const diags = checkedValidate(text, opts, context);
        // validate is pure: the same text must give the same answer (sampled, to keep the run short).
        if (i % 10 === 0) assert.deepEqual(validate(text, opts), diags, `validate is not deterministic (${context})\ninput: ${excerpt(text)}`);
      }
    });
  }

  describe('pathological inputs', function () {
    const ctx = (what: string): string => `${what} (FUZZ_SEED=${SEED})`;

    it('random binary junk, read as latin1 and as utf8', function () {
      const rng = new Rng(SEED ^ 0x5eed);
      for (let i = 0; i < 40; i++) {
        const size = i === 0 ? 0 : rng.int(i < 30 ? 2048 : 65536);
        const bytes = Buffer.alloc(size);
        for (let b = 0; b < size; b++) bytes[b] = rng.int(256);
        checkedValidate(bytes.toString('latin1'), undefined, ctx(`junk #${i} as latin1`));
        checkedValidate(bytes.toString('utf8'), undefined, ctx(`junk #${i} as utf8`));
        // Junk after a valid prefix reaches deeper than junk alone.
        checkedValidate(SPEC_SAMPLE + bytes.toString('utf8'), undefined, ctx(`SPEC sample + junk #${i}`));
      }
    });

    it('a ~5 MB workflow of realistic task groups validates clean', function () {
      const group = (n: number): string => `
[tasks.lint-${n}]
description = "Lint group ${n}"
run = "npm run lint -- --group ${n}"
inputs = ["src/**/*.ts", "Makefile"]

[tasks.version-${n}]
run = "git describe --tags --always"
register = "version_${n}"

[tasks.test-${n}]
deps = ["lint-${n}"]
run = "npm test -- --shard ${n}"
retries = 2
timeout = "10m"

[tasks.build-${n}]
deps = ["test-${n}", "version-${n}"]
run = "make build VERSION={{ .version_${n} }} ENV={{ .env }}"
env = { CI = "1" }

[tasks.deploy-${n}]
deps = ["build-${n}"]
if = "env == 'prod' && version_${n} != ''"
run = """
./deploy.sh --env {{ .env }}
echo "url=https://example.test/{{ .version_${n} }}" >> "$CAIRN_OUTPUT"
"""

[tasks.diagnose-${n}]
type = "forensic"
target = "deploy-${n}"
run = "tail -n 200 deploy-${n}.log"
`;
      const parts = ['name = "huge"\n\n[vars]\nenv = "staging"\n'];
      let size = parts[0]!.length;
      for (let n = 0; size < 5_000_000; n++) {
        const g = group(n);
        parts.push(g);
        size += g.length;
      }
      const text = parts.join('');
      const diags = checkedValidate(text, undefined, ctx('5 MB workflow'));
      assert.deepEqual(diags.slice(0, 5), [], `a valid 5 MB workflow should have no diagnostics (${diags.length} reported)`);
    });

    it('a dependency chain 10,000 tasks long', function () {
      const parts = ['[tasks.t0]\nrun = "echo 0"\nregister = "v0"\n'];
      for (let i = 1; i < 10_000; i++) parts.push(`\n[tasks.t${i}]\ndeps = ["t${i - 1}"]\nrun = "echo {{ .v${i - 1} }}"\nregister = "v${i}"\n`);
      const text = parts.join('');
      const diags = checkedValidate(text, undefined, ctx('10,000-task chain'));
      // Each task registers its own variable and uses its parent's: all defined upstream.
      assert.deepEqual(diags.slice(0, 5), [], `a valid chain should have no diagnostics (${diags.length} reported)`);
    });

    it('arrays nested 10,000 deep', function () {
      const deep = '['.repeat(10_000) + ']'.repeat(10_000);
      checkedValidate(`a = ${deep}\n`, undefined, ctx('top-level nested arrays'));
      checkedValidate(`[tasks.t]\nrun = "x"\ndeps = ${deep}\n`, undefined, ctx('nested arrays in deps'));
      checkedValidate(`[tasks.t]\nrun = "x"\ninputs = ${'['.repeat(10_000)}\n`, undefined, ctx('unclosed nested arrays'));
    });

    it('inline tables nested 10,000 deep', function () {
      const deep = '{ b = '.repeat(10_000) + '1' + ' }'.repeat(10_000);
      checkedValidate(`a = ${deep}\n`, undefined, ctx('top-level nested inline tables'));
      checkedValidate(`[tasks.t]\nrun = "x"\nenv = ${deep}\n`, undefined, ctx('nested inline tables in env'));
      checkedValidate(`[vars]\nv = ${'{ env = '.repeat(10_000)}\n`, undefined, ctx('unclosed nested inline tables'));
    });

    it('a table header and a key with 5,000 dotted segments', function () {
      const dotted = Array.from({ length: 5_000 }, (_, i) => `s${i}`).join('.');
      checkedValidate(`[${dotted}]\nx = 1\n`, undefined, ctx('5,000-segment header'));
      checkedValidate(`[tasks.${dotted}]\nrun = "x"\n`, undefined, ctx('5,000-segment task header'));
      checkedValidate(`[[${dotted}]]\nx = 1\n`, undefined, ctx('5,000-segment array-of-tables header'));
      checkedValidate(`[tasks.t]\nrun = "x"\n${dotted} = 1\n`, undefined, ctx('5,000-segment dotted key'));
    });

    it('a 1 MB single line', function () {
      const mb = 1 << 20;
      checkedValidate(`[tasks.t]\nrun = "${'x'.repeat(mb)}"\n`, undefined, ctx('1 MB run string'));
      checkedValidate(`[tasks.t]\nrun = "${'x'.repeat(mb)}\n`, undefined, ctx('1 MB unterminated string'));
      checkedValidate(`# ${'é'.repeat(mb / 2)}\n[tasks.t]\nrun = "x"\n`, undefined, ctx('1 MB comment'));
      checkedValidate('a'.repeat(mb), undefined, ctx('1 MB bare key'));
      checkedValidate(`[tasks.t]\nrun = "${'{{ .v }}'.repeat(mb / 8)}"\n`, undefined, ctx('1 MB of templates'));
    });

    it('a run string with 10,000 "{{"', function () {
      checkedValidate(`[tasks.t]\nrun = "${'{{'.repeat(10_000)}"\n`, undefined, ctx('10,000 {{ in a row'));
      checkedValidate(`[tasks.t]\nrun = "${'{{ .'.repeat(10_000)}"\n`, undefined, ctx('10,000 {{ . in a row'));
      checkedValidate(`[tasks.t]\nrun = """\n${'echo {{ \n'.repeat(10_000)}"""\n`, undefined, ctx('10,000 lines with {{'));
      checkedValidate(`[tasks.t]\nrun = "${'{{ .x }} '.repeat(10_000)}"\n`, undefined, ctx('10,000 undefined variables'));
      checkedValidate(`[tasks.t]\nrun = "x"\nif = "${'('.repeat(10_000)}"\n`, undefined, ctx('10,000 ( in a condition'));
      checkedValidate(`[tasks.t]\nrun = "x"\nif = "${'!'.repeat(10_000)}a"\n`, undefined, ctx('10,000 ! in a condition'));
    });
  });
});
