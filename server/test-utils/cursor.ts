// Test helper: text with one cursor marker (`|` unless told otherwise) →
// the text without it, the cursor's offset and LSP position, and a document.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position } from 'vscode-languageserver-types';

export const TEST_URI = 'file:///work/project/release.cairn.toml';

export interface Cursor {
  readonly text: string;
  readonly offset: number;
  readonly position: Position;
  readonly document: TextDocument;
}

export function document(text: string, uri = TEST_URI, version = 1): TextDocument {
  return TextDocument.create(uri, 'cairn', version, text);
}

/** Splits `marked` at its one marker; a missing or repeated marker is a mistake in the test. */
export function cursor(marked: string, options: { readonly marker?: string; readonly uri?: string } = {}): Cursor {
  const marker = options.marker ?? '|';
  const offset = marked.indexOf(marker);
  if (offset === -1) throw new Error(`no cursor marker ${JSON.stringify(marker)} in ${JSON.stringify(marked)}`);
  if (marked.indexOf(marker, offset + marker.length) !== -1) throw new Error(`more than one cursor marker ${JSON.stringify(marker)} in ${JSON.stringify(marked)}`);
  const text = marked.slice(0, offset) + marked.slice(offset + marker.length);
  const doc = document(text, options.uri);
  return { text, offset, position: doc.positionAt(offset), document: doc };
}
