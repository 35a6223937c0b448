// cairn graph <file> [--format dot|mermaid]: the workflow's DAG as text, for
// docs and reviews. Forensic tasks hang off their target with a dashed edge.
import { loadWorkflow, RefusedError } from '../engine/load-workflow';
import type { Workflow } from '../model/workflow';
import { reportError, type CliIo } from './command-context';
import { EXIT } from './exit-codes';

export type GraphFormat = 'dot' | 'mermaid';

/** DOT (Graphviz) or Mermaid text; edges point from a dep to the task that needs it. */
export function renderGraph(wf: Workflow, format: GraphFormat): string {
  const tasks = [...wf.tasks.values()];
  if (format === 'dot') {
    const q = (s: string): string => JSON.stringify(s);
    const lines = [`digraph ${q(wf.name)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
    for (const t of tasks) lines.push(`  ${q(t.id)}${t.type === 'forensic' ? ' [style="rounded,dashed"]' : ''};`);
    for (const t of tasks) {
      for (const d of t.deps) lines.push(`  ${q(d.value)} -> ${q(t.id)};`);
      if (t.type === 'forensic' && t.target) lines.push(`  ${q(t.target.value)} -> ${q(t.id)} [style=dashed, label="on failure"];`);
    }
    lines.push('}');
    return lines.join('\n') + '\n';
  }
  // Mermaid ids must be simple: number the tasks, label them with their ids.
  const n = new Map(tasks.map((t, i) => [t.id, `t${i}`]));
  const label = (s: string): string => `"${s.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart LR'];
  for (const t of tasks) lines.push(`  ${n.get(t.id)!}${t.type === 'forensic' ? `([${label(t.id)}])` : `[${label(t.id)}]`}`);
  for (const t of tasks) {
    for (const d of t.deps) if (n.has(d.value)) lines.push(`  ${n.get(d.value)!} --> ${n.get(t.id)!}`);
    if (t.type === 'forensic' && t.target && n.has(t.target.value)) lines.push(`  ${n.get(t.target.value)!} -. on failure .-> ${n.get(t.id)!}`);
  }
  return lines.join('\n') + '\n';
}

export async function graphCommand(io: CliIo, file: string, flags: { format?: string }): Promise<number> {
  try {
    const format = flags.format ?? 'dot';
    if (format !== 'dot' && format !== 'mermaid') throw new RefusedError(`--format must be dot or mermaid, got "${format}"`);
    const loaded = await loadWorkflow(file);
    io.stdout(renderGraph(loaded.workflow, format));
    return EXIT.ok;
  } catch (e) {
    return reportError(io, e);
  }
}
