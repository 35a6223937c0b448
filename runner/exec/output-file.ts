// Incremental parser for $CAIRN_OUTPUT, GitHub Actions' GITHUB_OUTPUT format: `name=value` lines and
// `name<<DELIM` … `DELIM` blocks. Pure: it is fed text and never touches files (output-watcher.ts does).

export interface OutputRecord {
  readonly name: string;
  readonly value: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_RULE = '[A-Za-z_][A-Za-z0-9_]*';
/** How much of a malformed line an error quotes: enough to recognise it, not enough to flood a UI. */
const SHOWN_CHARS = 200;

interface OpenHeredoc {
  /** undefined when the header's name is invalid: the block is still consumed, so its body is not read as records. */
  readonly name: string | undefined;
  readonly delimiter: string;
  readonly header: string;
  readonly line: number;
  readonly body: string[];
}

/**
 * Feed it text as it arrives; it returns the records completed so far. A line counts only once its `\n` has
 * arrived (a half-written `cursor=1` could still become `cursor=12`), a block only once its delimiter line has.
 * CRLF line ends are accepted (heredoc values are joined with `\n`). Blank lines are skipped. A malformed line
 * is remembered (the first one, quoted, plus a count) and parsing goes on.
 */
export class OutputFileParser {
  /** The unterminated last line, in pieces: joining per chunk would be quadratic for one long line. */
  private partial: string[] = [];
  private lineNumber = 0;
  private heredoc: OpenHeredoc | undefined;
  private firstError: string | undefined;
  private errorCount = 0;

  feed(chunk: string): OutputRecord[] {
    const records: OutputRecord[] = [];
    let from = 0;
    for (let newline = chunk.indexOf('\n'); newline >= 0; newline = chunk.indexOf('\n', from)) {
      let line = chunk.slice(from, newline);
      if (this.partial.length > 0) {
        line = this.partial.join('') + line;
        this.partial = [];
      }
      this.takeLine(line, records);
      from = newline + 1;
    }
    if (from < chunk.length) this.partial.push(chunk.slice(from));
    return records;
  }

  /** The file is complete: a last line without `\n` counts, and a block still open is an error. */
  end(): { records: OutputRecord[]; error?: string } {
    const records: OutputRecord[] = [];
    if (this.partial.length > 0) {
      const line = this.partial.join('');
      this.partial = [];
      this.takeLine(line, records);
    }
    const open = this.heredoc;
    if (open !== undefined) {
      this.heredoc = undefined;
      this.fail(open.line, `heredoc never closed by a "${shorten(open.delimiter)}" line`, open.header);
    }
    const error = this.error;
    return error === undefined ? { records } : { records, error };
  }

  /** The first malformed line (with how many more there were), or undefined. */
  get error(): string | undefined {
    if (this.firstError === undefined) return undefined;
    const more = this.errorCount - 1;
    return more === 0 ? this.firstError : `${this.firstError} (and ${more} more malformed line${more === 1 ? '' : 's'})`;
  }

  private takeLine(raw: string, records: OutputRecord[]): void {
    this.lineNumber++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const open = this.heredoc;
    if (open !== undefined) {
      if (line === open.delimiter) {
        this.heredoc = undefined;
        if (open.name !== undefined) records.push({ name: open.name, value: open.body.join('\n') });
      } else if (open.name !== undefined) {
        open.body.push(line);
      }
      return;
    }
    if (line.trim() === '') return;

    // As GitHub does: whichever of `=` and `<<` comes first decides the form, so values may contain either.
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals);
      if (this.checkName(name, line)) records.push({ name, value: line.slice(equals + 1) });
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (delimiter === '') {
        this.fail(this.lineNumber, 'a heredoc needs a delimiter after "<<"', line);
        return;
      }
      const valid = this.checkName(name, line);
      this.heredoc = { name: valid ? name : undefined, delimiter, header: line, line: this.lineNumber, body: [] };
    } else {
      this.fail(this.lineNumber, 'expected name=value or name<<DELIMITER', line);
    }
  }

  private checkName(name: string, line: string): boolean {
    if (NAME.test(name)) return true;
    this.fail(this.lineNumber, `invalid variable name "${shorten(name)}" (names match ${NAME_RULE})`, line);
    return false;
  }

  private fail(lineNumber: number, reason: string, line: string): void {
    this.errorCount++;
    this.firstError ??= `$CAIRN_OUTPUT line ${lineNumber}: ${reason}: ${shorten(line)}`;
  }
}

function shorten(text: string): string {
  return text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS)}…`;
}
