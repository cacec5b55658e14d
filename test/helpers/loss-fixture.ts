/**
 * test/fixtures/loss-fixture.json (SPEC-losses.md §11; float64 PyTorch
 * autograd) and how each of its losses maps onto a fer-c loss name and options.
 */
import { fixtureJson } from './fixtures.js';
import type { LossName, LossOptions } from '../../src/losses/index.js';

export interface FixtureLoss { value: number; per_row: number[]; grad: number[][] }

export interface LossFixtureCase {
  name: string; K: number; N: number; target_mu: number;
  logits: number[][]; targets: number[][];
  class_weights: number[] | null;
  row_notes: string[] | null;
  losses: Record<FixtureLossKey, FixtureLoss>;
}

export interface LossFixture {
  hyper_parameters: { liu_margin: number; liu_alpha: number };
  conventions: { suggested_tolerance_float32: { rel: number; abs: number } };
  cases: LossFixtureCase[];
}

export const FIXTURE_LOSSES = ['ce', 'focal_g1', 'focal_g2', 'maxent', 'mbls', 'maxent_mbls', 'mbls_liu'] as const;
export type FixtureLossKey = (typeof FIXTURE_LOSSES)[number];

export const lossFixture = (): LossFixture => fixtureJson<LossFixture>('loss-fixture.json');

/**
 * The fer-c loss and options that compute fixture loss `key` on case `c`.
 * Liu et al.'s MBLS penalty (m = 10, α · mean over N·K entries) is `mbls` with
 * margin 10 and weight α/K: per row (α/K) Σ_j max(0, …).
 */
export function lossFor(key: FixtureLossKey, c: LossFixtureCase, fx: LossFixture): { name: LossName; options: LossOptions } {
  const weighted = c.class_weights === null ? {} : { classWeights: c.class_weights };
  switch (key) {
    case 'ce': return { name: 'ce', options: weighted };
    case 'focal_g1': return { name: 'focal', options: { gamma: 1, ...weighted } };
    case 'focal_g2': return { name: 'focal', options: { gamma: 2, ...weighted } };
    case 'maxent': return { name: 'maxent', options: weighted };
    case 'mbls': return { name: 'mbls', options: {} };
    case 'maxent_mbls': return { name: 'maxent+mbls', options: weighted };
    case 'mbls_liu': return { name: 'mbls', options: { margin: fx.hyper_parameters.liu_margin, weight: fx.hyper_parameters.liu_alpha / c.K } };
  }
}
