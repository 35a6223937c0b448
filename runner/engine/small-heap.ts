// A process that spawns tasks must stay small: libuv forks, and a fork's cost grows with the parent's
// mapped memory (PERF-NOTES: 1.3 ms at 70 MB, 3.1 ms at 164 MB), blocking the event loop meanwhile.
// V8 grows the young generation to 2 × 16 MB under allocation churn — most of a driver's resident
// memory on a 1,000-task run (heap in use ≈ 14 MB, new space committed ≈ 30 MB). Pinning the
// semi-space to its initial size costs a few more (cheap, small) scavenges and saves that memory on
// every fork. V8 reads this flag whenever it resizes new space, so it holds from the next resize on.
import { setFlagsFromString } from 'node:v8';

let applied = false;

/** Called by the engine as it starts a run, a resume or a re-run, before reading anything big. */
export function keepYoungGenerationSmall(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--semi-space-growth-factor=1');
}
