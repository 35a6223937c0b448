// Reads a workflow file (for validate, run, resume…), turning every way it can fail into one
// plain sentence (no stack traces for a missing file or a directory).
import * as fs from 'node:fs';
import { fsErrorText } from '../store/fs-error';

/** Larger than any hand-written workflow; keeps a stray log file from eating memory. */
export const MAX_WORKFLOW_BYTES = 50 * 1024 * 1024;

export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

export async function readWorkflowFile(file: string): Promise<ReadResult> {
  try {
    const st = await fs.promises.stat(file);
    if (st.isDirectory()) return { ok: false, message: `"${file}" is a directory: pass workflow files, e.g. ${file.replace(/\/$/, '')}/*.cairn.toml` };
    if (!st.isFile()) return { ok: false, message: `"${file}" is not a regular file` };
    if (st.size > MAX_WORKFLOW_BYTES) {
      return { ok: false, message: `"${file}" is too large (${(st.size / 1048576).toFixed(0)} MB): workflow files are limited to ${MAX_WORKFLOW_BYTES / 1048576} MB` };
    }
    // Invalid UTF-8 becomes U+FFFD, which TOML then reports with a position.
    return { ok: true, text: new TextDecoder('utf-8').decode(await fs.promises.readFile(file)) };
  } catch (e) {
    return { ok: false, message: `cannot read "${file}": ${fsErrorText(e)}` };
  }
}
