/**
 * The calibration losses' names, options and defaults (SPEC-losses.md §2–§6,
 * §9), and the checks every implementation (float64 core, TF.js ops) shares,
 * so an option means the same thing and is refused for the same reason in both.
 */

/** The loss names, in Table 3's order with plain `mbls` before the combination. */
export const LOSS_NAMES = ['ce', 'focal', 'maxent', 'mbls', 'maxent+mbls'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

/** Options of a loss; which ones a loss takes is {@link LOSS_OPTIONS}. */
export interface LossOptions {
  /** Focal exponent γ (focal, maxent, maxent+mbls): 0 or ≥ 1; default {@link DEFAULT_GAMMA}. */
  readonly gamma?: number;
  /** MBLS margin m on raw logits (mbls, maxent+mbls): > 0; default {@link DEFAULT_MARGIN}. */
  readonly margin?: number;
  /** MBLS weight (mbls, maxent+mbls): ≥ 0; default {@link DEFAULT_MBLS_WEIGHT}. */
  readonly weight?: number;
  /** Per-class weights w_j of the target term (ce, focal, maxent, maxent+mbls): K finite values ≥ 0. */
  readonly classWeights?: readonly number[] | Float64Array;
}

/** Options with every default filled in and checked. */
export interface ResolvedLossOptions {
  readonly gamma: number;
  readonly margin: number;
  readonly weight: number;
  /** null: every class weighs 1. */
  readonly classWeights: Float64Array | null;
}

/** FER_C trains Focal and MaxEnt with `--gamma` 1 (SPEC-losses.md §3, §9). */
export const DEFAULT_GAMMA = 1;
/** FER_C's MBLS margin (SPEC-losses.md §5; the paper's prose says 10, its code 8). */
export const DEFAULT_MARGIN = 8;
/** FER_C adds MBLS with weight 1, summed over classes (SPEC-losses.md §5). */
export const DEFAULT_MBLS_WEIGHT = 1;
/** Probabilities are clamped at this before the log (SPEC-losses.md §1). */
export const LOSS_EPS = 1e-8;

/** The options each loss takes; any other option given (not undefined) is refused. */
export const LOSS_OPTIONS: Readonly<Record<LossName, readonly (keyof LossOptions)[]>> = {
  ce: ['classWeights'],
  focal: ['gamma', 'classWeights'],
  maxent: ['gamma', 'classWeights'],
  mbls: ['margin', 'weight'],
  'maxent+mbls': ['gamma', 'margin', 'weight', 'classWeights'],
};

/** A loss name or option that cannot be used, or input the loss cannot take. */
export class LossError extends Error {
  override readonly name = 'LossError';
}

export function isLossName(name: string): name is LossName {
  return (LOSS_NAMES as readonly string[]).includes(name);
}

/** The loss called `name`, or a LossError listing the valid names. */
export function lossName(name: string): LossName {
  if (typeof name !== 'string' || !isLossName(name)) {
    throw new LossError(`unknown loss ${JSON.stringify(name)}; valid losses: ${LOSS_NAMES.join(', ')}`);
  }
  return name;
}

/** Whether the loss has the (focal or CE) target term, the MaxEnt penalty, the MBLS penalty. */
export function lossParts(name: LossName): { readonly focal: boolean; readonly maxent: boolean; readonly mbls: boolean } {
  return {
    focal: name !== 'mbls',
    maxent: name === 'maxent' || name === 'maxent+mbls',
    mbls: name === 'mbls' || name === 'maxent+mbls',
  };
}

/**
 * Checks `options` for loss `name` over `classes` classes and fills in the
 * defaults. `classes` may be undefined when it is not known yet (TF.js ops
 * learn it from the logits' shape); class weights are then checked against it
 * later with {@link checkClassWeights}.
 */
export function resolveLossOptions(name: LossName, options: LossOptions = {}, classes?: number): ResolvedLossOptions {
  const allowed = LOSS_OPTIONS[name];
  for (const key of Object.keys(options) as (keyof LossOptions)[]) {
    if (options[key] === undefined) continue;
    if (!(allowed as readonly string[]).includes(key)) {
      const takes = allowed.length === 0 ? 'no options' : `only ${allowed.join(', ')}`;
      throw new LossError(`loss ${name} does not use option ${key} (it takes ${takes})`);
    }
  }
  const gamma = name === 'ce' ? 0 : options.gamma ?? DEFAULT_GAMMA;
  if (!Number.isFinite(gamma) || gamma < 0 || (gamma > 0 && gamma < 1)) {
    throw new LossError(`loss ${name}: gamma must be 0 or ≥ 1, got ${gamma} ` +
      '(for 0 < γ < 1 the focal factor\'s derivative is infinite at p = 1; SPEC-losses.md §8)');
  }
  const margin = options.margin ?? DEFAULT_MARGIN;
  if (!Number.isFinite(margin) || margin <= 0) {
    throw new LossError(`loss ${name}: margin must be a finite number > 0, got ${margin} ` +
      '(with m ≤ 0 the argmax class itself would be penalised)');
  }
  const weight = options.weight ?? DEFAULT_MBLS_WEIGHT;
  if (!Number.isFinite(weight) || weight < 0) throw new LossError(`loss ${name}: weight must be a finite number ≥ 0, got ${weight}`);
  const classWeights = options.classWeights === undefined ? null : Float64Array.from(options.classWeights);
  if (classWeights !== null) {
    classWeights.forEach((w, j) => {
      if (!Number.isFinite(w) || w < 0) throw new LossError(`loss ${name}: classWeights[${j}] must be a finite number ≥ 0, got ${w}`);
    });
    if (classes !== undefined) checkClassWeights(name, classWeights, classes);
  }
  return { gamma, margin, weight, classWeights };
}

/** Class weights must have one entry per class. */
export function checkClassWeights(name: LossName, classWeights: Float64Array | null, classes: number): void {
  if (classWeights !== null && classWeights.length !== classes) {
    throw new LossError(`loss ${name}: classWeights has ${classWeights.length} entries but the logits have ${classes} classes`);
  }
}
