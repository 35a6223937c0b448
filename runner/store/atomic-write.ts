// Durable whole-file replacement (readers see the old content or the new, never a mix, and both
// survive power loss), plus the two primitives the store's other writers share with it.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { errorCode, fsErrorText } from './fs-error';

export class AtomicWriteError extends Error {
  override readonly name = 'AtomicWriteError';
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The write in progress per file: overlapping writes to one file land in call order. */
const writing = new Map<string, Promise<void>>();

/**
 * Replaces `file` with `data`: a temp file in the same folder, every byte written, fsync, rename
 * over, then fsync the folder, because the rename is a change to the folder and is otherwise lost
 * on power loss. On failure the old file is untouched and the temp file removed.
 *
 * Not the write-file-atomic package: its async path (v7, and v8 too) issues one write(2) and
 * ignores the count, so on a filling disk a short write is fsync'd and renamed over the good file.
 */
export function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const key = path.resolve(file);
  const previous = writing.get(key) ?? Promise.resolve();
  const next = previous.then(
    () => replace(file, data),
    () => replace(file, data),
  );
  const settled = next.catch(() => undefined);
  writing.set(key, settled);
  void settled.then(() => {
    if (writing.get(key) === settled) writing.delete(key);
  });
  return next;
}

async function replace(file: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  // A symlink stays a symlink: its target is what gets replaced.
  const target = await fs.realpath(file).catch(() => file);
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    const old = await fs.stat(target).catch(() => undefined);
    handle = await fs.open(temp, 'wx');
    // write(2) may write fewer bytes than asked (a filling disk does): loop until all are written,
    // so the error surfaces here instead of a short file being installed.
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, done);
      if (bytesWritten <= 0) throw Object.assign(new Error('the disk accepted no bytes'), { code: 'EIO' });
      done += bytesWritten;
    }
    if (old) await handle.chmod(old.mode & 0o7777);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw new AtomicWriteError(`cannot write ${file}: ${fsErrorText(error)}`, errorCode(error), { cause: error });
  }
  try {
    await fsyncDir(dir);
  } catch (error) {
    throw new AtomicWriteError(`wrote ${file} but cannot make it durable: ${fsErrorText(error)}`, errorCode(error), { cause: error });
  }
}

/** fsyncs a folder, so that files created, renamed or removed in it stay so after power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The errno code of a Node fs error, if it has one. */
