/** "Did you mean …?" for misspelt property names and enum values. */

/** Edit distance (insert, delete, substitute, swap of neighbours), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase(), t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...new Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) d[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The known name nearest to `name`, if it is near enough to be a slip
 * (one edit for names of up to 4 letters, else a quarter of the letters and at least 2; or one is a
 * prefix of the other).
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const dist = editDistance(name, k);
    if (dist < bestDistance) { best = k; bestDistance = dist; }
  }
  if (best === undefined) return undefined;
  const lower = name.toLowerCase(), bestLower = best.toLowerCase();
  const prefix = lower.length >= 3 && (bestLower.startsWith(lower) || lower.startsWith(bestLower));
  const slack = name.length <= 4 ? 1 : Math.max(2, Math.floor(name.length / 4));
  return bestDistance <= slack || prefix ? best : undefined;
}
