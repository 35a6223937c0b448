// One analysis per document version, made of parts each computed on first use
// and then shared by every feature: the tolerant scan and the workflow sketch
// (completion and the outline), the runner's model and diagnostics (the full
// validation: diagnostics, code actions, hovers, navigation, rename) and the
// symbol index built on both. Completion right after a keystroke thus pays for
// the scan and the sketch, not for a validation it does not read. Offsets stay
// offsets here; `range` converts at the edge.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver-types';
import type { Span } from '../../runner/model/span';
import type { Workflow } from '../../runner/model/workflow';
import type { Diagnostic } from '../../runner/validate/diagnostic';
import { analyze, type ValidateOptions } from '../../runner/validate/validate';
import { buildSymbolIndex, EMPTY_INDEX, type SymbolIndex } from './symbol-index';
import { scanTable, scanToml, tableAt, type ScanTable, type TomlScan } from './toml-scan';
import { sketchWorkflow, skimWorkflow, type WorkflowSketch } from './workflow-sketch';

/**
 * The parts of an analysis, each computed at most once per document version. skim: the sketch and where the
 * tables start, read without keeping a scan (what completion needs); scan: the full tolerant scan.
 */
export type AnalysisPart = 'validation' | 'scan' | 'skim' | 'sketch' | 'symbols';

/**
 * Names a value a feature derives from an analysis (see DocumentAnalysis.derive): computed once per version, and
 * offered to the computation of the document's next version, which may reuse the parts that did not change.
 */
export interface DerivedKey<T> {
  readonly name: string;
  /** Never set: only carries the value's type. */
  readonly type?: T;
}

type Derivations = ReadonlyMap<DerivedKey<unknown>, unknown>;

/** What the runner's validation leaves for the features: its model (valid TOML only) and its diagnostics. */
interface Validation {
  readonly workflow: Workflow | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export interface AnalysisOptions {
  /** Lets the validator check env_file paths; the host passes a real file check. */
  readonly fileExists?: (absPath: string) => boolean;
  /** Told each time a part of an analysis has been computed: which work a feature caused (tests, tracing). */
  readonly onCompute?: (part: AnalysisPart, analysis: DocumentAnalysis) => void;
}

export class DocumentAnalysis {
  readonly uri: string;
  readonly version: number;
  /** The document's text with a leading BOM read as a space: same offsets, and TOML ignores it. */
  readonly text: string;
  private validated: Validation | undefined;
  private scanned: TomlScan | undefined;
  private indexed: SymbolIndex | undefined;
  private sketched: WorkflowSketch | undefined;
  private skimmed: { readonly sketch: WorkflowSketch; readonly headerStarts: readonly number[] } | undefined;
  /** Tables read alone (by their index in the scan) for tableAt, when there is no scan. */
  private readonly tablesRead = new Map<number, ScanTable>();
  private readonly computed = new Set<AnalysisPart>();
  private readonly derivations = new Map<DerivedKey<unknown>, unknown>();
  /** What `derive` computed for the document's previous version and this one has not recomputed yet. */
  private readonly inherited: Map<DerivedKey<unknown>, unknown>;

  /** @param inherited the previous version's handOver(): values only, never a chain of analyses. */
  constructor(
    readonly document: TextDocument,
    private readonly options: AnalysisOptions = {},
    inherited?: Derivations,
  ) {
    this.inherited = new Map(inherited);
    this.uri = document.uri;
    this.version = document.version;
    const raw = document.getText();
    this.text = raw.charCodeAt(0) === 0xfeff ? ` ${raw.slice(1)}` : raw;
  }

  /** The runner's model; undefined when the text is not valid TOML. Runs the full validation on first use. */
  get workflow(): Workflow | undefined {
    return this.validation.workflow;
  }

  /** The runner's diagnostics, sorted by position. Runs the full validation on first use. */
  get diagnostics(): readonly Diagnostic[] {
    return this.validation.diagnostics;
  }

