// The language service the LSP host calls: one guarded entry point per
// feature over a cache of per-version analyses, whose parts each feature
// computes as it needs them (completion: the scan and the sketch, never the
// validation). Every method is total: an internal error is logged through the
// injected logger and answered with an empty result.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type {
  CodeAction,
  CompletionList,
  Diagnostic,
  DocumentHighlight,
  DocumentSymbol,
  Hover,
  Location,
  Position,
  Range,
} from 'vscode-languageserver-types';
import { getCodeActions, type CodeActionRequest } from './code-actions';
import { getCompletions } from './completion';
import { getDiagnostics } from './diagnostics';
import { AnalysisCache, type AnalysisOptions, type DocumentAnalysis } from './document-analysis';
import { guard, type Logger } from './guard';
import { getHover } from './hover';
import { getDefinition, getDocumentHighlights, getReferences } from './navigation';
import { prepareRename, rename, type PrepareRenameResult, type RenameResult } from './rename';
import type { RunInfoProvider } from './run-info';
import { getDocumentSymbols } from './symbols';

export interface LanguageServiceOptions {
  readonly logger?: Logger;
  /** Latest-run facts for hovers; without it hovers show the definition only. */
  readonly runInfo?: RunInfoProvider;
  /** Lets the validator check env_file paths. */
  readonly fileExists?: (absPath: string) => boolean;
  /** The client accepts snippet completions. */
  readonly snippetSupport?: boolean;
  /** Told which part of a document version's analysis a feature makes compute (tests, tracing). */
  readonly onCompute?: AnalysisOptions['onCompute'];
}

export interface LanguageService {
  analyze(document: TextDocument): DocumentAnalysis | undefined;
  diagnostics(document: TextDocument): Diagnostic[];
  codeActions(document: TextDocument, range: Range, request?: CodeActionRequest): CodeAction[];
  completion(document: TextDocument, position: Position): CompletionList;
  hover(document: TextDocument, position: Position): Hover | null;
  definition(document: TextDocument, position: Position): Location[];
  references(document: TextDocument, position: Position, context: { readonly includeDeclaration: boolean }): Location[];
  documentHighlights(document: TextDocument, position: Position): DocumentHighlight[];
  prepareRename(document: TextDocument, position: Position): PrepareRenameResult;
  rename(document: TextDocument, position: Position, newName: string): RenameResult;
  documentSymbols(document: TextDocument): DocumentSymbol[];
  /** Forget a closed document's analysis. */
  close(uri: string): void;
}

const RENAME_FAILED = { ok: false, message: 'rename failed: an internal error in the Cairn language service (see its log)' } as const;

export function createLanguageService(options: LanguageServiceOptions = {}): LanguageService {
  const { logger, runInfo } = options;
  const cache = new AnalysisCache({
    ...(options.fileExists ? { fileExists: options.fileExists } : {}),
    ...(options.onCompute ? { onCompute: options.onCompute } : {}),
  });
  const completionOptions = options.snippetSupport !== undefined ? { snippetSupport: options.snippetSupport } : {};
  /** Analyses the document and runs `feature` on it; any throw on the way yields `fallback`. */
  const run = <T>(what: string, document: TextDocument, fallback: T, feature: (a: DocumentAnalysis) => T): T =>
    guard(logger, `${what} (${describe(document)})`, fallback, () => feature(cache.get(document)));

  return {
    analyze: (document) => run<DocumentAnalysis | undefined>('analysis', document, undefined, (a) => a),
    diagnostics: (document) => run('diagnostics', document, [], getDiagnostics),
    codeActions: (document, range, request) => run('code actions', document, [], (a) => getCodeActions(a, range, request)),
    completion: (document, position) => run<CompletionList>('completion', document, { isIncomplete: false, items: [] }, (a) => getCompletions(a, position, completionOptions)),
    hover: (document, position) => run('hover', document, null, (a) => getHover(a, position, runInfo, logger)),
    definition: (document, position) => run('definition', document, [], (a) => getDefinition(a, position)),
    references: (document, position, context) => run('references', document, [], (a) => getReferences(a, position, context)),
    documentHighlights: (document, position) => run('document highlights', document, [], (a) => getDocumentHighlights(a, position)),
    prepareRename: (document, position) => run<PrepareRenameResult>('prepare rename', document, RENAME_FAILED, (a) => prepareRename(a, position)),
    rename: (document, position, newName) => run<RenameResult>('rename', document, RENAME_FAILED, (a) => rename(a, position, newName)),
    documentSymbols: (document) => run('document symbols', document, [], getDocumentSymbols),
    close: (uri) => guard(logger, 'close', undefined, () => cache.delete(uri)),
  };
}

function describe(document: TextDocument): string {
  try {
    return `${document.uri} v${document.version}`;
  } catch {
    return 'a document';
  }
}
