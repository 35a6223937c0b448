// The validation queue's contract (CONVENTIONS habit 5) on a fake clock: when a document is validated,
// which version is published, and that one failing document never stops the others.
import assert from 'node:assert/strict';
import { ValidationQueue, type VersionedDocument } from './validation-queue';

/** A manual clock: timers fire only when the test advances time, in due order. */
class FakeClock {
  private nowMs = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { readonly at: number; readonly fn: () => void }>();

  readonly api = {
    set: (fn: () => void, ms: number): unknown => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.nowMs + ms, fn });
      return id;
    },
    clear: (handle: unknown): void => {
      this.timers.delete(handle as number);
    },
  };

  get pendingTimers(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (due === undefined) break;
      const [id, t] = due;
      this.timers.delete(id);
      this.nowMs = t.at;
      t.fn();
    }
    this.nowMs = until;
  }
}

interface Doc extends VersionedDocument {
  readonly text: string;
}

interface Published {
  readonly uri: string;
  readonly version: number;
  readonly result: string;
}

const A = 'file:///w/a.cairn.toml';
const B = 'file:///w/b.cairn.toml';
const DELAY = 150;

/** A queue over an in-memory set of open documents, recording what it validates, publishes and logs. */
function setup(options: { validate?: (d: Doc) => string; onError?: (message: string) => void } = {}) {
  const clock = new FakeClock();
  const open = new Map<string, Doc>();
  const validated: { uri: string; version: number }[] = [];
  const published: Published[] = [];
  const errors: string[] = [];
  const queue = new ValidationQueue<Doc, string>({
    delayMs: DELAY,
    current: (uri) => open.get(uri),
    validate: (d) => {
      validated.push({ uri: d.uri, version: d.version });
      return options.validate ? options.validate(d) : `diagnostics of ${d.text}`;
    },
    publish: (uri, version, result) => published.push({ uri, version, result }),
    onError: options.onError ?? ((m) => errors.push(m)),
    timers: clock.api,
  });
  const edit = (uri: string, version: number, text = `v${version}`): void => {
    open.set(uri, { uri, version, text });
  };
  const close = (uri: string): void => {
    open.delete(uri);
  };
  return { clock, queue, edit, close, validated, published, errors };
}

