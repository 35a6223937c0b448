// "Did you mean …": the closest known name to a misspelt one. Optimal string
// alignment distance, so a swapped pair (biuld → build) costs one edit —
// the commonest typo, which plain Levenshtein counts as two.

export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** How far off a word of this length may be and still be "close". */
function tolerance(len: number): number {
  return len <= 3 ? 1 : len <= 6 ? 2 : 3;
}

/** The closest candidate within tolerance; ties go to the earlier candidate. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > 200) return undefined;
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase(), tolerance(Math.max(word.length, c.length)));
    // d < word.length: a one-letter word is not a typo of another one-letter word.
    if (d <= tolerance(Math.max(word.length, c.length)) && d < word.length && d < bestD) {
      best = c;
      bestD = d;
      if (d === 0) break;
    }
  }
  return best;
}

export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
}
