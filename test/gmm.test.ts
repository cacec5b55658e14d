/**
 * GMM fit, posterior, fusion and smoothing against test/fixtures/gmm-fixture.json
 * (an independent implementation of SPEC.md §3), all within 1e-6; the GMM
 * JSON file (schema, round trip, errors naming file and line); remapping by name.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureJson } from './helpers/fixtures.js';
import {
  fitGmm, createPosterior, LabelFuser, smoothLabel, saveGmm, loadGmm, parseGmmJson, gmmToJson, remapGmm, AFFECTNET_CLASSES,
  type GmmParams, type Va,
} from '../src/labels/index.js';

interface GmmFixture {
  K: number;
  train_va: [number, number][];
  train_expression: number[];
  expected_params: { pi: number[]; mu: [number, number][]; sigma: [[number, number], [number, number]][] };
  query_va: [number, number][];
  query_expression: number[];
  expected_posterior: number[][];
  lambda: number;
  expected_fused: number[][];
  exponent: number;
  expected_smoothed_by_visibility: Record<string, number[][]>;
}

const fx = fixtureJson<GmmFixture>('gmm-fixture.json');
const TOL = 1e-6;
const dir = mkdtempSync(join(tmpdir(), 'ferc-gmm-'));

function close(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    assert.ok(Math.abs(a - expected[i]!) <= TOL, `${what}[${i}]: ${a} vs ${expected[i]} (|diff| ${Math.abs(a - expected[i]!)})`);
  });
}

function fitted(): GmmParams {
  const samples = fx.train_va.map((va, i) => ({ label: fx.train_expression[i]!, va: va as Va }));
  return fitGmm(samples, AFFECTNET_CLASSES.slice(0, fx.K));
}

test('fitted π, μ, Σ match the fixture within 1e-6', () => {
  const gmm = fitted();
  close(gmm.pi, fx.expected_params.pi, 'pi');
  for (let k = 0; k < fx.K; k++) {
    close(gmm.mu[k]!, fx.expected_params.mu[k]!, `mu[${k}]`);
    close(gmm.sigma[k]!.flat(), fx.expected_params.sigma[k]!.flat(), `sigma[${k}]`);
  }
  assert.equal(gmm.fit!.samples.reduce((a, b) => a + b, 0), fx.train_va.length);
});

test('posteriors, fused labels and smoothed labels of the 50 query points match within 1e-6', () => {
  const gmm = fitted();
  const posterior = createPosterior(gmm);
  const fuser = new LabelFuser(fx.K, gmm, fx.lambda);
  const visibilities = Object.keys(fx.expected_smoothed_by_visibility);
  assert.is(visibilities.length, 5);
  fx.query_va.forEach((va, i) => {
    close(posterior(va), fx.expected_posterior[i]!, `posterior ${i}`);
    const { fused, rule } = fuser.fuse({ label: fx.query_expression[i]!, va }, `query ${i}`);
    assert.is(rule, 'gmm');
    close(fused, fx.expected_fused[i]!, `fused ${i}`);
    for (const v of visibilities) {
      close(smoothLabel(fused, Number(v), fx.exponent), fx.expected_smoothed_by_visibility[v]![i]!, `smoothed v=${v} ${i}`);
    }
  });
  assert.equal(fuser.counts, { gmm: 50, distribution: 0, 'one-hot': 0 });
});

test('posteriors from the fixture\'s own parameters match too (posterior independent of the fit)', () => {
  const gmm: GmmParams = { classes: AFFECTNET_CLASSES.slice(0, fx.K), ...fx.expected_params };
  const posterior = createPosterior(gmm);
  fx.query_va.forEach((va, i) => close(posterior(va), fx.expected_posterior[i]!, `posterior ${i}`));
});

test('GMM JSON round trip keeps parameters and class names', () => {
  const gmm = fitted();
  const path = join(dir, 'gmm.json');
  saveGmm(path, gmm, 'fixture');
  const back = loadGmm(path);
  assert.equal(back.classes, [...AFFECTNET_CLASSES]);
  assert.equal(back.pi, gmm.pi);
  assert.equal(back.sigma, gmm.sigma);
  assert.equal(back.fit, gmm.fit);
});

test('a GMM JSON failing the schema is an error naming the file, line and field', () => {
  const text = gmmToJson(fitted());
  // Make sigma[2][1] a 3-vector: find its line in the pretty-printed text.
  const doc = JSON.parse(text) as { sigma: number[][][] };
  doc.sigma[2]![1] = [0.1, 0.2, 0.3];
  const bad = JSON.stringify(doc, null, 2);
  const lines = bad.split('\n');
  // The line where sigma[2][1] starts: the second "[" line inside the third sigma entry.
  const sigmaLine = lines.findIndex((l) => l.includes('"sigma"'));
  let depth = 0, entry = -1, row = -1, target = -1;
  for (let i = sigmaLine + 1; i < lines.length && target < 0; i++) {
    const t = lines[i]!.trim();
    if (t.startsWith('[')) {
      depth++;
      if (depth === 1) { entry++; row = -1; }
      if (depth === 2) { row++; if (entry === 2 && row === 1) target = i + 1; }
    }
    if (t.startsWith(']')) depth--;
  }
  const path = join(dir, 'bad-schema.json');
  writeFileSync(path, bad);
  assert.throws(() => loadGmm(path), (e: Error) => e.message.includes(`${path} line ${target}`) && e.message.includes('/sigma/2/1'));
  assert.throws(() => parseGmmJson(JSON.stringify({ classes: ['a', 'b'], pi: [0.5, 0.5], mu: [[0, 0], [1, 1]] }), 'x.json'),
    (e: Error) => /x\.json line 1: \/: must have required property 'sigma'/.test(e.message));
  assert.throws(() => parseGmmJson('{"classes": ["a", "b"],\n "pi": [0.5, 0.5],\n "mu": [[0, 0], [1, 1]],\n "sigma": [[[1, 0], [0, 1]], [[1, 0], [0, 1]]],\n "lambda": 3}', 'y.json'),
    (e: Error) => e.message.startsWith('y.json line 1: /: must NOT have additional properties ("lambda")'));
});

test('a GMM JSON with a singular Σ or π not summing to 1 names the file, line and class', () => {
  const text = '{\n  "classes": ["Calm", "Angry"],\n  "pi": [0.5, 0.5],\n  "mu": [[0, 0], [1, 1]],\n  "sigma": [\n    [[1, 0], [0, 1]],\n    [[1, 1], [1, 1]]\n  ]\n}';
  assert.throws(() => parseGmmJson(text, 'g.json'), (e: Error) => e.message.startsWith('g.json line 7: /sigma/1: covariance of class "Angry" is singular'));
  const pi = text.replace('[0.5, 0.5]', '[0.5, 0.6]').replace('[[1, 1], [1, 1]]', '[[1, 0], [0, 1]]');
  assert.throws(() => parseGmmJson(pi, 'g.json'), (e: Error) => e.message.startsWith('g.json line 3: /pi: sums to'));
});

test('a class with fewer than 3 usable samples is an error naming the class', () => {
  const samples = fx.train_va.map((va, i) => ({ label: fx.train_expression[i]!, va: va as Va })).filter((s) => s.label !== 5);
  // Two samples of class 5 (Disgust): at most 2 can lie within one std.
  samples.push({ label: 5, va: [0.1, 0.2] }, { label: 5, va: [0.3, 0.1] });
  assert.throws(() => fitGmm(samples, AFFECTNET_CLASSES), (e: Error) => /class "Disgust" \(5\) has [0-2] usable sample/.test(e.message));
  const none = samples.filter((s) => s.label !== 5);
  assert.throws(() => fitGmm(none, AFFECTNET_CLASSES), (e: Error) => e.message.includes('class "Disgust" (5) has 0 usable'));
});

test('a class whose usable samples are collinear (singular Σ) is an error naming the class', () => {
  const samples = fx.train_va.map((va, i) => ({ label: fx.train_expression[i]!, va: va as Va })).filter((s) => s.label !== 2);
  for (let i = 0; i < 40; i++) { const t = -0.5 + i / 40; samples.push({ label: 2, va: [t, 2 * t * 0.4] }); }
  assert.throws(() => fitGmm(samples, AFFECTNET_CLASSES), (e: Error) => e.message.includes('covariance of class "Sad" (2) is singular'));
});

test('remapGmm borrows AffectNet parameters for AffWild by name (Contempt dropped, posterior ratios kept)', () => {
  const gmm = fitted();
  const affwild = ['Neutral', 'Anger', 'Disgust', 'Fear', 'Happiness', 'Sadness', 'Surprise'];
  const mapped = remapGmm(gmm, affwild);
  assert.equal(mapped.classes, affwild);
  const from = [0, 6, 5, 4, 1, 2, 3]; // AffectNet index of each AffWild class
  from.forEach((src, i) => {
    assert.equal(mapped.mu[i], gmm.mu[src]);
    assert.equal(mapped.sigma[i], gmm.sigma[src]);
  });
  const keptMass = from.reduce((s, i) => s + gmm.pi[i]!, 0);
  close(mapped.pi, from.map((i) => gmm.pi[i]! / keptMass), 'remapped pi');
  // Posterior over the 7 = AffectNet's posterior restricted to them, renormalized.
  const full = createPosterior(gmm)(fx.query_va[3]!);
  const seven = createPosterior(mapped)(fx.query_va[3]!);
  const restricted = from.map((i) => full[i]!);
  const z = restricted.reduce((a, b) => a + b, 0);
  close(seven, restricted.map((p) => p / z), 'restricted posterior');
  assert.throws(() => remapGmm(gmm, ['Neutral', 'Boredom']), (e: Error) => e.message.includes('no class matching "Boredom"'));
});

test.run();
