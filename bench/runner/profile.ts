// Profiles one `cairn` invocation of a runner-bench workload with `node --cpu-prof` and prints where the time
// went: self time by function (mapped to the TypeScript source through dist/cli.js.map), by module, and the
// process's wall time and peak RSS. Not a bench module (bench/run.ts only runs *.bench.ts); run it by hand:
//
//   npx tsx bench/runner/profile.ts chain [N]      # cairn run on a chain of N `true` tasks (default 1000)
//   npx tsx bench/runner/profile.ts fan|layers [N]
//   npx tsx bench/runner/profile.ts resume [N]     # profiles the `cairn resume` after a run that failed at 0.9 N;
//                                                 # --window-ms W limits the table to the first W ms of the process
//   npx tsx bench/runner/profile.ts startup        # cairn run on one task
//   add --top K (default 25), --timeline (top functions per twelfth of the run), --keep to keep the temp dir
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chain, failingChain, fan, layers, FIX_FLAG, type Dag } from './dag';
import { emit } from './emit';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'cairn.js');

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function main(): void {
  const args = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
  const kind = args[0] ?? 'chain';
  const n = Number(args[1] ?? 1000);
  const top = argValue('--top', 25);
  const windowMs = argValue('--window-ms', Infinity);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-profile-'));
  const profDir = join(dir, '.prof');
  const dag: Dag =
    kind === 'fan' ? fan(n) : kind === 'layers' ? layers(10, n / 10, 3) : kind === 'resume' ? failingChain(n, Math.round(n * 0.9)) : kind === 'startup' ? chain(1) : chain(n);
  const argv = emit('cairn', dag, dir, bin).slice(1); // drop process.execPath: re-added with --cpu-prof below
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  let profiled = argv;
  if (kind === 'resume') {
    spawnSync(process.execPath, argv, { cwd: dir, env, stdio: 'ignore' });
    writeFileSync(join(dir, FIX_FLAG), '');
    const id = readdirSync(join(dir, '.cairn', 'runs'))[0] ?? '';
    profiled = [bin, 'resume', id];
  }
  const t0 = Date.now();
  const timeOut = join(dir, '.time');
  const r = spawnSync('/usr/bin/time', ['-v', '-o', timeOut, process.execPath, '--cpu-prof', `--cpu-prof-dir=${profDir}`, ...profiled], { cwd: dir, env, stdio: 'ignore' });
  const wall = Date.now() - t0;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeOut, 'utf8'))?.[1];
  // One profile per Node process: the driver, and the helpers it forks (they inherit --cpu-prof).
  const profiles = readdirSync(profDir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(profDir, f), 'utf8')) as CpuProfile);
  if (profiles.length === 0) throw new Error('no .cpuprofile written');
  const roleOf = (p: CpuProfile): string => {
    const urls = new Set(p.nodes.map((n) => n.callFrame.url));
    const has = (name: string): boolean => [...urls].some((u) => u.endsWith(name));
    return has('dist/exec-host.js') ? 'exec host' : has('dist/checkpoint.js') ? 'checkpointer' : 'driver';
  };
  console.log(`${kind} ${dag.ids.length} tasks: exit ${r.status}, wall ${wall} ms, peak RSS ${rss ? (Number(rss) / 1024).toFixed(1) : '?'} MB (driver and children)`);
  for (const profile of profiles.sort((a, b) => a.startTime - b.startTime)) {
    console.log(`\n=== ${roleOf(profile)}: profile ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms`);
    summarize(profile, top, windowMs);
  }
  if (process.argv.includes('--keep')) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

function summarize(profile: CpuProfile, top: number, windowMs: number): void {
  const byId = new Map(profile.nodes.map((nd) => [nd.id, nd]));
  const self = new Map<number, number>();
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t / 1000 > windowMs) break;
    const id = profile.samples[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const maps = new Map<string, SourceMap | null>();
  const where = (cf: CallFrame): string => {
    if (!cf.url) return '';
    const path = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
    if (/dist\/[\w-]+\.js$/.test(path)) {
      let sm = maps.get(path);
      if (sm === undefined) {
        try {
          sm = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
        } catch {
          sm = null;
        }
        maps.set(path, sm);
      }
      const found = sm?.findEntry(cf.lineNumber, cf.columnNumber);
      const e = found && 'originalSource' in found ? found : undefined;
      if (e?.originalSource) return `${relative(root, e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : join(dirname(path), e.originalSource))}:${(e.originalLine ?? 0) + 1}`;
    }
    return path.startsWith('node:') ? path : relative(root, path) || path;
  };
  const byFn = new Map<string, number>();
  const byModule = new Map<string, number>();
  for (const [id, us] of self) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const loc = where(cf);
    const key = `${cf.functionName || '(anonymous)'}  ${loc}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const mod = !loc ? cf.functionName : loc.replace(/:\d+$/, '').replace(/^node_modules\/([^/]+)\/.*/, 'node_modules/$1');
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
  }
  const print = (title: string, m: Map<string, number>, k: number): void => {
    console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled${Number.isFinite(windowMs) ? `, first ${windowMs} ms` : ''})`);
    for (const [key, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, k)) {
      console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
    }
  };
  print('self time by function', byFn, top);
  print('self time by file/module', byModule, 15);
  if (process.argv.includes('--timeline')) timeline(profile, byId, where, windowMs);
}

/** The profile cut into 12 slices of time, each with the 3 functions that took most of it: where start-up goes. */
function timeline(profile: CpuProfile, byId: Map<number, ProfileNode>, where: (cf: CallFrame) => string, windowMs: number): void {
  const endUs = Math.min(profile.endTime - profile.startTime, windowMs * 1000);
  const slices = 12;
  const per = Array.from({ length: slices }, () => new Map<string, number>());
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t > endUs) break;
    const cf = byId.get(profile.samples[i] ?? 0)?.callFrame;
    if (!cf) continue;
    const key = `${cf.functionName || '(anonymous)'} ${where(cf)}`.trim();
    const m = per[Math.min(slices - 1, Math.floor((t / endUs) * slices))];
    m?.set(key, (m.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  console.log('\ntimeline (ms from profile start: top self time in each slice)');
  per.forEach((m, i) => {
    const from = ((i * endUs) / slices / 1000).toFixed(0);
    const to = (((i + 1) * endUs) / slices / 1000).toFixed(0);
    const top3 = [...m].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, us]) => `${k} ${(us / 1000).toFixed(0)}`).join(' | ');
    console.log(`${from.padStart(6)}–${to.padEnd(6)} ${top3}`);
  });
}

main();
