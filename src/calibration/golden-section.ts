/**
 * Golden-section search for the minimum of a unimodal function on [lo, hi].
 * No derivatives, never leaves the bracket, and the bracket shrinks by the
 * golden ratio each step: robust for the 1-D fits calibration needs.
 */
export interface Minimum {
  readonly x: number;
  readonly value: number;
  readonly evaluations: number;
}

const INV_PHI = (Math.sqrt(5) - 1) / 2;

export function goldenSectionMinimize(f: (x: number) => number, lo: number, hi: number, tolerance = 1e-8, maxIterations = 200): Minimum {
  if (!(lo < hi)) throw new RangeError(`golden-section bracket [${lo}, ${hi}] is empty`);
  let a = lo, b = hi;
  let c = b - INV_PHI * (b - a), d = a + INV_PHI * (b - a);
  let fc = f(c), fd = f(d), evaluations = 2;
  for (let i = 0; i < maxIterations && b - a > tolerance; i++) {
    if (fc <= fd) { b = d; d = c; fd = fc; c = b - INV_PHI * (b - a); fc = f(c); }
    else { a = c; c = d; fc = fd; d = a + INV_PHI * (b - a); fd = f(d); }
    evaluations++;
  }
  // The ends are candidates too: the minimum may sit on the bracket's edge.
  const candidates: [number, number][] = [[c, fc], [d, fd], [lo, f(lo)], [hi, f(hi)]];
  evaluations += 2;
  let best = candidates[0]!;
  for (const cand of candidates) if (cand[1] < best[1]) best = cand;
  return { x: best[0], value: best[1], evaluations };
}
