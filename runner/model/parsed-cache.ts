// The parse of a workflow text as JSON, so that reading the same text again skips the TOML parse and the
// position scan: on a resume or re-run of a 1,000-task workflow they are most of the time before the first task
// starts (~50 ms in a fresh process, where nothing is JIT-compiled yet; JSON.parse of the result takes ~2 ms).
// Keyed by the text's hash by its user (load-workflow.ts); checked against the text's length here. Values
// JSON cannot carry exactly (dates, big integers, inf/nan, -0) make a text uncacheable rather than wrong.
import type { ParsedToml } from './parse-workflow';
import { positionData, positionsFromData, type PositionData } from './toml-positions';

/** Bump when the parse's shape or the position scanner's output changes: older caches are then ignored. */
const FORMAT = 2;

interface CacheFile {
  readonly format: number;
  readonly length: number;
  data: Record<string, unknown>;
  readonly positions: PositionData;
}

/** JSON for `parsed` (of a text of `length` chars), or undefined when it cannot round-trip exactly. */
export function parsedToJson(parsed: ParsedToml, length: number): string | undefined {
  const positions = positionData(parsed.index);
  if (positions === undefined || !jsonSafe(parsed.data)) return undefined;
  const file: CacheFile = { format: FORMAT, length, data: parsed.data, positions };
  return JSON.stringify(file);
}

/** The parse a cache file holds, or undefined when it is not one of this format for a text of `length`. */
export function parsedFromJson(json: string, length: number): ParsedToml | undefined {
  try {
    const file = JSON.parse(json) as Partial<CacheFile>;
    if (typeof file.data === 'object' && file.data !== null) file.data = withoutPrototypes(file.data) as Record<string, unknown>;
    if (file.format !== FORMAT || file.length !== length || typeof file.data !== 'object' || file.data === null || !Array.isArray(file.positions?.children) || !Array.isArray(file.positions.nodes)) return undefined;
    return { data: file.data, index: positionsFromData(file.positions) };
  } catch {
    return undefined;
  }
}

function jsonSafe(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object':
      if (v === null) return false;
      if (Array.isArray(v)) return v.every(jsonSafe);
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return false; // a date
      return Object.values(v).every(jsonSafe);
    default:
      return false;
  }
}

/** smol-toml makes tables without a prototype (a task named `constructor` is then just a key): so must we. */
function withoutPrototypes(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(withoutPrototypes);
  const out = Object.create(null) as Record<string, unknown>;
  const from = v as Record<string, unknown>;
  // for…in, not Object.entries: no array per key on the way (JSON.parse makes only own, enumerable keys).
  for (const k in from) out[k] = withoutPrototypes(from[k]);
  return out;
}
