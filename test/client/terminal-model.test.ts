import assert from 'node:assert/strict';
import { isInterrupt, MAX_UNOPENED_CHARS, TerminalBuffer, terminalText } from '../../client/terminal-model';

describe('a run\'s terminal: its text, kept until VS Code opens it', () => {
  it('ends each line with \\r\\n and keeps ANSI colours as printed', () => {
    assert.equal(terminalText('[test] \x1b[32mok\x1b[0m\n[test] done\r\n'), '[test] \x1b[32mok\x1b[0m\r\n[test] done\r\n');
    assert.equal(terminalText('no newline'), 'no newline');
  });

  it('holds what is written until the terminal opens, then passes it on in order', () => {
    const out: string[] = [];
    const b = new TerminalBuffer((d) => out.push(d));
    b.write('a\n');
    b.write('b\n');
    assert.deepEqual(out, []);
    b.open();
    b.write('c\n');
    assert.deepEqual(out, ['a\r\n', 'b\r\n', 'c\r\n']);
  });

  it('keeps the newest text when a terminal stays unopened, and says what it dropped', () => {
    const out: string[] = [];
    const b = new TerminalBuffer((d) => out.push(d));
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 2 * (MAX_UNOPENED_CHARS / 1024); i++) b.write(line);
    b.write('last\n');
    b.open();
    assert.match(out[0]!, /^… \d+ characters before this were not kept/);
    assert.equal(out[out.length - 1], 'last\r\n');
    assert.ok(out.slice(1).join('').length <= MAX_UNOPENED_CHARS);
  });

  it('takes nothing once closed', () => {
    const out: string[] = [];
    const b = new TerminalBuffer((d) => out.push(d));
    b.open();
    b.close();
    b.write('after\n');
    assert.deepEqual(out, []);
    assert.equal(b.closed, true);
  });

  it('knows Ctrl+C among the keys typed', () => {
    assert.equal(isInterrupt('\x03'), true);
    assert.equal(isInterrupt('q'), false);
  });
});
