// The runner's diagnostics as LSP diagnostics: offsets become ranges of this
// document, related spans become locations in it.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-types';
import type { Diagnostic as RunnerDiagnostic, Severity } from '../../runner/validate/diagnostic';
import type { DocumentAnalysis } from './document-analysis';

export function getDiagnostics(analysis: DocumentAnalysis): Diagnostic[] {
  return analysis.diagnostics.map((d) => toLspDiagnostic(analysis, d));
}

export function toLspDiagnostic(analysis: DocumentAnalysis, d: RunnerDiagnostic): Diagnostic {
  const out: Diagnostic = {
    range: analysis.range(d.span),
    severity: toSeverity(d.severity),
    code: d.code,
    source: 'cairn',
    message: d.message,
  };
  if (d.related && d.related.length > 0) {
    out.relatedInformation = d.related.map((r) => ({ location: { uri: analysis.uri, range: analysis.range(r.span) }, message: r.message }));
  }
  return out;
}

function toSeverity(s: Severity): DiagnosticSeverity {
  switch (s) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    default: {
      const never: never = s;
      return never;
    }
  }
}
