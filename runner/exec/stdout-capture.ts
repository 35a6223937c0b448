// Keeps the first maxBytes of a task's raw stdout for `register`, and whether anything was cut off.
// Unmasked on purpose: the engine decides what a registered value is and masks registered secrets itself.
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_MAX_CAPTURE_BYTES = 1024 * 1024;

export class StdoutCapture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly maxBytes = DEFAULT_MAX_CAPTURE_BYTES) {}

  push(chunk: Buffer): void {
    const room = this.maxBytes - this.size;
    if (chunk.length > room) {
      this.truncated = true;
      if (room <= 0) return;
      // A copy, so the capture does not pin the whole chunk it came from.
      this.chunks.push(Buffer.from(chunk.subarray(0, room)));
      this.size = this.maxBytes;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  text(): string {
    const bytes = Buffer.concat(this.chunks, this.size);
    // A cut can fall inside a multi-byte character: write() without end() drops that partial character
    // instead of turning it into U+FFFD.
    return this.truncated ? new StringDecoder('utf8').write(bytes) : bytes.toString('utf8');
  }
}
