// The task graphs the runner bench feeds to every tool: one DAG, emitted once per tool (see emit.ts), so
// cairn, make, ninja, snakemake and makeflow all run exactly the same tasks with the same edges.
import { prng as mulberry32 } from '../../runner/testing/prng';

export interface Dag {
  readonly name: string;
  /** Task ids, in a topological order (deps always come earlier). */
  readonly ids: readonly string[];
  /** deps[i]: indices of task i's dependencies. */
  readonly deps: readonly (readonly number[])[];
  /** The shell command of each task (without any stamp-file bookkeeping). */
  readonly commands: readonly string[];
  /** Indices of tasks nothing depends on: the goals a make-like tool is asked for. */
  readonly sinks: readonly number[];
}

const taskId = (i: number): string => `t${String(i + 1).padStart(5, '0')}`;

function build(name: string, deps: number[][], command: (i: number) => string = () => 'true'): Dag {
  const n = deps.length;
  const hasDependent = new Array<boolean>(n).fill(false);
  for (const ds of deps) for (const d of ds) hasDependent[d] = true;
  return {
    name,
    ids: Array.from({ length: n }, (_, i) => taskId(i)),
    deps,
    commands: Array.from({ length: n }, (_, i) => command(i)),
    sinks: [...Array(n).keys()].filter((i) => !hasDependent[i]),
  };
}

/** t1 → t2 → … → tn. */
export function chain(n: number, command?: (i: number) => string): Dag {
  return build(`chain ${n}`, Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1])), command);
}

/** 1 → width → 1: a source, `width` independent tasks after it, one sink after them all (width + 2 tasks). */
export function fan(width: number): Dag {
  const deps: number[][] = [[]];
  for (let i = 0; i < width; i++) deps.push([0]);
  deps.push(Array.from({ length: width }, (_, i) => i + 1));
  return build(`fan 1→${width}→1`, deps);
}

/**
 * `layers` layers of `width` tasks; every task after the first layer depends on `k` distinct tasks of the layer
 * before, picked by a seeded PRNG (mulberry32), so the graph is the same on every run and for every tool.
 */
export function layers(layerCount: number, width: number, k: number, seed = 1): Dag {
  const random = mulberry32(seed);
  const deps: number[][] = [];
  for (let l = 0; l < layerCount; l++) {
    for (let j = 0; j < width; j++) {
      if (l === 0) {
        deps.push([]);
        continue;
      }
      const picked = new Set<number>();
      while (picked.size < Math.min(k, width)) picked.add(Math.floor(random() * width));
      deps.push([...picked].sort((a, b) => a - b).map((p) => (l - 1) * width + p));
    }
  }
  return build(`layers ${layerCount}×${width} (${k} deps)`, deps);
}


/** The marker a resume workload's failing task writes once it passes: nanoseconds since the epoch (date +%s%N). */
export const FIRST_TASK_MARKER = 'first-task.ns';
/** The file whose absence makes the resume workload's failing task fail. */
export const FIX_FLAG = 'ok.flag';

/**
 * A chain of `n` whose task `failAt` (1-based) fails until FIX_FLAG exists; once it passes it writes the wall
 * clock to FIRST_TASK_MARKER, so every tool's "time until the first re-run task started" can be read the same way.
 */
export function failingChain(n: number, failAt: number): Dag {
  const dag = chain(n, (i) => (i === failAt - 1 ? `test -e ${FIX_FLAG} && date +%s%N > ${FIRST_TASK_MARKER}` : 'true'));
  return { ...dag, name: `chain ${n}, task ${failAt} fails until fixed` };
}