  get scan(): TomlScan {
    return (this.scanned ??= this.compute('scan', () => scanToml(this.text)));
  }

  /** Empty when the text is not valid TOML: then there is no model to index. */
  get symbols(): SymbolIndex {
    return (this.indexed ??= this.compute('symbols', () => {
      const wf = this.workflow;
      return wf ? buildSymbolIndex(this.text, wf, this.scan) : EMPTY_INDEX;
    }));
  }

  /** From the skim if there is one, else from the scan if there is one, else from a skim (cheaper than a scan). */
  get sketch(): WorkflowSketch {
    return (this.sketched ??= this.compute('sketch', () => this.skimmed?.sketch ?? (this.scanned ? sketchWorkflow(this.text, this.scanned) : this.skim.sketch)));
  }

  /**
   * The table `offset` is in (the last whose header starts before it), entries and all: from the scan when there
   * is one, else read alone where the skim says it starts (completion needs no more of a fresh version).
   */
  tableAt(offset: number): ScanTable {
    if (this.scanned) return tableAt(this.scanned, offset);
    const starts = this.skim.headerStarts;
    // Tables after the root are numbered from 1: table k starts at starts[k - 1].
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    let table = this.tablesRead.get(lo);
    if (!table) this.tablesRead.set(lo, (table = scanTable(this.text, lo === 0 ? undefined : starts[lo - 1])));
    return table;
  }

  /** Whether `part` has been computed for this version (tests, tracing). */
  has(part: AnalysisPart): boolean {
    return this.computed.has(part);
  }

  /**
   * The value `key` names for this version: computed by `compute` on first use, then kept. `compute` gets that
   * value as the document's previous version had it, if it was computed there: to be reused where it still holds,
   * never trusted blindly (the text changed in between).
   */
  derive<T>(key: DerivedKey<T>, compute: (previous: T | undefined) => T): T {
    if (this.derivations.has(key)) return this.derivations.get(key) as T;
    const value = compute(this.inherited.get(key) as T | undefined);
    // The previous version's value has served: keep one version's worth, not two.
    this.inherited.delete(key);
    this.derivations.set(key, value);
    return value;
  }

  /** The derived values the next version may reuse: this version's, or those it inherited and did not recompute. */
  handOver(): Derivations {
    if (this.inherited.size === 0) return this.derivations;
    const out = new Map(this.inherited);
    for (const [k, v] of this.derivations) out.set(k, v);
    return out;
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

  private get skim(): { readonly sketch: WorkflowSketch; readonly headerStarts: readonly number[] } {
    return (this.skimmed ??= this.compute('skim', () => skimWorkflow(this.text)));
  }

  private get validation(): Validation {
    return (this.validated ??= this.compute('validation', () => {
      // The model and the diagnostics only: the TOML parse the runner also returns is not kept with every version.
      const { workflow, diagnostics } = analyze(this.text, validateOptions(this.uri, this.options));
      return { workflow, diagnostics };
    }));
  }

  private compute<T>(part: AnalysisPart, fn: () => T): T {
    const value = fn();
    this.computed.add(part);
    this.options.onCompute?.(part, this);
    return value;
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

/**
 * The latest analysis of each open document; a new version replaces the old one. Getting it is
 * cheap: each part is computed when a feature first reads it, once per version.
 */
export class AnalysisCache {
  private readonly byUri = new Map<string, { analysis: DocumentAnalysis; text: string }>();

  constructor(private readonly options: AnalysisOptions = {}) {}

  get(document: TextDocument): DocumentAnalysis {
    const text = document.getText();
    const cached = this.byUri.get(document.uri);
    // The text check covers a document closed and reopened, whose versions start again.
    if (cached && cached.analysis.version === document.version && cached.text === text) return cached.analysis;
    const analysis = new DocumentAnalysis(document, this.options, cached?.analysis.handOver());
    this.byUri.set(document.uri, { analysis, text });
    return analysis;
  }

  /** Drops a closed document. */
  delete(uri: string): void {
    this.byUri.delete(uri);
  }
}
