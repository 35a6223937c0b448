// Runs one command the way every tool in the runner bench is run, and measures it: wall time from just before
// spawn to exit (this process's clock), and peak RSS — from GNU time's `-v` report when /usr/bin/time exists
// (ru_maxrss: the largest single process of the tree, e.g. node for Cairn, python for snakemake), otherwise by
// sampling VmHWM in /proc for the process and its descendants every 20 ms.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { treePeakRssKb } from '../../runner/testing/process-tree';

export const GNU_TIME = '/usr/bin/time';

export type RssMethod = 'gnu-time' | 'proc-sampling' | 'none';

export function rssMethod(): RssMethod {
  if (existsSync(GNU_TIME)) return 'gnu-time';
  if (existsSync('/proc/self/status')) return 'proc-sampling';
  return 'none';
}

export interface ProcResult {
  readonly wallMs: number;
  /** Epoch milliseconds (sub-ms precision) just before spawn: the origin for "time until the first task started". */
  readonly spawnedAtMs: number;
  readonly exitCode: number | null;
  readonly peakRssKb: number | undefined;
  readonly timedOut: boolean;
}

export interface ProcOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr go here (appended). */
  readonly logFile: string;
  readonly timeoutMs: number;
  readonly rss: RssMethod;
}

/** Epoch time in ms with performance.now()'s resolution (same clock as Date.now() and `date +%s%N`). */
export const epochNowMs = (): number => performance.timeOrigin + performance.now();

export function timeCommand(argv: readonly string[], opts: ProcOptions): Promise<ProcResult> {
  const timeReport = join(opts.cwd, '.bench-time-report');
  const full = opts.rss === 'gnu-time' ? [GNU_TIME, '-v', '-o', timeReport, ...argv] : [...argv];
  const log = openSync(opts.logFile, 'a');
  return new Promise((resolve, reject) => {
    const spawnedAtMs = epochNowMs();
    const t0 = performance.now();
    const child = spawn(full[0] ?? '', full.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', log, log], detached: true });
    let sampledKb = 0;
    const sampler =
      opts.rss === 'proc-sampling' && child.pid !== undefined
        ? setInterval(() => {
            sampledKb = Math.max(sampledKb, treePeakRssKb(child.pid ?? 0));
          }, 20)
        : undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      closeSync(log);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      closeSync(log);
      let exitCode = code ?? (signal ? 128 : null);
      let peakRssKb: number | undefined = opts.rss === 'proc-sampling' && sampledKb > 0 ? sampledKb : undefined;
      if (opts.rss === 'gnu-time') {
        const report = safeRead(timeReport);
        const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
        const status = /Exit status: (\d+)/.exec(report);
        if (rss?.[1]) peakRssKb = Number(rss[1]);
        if (status?.[1]) exitCode = Number(status[1]);
        else if (/Command terminated by signal/.test(report)) exitCode = 128;
      }
      resolve({ wallMs, spawnedAtMs, exitCode, peakRssKb, timedOut });
    });
  });
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
