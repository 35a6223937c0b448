// Markdown for hovers and completion docs: user text (ids, descriptions,
// commands) is quoted so that it is shown, never interpreted.

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text === '' ? ' ' : '';
  return `${fence}${pad}${text.replace(/[\r\n]+/g, ' ')}${pad}${fence}`;
}

/** A fenced block that no run of backticks inside can close early. */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

/** Plain text as Markdown: what would format is escaped (inline marks, and list or quote marks opening a line); line breaks kept. */
export function escape(text: string): string {
  return text
    .replace(/[\\`*_[\]<>#|~&]/g, '\\$&')
    .replace(/^([ \t]*)([-+=]|\d+[.)])(?=[ \t]|$)/gm, (_m, indent: string, mark: string) => `${indent}${mark.replace(/[-+=.)]/, '\\$&')}`)
    .replace(/\r?\n/g, '  \n');
}

/** The first non-blank line, trimmed. */
export function firstLine(s: string | undefined): string | undefined {
  const line = s?.split(/\r?\n/).find((l) => l.trim() !== '');
  return line === undefined ? undefined : line.trim();
}

/** At most `lines` lines, with an ellipsis line when cut. */
export function clip(s: string, lines = 12): string {
  const all = s.replace(/\s+$/, '').split(/\r?\n/);
  return all.length <= lines ? all.join('\n') : `${all.slice(0, lines).join('\n')}\n…`;
}
