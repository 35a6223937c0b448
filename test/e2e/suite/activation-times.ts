// The extension's activation time as the extension host itself recorded it. VS Code's extension host marks
// `code/extHost/{will,did}LoadExtensionCode/<id>` around loading an extension's main module and
// `code/extHost/{will,did}ActivateExtension/<id>` around activate() until its promise settles (Date.now()
// stamps, kept in globalThis.MonacoPerformanceMarks, vs/base/common/performance: the marks behind "Developer:
// Startup Performance"). The suite runs in that host, so it can read them. No public API exposes them, so a
// host without them yields undefined, never a failure: the figure is for bench/lsp.bench.ts to print.
import * as vscode from 'vscode';
import type { ActivationFigure } from './results';

interface PerfMark {
  readonly name: string;
  readonly startTime: number;
}

function hostMarks(): readonly PerfMark[] {
  const perf = (globalThis as { MonacoPerformanceMarks?: { getMarks?: () => unknown } }).MonacoPerformanceMarks;
  const marks = typeof perf?.getMarks === 'function' ? perf.getMarks() : undefined;
  if (!Array.isArray(marks)) return [];
  return marks.filter((m): m is PerfMark => typeof m === 'object' && m !== null && typeof (m as PerfMark).name === 'string' && typeof (m as PerfMark).startTime === 'number');
}

/** The figure once the host has marked the extension's activation as done; undefined before (or without marks). */
export function activationFigure(extensionId: string): ActivationFigure | undefined {
  const marks = hostMarks();
  const at = (what: string): number | undefined => marks.find((m) => m.name === `code/extHost/${what}/${extensionId}`)?.startTime;
  const willLoad = at('willLoadExtensionCode');
  const didLoad = at('didLoadExtensionCode');
  const willActivate = at('willActivateExtension');
  const didActivate = at('didActivateExtension');
  if (willLoad === undefined || didLoad === undefined || willActivate === undefined || didActivate === undefined) return undefined;
  return {
    extensionId,
    codeLoadingMs: didLoad - willLoad,
    activateMs: didActivate - willActivate,
    totalMs: didActivate - willLoad,
    takenAt: new Date().toISOString(),
    host: `VS Code ${vscode.version} (${vscode.env.appName}, ${vscode.env.appHost}) extension host`,
  };
}
