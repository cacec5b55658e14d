/**
 * GMM shrinkage for sparse classes: μ = (m μ̂ + κ μ₀)/(m + κ), Σ likewise,
 * π = (N_k + 1)/(N + K); an empty class gets its prior component; with many
 * samples the fit approaches the unshrunk one. Expected values worked out here.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitGmm, type VaSample } from '../src/labels/index.js';

const CLASSES = ['Neutral', 'Happy', 'Sad'];
const close = (a: number, b: number, tol = 1e-12): boolean => Math.abs(a - b) <= tol;

test('hand-computed shrunk parameters on a tiny set', () => {
  // Happy: 5 samples, four corners ±0.1 around (0.5, 0.2) and the centre.
  const happy: VaSample[] = [
    { label: 1, va: [0.4, 0.1] }, { label: 1, va: [0.6, 0.1] }, { label: 1, va: [0.4, 0.3] }, { label: 1, va: [0.6, 0.3] },
    { label: 1, va: [0.5, 0.2] },
  ];
  const gmm = fitGmm([...happy, { label: 0, va: [0, 0] }], CLASSES, { shrinkage: { prior: 'circumplex', strength: 2 } });
  // π: N = 6, K = 3 → Neutral 2/9, Happy 6/9, Sad 1/9
  assert.ok(close(gmm.pi[0]!, 2 / 9) && close(gmm.pi[1]!, 6 / 9) && close(gmm.pi[2]!, 1 / 9), `pi ${gmm.pi}`);
  // Population std per axis = sqrt(4·0.01/5) = 0.0894 < 0.1, so the corners fall outside one std
  // and only the centre (0.5, 0.2) is kept: m = 1, Σ̂ = 0.
  // μ = (1·(0.5, 0.2) + 2·(0.65, 0.25)) / 3, Σ = 2·0.04 I / 3
  assert.ok(close(gmm.mu[1]![0], (0.5 + 1.3) / 3) && close(gmm.mu[1]![1], (0.2 + 0.5) / 3), `mu ${gmm.mu[1]}`);
  assert.ok(close(gmm.sigma[1]![0][0], 0.08 / 3) && close(gmm.sigma[1]![0][1], 0) && close(gmm.sigma[1]![1][1], 0.08 / 3));
  // Sad has no samples: exactly the prior component.
  assert.equal(gmm.mu[2], [-0.6, -0.3]);
  assert.equal(gmm.sigma[2], [[0.04, 0], [0, 0.04]]);
});

test('many samples: shrinkage barely moves the fit', () => {
  const samples: VaSample[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = (i * 2.399963) % (2 * Math.PI), r = 0.1 * ((i % 97) / 97);
    samples.push({ label: i % 3, va: [[0, 0.5, -0.5][i % 3]! + r * Math.cos(t), [0, 0.3, -0.2][i % 3]! + r * Math.sin(t)] });
  }
  const plain = fitGmm(samples, CLASSES);
  const shrunk = fitGmm(samples, CLASSES, { shrinkage: { prior: 'circumplex', strength: 1 } });
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(plain.mu[k]![0] - shrunk.mu[k]![0]) < 2e-3 && Math.abs(plain.pi[k]! - shrunk.pi[k]!) < 1e-3, `class ${k}`);
  }
});

test('without shrinkage a sparse class is still an error; unknown class names for the prior are errors', () => {
  assert.throws(() => fitGmm([{ label: 0, va: [0, 0] }, { label: 1, va: [0.5, 0.5] }], CLASSES), /class "Neutral" \(0\) has 0 usable/);
  assert.throws(() => fitGmm([{ label: 0, va: [0, 0] }], ['Neutral', 'Bored'], { shrinkage: { prior: 'circumplex', strength: 1 } }), /no component for class "Bored"/);
});

test.run();
