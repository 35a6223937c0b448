// Makes the peer tools (and GNU time, for peak RSS; Chromium, for the run view bench) present: as root with apt-get, installs the missing Debian
// packages (one `apt-get update`, then one `apt-get install -y`); otherwise leaves them missing. Every tool that is
// missing afterwards is reported in the notes the bench prints, never skipped silently.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ToolName } from './emit';

export const onPath = (bin: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, bin)));

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Debian package candidates per binary; the first one apt knows is installed. makeflow is in cctools, which
 * Debian calls coop-computing-tools (`apt-cache search makeflow` finds nothing on bookworm). */
const PACKAGES: Record<string, readonly string[]> = {
  make: ['make'],
  ninja: ['ninja-build'],
  doit: ['python3-doit'],
  snakemake: ['snakemake'],
  makeflow: ['makeflow', 'cctools', 'coop-computing-tools'],
  time: ['time'],
  chromium: ['chromium'],
};

export interface InstallReport {
  readonly notes: string[];
}

const aptKnows = (pkg: string): boolean => {
  try {
    const out = execFileSync('apt-cache', ['policy', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /Candidate: (?!\(none\))/.test(out);
  } catch {
    return false;
  }
};

const dpkgHas = (pkg: string): boolean => {
  try {
    return /Status: install ok installed/.test(execFileSync('dpkg', ['-s', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return false;
  }
};

export function ensureTools(peers: readonly ToolName[]): InstallReport {
  // makeflow (cctools) is linked with MPI and aborts in MPI_Init unless Open MPI's runtime is installed.
  const needMpi = peers.includes('makeflow') && existsSync('/usr/bin/apt-get') && !dpkgHas('openmpi-bin');
  return ensureBinaries([...peers.filter((p) => p !== 'cairn'), 'time'], needMpi ? ['openmpi-bin'] : []);
}

/** Makes each binary present (`time` means GNU time, /usr/bin/time), installing its Debian package as root. */
export function ensureBinaries(bins: readonly string[], alsoPackages: readonly string[] = []): InstallReport {
  const notes: string[] = [];
  const missing = bins.filter((b) => (b === 'time' ? !existsSync('/usr/bin/time') : !onPath(b)));
  if (missing.length === 0 && alsoPackages.length === 0) return { notes };
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    for (const m of missing) notes.push(`${m}: not installed and not root (or no apt-get), so not installed — ${m === 'time' ? 'peak RSS sampled from /proc instead' : 'SKIPPED'}`);
    return { notes };
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: 180_000 });
  } catch (e) {
    notes.push(`apt-get update failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const pkgs: string[] = [];
  for (const m of missing) {
    const pkg = (PACKAGES[m] ?? [m]).find(aptKnows);
    if (pkg) pkgs.push(pkg);
    else notes.push(`${m}: no Debian package found (tried ${(PACKAGES[m] ?? [m]).join(', ')}) — SKIPPED`);
  }
  if (missing.includes('makeflow') && pkgs.length > 0 && !alsoPackages.includes('openmpi-bin')) pkgs.push('openmpi-bin');
  pkgs.push(...alsoPackages);
  if (pkgs.length > 0) {
    const started = Date.now();
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'ignore', env, timeout: 480_000 });
      notes.push(`installed with apt-get (${((Date.now() - started) / 1000).toFixed(0)} s): ${pkgs.join(' ')}`);
    } catch (e) {
      notes.push(`apt-get install ${pkgs.join(' ')} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  for (const m of missing) if (m !== 'time' && !onPath(m)) notes.push(`${m}: still missing after the install attempt — SKIPPED`);
  return { notes };
}
