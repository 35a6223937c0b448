import assert from 'node:assert/strict';
import { placeBreakpoints, taskLines } from './breakpoints';
import { evaluateText, lookupName } from './debug-expr';

const WF = `name = "w"
[vars]
env = "dev"

[tasks.lint]
run = "echo lint"
# a comment after lint's last key

[tasks.build]
deps = ["lint"]
run = """
echo one
echo two
"""

[tasks]
inline = { run = "true" }
`;

describe('debugger breakpoints and expressions', () => {
  it("gives each task's lines, header through last key (a multi-line string and an inline table too)", () => {
    assert.deepEqual(taskLines(WF), [
      { task: 'lint', first: 5, last: 6 },
      { task: 'build', first: 9, last: 14 },
      { task: 'inline', first: 17, last: 17 },
    ]);
    assert.deepEqual(taskLines('this is [not toml'), []);
  });

  it('verifies a breakpoint on any line of a task, and refuses one elsewhere with the reason', () => {
    const placed = placeBreakpoints(WF, [{ line: 5 }, { line: 12 }, { line: 17 }, { line: 3 }, { line: 7 }]);
    assert.deepEqual(placed.map((b) => [b.line, b.verified, b.task]), [[5, true, 'lint'], [12, true, 'build'], [17, true, 'inline'], [3, false, undefined], [7, false, undefined]]);
    assert.match(placed[3]!.message!, /not inside a task/);
    assert.match(placeBreakpoints('[oops', [{ line: 1 }])[0]!.message!, /not a workflow Cairn can read/);
  });

  it('parses a condition when it is set: a malformed one is refused, with where', () => {
    const [ok, bad, blank] = placeBreakpoints(WF, [{ line: 5, condition: 'env == "prod"' }, { line: 5, condition: 'env = "prod"' }, { line: 5, condition: '  ' }]);
    assert.equal(ok!.verified, true);
    assert.equal(ok!.conditionText, 'env == "prod"');
    assert.equal(bad!.verified, false);
    assert.match(bad!.message!, /^condition: "=" is not an operator; use "==" \(at column 5\)/);
    assert.equal(blank!.verified, true);
    assert.equal(blank!.condition, undefined);
  });

  it("looks up the debugger's names: vars.X or X, and task.id / attempt / command / dir / env.NAME", () => {
    // ownEnv holds what the process gets (a secret too); the debugger reads the masked copy.
    const prepared = { shownCommand: 'make ***', dir: '/w', ownEnv: { STAGE: 'dev', TOKEN: 's3cret' }, fingerprint: { env: { STAGE: 'dev', TOKEN: '***' } } } as never;
    const scope = { variable: (n: string) => ({ version: '1.0' })[n], task: { id: 'build', attempt: 2, prepared } };
    assert.equal(lookupName('vars.version', scope), '1.0');
    assert.equal(lookupName('version', scope), '1.0');
    assert.equal(lookupName('task.id', scope), 'build');
    assert.equal(lookupName('task.attempt', scope), '2');
    assert.equal(lookupName('task.command', scope), 'make ***');
    assert.equal(lookupName('task.dir', scope), '/w');
    assert.equal(lookupName('task.env.STAGE', scope), 'dev');
    assert.equal(lookupName('task.env.TOKEN', scope), '***', 'a secret in the env is shown masked');
    assert.equal(lookupName('task.nope', scope), undefined);
    assert.deepEqual(evaluateText('task.attempt > 1 && startsWith(task.command, "make")', scope), { ok: true, value: true });
    assert.deepEqual(evaluateText('vars.nope', scope), { ok: false, message: 'variable "vars.nope" is not set' });
    assert.equal(evaluateText('(', scope).ok, false);
  });
});