describe('ValidationQueue', () => {
  it('validates a burst of changes once, after the delay, with the latest version', () => {
    const { clock, queue, edit, validated, published } = setup();
    for (let v = 1; v <= 5; v++) {
      edit(A, v);
      queue.schedule(A);
      clock.advance(DELAY - 1);
    }
    assert.deepEqual(validated, [], 'nothing is validated while the changes keep coming');
    assert.equal(clock.pendingTimers, 1, 'each change replaces the pending timer');
    clock.advance(1);
    assert.deepEqual(validated, [{ uri: A, version: 5 }]);
    assert.deepEqual(published, [{ uri: A, version: 5, result: 'diagnostics of v5' }]);
  });

  it('validates the version current when the timer fires, not the one that scheduled it', () => {
    const { clock, queue, edit, published } = setup();
    edit(A, 1);
    queue.schedule(A);
    // A change the host has applied but not yet scheduled (its event is still on the way).
    edit(A, 2);
    clock.advance(DELAY);
    assert.deepEqual(published.map((p) => p.version), [2]);
  });

  it('now() validates at once and cancels a pending validation', () => {
    const { clock, queue, edit, published } = setup();
    edit(A, 1);
    queue.schedule(A);
    edit(A, 2);
    queue.now(A);
    assert.deepEqual(published.map((p) => p.version), [2], 'published synchronously');
    assert.equal(clock.pendingTimers, 0);
    clock.advance(DELAY * 10);
    assert.deepEqual(published.map((p) => p.version), [2]);
  });

  it('never validates a superseded version', () => {
    const { clock, queue, edit, validated } = setup();
    edit(A, 1);
    queue.now(A);
    for (const v of [2, 3, 4]) {
      edit(A, v);
      queue.schedule(A);
      clock.advance(DELAY / 3);
    }
    clock.advance(DELAY);
    assert.deepEqual(validated.map((x) => x.version), [1, 4], 'versions 2 and 3 were superseded before their delay ended');
  });

  it('never publishes a version twice (open fires now() and schedule() for the same version)', () => {
    const { clock, queue, edit, validated, published } = setup();
    edit(A, 1);
    // vscode-languageserver's TextDocuments fires onDidOpen and then onDidChangeContent on open.
    queue.now(A);
    queue.schedule(A);
    clock.advance(DELAY);
    queue.now(A);
    queue.schedule(A);
    clock.advance(DELAY);
    assert.deepEqual(published.map((p) => p.version), [1]);
    assert.deepEqual(validated.map((x) => x.version), [1], 'an already published version is not even validated again');
  });

  it('never publishes an older version after a newer one', () => {
    const { clock, queue, edit, published } = setup();
    edit(A, 7);
    queue.now(A);
    // The host's document store answering with an older version (a reordered event) must not roll back.
    edit(A, 6);
    queue.now(A);
    queue.schedule(A);
    clock.advance(DELAY);
    edit(A, 8);
    queue.schedule(A);
    clock.advance(DELAY);
    assert.deepEqual(published.map((p) => p.version), [7, 8]);
  });

  it('keeps documents apart: each has its own timer and its own last version', () => {
    const { clock, queue, edit, published } = setup();
    edit(A, 3);
    edit(B, 1);
    queue.now(A);
    queue.schedule(B);
    clock.advance(DELAY / 2);
    edit(A, 4);
    queue.schedule(A);
    clock.advance(DELAY / 2);
    assert.deepEqual(published.map((p) => [p.uri, p.version]), [[A, 3], [B, 1]]);
    clock.advance(DELAY / 2);
    assert.deepEqual(published.map((p) => [p.uri, p.version]), [[A, 3], [B, 1], [A, 4]]);
  });

  it('forget() cancels a pending validation', () => {
    const { clock, queue, edit, close, validated, published } = setup();
    edit(A, 1);
    queue.now(A);
    edit(A, 2);
    queue.schedule(A);
    close(A);
    queue.forget(A);
    assert.equal(clock.pendingTimers, 0);
    clock.advance(DELAY * 2);
    assert.deepEqual(validated.map((x) => x.version), [1]);
    assert.deepEqual(published.map((p) => p.version), [1]);
  });

  it('publishes again after a close and a reopen, even at a lower version', () => {
    const { clock, queue, edit, close, published } = setup();
    edit(A, 5);
    queue.now(A);
    close(A);
    queue.forget(A);
    // A reopened document starts its versions over.
    edit(A, 1, 'reopened');
    queue.now(A);
    queue.schedule(A);
    clock.advance(DELAY);
    assert.deepEqual(published, [
      { uri: A, version: 5, result: 'diagnostics of v5' },
      { uri: A, version: 1, result: 'diagnostics of reopened' },
    ]);
  });

  it('skips a document closed before its timer fired, without forget()', () => {
    const { clock, queue, edit, close, validated } = setup();
    edit(A, 1);
    queue.schedule(A);
    close(A);
    clock.advance(DELAY);
    assert.deepEqual(validated, []);
  });

  it('reports a validate() that throws through onError, publishes nothing for it, and keeps working', () => {
    const { clock, queue, edit, validated, published, errors } = setup({
      validate: (d) => {
        if (d.text.includes('boom')) throw new Error('validator exploded');
        return `ok ${d.text}`;
      },
    });
    edit(A, 1, 'boom');
    edit(B, 1, 'fine');
    queue.schedule(A);
    queue.schedule(B);
    clock.advance(DELAY);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /validating file:\/\/\/w\/a\.cairn\.toml failed: .*validator exploded/);
    assert.deepEqual(published, [{ uri: B, version: 1, result: 'ok fine' }], 'the other document is still published');

    // The failed version was not recorded as published: the same document, fixed, is validated again.
    edit(A, 2, 'fixed');
    queue.schedule(A);
    edit(B, 2, 'still fine');
    queue.now(B);
    clock.advance(DELAY);
    assert.deepEqual(published.slice(1), [
      { uri: B, version: 2, result: 'ok still fine' },
      { uri: A, version: 2, result: 'ok fixed' },
    ]);
    assert.deepEqual(validated.map((x) => `${x.uri === A ? 'A' : 'B'}${x.version}`), ['A1', 'B1', 'B2', 'A2']);
  });

  it('reports a non-Error throw too', () => {
    const { queue, edit, errors } = setup({
      validate: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless dependency may do
        throw 'a string';
      },
    });
    edit(A, 1);
    queue.now(A);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /failed: a string$/);
  });

  it('survives an onError that throws too (a closed connection): nothing escapes into the timer', () => {
    const { clock, queue, edit, published } = setup({
      validate: (d) => {
        if (d.uri === A) throw new Error('validator exploded');
        return 'ok';
      },
      onError: () => {
        throw new Error('connection is closed');
      },
    });
    edit(A, 1);
    edit(B, 1);
    queue.schedule(A);
    queue.schedule(B);
    assert.doesNotThrow(() => clock.advance(DELAY));
    assert.doesNotThrow(() => queue.now(A));
    assert.deepEqual(published.map((p) => p.uri), [B]);
  });
});
