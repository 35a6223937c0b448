// Writes one DAG as each tool's input file. Peers record completion with a stamp file per task
// (`<cmd> && touch tNNNNN.stamp`), which is how make-like tools know what is done; Cairn runs the bare
// command and keeps its own journal.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dag } from './dag';

export type ToolName = 'cairn' | 'make' | 'ninja' | 'doit' | 'snakemake' | 'makeflow';

const stamp = (id: string): string => `${id}.stamp`;
const withStamp = (dag: Dag, i: number): string => `${dag.commands[i] ?? 'true'} && touch ${stamp(dag.ids[i] ?? '')}`;
const depIds = (dag: Dag, i: number): string[] => (dag.deps[i] ?? []).map((d) => dag.ids[d] ?? '');

export const CAIRN_FILE = 'wf.cairn.toml';
const MAKEFLOW_FILE = 'wf.mf';

/** Writes the tool's input for `dag` into `dir`; returns the argv that runs it (and, for peers, re-runs it after a fix). */
export function emit(tool: ToolName, dag: Dag, dir: string, cairnBin: string): string[] {
  const lines: string[] = [];
  const n = dag.ids.length;
  switch (tool) {
    case 'cairn': {
      lines.push(`name = ${JSON.stringify(dag.name)}`, '');
      for (let i = 0; i < n; i++) {
        lines.push(`[tasks.${dag.ids[i]}]`, `run = ${JSON.stringify(dag.commands[i])}`);
        const ds = depIds(dag, i);
        if (ds.length > 0) lines.push(`deps = [${ds.map((d) => JSON.stringify(d)).join(', ')}]`);
        lines.push('');
      }
      writeFileSync(join(dir, CAIRN_FILE), lines.join('\n'));
      return [process.execPath, cairnBin, 'run', CAIRN_FILE, '--parallel', '2'];
    }
    case 'make': {
      lines.push('.PHONY: all', `all: ${dag.sinks.map((s) => stamp(dag.ids[s] ?? '')).join(' ')}`, '');
      for (let i = 0; i < n; i++) {
        lines.push(`${stamp(dag.ids[i] ?? '')}: ${depIds(dag, i).map(stamp).join(' ')}`.trimEnd(), `\t${withStamp(dag, i)}`, '');
      }
      writeFileSync(join(dir, 'Makefile'), lines.join('\n'));
      return ['make', '-j2'];
    }
    case 'ninja': {
      lines.push('rule sh', '  command = $cmd', '');
      for (let i = 0; i < n; i++) {
        lines.push(`build ${stamp(dag.ids[i] ?? '')}: sh ${depIds(dag, i).map(stamp).join(' ')}`.trimEnd(), `  cmd = ${withStamp(dag, i)}`);
      }
      lines.push('', `default ${dag.sinks.map((s) => stamp(dag.ids[s] ?? '')).join(' ')}`, '');
      writeFileSync(join(dir, 'build.ninja'), lines.join('\n'));
      return ['ninja', '-j2'];
    }
    case 'doit': {
      // One generator of sub-tasks (t:t00001 …) over a table, rather than 1,000 task_ functions. A task with no
      // file_dep runs every time in doit; `run_once` makes the sources behave as make's stamps do, so a re-run
      // skips what finished (doit checks the stamps by mtime, then md5, in its dep file).
      lines.push('from doit.tools import run_once', '', "DOIT_CONFIG = {'default_tasks': ['t'], 'verbosity': 0}", '', 'TASKS = [');
      // doit treats a string action as a %-format (`%(targets)s`): a literal % is doubled (`date +%%s%%N`).
      for (let i = 0; i < n; i++) lines.push(`    (${JSON.stringify(dag.ids[i])}, ${JSON.stringify(withStamp(dag, i).replace(/%/g, '%%'))}, [${depIds(dag, i).map((d) => JSON.stringify(stamp(d))).join(', ')}]),`);
      lines.push(
        ']',
        '',
        'def task_t():',
        '    for name, action, deps in TASKS:',
        "        task = {'name': name, 'actions': [action], 'file_dep': deps, 'targets': [name + '.stamp']}",
        "        if not deps:",
        "            task['uptodate'] = [run_once]",
        '        yield task',
        '',
      );
      writeFileSync(join(dir, 'dodo.py'), lines.join('\n'));
      return ['doit', '-n', '2'];
    }
    case 'snakemake': {
      // A 1,000-long chain overflows Python's default recursion limit in snakemake's DAG walk.
      lines.push('import sys', 'sys.setrecursionlimit(100000)', '');
      lines.push('rule all:', `    input: ${dag.sinks.map((s) => JSON.stringify(stamp(dag.ids[s] ?? ''))).join(', ')}`, '');
      for (let i = 0; i < n; i++) {
        const ds = depIds(dag, i);
        lines.push(`rule ${dag.ids[i]}:`);
        if (ds.length > 0) lines.push(`    input: ${ds.map((d) => JSON.stringify(stamp(d))).join(', ')}`);
        lines.push(`    output: ${JSON.stringify(stamp(dag.ids[i] ?? ''))}`, `    shell: ${JSON.stringify(withStamp(dag, i))}`, '');
      }
      writeFileSync(join(dir, 'Snakefile'), lines.join('\n'));
      return ['snakemake', '--cores', '2', '--snakefile', 'Snakefile'];
    }
    case 'makeflow': {
      for (let i = 0; i < n; i++) {
        lines.push(`${stamp(dag.ids[i] ?? '')}: ${depIds(dag, i).map(stamp).join(' ')}`.trimEnd(), `\t${withStamp(dag, i)}`, '');
      }
      writeFileSync(join(dir, MAKEFLOW_FILE), lines.join('\n'));
      return ['makeflow', '-j2', MAKEFLOW_FILE];
    }
  }
}

/** Whether a peer's run finished every task (its sinks' stamps exist). */
export const sinkStamps = (dag: Dag): string[] => dag.sinks.map((s) => stamp(dag.ids[s] ?? ''));
