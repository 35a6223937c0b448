// `cairn validate <file>...`: every problem as path:line:col, or --json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../model/span';
import type { Severity } from '../validate/diagnostic';
import { validate } from '../validate/validate';
import { EXIT } from './exit-codes';
import { readWorkflowFile } from '../engine/read-workflow-file';

/** One entry of `cairn validate --json` (field names are part of the contract). */
export interface ValidateJsonEntry {
  readonly file: string;
  readonly severity: Severity;
  readonly message: string;
  readonly range: { readonly start: { line: number; col: number }; readonly end: { line: number; col: number } };
  readonly code: string;
}

export interface ValidateIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

export async function validateFiles(files: readonly string[], json: boolean, io: ValidateIo): Promise<number> {
  const entries: ValidateJsonEntry[] = [];
  for (const file of files) {
    const read = await readWorkflowFile(file);
    if (!read.ok) {
      entries.push({ file, severity: 'error', message: read.message, range: { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } }, code: 'file-unreadable' });
      continue;
    }
    const lines = new LineIndex(read.text);
    const diagnostics = validate(read.text, {
      fileName: path.basename(file),
      baseDir: path.dirname(path.resolve(file)),
      fileExists: (p) => fs.existsSync(p),
    });
    for (const d of diagnostics) {
      entries.push({ file, severity: d.severity, message: d.message, range: { start: lines.lineCol(d.span.start), end: lines.lineCol(d.span.end) }, code: d.code });
    }
  }
  const errors = entries.filter((e) => e.severity === 'error').length;
  const warnings = entries.length - errors;
  if (json) {
    io.stdout(JSON.stringify(entries, null, 2) + '\n');
  } else {
    for (const e of entries) io.stdout(`${e.file}:${e.range.start.line}:${e.range.start.col}: ${e.severity}: ${e.message}\n`);
  }
  const n = files.length;
  const inFiles = `${n} file${n === 1 ? '' : 's'}`;
  io.stderr(entries.length === 0 ? `${inFiles} valid\n` : `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${inFiles}\n`);
  return errors > 0 ? EXIT.usage : EXIT.ok;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
