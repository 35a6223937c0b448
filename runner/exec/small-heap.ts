// The processes that run a workflow (the driver, the exec hosts) keep their heaps small. Why: a fork costs
// more the bigger its parent (PERF-NOTES), and the driver holds a run for as long as it lasts (10,000 tasks:
// minutes); V8's defaults trade memory for throughput in two ways that add up there.
// - Young generation: V8 grows it to 2 × 16 MB under allocation churn, most of a driver's resident memory on
//   a 1,000-task run (heap in use ≈ 14 MB, new space committed ≈ 30 MB). Pinned to its initial size it costs
//   a few more (cheap, small) scavenges.
// - Old generation: a small young generation promotes short-lived objects (an attempt's spec and messages
//   live a few ms), which then die in the old space; V8 lets it grow to about twice its size after the last
//   full collection before it collects again. A 10,000-task run's heap reached 106 MB with 46 MB live, its
//   resident memory 176 MB. Growing it by 20% instead: peak RSS 137 MB (layers) and 123 MB (chain, from
//   161), with the same wall time.
// V8 reads both flags when it next resizes a space, so they hold from then on.
import { setFlagsFromString } from 'node:v8';

let applied = false;

/**
 * Called by the processes whose job is to drive runs, as they start: the CLI (launch.ts, before its bundle is
 * compiled and anything big is read) and an exec host. Not by the engine: the language server hosts it too, and
 * answers editing requests between its runs' events, so it keeps V8's defaults.
 */
export function keepHeapSmall(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=20');
}
