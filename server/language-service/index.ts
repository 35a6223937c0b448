// The language-service layer's public surface: pure LSP features over the
// runner's model, for the language server's connection code to wire up.
export { createLanguageService, type LanguageService, type LanguageServiceOptions } from './language-service';
export type { AnalysisOptions, AnalysisPart, DocumentAnalysis } from './document-analysis';
export type { Logger } from './guard';
export type { RunInfoProvider, TaskRunInfo, VarValueInfo } from './run-info';
export type { CodeActionRequest } from './code-actions';
export type { CompletionOptions } from './completion';
export type { PrepareRenameResult, RenameResult } from './rename';
