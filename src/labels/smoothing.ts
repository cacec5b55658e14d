/**
 * Visibility-weighted smoothing of SPEC.md §3: α = (1 − v)^p,
 * ỹ = (1 − α) y + α / K. v = 1 leaves y unchanged; v = 0 gives the uniform
 * label (1/K, the paper's p_min).
 */

export const DEFAULT_EXPONENT = 2;

export function smoothingAlpha(visibility: number, exponent = DEFAULT_EXPONENT): number {
  if (!(visibility >= 0 && visibility <= 1)) throw new Error(`visibility must be in [0, 1], got ${visibility}`);
  if (!(exponent >= 0) || !Number.isFinite(exponent)) throw new Error(`exponent must be a finite number ≥ 0, got ${exponent}`);
  return Math.pow(1 - visibility, exponent);
}

export function smoothLabel(y: readonly number[], visibility: number, exponent = DEFAULT_EXPONENT): number[] {
  const alpha = smoothingAlpha(visibility, exponent);
  const floor = alpha / y.length;
  return y.map((p) => (1 - alpha) * p + floor);
}
