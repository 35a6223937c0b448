// A task's log file as a stream: created at its first byte, not before. Most short tasks print nothing, and
// creating a file is the costliest thing a task's attempt does besides its fork (0.4-0.5 ms of file-system
// journal work on ext4 here, which the run journal's next fsync then also has to commit).
import { closeSync, openSync, write } from 'node:fs';
import { Writable } from 'node:stream';

export class LogFile extends Writable {
  private fd: number | undefined;

  constructor(private readonly file: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.fd ??= openSync(this.file, 'a');
    } catch (error) {
      callback(error as Error);
      return;
    }
    this.writeAll(this.fd, chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(this.closeFile());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    callback(this.closeFile() ?? error);
  }

  private writeAll(fd: number, chunk: Buffer, callback: (error?: Error | null) => void): void {
    write(fd, chunk, 0, chunk.length, null, (error, written) => {
      if (error) callback(error);
      else if (written < chunk.length) this.writeAll(fd, chunk.subarray(written), callback);
      else callback();
    });
  }

  private closeFile(): Error | undefined {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return undefined;
    try {
      closeSync(fd);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }
}
