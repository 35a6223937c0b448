// Compares two PositionIndex builds of one document, path by path: every path in the parsed
// value (smol-toml's) must have the same key and value spans in both.
import type { Span } from '../model/span';
import type { PositionEntry, PositionIndex, TomlPath } from '../model/toml-positions';

export interface PositionMismatch {
  readonly path: TomlPath;
  readonly a: PositionEntry | undefined;
  readonly b: PositionEntry | undefined;
}

export interface PositionDiff {
  /** Paths compared: every table, key and array element of the document. */
  readonly paths: number;
  readonly mismatches: readonly PositionMismatch[];
}

/** Every path of a parsed TOML value, depth first; dates and scalars are leaves. */
export function valuePaths(value: unknown, base: TomlPath = [], out: TomlPath[] = []): TomlPath[] {
  if (Array.isArray(value)) {
    value.forEach((v: unknown, i) => {
      const p = [...base, i];
      out.push(p);
      valuePaths(v, p, out);
    });
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      const p = [...base, k];
      out.push(p);
      valuePaths(v, p, out);
    }
  }
  return out;
}

const sameSpan = (x: Span | undefined, y: Span | undefined): boolean =>
  x === y || (x !== undefined && y !== undefined && x.start === y.start && x.end === y.end);

export function diffPositions(parsed: unknown, a: PositionIndex, b: PositionIndex): PositionDiff {
  const paths = valuePaths(parsed);
  const mismatches: PositionMismatch[] = [];
  for (const path of paths) {
    const ea = a.get(path);
    const eb = b.get(path);
    if (!ea || !eb || !sameSpan(ea.key, eb.key) || !sameSpan(ea.value, eb.value)) mismatches.push({ path, a: ea, b: eb });
  }
  return { paths: paths.length, mismatches };
}

/** `tasks.build.deps[2]`, for messages. */
export function formatPath(path: TomlPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i > 0 ? '.' : ''}${/^[A-Za-z0-9_-]+$/.test(s) ? s : JSON.stringify(s)}`)).join('');
}
