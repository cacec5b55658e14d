/**
 * Calibrators in a pipeline spec (`metrics.calibrators`: schema and
 * normalisation) and the run's live estimate of the best calibrator so far
 * (fitted on the clean rows seen, judged on a reservoir sample of the OOD
 * rows seen), checked against the same calibrators fitted and scored directly.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fixtureJson, REPO_ROOT, FIXTURES } from './helpers/fixtures.js';
import { loadSpec, SpecError } from '../src/pipeline/spec/index.js';
import { LiveCalibration } from '../src/calibration/live-calibration.js';
import { fitCalibrator, CALIBRATOR_NAMES } from '../src/calibration/index.js';
import { ExpectedCalibrationError, PredictionBatch } from '../src/metrics/index.js';

const SPECS = join(FIXTURES, 'specs');

test('spec: metrics.calibrators is validated and kept; absent means temperature only', () => {
  const spec = loadSpec(join(REPO_ROOT, 'pipelines', 'demo.json'), [], { cwd: REPO_ROOT });
  assert.equal(spec.metrics?.calibrators, [...CALIBRATOR_NAMES]);
  const set = loadSpec(join(SPECS, 'minimal-folder.json'), ['metrics.calibrators=["temperature","isotonic"]'], { cwd: '/base' });
  assert.equal(set.metrics?.calibrators, ['temperature', 'isotonic']);
  assert.is(loadSpec(join(SPECS, 'minimal-folder.json'), [], { cwd: '/base' }).metrics?.calibrators, undefined);
  for (const [value, pattern] of [['["platt"]', /\/metrics\/calibrators\/0/], ['[]', /\/metrics\/calibrators/], ['["vector","vector"]', /\/metrics\/calibrators/]] as const) {
    let error: unknown;
    try { loadSpec(join(SPECS, 'minimal-folder.json'), [`metrics.calibrators=${value}`], { cwd: '/base' }); } catch (e) { error = e; }
    assert.ok(error instanceof SpecError && pattern.test(error.message), `${value}: ${String(error)}`);
  }
});

interface Fixture { K: number; z_id: number[][]; y_id: number[]; z_ood: number[][]; t_ood: number[][] }
const fx = fixtureJson<Fixture>('calibration-fixture.json');

const softmax = (z: readonly number[]) => { const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0); return e.map((v) => v / s); };

test('live: with every OOD row in the reservoir, the ranking = fitting and scoring directly', () => {
  const K = fx.K;
  const live = new LiveCalibration(K, CALIBRATOR_NAMES, 15, 4096);
  assert.is(live.describe(), null, 'nothing before an OOD row');
  fx.z_id.forEach((z, i) => live.addSample({ corruption: 'clean' }, softmax(z), Array.from({ length: K }, (_, k) => (k === fx.y_id[i] ? 1 : 0))));
  fx.z_ood.forEach((z, i) => live.addSample({ corruption: 'snow' }, softmax(z), fx.t_ood[i]!));
  const r = live.rank()!;
  assert.is(r.idRows, 1500); assert.is(r.oodRows, 1500); assert.is(r.sampled, 1500);
  // Directly: the calibrators fitted on z = ln softmax(z_id) (what a run sees: probabilities), ECE of each on all OOD rows.
  const logits = (rows: number[][]) => Float64Array.from(rows.flatMap((z) => softmax(z).map((p) => Math.log(Math.max(p, 1e-12)))));
  const set = { classes: K, logits: logits(fx.z_id), labels: Int32Array.from(fx.y_id) };
  const ood = logits(fx.z_ood), targets = Float64Array.from(fx.t_ood.flat());
  for (const name of CALIBRATOR_NAMES) {
    const c = fitCalibrator(name, set).calibrator, probs = new Float64Array(ood.length);
    for (let i = 0; i < 1500; i++) c.applyRow(ood.subarray(i * K, (i + 1) * K), probs.subarray(i * K, (i + 1) * K));
    const m = new ExpectedCalibrationError(15);
    m.add(new PredictionBatch(K, probs, targets));
    const got = r.ranking.find((x) => x.name === name)!.ece;
    assert.ok(Math.abs(got - m.result()) < 1e-12, `${name}: ${got} vs ${m.result()}`);
  }
  for (let i = 1; i < r.ranking.length; i++) assert.ok(r.ranking[i - 1]!.ece <= r.ranking[i]!.ece);
  assert.ok(live.describe()!.startsWith(`best calibrator so far: ${r.ranking[0]!.name} (OOD ECE `));
});

test('live: the reservoir stays at its capacity; too few clean rows leave a calibrator out', () => {
  const K = fx.K;
  const live = new LiveCalibration(K, ['temperature', 'dirichlet'], 15, 100);
  fx.z_id.slice(0, 10).forEach((z, i) => live.addSample({ corruption: 'clean' }, softmax(z), Array.from({ length: K }, (_, k) => (k === fx.y_id[i] ? 1 : 0))));
  fx.z_ood.forEach((z, i) => live.addSample({ corruption: 'snow' }, softmax(z), fx.t_ood[i]!));
  const r = live.rank()!;
  assert.is(r.sampled, 100);
  assert.is(r.oodRows, 1500);
  // dirichlet needs 2K = 16 clean rows: not ranked yet; temperature (2) is.
  assert.equal(r.ranking.map((x) => x.name).sort(), ['none', 'temperature']);
});

test.run();
