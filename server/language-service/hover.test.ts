// Hovers on task ids, variables and keys, with and without run facts.
import assert from 'node:assert/strict';
import type { Hover, MarkupContent } from 'vscode-languageserver-types';
import { cursor } from '../test-utils/cursor';
import { DocumentAnalysis } from './document-analysis';
import type { Logger } from './guard';
import { getHover } from './hover';
import type { RunInfoProvider, TaskRunInfo, VarValueInfo } from './run-info';

const WORKFLOW = `[vars]
env = "staging"
token = { env = "DEPLOY_TOKEN", default = "s3cr3t-default", secret = true, description = "deploy key" }

[tasks.version]
description = "The version, from git"
run = "git describe --tags"
register = "version"

[tasks.build]
deps = ["version"]
if = "env != 'dev'"
run = """
make VERSION={{ .version }} ENV={{ .env }}
curl -H "Authorization: {{ .token }}" https://x
"""

[tasks.why]
type = "forensic"
target = "build"
run = "tail -n 50 build.log"
`;

/** Hover at the `^` in `at`, a snippet of WORKFLOW (whose commands use `|`, so the marker is another character). */
function hover(at: string, provider?: RunInfoProvider, logger?: Logger): { hover: Hover | null; text: string; value: string } {
  const plain = at.replace('^', '');
  assert.ok(WORKFLOW.includes(plain), `"${plain}" is not in the workflow`);
  const marked = WORKFLOW.replace(plain, at.replace('^', '‸'));
  const c = cursor(marked, { marker: '‸' });
  const h = getHover(new DocumentAnalysis(c.document), c.position, provider, logger);
  return { hover: h, text: c.text, value: h ? (h.contents as MarkupContent).value : '' };
}

const provider = (tasks: Record<string, TaskRunInfo>, vars: Record<string, VarValueInfo>): RunInfoProvider => ({
  taskStatus: (_uri, id) => tasks[id],
  latestValue: (_uri, name) => vars[name],
});

describe('hover: tasks', () => {
  it('shows a task referenced in deps: description, command, registered variable, and the id range', () => {
    const { hover: h, value } = hover('deps = ["ver^sion"]');
    assert.equal(value, '**task** `version`\n\nThe version, from git\n\n```sh\ngit describe --tags\n```\n\nregisters: `version`');
    assert.deepEqual(h?.range, { start: { line: 10, character: 9 }, end: { line: 10, character: 16 } });
  });

  it('shows a task at its definition, with deps and condition, at either end of the id', () => {
    for (const at of ['[tasks.^build]', '[tasks.build^]']) {
      const { value } = hover(at);
      assert.match(value, /^\*\*task\*\* `build`/);
      assert.match(value, /deps: `version`/);
      assert.match(value, /if: `env != 'dev'`/);
      assert.match(value, /make VERSION=\{\{ \.version \}\}/);
    }
  });

  it('shows a forensic task with its target', () => {
    assert.match(hover('[tasks.w^hy]').value, /^\*\*forensic task\*\* `why` — runs when `build` fails/);
    assert.match(hover('target = "bu^ild"').value, /^\*\*task\*\* `build`/);
  });

  it('adds the latest run status and duration from the provider', () => {
    const p = provider({ build: { status: 'failed', durationMs: 83_400, runId: 'r-42', attempts: 3 } }, {});
    assert.match(hover('[tasks.bu^ild]', p).value, /last run: ✗ failed in 1m23s after 3 attempts · run `r-42`$/);
    assert.doesNotMatch(hover('[tasks.ver^sion]', p).value, /last run/);
  });

  it('shows the definition alone when the provider throws, and logs why', () => {
    const logged: string[] = [];
    const broken: RunInfoProvider = {
      taskStatus: () => {
        throw new Error('store is locked');
      },
      latestValue: () => undefined,
    };
    const { value } = hover('[tasks.bu^ild]', broken, { error: (m) => logged.push(m) });
    assert.match(value, /^\*\*task\*\* `build`/);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /store is locked/);
  });
});

describe('hover: variables', () => {
  it('says where a variable is declared and what it defaults to', () => {
    assert.equal(hover('ENV={{ .e^nv }}').value, '**variable** `env`\n\ndeclared in `[vars]`: default `staging`');
  });

  it('says which task registers a variable', () => {
    assert.equal(hover('VERSION={{ .vers^ion }}').value, '**variable** `version`\n\nregistered by task `version` (its trimmed stdout)');
    assert.match(hover('register = "ver^sion"').value, /registered by task `version`/);
  });

  it('never shows a secret: not its default, not its latest value', () => {
    const p = provider({}, { token: { value: 'tok-LEAKED', task: 'login', attempt: 1 } });
    const { value } = hover('{{ .tok^en }}', p);
    assert.doesNotMatch(value, /s3cr3t-default|tok-LEAKED/);
    assert.match(value, /^\*\*variable\*\* `token` · secret\n\ndeploy key\n\n/);
    assert.match(value, /default \*\*\*, from environment variable `\$DEPLOY_TOKEN`/);
    assert.match(value, /latest value: \*\*\* \(from task `login`, attempt 1\)/);
  });

  it('masks a value the provider marks secret even when the workflow does not', () => {
    const p = provider({}, { env: { value: 'prod-key', secret: true, source: 'cli' } });
    const { value } = hover('ENV={{ .e^nv }}', p);
    assert.doesNotMatch(value, /prod-key/);
    assert.match(value, /latest value: \*\*\* \(from cli\)/);
  });

  it('shows the latest value of a registered variable with the task and attempt that set it', () => {
    const p = provider({}, { version: { value: 'v1.4.2', task: 'version', attempt: 2, runId: 'r-7' } });
    assert.match(hover('VERSION={{ .vers^ion }}', p).value, /latest value: `v1\.4\.2` \(from task `version`, attempt 2 · run `r-7`\)$/);
  });

  it('hovers a variable inside a condition', () => {
    assert.match(hover(`if = "e^nv != 'dev'"`).value, /^\*\*variable\*\* `env`/);
  });
});

describe('hover: elsewhere', () => {
  it('shows the schema doc of a key', () => {
    assert.match(hover('targ^et = "build"').value, /^`target` — For a forensic task: the task whose failure it diagnoses\.$/);
  });

  it('shows nothing on plain values, unknown ids, or a document that is not TOML', () => {
    assert.equal(hover('git desc^ribe').hover, null);
    const c = cursor('[tasks.a]\nrun = "x"\ndeps = ["nope|"]\n');
    assert.equal(getHover(new DocumentAnalysis(c.document), c.position), null);
    const broken = cursor('[tasks.a]\nrun = "x\n[tasks.b]\ndeps = ["a|"]\n');
    assert.equal(getHover(new DocumentAnalysis(broken.document), broken.position), null);
  });
});
