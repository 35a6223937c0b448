// One analysis per document version: the runner's model and diagnostics, the
// tolerant scan, and the symbol index, computed once and shared by every
// feature. Offsets stay offsets here; `range` converts at the edge.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver-types';
import type { Span } from '../../runner/model/span';
import type { Workflow } from '../../runner/model/workflow';
import type { Diagnostic } from '../../runner/validate/diagnostic';
import { analyze, type ValidateOptions } from '../../runner/validate/validate';
import { buildSymbolIndex, EMPTY_INDEX, type SymbolIndex } from './symbol-index';
import { scanToml, type TomlScan } from './toml-scan';
import { sketchWorkflow, type WorkflowSketch } from './workflow-sketch';

export interface AnalysisOptions {
  /** Lets the validator check env_file paths; the host passes a real file check. */
  readonly fileExists?: (absPath: string) => boolean;
}

export class DocumentAnalysis {
  readonly uri: string;
  readonly version: number;
  /** The document's text with a leading BOM read as a space: same offsets, and TOML ignores it. */
  readonly text: string;
  readonly workflow: Workflow | undefined;
  readonly diagnostics: readonly Diagnostic[];
  private scanned: TomlScan | undefined;
  private indexed: SymbolIndex | undefined;
  private sketched: WorkflowSketch | undefined;

  constructor(
    readonly document: TextDocument,
    options: AnalysisOptions = {},
  ) {
    this.uri = document.uri;
    this.version = document.version;
    const raw = document.getText();
    this.text = raw.charCodeAt(0) === 0xfeff ? ` ${raw.slice(1)}` : raw;
    const result = analyze(this.text, validateOptions(document.uri, options));
    this.workflow = result.workflow;
    this.diagnostics = result.diagnostics;
  }

  get scan(): TomlScan {
    return (this.scanned ??= scanToml(this.text));
  }

  /** Empty when the text is not valid TOML: then there is no model to index. */
  get symbols(): SymbolIndex {
    return (this.indexed ??= this.workflow ? buildSymbolIndex(this.text, this.workflow, this.scan) : EMPTY_INDEX);
  }

  get sketch(): WorkflowSketch {
    return (this.sketched ??= sketchWorkflow(this.text, this.scan));
  }

  range(span: Span): Range {
    const len = this.text.length;
    const start = Math.max(0, Math.min(span.start, len));
    const end = Math.max(start, Math.min(span.end, len));
    return { start: this.document.positionAt(start), end: this.document.positionAt(end) };
  }

  offsetAt(position: Position): number {
    return this.document.offsetAt(position);
  }
}

/** For a file: URI, the file name (default workflow name) and folder (env_file paths). */
function validateOptions(uri: string, options: AnalysisOptions): ValidateOptions {
  let file: string | undefined;
  try {
    if (uri.startsWith('file:')) file = fileURLToPath(uri);
  } catch {
    file = undefined; // an odd URI only costs the default name and the env_file check
  }
  if (!file) return {};
  return {
    fileName: file,
    baseDir: path.dirname(file),
    ...(options.fileExists ? { fileExists: options.fileExists } : {}),
  };
}

/** The latest analysis of each open document; a new version replaces the old one. */
export class AnalysisCache {
  private readonly byUri = new Map<string, { analysis: DocumentAnalysis; text: string }>();

  constructor(private readonly options: AnalysisOptions = {}) {}

  get(document: TextDocument): DocumentAnalysis {
    const text = document.getText();
    const cached = this.byUri.get(document.uri);
    // The text check covers a document closed and reopened, whose versions start again.
    if (cached && cached.analysis.version === document.version && cached.text === text) return cached.analysis;
    const analysis = new DocumentAnalysis(document, this.options);
    this.byUri.set(document.uri, { analysis, text });
    return analysis;
  }

  /** Drops a closed document. */
  delete(uri: string): void {
    this.byUri.delete(uri);
  }
}
